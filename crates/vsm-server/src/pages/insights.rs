//! A stream's pages beyond its map: the plan as a board by status (moving an improvement saves
//! a version), the trends of its headline numbers over its versions, its simulation, and the
//! explanation of each headline number. Each is also JSON under `/api` ([`crate::api::insights`]).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Me, Tabs, VersionRow, Which, error_page, render};
use crate::api::insights::{self as api, Move};
use crate::api::{ApiError, time};
use crate::auth::Caller;
use crate::board::Board;
use crate::explain::Explanation;
use crate::simulation::Simulation;
use crate::store::Role;
use crate::{App, trends};

/// Said on a page whose map measures from an event log.
const ESTIMATED: &str = "Shown from the map's estimates: the map measures its numbers from an event log (`measure:`), and the server keeps no event logs yet.";

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage<'a> {
    me: Me<'a>,
    id: &'a str,
    tabs: Tabs<'a>,
    board: Board,
    today: String,
    /// Editors see the buttons that move a card.
    can_move: bool,
    note: Option<&'static str>,
}

pub async fn plan(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Response {
    let today = api::today();
    let (board, role) = match api::plan_of(&app, &caller, &id, today).await {
        Ok(found) => found,
        Err(error) => return error_page(&caller, &error),
    };
    let can_move = role >= Role::Editor;
    let note = if board.truncated {
        Some(
            "This stream has more versions than the board reads: a target's start is its value in the oldest version read that has its improvement.",
        )
    } else if board.estimated {
        Some(ESTIMATED)
    } else {
        None
    };
    render(&PlanPage {
        me: Me::of(&caller),
        id: &id,
        tabs: Tabs::new(&id, "plan", board.version),
        today: today.to_string(),
        can_move,
        note,
        board,
    })
}

/// The board's form: move `improvement` to `status`, decided on `version`.
#[derive(Debug, Deserialize)]
pub struct MoveForm {
    improvement: String,
    status: String,
    version: Option<i64>,
}

pub async fn move_improvement(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    let to = Move {
        status: form.status,
        version: form.version,
    };
    match api::moved(&app, &caller, &id, &form.improvement, &to).await {
        Ok(_) => Redirect::to(&format!(
            "/streams/{id}/plan#card-{}",
            crate::auth::percent_encode(&form.improvement)
        ))
        .into_response(),
        Err(error) => error_page(&caller, &error),
    }
}

#[derive(Template)]
#[template(path = "trends.html")]
struct TrendsPage<'a> {
    me: Me<'a>,
    id: &'a str,
    tabs: Tabs<'a>,
    trends: trends::Trends,
    /// The versions, newest first.
    versions: Vec<VersionRow>,
    /// The first and last versions' times.
    span: Option<(String, String)>,
    note: Option<&'static str>,
}

pub async fn trends(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Response {
    let (versions, truncated, _) =
        match api::history(&app, &caller, &id, trends::MOST_VERSIONS).await {
            Ok(found) => found,
            Err(error) => return error_page(&caller, &error),
        };
    let stream = id.clone();
    let trends = match crate::api::blocking(move || trends::of(&stream, versions, truncated)).await
    {
        Ok(trends) => trends,
        Err(error) => return error_page(&caller, &error),
    };
    let span = trends
        .versions
        .first()
        .zip(trends.versions.last())
        .map(|(a, b)| (time(a.created_at), time(b.created_at)));
    let note = trends.estimated.then_some(ESTIMATED);
    let versions = trends
        .versions
        .iter()
        .rev()
        .map(|v| VersionRow::of(v.clone()))
        .collect();
    render(&TrendsPage {
        versions,
        me: Me::of(&caller),
        id: &id,
        tabs: Tabs::new(
            &id,
            "trends",
            trends.versions.last().map_or(1, |v| v.number),
        ),
        span,
        note,
        trends,
    })
}

#[derive(Template)]
#[template(path = "simulate.html")]
struct SimulatePage<'a> {
    me: Me<'a>,
    id: &'a str,
    name: String,
    tabs: Tabs<'a>,
    version: i64,
    simulation: Result<Simulation, String>,
    note: Option<&'static str>,
}

pub async fn simulate(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Response {
    let (version, loaded, estimated) = match api::analyzed(&app, &caller, &id, None).await {
        Ok(found) => found,
        Err(error) => return error_page(&caller, &error),
    };
    let name = loaded.stream.name.clone();
    let simulation = match api::simulate(&app, loaded).await {
        Ok(simulation) => Ok(simulation),
        Err(error) if error.status == StatusCode::UNPROCESSABLE_ENTITY => Err(error.message),
        Err(error) => return error_page(&caller, &error),
    };
    render(&SimulatePage {
        me: Me::of(&caller),
        id: &id,
        name,
        tabs: Tabs::new(&id, "simulate", version.info.number),
        version: version.info.number,
        simulation,
        note: estimated.then_some(ESTIMATED),
    })
}

#[derive(Template)]
#[template(path = "explain.html")]
struct ExplainPage<'a> {
    me: Me<'a>,
    id: &'a str,
    name: String,
    tabs: Tabs<'a>,
    version: i64,
    explanation: Explanation,
    /// The other headline numbers, as (metric, title).
    others: Vec<(&'static str, &'static str)>,
    note: Option<&'static str>,
}

pub async fn explain(
    State(app): State<App>,
    caller: Caller,
    Path((id, metric)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Response {
    let explained = async {
        let (version, loaded, estimated) = api::analyzed(&app, &caller, &id, which.version).await?;
        let explanation = api::explained(&loaded, &metric)?;
        Ok::<_, ApiError>((version, loaded.stream.name.clone(), explanation, estimated))
    };
    let (version, name, explanation, estimated) = match explained.await {
        Ok(found) => found,
        Err(error) => return error_page(&caller, &error),
    };
    render(&ExplainPage {
        me: Me::of(&caller),
        id: &id,
        name,
        tabs: Tabs::new(&id, "map", version.info.number),
        version: version.info.number,
        others: crate::explain::METRICS
            .into_iter()
            .filter(|(metric, _)| *metric != explanation.metric)
            .collect(),
        explanation,
        note: estimated.then_some(ESTIMATED),
    })
}
