//! A stream's sources: webhook sources, made by its admins, each with a secret shown once
//! (GitHub's webhook secret, GitLab's secret token, or the events endpoint's bearer token) and
//! the URL to paste into the sender (see [`crate::hooks`]); and pull sources, which the server
//! reads itself on an interval (see [`super::pulls`]). Listed without secrets; removed.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::pulls::{NewPull, PullBody, pull_of};
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
    /// For `kind: "pull"`: what to read, from where, how often, and the token's variable.
    #[serde(default)]
    pub pull: Option<NewPull>,
}

/// A source made: a webhook source with its secret, shown this once; a pull source with its
/// state.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedSource {
    pub name: String,
    pub kind: SourceKind,
    /// GitHub: the webhook's secret; GitLab: its secret token; events: the bearer token. The
    /// server does not keep it; a lost one needs a new source. None for a pull source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Where the sender posts (the payload URL), on the host this request was sent to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull: Option<PullBody>,
}

/// A source, without its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceBody {
    pub name: String,
    pub kind: SourceKind,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// Its path on this server (`/hooks/KIND/STREAM/NAME`); none for a pull source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A pull source's settings and state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull: Option<PullBody>,
}

/// Makes a source for a stream (its admins): a webhook source answers its secret, shown this
/// once; a pull source (`kind: "pull"`) is due at once.
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/sources",
    tag = "webhooks",
    params(("stream" = String, Path, description = "The stream's id")),
    request_body = NewSource,
    responses(
        (status = 201, body = CreatedSource),
        (status = 400, body = ErrorBody, description = "The name cannot be used"),
        (status = 403, body = ErrorBody, description = "The caller is not the stream's admin (or, for a pull source, not a server admin: it reads with the server's token)"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The stream has a source by that name"),
        (status = 422, body = ErrorBody, description = "A pull source's settings cannot be used"),
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
    let taken = |name: &str| {
        ApiError::new(
            StatusCode::CONFLICT,
            format!(
                "`{stream}` has a source `{name}` already; pick another name, or delete it first (DELETE /api/streams/{stream}/sources/{name})"
            ),
        )
    };
    if body.kind == SourceKind::Pull {
        let pull = pull_of(&caller, body.name, body.pull)?;
        if app.store.source(&stream, &pull.name).await?.is_some() {
            return Err(taken(&pull.name));
        }
        app.store
            .create_pull(&stream, &pull)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => taken(&pull.name),
                other => other.into(),
            })?;
        app.pulls_due.notify_one();
        tracing::info!(%stream, source = %pull.name, provider = %pull.provider, target = %pull.target, by = %caller.user.name, "pull source made");
        return Ok((
            StatusCode::CREATED,
            Json(CreatedSource {
                kind: SourceKind::Pull,
                secret: None,
                url: None,
                pull: Some(PullBody::of(&app, &pull)),
                name: pull.name,
            }),
        ));
    }
    if body.pull.is_some() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "`pull` is for `kind: \"pull\"`; a {} webhook source has no pull settings",
                body.kind
            ),
        ));
    }
    if app
        .store
        .pulls(&stream)
        .await?
        .iter()
        .any(|p| p.name == body.name)
    {
        return Err(taken(&body.name));
    }
    let (check, secret) = match body.kind {
        SourceKind::Github => {
            let salt = secret::random_hex(16);
            let made = app.key.github_secret(&stream, &body.name, &salt);
            (Check::Salt(salt), made)
        }
        SourceKind::Gitlab | SourceKind::Events | SourceKind::Pull => {
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
            StoreError::Conflict(_) => taken(&source.name),
            other => other.into(),
        })?;
    tracing::info!(%stream, source = %source.name, kind = %source.kind, by = %caller.user.name, "webhook source made");
    let path = hooks::path(source.kind, &stream, &source.name);
    Ok((
        StatusCode::CREATED,
        Json(CreatedSource {
            url: Some(url(&app, &headers, &path)),
            name: source.name,
            kind: source.kind,
            secret: Some(secret),
            pull: None,
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

/// A stream's sources by name, webhook sources without their secrets, pull sources with their
/// state (its viewers).
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
    let pulls = app.store.pulls(&stream).await?;
    let hooks = sources.into_iter().map(|s| SourceBody {
        path: Some(hooks::path(s.kind, &stream, &s.name)),
        name: s.name,
        kind: s.kind,
        created_at: time(s.created_at),
        pull: None,
    });
    let pulled = pulls.iter().map(|p| SourceBody {
        name: p.name.clone(),
        kind: SourceKind::Pull,
        created_at: time(p.created_at),
        path: None,
        pull: Some(PullBody::of(&app, p)),
    });
    let mut all: Vec<SourceBody> = hooks.chain(pulled).collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Json(all))
}

/// Removes a source (its stream's admins): a webhook source's deliveries are refused from now
/// on, a pull source is not pulled again; what they gave stays.
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
    if !app.store.delete_source(&stream, &name).await?
        && !app.store.delete_pull(&stream, &name).await?
    {
        return Err(ApiError::not_found(format!(
            "`{stream}` has no source `{}`; GET /api/streams/{stream}/sources lists them",
            vsm_core::diagnostic::shorten(&name)
        )));
    }
    tracing::info!(%stream, source = %name, by = %caller.user.name, "source deleted");
    Ok(StatusCode::NO_CONTENT)
}
