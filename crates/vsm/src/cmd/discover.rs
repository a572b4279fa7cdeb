//! `vsm discover`: read an event log, report what it says, propose a map.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use vsm_app::discover::LogReading;
use vsm_render::Format;

use crate::args::{self, LogOptions};
use crate::{imports, output};

const FORMATS: &[(Format, &str)] = &[
    (Format::Text, "A summary for people"),
    (
        Format::Json,
        "The machine interface: counts, edges with durations, main path, rework",
    ),
    (Format::Yaml, "The proposed map file"),
];

/// Read an event log (XES, .xes.gz, CSV, JSON Lines, OCEL 2.0) and propose a map from it.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event log.
    log: PathBuf,
    #[arg(long, short, value_parser = args::formats(FORMATS), default_value = "text")]
    format: Format,
    /// Write the proposed map (YAML) to this file.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    log_options: LogOptions,
    /// For object-centric logs: also give each item the events of the objects its object links
    /// to through these qualifiers (comma-separated, e.g. `implemented_by,merged_as`), link
    /// after link, as a map's `measure: follow:` does; the proposed map keeps them.
    #[arg(long, value_name = "QUALIFIERS", value_delimiter = ',')]
    follow: Vec<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let options = vsm_ingest::ReadOptions {
        follow: args.follow.clone(),
        ..args.log_options.read_options(&files)?
    };
    let reading = LogReading {
        options: &options,
        format: args.log_options.format(),
        zone: args.log_options.zone.as_deref(),
    };
    let found = vsm_app::discover::run(&files, &args.log, reading.format, &options)
        .map_err(vsm_app::measure::ingest_error)?;
    output::note(&imports::discovered(&args.log, &found));
    let output = args.output.as_deref();
    let map = if output.is_some() || args.format == Format::Yaml {
        vsm_app::discover::propose(&files, &args.log, &found, output, reading)?
    } else {
        String::new()
    };
    if let Some(output) = output {
        std::fs::write(output, &map)
            .with_context(|| format!("cannot write `{}`", output.display()))?;
        output::write_schema_beside(output)?;
        eprintln!(
            "wrote the proposed map to {}; run `vsm analyze {}` next",
            output.display(),
            output.display()
        );
    }
    let text = match args.format {
        Format::Json => vsm_render::discover::json(
            &found.discovery,
            &found.activities,
            vsm_app::measure::import(&found.stats),
        ),
        Format::Yaml => map,
        _ => vsm_render::discover::text(&found.discovery, &found.activities),
    };
    output::write(None, &text)
}
