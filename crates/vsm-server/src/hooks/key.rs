//! The server key: what GitHub sources' secrets are derived from, so that the store never
//! keeps them. GitHub signs each delivery with HMAC-SHA256 under the secret pasted into its
//! settings, so checking a signature needs the secret itself, not a hash of it; instead of
//! keeping it, the server derives it again from its key and the source's random salt. Replicas
//! must share the key (`--secret-key-file` or `VSM_SECRET_KEY`); a database copied without it
//! leaves every GitHub secret unknown, and a new key makes every GitHub source need its secret
//! again.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

use crate::auth::secret;

/// The fewest characters a key may have (32 random bytes make 64 hex digits).
pub const MIN_KEY: usize = 32;

/// The file `vsm serve` makes when given no key and no SQLite file to keep it beside (on
/// PostgreSQL), relative to the working directory.
pub const DEFAULT_KEY_FILE: &str = ".vsm/server.key";

/// Where `vsm serve` keeps the key it makes when given none: beside an SQLite database (its
/// folder's `server.key`), so that a server started from another directory on the same database
/// finds the same key and its GitHub sources keep working; [`DEFAULT_KEY_FILE`] for PostgreSQL.
pub fn default_key_file(location: &crate::Location) -> PathBuf {
    match location {
        crate::Location::Sqlite(database) => database
            .parent()
            .unwrap_or_else(|| Path::new(""))
            .join("server.key"),
        crate::Location::Postgres(_) => Path::new(DEFAULT_KEY_FILE).to_path_buf(),
    }
}

/// The server's key. Never shown: `Debug` hides it, and nothing formats it.
#[derive(Clone)]
pub struct ServerKey(Vec<u8>);

impl fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerKey(<hidden>)")
    }
}

/// Why a key cannot be used; the key itself is never in the message.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the server key from {whence} has {found} characters, fewer than {MIN_KEY}; make one with `openssl rand -hex 32`"
    )]
    Short { whence: String, found: usize },
    #[error("cannot read the server key file `{path}`: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "cannot create the server key file `{path}`: {message}; give one with --secret-key-file PATH or VSM_SECRET_KEY"
    )]
    Create { path: PathBuf, message: String },
}

impl ServerKey {
    /// A key from text (a file's or an environment variable's): its bytes, without the
    /// whitespace around them, so that `VSM_SECRET_KEY=$(cat .vsm/server.key)` is the same key.
    pub fn from_text(text: &str, whence: &str) -> Result<ServerKey, KeyError> {
        let text = text.trim();
        if text.len() < MIN_KEY {
            return Err(KeyError::Short {
                whence: whence.to_string(),
                found: text.len(),
            });
        }
        Ok(ServerKey(text.as_bytes().to_vec()))
    }

    /// A new key of 32 random bytes (64 hex digits).
    pub fn random() -> ServerKey {
        ServerKey(secret::random_hex(32).into_bytes())
    }

    /// The key in file `path`.
    pub fn read(path: &Path) -> Result<ServerKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|e| KeyError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        ServerKey::from_text(&text, &format!("`{}`", path.display()))
    }

    /// The key in file `path`, made there first (readable by its owner only) if there is none:
    /// the key and whether it was made. Two servers starting at once make one key between them.
    pub fn read_or_create(path: &Path) -> Result<(ServerKey, bool), KeyError> {
        if path.exists() {
            return ServerKey::read(path).map(|key| (key, false));
        }
        let create = |e: std::io::Error| KeyError::Create {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(create)?;
        }
        let key = ServerKey::random();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                // Written whole before anyone reads it as a key: a short file is refused.
                file.write_all(&key.0)
                    .and_then(|()| file.write_all(b"\n"))
                    .and_then(|()| file.sync_all())
                    .map_err(create)?;
                Ok((key, true))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                ServerKey::read(path).map(|key| (key, false))
            }
            Err(e) => Err(create(e)),
        }
    }

    /// The secret of GitHub source `source` of `stream`, made with `salt`: 64 hex digits,
    /// HMAC-SHA256 under the key of `vsm-webhook:STREAM:SOURCE:SALT` (stream ids and source
    /// names hold no `:`, so no two sources share a message).
    pub fn github_secret(&self, stream: &str, source: &str, salt: &str) -> String {
        let message = format!("vsm-webhook:{stream}:{source}:{salt}");
        secret::hex(&mac(&self.0, message.as_bytes()).finalize().into_bytes())
    }
}

/// Whether `signature` (the raw bytes of `X-Hub-Signature-256`'s hex) is the HMAC-SHA256 of
/// `body` under `secret`, compared in constant time.
pub fn signed_by(secret: &str, body: &[u8], signature: &[u8]) -> bool {
    mac(secret.as_bytes(), body).verify_slice(signature).is_ok()
}

/// HMAC-SHA256 of `message` under `key`, to finish or verify.
fn mac(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any size");
    mac.update(message);
    mac
}

/// `sha256=HEX`, GitHub's `X-Hub-Signature-256` of `body` under `secret`: what a sender puts
/// in the header (the tests' and a relay's way to sign).
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    let signature = mac(secret.as_bytes(), body).finalize().into_bytes();
    format!("sha256={}", secret::hex(&signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's own example ("Validating webhook deliveries", docs.github.com): this secret and
    /// payload give this signature.
    #[test]
    fn signatures_are_the_ones_github_documents() {
        let (secret, body) = ("It's a Secret to Everybody", b"Hello, World!");
        let expected = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(github_signature(secret, body), format!("sha256={expected}"));
        let raw = secret::unhex(expected).unwrap();
        assert!(signed_by(secret, body, &raw));
        assert!(!signed_by(secret, b"Hello, World?", &raw));
        assert!(!signed_by("It's a secret to everybody", body, &raw));
        assert!(!signed_by(secret, body, &raw[..31]));
    }

    #[test]
    fn secrets_differ_by_stream_source_salt_and_key_and_keys_stay_hidden() {
        let key = ServerKey::from_text(&"k".repeat(40), "a test").unwrap();
        let one = key.github_secret("web-shop", "gh", "s1");
        assert_eq!(one.len(), 64);
        assert_eq!(one, key.github_secret("web-shop", "gh", "s1"));
        for other in [
            key.github_secret("web-shop", "gh", "s2"),
            key.github_secret("web-shop", "gh2", "s1"),
            key.github_secret("web-shop2", "gh", "s1"),
            ServerKey::random().github_secret("web-shop", "gh", "s1"),
        ] {
            assert_ne!(one, other);
        }
        assert_eq!(format!("{key:?}"), "ServerKey(<hidden>)");
        let short = ServerKey::from_text("  short\n", "VSM_SECRET_KEY").unwrap_err();
        assert!(short.to_string().contains("VSM_SECRET_KEY"), "{short}");
        assert!(!short.to_string().contains("short"), "{short}");
    }

    #[test]
    fn a_key_file_is_made_once_for_its_owner_alone_and_read_back() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(".vsm/server.key");
        let (made, created) = ServerKey::read_or_create(&path).unwrap();
        assert!(created);
        let (read, created) = ServerKey::read_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(
            made.github_secret("s", "n", "x"),
            read.github_secret("s", "n", "x")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The file's text as an environment variable is the same key.
        let text = std::fs::read_to_string(&path).unwrap();
        let from_env = ServerKey::from_text(&text, "VSM_SECRET_KEY").unwrap();
        assert_eq!(
            from_env.github_secret("s", "n", "x"),
            read.github_secret("s", "n", "x")
        );
    }
}
