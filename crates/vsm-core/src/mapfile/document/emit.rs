//! Writing a tree back as a block-style map file.

use std::fmt::Write as _;

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Map, Value};

/// Spaces per level of nesting.
const INDENT: usize = 2;

/// Bytes a key may take written as `key:`, under YAML's limit of 1024 characters.
const LONGEST_IMPLICIT_KEY: usize = 1000;

/// Writes a tree as a map file in block style: mappings one `key: value` a line, lists one
/// `- item` a line, strings quoted only when YAML would read them otherwise (as a number, a
/// boolean, null, a comment or a mapping, or losing spaces), multi-line text as a `|` block
/// when it reads back exactly, in double quotes otherwise.
///
/// Reading the result with [`tree`](super::tree) gives the same tree, keys in the same order.
pub fn to_yaml(tree: &Value) -> String {
    let mut out = String::new();
    match tree {
        Value::Object(map) if !map.is_empty() => mapping(&mut out, map, 0, false),
        Value::Array(items) if !items.is_empty() => sequence(&mut out, items, 0),
        other => {
            // A scalar document (not a map, but still a tree to round trip).
            let mut line = String::new();
            after_indicator(&mut line, other, 0);
            out.push_str(line.trim_start());
        }
    }
    out
}

/// The fields of a mapping at `indent`; the first on the current line when `inline` (after `- `).
fn mapping(out: &mut String, map: &Map<String, Value>, indent: usize, inline: bool) {
    for (position, (key, value)) in map.iter().enumerate() {
        if position > 0 || !inline {
            pad(out, indent);
        }
        let mut written = String::new();
        scalar_text(&mut written, key);
        if written.len() < LONGEST_IMPLICIT_KEY {
            out.push_str(&written);
        } else {
            // YAML reads `key:` only for keys under 1024 characters; longer ones need `? key`.
            out.push_str("? ");
            out.push_str(&written);
            out.push('\n');
            pad(out, indent);
        }
        out.push(':');
        after_indicator(out, value, indent);
    }
}

/// The items of a list at `indent`.
fn sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                out.push(' ');
                mapping(out, map, indent + INDENT, true);
            }
            _ => after_indicator(out, item, indent),
        }
    }
}

/// A value after `key:` or `-` on a line at `indent`, through the end of its last line.
fn after_indicator(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            mapping(out, map, indent + INDENT, false);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            sequence(out, items, indent + INDENT);
        }
        Value::Object(_) => out.push_str(" {}\n"),
        Value::Array(_) => out.push_str(" []\n"),
        Value::Null => out.push('\n'),
        Value::Bool(value) => {
            let _ = writeln!(out, " {value}");
        }
        Value::Number(number) => {
            let _ = writeln!(out, " {number}");
        }
        Value::String(text) => match literal_chomping(text) {
            Some(chomping) => {
                out.push_str(" |");
                out.push_str(chomping);
                out.push('\n');
                for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
                    if !line.is_empty() {
                        pad(out, indent + INDENT);
                        out.push_str(line);
                    }
                    out.push('\n');
                }
            }
            None => {
                out.push(' ');
                scalar_text(out, text);
                out.push('\n');
            }
        },
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Text as a plain scalar when YAML reads it back as the same text, double-quoted otherwise.
fn scalar_text(out: &mut String, text: &str) {
    if plain_is_safe(text) {
        out.push_str(text);
    } else {
        double_quoted(out, text);
    }
}

/// Words some YAML readers (1.1) take for booleans or null: quoted so that every reader sees text.
const RESERVED: [&str; 11] = [
    "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "<<",
];

/// Whether `text` written plain reads back as the same text, after `key: ` or `- ` or as a key.
fn plain_is_safe(text: &str) -> bool {
    let (Some(first), Some(last)) = (text.chars().next(), text.chars().last()) else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || first.is_whitespace()
        || last.is_whitespace()
        || last == ':'
        || text.contains(": ")
        || text.contains(" #")
        || text.chars().any(needs_escape)
        || text.chars().any(|c| c == '\t' || c == '\n')
        || RESERVED.iter().any(|word| word.eq_ignore_ascii_case(text))
    {
        return false;
    }
    // What is left to rule out is text that reads as another type: numbers in any of YAML's
    // spellings (`1.0`, `0x1F`, `.inf`, `1e3`...). Ask the parser rather than copy its rules.
    matches!(
        Yaml::load_from_str(text).as_deref(),
        Ok([Yaml::Value(Scalar::String(read))]) if read == text
    )
}

/// Characters a plain or literal scalar cannot hold as they are.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

/// The chomping indicator (`-` for no final newline, nothing for one) when `text` can be
/// written as a `|` literal block that reads back exactly; `None` when it needs double quotes.
fn literal_chomping(text: &str) -> Option<&'static str> {
    if !text.contains('\n') || text.chars().any(needs_escape) {
        return None;
    }
    let body = text.strip_suffix('\n');
    let chomping = if body.is_some() { "" } else { "-" };
    let body = body.unwrap_or(text);
    // A final empty line, a line starting or ending with white space (the block's indentation
    // and trailing spaces are ambiguous), or text that is all line breaks: quoted instead.
    let readable = !body.is_empty()
        && !body.ends_with('\n')
        && body
            .split('\n')
            .all(|line| !line.starts_with([' ', '\t']) && !line.ends_with([' ', '\t']))
        && !body.starts_with('\n');
    readable.then_some(chomping)
}

/// Text in double quotes, with YAML escapes for what cannot appear as it is.
fn double_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
