//! Renderers: each takes a checked [`ValueStream`] and its [`Analysis`] and returns text.
//!
//! A terminal report, Markdown and JSON are just renderers, like the diagrams that follow; none
//! of them reads files or prints.
#![forbid(unsafe_code)]

pub mod json;
mod report;

pub use report::Style;
use vsm_core::{Analysis, ValueStream};

/// The plain-text report for a terminal.
pub fn text(stream: &ValueStream, analysis: &Analysis) -> String {
    report::render(stream, analysis, Style::Text)
}

/// The report as Markdown, for a wiki page or a merge request.
pub fn markdown(stream: &ValueStream, analysis: &Analysis) -> String {
    report::render(stream, analysis, Style::Markdown)
}

/// The analysis as JSON: the stable machine interface (see `docs/json.md`).
pub fn json(stream: &ValueStream, analysis: &Analysis) -> String {
    json::render(stream, analysis)
}
