//! GitLab's webhooks: `X-Gitlab-Token` carries the source's token as is (GitLab signs
//! nothing), `X-Gitlab-Event` names the event. The delivery id is `Idempotency-Key` (GitLab
//! 17.4 on: the same on every retry of one delivery), else `X-Gitlab-Event-UUID`; a delivery
//! with neither cannot be stored once and is refused.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Whole, checked_id, find, header, refused, required, token_matches};
use crate::App;
use crate::api::ApiError;
use crate::store::SourceKind;

/// A GitLab webhook delivery, with the source's `X-Gitlab-Token`; `X-Gitlab-Event` names it and
/// `Idempotency-Key` (else `X-Gitlab-Event-UUID`) is its id.
#[utoipa::path(
    post,
    path = "/hooks/gitlab/{stream}/{source}",
    tag = "webhooks",
    params(super::HookPath),
    request_body(content = Object, content_type = "application/json", description = "The delivery as GitLab sends it"),
    responses(
        super::Answers,
    ),
    security(()),
)]
pub async fn deliver(
    State(app): State<App>,
    Path((stream, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = SourceKind::Gitlab;
    let token = header(&headers, "x-gitlab-token").ok_or_else(|| {
        super::unsigned(
            "X-Gitlab-Token",
            "give the webhook the secret token shown when its source was made",
        )
    })?;
    let source = find(&app, &stream, &name, kind).await?;
    if !token_matches(source.as_ref(), token) {
        return Err(refused(kind, "the token"));
    }
    let event = required(
        &headers,
        "x-gitlab-event",
        "GitLab names the event in it; is the sender GitLab?",
    )?;
    let delivery_id = match header(&headers, "idempotency-key") {
        Some(key) => checked_id(key, "the `Idempotency-Key` header")?,
        None => required(
            &headers,
            "x-gitlab-event-uuid",
            "without it or `Idempotency-Key` a retried delivery would be stored twice; recent GitLab versions send them; a relay in between can set `Idempotency-Key` to an id that stays the same when it retries",
        )?,
    };
    let delivery = Whole {
        stream: &stream,
        source: &name,
        kind,
        delivery_id,
        event,
    };
    delivery.record(&app, &body, &headers).await
}
