//! The history of a map's numbers: snapshots of its analysis, kept in a database.
//!
//! Storage sits behind [`Store`]; [`open`] picks the backend from the database URL. The embedded
//! SQLite backend ([`Sqlite`]) is the default: one file, schema migrations from the first
//! version on, each snapshot written in one transaction (a process killed mid-write leaves the
//! earlier snapshots intact and never half of one), and a writer that finds another one busy
//! waits for it, then gives up with [`StoreError::Busy`].
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension as _, TransactionBehavior, params};

/// A snapshot to store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSnapshot<'a> {
    /// The map's name: the key its history is kept under.
    pub map: &'a str,
    /// The map file, as given on the command line.
    pub file: &'a str,
    /// When the numbers were taken, RFC 3339 in UTC (`2026-11-26T09:00:00Z`).
    pub taken_at: &'a str,
    /// The git commit of the map file, and whether the file had uncommitted changes.
    pub commit: Option<&'a str>,
    pub dirty: bool,
    /// The whole analysis, as JSON.
    pub analysis: &'a str,
    /// Named numbers for trends and checks (seconds for durations, percent for percentages).
    pub metrics: &'a [(String, f64)],
}

/// A stored snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub id: i64,
    pub map: String,
    pub file: String,
    pub taken_at: String,
    pub commit: Option<String>,
    pub dirty: bool,
    pub analysis: String,
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

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the history database `{path}` is busy: another vsm has been writing to it for {seconds} s; try again when it is done"
    )]
    Busy { path: String, seconds: f64 },
    #[error(
        "`{path}` is not a vsm history database ({detail}); give another path with --db, or move the file away"
    )]
    NotADatabase { path: String, detail: String },
    #[error(
        "the history database `{path}` has schema version {found}, newer than this vsm knows ({known}); use a newer vsm"
    )]
    TooNew {
        path: String,
        found: i64,
        known: usize,
    },
    #[error(
        "`{url}`: {scheme} databases are not supported yet; use a SQLite file (a path, or sqlite://path)"
    )]
    Unsupported { url: String, scheme: String },
    #[error("cannot create the folder `{path}` for the history database: {source}")]
    CreateFolder {
        path: String,
        source: std::io::Error,
    },
    #[error("the history database `{path}`: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
}

/// Where snapshots are kept.
pub trait Store {
    /// Stores a snapshot in one transaction; returns its id.
    fn save(&mut self, snapshot: &NewSnapshot<'_>) -> Result<i64, StoreError>;
    /// The map's snapshots, oldest first (by time taken, then by id).
    fn history(&self, map: &str) -> Result<Vec<Snapshot>, StoreError>;
    /// The map's most recent snapshot.
    fn latest(&self, map: &str) -> Result<Option<Snapshot>, StoreError>;
    /// The names of the maps with snapshots.
    fn maps(&self) -> Result<Vec<String>, StoreError>;
}

/// The default database, relative to the working directory.
pub const DEFAULT_PATH: &str = ".vsm/history.db";

/// Opens (creating if needed) the store a URL names: a file path, `sqlite://PATH` or
/// `sqlite:PATH`.
pub fn open(url: &str) -> Result<Box<dyn Store>, StoreError> {
    Ok(Box::new(Sqlite::open(&sqlite_path(url)?)?))
}

/// The file a SQLite URL names; an error for other kinds of database.
pub fn sqlite_path(url: &str) -> Result<PathBuf, StoreError> {
    if let Some((scheme, rest)) = url.split_once(':')
        && scheme.len() > 1
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        return match scheme {
            "sqlite" => Ok(PathBuf::from(rest.strip_prefix("//").unwrap_or(rest))),
            _ => Err(StoreError::Unsupported {
                url: url.to_string(),
                scheme: scheme.to_string(),
            }),
        };
    }
    Ok(PathBuf::from(url))
}

/// Schema versions, in order: version n is reached by applying `MIGRATIONS[n - 1]`.
const MIGRATIONS: &[&str] = &[r"
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        map TEXT NOT NULL,
        file TEXT NOT NULL,
        taken_at TEXT NOT NULL,
        git_commit TEXT,
        git_dirty INTEGER NOT NULL,
        analysis TEXT NOT NULL,
        metric_count INTEGER NOT NULL
    );
    CREATE INDEX snapshots_by_map ON snapshots (map, taken_at, id);
    CREATE TABLE metrics (
        snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (snapshot, name)
    ) WITHOUT ROWID;
"];

/// How long a writer waits for another one before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Snapshots in a SQLite file.
#[derive(Debug)]
pub struct Sqlite {
    connection: Connection,
    path: String,
    busy_timeout: Duration,
}

impl Sqlite {
    /// Opens the file, creating it and its folder if needed, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        Sqlite::open_waiting(path, BUSY_TIMEOUT)
    }

    /// As [`Sqlite::open`], waiting at most `busy_timeout` for another writer.
    pub fn open_waiting(path: &Path, busy_timeout: Duration) -> Result<Sqlite, StoreError> {
        let display = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateFolder {
                path: parent.display().to_string(),
                source,
            })?;
        }
        let connection = Connection::open(path).map_err(|e| error(&display, busy_timeout, e))?;
        let mut store = Sqlite {
            connection,
            path: display,
            busy_timeout,
        };
        // Setting up takes locks that SQLite does not always wait for (it reports busy at once
        // where waiting could deadlock): retry for as long as a writer would wait.
        let started = std::time::Instant::now();
        loop {
            match store.configure().and_then(|()| store.migrate()) {
                Err(StoreError::Busy { .. }) if started.elapsed() < busy_timeout => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other.map(|()| store),
            }
        }
    }

    /// The file's path.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    fn fail(&self, e: rusqlite::Error) -> StoreError {
        error(&self.path, self.busy_timeout, e)
    }

    fn configure(&self) -> Result<(), StoreError> {
        let c = &self.connection;
        c.busy_timeout(self.busy_timeout)
            .map_err(|e| self.fail(e))?;
        // Write-ahead logging: readers (trend, check) never wait for a writer; a commit is on
        // disk when it returns (synchronous = FULL).
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .map_err(|e| self.fail(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
                .map_err(|e| self.fail(e))?;
        }
        c.pragma_update(None, "synchronous", "FULL")
            .map_err(|e| self.fail(e))?;
        c.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let fail = |e| error(&path, timeout, e);
        let version = |c: &Connection| -> rusqlite::Result<i64> {
            c.query_row("PRAGMA user_version", [], |row| row.get(0))
        };
        if version(&self.connection).map_err(fail)? == MIGRATIONS.len() as i64 {
            return Ok(());
        }
        // Take the write lock first, then look again: another process may have migrated.
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let current = version(&tx).map_err(fail)?;
        if current > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                path: path.clone(),
                found: current,
                known: MIGRATIONS.len(),
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(sql).map_err(fail)?;
            tx.pragma_update(None, "user_version", index as i64 + 1)
                .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    fn read(&self, sql: &str, map: &str) -> Result<Vec<Snapshot>, StoreError> {
        let mut statement = self.connection.prepare(sql).map_err(|e| self.fail(e))?;
        let mut snapshots = statement
            .query_map(params![map], |row| {
                Ok(Snapshot {
                    id: row.get(0)?,
                    map: row.get(1)?,
                    file: row.get(2)?,
                    taken_at: row.get(3)?,
                    commit: row.get(4)?,
                    dirty: row.get(5)?,
                    analysis: row.get(6)?,
                    metrics: Vec::new(),
                })
            })
            .map_err(|e| self.fail(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))?;
        let mut metrics = self
            .connection
            .prepare("SELECT name, value FROM metrics WHERE snapshot = ?1 ORDER BY name")
            .map_err(|e| self.fail(e))?;
        for snapshot in &mut snapshots {
            snapshot.metrics = metrics
                .query_map(params![snapshot.id], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(|e| self.fail(e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.fail(e))?;
        }
        Ok(snapshots)
    }
}

const SELECT: &str =
    "SELECT id, map, file, taken_at, git_commit, git_dirty, analysis FROM snapshots WHERE map = ?1";

impl Store for Sqlite {
    fn save(&mut self, snapshot: &NewSnapshot<'_>) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let fail = |e| error(&path, timeout, e);
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute(
            "INSERT INTO snapshots (map, file, taken_at, git_commit, git_dirty, analysis, metric_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                snapshot.map,
                snapshot.file,
                snapshot.taken_at,
                snapshot.commit,
                snapshot.dirty,
                snapshot.analysis,
                snapshot.metrics.len() as i64
            ],
        )
        .map_err(fail)?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR REPLACE INTO metrics (snapshot, name, value) VALUES (?1, ?2, ?3)",
                )
                .map_err(fail)?;
            for (name, value) in snapshot.metrics {
                insert.execute(params![id, name, value]).map_err(fail)?;
            }
        }
        tx.commit().map_err(fail)?;
        Ok(id)
    }

    fn history(&self, map: &str) -> Result<Vec<Snapshot>, StoreError> {
        self.read(&format!("{SELECT} ORDER BY taken_at, id"), map)
    }

    fn latest(&self, map: &str) -> Result<Option<Snapshot>, StoreError> {
        Ok(self
            .read(
                &format!("{SELECT} ORDER BY taken_at DESC, id DESC LIMIT 1"),
                map,
            )?
            .pop())
    }

    fn maps(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT DISTINCT map FROM snapshots ORDER BY map")
            .map_err(|e| self.fail(e))?;
        statement
            .query_map([], |row| row.get(0))
            .map_err(|e| self.fail(e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }
}

fn error(path: &str, busy_timeout: Duration, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            path: path.to_string(),
            seconds: busy_timeout.as_secs_f64(),
        },
        Some(ErrorCode::NotADatabase) => StoreError::NotADatabase {
            path: path.to_string(),
            detail: e.to_string(),
        },
        _ => StoreError::Sqlite {
            path: path.to_string(),
            source: e,
        },
    }
}

/// Checks the file's integrity and that every snapshot is whole (all its metrics present):
/// what the reliability tests assert after killing a writer.
pub fn verify(path: &Path) -> Result<usize, String> {
    let c = Connection::open(path).map_err(|e| e.to_string())?;
    let integrity: String = c
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(|e| e.to_string())?;
    if integrity != "ok" {
        return Err(format!("integrity check: {integrity}"));
    }
    let broken: Option<i64> = c
        .query_row(
            "SELECT s.id FROM snapshots s
             WHERE s.metric_count != (SELECT count(*) FROM metrics m WHERE m.snapshot = s.id)
             LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    if let Some(id) = broken {
        return Err(format!("snapshot {id} is incomplete"));
    }
    c.query_row("SELECT count(*) FROM snapshots", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(|n| n as usize)
    .map_err(|e| e.to_string())
}
