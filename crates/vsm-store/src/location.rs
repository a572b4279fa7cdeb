//! Where a database URL points: `PATH`, `sqlite://PATH` or `sqlite:PATH`, with settings after
//! `?` (`sqlite://PATH?busy_timeout=30`); or a PostgreSQL server (`postgres://USER:PASSWORD@HOST/DB`),
//! recognised so that its backend can join behind the same [`crate::open`].
//!
//! A URL that names no file (empty, `sqlite://`, `:memory:`) is refused: SQLite would keep such a
//! database in memory or in a temporary file and drop it at exit, so a snapshot "stored" there
//! would be lost without a word.
//!
//! A server URL may carry a password: [`Location`]'s `Debug` and every error show the URL with
//! the password replaced by `***` ([`redact`]).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::StoreError;

/// The default database, relative to the working directory.
pub const DEFAULT_PATH: &str = ".vsm/history.db";

/// How long a writer waits for another one before giving up, unless the URL says otherwise.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The database a URL names.
#[derive(Clone, Debug, PartialEq)]
pub enum Location {
    /// An embedded SQLite file.
    Sqlite(SqliteLocation),
    /// A PostgreSQL server (`postgres://` or `postgresql://`); no backend serves it yet.
    Postgres(PostgresLocation),
}

/// A SQLite database file and how to use it.
#[derive(Clone, Debug, PartialEq)]
pub struct SqliteLocation {
    pub path: PathBuf,
    /// How long to wait for another writer (`?busy_timeout=SECONDS`).
    pub busy_timeout: Duration,
}

/// A PostgreSQL URL. It may hold a password, so it is shown (`Debug`, `Display`) redacted.
#[derive(Clone, PartialEq)]
pub struct PostgresLocation {
    url: String,
}

impl PostgresLocation {
    /// The URL as given, password included: for connecting, never for showing.
    pub fn connection_url(&self) -> &str {
        &self.url
    }

    /// The error for a PostgreSQL URL while no backend serves one.
    pub fn unsupported(&self) -> StoreError {
        StoreError::Unsupported {
            url: redact(&self.url),
            scheme: "postgres".to_string(),
        }
    }
}

impl fmt::Debug for PostgresLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresLocation")
            .field("url", &redact(&self.url))
            .finish()
    }
}

impl fmt::Display for PostgresLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.url))
    }
}

impl Location {
    /// Reads a database URL; an error for kinds of database this vsm does not know and for URLs
    /// that name no file.
    pub fn parse(url: &str) -> Result<Location, StoreError> {
        let mut location = SqliteLocation {
            path: PathBuf::new(),
            busy_timeout: BUSY_TIMEOUT,
        };
        let path = if let Some((scheme, rest)) = url.split_once(':')
            && scheme.len() > 1
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            match scheme {
                "sqlite" => {}
                "postgres" | "postgresql" => {
                    return Ok(Location::Postgres(PostgresLocation {
                        url: url.to_string(),
                    }));
                }
                _ => {
                    return Err(StoreError::Unsupported {
                        url: redact(url),
                        scheme: scheme.to_string(),
                    });
                }
            }
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            let (path, settings) = rest.split_once('?').unwrap_or((rest, ""));
            for setting in settings.split('&').filter(|s| !s.is_empty()) {
                location.apply(url, setting)?;
            }
            path
        } else {
            url
        };
        if path.trim().is_empty() || path == ":memory:" {
            return Err(StoreError::NoFile { url: redact(url) });
        }
        if path.ends_with('/') || std::path::Path::new(path).is_dir() {
            return Err(StoreError::Folder {
                path: path.trim_end_matches('/').to_string(),
            });
        }
        location.path = PathBuf::from(path);
        Ok(Location::Sqlite(location))
    }
}

impl SqliteLocation {
    fn apply(&mut self, url: &str, setting: &str) -> Result<(), StoreError> {
        let (name, value) = setting.split_once('=').unwrap_or((setting, ""));
        let bad = |hint: &str| StoreError::BadOption {
            url: redact(url),
            option: redact(setting),
            hint: hint.to_string(),
        };
        match name {
            "busy_timeout" => {
                let seconds: f64 = value
                    .trim_end_matches('s')
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && (0.0..=86_400.0).contains(s))
                    .ok_or_else(|| {
                        bad("give the seconds to wait for another writer, from 0 to 86400, e.g. `busy_timeout=60`")
                    })?;
                self.busy_timeout = Duration::from_secs_f64(seconds);
                Ok(())
            }
            "mode" if value == "memory" => Err(StoreError::NoFile { url: redact(url) }),
            _ => Err(bad(
                "the one setting is `busy_timeout=SECONDS` (how long to wait for another writer)",
            )),
        }
    }
}

/// The URL with every password replaced by `***`: the one in `USER:PASSWORD@` and the value of
/// any `password=` setting (`sslpassword=` too). Where the URL is malformed it hides too much
/// rather than too little: everything from the first `:` after `//` to the last `@`.
pub fn redact(url: &str) -> String {
    let mut shown = match url.split_once("://") {
        Some((scheme, rest)) => match rest.rfind('@') {
            Some(at) if rest[..at].contains(':') => {
                let colon = rest.find(':').unwrap_or(at);
                format!("{scheme}://{}:***{}", &rest[..colon], &rest[at..])
            }
            _ => url.to_string(),
        },
        None => url.to_string(),
    };
    let mut from = 0;
    while let Some(found) = shown[from..].to_ascii_lowercase().find("password=") {
        let start = from + found + "password=".len();
        let end = shown[start..]
            .find(['&', '#'])
            .map_or(shown.len(), |i| start + i);
        shown.replace_range(start..end, "***");
        from = start + 3;
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file_with_its_settings() {
        let at = |url: &str| match Location::parse(url) {
            Ok(Location::Sqlite(l)) => Ok((l.path, l.busy_timeout)),
            Ok(other) => panic!("{url}: {other:?}"),
            Err(e) => Err(e),
        };
        let ten = BUSY_TIMEOUT;
        assert_eq!(at("h.db").unwrap(), (PathBuf::from("h.db"), ten));
        assert_eq!(at("sqlite://h.db").unwrap(), (PathBuf::from("h.db"), ten));
        assert_eq!(
            at("sqlite:/tmp/h.db").unwrap(),
            (PathBuf::from("/tmp/h.db"), ten)
        );
        assert_eq!(
            at("sqlite://h.db?busy_timeout=1.5").unwrap(),
            (PathBuf::from("h.db"), Duration::from_millis(1500))
        );
    }

    #[test]
    fn urls_that_name_no_file_are_refused() {
        for url in [
            "",
            " ",
            "sqlite://",
            "sqlite:",
            ":memory:",
            "sqlite::memory:",
            "sqlite://?mode=memory",
            "sqlite://h.db?mode=memory",
        ] {
            let error = Location::parse(url).unwrap_err();
            assert!(
                matches!(error, StoreError::NoFile { .. }),
                "{url}: {error:?}"
            );
            assert!(error.to_string().contains("leave out --db"), "{error}");
        }
        assert_eq!(
            Location::parse("").unwrap_err().to_string(),
            "the history database URL is empty: it names no database file, so nothing would be kept (an unset variable?); give a file, e.g. `--db .vsm/history.db` or `--db sqlite://.vsm/history.db`, or leave out --db for the default `.vsm/history.db`"
        );
    }

    #[test]
    fn unknown_settings_and_folders_are_refused() {
        let error = Location::parse("sqlite://h.db?mode=ro").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`sqlite://h.db?mode=ro`: `mode=ro` is not a setting this vsm knows; the one setting is `busy_timeout=SECONDS` (how long to wait for another writer)"
        );
        let error = Location::parse("sqlite://h.db?busy_timeout=soon").unwrap_err();
        assert!(
            error.to_string().contains("e.g. `busy_timeout=60`"),
            "{error}"
        );
        let dir = std::env::temp_dir();
        let error = Location::parse(dir.to_str().unwrap()).unwrap_err();
        assert!(matches!(error, StoreError::Folder { .. }), "{error:?}");
        assert!(matches!(
            Location::parse("data/").unwrap_err(),
            StoreError::Folder { .. }
        ));
    }

    #[test]
    fn postgres_urls_parse_to_their_own_location_and_are_refused_clearly() {
        for url in ["postgres://ci@db/vsm", "postgresql://ci@db:5432/vsm"] {
            let location = Location::parse(url).unwrap();
            let Location::Postgres(postgres) = &location else {
                panic!("{url}: {location:?}");
            };
            assert_eq!(postgres.connection_url(), url);
            assert_eq!(
                postgres.unsupported().to_string(),
                format!(
                    "`{url}`: postgres databases are not supported yet; use a SQLite file (a path, or sqlite://path)"
                )
            );
        }
    }

    #[test]
    fn a_password_in_a_url_is_in_no_debug_and_no_error() {
        let url = "postgres://u:secret@h/db";
        let location = Location::parse(url).unwrap();
        assert!(!format!("{location:?}").contains("secret"), "{location:?}");
        assert_eq!(
            format!("{location:?}"),
            r#"Postgres(PostgresLocation { url: "postgres://u:***@h/db" })"#
        );
        let Location::Postgres(postgres) = &location else {
            panic!("{location:?}");
        };
        assert_eq!(postgres.to_string(), "postgres://u:***@h/db");
        for error in [
            crate::open(url).err().unwrap(),
            crate::open_read_only(url).err().unwrap(),
            crate::sqlite_path(url).unwrap_err(),
            postgres.unsupported(),
        ] {
            for shown in [error.to_string(), format!("{error:?}")] {
                assert!(!shown.contains("secret"), "{shown}");
                assert!(shown.contains("postgres://u:***@h/db"), "{shown}");
            }
        }
        // Other kinds of database, and passwords given as settings.
        for (url, shown) in [
            ("mysql://root:secret@db/vsm", "mysql://root:***@db/vsm"),
            (
                "postgres://h/db?user=u&password=secret&sslmode=require",
                "postgres://h/db?user=u&password=***&sslmode=require",
            ),
            (
                "postgres://h/db?sslpassword=secret",
                "postgres://h/db?sslpassword=***",
            ),
            (
                "sqlite://h.db?PASSWORD=secret",
                "sqlite://h.db?PASSWORD=***",
            ),
        ] {
            assert_eq!(redact(url), shown);
            let error = match Location::parse(url) {
                Ok(Location::Postgres(postgres)) => postgres.unsupported(),
                Ok(other) => panic!("{url}: {other:?}"),
                Err(error) => error,
            };
            for text in [error.to_string(), format!("{error:?}")] {
                assert!(!text.contains("secret"), "{text}");
            }
        }
    }

    #[test]
    fn passwords_with_the_characters_that_end_a_url_part_are_hidden_too() {
        // Unencoded `@`, `/`, `?` and `:` in a password: hide too much rather than too little.
        for url in [
            "postgres://u:se@cret@h/db",
            "postgres://u:se/cret@h/db",
            "postgres://u:se?cret@h/db",
            "postgres://u:se:cret@h/db",
        ] {
            let shown = redact(url);
            assert!(!shown.contains("cret"), "{url}: {shown}");
            assert!(shown.starts_with("postgres://u:***@"), "{url}: {shown}");
        }
        // Nothing to hide: the URL as it is.
        for url in ["postgres://ci@db/vsm", "sqlite://h.db", "history.db", ""] {
            assert_eq!(redact(url), url);
        }
    }
}
