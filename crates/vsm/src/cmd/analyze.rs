//! `vsm analyze`: a map's metrics and its ranked bottlenecks.

use std::path::PathBuf;

use anyhow::Result;
use vsm_render::Format;

use crate::{args, output};

/// Print a map's metrics and its ranked bottlenecks.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    #[arg(long, short, value_parser = args::formats(args::REPORTS), default_value = "text")]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Show where one step's numbers come from: its wait as written or derived from its queue
    /// (the arithmetic), and its pace against the takt time.
    #[arg(long, value_name = "STEP")]
    explain: Option<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let mut loaded = output::loaded(&files, &args.file, None)?;
    // Every duration this command prints, in the days the map counts.
    let _days = loaded.stream.telling();
    if let Some(step) = &args.explain {
        // A measured map's numbers say they were measured, as the server's explanations do.
        let text = vsm_render::queue::explain_measured(
            &loaded.stream,
            &loaded.analysis,
            &loaded.provenance(),
            step,
        )
        .map_err(anyhow::Error::msg)?;
        return output::write(args.output.as_deref(), &text);
    }
    loaded.propose_countermeasures(&args.file);
    let text = match args.format {
        Format::Json => loaded.analysis_json(),
        format => {
            let mut text = report_text(&loaded.stream, &loaded.analysis, format);
            if let Some(measured) = &loaded.measured {
                text.push_str(&vsm_render::measure::comparison_text(
                    &measured.view(&loaded.estimates),
                    &args.file.display().to_string(),
                ));
            }
            text
        }
    };
    output::write(args.output.as_deref(), &text)
}

/// The analysis as text, Markdown or JSON.
pub fn report_text(
    stream: &vsm_core::ValueStream,
    analysis: &vsm_core::Analysis,
    format: Format,
) -> String {
    match format {
        Format::Markdown => vsm_render::markdown(stream, analysis),
        Format::Json => vsm_render::json(stream, analysis),
        _ => vsm_render::text(stream, analysis),
    }
}
