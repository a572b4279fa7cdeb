//! GitHub's webhooks: `X-Hub-Signature-256: sha256=HEX`, the HMAC-SHA256 of the raw body under
//! the source's secret (derived again from the server key, see [`super::key`]);
//! `X-GitHub-Event` names the event and `X-GitHub-Delivery` is its id, kept when GitHub
//! redelivers. A `ping` (sent when the webhook is made) is answered and not stored.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};

use super::{Stored, Whole, find, key, refused, required, unsigned};
use crate::App;
use crate::api::ApiError;
use crate::auth::secret;
use crate::store::{Check, SourceKind};

const SIGNATURE: &str = "x-hub-signature-256";

/// A GitHub webhook delivery, signed with `X-Hub-Signature-256`; `X-GitHub-Event` names it
/// and `X-GitHub-Delivery` is its id. A `ping` is answered and not stored.
#[utoipa::path(
    post,
    path = "/hooks/github/{stream}/{source}",
    tag = "webhooks",
    params(super::HookPath),
    request_body(content = Object, content_type = "application/json", description = "The delivery as GitHub sends it"),
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
    let kind = SourceKind::Github;
    let signature = super::header(&headers, SIGNATURE).ok_or_else(|| {
        unsigned(
            "X-Hub-Signature-256",
            "give the webhook the secret shown when its source was made",
        )
    })?;
    let signature = signature
        .strip_prefix("sha256=")
        .and_then(secret::unhex)
        .unwrap_or_default();
    let source = find(&app, &stream, &name, kind).await?;
    // Without the source, a decoy secret is checked, so that it takes as long.
    let salt = match source.as_ref().map(|s| &s.check) {
        Some(Check::Salt(salt)) => Some(salt.as_str()),
        _ => None,
    };
    let secret = app
        .key
        .github_secret(&stream, &name, salt.unwrap_or("no source has this salt"));
    if !(key::signed_by(&secret, &body, &signature) && salt.is_some()) {
        return Err(refused(kind, "the signature"));
    }
    let event = required(
        &headers,
        "x-github-event",
        "GitHub names the event in it; is the sender GitHub?",
    )?;
    if event == "ping" {
        return Ok((
            StatusCode::OK,
            axum::Json(Stored {
                stored: 0,
                duplicates: 0,
            }),
        )
            .into_response());
    }
    let delivery_id = required(
        &headers,
        "x-github-delivery",
        "GitHub gives each delivery's id in it; is the sender GitHub?",
    )?;
    let delivery = Whole {
        stream: &stream,
        source: &name,
        kind,
        delivery_id,
        event,
    };
    delivery.record(&app, &body, &headers).await
}
