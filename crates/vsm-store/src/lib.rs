//! The history of a map's numbers: snapshots of its analysis, kept in a database.
//!
//! Storage sits behind [`Store`]; [`open`] (to add snapshots) and [`open_read_only`] (to read
//! them) pick the backend once from the database URL ([`Location`]). A store is `Send + Sync` and
//! every method takes `&self`, so a server can share one in an `Arc<dyn Store>` and call it from
//! blocking tasks. The embedded SQLite backend ([`Sqlite`]) is the default: one file, schema
//! migrations (`migrations/sqlite/`) from the first version on, each snapshot written in one
//! transaction (a process killed mid-write leaves the earlier snapshots intact and never half of
//! one), and a writer that finds another one busy waits for it, then gives up with
//! [`StoreError::Busy`]. Readers never write: they work on a read-only file or folder.
//! PostgreSQL URLs are recognised and refused with a clear message until its backend lands.
#![forbid(unsafe_code)]

mod error;
pub mod file;
mod location;
mod sqlite;

use std::path::PathBuf;

pub use error::StoreError;
pub use location::{
    BUSY_TIMEOUT, DEFAULT_PATH, Location, PostgresLocation, SqliteLocation, redact,
};
pub use sqlite::{Sqlite, verify};

/// A snapshot to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSnapshot<'a> {
    /// The map's name: the key its history is kept under.
    pub map: &'a str,
    /// The map file, as given on the command line.
    pub file: &'a str,
    /// When the numbers were taken. Kept to the second (as RFC 3339 in UTC,
    /// `2026-11-26T09:00:00Z`, the text that orders a history); a fraction is dropped.
    pub taken_at: jiff::Timestamp,
    /// The git commit of the map file, and whether the file had uncommitted changes.
    pub commit: Option<&'a str>,
    pub dirty: bool,
    /// The whole analysis, as JSON (stored compressed; [`Store::analysis`] gives it back).
    pub analysis: &'a str,
    /// Named numbers for trends and checks (seconds for durations, percent for percentages).
    pub metrics: &'a [(String, f64)],
}

/// A stored snapshot: when it was taken and its numbers. Its analysis, much larger and read
/// rarely, comes from [`Store::analysis`].
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub id: i64,
    pub map: String,
    pub file: String,
    /// When the numbers were taken, to the second.
    pub taken_at: jiff::Timestamp,
    pub commit: Option<String>,
    pub dirty: bool,
    /// Sorted by name.
    pub metrics: Vec<(String, f64)>,
}

impl Snapshot {
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| self.metrics[i].1)
    }
}

/// Where snapshots are kept. Shared between threads: a backend serialises or pools its
/// connections itself.
pub trait Store: Send + Sync {
    /// Stores a snapshot in one transaction; returns its id.
    fn save(&self, snapshot: &NewSnapshot<'_>) -> Result<i64, StoreError>;
    /// The map's snapshots, oldest first (by time taken, then by id).
    fn history(&self, map: &str) -> Result<Vec<Snapshot>, StoreError>;
    /// The map's most recent snapshot.
    fn latest(&self, map: &str) -> Result<Option<Snapshot>, StoreError>;
    /// A snapshot's whole analysis (JSON), as it was saved.
    fn analysis(&self, snapshot: i64) -> Result<Option<String>, StoreError>;
    /// The names of the maps with snapshots.
    fn maps(&self) -> Result<Vec<String>, StoreError>;
}

/// Opens (creating if needed) the store a URL names, to add snapshots: a file path,
/// `sqlite://PATH` or `sqlite:PATH`, with `?busy_timeout=SECONDS` if wanted.
pub fn open(url: &str) -> Result<Box<dyn Store>, StoreError> {
    open_for(url, Access::Write)
}

/// Opens an existing store to read it. It writes nothing (no migration, no journal setting), so
/// it works on a read-only file or folder; a schema newer than this version knows is refused.
pub fn open_read_only(url: &str) -> Result<Box<dyn Store>, StoreError> {
    open_for(url, Access::Read)
}

#[derive(Clone, Copy)]
enum Access {
    Write,
    Read,
}

/// The one place a backend is picked from the URL: a new backend is a new arm here.
fn open_for(url: &str, access: Access) -> Result<Box<dyn Store>, StoreError> {
    match Location::parse(url)? {
        Location::Sqlite(SqliteLocation { path, busy_timeout }) => Ok(Box::new(match access {
            Access::Write => Sqlite::open_waiting(&path, busy_timeout)?,
            Access::Read => Sqlite::open_read_only_waiting(&path, busy_timeout)?,
        })),
        Location::Postgres(location) => Err(location.unsupported()),
    }
}

/// The file a SQLite URL names; an error for other kinds of database and for URLs that name no
/// file.
pub fn sqlite_path(url: &str) -> Result<PathBuf, StoreError> {
    match Location::parse(url)? {
        Location::Sqlite(location) => Ok(location.path),
        Location::Postgres(location) => Err(location.unsupported()),
    }
}
