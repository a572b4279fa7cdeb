//! `vsm snapshot`: the map's numbers stored in the history, with their time and git commit.

use std::path::PathBuf;

use anyhow::Result;

use crate::args::DbOption;
use crate::{history, output};

/// Store the map's analysis (measured where it is measured) with its time and git commit, in
/// the history database.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    /// Measure from this event log instead of the one the map's `measure:` names.
    #[arg(long, value_name = "LOG")]
    events: Option<PathBuf>,
    /// The time the numbers stand for (default: now), e.g. `2026-11-01T00:00:00Z`.
    #[arg(long, value_name = "TIMESTAMP")]
    at: Option<jiff::Timestamp>,
    #[command(flatten)]
    db: DbOption,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let loaded = output::loaded(&files, &args.file, args.events.as_deref())?;
    let (commit, dirty) = history::git_state(&args.file);
    let origin = vsm_app::history::Origin {
        file: &history::file_label(&args.file)?,
        at: args.at.unwrap_or_else(jiff::Timestamp::now),
        commit,
        dirty,
    };
    let store = args.db.open()?;
    let snapshot = vsm_app::history::snapshot(store.as_ref(), &loaded, origin)?;
    println!("{}", history::stored_message(args.db.url(), &snapshot));
    Ok(())
}
