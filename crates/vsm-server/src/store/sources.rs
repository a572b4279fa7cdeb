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

impl NewDelivery<'_> {
    /// The digest of what it says (SHA-256, hex): its event and its body, JSON written again
    /// with its keys sorted and no spaces, so that a resend laid out otherwise is the same
    /// delivery; a body that is not JSON, byte for byte.
    pub fn content_hash(&self) -> String {
        let body = serde_json::from_str::<serde_json::Value>(self.body)
            .map_or_else(|_| self.body.to_string(), |value| sorted(value).to_string());
        crate::auth::secret::digest(&format!("{}\0{body}", self.event))
    }
}

/// `value` with every object's keys in order.
fn sorted(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut fields: Vec<(String, Value)> = map.into_iter().collect();
            fields.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(fields.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// What storing a delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recorded {
    /// Stored, as number `seq` of the stream's deliveries.
    New(i64),
    /// Its source had delivered this id already, with the same content: nothing changed.
    Duplicate,
    /// Its source had delivered this id already with other content (its event or body): the
    /// earlier content is kept, and this one is not stored.
    Different,
}

/// [`Recorded`] of a delivery whose id was stored before with `stored_hash` (none: stored
/// before hashes were kept, taken as the same).
pub fn resent(stored_hash: Option<&str>, hash: &str) -> Recorded {
    match stored_hash {
        Some(stored) if stored != hash => Recorded::Different,
        _ => Recorded::Duplicate,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_s_content_hash_ignores_layout_and_key_order_but_not_content() {
        let delivery = |event, body| NewDelivery {
            delivery_id: "d-1",
            event,
            body,
        };
        let hash = delivery("push", r#"{"a": 1, "b": {"c": [1, 2], "d": "x"}}"#).content_hash();
        assert_eq!(hash.len(), 64);
        assert_eq!(
            hash,
            delivery("push", r#"{"b":{"d":"x","c":[1,2]},"a":1}"#).content_hash()
        );
        for (event, body) in [
            ("push", r#"{"a": 2, "b": {"c": [1, 2], "d": "x"}}"#),
            ("push", r#"{"a": 1, "b": {"c": [2, 1], "d": "x"}}"#),
            ("pull", r#"{"a": 1, "b": {"c": [1, 2], "d": "x"}}"#),
        ] {
            assert_ne!(hash, delivery(event, body).content_hash(), "{event} {body}");
        }
        assert_eq!(resent(None, &hash), Recorded::Duplicate);
        assert_eq!(resent(Some(&hash), &hash), Recorded::Duplicate);
        assert_eq!(resent(Some("0"), &hash), Recorded::Different);
    }
}
