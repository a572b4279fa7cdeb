//! A stream's webhook sources: made by its admins, each with a secret shown once (GitHub's
//! webhook secret, GitLab's secret token, or the events endpoint's bearer token) and the URL
//! to paste into the sender; listed without secrets; removed. See [`crate::hooks`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::streams::check_name;
use super::{ApiError, ErrorBody, time};
use crate::App;
use crate::auth::{Caller, secret};
use crate::hooks;
use crate::store::{Check, Role, Source, SourceKind, StoreError};

/// What GitLab and events tokens start with, so that a leaked one is recognisable.
pub const HOOK_TOKEN_PREFIX: &str = "vsm_hook_";

/// A source to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSource {
    /// Its name within the stream (lowercase letters, digits, `-`, `_` and `.`), in its URL.
    pub name: String,
    pub kind: SourceKind,
}

/// A source made, with its secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSource {
    pub name: String,
    pub kind: SourceKind,
    /// GitHub: the webhook's secret; GitLab: its secret token; events: the bearer token. The
    /// server does not keep it; a lost one needs a new source.
    pub secret: String,
    /// Where the sender posts (the payload URL), on the host this request was sent to.
    pub url: String,
}

/// A source, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceBody {
    pub name: String,
    pub kind: SourceKind,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Its path on this server (`/hooks/KIND/STREAM/NAME`).
    pub path: String,
}

/// Makes a webhook source for a stream (its admins); answers its secret, shown this once.
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/sources",
    tag = "webhooks",
    params(("stream" = String, Path, description = "The stream's id")),
    request_body = NewSource,
    responses(
        (status = 201, body = CreatedSource),
        (status = 400, body = ErrorBody, description = "The name cannot be used"),
        (status = 403, body = ErrorBody, description = "The caller is not the stream's admin"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The stream has a source by that name"),
    )
)]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    headers: HeaderMap,
    Json(body): Json<NewSource>,
) -> Result<(StatusCode, Json<CreatedSource>), ApiError> {
    caller.require(&app, &stream, Role::Admin).await?;
    check_name(&body.name, "a source's name")?;
    let (check, secret) = match body.kind {
        SourceKind::Github => {
            let salt = secret::random_hex(16);
            let made = app.key.github_secret(&stream, &body.name, &salt);
            (Check::Salt(salt), made)
        }
        SourceKind::Gitlab | SourceKind::Events => {
            let token = format!("{HOOK_TOKEN_PREFIX}{}", secret::random_hex(24));
            (Check::TokenHash(secret::digest(&token)), token)
        }
    };
    let source = Source {
        name: body.name,
        kind: body.kind,
        check,
        created_at: crate::now(),
    };
    app.store
        .create_source(&stream, &source)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "`{stream}` has a source `{}` already; pick another name, or delete it first (DELETE /api/streams/{stream}/sources/{})",
                    source.name, source.name
                ),
            ),
            other => other.into(),
        })?;
    tracing::info!(%stream, source = %source.name, kind = %source.kind, by = %caller.user.name, "webhook source made");
    let path = hooks::path(source.kind, &stream, &source.name);
    Ok((
        StatusCode::CREATED,
        Json(CreatedSource {
            url: url(&app, &headers, &path),
            name: source.name,
            kind: source.kind,
            secret,
        }),
    ))
}

/// `path` on the host the request was sent to (`Host`), over HTTPS where cookies are marked
/// secure (the server is behind an HTTPS proxy); the path alone without a `Host`.
fn url(app: &App, headers: &HeaderMap, path: &str) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', ' ', '@']));
    let scheme = if app.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    host.map_or_else(
        || path.to_string(),
        |host| format!("{scheme}://{host}{path}"),
    )
}

/// A stream's webhook sources, without their secrets (its viewers).
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/sources",
    tag = "webhooks",
    params(("stream" = String, Path, description = "The stream's id")),
    responses((status = 200, body = [SourceBody]), (status = 404, body = ErrorBody))
)]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Json<Vec<SourceBody>>, ApiError> {
    caller.require(&app, &stream, Role::Viewer).await?;
    let sources = app.store.sources(&stream).await?;
    Ok(Json(
        sources
            .into_iter()
            .map(|s| SourceBody {
                path: hooks::path(s.kind, &stream, &s.name),
                name: s.name,
                kind: s.kind,
                created_at: time(s.created_at),
            })
            .collect(),
    ))
}

/// Removes a webhook source (its stream's admins): its deliveries are refused from now on;
/// those it made stay.
#[utoipa::path(
    delete,
    path = "/api/streams/{stream}/sources/{source}",
    tag = "webhooks",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("source" = String, Path, description = "The source's name"),
    ),
    responses(
        (status = 204, description = "The source is gone"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path((stream, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(&app, &stream, Role::Admin).await?;
    if !app.store.delete_source(&stream, &name).await? {
        return Err(ApiError::not_found(format!(
            "`{stream}` has no source `{}`; GET /api/streams/{stream}/sources lists them",
            vsm_core::diagnostic::shorten(&name)
        )));
    }
    tracing::info!(%stream, source = %name, by = %caller.user.name, "webhook source deleted");
    Ok(StatusCode::NO_CONTENT)
}
