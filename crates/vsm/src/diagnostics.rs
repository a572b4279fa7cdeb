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
    let path = visible(&path.display().to_string()).into_owned();
    let source = &*shown_source(source);
    let lines = Lines::new(source);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let level = match diagnostic.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let message =
            visible(&confine(&diagnostic.message, source, diagnostic.location)).into_owned();
        let label = diagnostic.label.as_deref().map(visible);
        let title = level.primary_title(message.as_str()).id(diagnostic.code);
        let mut group = Group::with_title(title);
        if let Some(location) = diagnostic.location {
            let primary = lines.span(location.offset, location.len);
            // A related place close by shares the excerpt; a far one gets its own.
            let related = diagnostic
                .related
                .as_ref()
                .map(|(related, note)| (lines.span(related.offset, related.len), note.as_str()));
            let together = related.as_ref().filter(|(other, _)| primary.near(other));
            let excerpt = together.map_or(primary.lines.clone(), |(other, _)| {
                primary.lines.start.min(other.lines.start)..primary.lines.end.max(other.lines.end)
            });
            let (text, base, first_line) = lines.excerpt(source, excerpt);
            let mut annotation =
                AnnotationKind::Primary.span(primary.bytes.start - base..primary.bytes.end - base);
            if let Some(label) = &label {
                annotation = annotation.label(label.as_ref());
            }
            let mut snippet = Snippet::source(text)
                .line_start(first_line)
                .path(path.as_str())
                .annotation(annotation);
            if let Some((other, note)) = together {
                snippet = snippet.annotation(
                    AnnotationKind::Context
                        .span(other.bytes.start - base..other.bytes.end - base)
                        .label(*note),
                );
            }
            group = group.element(snippet);
            if let Some((other, note)) = related.as_ref().filter(|_| together.is_none()) {
                let (text, base, first_line) = lines.excerpt(source, other.lines.clone());
                group = group.element(
                    Snippet::source(text)
                        .line_start(first_line)
                        .path(path.as_str())
                        .annotation(
                            AnnotationKind::Context
                                .span(other.bytes.start - base..other.bytes.end - base)
                                .label(*note),
                        ),
                );
            }
        } else {
            group = group.element(Level::NOTE.message(format!("in {path}")));
        }
        if let Some(help) = &diagnostic.help {
            group = group.element(Level::HELP.message(visible(help).into_owned()));
        }
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    out
}

/// Where each line of the source starts, found once, so that each diagnostic is rendered from
/// its own lines rather than from the whole file (which made a file with many problems
/// quadratic to print).
struct Lines {
    starts: Vec<usize>,
    len: usize,
}

/// A span in the source: its bytes and the (0-based) lines it touches.
#[derive(Clone)]
struct Span {
    bytes: std::ops::Range<usize>,
    lines: std::ops::Range<usize>,
}

impl Span {
    fn near(&self, other: &Span) -> bool {
        const NEAR_LINES: usize = 8;
        other.lines.start <= self.lines.end + NEAR_LINES
            && self.lines.start <= other.lines.end + NEAR_LINES
    }
}

impl Lines {
    fn new(source: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines {
            starts,
            len: source.len(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    fn span(&self, offset: usize, len: usize) -> Span {
        let start = offset.min(self.len);
        let end = (offset + len).min(self.len).max(start);
        Span {
            bytes: start..end,
            lines: self.line_of(start)..self.line_of(end) + 1,
        }
    }

    /// The text of `lines` (without the last newline), its byte offset, and its 1-based first
    /// line number.
    fn excerpt<'s>(
        &self,
        source: &'s str,
        lines: std::ops::Range<usize>,
    ) -> (&'s str, usize, usize) {
        let start = self.starts[lines.start];
        let end = self.starts.get(lines.end).map_or(self.len, |&next| next);
        let text = &source[start..end];
        (
            text.strip_suffix('\n').unwrap_or(text),
            start,
            lines.start + 1,
        )
    }
}

/// `text` with every control character but a line break or tab shown as an escape (`\u{1b}`):
/// names from a map or a log cannot move the cursor, recolour or clear a terminal, and stay
/// readable in a file.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn hidden(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// The source as the snippets show it: each control character (but line breaks and tabs) as
/// `?`, byte for byte, so that the diagnostics' offsets still point at the same places.
fn shown_source(source: &str) -> std::borrow::Cow<'_, str> {
    if !source.chars().any(|c| hidden(c) && c != '\r') {
        return std::borrow::Cow::Borrowed(source);
    }
    std::borrow::Cow::Owned(
        source
            .chars()
            .map(|c| {
                if hidden(c) && c != '\r' {
                    "?".repeat(c.len_utf8())
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
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

    #[test]
    fn each_diagnostic_is_rendered_from_its_own_lines_with_their_numbers() {
        // Rendering once took the whole file per diagnostic: quadratic for many problems.
        let mut source = String::from("name: D\nsteps:\n  - { id: a, process_time: 1h }\n");
        for i in 0..500 {
            source.push_str(&format!("  - {{ id: s{i}, process_time: 1h }}\n"));
        }
        source.push_str("  - { id: a, process_time: 1h }\n  - { id: s498, process_time: 1h }\n");
        let parsed = vsm_core::parse_map(&source);
        let text = render(
            Path::new("map.yaml"),
            &source,
            &parsed.diagnostics,
            &Renderer::plain(),
        );
        // The repeated `a` (line 504) far from its first definition (line 3): two excerpts.
        assert!(text.contains("--> map.yaml:504:11"), "{text}");
        assert!(
            text.contains("504 |   - { id: a, process_time: 1h }"),
            "{text}"
        );
        assert!(text.contains("::: map.yaml:3:11"), "{text}");
        assert!(
            text.contains("  3 |   - { id: a, process_time: 1h }"),
            "{text}"
        );
        // `s498` (line 505) close to its first definition (line 502): one excerpt with both.
        assert!(text.contains("--> map.yaml:505:11"), "{text}");
        assert!(
            text.contains("502 |   - { id: s498, process_time: 1h }"),
            "{text}"
        );
        assert!(!text.contains("::: map.yaml:502"), "{text}");
        assert!(
            !text.contains("s250"),
            "only the lines of each problem: {text}"
        );
    }
}
