//! What can go wrong with the event store, each said once with the way out.

use std::time::Duration;

use vsm_store::file::{Failure, OpenError, failure};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed on the file; `failure` says how, `detail` in SQLite's words.
    #[error("{}", explain(path, *failure, detail, *seconds))]
    File {
        path: String,
        failure: Failure,
        detail: String,
        /// How long a writer waited for another one.
        seconds: f64,
    },
    #[error(
        "the event store `{path}` has schema version {found}, newer than this vsm knows ({known}); use a newer vsm (or fetch into another file with -o)"
    )]
    TooNew {
        path: String,
        found: i64,
        known: usize,
    },
    #[error(
        "`{path}` is a database of something else (it has the tables {tables}); give the event store a file of its own with -o"
    )]
    Foreign { path: String, tables: String },
    /// Opened to read: there is no file.
    #[error(
        "there is no event store at `{path}`; make one with `vsm fetch git REPOSITORY -o {path}` (or `vsm fetch github OWNER/REPO -o {path}`)"
    )]
    Missing { path: String },
    /// Opened to read: the path is a folder (a repository's, say); `inside` is where `vsm fetch`
    /// run in it writes its store, and `has_store` whether one is there.
    #[error("{}", folder(path, inside, *has_store))]
    Folder {
        path: String,
        inside: String,
        has_store: bool,
    },
    /// Opened to read: the file is no event store (`why`), and is left as it was.
    #[error("{}", not_a_store(path, why))]
    NotAStore { path: String, why: String },
    /// Opened to read: the schema is older than the oldest this vsm's queries read, and
    /// reading does not migrate.
    #[error(
        "the event store `{path}` has schema version {found}, and this vsm reads versions {reads_from} to {known}: reading changes nothing, so it is not migrated; migrate it by fetching into it once (`vsm fetch git REPOSITORY -o {path}`), or read it with the vsm that wrote it"
    )]
    TooOld {
        path: String,
        found: i64,
        reads_from: i64,
        known: usize,
    },
    #[error("cannot create the folder `{path}` for the event store: {source}")]
    CreateFolder {
        path: String,
        source: std::io::Error,
    },
}

impl StoreError {
    /// The error for a SQLite error on the store at `path`.
    pub(crate) fn sqlite(path: &str, busy_timeout: Duration, e: &rusqlite::Error) -> StoreError {
        let (failure, detail) = failure(e);
        StoreError::File {
            path: path.to_string(),
            failure,
            detail,
            seconds: busy_timeout.as_secs_f64(),
        }
    }

    /// The error for a store that could not be opened.
    pub(crate) fn opening(path: &str, busy_timeout: Duration, e: OpenError) -> StoreError {
        match e {
            OpenError::CreateFolder { path, source } => StoreError::CreateFolder { path, source },
            OpenError::Sqlite(e) => StoreError::sqlite(path, busy_timeout, &e),
            OpenError::TooNew { found, known } => StoreError::TooNew {
                path: path.to_string(),
                found,
                known,
            },
            OpenError::Foreign { tables } => StoreError::Foreign {
                path: path.to_string(),
                tables: tables.join(", "),
            },
        }
    }
}

/// What to say of a file that is no event store. A CSV or JSON Lines file (a deployments or
/// incidents file given where the store goes) is not a file to fetch into: suggesting `-o` on
/// it would aim a write at the user's data.
fn not_a_store(path: &str, why: &str) -> String {
    let extension = std::path::Path::new(path)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let kind = match extension.as_deref() {
        Some("csv") => Some("a CSV file"),
        Some("tsv") => Some("a tab-separated file"),
        Some("jsonl" | "ndjson" | "json") => Some("a JSON file"),
        _ => None,
    };
    match kind {
        Some(kind) => format!(
            "`{path}` is {kind}, not a vsm event store ({why}); a deployments file is read into a store with `vsm fetch git REPO --deployments {path} -o .vsm/events.sqlite` (an incidents file with `vsm dora STORE --incidents {path}`); then give the store, `.vsm/events.sqlite`"
        ),
        None => format!(
            "`{path}` is not a vsm event store ({why}); make one with `vsm fetch git REPOSITORY -o {path}` (or `vsm fetch github OWNER/REPO -o {path}`), or give the file `vsm fetch` wrote (by default `.vsm/events.sqlite`)"
        ),
    }
}

fn folder(path: &str, inside: &str, has_store: bool) -> String {
    if has_store {
        format!("`{path}` is a folder, not a vsm event store; give the store in it, `{inside}`")
    } else {
        format!(
            "`{path}` is a folder, not a vsm event store; give the file `vsm fetch` wrote (by default `.vsm/events.sqlite`), or make one in it with `vsm fetch git REPOSITORY -o {inside}`"
        )
    }
}

fn explain(path: &str, failure: Failure, detail: &str, seconds: f64) -> String {
    let store = format!("the event store `{path}`");
    match failure {
        Failure::Busy => format!(
            "{store} is busy: another vsm has been writing to it for {seconds} s; try again when it is done"
        ),
        Failure::NotADatabase => format!(
            "`{path}` is not a vsm event store ({detail}); give another file with -o, or move it away"
        ),
        Failure::Corrupt => format!(
            "{store} is damaged ({detail}); delete it and fetch again (the sources still hold everything in it)"
        ),
        Failure::ReadOnly => format!(
            "cannot write to {store}: it or its folder is read-only; make both writable (`chmod u+w`), or give a writable place with -o"
        ),
        Failure::CannotOpen => format!(
            "cannot open or create {store} ({detail}); check that its folder exists and that you may write in it, or give a writable place with -o"
        ),
        Failure::DiskFull => {
            format!("cannot write to {store}: the disk is full; free some space and fetch again")
        }
        Failure::Other => format!("{store}: {detail}"),
    }
}
