//! The SQLite backend: one file, one connection taken in turn (SQLite serialises writers
//! anyway), every call on tokio's blocking threads so that a slow disk never stalls the server.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::edit_taken;
use super::edits::EDIT_COLUMNS;
use super::{
    Check, Credentials, Delivery, Edit, LATEST_DELIVERIES, NewDelivery, NewVersion, PULL_COLUMNS,
    Provider, Pull, PullState, Recorded, Result, Role, Session, Source, SourceKind, Store,
    StoreError, Stream, User, Version, VersionInfo,
};

/// Schema versions in order: version n is reached by applying `MIGRATIONS[n - 1]`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_streams.sql"),
    include_str!("../../migrations/sqlite/0002_webhooks.sql"),
    include_str!("../../migrations/sqlite/0003_pulls.sql"),
    include_str!("../../migrations/sqlite/0004_delivery_hashes.sql"),
    include_str!("../../migrations/sqlite/0005_edits.sql"),
];

/// How long a writer waits for another process's write before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The store in an SQLite file.
#[derive(Debug, Clone)]
pub struct Sqlite {
    connection: Arc<Mutex<Connection>>,
    place: String,
}

impl Sqlite {
    /// Opens the file (creating it and its folder), and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Sqlite> {
        let path = path.to_path_buf();
        let place = path.display().to_string();
        let opened = place.clone();
        tokio::task::spawn_blocking(move || open_blocking(&path, &opened))
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?
            .map(|connection| Sqlite {
                connection: Arc::new(Mutex::new(connection)),
                place,
            })
    }

    /// Saves version `after + 1` while `after` is the latest (see
    /// [`Store::add_version_after`]), marking the edits up to `through_seq` as saved in it.
    async fn save_after(
        &self,
        stream: &str,
        after: i64,
        through_seq: Option<i64>,
        version: &NewVersion<'_>,
    ) -> Result<VersionInfo> {
        let (stream, version) = (stream.to_string(), Owned::from(version));
        // An immediate transaction holds the file's write lock from its first read, so no other
        // connection (or process) saves between the check and the insert.
        self.run(move |c| -> Result<_, Failure> {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            latest_is(&tx, &stream, after)?;
            if through_seq.is_none() {
                no_unsaved_edits(&tx, &stream)?;
            }
            let info = insert_version(&tx, &stream, after + 1, &version)?;
            if let Some(through_seq) = through_seq {
                tx.execute(
                    "UPDATE edits SET saved_in = ?3 WHERE stream_id = ?1 AND seq <= ?2 AND saved_in IS NULL",
                    params![stream, through_seq, after + 1],
                )?;
            }
            tx.commit()?;
            Ok(info)
        })
        .await
    }

    /// Runs `work` on the connection, on a blocking thread.
    async fn run<T, E, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        E: Into<Failure>,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let connection = Arc::clone(&self.connection);
        let place = self.place.clone();
        tokio::task::spawn_blocking(move || {
            let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut connection).map_err(|failure| match failure.into() {
                Failure::Sqlite(e) => database(&place, &e),
                Failure::Conflict(what) => StoreError::Conflict(what),
                Failure::Missing(what) => StoreError::Missing(what),
            })
        })
        .await
        .map_err(|e| StoreError::Database(e.to_string()))?
    }
}

fn open_blocking(path: &Path, place: &str) -> Result<Connection> {
    let open_error = |message: String| StoreError::Open {
        place: place.to_string(),
        message,
    };
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .map_err(|e| open_error(format!("cannot create its folder: {e}")))?;
    }
    let mut connection = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
    connection
        .busy_timeout(BUSY_TIMEOUT)
        .and_then(|()| connection.pragma_update(None, "foreign_keys", "ON"))
        .and_then(|()| connection.pragma_update(None, "journal_mode", "WAL"))
        .map_err(|e| open_error(e.to_string()))?;
    migrate(&mut connection, place)?;
    Ok(connection)
}

fn migrate(connection: &mut Connection, place: &str) -> Result<()> {
    let fail = |e: rusqlite::Error| database(place, &e);
    let tx = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(fail)?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .map_err(fail)?;
    let found: i64 = tx
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_version",
            [],
            |r| r.get(0),
        )
        .map_err(fail)?;
    let known = MIGRATIONS.len() as i64;
    if found > known {
        return Err(StoreError::TooNew {
            place: place.to_string(),
            found,
            known,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql).map_err(fail)?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [index as i64 + 1],
        )
        .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}

fn database(place: &str, error: &rusqlite::Error) -> StoreError {
    StoreError::Database(format!("{place}: {error}"))
}

fn user(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        name: row.get(1)?,
        admin: row.get(2)?,
    })
}

fn version_info(row: &rusqlite::Row<'_>) -> rusqlite::Result<VersionInfo> {
    Ok(VersionInfo {
        number: row.get(0)?,
        author: row.get(1)?,
        created_at: row.get(2)?,
        message: row.get(3)?,
        size: row.get(4)?,
    })
}

const STREAM_COLUMNS: &str = "s.id, s.name, s.created_at, v.number, v.created_at, v.author";
const STREAM_FROM: &str = "FROM streams s JOIN versions v ON v.stream_id = s.id \
    AND v.number = (SELECT MAX(number) FROM versions WHERE stream_id = s.id)";

const SOURCE_COLUMNS: &str = "name, kind, token_hash, salt, created_at";

fn source(row: &rusqlite::Row<'_>) -> rusqlite::Result<Source> {
    let kind: String = row.get(1)?;
    let damaged = |what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            1,
            rusqlite::types::Type::Text,
            format!("a source row with {what}").into(),
        )
    };
    Ok(Source {
        name: row.get(0)?,
        kind: SourceKind::parse(&kind).ok_or_else(|| damaged("an unknown kind"))?,
        check: Check::from_columns(row.get(2)?, row.get(3)?)
            .ok_or_else(|| damaged("neither a token hash nor a salt"))?,
        created_at: row.get(4)?,
    })
}

fn pull(row: &rusqlite::Row<'_>) -> rusqlite::Result<Pull> {
    let provider: String = row.get(1)?;
    Ok(Pull {
        name: row.get(0)?,
        provider: Provider::parse(&provider).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                1,
                rusqlite::types::Type::Text,
                format!("a pull source of unknown provider `{provider}`").into(),
            )
        })?,
        target: row.get(2)?,
        api_url: row.get(3)?,
        token_env: row.get(4)?,
        user: row.get(12)?,
        interval: row.get(5)?,
        created_at: row.get(6)?,
        state: PullState {
            cursor: row.get(7)?,
            last_run_at: row.get(8)?,
            outcome: row.get(9)?,
            next_due: row.get(10)?,
            failures: row.get(11)?,
        },
    })
}

fn delivery(row: &rusqlite::Row<'_>) -> rusqlite::Result<Delivery> {
    let kind: String = row.get(2)?;
    Ok(Delivery {
        seq: row.get(0)?,
        source: row.get(1)?,
        kind: SourceKind::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                2,
                rusqlite::types::Type::Text,
                format!("a delivery of unknown kind `{kind}`").into(),
            )
        })?,
        delivery_id: row.get(3)?,
        event: row.get(4)?,
        body: row.get(5)?,
        received_at: row.get(6)?,
    })
}

fn stream(row: &rusqlite::Row<'_>) -> rusqlite::Result<Stream> {
    Ok(Stream {
        id: row.get(0)?,
        name: row.get(1)?,
        created_at: row.get(2)?,
        latest: row.get(3)?,
        updated_at: row.get(4)?,
        updated_by: row.get(5)?,
    })
}

/// Inserts version `number` and names the stream after it.
fn insert_version(
    tx: &rusqlite::Transaction<'_>,
    stream: &str,
    number: i64,
    version: &Owned,
) -> Result<VersionInfo, Failure> {
    tx.execute(
        "INSERT INTO versions (stream_id, number, yaml, author, created_at, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![stream, number, version.yaml, version.author, version.now, version.message],
    )
    .map_err(|e| conflict(e, || super::taken(stream, number)))?;
    tx.execute(
        "UPDATE streams SET name = ?2 WHERE id = ?1",
        params![stream, version.name],
    )?;
    Ok(VersionInfo {
        number,
        author: version.author.clone(),
        created_at: version.now,
        message: version.message.clone(),
        size: version.yaml.len() as i64,
    })
}

/// Version `after` is the stream's latest: [`Failure::Conflict`] naming the version that was
/// to follow it when another is, [`Failure::Missing`] when there is no such stream.
fn latest_is(tx: &rusqlite::Transaction<'_>, stream: &str, after: i64) -> Result<(), Failure> {
    match latest_number(tx, stream)? {
        None => Err(Failure::Missing(format!("the value stream `{stream}`"))),
        Some(latest) if latest != after => Err(Failure::Conflict(super::taken(stream, after + 1))),
        Some(_) => Ok(()),
    }
}

/// [`Failure::Conflict`] when the stream has edits not saved in a version: a version added
/// over them would not hold them.
fn no_unsaved_edits(tx: &rusqlite::Transaction<'_>, stream: &str) -> Result<(), Failure> {
    let unsaved: Option<i64> = tx
        .query_row(
            "SELECT seq FROM edits WHERE stream_id = ?1 AND saved_in IS NULL LIMIT 1",
            [stream],
            |r| r.get(0),
        )
        .optional()?;
    match unsaved {
        Some(seq) => Err(Failure::Conflict(super::edits_unsaved(stream, seq))),
        None => Ok(()),
    }
}

/// The number of the stream's latest version; `None` if there is no such stream.
fn latest_number(tx: &rusqlite::Transaction<'_>, stream: &str) -> rusqlite::Result<Option<i64>> {
    tx.query_row(
        "SELECT MAX(number) FROM versions WHERE stream_id = ?1",
        [stream],
        |r| r.get(0),
    )
}

/// A [`NewVersion`] owned, to move onto a blocking thread.
struct Owned {
    name: String,
    yaml: String,
    author: String,
    author_id: i64,
    message: String,
    now: i64,
}

impl From<&NewVersion<'_>> for Owned {
    fn from(v: &NewVersion<'_>) -> Self {
        Owned {
            name: v.name.to_string(),
            yaml: v.yaml.to_string(),
            author: v.author.name.clone(),
            author_id: v.author.id,
            message: v.message.to_string(),
            now: v.now,
        }
    }
}

#[async_trait::async_trait]
impl Store for Sqlite {
    async fn ping(&self) -> Result<()> {
        self.run(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }

    async fn create_user(
        &self,
        name: &str,
        password_hash: &str,
        admin: bool,
        now: i64,
    ) -> Result<User> {
        let (name, hash) = (name.to_string(), password_hash.to_string());
        self.run(move |c| -> Result<_, Failure> {
            c.execute(
                "INSERT INTO users (name, password_hash, admin, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![name, hash, admin, now],
            )
            .map_err(|e| conflict(e, || format!("the user `{name}`")))?;
            Ok(User {
                id: c.last_insert_rowid(),
                name,
                admin,
            })
        })
        .await
    }

    async fn credentials(&self, name: &str) -> Result<Option<Credentials>> {
        let name = name.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT id, name, admin, password_hash FROM users WHERE name = ?1",
                [name],
                |r| {
                    Ok(Credentials {
                        user: user(r)?,
                        password_hash: r.get(3)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let name = name.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT id, name, admin FROM users WHERE name = ?1",
                [name],
                user,
            )
            .optional()
        })
        .await
    }

    async fn set_password(&self, id: i64, password_hash: &str) -> Result<()> {
        let hash = password_hash.to_string();
        self.run(move |c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE id = ?1",
                params![id, hash],
            )?;
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", params![id])?;
            tx.commit()
        })
        .await
    }

    async fn create_token(&self, user: i64, name: &str, hash: &str, now: i64) -> Result<()> {
        let (name, hash) = (name.to_string(), hash.to_string());
        self.run(move |c| {
            c.execute(
                "INSERT INTO tokens (user_id, name, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![user, name, hash, now],
            )
            .map(drop)
        })
        .await
    }

    async fn token_user(&self, hash: &str) -> Result<Option<User>> {
        let hash = hash.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT u.id, u.name, u.admin FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?1",
                [hash],
                user,
            )
            .optional()
        })
        .await
    }

    async fn create_session(
        &self,
        hash: &str,
        user: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let (hash, csrf) = (hash.to_string(), csrf.to_string());
        self.run(move |c| {
            c.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
            c.execute(
                "INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![hash, user, csrf, now, expires_at],
            )
            .map(drop)
        })
        .await
    }

    async fn session(&self, hash: &str, now: i64) -> Result<Option<Session>> {
        let hash = hash.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT u.id, u.name, u.admin, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.hash = ?1 AND s.expires_at > ?2",
                params![hash, now],
                |r| {
                    Ok(Session {
                        user: user(r)?,
                        csrf: r.get(3)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn delete_session(&self, hash: &str) -> Result<()> {
        let hash = hash.to_string();
        self.run(move |c| {
            c.execute("DELETE FROM sessions WHERE hash = ?1", [hash])
                .map(drop)
        })
        .await
    }

    async fn record_sign_in_attempt(&self, name: &str, now: i64, since: i64) -> Result<i64> {
        let name = name.to_string();
        self.run(move |c| {
            // One writer at a time on the file, other processes included.
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM failed_sign_ins WHERE at < ?1", [since])?;
            tx.execute(
                "INSERT INTO failed_sign_ins (name, at) VALUES (?1, ?2)",
                params![name, now],
            )?;
            let count = tx.query_row(
                "SELECT COUNT(*) FROM failed_sign_ins WHERE name = ?1 AND at >= ?2",
                params![name, since],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok::<_, rusqlite::Error>(count)
        })
        .await
    }

    async fn failed_sign_ins(&self, name: &str, since: i64) -> Result<i64> {
        let name = name.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM failed_sign_ins WHERE name = ?1 AND at >= ?2",
                params![name, since],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn clear_failed_sign_ins(&self, name: &str) -> Result<()> {
        let name = name.to_string();
        self.run(move |c| {
            c.execute("DELETE FROM failed_sign_ins WHERE name = ?1", [name])
                .map(drop)
        })
        .await
    }

    async fn create_stream(&self, id: &str, first: &NewVersion<'_>) -> Result<VersionInfo> {
        let (id, first) = (id.to_string(), Owned::from(first));
        self.run(move |c| -> Result<_, Failure> {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO streams (id, name, created_at) VALUES (?1, ?2, ?3)",
                params![id, first.name, first.now],
            )
            .map_err(|e| conflict(e, || format!("the value stream `{id}`")))?;
            let info = insert_version(&tx, &id, 1, &first)?;
            tx.execute(
                "INSERT INTO members (stream_id, user_id, role) VALUES (?1, ?2, 'admin')",
                params![id, first.author_id],
            )?;
            tx.commit()?;
            Ok(info)
        })
        .await
    }

    async fn add_version(&self, stream: &str, version: &NewVersion<'_>) -> Result<VersionInfo> {
        let (stream, version) = (stream.to_string(), Owned::from(version));
        let shown = stream.clone();
        self.run(move |c| -> Result<_, Failure> {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let Some(latest) = latest_number(&tx, &stream)? else {
                return Ok(None);
            };
            let info = insert_version(&tx, &stream, latest + 1, &version)?;
            tx.commit()?;
            Ok(Some(info))
        })
        .await?
        .ok_or_else(|| StoreError::Missing(format!("the value stream `{shown}`")))
    }

    async fn add_version_after(
        &self,
        stream: &str,
        after: i64,
        version: &NewVersion<'_>,
    ) -> Result<VersionInfo> {
        self.save_after(stream, after, None, version).await
    }

    async fn stream(&self, id: &str) -> Result<Option<Stream>> {
        let id = id.to_string();
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {STREAM_COLUMNS} {STREAM_FROM} WHERE s.id = ?1"),
                [id],
                stream,
            )
            .optional()
        })
        .await
    }

    async fn streams(&self, user: i64, all: bool) -> Result<Vec<(Stream, Option<Role>)>> {
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {STREAM_COLUMNS}, m.role {STREAM_FROM} \
                 LEFT JOIN members m ON m.stream_id = s.id AND m.user_id = ?1 \
                 WHERE ?2 OR m.role IS NOT NULL ORDER BY s.id"
            ))?;
            statement
                .query_map(params![user, all], |r| {
                    let role: Option<String> = r.get(6)?;
                    Ok((stream(r)?, role.as_deref().and_then(Role::parse)))
                })?
                .collect()
        })
        .await
    }

    async fn versions(&self, stream: &str) -> Result<Vec<VersionInfo>> {
        let stream = stream.to_string();
        self.run(move |c| {
            let mut statement = c.prepare(
                "SELECT number, author, created_at, message, LENGTH(CAST(yaml AS BLOB)) FROM versions \
                 WHERE stream_id = ?1 ORDER BY number DESC",
            )?;
            statement.query_map([stream], version_info)?.collect()
        })
        .await
    }

    async fn version(&self, stream: &str, number: Option<i64>) -> Result<Option<Version>> {
        let stream = stream.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT number, author, created_at, message, LENGTH(CAST(yaml AS BLOB)), yaml FROM versions \
                 WHERE stream_id = ?1 AND number = COALESCE(?2, \
                 (SELECT MAX(number) FROM versions WHERE stream_id = ?1))",
                params![stream, number],
                |r| {
                    Ok(Version {
                        info: version_info(r)?,
                        yaml: r.get(5)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    async fn recent_versions(&self, stream: &str, limit: i64) -> Result<Vec<Version>> {
        let stream = stream.to_string();
        self.run(move |c| {
            let mut statement = c.prepare(
                "SELECT number, author, created_at, message, LENGTH(CAST(yaml AS BLOB)), yaml FROM versions \
                 WHERE stream_id = ?1 ORDER BY number DESC LIMIT ?2",
            )?;
            statement
                .query_map(params![stream, limit], |r| {
                    Ok(Version {
                        info: version_info(r)?,
                        yaml: r.get(5)?,
                    })
                })?
                .collect()
        })
        .await
    }

    async fn set_role(&self, stream: &str, user: i64, role: Option<Role>) -> Result<()> {
        let stream = stream.to_string();
        self.run(move |c| match role {
            Some(role) => c
                .execute(
                    "INSERT INTO members (stream_id, user_id, role) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (stream_id, user_id) DO UPDATE SET role = excluded.role",
                    params![stream, user, role.as_str()],
                )
                .map(drop),
            None => c
                .execute(
                    "DELETE FROM members WHERE stream_id = ?1 AND user_id = ?2",
                    params![stream, user],
                )
                .map(drop),
        })
        .await
    }

    async fn role(&self, stream: &str, user: i64) -> Result<Option<Role>> {
        let stream = stream.to_string();
        let role: Option<String> = self
            .run(move |c| {
                c.query_row(
                    "SELECT role FROM members WHERE stream_id = ?1 AND user_id = ?2",
                    params![stream, user],
                    |r| r.get(0),
                )
                .optional()
            })
            .await?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    async fn create_source(&self, stream: &str, new: &Source) -> Result<()> {
        let (stream, new) = (stream.to_string(), new.clone());
        self.run(move |c| -> Result<_, Failure> {
            let tx = stream_held(c, &stream)?;
            let (token_hash, salt) = new.check.columns();
            tx.execute(
                "INSERT INTO sources (stream_id, name, kind, token_hash, salt, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    stream,
                    new.name,
                    new.kind.as_str(),
                    token_hash,
                    salt,
                    new.created_at
                ],
            )
            .map_err(|e| conflict(e, || format!("the source `{}` of `{stream}`", new.name)))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn sources(&self, stream: &str) -> Result<Vec<Source>> {
        self.of_stream("sources", SOURCE_COLUMNS, stream, source)
            .await
    }

    async fn source(&self, stream: &str, name: &str) -> Result<Option<Source>> {
        let (stream, name) = (stream.to_string(), name.to_string());
        self.run(move |c| {
            c.query_row(
                &format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE stream_id = ?1 AND name = ?2"),
                params![stream, name],
                source,
            )
            .optional()
        })
        .await
    }

    async fn delete_source(&self, stream: &str, name: &str) -> Result<bool> {
        self.delete_named("sources", stream, name).await
    }

    async fn record_deliveries(
        &self,
        stream: &str,
        source: &str,
        kind: SourceKind,
        deliveries: &[NewDelivery<'_>],
        now: i64,
    ) -> Result<Vec<Recorded>> {
        let (stream, source) = (stream.to_string(), source.to_string());
        let deliveries: Vec<[String; 4]> = deliveries
            .iter()
            .map(|d| {
                [
                    d.delivery_id.into(),
                    d.event.into(),
                    d.body.into(),
                    d.content_hash(),
                ]
            })
            .collect();
        self.run(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut recorded = Vec::with_capacity(deliveries.len());
            {
                let mut insert = tx.prepare(
                    "INSERT INTO deliveries (stream_id, source, kind, delivery_id, event, body, received_at, content_hash) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT (stream_id, source, delivery_id) DO NOTHING RETURNING seq",
                )?;
                let mut earlier = tx.prepare(
                    "SELECT content_hash FROM deliveries \
                     WHERE stream_id = ?1 AND source = ?2 AND delivery_id = ?3",
                )?;
                for [id, event, body, hash] in &deliveries {
                    let seq: Option<i64> = insert
                        .query_row(
                            params![stream, source, kind.as_str(), id, event, body, now, hash],
                            |r| r.get(0),
                        )
                        .optional()?;
                    recorded.push(match seq {
                        Some(seq) => Recorded::New(seq),
                        None => {
                            let stored: Option<String> =
                                earlier.query_row(params![stream, source, id], |r| r.get(0))?;
                            super::sources::resent(stored.as_deref(), hash)
                        }
                    });
                }
            }
            tx.commit()?;
            Ok::<_, rusqlite::Error>(recorded)
        })
        .await
    }

    async fn deliveries_after(
        &self,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        let stream = stream.to_string();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |c| {
            let mut statement = c.prepare(
                "SELECT seq, source, kind, delivery_id, event, body, received_at FROM deliveries \
                 WHERE stream_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            statement
                .query_map(params![stream, after_seq, limit], delivery)?
                .collect()
        })
        .await
    }

    async fn latest_deliveries(
        &self,
        stream: &str,
        source: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        let (stream, source) = (stream.to_string(), source.to_string());
        self.run(move |c| {
            let mut statement = c.prepare(LATEST_DELIVERIES)?;
            statement
                .query_map(params![stream, source], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?
                .collect()
        })
        .await
    }

    async fn create_pull(&self, stream: &str, new: &Pull) -> Result<()> {
        let (stream, new) = (stream.to_string(), new.clone());
        self.run(move |c| -> Result<_, Failure> {
            let tx = stream_held(c, &stream)?;
            tx.execute(
                "INSERT INTO pulls (stream_id, name, provider, target, api_url, token_env, \
                 interval_seconds, created_at, next_due, user_name) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    stream,
                    new.name,
                    new.provider.as_str(),
                    new.target,
                    new.api_url,
                    new.token_env,
                    new.interval,
                    new.created_at,
                    new.state.next_due,
                    new.user
                ],
            )
            .map_err(|e| conflict(e, || format!("the source `{}` of `{stream}`", new.name)))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn pulls(&self, stream: &str) -> Result<Vec<Pull>> {
        self.of_stream("pulls", PULL_COLUMNS, stream, pull).await
    }

    async fn delete_pull(&self, stream: &str, name: &str) -> Result<bool> {
        self.delete_named("pulls", stream, name).await
    }

    async fn due_pulls(&self, now: i64, limit: usize) -> Result<Vec<(String, String)>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |c| {
            let mut statement = c.prepare(
                "SELECT stream_id, name FROM pulls WHERE next_due <= ?1 \
                 AND (lease_until IS NULL OR lease_until < ?1) ORDER BY next_due LIMIT ?2",
            )?;
            statement
                .query_map(params![now, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .await
    }

    async fn claim_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<Pull>> {
        let (stream, name, owner) = (stream.to_string(), name.to_string(), owner.to_string());
        self.run(move |c| {
            c.query_row(
                &format!(
                    "UPDATE pulls SET lease_owner = ?3, lease_until = ?5, asked_at = NULL \
                     WHERE stream_id = ?1 AND name = ?2 AND next_due <= ?4 \
                     AND (lease_until IS NULL OR lease_until < ?4) RETURNING {PULL_COLUMNS}"
                ),
                params![stream, name, owner, now, until],
                pull,
            )
            .optional()
        })
        .await
    }

    async fn renew_pull(&self, stream: &str, name: &str, owner: &str, until: i64) -> Result<bool> {
        let (stream, name, owner) = (stream.to_string(), name.to_string(), owner.to_string());
        self.run(move |c| {
            c.execute(
                "UPDATE pulls SET lease_until = ?4 \
                 WHERE stream_id = ?1 AND name = ?2 AND lease_owner = ?3",
                params![stream, name, owner, until],
            )
            .map(|updated| updated > 0)
        })
        .await
    }

    async fn finish_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        state: &PullState,
    ) -> Result<bool> {
        let (stream, name, owner, state) = (
            stream.to_string(),
            name.to_string(),
            owner.to_string(),
            state.clone(),
        );
        self.run(move |c| {
            c.execute(
                "UPDATE pulls SET cursor = ?4, last_run_at = ?5, outcome = ?6, \
                 next_due = CASE WHEN asked_at IS NULL THEN ?7 ELSE MIN(?7, asked_at) END, \
                 failures = ?8, lease_owner = NULL, lease_until = NULL, asked_at = NULL \
                 WHERE stream_id = ?1 AND name = ?2 AND lease_owner = ?3",
                params![
                    stream,
                    name,
                    owner,
                    state.cursor,
                    state.last_run_at,
                    state.outcome,
                    state.next_due,
                    state.failures
                ],
            )
            .map(|updated| updated > 0)
        })
        .await
    }

    async fn pull_now(&self, stream: &str, name: &str, now: i64) -> Result<bool> {
        let (stream, name) = (stream.to_string(), name.to_string());
        self.run(move |c| {
            c.execute(
                "UPDATE pulls SET next_due = MIN(next_due, ?3), \
                 asked_at = CASE WHEN lease_owner IS NULL THEN NULL ELSE ?3 END \
                 WHERE stream_id = ?1 AND name = ?2",
                params![stream, name, now],
            )
            .map(|updated| updated > 0)
        })
        .await
    }

    async fn record_edit(&self, stream: &str, edit: &Edit) -> Result<()> {
        let (stream, edit) = (stream.to_string(), edit.clone());
        self.run(move |c| -> Result<_, Failure> {
            let tx = stream_held(c, &stream)?;
            if latest_number(&tx, &stream)? != Some(edit.base_version) {
                return Err(Failure::Conflict(super::edit_stale(&stream, edit.base_version)));
            }
            tx.execute(
                "INSERT INTO edits (stream_id, seq, base_version, user_name, ops, conflicts, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    stream,
                    edit.seq,
                    edit.base_version,
                    edit.user,
                    edit.ops,
                    edit.conflicts,
                    edit.created_at
                ],
            )
            .map_err(|e| conflict(e, || edit_taken(&stream, edit.seq)))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn edits(
        &self,
        stream: &str,
        after_seq: i64,
        limit: i64,
        unsaved: bool,
    ) -> Result<Vec<Edit>> {
        let stream = stream.to_string();
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {EDIT_COLUMNS} FROM edits WHERE stream_id = ?1 AND seq > ?2 \
                 AND (NOT ?3 OR saved_in IS NULL) ORDER BY seq LIMIT ?4"
            ))?;
            statement
                .query_map(params![stream, after_seq, unsaved, limit], edit)?
                .collect()
        })
        .await
    }

    async fn last_edit(&self, stream: &str) -> Result<i64> {
        let stream = stream.to_string();
        self.run(move |c| {
            c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM edits WHERE stream_id = ?1",
                [stream],
                |r| r.get(0),
            )
        })
        .await
    }

    async fn save_edits(
        &self,
        stream: &str,
        after: i64,
        through_seq: i64,
        version: &NewVersion<'_>,
    ) -> Result<VersionInfo> {
        self.save_after(stream, after, Some(through_seq), version)
            .await
    }
}

fn edit(row: &rusqlite::Row<'_>) -> rusqlite::Result<Edit> {
    Ok(Edit {
        seq: row.get(0)?,
        base_version: row.get(1)?,
        user: row.get(2)?,
        ops: row.get(3)?,
        conflicts: row.get(4)?,
        created_at: row.get(5)?,
        saved_in: row.get(6)?,
    })
}

/// A write transaction in which `stream` exists: [`Failure::Missing`] if it does not.
fn stream_held<'c>(
    c: &'c mut Connection,
    stream: &str,
) -> Result<rusqlite::Transaction<'c>, Failure> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: Option<i64> = tx
        .query_row("SELECT 1 FROM streams WHERE id = ?1", [stream], |r| {
            r.get(0)
        })
        .optional()?;
    if found.is_none() {
        return Err(Failure::Missing(format!("the value stream `{stream}`")));
    }
    Ok(tx)
}

impl Sqlite {
    /// The rows of `table` (its `columns`) of `stream`, by name, each read with `read`.
    async fn of_stream<T: Send + 'static>(
        &self,
        table: &'static str,
        columns: &'static str,
        stream: &str,
        read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let stream = stream.to_string();
        self.run(move |c| {
            let mut statement = c.prepare(&format!(
                "SELECT {columns} FROM {table} WHERE stream_id = ?1 ORDER BY name"
            ))?;
            statement.query_map([stream], read)?.collect()
        })
        .await
    }

    /// Deletes the row `name` of `stream` from `table`: whether there was one.
    async fn delete_named(&self, table: &'static str, stream: &str, name: &str) -> Result<bool> {
        let (stream, name) = (stream.to_string(), name.to_string());
        self.run(move |c| {
            c.execute(
                &format!("DELETE FROM {table} WHERE stream_id = ?1 AND name = ?2"),
                params![stream, name],
            )
            .map(|deleted| deleted > 0)
        })
        .await
    }
}

/// Why a call on the connection failed.
enum Failure {
    Sqlite(rusqlite::Error),
    /// The thing to create exists (what it is, for the message).
    Conflict(String),
    /// What it belongs to does not exist (what, for the message).
    Missing(String),
}

impl From<rusqlite::Error> for Failure {
    fn from(error: rusqlite::Error) -> Self {
        Failure::Sqlite(error)
    }
}

/// A uniqueness violation as [`Failure::Conflict`] naming `what`; any other error as it is.
fn conflict(error: rusqlite::Error, what: impl FnOnce() -> String) -> Failure {
    match &error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Failure::Conflict(what())
        }
        _ => Failure::Sqlite(error),
    }
}
