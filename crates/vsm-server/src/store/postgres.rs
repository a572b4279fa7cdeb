//! The PostgreSQL backend, for teams and for replicas: a pool of connections (sqlx), migrated at
//! start under an advisory lock so that replicas starting together migrate once.

use std::str::FromStr as _;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Row as _, Transaction};

use super::edits::EDIT_COLUMNS;
use super::{
    Check, Credentials, Delivery, Edit, NewDelivery, NewVersion, PULL_COLUMNS, Provider, Pull,
    PullState, Recorded, Result, Role, Session, Source, SourceKind, Store, StoreError, Stream,
    User, Version, VersionInfo, edit_taken, redact,
};

/// Schema versions in order: version n is reached by applying `MIGRATIONS[n - 1]`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_streams.sql"),
    include_str!("../../migrations/postgres/0002_webhooks.sql"),
    include_str!("../../migrations/postgres/0003_pulls.sql"),
    include_str!("../../migrations/postgres/0004_delivery_hashes.sql"),
    include_str!("../../migrations/postgres/0005_edits.sql"),
];

/// The advisory lock replicas take while migrating (any number, the same in every vsm).
const MIGRATION_LOCK: i64 = 0x7673_6d5f_7372_7601;

/// The seed of the advisory locks that sign-in attempts on one name take (any number, the same
/// in every vsm).
const SIGN_IN_LOCK: i64 = 0x7673_6d5f_7369_676e;

/// The seed of the advisory locks that writers of one stream's deliveries take (any number,
/// the same in every vsm): a delivery's number is drawn and committed under it, so within a
/// stream numbers are committed in order and a reader after a mark misses none.
const DELIVERY_LOCK: i64 = 0x7673_6d5f_686f_6f6b;

/// The store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
    place: String,
}

impl Postgres {
    /// Connects to `url` and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Postgres> {
        let place = redact(url);
        let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::Open {
            place: place.clone(),
            message: format!(
                "{e}; a PostgreSQL URL looks like postgres://USER:PASSWORD@HOST:5432/DATABASE"
            ),
        })?;
        Postgres::connect_with(options, place).await
    }

    /// Connects with `options` (the tests' way to pick a schema); `place` names it in errors.
    pub async fn connect_with(options: PgConnectOptions, place: String) -> Result<Postgres> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Open {
                place: place.clone(),
                message: format!("{e}; is PostgreSQL running there, and may this user connect?"),
            })?;
        let store = Postgres { pool, place };
        store.migrate().await?;
        Ok(store)
    }

    fn fail(&self, error: &sqlx::Error) -> StoreError {
        StoreError::Database(format!("{}: {error}", self.place))
    }

    /// A uniqueness violation as [`StoreError::Conflict`] naming `what`.
    fn conflict(&self, error: &sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
        match error {
            sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict(what()),
            _ => self.fail(error),
        }
    }

    /// A transaction holding the row of `stream`, shared-locked so that it cannot go while
    /// something of its is added; [`StoreError::Missing`] if there is no such stream.
    async fn stream_held(&self, stream: &str) -> Result<Transaction<'static, sqlx::Postgres>> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        let found = sqlx::query("SELECT id FROM streams WHERE id = $1 FOR SHARE")
            .bind(stream)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
        if found.is_none() {
            return Err(StoreError::Missing(format!("the value stream `{stream}`")));
        }
        Ok(tx)
    }

    /// The rows of `table` (its `columns`) of `stream`, by name, each read with `read`.
    async fn of_stream<T>(
        &self,
        table: &'static str,
        columns: &'static str,
        stream: &str,
        read: fn(&PgRow) -> std::result::Result<T, sqlx::Error>,
    ) -> Result<Vec<T>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {columns} FROM {table} WHERE stream_id = $1 ORDER BY name"
        )))
        .bind(stream)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read_all(&rows, read)
    }

    /// Deletes the row `name` of `stream` from `table`: whether there was one.
    async fn delete_named(&self, table: &'static str, stream: &str, name: &str) -> Result<bool> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE stream_id = $1 AND name = $2"
        )))
        .bind(stream)
        .bind(name)
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|e| self.fail(&e))
    }

    /// A row read with `read`, if there is one.
    fn read<T>(
        &self,
        row: Option<&PgRow>,
        read: impl FnOnce(&PgRow) -> std::result::Result<T, sqlx::Error>,
    ) -> Result<Option<T>> {
        row.map(read).transpose().map_err(|e| self.fail(&e))
    }

    /// Every row, read with `read`.
    fn read_all<T>(
        &self,
        rows: &[PgRow],
        read: impl Fn(&PgRow) -> std::result::Result<T, sqlx::Error>,
    ) -> Result<Vec<T>> {
        rows.iter()
            .map(read)
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| self.fail(&e))
    }

    async fn migrate(&self) -> Result<()> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        let found: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            .fetch_one(&mut *tx)
            .await
            .map_err(fail)?;
        let known = MIGRATIONS.len() as i64;
        if found > known {
            return Err(StoreError::TooNew {
                place: self.place.clone(),
                found,
                known,
            });
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            sqlx::raw_sql(*sql).execute(&mut *tx).await.map_err(fail)?;
            sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                .bind(index as i64 + 1)
                .execute(&mut *tx)
                .await
                .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)
    }

    /// Inserts version `number` and names the stream after it.
    /// Saves version `after + 1` while `after` is the latest (see
    /// [`Store::add_version_after`]), marking the edits up to `through_seq` as saved in it.
    async fn save_after(
        &self,
        stream: &str,
        after: i64,
        through_seq: Option<i64>,
        version: &NewVersion<'_>,
    ) -> Result<VersionInfo> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        // Of two saves of number `after + 1` at once, the primary key `(stream_id, number)`
        // lets the first insert through and fails the second. The stream's row is locked
        // against edits being stored meanwhile (they hold it `FOR SHARE`): a version added over
        // unsaved edits would not hold them, and an edit stored over the version replaced
        // would be replayed over a map it was not made on.
        sqlx::query("SELECT id FROM streams WHERE id = $1 FOR UPDATE")
            .bind(stream)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        self.latest_is(&mut tx, stream, after).await?;
        if through_seq.is_none() {
            let unsaved: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM edits WHERE stream_id = $1 AND saved_in IS NULL LIMIT 1",
            )
            .bind(stream)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
            if let Some(seq) = unsaved {
                return Err(StoreError::Conflict(super::edits_unsaved(stream, seq)));
            }
        }
        let info = self
            .insert_version(&mut tx, stream, after + 1, version)
            .await?;
        if let Some(through_seq) = through_seq {
            sqlx::query(
                "UPDATE edits SET saved_in = $3 WHERE stream_id = $1 AND seq <= $2 AND saved_in IS NULL",
            )
            .bind(stream)
            .bind(through_seq)
            .bind(after + 1)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        }
        tx.commit().await.map_err(fail)?;
        Ok(info)
    }

    /// Version `after` is the stream's latest: [`StoreError::Conflict`] naming the version
    /// that was to follow it when another is, [`StoreError::Missing`] when there is no stream.
    async fn latest_is(
        &self,
        tx: &mut Transaction<'_, sqlx::Postgres>,
        stream: &str,
        after: i64,
    ) -> Result<()> {
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(number) FROM versions WHERE stream_id = $1")
                .bind(stream)
                .fetch_one(&mut **tx)
                .await
                .map_err(|e| self.fail(&e))?;
        match latest {
            None => Err(StoreError::Missing(format!("the value stream `{stream}`"))),
            Some(latest) if latest != after => {
                Err(StoreError::Conflict(super::taken(stream, after + 1)))
            }
            Some(_) => Ok(()),
        }
    }

    async fn insert_version(
        &self,
        tx: &mut Transaction<'_, sqlx::Postgres>,
        stream: &str,
        number: i64,
        version: &NewVersion<'_>,
    ) -> Result<VersionInfo> {
        let fail = |e: sqlx::Error| self.fail(&e);
        sqlx::query(
            "INSERT INTO versions (stream_id, number, yaml, author, created_at, message) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(stream)
        .bind(number)
        .bind(version.yaml)
        .bind(&version.author.name)
        .bind(version.now)
        .bind(version.message)
        .execute(&mut **tx)
        .await
        .map_err(|e| self.conflict(&e, || super::taken(stream, number)))?;
        sqlx::query("UPDATE streams SET name = $2 WHERE id = $1")
            .bind(stream)
            .bind(version.name)
            .execute(&mut **tx)
            .await
            .map_err(fail)?;
        Ok(VersionInfo {
            number,
            author: version.author.name.clone(),
            created_at: version.now,
            message: version.message.to_string(),
            size: version.yaml.len() as i64,
        })
    }
}

fn user(row: &PgRow) -> std::result::Result<User, sqlx::Error> {
    Ok(User {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        admin: row.try_get(2)?,
    })
}

fn version_info(row: &PgRow) -> std::result::Result<VersionInfo, sqlx::Error> {
    Ok(VersionInfo {
        number: row.try_get(0)?,
        author: row.try_get(1)?,
        created_at: row.try_get(2)?,
        message: row.try_get(3)?,
        size: row.try_get::<i32, _>(4)?.into(),
    })
}

fn stream(row: &PgRow) -> std::result::Result<Stream, sqlx::Error> {
    Ok(Stream {
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        created_at: row.try_get(2)?,
        latest: row.try_get(3)?,
        updated_at: row.try_get(4)?,
        updated_by: row.try_get(5)?,
    })
}

const SOURCE_COLUMNS: &str = "name, kind, token_hash, salt, created_at";

fn source(row: &PgRow) -> std::result::Result<Source, sqlx::Error> {
    let kind: String = row.try_get(1)?;
    let damaged = |what: &str| sqlx::Error::Decode(format!("a source row with {what}").into());
    Ok(Source {
        name: row.try_get(0)?,
        kind: SourceKind::parse(&kind).ok_or_else(|| damaged("an unknown kind"))?,
        check: Check::from_columns(row.try_get(2)?, row.try_get(3)?)
            .ok_or_else(|| damaged("neither a token hash nor a salt"))?,
        created_at: row.try_get(4)?,
    })
}

fn pull(row: &PgRow) -> std::result::Result<Pull, sqlx::Error> {
    let provider: String = row.try_get(1)?;
    Ok(Pull {
        name: row.try_get(0)?,
        provider: Provider::parse(&provider).ok_or_else(|| {
            sqlx::Error::Decode(format!("a pull source of unknown provider `{provider}`").into())
        })?,
        target: row.try_get(2)?,
        api_url: row.try_get(3)?,
        token_env: row.try_get(4)?,
        user: row.try_get(12)?,
        interval: row.try_get(5)?,
        created_at: row.try_get(6)?,
        state: PullState {
            cursor: row.try_get(7)?,
            last_run_at: row.try_get(8)?,
            outcome: row.try_get(9)?,
            next_due: row.try_get(10)?,
            failures: row.try_get(11)?,
        },
    })
}

fn delivery(row: &PgRow) -> std::result::Result<Delivery, sqlx::Error> {
    let kind: String = row.try_get(2)?;
    Ok(Delivery {
        seq: row.try_get(0)?,
        source: row.try_get(1)?,
        kind: SourceKind::parse(&kind).ok_or_else(|| {
            sqlx::Error::Decode(format!("a delivery of unknown kind `{kind}`").into())
        })?,
        delivery_id: row.try_get(3)?,
        event: row.try_get(4)?,
        body: row.try_get(5)?,
        received_at: row.try_get(6)?,
    })
}

const STREAM_COLUMNS: &str = "s.id, s.name, s.created_at, v.number, v.created_at, v.author";
const STREAM_FROM: &str = "FROM streams s JOIN versions v ON v.stream_id = s.id \
    AND v.number = (SELECT MAX(number) FROM versions WHERE stream_id = s.id)";

#[async_trait::async_trait]
impl Store for Postgres {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    async fn create_user(
        &self,
        name: &str,
        password_hash: &str,
        admin: bool,
        now: i64,
    ) -> Result<User> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (name, password_hash, admin, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(password_hash)
        .bind(admin)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.conflict(&e, || format!("the user `{name}`")))?;
        Ok(User {
            id,
            name: name.to_string(),
            admin,
        })
    }

    async fn credentials(&self, name: &str) -> Result<Option<Credentials>> {
        let row = sqlx::query("SELECT id, name, admin, password_hash FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), |r| {
            Ok(Credentials {
                user: user(r)?,
                password_hash: r.try_get(3)?,
            })
        })
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>> {
        let row = sqlx::query("SELECT id, name, admin FROM users WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), user)
    }

    async fn set_password(&self, id: i64, password_hash: &str) -> Result<()> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)
    }

    async fn create_token(&self, user: i64, name: &str, hash: &str, now: i64) -> Result<()> {
        sqlx::query("INSERT INTO tokens (user_id, name, hash, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user)
            .bind(name)
            .bind(hash)
            .bind(now)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    async fn token_user(&self, hash: &str) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.admin FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), user)
    }

    async fn create_session(
        &self,
        hash: &str,
        user: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let fail = |e: sqlx::Error| self.fail(&e);
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(fail)?;
        sqlx::query(
            "INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash)
        .bind(user)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map(drop)
        .map_err(fail)
    }

    async fn session(&self, hash: &str, now: i64) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.admin, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.hash = $1 AND s.expires_at > $2",
        )
        .bind(hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), |r| {
            Ok(Session {
                user: user(r)?,
                csrf: r.try_get(3)?,
            })
        })
    }

    async fn delete_session(&self, hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE hash = $1")
            .bind(hash)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    async fn record_sign_in_attempt(&self, name: &str, now: i64, since: i64) -> Result<i64> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        // Attempts on one name, from any replica, take turns until the transaction ends, so
        // each counts those committed before it.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, $2))")
            .bind(name)
            .bind(SIGN_IN_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query("DELETE FROM failed_sign_ins WHERE at < $1")
            .bind(since)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        sqlx::query("INSERT INTO failed_sign_ins (name, at) VALUES ($1, $2)")
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM failed_sign_ins WHERE name = $1 AND at >= $2")
                .bind(name)
                .bind(since)
                .fetch_one(&mut *tx)
                .await
                .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(count)
    }

    async fn failed_sign_ins(&self, name: &str, since: i64) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM failed_sign_ins WHERE name = $1 AND at >= $2")
            .bind(name)
            .bind(since)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.fail(&e))
    }

    async fn clear_failed_sign_ins(&self, name: &str) -> Result<()> {
        sqlx::query("DELETE FROM failed_sign_ins WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    async fn create_stream(&self, id: &str, first: &NewVersion<'_>) -> Result<VersionInfo> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        sqlx::query("INSERT INTO streams (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(first.name)
            .bind(first.now)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.conflict(&e, || format!("the value stream `{id}`")))?;
        let info = self.insert_version(&mut tx, id, 1, first).await?;
        sqlx::query("INSERT INTO members (stream_id, user_id, role) VALUES ($1, $2, 'admin')")
            .bind(id)
            .bind(first.author.id)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(info)
    }

    async fn add_version(&self, stream: &str, version: &NewVersion<'_>) -> Result<VersionInfo> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        // The stream's row, locked: two saves at once on two replicas number one after the other.
        let found = sqlx::query("SELECT id FROM streams WHERE id = $1 FOR UPDATE")
            .bind(stream)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
        if found.is_none() {
            return Err(StoreError::Missing(format!("the value stream `{stream}`")));
        }
        let latest: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(number), 0) FROM versions WHERE stream_id = $1",
        )
        .bind(stream)
        .fetch_one(&mut *tx)
        .await
        .map_err(fail)?;
        let info = self
            .insert_version(&mut tx, stream, latest + 1, version)
            .await?;
        tx.commit().await.map_err(fail)?;
        Ok(info)
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
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STREAM_COLUMNS} {STREAM_FROM} WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), stream)
    }

    async fn streams(&self, user: i64, all: bool) -> Result<Vec<(Stream, Option<Role>)>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {STREAM_COLUMNS}, m.role {STREAM_FROM} \
             LEFT JOIN members m ON m.stream_id = s.id AND m.user_id = $1 \
             WHERE $2 OR m.role IS NOT NULL ORDER BY s.id"
        )))
        .bind(user)
        .bind(all)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read_all(&rows, |r| {
            let role: Option<String> = r.try_get(6)?;
            Ok((stream(r)?, role.as_deref().and_then(Role::parse)))
        })
    }

    async fn versions(&self, stream: &str) -> Result<Vec<VersionInfo>> {
        let rows = sqlx::query(
            "SELECT number, author, created_at, message, OCTET_LENGTH(yaml) FROM versions \
             WHERE stream_id = $1 ORDER BY number DESC",
        )
        .bind(stream)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read_all(&rows, version_info)
    }

    async fn version(&self, stream: &str, number: Option<i64>) -> Result<Option<Version>> {
        let row = sqlx::query(
            "SELECT number, author, created_at, message, OCTET_LENGTH(yaml), yaml FROM versions \
             WHERE stream_id = $1 AND number = COALESCE($2, \
             (SELECT MAX(number) FROM versions WHERE stream_id = $1))",
        )
        .bind(stream)
        .bind(number)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), |r| {
            Ok(Version {
                info: version_info(r)?,
                yaml: r.try_get(5)?,
            })
        })
    }

    async fn recent_versions(&self, stream: &str, limit: i64) -> Result<Vec<Version>> {
        let rows = sqlx::query(
            "SELECT number, author, created_at, message, OCTET_LENGTH(yaml), yaml FROM versions \
             WHERE stream_id = $1 ORDER BY number DESC LIMIT $2",
        )
        .bind(stream)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read_all(&rows, |r| {
            Ok(Version {
                info: version_info(r)?,
                yaml: r.try_get(5)?,
            })
        })
    }

    async fn set_role(&self, stream: &str, user: i64, role: Option<Role>) -> Result<()> {
        let query = match role {
            Some(role) => sqlx::query(
                "INSERT INTO members (stream_id, user_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (stream_id, user_id) DO UPDATE SET role = EXCLUDED.role",
            )
            .bind(stream)
            .bind(user)
            .bind(role.as_str()),
            None => sqlx::query("DELETE FROM members WHERE stream_id = $1 AND user_id = $2")
                .bind(stream)
                .bind(user),
        };
        query
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| self.fail(&e))
    }

    async fn role(&self, stream: &str, user: i64) -> Result<Option<Role>> {
        let role: Option<String> =
            sqlx::query_scalar("SELECT role FROM members WHERE stream_id = $1 AND user_id = $2")
                .bind(stream)
                .bind(user)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| self.fail(&e))?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    async fn create_source(&self, stream: &str, new: &Source) -> Result<()> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.stream_held(stream).await?;
        let (token_hash, salt) = new.check.columns();
        sqlx::query(
            "INSERT INTO sources (stream_id, name, kind, token_hash, salt, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(stream)
        .bind(&new.name)
        .bind(new.kind.as_str())
        .bind(token_hash)
        .bind(salt)
        .bind(new.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.conflict(&e, || format!("the source `{}` of `{stream}`", new.name)))?;
        tx.commit().await.map_err(fail)
    }

    async fn sources(&self, stream: &str) -> Result<Vec<Source>> {
        self.of_stream("sources", SOURCE_COLUMNS, stream, source)
            .await
    }

    async fn source(&self, stream: &str, name: &str) -> Result<Option<Source>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM sources WHERE stream_id = $1 AND name = $2"
        )))
        .bind(stream)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), source)
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
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.pool.begin().await.map_err(fail)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, $2))")
            .bind(stream)
            .bind(DELIVERY_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(fail)?;
        let mut recorded = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            let hash = delivery.content_hash();
            let seq: Option<i64> = sqlx::query_scalar(
                "INSERT INTO deliveries (stream_id, source, kind, delivery_id, event, body, received_at, content_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (stream_id, source, delivery_id) DO NOTHING RETURNING seq",
            )
            .bind(stream)
            .bind(source)
            .bind(kind.as_str())
            .bind(delivery.delivery_id)
            .bind(delivery.event)
            .bind(delivery.body)
            .bind(now)
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fail)?;
            recorded.push(match seq {
                Some(seq) => Recorded::New(seq),
                None => {
                    let stored: Option<String> = sqlx::query_scalar(
                        "SELECT content_hash FROM deliveries \
                         WHERE stream_id = $1 AND source = $2 AND delivery_id = $3",
                    )
                    .bind(stream)
                    .bind(source)
                    .bind(delivery.delivery_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(fail)?;
                    super::sources::resent(stored.as_deref(), &hash)
                }
            });
        }
        tx.commit().await.map_err(fail)?;
        Ok(recorded)
    }

    async fn deliveries_after(
        &self,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT seq, source, kind, delivery_id, event, body, received_at FROM deliveries \
             WHERE stream_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(stream)
        .bind(after_seq)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read_all(&rows, delivery)
    }

    async fn latest_deliveries(
        &self,
        stream: &str,
        source: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        sqlx::query_as(super::LATEST_DELIVERIES)
            .bind(stream)
            .bind(source)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.fail(&e))
    }

    async fn create_pull(&self, stream: &str, new: &Pull) -> Result<()> {
        let fail = |e: sqlx::Error| self.fail(&e);
        let mut tx = self.stream_held(stream).await?;
        sqlx::query(
            "INSERT INTO pulls (stream_id, name, provider, target, api_url, token_env, \
             interval_seconds, created_at, next_due, user_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(stream)
        .bind(&new.name)
        .bind(new.provider.as_str())
        .bind(&new.target)
        .bind(&new.api_url)
        .bind(&new.token_env)
        .bind(new.interval)
        .bind(new.created_at)
        .bind(new.state.next_due)
        .bind(&new.user)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.conflict(&e, || format!("the source `{}` of `{stream}`", new.name)))?;
        tx.commit().await.map_err(fail)
    }

    async fn pulls(&self, stream: &str) -> Result<Vec<Pull>> {
        self.of_stream("pulls", PULL_COLUMNS, stream, pull).await
    }

    async fn delete_pull(&self, stream: &str, name: &str) -> Result<bool> {
        self.delete_named("pulls", stream, name).await
    }

    async fn due_pulls(&self, now: i64, limit: usize) -> Result<Vec<(String, String)>> {
        sqlx::query_as(
            "SELECT stream_id, name FROM pulls WHERE next_due <= $1 \
             AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_due LIMIT $2",
        )
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.fail(&e))
    }

    async fn claim_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<Pull>> {
        // Under READ COMMITTED a second UPDATE waits for the first, then checks its WHERE again
        // on the row the first wrote: the lease is taken, so it updates nothing.
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE pulls SET lease_owner = $3, lease_until = $5, asked_at = NULL \
             WHERE stream_id = $1 AND name = $2 AND next_due <= $4 \
             AND (lease_until IS NULL OR lease_until < $4) RETURNING {PULL_COLUMNS}"
        )))
        .bind(stream)
        .bind(name)
        .bind(owner)
        .bind(now)
        .bind(until)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read(row.as_ref(), pull)
    }

    async fn renew_pull(&self, stream: &str, name: &str, owner: &str, until: i64) -> Result<bool> {
        sqlx::query(
            "UPDATE pulls SET lease_until = $4 \
             WHERE stream_id = $1 AND name = $2 AND lease_owner = $3",
        )
        .bind(stream)
        .bind(name)
        .bind(owner)
        .bind(until)
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|e| self.fail(&e))
    }

    async fn finish_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        state: &PullState,
    ) -> Result<bool> {
        sqlx::query(
            "UPDATE pulls SET cursor = $4, last_run_at = $5, outcome = $6, \
             next_due = CASE WHEN asked_at IS NULL THEN $7 ELSE LEAST($7, asked_at) END, \
             failures = $8, lease_owner = NULL, lease_until = NULL, asked_at = NULL \
             WHERE stream_id = $1 AND name = $2 AND lease_owner = $3",
        )
        .bind(stream)
        .bind(name)
        .bind(owner)
        .bind(&state.cursor)
        .bind(state.last_run_at)
        .bind(&state.outcome)
        .bind(state.next_due)
        .bind(state.failures)
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|e| self.fail(&e))
    }

    async fn pull_now(&self, stream: &str, name: &str, now: i64) -> Result<bool> {
        sqlx::query(
            "UPDATE pulls SET next_due = LEAST(next_due, $3), \
             asked_at = CASE WHEN lease_owner IS NULL THEN NULL ELSE $3 END \
             WHERE stream_id = $1 AND name = $2",
        )
        .bind(stream)
        .bind(name)
        .bind(now)
        .execute(&self.pool)
        .await
        .map(|done| done.rows_affected() > 0)
        .map_err(|e| self.fail(&e))
    }

    async fn announce(&self, payload: &str) -> Result<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(super::ANNOUNCEMENTS)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| self.fail(&e))
    }

    async fn listen(&self) -> Result<Option<tokio::sync::mpsc::Receiver<Option<String>>>> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool)
            .await
            .map_err(|e| self.fail(&e))?;
        listener
            .listen(super::ANNOUNCEMENTS)
            .await
            .map_err(|e| self.fail(&e))?;
        let (send, receive) = tokio::sync::mpsc::channel(256);
        tokio::spawn(async move {
            loop {
                let heard = match listener.try_recv().await {
                    Ok(Some(notification)) => Some(notification.payload().to_string()),
                    // The connection was lost; the next call makes it again.
                    Ok(None) => None,
                    Err(error) => {
                        tracing::warn!(%error, "listening for the other replicas' edits");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        None
                    }
                };
                if send.send(heard).await.is_err() {
                    return;
                }
            }
        });
        Ok(Some(receive))
    }

    async fn record_edit(&self, stream: &str, edit: &Edit) -> Result<()> {
        let mut tx = self.stream_held(stream).await?;
        // Of two edits numbered alike at once, the primary key (stream_id, seq) lets the first
        // through and fails the second. A version saved meanwhile waits for this one (it locks
        // the stream's row `FOR UPDATE`), or this one sees it.
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(number) FROM versions WHERE stream_id = $1")
                .bind(stream)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| self.fail(&e))?;
        if latest != Some(edit.base_version) {
            return Err(StoreError::Conflict(super::edit_stale(
                stream,
                edit.base_version,
            )));
        }
        sqlx::query(
            "INSERT INTO edits (stream_id, seq, base_version, user_name, ops, conflicts, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(stream)
        .bind(edit.seq)
        .bind(edit.base_version)
        .bind(&edit.user)
        .bind(&edit.ops)
        .bind(&edit.conflicts)
        .bind(edit.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.conflict(&e, || edit_taken(stream, edit.seq)))?;
        tx.commit().await.map_err(|e| self.fail(&e))
    }

    async fn edits(
        &self,
        stream: &str,
        after_seq: i64,
        limit: i64,
        unsaved: bool,
    ) -> Result<Vec<Edit>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EDIT_COLUMNS} FROM edits WHERE stream_id = $1 AND seq > $2 \
             AND (NOT $3 OR saved_in IS NULL) ORDER BY seq LIMIT $4"
        )))
        .bind(stream)
        .bind(after_seq)
        .bind(unsaved)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.fail(&e))?;
        self.read_all(&rows, edit)
    }

    async fn last_edit(&self, stream: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM edits WHERE stream_id = $1")
            .bind(stream)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.fail(&e))
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

fn edit(row: &PgRow) -> std::result::Result<Edit, sqlx::Error> {
    Ok(Edit {
        seq: row.try_get(0)?,
        base_version: row.try_get(1)?,
        user: row.try_get(2)?,
        ops: row.try_get(3)?,
        conflicts: row.try_get(4)?,
        created_at: row.try_get(5)?,
        saved_in: row.try_get(6)?,
    })
}
