//! What can go wrong with the history database, each said once with the way out.
//!
//! SQLite's own text ("attempt to write a readonly database") says what happened but not what
//! to do; each code a user can meet gets its own variant, its own message and its own fix.

use std::time::Duration;

use crate::file::{Failure, failure};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the history database `{path}` is busy: another vsm has been writing to it for {seconds} s; try again when it is done, or wait longer with `--db sqlite://{path}?busy_timeout=60`"
    )]
    Busy { path: String, seconds: f64 },
    #[error(
        "`{path}` is not a vsm history database ({detail}); give another path with --db, or move the file away"
    )]
    NotADatabase { path: String, detail: String },
    #[error(
        "the history database `{path}` is damaged ({detail}); restore it from a backup, or save what is left with `sqlite3 {path} .recover | sqlite3 recovered.db` and use --db recovered.db"
    )]
    Corrupt { path: String, detail: String },
    #[error(
        "cannot write to the history database `{path}`: it or its folder is read-only; make both writable (`chmod u+w`), or give a writable place with --db"
    )]
    ReadOnly { path: String },
    #[error(
        "cannot open the history database `{path}` ({detail}); check that its folder exists and that you may read it"
    )]
    CannotOpen { path: String, detail: String },
    #[error(
        "cannot write to the history database `{path}`: the disk is full; free some space and take the snapshot again"
    )]
    DiskFull { path: String },
    #[error(
        "the history database `{path}` has schema version {found}, newer than this vsm knows ({known}); use a newer vsm"
    )]
    TooNew {
        path: String,
        found: i64,
        known: usize,
    },
    #[error(
        "`{path}` is a database of something else (it has the tables {tables}); give vsm a file of its own for its history with --db"
    )]
    Foreign { path: String, tables: String },
    #[error("there is no history database at `{path}`; take a snapshot first with `vsm snapshot`")]
    Missing { path: String },
    #[error(
        "`{url}`: {scheme} databases are not supported yet; use a SQLite file (a path, or sqlite://path)"
    )]
    Unsupported { url: String, scheme: String },
    #[error(
        "{}names no database file, so nothing would be kept{}; give a file, e.g. `--db .vsm/history.db` or `--db sqlite://.vsm/history.db`, or leave out --db for the default `.vsm/history.db`",
        if url.is_empty() { "the history database URL is empty: it ".to_string() } else { format!("`{url}` ") },
        if url.is_empty() { " (an unset variable?)" } else { " (an in-memory database is gone when vsm exits)" }
    )]
    NoFile { url: String },
    #[error("`{url}`: `{option}` is not a setting this vsm knows; {hint}")]
    BadOption {
        url: String,
        option: String,
        hint: String,
    },
    #[error("`{path}` is a folder; give the database file in it, e.g. `{path}/history.db`")]
    Folder { path: String },
    #[error("cannot create the folder `{path}` for the history database: {source}")]
    CreateFolder {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the history database `{path}`: snapshot #{id} is damaged ({detail}); delete it or restore the file from a backup"
    )]
    BadSnapshot {
        path: String,
        id: i64,
        detail: String,
    },
    /// Any other SQLite failure: its message once, without the error chain repeating it.
    #[error("the history database `{path}`: {message}")]
    Sqlite { path: String, message: String },
}

/// The [`StoreError`] for a SQLite error on the database at `path`.
pub(crate) fn from_sqlite(path: &str, busy_timeout: Duration, e: &rusqlite::Error) -> StoreError {
    let path = path.to_string();
    let (failure, detail) = failure(e);
    match failure {
        Failure::Busy => StoreError::Busy {
            path,
            seconds: busy_timeout.as_secs_f64(),
        },
        Failure::NotADatabase => StoreError::NotADatabase { path, detail },
        Failure::Corrupt => StoreError::Corrupt { path, detail },
        Failure::ReadOnly => StoreError::ReadOnly { path },
        Failure::CannotOpen => StoreError::CannotOpen { path, detail },
        Failure::DiskFull => StoreError::DiskFull { path },
        Failure::Other => StoreError::Sqlite {
            path,
            message: detail,
        },
    }
}
