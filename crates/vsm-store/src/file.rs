//! How vsm opens a SQLite file it writes, migrated forward: shared by the snapshot history and
//! the event store (`vsm-events`), which each say what a failure means in their own words.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};

/// Why a file could not be opened for writing.
#[derive(Debug)]
pub enum OpenError {
    /// Its folder could not be made.
    CreateFolder {
        path: String,
        source: std::io::Error,
    },
    /// SQLite failed; [`failure`] says how.
    Sqlite(rusqlite::Error),
    /// The file's schema version is newer than the migrations given.
    TooNew { found: i64, known: usize },
    /// The file is a database of something else: it has tables and no schema version of ours.
    Foreign { tables: Vec<String> },
}

impl From<rusqlite::Error> for OpenError {
    fn from(e: rusqlite::Error) -> OpenError {
        OpenError::Sqlite(e)
    }
}

/// Opens `path` for writing, creating it and its folder if needed: write-ahead logging (readers
/// never wait for a writer), a commit on disk when it returns (`synchronous = FULL`), foreign
/// keys enforced, and at most `busy_timeout` waited for another writer. Then brings its schema
/// up to date in one transaction: version n is reached by applying the SQL of
/// `migrations[n - 1]` (name, SQL), and the version reached is kept in the file's
/// `user_version`. Setting up takes locks SQLite does not always wait for (it reports busy at
/// once where waiting could deadlock), so it is retried for as long as a writer would wait.
pub fn open_migrated(
    path: &Path,
    busy_timeout: Duration,
    migrations: &[(&str, &str)],
) -> Result<Connection, OpenError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| OpenError::CreateFolder {
            path: parent.display().to_string(),
            source,
        })?;
    }
    let mut connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    foreign(&connection, busy_timeout)?;
    let started = std::time::Instant::now();
    loop {
        match configure(&connection, busy_timeout)
            .map_err(OpenError::from)
            .and_then(|()| migrate(&mut connection, migrations))
        {
            Err(OpenError::Sqlite(e))
                if matches!(failure(&e).0, Failure::Busy) && started.elapsed() < busy_timeout =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other.map(|()| connection),
        }
    }
}

/// Opens an existing `path` to read it, writing nothing: no migration, no journal mode, not
/// even SQLite's shared-memory file where the folder is read-only. Returns the connection and
/// the file's schema version (0: no schema of ours, as in an empty file), for the caller to
/// judge; waits at most `busy_timeout` where a writer holds a lock that readers must wait for.
pub fn open_read_only(path: &Path, busy_timeout: Duration) -> rusqlite::Result<(Connection, i64)> {
    let open = |target: &Path, flags: OpenFlags| -> rusqlite::Result<(Connection, i64)> {
        let connection = Connection::open_with_flags(target, flags)?;
        connection.busy_timeout(busy_timeout)?;
        let version = connection.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        Ok((connection, version))
    };
    let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    match open(path, read_only) {
        // A database in write-ahead-log mode needs its `-shm` file, which a read-only folder
        // cannot hold. No writer can be at work there (it would need the same file), so the
        // file is read as it lies on disk.
        Err(e)
            if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen)
            ) =>
        {
            match immutable_uri(path) {
                Some(uri) => open(Path::new(&uri), read_only | OpenFlags::SQLITE_OPEN_URI),
                None => Err(e),
            }
        }
        opened => opened,
    }
}

/// `file:/abs/path?mode=ro&immutable=1`: the file read as it lies, without locks or the
/// shared-memory file. `None` for a path that is not UTF-8.
fn immutable_uri(path: &Path) -> Option<String> {
    let absolute = std::path::absolute(path).ok()?;
    let mut uri = String::from("file:");
    for c in absolute.to_str()?.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=ro&immutable=1");
    Some(uri)
}

/// Refuses a database of something else before touching it (not even its journal mode): tables,
/// and no schema version (ours start at 1).
fn foreign(c: &Connection, busy_timeout: Duration) -> Result<(), OpenError> {
    c.busy_timeout(busy_timeout)?;
    let version: i64 = c.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if version != 0 {
        return Ok(());
    }
    let tables = tables(c)?;
    if tables.is_empty() {
        return Ok(());
    }
    Err(OpenError::Foreign { tables })
}

/// The first few tables of a database, by name (SQLite's own left out): enough to say what a
/// file that is not ours holds.
pub fn tables(c: &Connection) -> rusqlite::Result<Vec<String>> {
    c.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 6",
    )?
    .query_map([], |row| row.get(0))?
    .collect()
}

fn configure(c: &Connection, busy_timeout: Duration) -> rusqlite::Result<()> {
    c.busy_timeout(busy_timeout)?;
    let mode: String = c.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    }
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")
}

fn migrate(connection: &mut Connection, migrations: &[(&str, &str)]) -> Result<(), OpenError> {
    let version = |c: &Connection| -> rusqlite::Result<i64> {
        c.query_row("PRAGMA user_version", [], |row| row.get(0))
    };
    if version(connection)? == migrations.len() as i64 {
        return Ok(());
    }
    // Take the write lock first, then look again: another process may have migrated.
    let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = version(&tx)?;
    if current > migrations.len() as i64 {
        return Err(OpenError::TooNew {
            found: current,
            known: migrations.len(),
        });
    }
    for (index, (_, sql)) in migrations.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
    }
    Ok(tx.commit()?)
}

/// What a SQLite failure means for the user of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Another writer held the file for longer than the busy timeout.
    Busy,
    NotADatabase,
    Corrupt,
    /// The file or its folder is read-only.
    ReadOnly,
    CannotOpen,
    DiskFull,
    Other,
}

/// How a SQLite error failed, and SQLite's own words for it, once.
pub fn failure(e: &rusqlite::Error) -> (Failure, String) {
    let detail = match e {
        rusqlite::Error::SqliteFailure(code, message) => message
            .clone()
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| code.to_string()),
        other => other.to_string(),
    };
    let kind = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Failure::Busy,
        Some(ErrorCode::NotADatabase) => Failure::NotADatabase,
        Some(ErrorCode::DatabaseCorrupt) => Failure::Corrupt,
        Some(ErrorCode::ReadOnly) => Failure::ReadOnly,
        Some(ErrorCode::CannotOpen) => Failure::CannotOpen,
        Some(ErrorCode::DiskFull) => Failure::DiskFull,
        _ => Failure::Other,
    };
    (kind, detail)
}
