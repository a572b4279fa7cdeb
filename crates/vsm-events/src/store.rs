//! The store: one SQLite file in the OCEL 2.0 relational layout, migrated forward when opened,
//! written one batch per transaction.
//!
//! The layout is pm4py's (checked against pm4py-core's `objects/ocel/exporter/sqlite/variants/
//! ocel20.py`, `importer/sqlite/variants/ocel20.py` and `validation/ocel20_rel_validation.py`,
//! and against pm4py 2.7.23 writing the OCEL 2.0 example): `event (ocel_id, ocel_type)`,
//! `object (ocel_id, ocel_type)`, `event_map_type` / `object_map_type (ocel_type,
//! ocel_type_map)`, `event_<map> (ocel_id, ocel_time, attributes...)`, `object_<map> (ocel_id,
//! ocel_time, ocel_changed_field, attributes...)`, `event_object (ocel_event_id,
//! ocel_object_id, ocel_qualifier)` and `object_object (ocel_source_id, ocel_target_id,
//! ocel_qualifier)`. vsm's type names are already plain identifiers, so a type's map name is
//! its name. Times are text as pandas writes a UTC time into SQLite, which pm4py reads back:
//! `2022-01-09 15:30:00+00:00` (a fraction, `.250000`, only when there is one).
//!
//! How `ocel_changed_field` is used: each object has one row in its `object_<type>` table, with
//! `ocel_changed_field` NULL and `ocel_time` at the Unix epoch (OCEL 2.0's "initial values"),
//! holding its attributes as the sources last saw them. A fetch that finds an attribute changed
//! updates that row in place; vsm keeps no attribute history (what happened over time is in the
//! events), so it writes no change rows, and a store fetched twice equals one fetched once.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, Transaction, TransactionBehavior, params};
use vsm_store::file;

use crate::counts::Counts;
use crate::error::StoreError;
use crate::model::Batch;
use crate::write::Writer;

/// Where the store is kept unless told otherwise.
pub const DEFAULT_PATH: &str = ".vsm/events.sqlite";

/// How long a writer waits for another one before giving up with [`StoreError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A migration's file name and its SQL, built into the binary.
macro_rules! migration {
    ($file:literal) => {
        ($file, include_str!(concat!("../migrations/", $file)))
    };
}

/// Schema versions, in order: version n is reached by applying `MIGRATIONS[n - 1]`, a file in
/// `migrations/` numbered n. The version reached is kept in the file's `user_version`. A
/// read-only open does not migrate: the queries read every version from [`READS_FROM`] on, so a
/// migration they cannot read around raises it.
const MIGRATIONS: &[(&str, &str)] = &[migration!("0001_ocel.sql")];

/// The oldest schema version this vsm reads as it is, without migrating (a read changes nothing):
/// its queries read every version from this one on. A migration that the queries cannot read
/// around raises it, and a store older than it is then refused with why and the way out.
const READS_FROM: i64 = 1;

/// Whether a store of schema `version` can be read as it is by a vsm that knows `known`
/// versions and reads those from `reads_from` on.
fn readable(path: &str, version: i64, reads_from: i64, known: usize) -> Result<(), StoreError> {
    if version < 0 {
        return Err(StoreError::NotAStore {
            path: path.to_string(),
            why: format!("its schema version {version} is none of vsm's, which count from 1"),
        });
    }
    if version > known as i64 {
        return Err(StoreError::TooNew {
            path: path.to_string(),
            found: version,
            known,
        });
    }
    if version < reads_from {
        return Err(StoreError::TooOld {
            path: path.to_string(),
            found: version,
            reads_from,
            known,
        });
    }
    Ok(())
}

/// Where a fetch got to: kept per source with the batch it wrote, in the same transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor<'a> {
    /// The source, e.g. `git:/home/me/ants` or `github:panjf2000/ants`.
    pub source: &'a str,
    /// The source's own position (a time to ask from next time, a commit), if it has one.
    pub cursor: Option<&'a str>,
    /// When the fetch ran.
    pub fetched_at: jiff::Timestamp,
}

/// The event store, open for writing.
#[derive(Debug)]
pub struct Store {
    connection: Connection,
    path: String,
    busy_timeout: Duration,
}

impl Store {
    /// Opens the file, creating it and its folder if needed, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_waiting(path, BUSY_TIMEOUT)
    }

    /// As [`Store::open`], waiting at most `busy_timeout` for another writer.
    pub fn open_waiting(path: &Path, busy_timeout: Duration) -> Result<Store, StoreError> {
        let display = path.display().to_string();
        // Write-ahead logging, and a commit on disk when it returns: a killed fetch keeps every
        // batch it committed.
        let connection = file::open_migrated(path, busy_timeout, MIGRATIONS)
            .map_err(|e| StoreError::opening(&display, busy_timeout, e))?;
        // A batch runs a few statements per type it writes, each prepared once; its lookups by
        // id touch the whole of the id indexes, which a large store's page cache keeps (SQLite's
        // default 2 MB would read them from the file again and again).
        connection.set_prepared_statement_cache_capacity(64);
        connection
            .pragma_update(None, "cache_size", -256_000)
            .map_err(|e| StoreError::sqlite(&display, busy_timeout, &e))?;
        Ok(Store {
            connection,
            path: display,
            busy_timeout,
        })
    }

    /// Opens an existing store to read it, changing nothing: no file or folder is created, no
    /// schema written, no journal mode set, no migration run. A store of an older schema is
    /// read as it is (down to `READS_FROM`). A missing file, a file that is no event store (an
    /// empty one, another database, not a database) and a schema newer than this vsm's are
    /// refused with what to do.
    pub fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        let display = path.display().to_string();
        let not_a_store = |why: String| StoreError::NotAStore {
            path: display.clone(),
            why,
        };
        if path.is_dir() {
            let inside = path.join(DEFAULT_PATH);
            return Err(StoreError::Folder {
                path: display,
                inside: inside.display().to_string(),
                has_store: inside.is_file(),
            });
        }
        if !path.exists() {
            return Err(StoreError::Missing { path: display });
        }
        let fail = |e: &rusqlite::Error| match file::failure(e) {
            (file::Failure::NotADatabase, detail) => not_a_store(detail),
            _ => StoreError::sqlite(&display, BUSY_TIMEOUT, e),
        };
        let (connection, version) =
            file::open_read_only(path, BUSY_TIMEOUT).map_err(|e| fail(&e))?;
        if version == 0 {
            let tables = file::tables(&connection).map_err(|e| fail(&e))?;
            let empty = std::fs::metadata(path).is_ok_and(|m| m.len() == 0);
            return Err(not_a_store(if empty {
                "it is empty".into()
            } else if tables.is_empty() {
                "it has no tables".into()
            } else {
                format!(
                    "it is a database of something else, with the tables {}",
                    tables.join(", ")
                )
            }));
        }
        readable(&display, version, READS_FROM, MIGRATIONS.len())?;
        connection.set_prepared_statement_cache_capacity(64);
        Ok(Store {
            connection,
            path: display,
            busy_timeout: BUSY_TIMEOUT,
        })
    }

    /// The file's path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn fail(&self, e: &rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, self.busy_timeout, e)
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// Writes a batch in one transaction: objects first (new ones added, changed attributes
    /// updated in place), then relations (added once), then events (new ones added; one read
    /// again takes the values it gives, keeps the stored attributes it does not give, and adds its
    /// objects). Items that cannot be written (an event
    /// whose object is in neither the store nor the batch, an object stored under another type,
    /// an attribute name that is not a plain identifier) are skipped and counted with the
    /// reason. Writing the same batch again changes nothing and counts everything unchanged.
    pub fn write(&mut self, batch: &Batch) -> Result<Counts, StoreError> {
        self.write_batch(batch, None)
    }

    /// As [`Store::write`], and records where the fetch got to, in the same transaction: the
    /// cursor moves only with the data it stands for.
    pub fn write_fetched(&mut self, batch: &Batch, at: &Cursor) -> Result<Counts, StoreError> {
        self.write_batch(batch, Some(at))
    }

    fn write_batch(&mut self, batch: &Batch, at: Option<&Cursor>) -> Result<Counts, StoreError> {
        self.in_transaction(|tx| {
            let counts = Writer::new(tx).batch(batch)?;
            if let Some(at) = at {
                tx.execute(
                    "INSERT INTO vsm_source (source, cursor, fetched_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (source) DO UPDATE SET cursor = ?2, fetched_at = ?3",
                    params![at.source, at.cursor, crate::time::to_text(at.fetched_at)],
                )?;
            }
            Ok(counts)
        })
    }

    /// Runs `work` in one write transaction, committed when it succeeds.
    pub(crate) fn in_transaction<T>(
        &mut self,
        work: impl FnOnce(&Transaction) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let (path, timeout) = (self.path.clone(), self.busy_timeout);
        let fail = |e| StoreError::sqlite(&path, timeout, &e);
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let done = work(&tx).map_err(fail)?;
        tx.commit().map_err(fail)?;
        Ok(done)
    }

    /// The cursor the last fetch from `source` left, if one did.
    pub fn cursor(&self, source: &str) -> Result<Option<String>, StoreError> {
        self.connection
            .query_row(
                "SELECT cursor FROM vsm_source WHERE source = ?1",
                params![source],
                |row| row.get::<_, Option<String>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(|e| self.fail(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read-only open refused every store older than this vsm's schema ("bring it up to
    /// date by fetching into it once"): reading migrates nothing, so a store of an older
    /// version the queries read is read as it is, and one they cannot read says exactly why.
    #[test]
    fn an_older_store_is_read_as_it_is_down_to_the_oldest_version_read() {
        // A vsm that knows three versions and reads from the first reads a version-1 store.
        assert!(readable("s.sqlite", 1, 1, 3).is_ok());
        assert!(readable("s.sqlite", 3, 1, 3).is_ok());
        let message = |version, reads_from| {
            readable("s.sqlite", version, reads_from, 3)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            message(1, 2),
            "the event store `s.sqlite` has schema version 1, and this vsm reads versions 2 to 3: \
             reading changes nothing, so it is not migrated; migrate it by fetching into it once \
             (`vsm fetch git REPOSITORY -o s.sqlite`), or read it with the vsm that wrote it"
        );
        assert!(message(4, 1).contains("newer than this vsm knows (3)"));
        assert!(message(-1, 1).contains("its schema version -1 is none of vsm's"));
        // This vsm reads every version it knows.
        assert!(
            readable(
                "s.sqlite",
                MIGRATIONS.len() as i64,
                READS_FROM,
                MIGRATIONS.len()
            )
            .is_ok()
        );
    }

    /// Every file in `migrations/` is listed, in its numbered place.
    #[test]
    fn every_migration_file_is_applied_in_its_numbered_place() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        let numbered: Vec<String> = (1..=MIGRATIONS.len()).map(|n| format!("{n:04}_")).collect();
        for ((file, (name, _)), number) in files.iter().zip(MIGRATIONS).zip(&numbered) {
            assert!(
                file == name && name.starts_with(number.as_str()),
                "{file}, {name}"
            );
        }
        assert_eq!(files.len(), MIGRATIONS.len());
    }
}
