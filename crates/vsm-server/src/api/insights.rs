//! What the stream's pages show beyond its analysis, as JSON: the plan (and moving an
//! improvement on it), the trends over versions, the simulation and the explanation of each
//! headline number. The plan and simulation bodies are the JSON `vsm plan` and `vsm simulate`
//! print. A map that measures (`measure:`) is measured from the stream's webhook deliveries, as
//! its analysis is ([`crate::map::measured`]); while no delivery has given it anything, from its
//! estimates, which the header `X-Vsm-Estimated: true` says.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::streams::Which;
use super::{ApiError, ErrorBody, Onto, Saved, blocking, read, save_onto, typed, version_of};
use crate::auth::Caller;
use crate::map::Numbers;
use crate::map_edit::{self, EditError};
use crate::store::{Role, Version};
use crate::{App, board, trends};

/// A JSON answer, saying when its numbers are the map's estimates.
fn answer(json: String, estimated: bool) -> Response {
    let mut response = typed(json, "application/json");
    if estimated {
        response
            .headers_mut()
            .insert("x-vsm-estimated", HeaderValue::from_static("true"));
    }
    response
}

/// The latest versions of a stream the caller may see, newest first, whether there are more,
/// and the caller's role.
pub async fn history(
    app: &App,
    caller: &Caller,
    stream: &str,
    most: i64,
) -> Result<(Vec<Version>, bool, Role), ApiError> {
    let role = caller.require(app, stream, Role::Viewer).await?;
    let mut versions = app.store.recent_versions(stream, most + 1).await?;
    if versions.is_empty() {
        return Err(ApiError::not_found(format!(
            "there is no value stream `{stream}`"
        )));
    }
    let truncated = versions.len() as i64 > most;
    versions.truncate(most as usize);
    Ok((versions, truncated, role))
}

/// The plan of a stream's latest version on `today`, and the caller's role.
pub async fn plan_of(
    app: &App,
    caller: &Caller,
    stream: &str,
    today: jiff::civil::Date,
) -> Result<(board::Board, Role), ApiError> {
    let (versions, truncated, role) = history(app, caller, stream, trends::MOST_VERSIONS).await?;
    let events = super::current_events(app, caller, stream).await?;
    let id = stream.to_string();
    let board = blocking(move || board::of(&id, &versions, truncated, today, &events)).await??;
    Ok((board, role))
}

/// Today, in UTC: replicas anywhere agree on what is overdue.
pub fn today() -> jiff::civil::Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// The improvement plan of the latest version: the JSON `vsm plan --format json` prints, each
/// target's `at_start` from the version in which its improvement first appeared.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/plan",
    tag = "plan",
    params(("stream" = String, Path, description = "The stream's id")),
    responses(
        (status = 200, description = "The plan, as `vsm plan --format json` prints it", body = Object),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The map cannot be analyzed"),
    )
)]
pub async fn plan(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Response, ApiError> {
    let (board, _) = plan_of(&app, &caller, &stream, today()).await?;
    Ok(answer(board.json, board.numbers.estimated()))
}

/// An improvement's new status.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Move {
    /// `planned`, `in_progress`, `done` or `dropped`.
    pub status: String,
    /// The version the move was decided on: refused with 409 when it is no longer the latest.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Moves an improvement to another status (editors): saves a new version of the map whose text
/// differs only in that improvement's `status:` line, with the message "Moved ID to STATUS".
#[utoipa::path(
    put,
    path = "/api/streams/{stream}/plan/{improvement}",
    tag = "plan",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("improvement" = String, Path, description = "The improvement's id"),
    ),
    request_body = Move,
    responses(
        (status = 201, body = Saved, description = "A version was added"),
        (status = 200, body = Saved, description = "The improvement had that status: nothing added"),
        (status = 400, body = ErrorBody, description = "Not a status"),
        (status = 403, body = ErrorBody, description = "The caller is a viewer"),
        (status = 404, body = ErrorBody, description = "No such stream or improvement"),
        (status = 409, body = ErrorBody, description = "The map changed since the version given"),
    )
)]
pub async fn move_improvement(
    State(app): State<App>,
    caller: Caller,
    Path((stream, improvement)): Path<(String, String)>,
    Json(body): Json<Move>,
) -> Result<(StatusCode, Json<Saved>), ApiError> {
    let (status, saved) = moved(&app, &caller, &stream, &improvement, &body).await?;
    Ok((status, Json(saved)))
}

/// Saves the latest version of `stream` with `improvement` moved to `to.status`.
pub async fn moved(
    app: &App,
    caller: &Caller,
    stream: &str,
    improvement: &str,
    to: &Move,
) -> Result<(StatusCode, Saved), ApiError> {
    caller.require(app, stream, Role::Editor).await?;
    let Some(status) = map_edit::status_named(to.status.trim()) else {
        return Err(ApiError::bad_request(format!(
            "`{}` is not an improvement's status; it is one of {}",
            vsm_core::diagnostic::shorten(&to.status),
            vsm_core::diagnostic::backticked(
                board::statuses().map(|(_, written, _)| written),
                usize::MAX
            )
        )));
    };
    let message = format!("Moved {improvement} to {}", status.as_str());
    // A move made on the version the caller saw is refused when another was saved since. One
    // made without a version says what to change, not the text to save: it is made again on
    // the new latest version, a few times at most.
    let mut tries = 0;
    loop {
        let latest = version_of(app, stream, None).await?;
        let after = latest.info.number;
        if let Some(seen) = to.version
            && seen != after
        {
            return Err(stale_move(seen, after, improvement));
        }
        let id = improvement.to_string();
        let edited = blocking(move || map_edit::set_status(&latest.yaml, &id, status))
            .await?
            .map_err(|error| match error {
                EditError::NoImprovement(message) => ApiError::not_found(message),
                EditError::Cannot(message) => {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
                }
            })?;
        match save_onto(app, caller, stream, &edited, &message, Onto::After(after)).await {
            Err(error) if error.status == StatusCode::CONFLICT => {
                tries += 1;
                if to.version.is_some() || tries == 3 {
                    let latest = app
                        .store
                        .stream(stream)
                        .await?
                        .map_or(after + 1, |s| s.latest);
                    return Err(stale_move(after, latest, improvement));
                }
            }
            saved => return saved,
        }
    }
}

/// 409: the map changed after version `seen`, the one the move was decided on.
fn stale_move(seen: i64, latest: i64, improvement: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        format!(
            "the map changed after version {seen}: version {latest} is the latest; reload the plan and move `{improvement}` again"
        ),
    )
}

/// The headline numbers across the stream's versions (the latest 200), oldest first, each
/// metric's unit and values as `vsm trend --format json` gives them, and the bounds the latest
/// map's targets put on them.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/trends",
    tag = "streams",
    params(("stream" = String, Path, description = "The stream's id")),
    responses(
        (status = 200, description = "The versions and each metric's values over them", body = Object),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn trends(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Response, ApiError> {
    let (versions, truncated, _) = history(&app, &caller, &stream, trends::MOST_VERSIONS).await?;
    let events = super::current_events(&app, &caller, &stream).await?;
    let id = stream.clone();
    let (json, estimated) = blocking(move || {
        let trends = trends::of(&id, versions, truncated, &events);
        (trends::json(&id, &trends), trends.estimated)
    })
    .await?;
    Ok(answer(json, estimated))
}

/// The map of a version analyzed as its analysis is (measured from the stream's deliveries
/// when it measures), with what its numbers come from.
pub async fn analyzed(
    app: &App,
    caller: &Caller,
    stream: &str,
    number: Option<i64>,
) -> Result<(Version, Arc<vsm_app::Loaded>, Numbers), ApiError> {
    let (found, _) = read(app, caller, stream, number).await?;
    let events = super::current_events(app, caller, stream).await?;
    let (id, yaml) = (stream.to_string(), found.yaml.clone());
    let (loaded, numbers) = blocking(move || crate::map::measured(&id, &yaml, &events)).await??;
    Ok((found, loaded, numbers))
}

/// The simulation of the latest version, as `vsm simulate` runs it with its defaults (10,000
/// items, 10 replications, seed 1): the JSON it prints.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/simulation",
    tag = "streams",
    params(("stream" = String, Path, description = "The stream's id")),
    responses(
        (status = 200, description = "The simulation, as `vsm simulate --format json` prints it", body = Object),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The map cannot be simulated as it is (the error says why)"),
    )
)]
pub async fn simulation(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Response, ApiError> {
    let (_, loaded, numbers) = analyzed(&app, &caller, &stream, None).await?;
    let simulated = simulate(&app, loaded).await?;
    Ok(answer(simulated.json, numbers.estimated()))
}

/// Simulates on a blocking thread, one simulation per CPU at a time.
pub async fn simulate(
    app: &App,
    loaded: Arc<vsm_app::Loaded>,
) -> Result<crate::simulation::Simulation, ApiError> {
    let _turn = app.simulating.acquire().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        )
    })?;
    blocking(move || crate::simulation::run(&loaded))
        .await?
        .map_err(|message| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message))
}

/// Where a headline number of a version (the latest unless `version` is given) comes from: its definition, the arithmetic
/// with the map's numbers, and the steps behind it with their values, provenance and
/// `vsm analyze --explain STEP` text.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/explain/{metric}",
    tag = "streams",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("metric" = String, Path, description = "`lead_time`, `process_time`, `activity_ratio` or `rolled_complete_accurate`"),
        ("version" = Option<i64>, Query, description = "The version's number; the latest when absent"),
    ),
    responses(
        (status = 200, description = "The number explained", body = Object),
        (status = 404, body = ErrorBody, description = "No such stream or headline number"),
    )
)]
pub async fn explain(
    State(app): State<App>,
    caller: Caller,
    Path((stream, metric)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Result<Response, ApiError> {
    let (_, loaded, numbers) = analyzed(&app, &caller, &stream, which.version).await?;
    let explanation = explained(&loaded, &metric)?;
    Ok(answer(
        vsm_render::json::to_string(&explanation),
        numbers.estimated(),
    ))
}

/// The explanation of `metric` for a loaded map; 404 for a metric that is not a headline number.
pub fn explained(
    loaded: &vsm_app::Loaded,
    metric: &str,
) -> Result<crate::explain::Explanation, ApiError> {
    crate::explain::explain(
        &loaded.stream,
        &loaded.analysis,
        &loaded.provenance(),
        loaded.measured.as_ref().map(|m| &m.measurement),
        metric,
    )
    .map_err(ApiError::not_found)
}

/// The most items a step's items page and JSON list: the first ones, with the count of all.
pub const MOST_ITEMS: usize = 200;

/// The items behind a measured step's numbers, as `vsm measure MAP --explain STEP` lists
/// them (the first [`MOST_ITEMS`]), or why there are none.
pub fn step_items<'a>(
    loaded: &'a vsm_app::Loaded,
    numbers: &Numbers,
    step: &str,
) -> Result<vsm_render::measure::ExplainReport<'a>, ApiError> {
    let unprocessable = |message: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message);
    let Some(measured) = &loaded.measured else {
        return Err(unprocessable(match numbers {
            Numbers::Waiting(note) => format!(
                "no item is behind the numbers of `{}` yet: {note}",
                vsm_core::diagnostic::shorten(step)
            ),
            _ => "the map measures nothing (it has no `measure:`), so no item is behind its numbers; its numbers are its estimates".to_string(),
        }));
    };
    vsm_render::measure::explain_report(&loaded.stream, &measured.measurement, step, MOST_ITEMS)
        .map_err(|error| match error {
            vsm_render::measure::ExplainError::NoStep { .. } => {
                ApiError::not_found(error.to_string())
            }
            vsm_render::measure::ExplainError::NotMeasured { .. } => {
                unprocessable(error.to_string())
            }
        })
}

/// The items behind one measured step's numbers (the first 200, with the count of all): each
/// item's entry, first start, last end, visits, wait, process and rework, and the events that
/// started and ended it, as `vsm measure MAP --explain STEP --format json` lists them.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/steps/{step}/items",
    tag = "streams",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("step" = String, Path, description = "The step's id"),
        ("version" = Option<i64>, Query, description = "The version's number; the latest when absent"),
    ),
    responses(
        (status = 200, description = "The items, as `vsm measure MAP --explain STEP --format json` lists them, with `total`", body = Object),
        (status = 404, body = ErrorBody, description = "No such stream or step"),
        (status = 422, body = ErrorBody, description = "The step's numbers are not measured (no `measure:`, or no delivery yet)"),
    )
)]
pub async fn items(
    State(app): State<App>,
    caller: Caller,
    Path((stream, step)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Result<Response, ApiError> {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        #[serde(flatten)]
        report: vsm_render::measure::ExplainReport<'a>,
        /// How many items entered the step; `items` lists the first `shown`.
        total: usize,
        shown: usize,
    }
    let (_, loaded, numbers) = analyzed(&app, &caller, &stream, which.version).await?;
    let report = step_items(&loaded, &numbers, &step)?;
    let body = Body {
        total: report.total,
        shown: report.items.len(),
        report,
    };
    Ok(typed(
        vsm_render::json::to_string(&body),
        "application/json",
    ))
}
