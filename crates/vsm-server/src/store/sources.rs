//! What the store keeps for webhook ingestion: the sources that may deliver to a stream, and
//! the deliveries themselves, each stored once by its delivery id, in the order received.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What sends a source's deliveries, which decides how they prove themselves.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// GitHub webhooks: an HMAC-SHA256 signature of the body (`X-Hub-Signature-256`).
    Github,
    /// GitLab webhooks: a secret token (`X-Gitlab-Token`).
    Gitlab,
    /// vsm's generic JSON events endpoint: a bearer token.
    Events,
    /// A scheduled pull through a connector (see [`crate::pulls`]): the server itself asks the
    /// API; its deliveries are what each run fetched.
    Pull,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Github,
        SourceKind::Gitlab,
        SourceKind::Events,
        SourceKind::Pull,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Github => "github",
            SourceKind::Gitlab => "gitlab",
            SourceKind::Events => "events",
            SourceKind::Pull => "pull",
        }
    }

    pub fn parse(text: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a source's deliveries are checked. Neither is a secret by itself, but neither is shown.
#[derive(Clone, PartialEq, Eq)]
pub enum Check {
    /// The SHA-256 of its token, in hex (GitLab, events).
    TokenHash(String),
    /// The random salt its GitHub secret is derived with, together with the server key.
    Salt(String),
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Check::TokenHash(_) => "TokenHash(<hidden>)",
            Check::Salt(_) => "Salt(<hidden>)",
        })
    }
}

impl Check {
    /// The row's `(token_hash, salt)` columns.
    pub fn columns(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Check::TokenHash(hash) => (Some(hash), None),
            Check::Salt(salt) => (None, Some(salt)),
        }
    }

    /// Back from the row's columns; `None` for a row that has neither.
    pub fn from_columns(token_hash: Option<String>, salt: Option<String>) -> Option<Check> {
        match (token_hash, salt) {
            (Some(hash), None) => Some(Check::TokenHash(hash)),
            (None, Some(salt)) => Some(Check::Salt(salt)),
            _ => None,
        }
    }
}

/// A source that may deliver to a stream, named within it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub name: String,
    pub kind: SourceKind,
    pub check: Check,
    pub created_at: i64,
}

/// A delivery to store: its id (unique within its source), what it is, and its body as received.
#[derive(Clone, Copy, Debug)]
pub struct NewDelivery<'a> {
    pub delivery_id: &'a str,
    pub event: &'a str,
    pub body: &'a str,
}

/// What storing a delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Stored, as number `seq` of the stream's deliveries.
    New(i64),
    /// Its source had delivered this id already: nothing changed.
    Duplicate,
}

/// A stored delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// Its place among the stream's deliveries: it only grows, in the order they were committed.
    pub seq: i64,
    pub source: String,
    pub kind: SourceKind,
    pub delivery_id: String,
    pub event: String,
    /// The body byte for byte as received (JSON); for the events endpoint, the one event.
    pub body: String,
    pub received_at: i64,
}
