//! The JSON REST API: value streams, their versions, maps and analyses; members, users and
//! tokens; webhook and pull sources. Each handler carries its OpenAPI description (`#[utoipa::path]`), gathered in
//! [`ApiDoc`] and served at `/api/openapi.json`; a test fails when the routes and the document
//! drift. Bodies of analyses are the JSON `vsm analyze --format json` prints; a map with errors
//! is answered 422 with the JSON `vsm validate --format json` prints.

mod dora;
mod error;
pub mod insights;
mod people;
mod pulls;
mod sources;
mod streams;
mod workshop;

use axum::Json;
use axum::extract::State;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub use dora::current as current_events;
pub use error::{ApiError, ErrorBody, json_errors};
pub use streams::{
    Onto, Saved, VersionBody, read, read as streams_read, save, save_onto, version_of, visible,
};

use crate::App;
use crate::auth::Caller;
use crate::routes::Table;

/// The OpenAPI document of the API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "vsm",
        description = "vsm's team server: value streams as versioned maps, with their analyses, plans, trends and simulations."
    ),
    paths(
        streams::list,
        streams::create,
        streams::show,
        streams::versions,
        streams::add_version,
        streams::version,
        streams::map,
        streams::analysis,
        streams::compare_current,
        insights::plan,
        insights::move_improvement,
        insights::trends,
        insights::simulation,
        insights::explain,
        insights::items,
        dora::dora,
        people::set_member,
        people::remove_member,
        people::create_user,
        people::create_token,
        people::me,
        sources::create,
        sources::list,
        sources::delete,
        pulls::pull_now,
        workshop::document,
        workshop::edit,
        workshop::live,
        workshop::presence,
        workshop::save_now,
        workshop::history,
        workshop::import,
        workshop::export,
        workshop::future,
        workshop::templates,
        openapi,
        crate::hooks::github::deliver,
        crate::hooks::gitlab::deliver,
        crate::hooks::events::deliver,
        crate::metrics::serve,
        crate::healthz,
        crate::readyz,
    ),
    modifiers(&Security),
    security(("token" = []), ("session" = []))
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new(crate::auth::SESSION_COOKIE),
            )),
        );
    }
}

/// The API's routes, every one behind sign-in.
pub fn routes(table: Table) -> Table {
    use axum::http::Method;
    let member = "/api/streams/{stream}/members/{user}";
    table
        .protected(Method::GET, "/api/openapi.json", openapi)
        .protected(Method::GET, "/api/me", people::me)
        .protected(Method::GET, "/api/streams", streams::list)
        .protected(Method::POST, "/api/streams", streams::create)
        .protected(Method::GET, "/api/streams/{stream}", streams::show)
        .protected(
            Method::GET,
            "/api/streams/{stream}/versions",
            streams::versions,
        )
        .protected(
            Method::POST,
            "/api/streams/{stream}/versions",
            streams::add_version,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/versions/{number}",
            streams::version,
        )
        .protected(Method::GET, "/api/streams/{stream}/map", streams::map)
        .protected(
            Method::GET,
            "/api/streams/{stream}/analysis",
            streams::analysis,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/compare/current",
            streams::compare_current,
        )
        .protected(Method::GET, "/api/templates", workshop::templates)
        .protected(
            Method::GET,
            "/api/streams/{stream}/document",
            workshop::document,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/edits",
            workshop::history,
        )
        .protected(Method::POST, "/api/streams/{stream}/edits", workshop::edit)
        .protected(Method::GET, "/api/streams/{stream}/live", workshop::live)
        .protected(
            Method::POST,
            "/api/streams/{stream}/presence",
            workshop::presence,
        )
        .protected(
            Method::POST,
            "/api/streams/{stream}/document/save",
            workshop::save_now,
        )
        .protected(
            Method::POST,
            "/api/streams/{stream}/document/import",
            workshop::import,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/document/export",
            workshop::export,
        )
        .protected(
            Method::POST,
            "/api/streams/{stream}/futures",
            workshop::future,
        )
        .protected(Method::GET, "/api/streams/{stream}/plan", insights::plan)
        .protected(
            Method::PUT,
            "/api/streams/{stream}/plan/{improvement}",
            insights::move_improvement,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/trends",
            insights::trends,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/simulation",
            insights::simulation,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/explain/{metric}",
            insights::explain,
        )
        .protected(
            Method::GET,
            "/api/streams/{stream}/steps/{step}/items",
            insights::items,
        )
        .protected(Method::GET, "/api/streams/{stream}/dora", dora::dora)
        .protected(Method::PUT, member, people::set_member)
        .protected(Method::DELETE, member, people::remove_member)
        .protected(Method::POST, "/api/users", people::create_user)
        .protected(Method::POST, "/api/tokens", people::create_token)
        .protected(
            Method::POST,
            "/api/streams/{stream}/sources",
            sources::create,
        )
        .protected(Method::GET, "/api/streams/{stream}/sources", sources::list)
        .protected(
            Method::DELETE,
            "/api/streams/{stream}/sources/{source}",
            sources::delete,
        )
        .protected(
            Method::POST,
            "/api/streams/{stream}/sources/{source}/pull",
            pulls::pull_now,
        )
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
async fn openapi(State(_): State<App>, _caller: Caller) -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Runs `work` on a blocking thread (a map's analysis, a password's hash), so that it never
/// stalls the threads that serve requests.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("the work stopped: {e}"),
        )
    })
}

/// `body` answered with its content type.
pub fn typed(body: String, content_type: &'static str) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let mut response = body.into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(content_type),
    );
    response
}

/// A time as RFC 3339 in UTC (`2026-11-26T09:00:00Z`).
pub fn time(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}
