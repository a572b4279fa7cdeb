//! Fetching: a source read into batches, written to the event store one transaction each, and
//! what that did, counted.

use std::path::Path;

use anyhow::Result;
use vsm_events::{Counts, Cursor, Store};

/// What `vsm fetch git` reads, and where it writes.
#[derive(Clone, Copy, Debug)]
pub struct Git<'a> {
    /// The repository (any folder inside its work tree).
    pub repository: &'a Path,
    /// Which tags are releases: a glob; `None` for version-like tags.
    pub tags: Option<&'a str>,
    /// A deployments file (CSV or JSON Lines).
    pub deployments: Option<&'a Path>,
    /// The event store's file.
    pub store: &'a Path,
}

/// Reads the repository and writes it to the store: the commits in batches, then the releases
/// and deployments with their links and the fetch's record (source `git:<absolute path>`),
/// each batch in one transaction. Gives what the writes did, per type.
pub fn git(request: &Git<'_>, now: jiff::Timestamp) -> Result<Counts> {
    let options = vsm_fetch::git::Options {
        tags: request.tags.map(str::to_string),
        deployments: request.deployments.map(Path::to_path_buf),
    };
    let batches = vsm_fetch::git::read(request.repository, &options)?;
    let mut store = Store::open(request.store)?;
    let source = format!("git:{}", std::path::absolute(request.repository)?.display());
    let mut counts = Counts::default();
    let last = batches.len().saturating_sub(1);
    for (n, batch) in batches.iter().enumerate() {
        let written = if n == last {
            store.write_fetched(
                batch,
                &Cursor {
                    source: &source,
                    cursor: None,
                    fetched_at: now,
                },
            )?
        } else {
            store.write(batch)?
        };
        counts.add(&written);
    }
    Ok(counts)
}
