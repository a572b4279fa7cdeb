//! The embedded SQLite backend: one file, migrated forward by writers, read without writing.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use crate::error::from_sqlite;
use crate::file::{self, OpenError};
use crate::{BUSY_TIMEOUT, NewSnapshot, Snapshot, Store, StoreError};

/// A migration's file name and its SQL, built into the binary.
macro_rules! migration {
    ($file:literal) => {
        ($file, include_str!(concat!("../migrations/sqlite/", $file)))
    };
}

/// Schema versions, in order: version n is reached by applying `MIGRATIONS[n - 1]`, a file in
/// `migrations/sqlite/` numbered n. The version reached is kept in the file's `user_version`.
const MIGRATIONS: &[(&str, &str)] = &[
    migration!("0001_snapshots.sql"),
    migration!("0002_compressed_analyses.sql"),
];

/// The largest analysis a snapshot may inflate to: well above any real map's (a 2,000-step
/// map's is under 2 MB), and a bound on what a damaged or hostile file can make us allocate.
const MAX_ANALYSIS_BYTES: u64 = 1 << 30;

/// Snapshots in a SQLite file. One connection, taken in turn by the threads that share the store
/// (SQLite serialises writers anyway; its reads are fast next to what a caller does with them).
#[derive(Debug)]
pub struct Sqlite {
    connection: Mutex<Connection>,
    path: String,
    busy_timeout: Duration,
    /// Opened read-only on a file with no schema yet (an empty file): it holds no snapshots.
    empty: bool,
}

impl Sqlite {
    /// Opens the file, creating it and its folder if needed, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        Sqlite::open_waiting(path, BUSY_TIMEOUT)
    }

    /// As [`Sqlite::open`], waiting at most `busy_timeout` for another writer.
    pub fn open_waiting(path: &Path, busy_timeout: Duration) -> Result<Sqlite, StoreError> {
        let display = path.display().to_string();
        let connection =
            file::open_migrated(path, busy_timeout, MIGRATIONS).map_err(|e| match e {
                OpenError::CreateFolder { path, source } => {
                    StoreError::CreateFolder { path, source }
                }
                OpenError::Sqlite(e) => from_sqlite(&display, busy_timeout, &e),
                OpenError::TooNew { found, known } => StoreError::TooNew {
                    path: display.clone(),
                    found,
                    known,
                },
                OpenError::Foreign { tables } => StoreError::Foreign {
                    path: display.clone(),
                    tables: tables.join(", "),
                },
            })?;
        Ok(Sqlite {
            connection: Mutex::new(connection),
            path: display,
            busy_timeout,
            empty: false,
        })
    }

    /// Opens an existing file to read it, writing nothing: no migration, no journal mode, not
    /// even SQLite's shared-memory file where the folder is read-only.
    pub fn open_read_only(path: &Path) -> Result<Sqlite, StoreError> {
        Sqlite::open_read_only_waiting(path, BUSY_TIMEOUT)
    }

    /// As [`Sqlite::open_read_only`], waiting at most `busy_timeout` where a writer holds a lock
    /// that readers must wait for.
    pub fn open_read_only_waiting(
        path: &Path,
        busy_timeout: Duration,
    ) -> Result<Sqlite, StoreError> {
        let display = path.display().to_string();
        if !path.exists() {
            return Err(StoreError::Missing { path: display });
        }
        let (connection, version) = file::open_read_only(path, busy_timeout)
            .map_err(|e| from_sqlite(&display, busy_timeout, &e))?;
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::TooNew {
                path: display,
                found: version,
                known: MIGRATIONS.len(),
            });
        }
        Ok(Sqlite {
            connection: Mutex::new(connection),
            path: display,
            busy_timeout,
            empty: version == 0,
        })
    }

    /// The file's path.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(&self.path)
    }

    fn fail(&self, e: &rusqlite::Error) -> StoreError {
        from_sqlite(&self.path, self.busy_timeout, e)
    }

    /// The connection, for one thread at a time. A thread that panicked while holding it leaves
    /// nothing half-done: an open transaction rolled back when it was dropped.
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self, sql: &str, map: &str) -> Result<Vec<Snapshot>, StoreError> {
        if self.empty {
            return Ok(Vec::new());
        }
        let connection = self.connection();
        let mut statement = connection.prepare(sql).map_err(|e| self.fail(&e))?;
        let rows = statement
            .query_map(params![map], |row| {
                let snapshot = Snapshot {
                    id: row.get(0)?,
                    map: row.get(1)?,
                    file: row.get(2)?,
                    taken_at: jiff::Timestamp::UNIX_EPOCH,
                    commit: row.get(4)?,
                    dirty: row.get(5)?,
                    metrics: Vec::new(),
                };
                Ok((snapshot, row.get::<_, String>(3)?))
            })
            .map_err(|e| self.fail(&e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(&e))?;
        let mut snapshots = Vec::with_capacity(rows.len());
        for (mut snapshot, taken_at) in rows {
            snapshot.taken_at = taken_at.parse().map_err(|_| StoreError::BadSnapshot {
                path: self.path.clone(),
                id: snapshot.id,
                detail: format!(
                    "its time `{}` is not an RFC 3339 timestamp",
                    shorten(&taken_at)
                ),
            })?;
            snapshots.push(snapshot);
        }
        let mut metrics = connection
            .prepare("SELECT name, value FROM metrics WHERE snapshot = ?1 ORDER BY name")
            .map_err(|e| self.fail(&e))?;
        for snapshot in &mut snapshots {
            snapshot.metrics = metrics
                .query_map(params![snapshot.id], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(|e| self.fail(&e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.fail(&e))?;
        }
        Ok(snapshots)
    }
}

/// The analysis as stored: zlib-compressed JSON.
fn compress(analysis: &str) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(analysis.len() / 8),
        flate2::Compression::default(),
    );
    encoder
        .write_all(analysis.as_bytes())
        .expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// A time as a snapshot stores it: RFC 3339 in UTC, to the second, so that its text sorts in
/// time order (and reads as every earlier version wrote it).
fn stored_time(at: jiff::Timestamp) -> String {
    jiff::Timestamp::from_second(at.as_second())
        .expect("a timestamp's own second")
        .to_string()
}

/// At most 60 characters of a damaged value, for a message.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

const SELECT: &str =
    "SELECT id, map, file, taken_at, git_commit, git_dirty FROM snapshots WHERE map = ?1";

impl Store for Sqlite {
    fn save(&self, snapshot: &NewSnapshot<'_>) -> Result<i64, StoreError> {
        let path = self.path.clone();
        let timeout = self.busy_timeout;
        let fail = |e| from_sqlite(&path, timeout, &e);
        let analysis = compress(snapshot.analysis);
        let mut connection = self.connection();
        let tx = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        tx.execute(
            "INSERT INTO snapshots (map, file, taken_at, git_commit, git_dirty, analysis, metric_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                snapshot.map,
                snapshot.file,
                stored_time(snapshot.taken_at),
                snapshot.commit,
                snapshot.dirty,
                analysis,
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

    fn analysis(&self, snapshot: i64) -> Result<Option<String>, StoreError> {
        if self.empty {
            return Ok(None);
        }
        let damaged = |detail: String| StoreError::BadSnapshot {
            path: self.path.clone(),
            id: snapshot,
            detail,
        };
        let connection = self.connection();
        let mut statement = connection
            .prepare("SELECT analysis FROM snapshots WHERE id = ?1")
            .map_err(|e| self.fail(&e))?;
        let mut rows = statement
            .query(params![snapshot])
            .map_err(|e| self.fail(&e))?;
        let Some(row) = rows.next().map_err(|e| self.fail(&e))? else {
            return Ok(None);
        };
        // Version 1 stored the JSON as text; version 2 compresses it.
        match row.get_ref(0).map_err(|e| self.fail(&e))? {
            ValueRef::Text(text) => String::from_utf8(text.to_vec())
                .map(Some)
                .map_err(|_| damaged("its analysis is not UTF-8 text".into())),
            ValueRef::Blob(bytes) => {
                let mut json = String::new();
                flate2::read::ZlibDecoder::new(bytes)
                    .take(MAX_ANALYSIS_BYTES + 1)
                    .read_to_string(&mut json)
                    .map_err(|e| {
                        damaged(format!("its compressed analysis does not inflate: {e}"))
                    })?;
                if json.len() as u64 > MAX_ANALYSIS_BYTES {
                    return Err(damaged(format!(
                        "its analysis inflates past {} MiB",
                        MAX_ANALYSIS_BYTES >> 20
                    )));
                }
                Ok(Some(json))
            }
            _ => Err(damaged(
                "its analysis is neither text nor compressed".into(),
            )),
        }
    }

    fn maps(&self) -> Result<Vec<String>, StoreError> {
        if self.empty {
            return Ok(Vec::new());
        }
        let connection = self.connection();
        let mut statement = connection
            .prepare("SELECT DISTINCT map FROM snapshots ORDER BY map")
            .map_err(|e| self.fail(&e))?;
        statement
            .query_map([], |row| row.get(0))
            .map_err(|e| self.fail(&e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(&e))
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
    // A writer killed before it made the schema leaves no snapshot, and no half of one.
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'snapshots'",
            [],
            |row| row.get(0),
        )
        .map_err(|e| e.to_string())?;
    if tables == 0 {
        return Ok(0);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A migration file added to the folder but not to `MIGRATIONS` would never run; one listed
    /// out of order would run at the wrong version.
    #[test]
    fn every_migration_file_is_applied_in_its_numbered_place() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        let mut files: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        let listed: Vec<&str> = MIGRATIONS.iter().map(|(name, _)| *name).collect();
        assert_eq!(files, listed);
        for (index, (name, sql)) in MIGRATIONS.iter().enumerate() {
            assert!(
                name.starts_with(&format!("{:04}_", index + 1))
                    && Path::new(name).extension() == Some("sql".as_ref()),
                "{name} is migration {}",
                index + 1
            );
            assert!(!sql.trim().is_empty(), "{name} is empty");
        }
    }
}
