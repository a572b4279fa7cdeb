//! `vsm render`: the map drawn as SVG, PNG, PDF, HTML, Mermaid or Graphviz DOT.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use vsm_app::Loaded;
use vsm_render::Format;
use vsm_render::paper::{self, Paper, Picture};

use crate::{args, output};

/// What `vsm render` draws.
const PICTURES: &[(Format, &str)] = &[
    (Format::Svg, ""),
    (Format::Png, ""),
    (Format::Pdf, ""),
    (Format::Html, ""),
    (Format::Mermaid, ""),
    (Format::Dot, ""),
];

/// Draw the map: SVG, PNG, PDF, HTML, Mermaid or Graphviz DOT.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    /// Where to write; the format follows the extension unless --format says otherwise.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[arg(long, short, value_parser = args::formats(PICTURES))]
    format: Option<Format>,
    /// Size an SVG, PDF or HTML report for this sheet, landscape: the map fills it with no text
    /// under 3 mm (or the error names the sheet it needs).
    #[arg(long, value_parser = args::papers())]
    paper: Option<Paper>,
    /// Pixels per unit of the map in a PNG (default 2; at most 100 million pixels in all).
    #[arg(long, value_parser = args::scale)]
    scale: Option<f32>,
}

pub fn run(args: &Args) -> Result<()> {
    let output = args.output.as_deref();
    let format = match (args.format, output) {
        (Some(format), _) => format,
        (None, Some(path)) => Format::from_path(path)
            .filter(|format| PICTURES.iter().any(|(f, _)| f == format))
            .with_context(|| {
                format!(
                    "cannot tell the format from `{}`; use an extension .svg, .png, .pdf, .html, .mmd or .dot, or pass --format",
                    path.display()
                )
            })?,
        (None, None) => Format::Svg,
    };
    if args.paper.is_some() && !matches!(format, Format::Svg | Format::Pdf | Format::Html) {
        bail!(
            "--paper sizes a printed sheet, and {format} is not printed as one; use it with SVG, PDF or HTML (`-o map.pdf`)"
        );
    }
    if args.scale.is_some() && format != Format::Png {
        bail!(
            "--scale sets the pixels of a PNG, and {format} has none; leave it out, or write a PNG (`-o map.png`)"
        );
    }
    let files = output::file_system()?;
    let loaded = output::loaded(&files, &args.file, None)?;
    let (stream, analysis) = (&loaded.stream, &loaded.analysis);
    let _days = stream.telling();
    // A measured map marks which of its numbers are measured, in every picture of it.
    let picture = || match &loaded.measured {
        Some(measured) => vsm_render::svg_marked(stream, analysis, &measured.provenance),
        None => vsm_render::svg(stream, analysis),
    };
    let text = match format {
        Format::Mermaid => vsm_render::mermaid(stream, analysis),
        Format::Dot => vsm_render::dot(stream, analysis),
        Format::Html => report_page(
            &args.file,
            &loaded,
            None,
            vsm_app::dora::Asked::default(),
            args.paper,
        )?,
        Format::Svg => match args.paper {
            Some(paper) => vsm_render::svg_on_paper(&picture(), paper)?,
            None => picture(),
        },
        Format::Png | Format::Pdf => {
            let Some(output) = output else {
                bail!(
                    "a {} needs a file to go to; pass `-o map.{}`",
                    format.name().to_uppercase(),
                    format.extension()
                );
            };
            if format == Format::Png {
                // Refused before the map is drawn, which takes a while for a large one.
                let provenance = loaded.measured.as_ref().map(|m| m.provenance.as_slice());
                vsm_render::png_fits(stream, analysis, provenance, args.scale.unwrap_or(2.0))?;
            }
            let svg = picture();
            let (bytes, said) = if format == Format::Png {
                (
                    vsm_render::png_of_svg(&svg, args.scale.unwrap_or(2.0))?,
                    String::new(),
                )
            } else {
                let title = format!("{}: value stream map", stream.name);
                (
                    vsm_render::pdf_of_svg(&svg, args.paper, &title)?,
                    pdf_page(&svg, args.paper),
                )
            };
            std::fs::write(output, bytes)
                .with_context(|| format!("cannot write `{}`", output.display()))?;
            eprintln!("wrote {}{said}", output.display());
            return Ok(());
        }
        _ => unreachable!("--format offers the pictures render draws"),
    };
    output::write(output, &text)
}

/// " (A3 landscape; the map 400 x 330 mm, its smallest text 3.2 mm)": how a PDF prints.
fn pdf_page(svg: &str, paper: Option<Paper>) -> String {
    let Some(picture) = Picture::of_svg(svg) else {
        return String::new();
    };
    let mm = |value: f64| vsm_core::format_number(value, 0);
    match paper {
        Some(paper) => {
            let fit = paper::Fit::new(paper, picture);
            format!(
                " ({paper} landscape; the map {} x {} mm, its smallest text {} mm)",
                mm(fit.width_mm),
                mm(fit.height_mm),
                vsm_core::format_number(fit.smallest_text_mm, 1)
            )
        }
        None => {
            let (width, height) = paper::natural_size_mm(picture);
            format!(
                " (a page of the map's own size, {} x {} mm, its smallest text {} mm; --paper fits it to a sheet)",
                mm(width),
                mm(height),
                paper::MIN_TEXT_MM
            )
        }
    }
}

/// The HTML report of the map in `file`, with the measured distributions when the map was
/// measured; the log it was measured from is named relative to the map, as the map names it,
/// not by where it lies on this machine.
///
/// Printed, the map fills the first sheet: `paper`, where its text must come to 3 mm or more,
/// or else A3, and a note says when its text comes out smaller there.
pub fn report_page(
    file: &Path,
    loaded: &Loaded,
    trend: Option<&vsm_render::trend::Trend>,
    dora_window: vsm_app::dora::Asked,
    paper: Option<Paper>,
) -> Result<String> {
    let log = loaded.measured.as_ref().map(|m| {
        vsm_app::paths::relative_to_map(file, Path::new(&m.log))
            .display()
            .to_string()
    });
    // A map with a `dora:` section: the window asked, by default its full periods up to today.
    let dora = match &loaded.stream.dora {
        Some(settings) => {
            let (store, report) =
                vsm_app::dora::for_report(file, settings, dora_window, jiff::Timestamp::now())?;
            Some(vsm_render::dora::html_section(
                &store.display().to_string(),
                &report,
            ))
        }
        None => None,
    };
    let (page, fit) = vsm_render::html_report_on_paper(
        &loaded.stream,
        &loaded.analysis,
        loaded
            .measured
            .as_ref()
            .zip(log.as_deref())
            .map(|(m, log)| (&m.measurement, log)),
        trend,
        dora.as_ref(),
        paper,
    )?;
    if paper.is_none() && !fit.is_readable() {
        let better = paper::smallest_readable(fit.picture).map_or_else(
            || "no sheet up to A1 prints it at 3 mm; `vsm render -o map.pdf` draws it at its own size".to_string(),
            |larger| format!("`--paper {}` prints it at 3 mm or more", larger.paper.name()),
        );
        output::note(&format!(
            "note: printed on {} the map's smallest text comes out at {} mm; {better}",
            fit.paper,
            vsm_core::format_number(fit.smallest_text_mm, 1)
        ));
    }
    Ok(page)
}
