//! `vsm check`: the map's latest snapshot (or its numbers now) against its targets.

use std::path::PathBuf;

use anyhow::Result;
use vsm_render::Format;

use crate::args::{self, DbOption};
use crate::output::{self, Reported};

/// Check the map's latest snapshot (or, without one, its numbers measured now) against its
/// `targets:`; exits non-zero with the list of what failed, for a nightly CI job.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    #[arg(long, short, value_parser = args::formats(args::TEXT_JSON), default_value = "text")]
    format: Format,
    /// Measure now instead of reading the latest snapshot.
    #[arg(long)]
    live: bool,
    #[command(flatten)]
    db: DbOption,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let checked = output::checked(&files, &args.file)?;
    // Every duration this command prints, in the days the map counts.
    let _days = checked.stream.telling();
    let checked_time = checked.stream.working_time;
    // `--live` measures now: no history is needed, or opened.
    let latest = if args.live {
        None
    } else {
        // Without a snapshot the numbers measured now are checked, as documented, and stderr
        // says so: a database given with `--db` that is not there is not an error.
        match args.db.open_if_present()? {
            Some(store) => {
                let latest = store.latest(&checked.stream.name)?;
                if latest.is_none() {
                    eprintln!(
                        "no snapshot of `{}` in {}: checking the numbers measured now (`vsm snapshot` takes one)",
                        checked.stream.name,
                        args.db.url()
                    );
                }
                latest
            }
            None => {
                eprintln!(
                    "no history database at {}, so no snapshot: checking the numbers measured now (`vsm snapshot {} --db {}` takes one)",
                    args.db.url(),
                    args.file.display(),
                    args.db.url()
                );
                None
            }
        }
    };
    let results = if let Some(snapshot) = &latest {
        eprintln!(
            "checking snapshot {} ({}) in {} (--live measures now instead)",
            vsm_app::history::label(snapshot),
            vsm_app::history::age(snapshot, jiff::Timestamp::now()),
            args.db.url()
        );
        vsm_app::check::against_snapshot(&checked.stream, snapshot)
    } else {
        let loaded = output::measured(&files, &args.file, checked, None)?;
        vsm_app::check::live(&loaded, &args.file, jiff::Timestamp::now())?
    };
    let text = match args.format {
        Format::Json => vsm_render::check::json(&results),
        _ => vsm_render::check::text(&args.file.display().to_string(), &results, &checked_time),
    };
    output::write(None, &text)?;
    if results.iter().any(|r| !r.passed) {
        return Err(Reported.into());
    }
    Ok(())
}
