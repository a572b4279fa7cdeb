//! Where a database URL points: `PATH`, `sqlite://PATH` or `sqlite:PATH`, with settings after
//! `?` (`sqlite://PATH?busy_timeout=30`).
//!
//! A URL that names no file (empty, `sqlite://`, `:memory:`) is refused: SQLite would keep such a
//! database in memory or in a temporary file and drop it at exit, so a snapshot "stored" there
//! would be lost without a word.

use std::path::PathBuf;
use std::time::Duration;

use crate::StoreError;

/// The default database, relative to the working directory.
pub const DEFAULT_PATH: &str = ".vsm/history.db";

/// How long a writer waits for another one before giving up, unless the URL says otherwise.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A SQLite database file and how to use it.
#[derive(Clone, Debug, PartialEq)]
pub struct Location {
    pub path: PathBuf,
    /// How long to wait for another writer (`?busy_timeout=SECONDS`).
    pub busy_timeout: Duration,
}

impl Location {
    /// Reads a database URL; an error for other kinds of database and for URLs that name no file.
    pub fn parse(url: &str) -> Result<Location, StoreError> {
        let mut location = Location {
            path: PathBuf::new(),
            busy_timeout: BUSY_TIMEOUT,
        };
        let path = if let Some((scheme, rest)) = url.split_once(':')
            && scheme.len() > 1
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
        {
            if scheme != "sqlite" {
                return Err(StoreError::Unsupported {
                    url: url.to_string(),
                    scheme: scheme.to_string(),
                });
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
            return Err(StoreError::NoFile {
                url: url.to_string(),
            });
        }
        if path.ends_with('/') || std::path::Path::new(path).is_dir() {
            return Err(StoreError::Folder {
                path: path.trim_end_matches('/').to_string(),
            });
        }
        location.path = PathBuf::from(path);
        Ok(location)
    }

    fn apply(&mut self, url: &str, setting: &str) -> Result<(), StoreError> {
        let (name, value) = setting.split_once('=').unwrap_or((setting, ""));
        let bad = |hint: &str| StoreError::BadOption {
            url: url.to_string(),
            option: setting.to_string(),
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
            "mode" if value == "memory" => Err(StoreError::NoFile {
                url: url.to_string(),
            }),
            _ => Err(bad(
                "the one setting is `busy_timeout=SECONDS` (how long to wait for another writer)",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_file_with_its_settings() {
        let at = |url: &str| Location::parse(url).map(|l| (l.path, l.busy_timeout));
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
}
