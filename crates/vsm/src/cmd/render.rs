//! `vsm render`: the map drawn as SVG, PNG, HTML, Mermaid or Graphviz DOT.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use vsm_app::Loaded;
use vsm_render::Format;

use crate::{args, output};

/// What `vsm render` draws.
const PICTURES: &[(Format, &str)] = &[
    (Format::Svg, ""),
    (Format::Png, ""),
    (Format::Html, ""),
    (Format::Mermaid, ""),
    (Format::Dot, ""),
];

/// Draw the map: SVG, PNG, HTML, Mermaid or Graphviz DOT.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    /// Where to write; the format follows the extension unless --format says otherwise.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[arg(long, short, value_parser = args::formats(PICTURES))]
    format: Option<Format>,
}

pub fn run(args: &Args) -> Result<()> {
    let output = args.output.as_deref();
    let format = match (args.format, output) {
        (Some(format), _) => format,
        (None, Some(path)) => Format::from_path(path)
            .filter(|format| PICTURES.iter().any(|(f, _)| f == format))
            .with_context(|| {
                format!(
                    "cannot tell the format from `{}`; use an extension .svg, .png, .html, .mmd or .dot, or pass --format",
                    path.display()
                )
            })?,
        (None, None) => Format::Svg,
    };
    let files = output::file_system()?;
    let loaded = output::loaded(&files, &args.file, None)?;
    let (stream, analysis) = (&loaded.stream, &loaded.analysis);
    let text = match format {
        Format::Mermaid => vsm_render::mermaid(stream, analysis),
        Format::Dot => vsm_render::dot(stream, analysis),
        Format::Html => report_page(&args.file, &loaded, None, vsm_app::dora::Asked::default())?,
        Format::Png => {
            let Some(output) = output else {
                bail!("a PNG needs a file to go to; pass `-o map.png`");
            };
            let bytes = match &loaded.measured {
                Some(measured) => vsm_render::png_marked(stream, analysis, &measured.provenance)?,
                None => vsm_render::png(stream, analysis)?,
            };
            std::fs::write(output, bytes)
                .with_context(|| format!("cannot write `{}`", output.display()))?;
            eprintln!("wrote {}", output.display());
            return Ok(());
        }
        // A measured map marks which of its numbers are measured.
        _ => match &loaded.measured {
            Some(measured) => vsm_render::svg_marked(stream, analysis, &measured.provenance),
            None => vsm_render::svg(stream, analysis),
        },
    };
    output::write(output, &text)
}

/// The HTML report of the map in `file`, with the measured distributions when the map was
/// measured; the log it was measured from is named relative to the map, as the map names it,
/// not by where it lies on this machine.
pub fn report_page(
    file: &Path,
    loaded: &Loaded,
    trend: Option<&vsm_render::trend::Trend>,
    dora_window: vsm_app::dora::Asked,
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
    Ok(vsm_render::html_report_with_dora(
        &loaded.stream,
        &loaded.analysis,
        loaded
            .measured
            .as_ref()
            .zip(log.as_deref())
            .map(|(m, log)| (&m.measurement, log)),
        trend,
        dora.as_ref(),
    ))
}
