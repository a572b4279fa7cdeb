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
    note: Option<String>,
    /// The note says where measured numbers come from, not a problem.
    measured: bool,
}

pub async fn plan(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Response {
    let today = api::today();
    let (board, role) = match api::plan_of(&app, &caller, &id, today).await {
        Ok(found) => found,
        Err(error) => return error_page(&caller, &error),
    };
    let can_move = role >= Role::Editor;
    let truncated = board.truncated.then_some(
        "This stream has more versions than the board reads: a target's start is its value in the oldest version read that has its improvement.",
    );
    let note = [board.numbers.note(), truncated]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let note = (!note.is_empty()).then(|| note.join(" "));
    render(&PlanPage {
        me: Me::of(&caller),
        id: &id,
        tabs: Tabs::new(&id, "plan", board.version),
        today: today.to_string(),
        can_move,
        note,
        measured: board.numbers.measured() && !board.truncated,
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
    note: Option<String>,
    /// The note says where measured numbers come from, not a problem.
    measured: bool,
}

pub async fn trends(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Response {
    let (versions, truncated, _) =
        match api::history(&app, &caller, &id, trends::MOST_VERSIONS).await {
            Ok(found) => found,
            Err(error) => return error_page(&caller, &error),
        };
    let (events, trouble) = super::events_of(&app, &caller, &id).await;
    let stream = id.clone();
    let trends =
        match crate::api::blocking(move || trends::of(&stream, versions, truncated, &events)).await
        {
            Ok(trends) => trends,
            Err(error) => return error_page(&caller, &error),
        };
    let span = trends
        .versions
        .first()
        .zip(trends.versions.last())
        .map(|(a, b)| (time(a.created_at), time(b.created_at)));
    let earlier = "Earlier versions that measure (`measure:`) are charted from their maps' estimates: the deliveries tell how the work goes now, not how it went when a version was saved.";
    let note = match (&trends.note, trends.estimated && trends.measured.is_some()) {
        (Some(note), true) => Some(format!("The latest version: {note} {earlier}")),
        (Some(note), false) => Some(note.clone()),
        (None, _) if trends.estimated => Some(earlier.to_string()),
        (None, _) => None,
    };
    let measured = trouble.is_none() && trends.measured.is_some();
    let note = trouble.or(note);
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
        measured,
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
    note: Option<String>,
    /// The note says where measured numbers come from, not a problem.
    measured: bool,
}

pub async fn simulate(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Response {
    let (version, loaded, numbers) = match api::analyzed(&app, &caller, &id, None).await {
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
        note: numbers.note().map(str::to_string),
        measured: numbers.measured(),
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
    note: Option<String>,
    /// The note says where measured numbers come from, not a problem.
    measured: bool,
}

pub async fn explain(
    State(app): State<App>,
    caller: Caller,
    Path((id, metric)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Response {
    let explained = async {
        let (version, loaded, numbers) = api::analyzed(&app, &caller, &id, which.version).await?;
        let explanation = api::explained(&loaded, &metric)?;
        Ok::<_, ApiError>((version, loaded.stream.name.clone(), explanation, numbers))
    };
    let (version, name, explanation, numbers) = match explained.await {
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
        note: numbers.note().map(str::to_string),
        measured: numbers.measured(),
    })
}

/// An item's passage through a step, told for people.
struct ItemRow {
    item: String,
    entered: String,
    first_start: String,
    /// `(in progress)` or `(abandoned)` while it has not left the step.
    last_end: String,
    visits: u32,
    wait: String,
    process: String,
    rework: String,
    wait_from: &'static str,
    came_back: bool,
    /// `yes`, `abandoned` or `in progress`.
    counted: &'static str,
    /// The events that started and ended it, with the objects they came through.
    events: String,
}

impl ItemRow {
    fn of(item: &vsm_render::measure::ExplainedItem<'_>) -> Self {
        let human = |seconds: f64| vsm_core::Duration::from_secs_f64(seconds.max(0.0)).human();
        let source = |source: &vsm_render::measure::SourceReport<'_>| match &source.object {
            Some(object) if object.id != item.item => {
                format!("{} {} ({})", source.activity, object.id, object.kind)
            }
            _ => source.activity.to_string(),
        };
        let mut events = format!("start {}", source(&item.started_by));
        if let Some(ended) = &item.ended_by {
            events.push_str(" · end ");
            events.push_str(&source(ended));
        }
        let (counted, open) = match (item.counted, item.abandoned) {
            (true, _) => ("yes", ""),
            (false, true) => ("abandoned", "(abandoned)"),
            (false, false) => ("in progress", "(in progress)"),
        };
        ItemRow {
            item: item.item.to_string(),
            entered: stamp(&item.entered),
            first_start: stamp(&item.first_start),
            last_end: item
                .last_end
                .as_deref()
                .map_or_else(|| open.to_string(), stamp),
            visits: item.visits,
            wait: human(item.wait_seconds),
            process: item.process_seconds.map_or_else(|| "–".into(), human),
            rework: human(item.rework_seconds),
            wait_from: item.wait_from,
            came_back: item.came_back,
            counted,
            events,
        }
    }
}

/// An RFC 3339 time as the CLI's listing shows it: `2026-11-26 09:30:00` (UTC).
fn stamp(time: &str) -> String {
    time.parse::<jiff::Timestamp>().map_or_else(
        |_| time.to_string(),
        |t| t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

#[derive(Template)]
#[template(path = "items.html")]
struct ItemsPage<'a> {
    me: Me<'a>,
    id: &'a str,
    name: String,
    tabs: Tabs<'a>,
    version: i64,
    step: String,
    step_name: String,
    rows: Vec<ItemRow>,
    total: usize,
    counted: usize,
    in_progress: usize,
    abandoned: usize,
    note: Option<String>,
    /// The note says where measured numbers come from, not a problem.
    measured: bool,
}

/// The items behind a measured step's numbers, as `vsm measure MAP --explain STEP` lists them.
pub async fn items(
    State(app): State<App>,
    caller: Caller,
    Path((id, step)): Path<(String, String)>,
    Query(which): Query<Which>,
) -> Response {
    let (version, loaded, numbers) = match api::analyzed(&app, &caller, &id, which.version).await {
        Ok(found) => found,
        Err(error) => return error_page(&caller, &error),
    };
    let report = match api::step_items(&loaded, &numbers, &step) {
        Ok(report) => report,
        Err(error) => return error_page(&caller, &error),
    };
    let measured = loaded.measured.as_ref().and_then(|m| {
        m.measurement.steps.iter().find(|s| {
            loaded
                .stream
                .steps
                .get(s.step)
                .is_some_and(|s| s.id == step)
        })
    });
    let (counted, abandoned) = measured.map_or((0, 0), |m| {
        (
            m.visited as usize,
            m.items.iter().filter(|r| r.abandoned()).count(),
        )
    });
    let rows = loaded
        .stream
        .told(|| report.items.iter().map(ItemRow::of).collect());
    render(&ItemsPage {
        me: Me::of(&caller),
        id: &id,
        name: loaded.stream.name.clone(),
        tabs: Tabs::new(&id, "map", version.info.number),
        version: version.info.number,
        step: report.step.to_string(),
        step_name: report.name.to_string(),
        total: report.total,
        in_progress: report.total.saturating_sub(counted + abandoned),
        counted,
        abandoned,
        rows,
        note: numbers.note().map(str::to_string),
        measured: numbers.measured(),
    })
}
