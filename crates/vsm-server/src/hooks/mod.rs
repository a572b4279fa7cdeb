//! Webhook ingestion: GitHub, GitLab and vsm's generic JSON events endpoint deliver to
//! `/hooks/{kind}/{stream}/{source}`, where a stream's admin made the source
//! (`POST /api/streams/{stream}/sources`, see [`crate::api`]).
//!
//! No one signs in to deliver: each delivery proves itself by its source's signature or token,
//! checked in constant time before its body is parsed or anything is stored (the body is read
//! first, bounded by the server's body limit: GitHub signs the body itself), with the same 401 whether the stream
//! and source exist or not (so nobody can probe for names). A delivery that passes is stored
//! once by its delivery id, committed before it is acknowledged, so a sender that retries after
//! a crash or a timeout stores nothing twice and loses nothing that was answered 2xx. A refused
//! delivery changes nothing.

pub(crate) mod events;
pub(crate) mod github;
pub(crate) mod gitlab;
pub mod key;

use axum::Json;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::App;
use crate::api::{ApiError, ErrorBody};
use crate::auth::secret;
use crate::routes::Table;
use crate::store::{Check, NewDelivery, Recorded, Source, SourceKind};

/// The webhook routes: public to the route table's middleware, checked by their handlers.
pub fn routes(table: Table) -> Table {
    table
        .webhook(
            Method::POST,
            "/hooks/github/{stream}/{source}",
            github::deliver,
        )
        .webhook(
            Method::POST,
            "/hooks/gitlab/{stream}/{source}",
            gitlab::deliver,
        )
        .webhook(
            Method::POST,
            "/hooks/events/{stream}/{source}",
            events::deliver,
        )
}

/// The path a source's sender posts to.
pub fn path(kind: SourceKind, stream: &str, source: &str) -> String {
    format!("/hooks/{kind}/{stream}/{source}")
}

/// The most characters a delivery id or an event name may have.
const MAX_ID: usize = 200;

/// A webhook's path, for the OpenAPI document.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[expect(dead_code, reason = "read by the OpenAPI document alone")]
struct HookPath {
    /// The stream's id.
    stream: String,
    /// The source's name (made with POST /api/streams/{stream}/sources).
    source: String,
}

/// What every webhook answers, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[expect(dead_code, reason = "read by the OpenAPI document alone")]
enum Answers {
    /// Every delivery had been stored before, with the same content: nothing changed.
    #[response(status = 200)]
    Unchanged(#[to_schema] Stored),
    /// Stored, committed before this answer.
    #[response(status = 202)]
    Stored(#[to_schema] Stored),
    /// The body is not JSON, or a header is missing or not an id.
    #[response(status = 400)]
    Malformed(#[to_schema] ErrorBody),
    /// The signature or token does not match a source of this kind at this URL (the same
    /// whether the stream or the source exist).
    #[response(status = 401)]
    Refused(#[to_schema] ErrorBody),
    /// A delivery id was stored before with different content: the earlier content is kept.
    #[response(status = 409)]
    Different(#[to_schema] ErrorBody),
    /// The body is larger than the server takes.
    #[response(status = 413)]
    TooLarge(#[to_schema] ErrorBody),
}

/// What a delivery accepted did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stored {
    /// Deliveries stored now.
    pub stored: usize,
    /// Deliveries stored before (the same delivery id from the same source): nothing changed.
    pub duplicates: usize,
}

/// 202 when something was stored, 200 when everything had been; 409 naming the delivery ids
/// `ids` (in the order of `recorded`) that were stored before with other content, saying what
/// happened to the others.
fn stored(recorded: &[Recorded], ids: &[&str]) -> Result<Response, ApiError> {
    let stored = recorded
        .iter()
        .filter(|r| matches!(r, Recorded::New(_)))
        .count();
    let different: Vec<String> = recorded
        .iter()
        .zip(ids)
        .filter(|(r, _)| **r == Recorded::Different)
        .map(|(_, id)| format!("`{}`", vsm_core::diagnostic::shorten(id)))
        .collect();
    if !different.is_empty() {
        let (these, was) = if different.len() == 1 {
            (
                "delivery id",
                "was received before with different content: its earlier content was kept",
            )
        } else {
            (
                "delivery ids",
                "were received before with different content: their earlier content was kept",
            )
        };
        let others = recorded.len() - different.len();
        let rest = if others == 0 {
            String::new()
        } else {
            format!(
                " (of the {} of this request, {stored} stored now, {} stored before)",
                crate::events::counted(others, "other delivery", "other deliveries"),
                others - stored
            )
        };
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "{these} {} {was}{rest}; send a changed event with an id of its own, or the same content again",
                different.join(", "),
            ),
        ));
    }
    let status = if stored > 0 {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let duplicates = recorded.len() - stored;
    Ok((status, Json(Stored { stored, duplicates })).into_response())
}

/// A delivery that is its whole body (GitHub's, GitLab's), its source checked: where it goes
/// and what it is.
struct Whole<'a> {
    stream: &'a str,
    source: &'a str,
    kind: SourceKind,
    delivery_id: &'a str,
    event: &'a str,
}

impl Whole<'_> {
    /// Stores `body` (which must be JSON) once, and answers what that did.
    async fn record(
        self,
        app: &App,
        body: &[u8],
        headers: &HeaderMap,
    ) -> Result<Response, ApiError> {
        let delivery = NewDelivery {
            delivery_id: self.delivery_id,
            event: self.event,
            body: json_text(body, headers)?,
        };
        let recorded = app
            .store
            .record_delivery(self.stream, self.source, self.kind, delivery, crate::now())
            .await?;
        stored(&[recorded], &[self.delivery_id])
    }
}

/// The source `name` of `stream`, if there is one and it is of `kind`.
async fn find(
    app: &App,
    stream: &str,
    name: &str,
    kind: SourceKind,
) -> Result<Option<Source>, ApiError> {
    Ok(app
        .store
        .source(stream, name)
        .await?
        .filter(|source| source.kind == kind))
}

/// The answer to a delivery without a valid signature or token: the same whether the stream or
/// the source exist, whether the source is of another kind, or the secret is wrong.
fn refused(kind: SourceKind, what: &str) -> ApiError {
    tracing::info!(%kind, "webhook delivery refused: {what} does not match");
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        format!(
            "refused: {what} does not match {} {kind} source at this URL; check the URL and the secret shown when the source was made (a stream's admin makes a new one with POST /api/streams/STREAM/sources)",
            if kind == SourceKind::Events {
                "an"
            } else {
                "a"
            }
        ),
    )
}

/// The answer to a delivery without the header that carries its signature or token.
fn unsigned(header: &str, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        format!("refused: the delivery has no `{header}` header; {what}"),
    )
}

/// Whether `token` is `source`'s (compared as digests, in constant time). With no source, a
/// decoy is compared instead, so that a missing source takes as long as a wrong token.
fn token_matches(source: Option<&Source>, token: &str) -> bool {
    let decoy = secret::digest("no source has this token");
    let (expected, real) = match source.map(|s| &s.check) {
        Some(Check::TokenHash(hash)) => (hash.as_str(), true),
        _ => (decoy.as_str(), false),
    };
    secret::same(&secret::digest(token), expected) && real
}

/// Header `name`'s value as text, if it has one.
fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// A delivery id or event name from header `name`, or a 400 saying what is missing.
fn required<'h>(headers: &'h HeaderMap, name: &str, what: &str) -> Result<&'h str, ApiError> {
    let value = header(headers, name).ok_or_else(|| {
        ApiError::bad_request(format!("the delivery has no `{name}` header; {what}"))
    })?;
    checked_id(value, &format!("the `{name}` header"))
}

/// `value`, if it fits as a delivery id or event name.
fn checked_id<'v>(value: &'v str, whence: &str) -> Result<&'v str, ApiError> {
    if value.chars().count() > MAX_ID || value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "{whence} `{}` is not an id: use at most {MAX_ID} characters, none of them control characters",
            vsm_core::diagnostic::shorten(value)
        )));
    }
    Ok(value)
}

/// The body as JSON text, or a 400 naming where it stops being JSON.
fn json_text<'b>(body: &'b [u8], headers: &HeaderMap) -> Result<&'b str, ApiError> {
    let form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let hint = if form {
        "; the sender posts a form: set the webhook's content type to application/json"
    } else {
        ""
    };
    match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
        Ok(_) => Ok(std::str::from_utf8(body).expect("JSON that parsed is UTF-8")),
        // The error says its line and column.
        Err(error) => Err(ApiError::bad_request(format!(
            "the body is not JSON: {error}{hint}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_is_not_json_is_refused_naming_where() {
        let headers = HeaderMap::new();
        let error = json_text(b"{\"a\": 1,\n \"b\": }", &headers).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert!(error.message.contains("line 2 column"), "{}", error.message);
        assert_eq!(
            error.message.matches("line").count(),
            1,
            "the position said once: {}",
            error.message
        );
        let mut form = HeaderMap::new();
        form.insert(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let error = json_text(b"payload=%7B%7D", &form).unwrap_err();
        assert!(
            error.message.contains("content type to application/json"),
            "{}",
            error.message
        );
        assert_eq!(json_text(b" [1] ", &headers).unwrap(), " [1] ");
    }

    #[test]
    fn tokens_match_only_their_own_source() {
        let source = Source {
            name: "ci".into(),
            kind: SourceKind::Events,
            check: Check::TokenHash(secret::digest("vsm_hook_right")),
            created_at: 0,
        };
        assert!(token_matches(Some(&source), "vsm_hook_right"));
        assert!(!token_matches(Some(&source), "vsm_hook_wrong"));
        assert!(!token_matches(None, "no source has this token"));
        let github = Source {
            check: Check::Salt("x".into()),
            ..source
        };
        assert!(!token_matches(Some(&github), "vsm_hook_right"));
    }
}
