//! `vsm plan`: the improvement plan by status, each target next to the numbers.

use std::path::PathBuf;

use anyhow::Result;
use vsm_render::Format;

use crate::args::{self, DbOption};
use crate::output;

/// The improvement plan by status: overdue items, and each target next to the step's value now
/// and at the snapshot taken when the improvement started.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    #[arg(long, short, value_parser = args::formats(args::TEXT_JSON), default_value = "text")]
    format: Format,
    /// The date to check due dates against (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<jiff::civil::Date>,
    #[command(flatten)]
    db: DbOption,
}

pub fn run(args: &Args) -> Result<()> {
    let today = args
        .today
        .unwrap_or_else(|| jiff::ZonedDateTime::now().date());
    let files = output::file_system()?;
    let loaded = output::loaded(&files, &args.file, None)?;
    // Every duration this command prints, in the days the map counts.
    let _days = loaded.stream.telling();
    let store = args.db.open_existing()?;
    let found = vsm_app::plan::plan(&loaded, store.as_deref(), today)?;
    let text = match args.format {
        Format::Json => {
            vsm_render::plan::json(&loaded.stream, &loaded.analysis, &found.items, today)
        }
        _ => vsm_render::plan::text(
            &loaded.stream,
            &loaded.analysis,
            &found.items,
            today,
            found.has_history,
        ),
    };
    output::write(None, &text)
}
