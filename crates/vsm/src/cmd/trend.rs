//! `vsm trend`: how the map's numbers moved over its snapshots.

use std::path::PathBuf;

use anyhow::{Result, bail};
use vsm_render::Format;

use crate::args::{self, DbOption};
use crate::output;

/// Show how the map's numbers moved over its snapshots.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    /// Metrics to show (repeatable; default: the summary), e.g. `lead_time`,
    /// `items.lead_time.p85`, `steps.review.wait_time`.
    #[arg(long, value_name = "NAME")]
    metric: Vec<String>,
    #[arg(long, short, value_parser = args::formats(args::TEXT_JSON), default_value = "text")]
    format: Format,
    #[command(flatten)]
    db: DbOption,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let stream = output::checked(&files, &args.file)?.stream;
    // Every duration this command prints, in the days the map counts.
    let _days = stream.telling();
    let Some(store) = args.db.open_existing()? else {
        bail!(
            "there is no history yet ({} does not exist); take a snapshot with `vsm snapshot {}`",
            args.db.url(),
            args.file.display()
        );
    };
    let url = args.db.url();
    let history = vsm_app::history::history_of(store.as_ref(), url, &stream.name)?;
    let names = vsm_app::history::pick_metrics(&history, &args.metric)?;
    let snapshots: Vec<_> = history.iter().map(vsm_app::history::info).collect();
    let series: Vec<(String, Vec<Option<f64>>)> = names
        .into_iter()
        .map(|name| {
            let values = vsm_app::history::series(&history, &name);
            (name, values)
        })
        .collect();
    let text = match args.format {
        Format::Json => vsm_render::trend::json(&stream.name, &snapshots, &series),
        _ => vsm_render::trend::text(&stream.name, url, &snapshots, &series),
    };
    output::write(None, &text)
}
