//! Value streams and their versions: create from a map, save a version, read them back (the
//! map's text byte for byte) and analyze them.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ErrorBody, blocking, time, typed};
use crate::App;
use crate::auth::Caller;
use crate::map;
use crate::store::{NewVersion, Role, StoreError, Stream, VersionInfo};

/// A value stream, as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamBody {
    /// Its id, in URLs.
    pub id: String,
    /// The map's `name:` in its latest version.
    pub name: String,
    pub latest_version: i64,
    /// When the latest version was saved (RFC 3339), and by whom.
    pub updated_at: String,
    pub updated_by: String,
    /// The caller's role on it.
    pub role: Role,
}

impl StreamBody {
    fn of(stream: Stream, role: Role) -> Self {
        StreamBody {
            id: stream.id,
            name: stream.name,
            latest_version: stream.latest,
            updated_at: time(stream.updated_at),
            updated_by: stream.updated_by,
            role,
        }
    }
}

/// A saved version of a map, without its text.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionBody {
    pub number: i64,
    pub author: String,
    /// When it was saved (RFC 3339).
    pub created_at: String,
    pub message: String,
    /// The map's size in bytes.
    pub size: i64,
}

impl From<VersionInfo> for VersionBody {
    fn from(v: VersionInfo) -> Self {
        VersionBody {
            number: v.number,
            author: v.author,
            created_at: time(v.created_at),
            message: v.message,
            size: v.size,
        }
    }
}

/// A version with the map's text.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionWithMap {
    #[serde(flatten)]
    pub version: VersionBody,
    /// The map's text, byte for byte as it was pushed.
    pub yaml: String,
}

/// A new value stream: its id and its first map.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateStream {
    /// Lowercase letters, digits, `-`, `_` and `.`; at most 64.
    pub id: String,
    /// The map file's text (YAML).
    pub yaml: String,
    #[serde(default)]
    pub message: String,
}

/// A new version of a stream's map.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddVersion {
    /// The map file's text (YAML).
    pub yaml: String,
    #[serde(default)]
    pub message: String,
    /// The version the map was edited from: saved only while it is the latest, else refused
    /// with 409 and nothing saved (without it, the map is saved after whatever is the latest).
    #[serde(default)]
    pub version: Option<i64>,
}

/// What a save did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Saved {
    pub stream: String,
    pub version: VersionBody,
    /// True when the map was the latest version's text already: no version was added.
    pub unchanged: bool,
    /// The map's warnings, as `vsm validate --format json` gives them.
    #[schema(value_type = Object)]
    pub warnings: serde_json::Value,
}

/// Which version: the latest when absent.
#[derive(Debug, Deserialize)]
pub struct Which {
    pub version: Option<i64>,
}

/// The most a stream id may hold.
const MAX_ID: usize = 64;

/// An id that names a stream in URLs, or what is wrong with it.
pub fn check_id(id: &str) -> Result<(), ApiError> {
    check_name(id, "a value stream id")
}

/// A name that goes into URLs (a stream's id, a source's name), or what is wrong with it;
/// `what` it is names it in the message.
pub fn check_name(id: &str, what: &str) -> Result<(), ApiError> {
    let fine = !id.is_empty()
        && id.len() <= MAX_ID
        && id.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if fine {
        return Ok(());
    }
    let suggestion: String = id
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .chars()
        .take(MAX_ID)
        .collect();
    let hint = if suggestion.is_empty() {
        String::new()
    } else {
        format!(", e.g. `{suggestion}`")
    };
    Err(ApiError::bad_request(format!(
        "`{}` cannot be {what}: use lowercase letters, digits, `-`, `_` and `.` (at most {MAX_ID}, starting with a letter or digit){hint}",
        vsm_core::diagnostic::shorten(id)
    )))
}

/// Where a save goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Onto {
    /// A new stream, whose first version it is; its creator becomes its admin.
    New,
    /// The next version, whatever the latest is.
    Latest,
    /// The next version only while this version is the latest: otherwise 409, nothing saved.
    After(i64),
}

/// Saves `yaml` as the next version of `stream`, creating the stream when `create` (its
/// creator becomes its admin). A map with errors is refused with its diagnostics; the latest
/// version's text again adds no version.
pub async fn save(
    app: &App,
    caller: &Caller,
    stream: &str,
    yaml: &str,
    message: &str,
    create: bool,
) -> Result<(StatusCode, Saved), ApiError> {
    let onto = if create { Onto::New } else { Onto::Latest };
    save_onto(app, caller, stream, yaml, message, onto).await
}

/// [`save`], onto the version `onto` says.
pub async fn save_onto(
    app: &App,
    caller: &Caller,
    stream: &str,
    yaml: &str,
    message: &str,
    onto: Onto,
) -> Result<(StatusCode, Saved), ApiError> {
    check_id(stream)?;
    let create = onto == Onto::New;
    if !create {
        caller.require(app, stream, Role::Editor).await?;
        let unsaved = app.store.edits(stream, 0, 1, true).await?;
        if let Some(edit) = unsaved.first() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "the map of `{stream}` is being edited in the workshop editor ({} edited it at {}), and its edits are not saved in a version yet; they are saved once nobody has edited for {} s (or with the editor's Save): pull the map then and push again",
                    edit.user,
                    time(edit.created_at),
                    crate::workshop::IDLE_SAVE.as_secs()
                ),
            ));
        }
    }
    let bases = crate::future::bases(app, caller, stream, yaml).await?;
    let (id, text) = (stream.to_string(), yaml.to_string());
    let accepted = blocking(move || map::check(&id, &text, &bases)).await??;
    let version = NewVersion {
        name: &accepted.name,
        yaml,
        author: &caller.user,
        message,
        now: crate::now(),
    };
    let unchanged = |latest: crate::store::Version, warnings| {
        (
            StatusCode::OK,
            Saved {
                stream: stream.to_string(),
                version: latest.info.into(),
                unchanged: true,
                warnings,
            },
        )
    };
    if create {
        let created = app.store.create_stream(stream, &version).await;
        let info = match created {
            Ok(info) => info,
            Err(StoreError::Conflict(what)) => {
                // Whether a stream the caller may not see exists is not told; one that is
                // this map already (the same push twice at once) is saved.
                return match caller.role(app, stream).await? {
                    Some(_) => match app.store.version(stream, None).await? {
                        Some(latest) if latest.yaml == yaml => {
                            Ok(unchanged(latest, accepted.warnings))
                        }
                        _ => Err(ApiError::new(
                            StatusCode::CONFLICT,
                            format!(
                                "{what} exists already; save a new version with POST /api/streams/{stream}/versions"
                            ),
                        )),
                    },
                    None => Err(no_stream_to_write(stream)),
                };
            }
            Err(other) => return Err(other.into()),
        };
        return Ok((
            StatusCode::CREATED,
            Saved {
                stream: stream.to_string(),
                version: info.into(),
                unchanged: false,
                warnings: accepted.warnings,
            },
        ));
    }
    // The latest is this map already (the same change made twice): nothing to save.
    if let Onto::After(_) = onto
        && let Some(latest) = app.store.version(stream, None).await?
        && latest.yaml == yaml
    {
        return Ok(unchanged(latest, accepted.warnings));
    }
    let info = match onto {
        Onto::After(after) => match app.store.add_version_after(stream, after, &version).await {
            Err(StoreError::Conflict(_)) => {
                return Err(stale(stream, after, "save your map again"));
            }
            saved => saved?,
        },
        // Onto the latest as read, so that the same text saved twice at once is one version:
        // the second finds the first's and changes nothing.
        _ => {
            let mut tries = 0;
            loop {
                let latest = version_of(app, stream, None).await?;
                if latest.yaml == yaml {
                    return Ok(unchanged(latest, accepted.warnings));
                }
                tries += 1;
                match app
                    .store
                    .add_version_after(stream, latest.info.number, &version)
                    .await
                {
                    Err(StoreError::Conflict(_)) if tries < SAVE_TRIES => {}
                    Err(StoreError::Conflict(_)) => {
                        return Err(stale(stream, latest.info.number, "save your map again"));
                    }
                    saved => break saved?,
                }
            }
        }
    };
    Ok((
        StatusCode::CREATED,
        Saved {
            stream: stream.to_string(),
            version: info.into(),
            unchanged: false,
            warnings: accepted.warnings,
        },
    ))
}

/// Times a save onto the latest version tries again when another was saved in between.
const SAVE_TRIES: usize = 8;

/// 409: a version was saved after `after`, the one the change was made on; `again` says
/// what to do once the latest is read.
fn stale(stream: &str, after: i64, again: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        format!(
            "the map of `{stream}` changed after version {after}: someone saved a version since; read the latest and {again}"
        ),
    )
}

/// The value streams the caller may see.
#[utoipa::path(
    get,
    path = "/api/streams",
    tag = "streams",
    responses(
        (status = 200, body = [StreamBody]),
        (status = 401, body = ErrorBody),
    )
)]
pub async fn list(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Vec<StreamBody>>, ApiError> {
    let visible = visible(&app, &caller).await?;
    Ok(Json(
        visible
            .into_iter()
            .map(|(stream, role)| StreamBody::of(stream, role))
            .collect(),
    ))
}

/// The streams the caller has a role on (every stream for a server admin), with the role, in
/// one query.
pub async fn visible(app: &App, caller: &Caller) -> Result<Vec<(Stream, Role)>, ApiError> {
    let admin = caller.user.admin;
    let streams = app.store.streams(caller.user.id, admin).await?;
    Ok(streams
        .into_iter()
        .filter_map(|(stream, role)| {
            let role = if admin { Some(Role::Admin) } else { role };
            role.map(|role| (stream, role))
        })
        .collect())
}

/// Creates a value stream from its first map; the caller becomes its admin.
#[utoipa::path(
    post,
    path = "/api/streams",
    tag = "streams",
    request_body = CreateStream,
    responses(
        (status = 201, body = Saved),
        (status = 400, body = ErrorBody, description = "A bad id"),
        (status = 404, body = ErrorBody, description = "The id is taken by a stream the caller may not see (which is not told)"),
        (status = 409, body = ErrorBody, description = "The id is taken"),
        (status = 422, description = "The map has errors: its diagnostics, as `vsm validate --format json` prints them", body = Object),
    )
)]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<CreateStream>,
) -> Result<(StatusCode, Json<Saved>), ApiError> {
    let (status, saved) = save(&app, &caller, &body.id, &body.yaml, &body.message, true).await?;
    Ok((status, Json(saved)))
}

/// One value stream.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}",
    tag = "streams",
    params(("stream" = String, Path, description = "The stream's id")),
    responses((status = 200, body = StreamBody), (status = 404, body = ErrorBody))
)]
pub async fn show(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Json<StreamBody>, ApiError> {
    let role = caller.require(&app, &stream, Role::Viewer).await?;
    let found = app
        .store
        .stream(&stream)
        .await?
        .ok_or_else(|| missing(&stream))?;
    Ok(Json(StreamBody::of(found, role)))
}

/// A stream the caller cannot save to, whether or not one they may not see has its id.
fn no_stream_to_write(stream: &str) -> ApiError {
    ApiError::not_found(format!(
        "there is no value stream `{stream}` you can write to, and `{stream}` cannot name a new one; pick another id"
    ))
}

fn missing(stream: &str) -> ApiError {
    ApiError::not_found(format!("there is no value stream `{stream}`"))
}

/// A stream's versions, newest first.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/versions",
    tag = "streams",
    params(("stream" = String, Path, description = "The stream's id")),
    responses((status = 200, body = [VersionBody]), (status = 404, body = ErrorBody))
)]
pub async fn versions(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Json<Vec<VersionBody>>, ApiError> {
    caller.require(&app, &stream, Role::Viewer).await?;
    let versions = app.store.versions(&stream).await?;
    Ok(Json(versions.into_iter().map(VersionBody::from).collect()))
}

/// Saves a new version of a stream's map (editors and admins).
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/versions",
    tag = "streams",
    params(("stream" = String, Path, description = "The stream's id")),
    request_body = AddVersion,
    responses(
        (status = 201, body = Saved, description = "A version was added"),
        (status = 200, body = Saved, description = "The map is the latest version's text: nothing added"),
        (status = 403, body = ErrorBody, description = "The caller is a viewer"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "A version was saved after the one given"),
        (status = 422, description = "The map has errors: its diagnostics", body = Object),
    )
)]
pub async fn add_version(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Json(body): Json<AddVersion>,
) -> Result<(StatusCode, Json<Saved>), ApiError> {
    let onto = body.version.map_or(Onto::Latest, Onto::After);
    let (status, saved) =
        save_onto(&app, &caller, &stream, &body.yaml, &body.message, onto).await?;
    Ok((status, Json(saved)))
}

/// One version, with the map's text.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/versions/{number}",
    tag = "streams",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("number" = i64, Path, description = "The version's number, from 1"),
    ),
    responses((status = 200, body = VersionWithMap), (status = 404, body = ErrorBody))
)]
pub async fn version(
    State(app): State<App>,
    caller: Caller,
    Path((stream, number)): Path<(String, i64)>,
) -> Result<Json<VersionWithMap>, ApiError> {
    let (found, _) = read(&app, &caller, &stream, Some(number)).await?;
    Ok(Json(VersionWithMap {
        version: found.info.into(),
        yaml: found.yaml,
    }))
}

/// Reads a version (the latest unless `version` is given), with the caller's role on its
/// stream, which must be one.
pub async fn read(
    app: &App,
    caller: &Caller,
    stream: &str,
    number: Option<i64>,
) -> Result<(crate::store::Version, Role), ApiError> {
    let role = caller.require(app, stream, Role::Viewer).await?;
    Ok((version_of(app, stream, number).await?, role))
}

/// A version (the latest unless `number` is given) of a stream whose role the caller checked.
pub async fn version_of(
    app: &App,
    stream: &str,
    number: Option<i64>,
) -> Result<crate::store::Version, ApiError> {
    app.store
        .version(stream, number)
        .await?
        .ok_or_else(|| match number {
            Some(n) => ApiError::not_found(format!("`{stream}` has no version {n}")),
            None => missing(stream),
        })
}

/// The map file's text, byte for byte as it was pushed (what `vsm pull` writes).
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/map",
    tag = "streams",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("version" = Option<i64>, Query, description = "The version's number; the latest when absent"),
    ),
    responses(
        (status = 200, description = "The map (YAML)", content_type = "application/yaml", body = String),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn map(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Query(which): Query<Which>,
) -> Result<Response, ApiError> {
    let (found, _) = read(&app, &caller, &stream, which.version).await?;
    let mut response = typed(found.yaml, "application/yaml; charset=utf-8");
    response
        .headers_mut()
        .insert("x-vsm-version", HeaderValue::from(found.info.number));
    Ok(response)
}

/// The analysis of a version (the latest unless `version` is given): the JSON
/// `vsm analyze --format json` prints for the same map, measured from the stream's deliveries
/// when it measures (`measure:`).
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/analysis",
    tag = "streams",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("version" = Option<i64>, Query, description = "The version's number; the latest when absent"),
    ),
    responses(
        (status = 200, description = "The analysis, as `vsm analyze --format json` prints it", body = Object),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The map cannot be analyzed (it has errors, or cannot be measured from the stream's deliveries)"),
    )
)]
pub async fn analysis(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
    Query(which): Query<Which>,
) -> Result<Response, ApiError> {
    let (found, _) = read(&app, &caller, &stream, which.version).await?;
    let events = super::current_events(&app, &caller, &stream).await?;
    let json = blocking(move || {
        map::measured(&stream, &found.yaml, &events).map(|(loaded, _)| loaded.analysis_json())
    })
    .await??;
    Ok(typed(json, "application/json"))
}

/// A future state (a stream whose latest map says `extends: CURRENT.yaml`) compared with the
/// current state it extends, each at its latest version: the JSON `vsm compare CURRENT FUTURE
/// --format json` prints.
#[utoipa::path(
    get,
    path = "/api/streams/{stream}/compare/current",
    tag = "streams",
    params(("stream" = String, Path, description = "The future state's stream id")),
    responses(
        (status = 200, description = "The comparison, as `vsm compare --format json` prints it", body = Object),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "The latest map extends no map, extends a stream the caller cannot view, or cannot be analyzed"),
    )
)]
pub async fn compare_current(
    State(app): State<App>,
    caller: Caller,
    Path(stream): Path<String>,
) -> Result<Response, ApiError> {
    let compared = crate::future::compared(&app, &caller, &stream).await?;
    let json = blocking(move || compared.render(vsm_render::Format::Json))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "compare writes no JSON".to_string(),
            )
        })?;
    Ok(typed(json, "application/json"))
}
