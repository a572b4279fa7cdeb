//! Where the server keeps everything: value streams and their versions, users, tokens and
//! sessions, behind one [`Store`] trait with two backends picked once from the URL ([`open`]):
//! an SQLite file ([`sqlite::Sqlite`], the default) and PostgreSQL ([`postgres::Postgres`]).
//!
//! The server keeps no state of its own outside the store, so replicas over one PostgreSQL serve
//! the same data; every table of a stream's data is keyed by the stream. Each backend migrates
//! its schema at start (its own `migrations/` folder, its version in a `schema_version` table)
//! and refuses a schema newer than it knows. Times are Unix seconds.

mod edits;
pub mod postgres;
mod pulls;
mod sources;
pub mod sqlite;

pub use edits::Edit;
pub use pulls::{Provider, Pull, PullState};
pub use sources::{Check, Delivery, NewDelivery, Recorded, Source, SourceKind};

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a store call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing to create is there already (a user name, a stream id).
    #[error("{0} already exists")]
    Conflict(String),
    /// The stream, user or version named does not exist.
    #[error("{0} does not exist")]
    Missing(String),
    #[error(
        "the database `{place}` has schema version {found}, newer than this vsm knows ({known}); run a newer vsm, or point --db at another database"
    )]
    TooNew {
        place: String,
        found: i64,
        known: i64,
    },
    #[error("cannot open the database `{place}`: {message}")]
    Open { place: String, message: String },
    #[error("database error: {0}")]
    Database(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A person's rights on one value stream, weakest first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads the stream, its versions and analysis.
    Viewer,
    /// Also saves new versions.
    Editor,
    /// Also gives and takes away roles on the stream.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A person who signs in. The password hash stays in the store's rows; it is not here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    /// A server administrator: every role on every stream, and manages users.
    pub admin: bool,
}

/// A user with the hash of their password, for signing in.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password_hash", &"<hidden>")
            .finish()
    }
}

/// A value stream: its id (in URLs) and its map's name in the latest version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream {
    pub id: String,
    pub name: String,
    pub created_at: i64,
    /// The latest version's number (a stream always has one).
    pub latest: i64,
    /// When the latest version was saved, and by whom.
    pub updated_at: i64,
    pub updated_by: String,
}

/// A saved version of a stream's map, without its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionInfo {
    pub number: i64,
    pub author: String,
    pub created_at: i64,
    pub message: String,
    /// The map's size in bytes.
    pub size: i64,
}

/// A saved version with the map's text, byte for byte as it was pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub info: VersionInfo,
    pub yaml: String,
}

/// A version to save.
#[derive(Clone, Debug)]
pub struct NewVersion<'a> {
    /// The map's name (`name:`), which the stream takes.
    pub name: &'a str,
    pub yaml: &'a str,
    pub author: &'a User,
    pub message: &'a str,
    pub now: i64,
}

/// A session: whose it is and the token its forms carry.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf: String,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user)
            .field("csrf", &"<hidden>")
            .finish()
    }
}

/// Everything the server keeps. Shared between requests; each backend pools or serialises its
/// connections itself. Secrets arrive hashed: tokens and session ids as their SHA-256, passwords
/// as argon2 hashes.
#[async_trait::async_trait]
pub trait Store: Send + Sync + fmt::Debug {
    /// The database answers.
    async fn ping(&self) -> Result<()>;

    /// Adds a user; [`StoreError::Conflict`] if the name is taken.
    async fn create_user(
        &self,
        name: &str,
        password_hash: &str,
        admin: bool,
        now: i64,
    ) -> Result<User>;
    async fn credentials(&self, name: &str) -> Result<Option<Credentials>>;
    async fn user_by_name(&self, name: &str) -> Result<Option<User>>;
    /// Replaces a user's password hash and ends every session of theirs, in one transaction: a
    /// new password signs out whoever held the old one.
    async fn set_password(&self, user: i64, password_hash: &str) -> Result<()>;

    async fn create_token(&self, user: i64, name: &str, hash: &str, now: i64) -> Result<()>;
    /// The user whose token has this hash.
    async fn token_user(&self, hash: &str) -> Result<Option<User>>;

    async fn create_session(
        &self,
        hash: &str,
        user: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()>;
    /// The session with this hash, if it has not expired at `now`.
    async fn session(&self, hash: &str, now: i64) -> Result<Option<Session>>;
    async fn delete_session(&self, hash: &str) -> Result<()>;

    /// Notes an attempt to sign in as `name`, before its password is checked, and answers how
    /// many attempts were made since `since`, this one included, in one step: of attempts made
    /// at once (on any replica) each counts those before it, so no more than the limit are ever
    /// checked. Notes older than `since` go. A sign-in that succeeds clears them.
    async fn record_sign_in_attempt(&self, name: &str, now: i64, since: i64) -> Result<i64>;
    /// Attempts to sign in as `name` since `since` not cleared by a success.
    async fn failed_sign_ins(&self, name: &str, since: i64) -> Result<i64>;
    async fn clear_failed_sign_ins(&self, name: &str) -> Result<()>;

    /// Creates a stream with its first version; its creator becomes its admin.
    /// [`StoreError::Conflict`] if the id is taken.
    async fn create_stream(&self, id: &str, first: &NewVersion<'_>) -> Result<VersionInfo>;
    /// Saves a new version (numbered one past the latest); [`StoreError::Missing`] if there is
    /// no such stream.
    async fn add_version(&self, stream: &str, version: &NewVersion<'_>) -> Result<VersionInfo>;
    /// Saves a new version numbered `after + 1` only while version `after` is the stream's
    /// latest, in one transaction: of two saves made from the same version (on any replica) one
    /// is saved and the other is [`StoreError::Conflict`], so neither is lost by being written
    /// over; [`StoreError::Conflict`] too while the stream has edits not saved in a version
    /// (checked in the same transaction). [`StoreError::Missing`] if there is no such stream.
    async fn add_version_after(
        &self,
        stream: &str,
        after: i64,
        version: &NewVersion<'_>,
    ) -> Result<VersionInfo>;
    async fn stream(&self, id: &str) -> Result<Option<Stream>>;
    /// The streams user `user` has a role on (or every stream, with `all`), by id, each with
    /// that role: one query, however many streams.
    async fn streams(&self, user: i64, all: bool) -> Result<Vec<(Stream, Option<Role>)>>;
    /// A stream's versions, newest first.
    async fn versions(&self, stream: &str) -> Result<Vec<VersionInfo>>;
    /// A version with its text: `number`, or the latest.
    async fn version(&self, stream: &str, number: Option<i64>) -> Result<Option<Version>>;
    /// The latest `limit` versions with their text, newest first, in one query: what a trend
    /// or a plan reads across versions.
    async fn recent_versions(&self, stream: &str, limit: i64) -> Result<Vec<Version>>;

    /// Gives a user a role on a stream, or takes it away (`None`).
    async fn set_role(&self, stream: &str, user: i64, role: Option<Role>) -> Result<()>;
    async fn role(&self, stream: &str, user: i64) -> Result<Option<Role>>;

    /// Adds a webhook source to a stream: [`StoreError::Conflict`] if the stream has one by
    /// that name, [`StoreError::Missing`] if there is no such stream.
    async fn create_source(&self, stream: &str, source: &Source) -> Result<()>;
    /// A stream's sources, by name.
    async fn sources(&self, stream: &str) -> Result<Vec<Source>>;
    async fn source(&self, stream: &str, name: &str) -> Result<Option<Source>>;
    /// Removes a source (false if there was none). Its deliveries stay: they are the stream's.
    async fn delete_source(&self, stream: &str, name: &str) -> Result<bool>;

    /// Stores deliveries of one source, each at most once by its delivery id (a delivery id
    /// seen before, in this call or any earlier, is [`Recorded::Duplicate`] and changes
    /// nothing; seen before with other content, [`Recorded::Different`]: the earlier content is
    /// kept), all in one transaction that is committed before this returns: a delivery
    /// acknowledged after it survives a crash. One answer per delivery, in order.
    async fn record_deliveries(
        &self,
        stream: &str,
        source: &str,
        kind: SourceKind,
        deliveries: &[NewDelivery<'_>],
        now: i64,
    ) -> Result<Vec<Recorded>>;

    /// [`Store::record_deliveries`] of one delivery.
    async fn record_delivery(
        &self,
        stream: &str,
        source: &str,
        kind: SourceKind,
        delivery: NewDelivery<'_>,
        now: i64,
    ) -> Result<Recorded> {
        let recorded = self
            .record_deliveries(stream, source, kind, &[delivery], now)
            .await?;
        recorded
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Database("a delivery stored gave no answer".into()))
    }

    /// The stream's deliveries after number `after_seq` (0: from the first), oldest first, at
    /// most `limit`. Within a stream, numbers grow in the order deliveries were committed, so a
    /// reader that keeps the last number it read and asks again misses none.
    async fn deliveries_after(
        &self,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>>;

    /// For each event name of one source's deliveries: the id of its latest delivery, and how
    /// many it has (what a pull compares what it read with: one row per object or event, however
    /// many runs stored it).
    async fn latest_deliveries(
        &self,
        stream: &str,
        source: &str,
    ) -> Result<Vec<(String, String, i64)>>;

    /// Adds a pull source to a stream, due at once: [`StoreError::Conflict`] if the stream has
    /// one by that name, [`StoreError::Missing`] if there is no such stream.
    async fn create_pull(&self, stream: &str, pull: &Pull) -> Result<()>;
    /// A stream's pull sources, by name.
    async fn pulls(&self, stream: &str) -> Result<Vec<Pull>>;
    /// Removes a pull source (false if there was none). What it fetched stays.
    async fn delete_pull(&self, stream: &str, name: &str) -> Result<bool>;
    /// The pull sources of every stream due at `now` whose lease is free, soonest due first, at
    /// most `limit`, as (stream, name).
    async fn due_pulls(&self, now: i64, limit: usize) -> Result<Vec<(String, String)>>;
    /// Takes the lease of a pull source for `owner` until `until`, if it is due at `now` and its
    /// lease is free, in one conditional UPDATE: of replicas asking at once (on SQLite or
    /// PostgreSQL) one gets it. Answers the source when taken.
    async fn claim_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<Option<Pull>>;
    /// Extends the lease `owner` holds on a pull source to `until` (false, and nothing changed,
    /// if it does not hold it any more).
    async fn renew_pull(&self, stream: &str, name: &str, owner: &str, until: i64) -> Result<bool>;
    /// Writes a run's `state` and frees the lease, if `owner` still holds it (false otherwise,
    /// and nothing changed).
    async fn finish_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        state: &PullState,
    ) -> Result<bool>;
    /// Makes a pull source due at `now` (false if there is none).
    async fn pull_now(&self, stream: &str, name: &str, now: i64) -> Result<bool>;

    /// Tells every process over the same store `payload` (PostgreSQL: NOTIFY on
    /// [`ANNOUNCEMENTS`]); nothing on SQLite, whose one process tells its followers itself.
    async fn announce(&self, _payload: &str) -> Result<()> {
        Ok(())
    }
    /// What the processes over the same store announce, this one's included: each payload,
    /// or `None` when some may have been missed (the connection was lost and made again).
    /// `None` when the store has no announcements (SQLite).
    async fn listen(&self) -> Result<Option<tokio::sync::mpsc::Receiver<Option<String>>>> {
        Ok(None)
    }
    /// Stores an edit of a stream's map, numbered `edit.seq`: [`StoreError::Conflict`] when
    /// the stream has an edit by that number already (another replica applied one first), or
    /// when `edit.base_version` is no longer its latest version (it is to be made again over
    /// the latest, not replayed over a map it was not made on),
    /// [`StoreError::Missing`] if there is no such stream. Committed before this returns.
    async fn record_edit(&self, stream: &str, edit: &Edit) -> Result<()>;
    /// The stream's edits numbered after `after_seq`, oldest first, at most `limit`; only
    /// those not yet saved in a version with `unsaved`.
    async fn edits(
        &self,
        stream: &str,
        after_seq: i64,
        limit: i64,
        unsaved: bool,
    ) -> Result<Vec<Edit>>;
    /// The number of the stream's last edit (0 when it has none).
    async fn last_edit(&self, stream: &str) -> Result<i64>;
    /// Saves the map with the edits numbered up to `through_seq` as version `after + 1`, and
    /// marks those edits as saved in it, in one transaction, only while version `after` is
    /// the latest ([`StoreError::Conflict`] otherwise, and nothing saved).
    async fn save_edits(
        &self,
        stream: &str,
        after: i64,
        through_seq: i64,
        version: &NewVersion<'_>,
    ) -> Result<VersionInfo>;
}

/// [`Store::latest_deliveries`] on either backend (both take `$1` as the stream, `$2` as the
/// source): each event name's count and latest delivery, read by its `seq`.
const LATEST_DELIVERIES: &str = "SELECT d.event, d.delivery_id, c.n FROM deliveries d \
    JOIN (SELECT event, MAX(seq) AS last, COUNT(*) AS n FROM deliveries \
    WHERE stream_id = $1 AND source = $2 GROUP BY event) c ON d.seq = c.last \
    WHERE d.stream_id = $1 ORDER BY d.event";

/// The columns a [`Pull`] is read from, in its readers' order.
const PULL_COLUMNS: &str = "name, provider, target, api_url, token_env, interval_seconds, \
    created_at, cursor, last_run_at, outcome, next_due, failures, user_name";

/// What a [`StoreError::Conflict`] names when version `number` was saved by someone else.
fn taken(stream: &str, number: i64) -> String {
    format!("version {number} of the value stream `{stream}`")
}

/// The channel the workshop editor's announcements go by (PostgreSQL's LISTEN/NOTIFY).
pub const ANNOUNCEMENTS: &str = "vsm_workshop";

/// What a [`StoreError::Conflict`] names when an edit was made over version `base`, which is
/// no longer the latest: it is to be made again over the latest.
fn edit_stale(stream: &str, base: i64) -> String {
    format!("version {base} of the value stream `{stream}`, which is no longer the latest")
}

/// What a [`StoreError::Conflict`] names when a version would be added over unsaved edits.
fn edits_unsaved(stream: &str, seq: i64) -> String {
    format!("edit {seq} of the value stream `{stream}`, not saved in a version yet")
}

/// What a [`StoreError::Conflict`] names when edit `seq` was applied by someone else first.
fn edit_taken(stream: &str, seq: i64) -> String {
    format!("edit {seq} of the value stream `{stream}`")
}

/// The SQLite file used when no `--db` is given, relative to the working directory.
pub const DEFAULT_SQLITE: &str = ".vsm/server.sqlite";

/// Where the store is: a PostgreSQL URL, or an SQLite file.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl fmt::Display for Location {
    /// The place, with any password in a URL hidden.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl Location {
    /// `postgres://...` or `postgresql://...`; `sqlite://PATH`, `sqlite:PATH` or a path.
    pub fn parse(url: &str) -> Location {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Location::Postgres(url.to_string());
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        Location::Sqlite(Path::new(path).to_path_buf())
    }
}

/// A database URL with every password replaced by `***`: the one in `USER:PASSWORD@` and any
/// `password=` setting; the history store's rule, so both show URLs alike.
pub use vsm_store::redact;

/// Opens (creating and migrating as needed) the store at `location`.
pub async fn open(location: &Location) -> Result<std::sync::Arc<dyn Store>> {
    Ok(match location {
        Location::Sqlite(path) => std::sync::Arc::new(sqlite::Sqlite::open(path).await?),
        Location::Postgres(url) => std::sync::Arc::new(postgres::Postgres::connect(url).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_url_is_never_shown() {
        let url = "postgres://vsm:s3cret@db.example:5432/vsm?sslmode=require";
        let location = Location::parse(url);
        assert_eq!(
            location.to_string(),
            "postgres://vsm:***@db.example:5432/vsm?sslmode=require"
        );
        assert!(!format!("{location:?}").contains("s3cret"));
        assert_eq!(
            redact("postgres://root@127.0.0.1/test"),
            "postgres://root@127.0.0.1/test"
        );
    }

    #[test]
    fn a_password_in_a_url_query_or_odd_user_info_is_never_shown() {
        for (url, shown) in [
            (
                "postgres://vsm@db.example/vsm?sslmode=require&password=s3cret",
                "postgres://vsm@db.example/vsm?sslmode=require&password=***",
            ),
            (
                "postgresql://db.example/vsm?user=vsm&PASSWORD=s3cret&application_name=a@b",
                "postgresql://db.example/vsm?user=vsm&PASSWORD=***&application_name=a@b",
            ),
            (
                "postgres://db.example/vsm?sslpassword=s3cret",
                "postgres://db.example/vsm?sslpassword=***",
            ),
            (
                "postgres://vsm:s3/cr@et@db.example:5432/vsm",
                "postgres://vsm:***@db.example:5432/vsm",
            ),
            ("postgres://db.example/vsm", "postgres://db.example/vsm"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
            let location = Location::parse(url);
            assert!(!location.to_string().contains("s3"), "{location}");
            assert!(!format!("{location:?}").contains("s3"), "{location:?}");
        }
    }

    #[test]
    fn sqlite_urls_and_paths_name_a_file() {
        assert_eq!(
            Location::parse("sqlite://x/y.db"),
            Location::Sqlite("x/y.db".into())
        );
        assert_eq!(
            Location::parse("sqlite:y.db"),
            Location::Sqlite("y.db".into())
        );
        assert_eq!(Location::parse("a.db"), Location::Sqlite("a.db".into()));
    }

    #[test]
    fn roles_order_weakest_first() {
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
        for role in [Role::Viewer, Role::Editor, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("owner"), None);
    }
}
