//! `vsm trend`: how the map's numbers moved over its snapshots.

use std::path::PathBuf;

use anyhow::{Result, bail};
use vsm_render::Format;

use crate::args::{self, DbOption};
use crate::{history, output};

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
    let text = match args.format {
        Format::Json => history::trend_json(&stream.name, &history, &names),
        _ => history::trend_text(&stream.name, url, &history, &names),
    };
    output::write(None, &text)
}
