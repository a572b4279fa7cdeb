//! Renderers: each takes a checked [`ValueStream`] and its [`Analysis`] and returns text.
//!
//! A terminal report, Markdown and JSON are just renderers, like the diagrams that follow; none
//! of them reads files or prints. Every other command's output has its module here too
//! (`measure`, `simulate`, `trend`, `plan`, `check`, `discover`, `compare`), each with its JSON
//! as `Serialize` structs under [`json::SCHEMA_VERSION`] and its text for people.
#![forbid(unsafe_code)]

pub mod check;
pub mod compare;
pub mod diagnostics;
pub mod discover;
pub mod dora;
mod format;
mod graph_text;
mod html;
pub mod json;
pub mod ladder;
mod markdown;
pub mod measure;
pub mod plan;
mod png;
pub mod queue;
pub(crate) mod report;
pub mod simulate;
pub mod svg;
pub mod trend;

pub use format::Format;
pub use png::PngError;
pub use report::Style;
use vsm_core::{Analysis, ValueStream};

/// "Development · 5 people", "Platform · automated": who does a step, for labels.
pub(crate) fn who(step: &vsm_core::model::Step) -> String {
    let mut who = Vec::new();
    if let Some(team) = &step.team {
        who.push(team.clone());
    }
    if step.automated {
        who.push("automated".into());
    } else if let Some(people) = step.people {
        who.push(format!(
            "{people} {}",
            if people == 1 { "person" } else { "people" }
        ));
    }
    who.join(" · ")
}

/// "Review (review)": a step's name with its id, or the id alone where the name is the id.
pub(crate) fn step_name(step: &vsm_core::model::Step) -> String {
    if step.name == step.id {
        step.id.clone()
    } else {
        format!("{} ({})", step.name, step.id)
    }
}

/// A team's people for the tables: `-` when its steps name none.
pub(crate) fn people(team: &vsm_core::analysis::TeamTotals) -> String {
    if team.people == 0 {
        "-".into()
    } else {
        team.people.to_string()
    }
}

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

/// The map as an SVG picture in the classic value stream notation.
pub fn svg(stream: &ValueStream, analysis: &Analysis) -> String {
    svg::render(stream, analysis)
}

/// The map as SVG with each step's numbers marked by where they came from (`provenance`, one per
/// step: measured from the log, part measured, a future design, or estimated), with a legend.
pub fn svg_marked(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: &[vsm_core::measure::StepProvenance],
) -> String {
    svg::render_marked(stream, analysis, Some(provenance))
}

/// The map as a Mermaid flowchart, for Markdown on GitHub and GitLab.
pub fn mermaid(stream: &ValueStream, analysis: &Analysis) -> String {
    graph_text::mermaid(stream, analysis)
}

/// The map as a Graphviz DOT digraph.
pub fn dot(stream: &ValueStream, analysis: &Analysis) -> String {
    graph_text::dot(stream, analysis)
}

/// The map as a PNG image at twice the SVG's size, text set in the bundled DejaVu Sans.
pub fn png(stream: &ValueStream, analysis: &Analysis) -> Result<Vec<u8>, PngError> {
    png::svg_to_png(&svg::render(stream, analysis), 2.0)
}

/// [`png`] of the map as [`svg_marked`] draws it.
pub fn png_marked(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: &[vsm_core::measure::StepProvenance],
) -> Result<Vec<u8>, PngError> {
    png::svg_to_png(&svg::render_marked(stream, analysis, Some(provenance)), 2.0)
}

/// The self-contained HTML report: map, summary, steps, bottlenecks and plan in one file.
pub fn html(stream: &ValueStream, analysis: &Analysis) -> String {
    html::render(stream, analysis)
}

/// The HTML report with everything known: the measured distributions (the measurement and the
/// log it came from) and the trend over the map's snapshots, where given.
pub fn html_report(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&vsm_core::measure::Measurement, &str)>,
    trend: Option<&trend::Trend>,
) -> String {
    html::render_measured(stream, analysis, measured, trend, None)
}

/// [`html_report`] with the DORA section of a map with a `dora:` section.
pub fn html_report_with_dora(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&vsm_core::measure::Measurement, &str)>,
    trend: Option<&trend::Trend>,
    dora: Option<&dora::HtmlSection>,
) -> String {
    html::render_measured(stream, analysis, measured, trend, dora)
}
