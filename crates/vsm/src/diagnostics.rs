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
        let title = level
            .primary_title(diagnostic.message.as_str())
            .id(diagnostic.code);
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
