//! What can go wrong with the event store, each said once with the way out.

use std::time::Duration;

use rusqlite::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the event store `{path}` is busy: another vsm has been writing to it for {seconds} s; try again when it is done"
    )]
    Busy { path: String, seconds: f64 },
    #[error(
        "`{path}` is not a vsm event store ({detail}); give another file with -o, or move it away"
    )]
    NotADatabase { path: String, detail: String },
    #[error(
        "the event store `{path}` is damaged ({detail}); delete it and fetch again (the sources still hold everything in it)"
    )]
    Corrupt { path: String, detail: String },
    #[error(
        "cannot write to the event store `{path}`: it or its folder is read-only; make both writable (`chmod u+w`), or give a writable place with -o"
    )]
    ReadOnly { path: String },
    #[error(
        "cannot open the event store `{path}` ({detail}); check that its folder exists and that you may read it"
    )]
    CannotOpen { path: String, detail: String },
    #[error(
        "cannot write to the event store `{path}`: the disk is full; free some space and fetch again"
    )]
    DiskFull { path: String },
    #[error(
        "the event store `{path}` has schema version {found}, newer than this vsm knows ({known}); use a newer vsm, or another file with -o"
    )]
    TooNew {
        path: String,
        found: i64,
        known: usize,
    },
    #[error("cannot create the folder `{path}` for the event store: {source}")]
    CreateFolder {
        path: String,
        source: std::io::Error,
    },
    /// Any other SQLite failure: its message once.
    #[error("the event store `{path}`: {message}")]
    Sqlite { path: String, message: String },
}

/// The [`StoreError`] for a SQLite error on the store at `path`.
pub(crate) fn from_sqlite(path: &str, busy_timeout: Duration, e: &rusqlite::Error) -> StoreError {
    let path = path.to_string();
    let detail = match e {
        rusqlite::Error::SqliteFailure(code, message) => message
            .clone()
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| code.to_string()),
        other => other.to_string(),
    };
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            path,
            seconds: busy_timeout.as_secs_f64(),
        },
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase { path, detail },
        Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt { path, detail },
        Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { path },
        Some(ErrorCode::CannotOpen) => StoreError::CannotOpen { path, detail },
        Some(ErrorCode::DiskFull) => StoreError::DiskFull { path },
        _ => StoreError::Sqlite {
            path,
            message: detail,
        },
    }
}
