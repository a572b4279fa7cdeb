//! A stream's DORA figures and the event store behind its measured numbers.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{ApiError, ErrorBody, blocking, typed};
use crate::App;
use crate::auth::Caller;
use crate::dora::{NoFigures, Window};

/// Which version, over which window.
#[derive(Debug, Deserialize)]
pub struct Asked {
    pub version: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The stream's event store, brought up to date with its deliveries. For a future state (its
/// latest map says `extends:`), the maps it extends, and the event store of the current state
/// at the bottom of the chain, which its numbers are measured from; when the caller cannot view
/// a map of the chain, none, and the analysis says why (without telling whether it exists).
pub async fn current(
    app: &App,
    caller: &Caller,
    stream: &str,
) -> Result<crate::events::Current, ApiError> {
    let mut current = deliveries(app, stream).await?;
    let Some(latest) = app.store.version(stream, None).await? else {
        return Ok(current);
    };
    match crate::future::bases(app, caller, stream, &latest.yaml).await {
        Ok(bases) => {
            if let Some(root) = bases.root() {
                let measured = deliveries(app, root).await?;
                current.summary = measured.summary;
                current.ocel = measured.ocel;
                current.log = measured.log;
            }
            current.bases = bases;
        }
        Err(error) if error.status.is_server_error() => return Err(error),
        Err(error) => current.bases.problem = Some(error.message),
    }
    Ok(current)
}

/// The event store of `stream` itself, brought up to date with its deliveries.
async fn deliveries(app: &App, stream: &str) -> Result<crate::events::Current, ApiError> {
    app.events
        .current(app.store.as_ref(), stream)
        .await
        .map_err(|e| {
            tracing::error!(error = %format!("{e:#}"), stream, "the event store was not brought up to date");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the stream's event store could not be brought up to date: {e:#}"),
            )
        })
}

/// The DORA figures of a stream whose map has a `dora:` section, from its GitHub and GitLab
/// deliveries: the JSON `vsm dora --format json` prints.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/dora",
    tag = "streams",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("version" = Option<i64>, Query, description = "The version's number; the latest when absent"),
        ("from" = Option<String>, Query, description = "The window's start: a day (YYYY-MM-DD, midnight UTC) or an RFC 3339 time; by default 90 days before `to`"),
        ("to" = Option<String>, Query, description = "The window's end (not included); by default the end of today (UTC)"),
    ),
    responses(
        (status = 200, description = "The figures, as `vsm dora --format json` prints them", body = Object),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The map has no `dora:` section, no delivery has given the figures anything yet, or the window is not one"),
    )
)]
pub async fn dora(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Query(asked): Query<Asked>,
) -> Result<Response, ApiError> {
    let (found, _) = super::streams_read(&app, &caller, &stream, asked.version).await?;
    let events = current(&app, &caller, &stream).await?;
    let window = Window {
        from: asked.from,
        to: asked.to,
    };
    let now = jiff::Timestamp::now();
    let figures =
        blocking(move || crate::dora::figures(&stream, &found.yaml, &events, &window, now)).await?;
    let unprocessable = |message: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message);
    match figures {
        Ok((report, _)) => Ok(typed(
            vsm_render::dora::json(&report, None),
            "application/json",
        )),
        Err(NoFigures::NotAsked) => Err(unprocessable(
            "the map has no `dora:` section; add `dora: {}` (see docs/dora.md) to see its DORA figures".into(),
        )),
        Err(NoFigures::NoDeliveries(why)) => Err(unprocessable(why)),
        Err(NoFigures::Problem(problem)) => Err(problem.into()),
    }
}
