//! `vsm snapshot`: the map's numbers stored in the history, with their time and git commit.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result};
use vsm_store::Snapshot;

use crate::args::DbOption;
use crate::output;

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
    // Every duration this command prints, in the days the map counts.
    let _days = loaded.stream.telling();
    let (commit, dirty) = git_state(&args.file);
    let origin = vsm_app::history::Origin {
        file: &file_label(&args.file)?,
        path: &args.file,
        at: args.at.unwrap_or_else(jiff::Timestamp::now),
        commit,
        dirty,
    };
    let store = args.db.open()?;
    let snapshot = vsm_app::history::snapshot(store.as_ref(), &loaded, origin)?;
    println!("{}", stored_message(args.db.url(), &snapshot));
    Ok(())
}

/// The git commit that last changed `file`, and whether the file differs from it (or is not
/// committed). `(None, false)` outside a git repository or without git.
pub fn git_state(file: &Path) -> (Option<String>, bool) {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = file.file_name() else {
        return (None, false);
    };
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .arg("--")
            .arg(name)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(commit) = git(&["log", "-1", "--format=%H"]) else {
        return (None, false);
    };
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    ((!commit.is_empty()).then_some(commit), dirty)
}

/// What `vsm snapshot` says it stored.
pub fn stored_message(url: &str, snapshot: &Snapshot) -> String {
    let mut details = vsm_app::history::label(snapshot);
    let at = details.find(" of ").map_or(0, |i| i + 4);
    details.replace_range(..at, "");
    format!(
        "stored snapshot #{} of `{}` ({details}; {} numbers) in {url}",
        snapshot.id,
        snapshot.map,
        snapshot.metrics.len()
    )
}

/// The map file as a snapshot records it: the path as given on the command line.
pub fn file_label(file: &Path) -> Result<String> {
    file.to_str()
        .map(ToString::to_string)
        .with_context(|| format!("`{}` is not a UTF-8 path", file.display()))
}
