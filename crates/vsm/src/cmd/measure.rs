//! `vsm measure`: a map's steps measured from the event log its `measure:` section names.

use std::path::PathBuf;

use anyhow::{Result, bail};
use vsm_render::Format;

use crate::{args, imports, output};

/// Measure a map's steps from the event log its `measure:` section names.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    #[arg(long, short, value_parser = args::formats(args::TEXT_JSON), default_value = "text")]
    format: Format,
    /// List the items behind one step's numbers.
    #[arg(long, value_name = "STEP")]
    explain: Option<String>,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let stream = output::checked(&files, &args.file)?.stream;
    // Every duration this command prints, in the days the map counts.
    let _days = stream.telling();
    let Some(measured) = vsm_app::measure::measure(&files, &args.file, &stream, None)? else {
        bail!(
            "`{}` names no event log; add `measure: {{ log: events.xes.gz }}` and a `measure:` rule to the steps to measure",
            args.file.display()
        );
    };
    output::note(&imports::measured(&measured));
    let view = measured.view(&stream);
    let text = match (&args.explain, args.format) {
        (Some(step), Format::Json) => {
            vsm_render::measure::explain_json(&stream, &measured.measurement, step)?
        }
        (Some(step), _) => vsm_render::measure::explain(&stream, &measured.measurement, step)?,
        (None, Format::Json) => vsm_render::measure::json(&stream, &view),
        (None, _) => vsm_render::measure::text(&stream, &view),
    };
    output::write(None, &text)
}
