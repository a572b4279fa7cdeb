//! Renderers: each takes a checked [`ValueStream`] and its [`Analysis`] and returns text.
//!
//! A terminal report, Markdown and JSON are just renderers, like the diagrams that follow; none
//! of them reads files or prints. Every other command's output has its module here too
//! (`measure`, `simulate`, `trend`, `plan`, `check`, `discover`, `compare`), each with its JSON
//! as `Serialize` structs under [`json::SCHEMA_VERSION`] and its text for people.
#![forbid(unsafe_code)]

mod charts;
pub mod check;
pub mod compare;
mod compare_html;
pub mod countermeasure;
pub mod diagnostics;
pub mod discover;
pub mod dora;
mod dot;
mod format;
mod graph_text;
mod grid;
mod html;
pub mod json;
pub mod ladder;
mod markdown;
pub mod measure;
pub mod paper;
mod pdf;
pub mod plan;
mod png;
pub mod queue;
pub(crate) mod report;
mod severity;
pub mod simulate;
pub mod svg;
pub mod trend;

pub use format::Format;
pub use paper::Paper;
pub use pdf::PdfError;
pub use png::{MAX_PIXELS, PngError};
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

/// A name the map gives, unless it is blank (`customer: ""`), which gives none.
pub(crate) fn given(text: Option<&String>) -> Option<&str> {
    text.map(String::as_str).filter(|t| !t.trim().is_empty())
}

/// The map as a Graphviz DOT digraph.
pub fn dot(stream: &ValueStream, analysis: &Analysis) -> String {
    dot::dot(stream, analysis)
}

/// The map as a PNG image at twice the SVG's size, text set in the bundled DejaVu Sans.
pub fn png(stream: &ValueStream, analysis: &Analysis) -> Result<Vec<u8>, PngError> {
    png_fits(stream, analysis, None, 2.0)?;
    png_of_svg(&svg::render(stream, analysis), 2.0)
}

/// Refuses a PNG of the map at `scale` that would pass [`MAX_PIXELS`], from the layout alone,
/// before its lines are routed (which takes most of the time of a large map's drawing). The
/// layout's size is the least the picture has: what passes here is checked again on the SVG.
pub fn png_fits(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: Option<&[vsm_core::measure::StepProvenance]>,
    scale: f32,
) -> Result<(), PngError> {
    let (width, height) = svg::least_size(stream, analysis, provenance);
    png::pixels(width as f64, height as f64, scale).map(|_| ())
}

/// [`png`] of the map as [`svg_marked`] draws it.
pub fn png_marked(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: &[vsm_core::measure::StepProvenance],
) -> Result<Vec<u8>, PngError> {
    png_fits(stream, analysis, Some(provenance), 2.0)?;
    png_of_svg(&svg::render_marked(stream, analysis, Some(provenance)), 2.0)
}

/// A map's SVG (as [`svg`] or [`svg_marked`] draws it) as a PNG at `scale` pixels per unit, at
/// most [`MAX_PIXELS`] pixels, drawn a strip at a time.
pub fn png_of_svg(svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
    png::svg_to_png(svg, scale)
}

/// A map's SVG sized to `paper` (landscape), scaled to fill it; an error names the sheet it
/// needs when its text would print smaller than [`paper::MIN_TEXT_MM`].
pub fn svg_on_paper(svg: &str, paper: Paper) -> Result<String, paper::PaperError> {
    let fit = paper::fit(paper, svg)?;
    Ok(paper::on_sheet(svg, &fit))
}

/// A map's SVG as a one-page PDF titled `title`, vector throughout: on `paper` (landscape)
/// scaled to fill it, or on a page of its own size; either way no text is smaller than
/// [`paper::MIN_TEXT_MM`].
pub fn pdf_of_svg(svg: &str, paper: Option<Paper>, title: &str) -> Result<Vec<u8>, PdfError> {
    pdf::svg_to_pdf(svg, paper, title)
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
    html_report_with_dora(stream, analysis, measured, trend, None)
}

/// [`html_report`] with the DORA section of a map with a `dora:` section.
pub fn html_report_with_dora(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&vsm_core::measure::Measurement, &str)>,
    trend: Option<&trend::Trend>,
    dora: Option<&dora::HtmlSection>,
) -> String {
    html::render_measured(stream, analysis, measured, trend, dora, None)
        .map(|(page, _)| page)
        .expect("a map's own SVG has a size and fonts")
}

/// [`html_report_with_dora`] printing on `paper`: the map fills the first sheet with its text at
/// [`paper::MIN_TEXT_MM`] or more, or the error names the sheet it needs. Without `paper` the
/// sheet is A3, filled whatever the text comes to; the [`paper::Fit`] says how the map prints.
pub fn html_report_on_paper(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&vsm_core::measure::Measurement, &str)>,
    trend: Option<&trend::Trend>,
    dora: Option<&dora::HtmlSection>,
    paper: Option<Paper>,
) -> Result<(String, paper::Fit), paper::PaperError> {
    html::render_measured(stream, analysis, measured, trend, dora, paper)
}
