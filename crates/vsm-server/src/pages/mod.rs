//! The pages, rendered on the server (askama) with nothing from elsewhere: the
//! list of value streams with their headline numbers and lead time sparklines, a stream's map
//! (the SVG renderer) and summary, its versions, the comparison of two versions (the
//! `vsm compare` HTML), its plan, trends, simulation and explained numbers (`insights`), and
//! the page that makes API tokens; and the workshop editor (`editor`), the one page with a
//! script.

mod editor;
mod insights;
mod new_map;
mod pulls;

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use vsm_app::Loaded;

use crate::api::{ApiError, time};
use crate::auth::Caller;
use crate::map::{self, Problem};
use crate::routes::Table;
use crate::store::Role;
use crate::{App, api};

pub fn routes(table: Table) -> Table {
    table
        .protected(Method::GET, "/", streams)
        .protected(Method::GET, "/streams/{stream}", stream)
        .protected(Method::GET, "/streams/{stream}/edit", editor::editor)
        .protected(Method::GET, "/streams/{stream}/versions", versions)
        .protected(Method::GET, "/streams/{stream}/compare", compare)
        .protected(
            Method::GET,
            "/streams/{stream}/compare/current",
            compare_current,
        )
        .protected(Method::GET, "/streams/{stream}/plan", insights::plan)
        .protected(
            Method::POST,
            "/streams/{stream}/plan",
            insights::move_improvement,
        )
        .protected(Method::GET, "/streams/{stream}/trends", insights::trends)
        .protected(
            Method::GET,
            "/streams/{stream}/simulate",
            insights::simulate,
        )
        .protected(
            Method::GET,
            "/streams/{stream}/explain/{metric}",
            insights::explain,
        )
        .protected(
            Method::GET,
            "/streams/{stream}/steps/{step}/items",
            insights::items,
        )
        .protected(Method::POST, "/streams", new_map::create)
        .protected(Method::GET, "/tokens", tokens)
        .protected(Method::POST, "/tokens", make_token)
}

/// The signed-in person, for the navigation bar.
struct Me<'a> {
    user: &'a str,
    admin: bool,
    csrf: &'a str,
}

impl<'a> Me<'a> {
    fn of(caller: &'a Caller) -> Self {
        Me {
            user: &caller.user.name,
            admin: caller.user.admin,
            csrf: caller.csrf(),
        }
    }
}

/// The links between a stream's pages, the one shown marked.
struct Tabs<'a> {
    id: &'a str,
    /// `map`, `edit`, `plan`, `trends`, `simulate`, `versions`.
    current: &'static str,
    /// The version the page shows: compare starts from the one before it.
    version: i64,
}

impl<'a> Tabs<'a> {
    fn new(id: &'a str, current: &'static str, version: i64) -> Self {
        Tabs {
            id,
            current,
            version,
        }
    }

    /// The pages, each with its address and whether it is the one shown.
    fn links(&self) -> Vec<Link> {
        let id = self.id;
        let compare = if self.version > 1 {
            format!(
                "/streams/{id}/compare?from={}&to={}",
                self.version - 1,
                self.version
            )
        } else {
            format!("/streams/{id}/versions")
        };
        [
            ("map", "Map", format!("/streams/{id}")),
            ("edit", "Editor", format!("/streams/{id}/edit")),
            ("plan", "Plan", format!("/streams/{id}/plan")),
            ("trends", "Trends", format!("/streams/{id}/trends")),
            ("simulate", "Simulate", format!("/streams/{id}/simulate")),
            ("versions", "Versions", format!("/streams/{id}/versions")),
            ("compare", "Compare", compare),
        ]
        .into_iter()
        .map(|(key, title, href)| Link {
            title,
            href,
            current: key == self.current,
        })
        .collect()
    }
}

/// A link of [`Tabs`].
struct Link {
    title: &'static str,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    me: Me<'a>,
    title: &'a str,
    message: &'a str,
}

fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "a page did not render");
            (StatusCode::INTERNAL_SERVER_ERROR, "the page did not render").into_response()
        }
    }
}

/// An API error as a page.
fn error_page(caller: &Caller, error: &ApiError) -> Response {
    let title = error.status.canonical_reason().unwrap_or("Error");
    let message = if error.body.is_some() {
        "the map has errors; see them with `vsm validate`"
    } else {
        &error.message
    };
    let mut response = render(&ErrorPage {
        me: Me::of(caller),
        title,
        message,
    });
    *response.status_mut() = error.status;
    response
}

/// The numbers a stream is known by.
struct Headline {
    lead_time: String,
    process_time: String,
    activity_ratio: String,
    rolled_ca: String,
    steps: usize,
}

impl Headline {
    /// The headline numbers, their durations told in the days the map counts (as its report).
    fn of(loaded: &Loaded) -> Self {
        let summary = &loaded.analysis.summary;
        let (lead_time, process_time) = loaded
            .stream
            .told(|| (summary.lead_time.human(), summary.process_time.human()));
        Headline {
            lead_time,
            process_time,
            activity_ratio: vsm_core::format_percent(summary.activity_ratio_percent),
            rolled_ca: vsm_core::format_percent(summary.rolled_complete_accurate_percent),
            steps: loaded.stream.steps.len(),
        }
    }
}

/// The map analyzed for a page, read once: measured from the stream's deliveries as `vsm
/// analyze` would from a log, or from its estimates, with a note saying which and why.
fn analyzed(
    stream: &str,
    yaml: &str,
    events: &crate::events::Current,
) -> (Option<Arc<Loaded>>, Option<String>) {
    match map::measured(stream, yaml, events) {
        Ok((loaded, numbers)) => (Some(loaded), numbers.note().map(str::to_string)),
        Err(Problem::Other(why)) => (None, Some(why)),
        Err(Problem::Invalid(_)) => (
            None,
            Some("the map has errors; see them with `vsm validate`".into()),
        ),
    }
}

/// The stream's event store for a page; when it cannot be brought up to date, a note on the
/// page says so and the numbers come from what the cache held (or the estimates).
async fn events_of(
    app: &App,
    caller: &Caller,
    stream: &str,
) -> (crate::events::Current, Option<String>) {
    match api::current_events(app, caller, stream).await {
        Ok(current) => (current, None),
        Err(error) => (crate::events::Current::default(), Some(error.message)),
    }
}

struct Row {
    id: String,
    name: String,
    version: i64,
    updated: String,
    by: String,
    headline: Option<Headline>,
    note: String,
    /// The lead time over the latest versions, as inline SVG (empty with fewer than two).
    sparkline: String,
}

#[derive(Template)]
#[template(path = "streams.html")]
struct StreamsPage<'a> {
    me: Me<'a>,
    rows: Vec<Row>,
    /// Why a new map was not made, with what was asked.
    problem: Option<String>,
    asked: new_map::NewMap,
}

async fn streams(State(app): State<App>, caller: Caller) -> Response {
    streams_page(&app, &caller, None, new_map::NewMap::default()).await
}

/// The streams page, with why a new map was not made (and what was asked) when it was not.
async fn streams_page(
    app: &App,
    caller: &Caller,
    problem: Option<String>,
    asked: new_map::NewMap,
) -> Response {
    let (app, caller) = (app.clone(), caller.clone());
    let list = match api::visible(&app, &caller).await {
        Ok(list) => list,
        Err(error) => return error_page(&caller, &error),
    };
    let mut rows = Vec::new();
    for (stream, _) in list {
        let recent = match app
            .store
            .recent_versions(&stream.id, crate::trends::SPARKLINE_VERSIONS)
            .await
        {
            Ok(recent) if !recent.is_empty() => recent,
            Ok(_) => continue,
            Err(error) => return error_page(&caller, &error.into()),
        };
        let id = stream.id.clone();
        let (mut events, trouble) = events_of(&app, &caller, &id).await;
        // The last numbers known will do: the list does not wait for every stream's measurement.
        events.wanted = crate::measurements::Wanted::Known;
        let (loaded, note, sparkline) = tokio::task::spawn_blocking(move || {
            let (loaded, note) = analyzed(&id, &recent[0].yaml, &events);
            (loaded, note, lead_time_sparkline(&id, recent, &events))
        })
        .await
        .unwrap_or((None, Some("the analysis failed".into()), String::new()));
        let note = trouble.or(note);
        rows.push(Row {
            headline: loaded.as_deref().map(Headline::of),
            note: note.unwrap_or_default(),
            id: stream.id,
            name: stream.name,
            version: stream.latest,
            updated: time(stream.updated_at),
            by: stream.updated_by,
            sparkline,
        });
    }
    render(&StreamsPage {
        me: Me::of(&caller),
        rows,
        problem,
        asked,
    })
}

/// The lead time over `newest_first` versions as a sparkline, said in the latest map's days, the
/// latest point as the row's headline (measured from `events` when the map measures).
fn lead_time_sparkline(
    stream: &str,
    newest_first: Vec<crate::store::Version>,
    events: &crate::events::Current,
) -> String {
    if newest_first.len() < 2 {
        return String::new();
    }
    let trends = crate::trends::of(stream, newest_first, false, events);
    let (Some((_, values)), Some(Some((first, last)))) =
        (trends.series.first(), trends.said.first())
    else {
        return String::new();
    };
    let (from, to) = (
        trends.versions.first().map_or(0, |v| v.number),
        trends.versions.last().map_or(0, |v| v.number),
    );
    crate::trends::sparkline(
        values,
        &format!("Lead time over versions {from} to {to}: {first} to {last}"),
    )
}

struct BottleneckRow {
    id: String,
    step: String,
    why: String,
}

#[derive(Template)]
#[template(path = "stream.html")]
struct StreamPage<'a> {
    me: Me<'a>,
    id: &'a str,
    name: &'a str,
    version: i64,
    updated: String,
    by: &'a str,
    message: &'a str,
    role: &'static str,
    note: Option<String>,
    headline: Option<Headline>,
    svg: String,
    bottlenecks: Vec<BottleneckRow>,
    tabs: Tabs<'a>,
    dora: Option<Dora>,
    pulls: Vec<pulls::PullRow>,
    /// The current state this map extends, when the caller can view it.
    base: Option<String>,
    /// The future states of this stream the caller can view: (id, name).
    futures: Vec<(String, String)>,
}

/// The DORA section of a stream's page, when its map has a `dora:` section: the figures of the
/// 90 days up to today (as `vsm dora`), or why there are none.
struct Dora {
    section: Option<vsm_render::dora::HtmlSection>,
    note: Option<String>,
}

impl Dora {
    fn of(stream: &str, yaml: &str, events: &crate::events::Current) -> Option<Dora> {
        let window = crate::dora::Window::default();
        match crate::dora::figures(stream, yaml, events, &window, jiff::Timestamp::now()) {
            Ok((report, note)) => Some(Dora {
                section: Some(vsm_render::dora::html_section(
                    "the stream's webhook deliveries",
                    &report,
                )),
                note,
            }),
            Err(crate::dora::NoFigures::NotAsked) => None,
            Err(crate::dora::NoFigures::NoDeliveries(why)) => Some(Dora {
                section: None,
                note: Some(why),
            }),
            Err(crate::dora::NoFigures::Problem(Problem::Other(why))) => Some(Dora {
                section: None,
                note: Some(why),
            }),
            Err(crate::dora::NoFigures::Problem(Problem::Invalid(_))) => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct Which {
    version: Option<i64>,
}

async fn stream(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(which): Query<Which>,
) -> Response {
    let (version, role) = match api::streams_read(&app, &caller, &id, which.version).await {
        Ok(read) => read,
        Err(error) => return error_page(&caller, &error),
    };
    let (stream_id, yaml) = (id.clone(), version.yaml.clone());
    let (events, trouble) = events_of(&app, &caller, &id).await;
    let (loaded, note, dora) = tokio::task::spawn_blocking(move || {
        let (loaded, note) = analyzed(&stream_id, &yaml, &events);
        let dora = Dora::of(&stream_id, &yaml, &events);
        (loaded, note, dora)
    })
    .await
    .unwrap_or((None, Some("the analysis failed".into()), None));
    let note = trouble.or(note);
    let name = loaded
        .as_ref()
        .map_or_else(|| id.clone(), |l| l.stream.name.clone());
    let bottlenecks = loaded.as_ref().map_or_else(Vec::new, |l| {
        l.analysis
            .bottlenecks
            .iter()
            .take(5)
            .map(|b| BottleneckRow {
                id: l.stream.steps[b.step].id.clone(),
                step: l.stream.steps[b.step].name.clone(),
                why: b
                    .reasons
                    .iter()
                    .map(|r| r.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect()
    });
    render(&StreamPage {
        me: Me::of(&caller),
        id: &id,
        name: &name,
        version: version.info.number,
        updated: time(version.info.created_at),
        by: &version.info.author,
        message: &version.info.message,
        role: role.as_str(),
        note,
        headline: loaded.as_deref().map(Headline::of),
        svg: loaded
            .as_ref()
            .map(|l| vsm_render::svg(&l.stream, &l.analysis))
            .unwrap_or_default(),
        bottlenecks,
        tabs: Tabs::new(&id, "map", version.info.number),
        dora,
        pulls: pulls::rows(&app, &id).await,
        base: crate::future::viewable_base(&app, &caller, &version.yaml).await,
        futures: crate::future::futures(&app, &caller, &id)
            .await
            .unwrap_or_default(),
    })
}

struct VersionRow {
    number: i64,
    created_at: String,
    author: String,
    message: String,
    size: i64,
}

impl VersionRow {
    fn of(v: crate::store::VersionInfo) -> Self {
        VersionRow {
            number: v.number,
            created_at: time(v.created_at),
            author: v.author,
            message: v.message,
            size: v.size,
        }
    }
}

#[derive(Template)]
#[template(path = "versions.html")]
struct VersionsPage<'a> {
    me: Me<'a>,
    id: &'a str,
    name: &'a str,
    versions: Vec<VersionRow>,
    tabs: Tabs<'a>,
}

async fn versions(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> Response {
    if let Err(error) = caller.require(&app, &id, Role::Viewer).await {
        return error_page(&caller, &error);
    }
    let (stream, versions) = match (app.store.stream(&id).await, app.store.versions(&id).await) {
        (Ok(Some(stream)), Ok(versions)) => (stream, versions),
        (Err(error), _) | (_, Err(error)) => return error_page(&caller, &error.into()),
        (Ok(None), _) => {
            return error_page(
                &caller,
                &ApiError::not_found(format!("there is no value stream `{id}`")),
            );
        }
    };
    render(&VersionsPage {
        me: Me::of(&caller),
        id: &id,
        tabs: Tabs::new(&id, "versions", stream.latest),
        name: &stream.name,
        versions: versions.into_iter().map(VersionRow::of).collect(),
    })
}

#[derive(Debug, Deserialize)]
struct Pair {
    from: i64,
    to: i64,
}

/// Two versions side by side: the HTML `vsm compare --format html` writes.
async fn compare(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(pair): Query<Pair>,
) -> Response {
    let stream = id.clone();
    let (before, _) = match api::streams_read(&app, &caller, &id, Some(pair.from)).await {
        Ok(read) => read,
        Err(error) => return error_page(&caller, &error),
    };
    let after = match api::version_of(&app, &id, Some(pair.to)).await {
        Ok(version) => version,
        Err(error) => return error_page(&caller, &error),
    };
    let (events, _) = events_of(&app, &caller, &id).await;
    let html = tokio::task::spawn_blocking(move || {
        let (Some(b), _) = analyzed(&id, &before.yaml, &events) else {
            return Err(format!("version {} cannot be analyzed", before.info.number));
        };
        let (Some(a), _) = analyzed(&id, &after.yaml, &events) else {
            return Err(format!("version {} cannot be analyzed", after.info.number));
        };
        let html = vsm_render::compare::render(side(&b), side(&a), vsm_render::Format::Html)
            .ok_or_else(|| "compare writes no HTML".to_string())?;
        let statuses = ImprovementChanges::of(&b.stream, &a.stream, pair.from, pair.to)
            .render()
            .unwrap_or_default();
        Ok(match html.rfind("</body>") {
            Some(at) => format!("{}{statuses}\n{}", &html[..at], &html[at..]),
            None => html + &statuses,
        })
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match html {
        Ok(html) => Html(with_tabs(html, &Tabs::new(&stream, "compare", pair.to))).into_response(),
        Err(message) => error_page(
            &caller,
            &ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message),
        ),
    }
}

/// A future state beside the current state it extends: the HTML `vsm compare CURRENT FUTURE
/// --format html` writes.
async fn compare_current(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    let compared = match crate::future::compared(&app, &caller, &id).await {
        Ok(compared) => compared,
        Err(error) => return error_page(&caller, &error),
    };
    let version = compared.version;
    match api::blocking(move || compared.render(vsm_render::Format::Html)).await {
        Ok(Some(html)) => {
            Html(with_tabs(html, &Tabs::new(&id, "compare", version))).into_response()
        }
        Ok(None) => error_page(
            &caller,
            &ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "compare writes no HTML".to_string(),
            ),
        ),
        Err(error) => error_page(&caller, &error),
    }
}

#[derive(Template)]
#[template(path = "tabs.html")]
struct TabsOnly<'a> {
    tabs: &'a Tabs<'a>,
}

/// `vsm compare`'s page with the links to the stream's other pages on top (in the page's own
/// style: the server's style sheet is not loaded there).
fn with_tabs(html: String, tabs: &Tabs<'_>) -> String {
    let Ok(bar) = (TabsOnly { tabs }).render() else {
        return html;
    };
    match html.find("<body>\n") {
        Some(at) => {
            let at = at + "<body>\n".len();
            format!(
                "{}<style>.vsm-tabs, .vsm-tabs nav {{ display: flex; gap: 1rem; align-items: baseline; }} .vsm-tabs {{ margin-bottom: 1rem; font-size: 14px; }} .vsm-tabs a[aria-current=page] {{ font-weight: 600; text-decoration: none; color: inherit; }}</style><div class=\"vsm-tabs\"><a href=\"/\"><strong>vsm</strong></a>{bar}</div>\n{}",
                &html[..at],
                &html[at..]
            )
        }
        None => html,
    }
}

/// How the improvements' statuses changed between two versions of a map: added, removed, or
/// moved on the plan (the comparison above shows the numbers, not the plan).
#[derive(Template)]
#[template(path = "compare_improvements.html")]
struct ImprovementChanges {
    from: i64,
    to: i64,
    changes: Vec<ImprovementChange>,
    /// Improvements in both versions with the same status.
    unchanged: usize,
}

struct ImprovementChange {
    id: String,
    action: String,
    step: String,
    before: String,
    after: String,
}

impl ImprovementChanges {
    fn of(
        before: &vsm_core::ValueStream,
        after: &vsm_core::ValueStream,
        from: i64,
        to: i64,
    ) -> Self {
        let status = |stream: &vsm_core::ValueStream, id: &str| {
            stream
                .improvements
                .iter()
                .find(|i| i.id == id)
                .map(|i| i.status.as_str().replace('_', " "))
        };
        let mut seen = std::collections::BTreeSet::new();
        let (mut changes, mut unchanged) = (Vec::new(), 0);
        for (stream, improvement) in after
            .improvements
            .iter()
            .map(|i| (after, i))
            .chain(before.improvements.iter().map(|i| (before, i)))
        {
            if !seen.insert(improvement.id.as_str()) {
                continue;
            }
            let was = status(before, &improvement.id);
            let is = status(after, &improvement.id);
            if was == is {
                unchanged += 1;
                continue;
            }
            changes.push(ImprovementChange {
                id: improvement.id.clone(),
                action: improvement.action.clone(),
                step: stream
                    .steps
                    .get(improvement.step)
                    .map_or_else(String::new, |s| s.name.clone()),
                before: was.unwrap_or_else(|| "not in the map".into()),
                after: is.unwrap_or_else(|| "removed".into()),
            });
        }
        ImprovementChanges {
            from,
            to,
            changes,
            unchanged,
        }
    }
}

/// One side of a comparison: the map and its analysis, not simulated.
pub(crate) fn side(l: &Loaded) -> vsm_render::compare::Side<'_> {
    vsm_render::compare::Side {
        stream: &l.stream,
        analysis: &l.analysis,
        simulated: None,
    }
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage<'a> {
    me: Me<'a>,
    token: Option<String>,
    token_name: String,
    problem: Option<String>,
}

async fn tokens(caller: Caller) -> Response {
    render(&TokensPage {
        me: Me::of(&caller),
        token: None,
        token_name: String::new(),
        problem: None,
    })
}

#[derive(Debug, Deserialize)]
struct NewToken {
    name: String,
}

async fn make_token(
    State(app): State<App>,
    caller: Caller,
    Form(form): Form<NewToken>,
) -> Response {
    let made = crate::accounts::add_token(app.store.as_ref(), &caller.user, &form.name).await;
    let (token, problem) = match made {
        Ok(token) => (Some(token), None),
        Err(error) => (None, Some(ApiError::from(error).message)),
    };
    let mut response = render(&TokensPage {
        me: Me::of(&caller),
        token,
        token_name: form.name.trim().to_string(),
        problem,
    });
    // A page with a secret on it is not kept by caches or the back button.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
