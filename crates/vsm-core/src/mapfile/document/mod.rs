//! A map file as a generic tree, for editing it without losing what the model does not keep.
//!
//! The shared editor edits this tree, not [`ValueStream`](crate::ValueStream): every field of the
//! file (`extends:`, `measure:`, `dora:`, `targets:`, `improvements:`, `flows:`, `rework:`,
//! `after:`, `systems:` and the rest) goes through an import and an export unchanged, with the
//! order of the keys kept. [`tree`] reads a file into a [`Value`] (JSON on the wire),
//! [`to_yaml`] writes the tree back as a block-style map file, and [`apply`] changes it by
//! [`Op`]s, each giving back the op that undoes it; [`wire`] has the ops' JSON form.
//!
//! What is lost: comments, blank lines, anchors (an alias is written out as a copy of what it
//! stands for), and how a scalar was quoted or styled (a string is quoted only when YAML needs
//! it). Numbers keep their value, not their spelling (`1.50` comes back as `1.5`); durations and
//! percentages are text in YAML and come back exactly as written.

mod edit;
mod emit;
mod locate;
pub mod wire;

pub use edit::{Applied, Conflict, Edit, EditError, Key, Op, apply, display_path};
pub use emit::to_yaml;
pub use locate::path_at;
pub use wire::path_from_json;

use saphyr::{Scalar, YamlData};
use serde_json::{Map, Number, Value};

use super::nodes::{Node, Reader};
use crate::diagnostic::{Diagnostic, shorten};

/// How deep mappings and lists may nest in a tree (a map needs six levels). Deeper trees are
/// refused when read and when edited, so that nothing walking them runs out of stack.
pub const MAX_DEPTH: usize = 64;

/// Reads the text of a map file into a tree, keeping the order of the keys.
///
/// The tree is the file's YAML as it is: it need not be a valid map (the editor shows a map
/// being built, with `vsm validate`'s messages beside it). Errors are what a tree cannot hold:
/// YAML that does not parse, a file of several documents, a key that is not text, a tag, or a
/// number that is not finite, or nesting deeper than [`MAX_DEPTH`]; each names its line and
/// column.
pub fn tree(source: &str) -> Result<Value, Vec<Diagnostic>> {
    let mut reader = Reader::new(source);
    let root = reader.document();
    let value = root.as_ref().map(|root| convert(&mut reader, root, 0));
    let diagnostics = reader.into_diagnostics();
    match value {
        Some(value) if diagnostics.is_empty() => Ok(value),
        _ => Err(diagnostics),
    }
}

/// One node as a JSON value; problems are reported to `reader` (the value is then a stand-in).
fn convert(reader: &mut Reader<'_>, node: &Node<'_>, depth: usize) -> Value {
    let nested = matches!(node.data, YamlData::Sequence(_) | YamlData::Mapping(_));
    if nested && depth >= MAX_DEPTH {
        reader.report_at(
            node,
            Diagnostic::error(
                "too_deep",
                format!("the lists and mappings here nest more than {MAX_DEPTH} levels deep"),
            )
            .help("a map file needs a few levels; check the indentation"),
        );
        return Value::Null;
    }
    match &node.data {
        YamlData::Value(scalar) => scalar_value(reader, node, scalar),
        YamlData::Sequence(items) => Value::Array(
            items
                .iter()
                .map(|item| convert(reader, item, depth + 1))
                .collect(),
        ),
        YamlData::Mapping(entries) => {
            let mut map = Map::with_capacity(entries.len());
            for (key, value) in entries {
                let YamlData::Value(Scalar::String(name)) = &key.data else {
                    let written = shorten(reader.raw(key)).into_owned();
                    reader.report_at(
                        key,
                        Diagnostic::error(
                            "key_not_text",
                            format!("the key `{written}` is not text"),
                        )
                        .help(format!(
                            "the keys of a map file are field names; quote it (\"{written}\") if it is meant as one"
                        )),
                    );
                    continue;
                };
                let value = convert(reader, value, depth + 1);
                map.insert(name.to_string(), value);
            }
            Value::Object(map)
        }
        YamlData::Tagged(tag, _) => {
            reader.report_at(
                node,
                Diagnostic::error("yaml_tag", format!("the tag `{tag}` is not supported here"))
                    .help(
                        "remove the tag (the `!…` before the value); a map file needs plain values",
                    ),
            );
            Value::Null
        }
        YamlData::Representation(..) | YamlData::Alias(_) | YamlData::BadValue => {
            let written = shorten(reader.raw(node)).into_owned();
            reader.report_at(
                node,
                Diagnostic::error(
                    "yaml_value",
                    format!("`{written}` could not be read as a value"),
                )
                .help("write it as text, a number, `true` or `false`"),
            );
            Value::Null
        }
    }
}

fn scalar_value(reader: &mut Reader<'_>, node: &Node<'_>, scalar: &Scalar<'_>) -> Value {
    match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(value) => Value::Bool(*value),
        Scalar::Integer(value) => Value::Number(Number::from(*value)),
        Scalar::FloatingPoint(value) => match Number::from_f64(value.into_inner()) {
            Some(number) => Value::Number(number),
            None => {
                let written = shorten(reader.raw(node)).into_owned();
                reader.report_at(
                    node,
                    Diagnostic::error("not_finite", format!("`{written}` is not a finite number"))
                        .help("write a number, or quote it if it is meant as text"),
                );
                Value::Null
            }
        },
        Scalar::String(text) => Value::String(text.to_string()),
    }
}

#[cfg(test)]
mod tests;
