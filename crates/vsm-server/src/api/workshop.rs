//! The workshop editor's API: the map being edited (its tree, drawing, numbers and who is
//! there), edits to it as batches of ops with the batch that undoes each, its events as they
//! happen (server-sent events), saving, history, import, export and future states. See
//! [`crate::workshop`] for how edits are kept and shared.

use std::convert::Infallible;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use vsm_core::mapfile::document::{self, Edit, Op};

use super::{ApiError, ErrorBody, blocking, save, time};
use crate::App;
use crate::auth::Caller;
use crate::map;
use crate::store::Role;
use crate::workshop::{EDIT, Event, FOLLOW, State as Doc};

use crate::workshop::STARTER;

/// The map being edited as one person sees it: the map, and who they are and who is there.
fn view(app: &App, caller: &Caller, role: Role, state: &Doc) -> Value {
    let mut view = serde_json::to_value(state).unwrap_or_default();
    view["you"] = json!(caller.user.name);
    view["role"] = json!(role);
    view["people"] = json!(app.workshops.people(&state.stream));
    view
}

/// The map being edited: its tree (what ops edit), its YAML, diagnostics, drawing (the SVG),
/// headline numbers and countermeasures, the caller's role and who has the editor open.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/document",
    tag = "workshop",
    params(("stream" = String, Path, description = "The stream's id")),
    responses(
        (status = 200, description = "The map being edited", body = Object),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The latest version cannot be edited as a tree (a YAML tag, say)"),
    )
)]
pub async fn document(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let role = caller.require(&app, &stream, FOLLOW).await?;
    let state = app.workshops.state(&app, &caller, &stream).await?;
    Ok(Json(view(&app, &caller, role, &state)))
}

/// An edit: ops applied in order, all or none.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditBody {
    /// Ops in their wire form: `{"path": ["steps", 2, "name"], "op": "set", "value": "Deploy", "expect": "Deploy to prod"}`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<Value>,
}

/// What an edit did, with the map after it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Edited {
    /// The edit's number.
    pub seq: i64,
    /// The edit that undoes it: post it as it is (its answer's `undo` redoes).
    #[schema(value_type = Vec<Object>)]
    pub undo: Vec<Value>,
    /// What it overwrote that its author had not seen, and whose change that was.
    #[schema(value_type = Vec<Object>)]
    pub conflicts: Vec<Value>,
    #[schema(value_type = Object)]
    pub view: Value,
}

fn ops(body: &[Value]) -> Result<Vec<Op>, ApiError> {
    body.iter()
        .enumerate()
        .map(|(index, op)| {
            Op::from_json(op).map_err(|e| ApiError::unprocessable(format!("op {index}: {e}")))
        })
        .collect()
}

async fn edited(
    app: &App,
    caller: &Caller,
    role: Role,
    stream: &str,
    ops: &[Op],
) -> Result<Json<Edited>, ApiError> {
    let outcome = app.workshops.edit(app, caller, stream, ops).await?;
    let view = view(app, caller, role, &outcome.state);
    Ok(Json(Edited {
        seq: outcome.seq,
        undo: outcome.undo,
        conflicts: outcome.conflicts,
        view,
    }))
}

/// Edits the map: the later edit wins; `conflicts` says what it overwrote that its author had
/// not seen (the op's `expect`), and whose change that was, who is told too.
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/edits",
    tag = "workshop",
    params(("stream" = String, Path, description = "The stream's id")),
    request_body = EditBody,
    responses(
        (status = 200, body = Edited),
        (status = 403, body = ErrorBody, description = "The caller may only view the stream"),
        (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "The map would be larger than the server takes, or the edit's undo and conflicts 4 times larger: nothing changed"),
        (status = 422, body = ErrorBody, description = "An op is malformed or leads nowhere: nothing changed"),
    )
)]
pub async fn edit(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Json(body): Json<EditBody>,
) -> Result<Json<Edited>, ApiError> {
    let role = caller.require(&app, &stream, EDIT).await?;
    let ops = ops(&body.ops)?;
    edited(&app, &caller, role, &stream, &ops).await
}

/// The map's events as they happen (server-sent events): `view` first (the whole map, as
/// `GET .../document` gives it), then `change` (an edit: seq, author, ops, conflicts, view),
/// `saved` (a version was saved: version, view) and `presence` (people), and `: keep-alive`
/// comments.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/live",
    tag = "workshop",
    params(("stream" = String, Path, description = "The stream's id")),
    responses(
        (status = 200, description = "Server-sent events", content_type = "text/event-stream", body = String),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn live(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Response, ApiError> {
    let role = caller.require(&app, &stream, FOLLOW).await?;
    let events = app.workshops.subscribe(&stream);
    let presence = app.workshops.join(&app, &stream, &caller.user.name);
    let state = app.workshops.state(&app, &caller, &stream).await?;
    let first = sse(
        "view",
        &json!({ "view": view(&app, &caller, role, &state) }),
    );
    let closing = app.workshops.closing();
    let follower = Follower {
        app,
        caller,
        role,
        stream,
        events,
        closing,
        _presence: presence,
        first: Some(first),
    };
    let stream = futures_util::stream::unfold(follower, |mut follower| async move {
        let event = follower.next().await?;
        Some((Ok::<_, Infallible>(event), follower))
    });
    let mut response = Sse::new(stream)
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(15))
                .text("keep-alive"),
        )
        .into_response();
    // Through proxies as it comes, not buffered.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// One open event stream.
struct Follower {
    app: App,
    caller: Caller,
    role: Role,
    stream: String,
    events: tokio::sync::broadcast::Receiver<std::sync::Arc<Event>>,
    closing: tokio::sync::watch::Receiver<bool>,
    _presence: crate::workshop::Presence,
    first: Option<SseEvent>,
}

impl Follower {
    async fn next(&mut self) -> Option<SseEvent> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        if *self.closing.borrow() {
            return None;
        }
        let received = tokio::select! {
            received = self.events.recv() => received,
            _ = self.closing.changed() => return None,
        };
        match received {
            Ok(event) => self.said(&event).await,
            // Fell behind: the whole map again.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                let state = self
                    .app
                    .workshops
                    .state(&self.app, &self.caller, &self.stream)
                    .await
                    .ok()?;
                Some(sse(
                    "view",
                    &json!({ "view": view(&self.app, &self.caller, self.role, &state) }),
                ))
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => None,
        }
    }

    /// `event` as this follower may see it: a map drawn for someone who may view other
    /// streams than they may is drawn again for them. `None` (the stream ends) when that fails,
    /// or when they may no longer follow the stream.
    async fn said(&mut self, event: &Event) -> Option<SseEvent> {
        // The role is read again for each event: someone whose role was taken away since they
        // connected is told nothing more (the stream ends), and a changed role is shown.
        self.role = self
            .caller
            .require(&self.app, &self.stream, FOLLOW)
            .await
            .ok()?;
        let seen = async |state| {
            let state = self
                .app
                .workshops
                .as_seen_by(&self.app, &self.caller, state)
                .await
                .ok()?;
            Some(view(&self.app, &self.caller, self.role, &state))
        };
        Some(match event {
            Event::Change {
                seq,
                author,
                ops,
                conflicts,
                state,
            } => sse(
                "change",
                &json!({"seq": seq, "author": author, "ops": ops, "conflicts": conflicts, "view": seen(state).await?}),
            ),
            Event::Saved { version, state } => sse(
                "saved",
                &json!({"version": version, "view": seen(state).await?}),
            ),
            Event::Presence(people) => sse("presence", &json!({ "people": people })),
            Event::View(state) => sse("view", &json!({ "view": seen(state).await? })),
        })
    }
}

fn sse(name: &str, data: &Value) -> SseEvent {
    SseEvent::default().event(name).data(data.to_string())
}

/// The most bytes a selection takes as JSON.
const MOST_SELECTION: usize = 512;

/// What the caller has selected in the editor.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Selection {
    /// A path in the map's tree (`["steps", 2]`), or null.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub selection: Option<Value>,
}

/// Says what the caller has selected, for the others' editors (send it every 20 s to stay
/// listed without an open event stream).
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/presence",
    tag = "workshop",
    params(("stream" = String, Path, description = "The stream's id")),
    request_body = Selection,
    responses((status = 204, description = "Told"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub async fn presence(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Json(body): Json<Selection>,
) -> Result<StatusCode, ApiError> {
    caller.require(&app, &stream, FOLLOW).await?;
    let selection = body.selection.filter(|s| !s.is_null());
    if let Some(selection) = &selection {
        let path = document::path_from_json(selection)
            .map_err(|e| ApiError::unprocessable(format!("`selection` is a path: {e}")))?;
        // Sent to everyone following, and to the other replicas in a NOTIFY (at most 8000
        // bytes with everyone there): a path into the map, not a payload.
        let size = selection.to_string().len();
        if path.len() > document::MAX_DEPTH || size > MOST_SELECTION {
            return Err(ApiError::unprocessable(format!(
                "`selection` is a path into the map, at most {} steps and {MOST_SELECTION} bytes; this one has {} steps and {size} bytes",
                document::MAX_DEPTH,
                path.len()
            )));
        }
    }
    app.workshops
        .select(&app, &stream, &caller.user.name, selection);
    Ok(StatusCode::NO_CONTENT)
}

/// A version's message.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SaveBody {
    /// The version's message; by default one naming who made the edits.
    #[serde(default)]
    pub message: Option<String>,
}

/// Saves the unsaved edits as a version now (they are saved by themselves once nobody has
/// edited for 20 s and the map is valid).
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/document/save",
    tag = "workshop",
    params(("stream" = String, Path, description = "The stream's id")),
    request_body = SaveBody,
    responses(
        (status = 200, description = "`version` saved (`unchanged`: there was nothing to save)", body = Object),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The map has errors: the edits are kept, not saved"),
    )
)]
pub async fn save_now(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Json(body): Json<SaveBody>,
) -> Result<Json<Value>, ApiError> {
    let role = caller.require(&app, &stream, EDIT).await?;
    let message = body.message.as_deref().filter(|m| !m.trim().is_empty());
    let (saved, state) = app.workshops.save(&app, &caller, &stream, message).await?;
    Ok(Json(json!({
        "version": saved.unwrap_or(state.version),
        "unchanged": saved.is_none(),
        "view": view(&app, &caller, role, &state),
    })))
}

/// Which edits.
#[derive(Debug, Deserialize)]
pub struct After {
    #[serde(default)]
    pub after: i64,
    pub limit: Option<i64>,
}

/// The edits after number `after` (at most `limit`, 200 by default): who changed what, when,
/// and the version that holds each once saved.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/edits",
    tag = "workshop",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("after" = Option<i64>, Query, description = "Edits numbered after this (0: from the first)"),
        ("limit" = Option<i64>, Query, description = "At most this many (1 to 1000, 200 by default)"),
    ),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody))
)]
pub async fn history(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Query(which): Query<After>,
) -> Result<Json<Value>, ApiError> {
    caller.require(&app, &stream, FOLLOW).await?;
    let limit = which.limit.unwrap_or(200).clamp(1, 1000);
    let edits = app
        .store
        .edits(&stream, which.after.max(0), limit, false)
        .await?;
    let listed: Vec<Value> = edits
        .iter()
        .map(|edit| {
            let ops: Value = serde_json::from_str(&edit.ops).unwrap_or(Value::Null);
            let what: Vec<String> = ops
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|op| Op::from_json(op).ok())
                .map(|op| op.to_string())
                .collect();
            json!({
                "seq": edit.seq,
                "author": edit.user,
                "at": time(edit.created_at),
                "ops": ops,
                "what": what.join("; "),
                "conflicts": serde_json::from_str::<Value>(&edit.conflicts).unwrap_or(Value::Null),
                "saved_in": edit.saved_in,
            })
        })
        .collect();
    Ok(Json(json!({ "edits": listed })))
}

/// A map to start from: a file's text, or a template.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportBody {
    /// A map file's text: it must be a valid map.
    #[serde(default)]
    pub yaml: Option<String>,
    /// `empty` or `starter` (see `GET /api/templates`).
    #[serde(default)]
    pub template: Option<String>,
}

/// Replaces the map being edited with a map file or a template, as one edit (undone as one).
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/document/import",
    tag = "workshop",
    params(("stream" = String, Path, description = "The stream's id")),
    request_body = ImportBody,
    responses(
        (status = 200, body = Edited),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Not a valid map file: its diagnostics, as `vsm validate --format json` prints them", body = Object),
    )
)]
pub async fn import(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Json(body): Json<ImportBody>,
) -> Result<Json<Edited>, ApiError> {
    let role = caller.require(&app, &stream, EDIT).await?;
    let current = app.workshops.state(&app, &caller, &stream).await?;
    let tree = match (body.yaml, body.template.as_deref()) {
        (Some(yaml), None) => {
            let bases = crate::future::bases(&app, &caller, &stream, &yaml).await?;
            let (id, text) = (stream.clone(), yaml.clone());
            blocking(move || map::check(&id, &text, &bases)).await??;
            document::tree(&yaml).map_err(|diagnostics| {
                ApiError::unprocessable(
                    diagnostics
                        .iter()
                        .map(|d| d.message.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })?
        }
        (None, Some("starter")) => document::tree(STARTER)
            .map_err(|_| ApiError::unprocessable("the starter template does not read"))?,
        (None, Some("empty")) => crate::workshop::empty(&current.name, &current.tree),
        (None, Some(other)) => {
            return Err(ApiError::unprocessable(format!(
                "there is no template `{}`; the templates are `empty` and `starter`",
                vsm_core::diagnostic::shorten(other)
            )));
        }
        _ => {
            return Err(ApiError::unprocessable(
                "send either `yaml` (a map file's text) or `template` (`empty` or `starter`)",
            ));
        }
    };
    let op = Op {
        path: Vec::new(),
        edit: Edit::Set(tree),
        expect: Some(current.tree.as_ref().clone()),
    };
    edited(&app, &caller, role, &stream, &[op]).await
}

/// Which file.
#[derive(Debug, Deserialize)]
pub struct Format {
    pub format: Option<String>,
}

/// The map being edited as a file: `yaml` (the map file), `svg`, `png` or `mermaid`.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/document/export",
    tag = "workshop",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("format" = Option<String>, Query, description = "`yaml` (the default), `svg`, `png` or `mermaid`"),
    ),
    responses(
        (status = 200, description = "The file, as an attachment", body = String),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "An unknown format, or a picture of a map with errors"),
    )
)]
pub async fn export(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Query(format): Query<Format>,
) -> Result<Response, ApiError> {
    caller.require(&app, &stream, FOLLOW).await?;
    let state = app.workshops.state(&app, &caller, &stream).await?;
    let format = format.format.unwrap_or_else(|| "yaml".into());
    let attachment = |body: Vec<u8>, content_type: &'static str, extension: &str| {
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Ok(value) =
            HeaderValue::from_str(&format!("attachment; filename=\"{stream}.{extension}\""))
        {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        response
    };
    if format == "yaml" {
        return Ok(attachment(
            state.drawing.yaml.clone().into_bytes(),
            "application/yaml; charset=utf-8",
            "yaml",
        ));
    }
    if !["svg", "png", "mermaid"].contains(&format.as_str()) {
        return Err(ApiError::unprocessable(format!(
            "there is no format `{}`; export gives `yaml`, `svg`, `png` or `mermaid`",
            vsm_core::diagnostic::shorten(&format)
        )));
    }
    if !state.drawing.valid {
        return Err(ApiError::unprocessable(
            "the map has errors, so it cannot be drawn yet; fix them (the editor lists them) or export the YAML",
        ));
    }
    let bases = crate::future::bases(&app, &caller, &stream, &state.drawing.yaml).await?;
    let (id, yaml, wanted) = (stream.clone(), state.drawing.yaml.clone(), format.clone());
    let file = blocking(move || -> Result<Vec<u8>, String> {
        let loaded =
            map::drawn(&id, &yaml, &bases).map_err(|_| "the map cannot be drawn".to_string())?;
        Ok(match wanted.as_str() {
            "svg" => vsm_render::svg(&loaded.stream, &loaded.analysis).into_bytes(),
            "png" => {
                vsm_render::png(&loaded.stream, &loaded.analysis).map_err(|e| e.to_string())?
            }
            _ => vsm_render::mermaid(&loaded.stream, &loaded.analysis).into_bytes(),
        })
    })
    .await?
    .map_err(ApiError::unprocessable)?;
    Ok(match format.as_str() {
        "svg" => attachment(file, "image/svg+xml", "svg"),
        "png" => attachment(file, "image/png", "png"),
        _ => attachment(file, "text/plain; charset=utf-8", "mmd"),
    })
}

/// A future state to make from the map being edited.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FutureBody {
    /// The new stream's id.
    #[serde(default)]
    pub id: String,
    /// Its map: an overlay saying `extends: STREAM.yaml` (a countermeasure's, say); by default
    /// one that changes nothing yet.
    #[serde(default)]
    pub overlay: Option<String>,
}

/// Saves the edits, then makes a future state of the map: a new stream whose map extends it
/// (`extends: STREAM.yaml`), of which the caller is the admin.
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/futures",
    tag = "workshop",
    params(("stream" = String, Path, description = "The current state's stream id")),
    request_body = FutureBody,
    responses(
        (status = 201, description = "The new stream", body = Object),
        (status = 400, body = ErrorBody, description = "A bad id"),
        (status = 409, body = ErrorBody, description = "The id is taken"),
        (status = 422, body = ErrorBody, description = "The map being edited has errors, or the overlay does not extend it"),
    )
)]
pub async fn future(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Json(body): Json<FutureBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require(&app, &stream, EDIT).await?;
    let (_, state) = app.workshops.save(&app, &caller, &stream, None).await?;
    let overlay = match body.overlay {
        Some(overlay) => {
            if crate::future::extended(&overlay).as_deref() != Some(stream.as_str()) {
                return Err(ApiError::unprocessable(format!(
                    "the overlay must say `extends: {stream}.yaml` first, to be a future state of `{stream}`"
                )));
            }
            overlay
        }
        None => format!(
            "extends: {stream}.yaml\nname: {}\n",
            serde_json::to_string(&format!("{} (future state)", state.name)).unwrap_or_default()
        ),
    };
    let message = format!("Future state of `{stream}` from the workshop editor");
    let (status, saved) = save(&app, &caller, &body.id, &overlay, &message, true).await?;
    Ok((
        status,
        Json(json!({
            "stream": saved.stream,
            "url": format!("/streams/{}", saved.stream),
            "version": saved.version.number,
        })),
    ))
}

/// The maps the editor can start from.
#[utoipa::path(
    get,
    path = "/api/templates",
    tag = "workshop",
    responses((status = 200, body = Object))
)]
pub async fn templates(State(_): State<App>, _caller: Caller) -> Json<Value> {
    Json(json!({
        "templates": [
            {"id": "empty", "name": "Empty map", "description": "No steps: build it in the workshop, or with the guided mode"},
            {"id": "starter", "name": "Starter: feature delivery", "description": "Four steps from request to production, a rework loop, targets and an improvement"},
        ]
    }))
}
