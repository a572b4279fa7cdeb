//! Diagnostics as rustc prints them: the file, line and column, the source line with a caret
//! under the problem, and the suggested fix.

use std::path::Path;

use annotate_snippets::renderer::{AnsiColor, Effects, Style};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use vsm_core::{Diagnostic, Severity};

pub const ERROR_STYLE: Style = AnsiColor::BrightRed.on_default().effects(Effects::BOLD);

/// Renders diagnostics for `source` (the text of `path`), without colour.
pub fn render(
    path: &Path,
    source: &str,
    diagnostics: &[Diagnostic],
    renderer: &Renderer,
) -> String {
    let path = path.display().to_string();
    let mut out = String::new();
    for diagnostic in diagnostics {
        let level = match diagnostic.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let message = confine(&diagnostic.message, source, diagnostic.location);
        let title = level.primary_title(message.as_str()).id(diagnostic.code);
        let mut group = Group::with_title(title);
        if let Some(location) = diagnostic.location {
            let mut annotation =
                AnnotationKind::Primary.span(location.offset..location.offset + location.len);
            if let Some(label) = &diagnostic.label {
                annotation = annotation.label(label.as_str());
            }
            let mut snippet = Snippet::source(source)
                .path(path.as_str())
                .annotation(annotation);
            if let Some((related, note)) = &diagnostic.related {
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(related.offset..related.offset + related.len)
                        .label(note.as_str()),
                );
            }
            group = group.element(snippet);
        } else {
            group = group.element(Level::NOTE.message(format!("in {path}")));
        }
        if let Some(help) = &diagnostic.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    out
}

/// Prints diagnostics to standard error, in colour when it is a terminal.
pub fn print(path: &Path, source: &str, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let text = render(path, source, diagnostics, &Renderer::styled());
    anstream::eprint!("{text}");
}

/// The longest value a message quotes whole; longer ones are cut (the snippet shows the place).
const QUOTE_LIMIT: usize = 120;

/// The message with each quoted value (between backticks) held to the line the problem is on:
/// a value that runs on past that line (a whole text file read as one YAML string, such as a
/// password file an `extends:` points at) is quoted up to the end of the line, and any quote is
/// cut at [`QUOTE_LIMIT`] characters. Only the offending line of a file is ever shown.
fn confine(message: &str, source: &str, location: Option<vsm_core::Location>) -> String {
    let line = location.map(|l| {
        let start = source[..l.offset.min(source.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        source[start..end].trim()
    });
    let mut out = String::with_capacity(message.len().min(4 * QUOTE_LIMIT));
    let mut parts = message.split('`');
    out.push_str(parts.next().unwrap_or_default());
    let mut quoted = true;
    for part in parts {
        out.push('`');
        if quoted {
            let mut value = part;
            let mut cut = false;
            if let Some(line) = line.filter(|l| !l.is_empty())
                && value.len() > line.len()
                && value.starts_with(line)
            {
                value = line;
                cut = true;
            }
            if value.chars().count() > QUOTE_LIMIT {
                let end = value
                    .char_indices()
                    .nth(QUOTE_LIMIT)
                    .map_or(value.len(), |(i, _)| i);
                value = &value[..end];
                cut = true;
            }
            out.push_str(value);
            if cut {
                out.push('…');
            }
        } else {
            out.push_str(part);
        }
        quoted = !quoted;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_start(len: usize) -> vsm_core::Location {
        vsm_core::Location {
            offset: 0,
            len,
            line: 1,
            column: 1,
        }
    }

    #[test]
    fn a_quoted_value_stops_at_the_end_of_the_offending_line() {
        let source =
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin\nsecret line\n";
        let message = "expected a map, found the text `root:x:0:0:root:/root:/bin/bash daemon:x:1:1:daemon:/usr/sbin secret line`";
        assert_eq!(
            confine(message, source, Some(at_start(31))),
            "expected a map, found the text `root:x:0:0:root:/root:/bin/bash…`"
        );
        // Values within their line are quoted whole; text outside quotes is kept.
        let message = "unknown field `proces_time`; did you mean `process_time`?";
        assert_eq!(
            confine(message, "  proces_time: 2h\n", Some(at_start(11))),
            message
        );
        let long = format!("a value `{}` here", "x".repeat(500));
        let confined = confine(&long, "", None);
        assert_eq!(
            confined,
            format!("a value `{}…` here", "x".repeat(QUOTE_LIMIT))
        );
    }
}
