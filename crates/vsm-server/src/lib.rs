//! vsm's team server: value streams kept as versioned maps, a JSON API (OpenAPI 3.1 at
//! `/api/openapi.json`) and server-rendered pages, over an SQLite file or PostgreSQL.
//!
//! A thin adapter, like the command line: requests in, the application layer (`vsm-app`) and
//! the renderers (`vsm-render`) do the work. It keeps no state of its own outside its [`Store`],
//! so replicas over one PostgreSQL serve the same streams. Every route is refused without
//! credentials unless it was added as public ([`routes::Table`]); people sign in with a password
//! into a session cookie, scripts send an API token; roles are per value stream.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod api;
pub mod auth;
pub mod board;
pub mod dora;
pub mod events;
pub mod explain;
pub mod future;
pub mod hooks;
pub mod map;
pub mod map_edit;
pub mod measurements;
pub mod metrics;
mod pages;
pub mod pulls;
pub mod routes;
pub mod simulation;
pub mod store;
pub mod trends;
pub mod workshop;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub use store::{Location, Store, StoreError};

/// How the server behaves, apart from where its data is.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The largest request body (a map upload): larger is refused with 413.
    pub max_body: usize,
    /// A request that takes longer is answered 408 and dropped.
    pub request_timeout: Duration,
    /// Mark cookies `Secure` (the server is reached over HTTPS, through a proxy).
    pub secure_cookies: bool,
    /// How long a sign-in lasts, in seconds.
    pub session_seconds: i64,
    /// Passwords hashed at once (argon2 takes about 19 MiB each): one per CPU.
    pub hashing_at_once: usize,
    /// Requests that may wait for a turn to hash; more are answered 503.
    pub hashing_waiting: usize,
    /// Where each stream's event store is kept, derived from its deliveries (see [`events`]);
    /// `None`: a temporary folder of the process's own.
    pub cache: Option<std::path::PathBuf>,
    /// How often [`serve`] looks for pull sources that are due (see [`pulls`]); `None`: it
    /// runs no pulls.
    pub pull_check: Option<Duration>,
    /// Where pulls read their tokens: the process's environment (or, in tests, a fixed set).
    pub environment: pulls::Environment,
    /// The workshop editor saves a map's edits as a version once nobody has edited it for
    /// this long (and it is valid).
    pub idle_save: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Settings {
            max_body: 4 << 20,
            request_timeout: Duration::from_secs(30),
            secure_cookies: false,
            session_seconds: 12 * 3600,
            hashing_at_once: cpus,
            hashing_waiting: 4 * cpus,
            cache: None,
            pull_check: Some(Duration::from_secs(30)),
            environment: pulls::Environment::default(),
            idle_save: workshop::IDLE_SAVE,
        }
    }
}

/// What every request handler shares: the store, the settings, the turns for hashing and the
/// server key (see [`hooks::key`]).
#[derive(Clone, Debug)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub hashing: Arc<auth::hashing::Hashing>,
    /// Requests counted and timed for `/metrics`, per process.
    pub metrics: Arc<metrics::Metrics>,
    pub key: Arc<hooks::key::ServerKey>,
    /// Turns to simulate a map: one per CPU at a time, the others wait.
    pub simulating: Arc<tokio::sync::Semaphore>,
    /// The streams' event stores, derived from their deliveries.
    pub events: Arc<events::Caches>,
    /// Wakes this process's pull scheduler (a source was made due now).
    pub pulls_due: Arc<tokio::sync::Notify>,
    /// The maps being edited in the workshop editor, their followers and who is there.
    pub workshops: Arc<workshop::Workshops>,
}

impl App {
    /// The server over `store`, with a server key made for this process alone: GitHub sources
    /// made with it cannot be checked by another process; [`App::with_key`] gives the
    /// server's own.
    ///
    /// Panics when the cache folder cannot be made: a server that cannot
    /// write a temporary folder cannot serve.
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let events = events::Caches::new(settings.cache.clone())
            .unwrap_or_else(|e| panic!("cannot make a folder for the event stores: {e}"));
        App {
            store,
            events: Arc::new(events),
            hashing: Arc::new(auth::hashing::Hashing::new(
                settings.hashing_at_once,
                settings.hashing_waiting,
            )),
            simulating: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            )),
            settings: Arc::new(settings),
            metrics: Arc::default(),
            key: Arc::new(hooks::key::ServerKey::random()),
            pulls_due: Arc::default(),
            workshops: Arc::new(workshop::Workshops::new()),
        }
    }

    /// The same, with `key` as the server key.
    #[must_use]
    pub fn with_key(mut self, key: hooks::key::ServerKey) -> Self {
        self.key = Arc::new(key);
        self
    }
}

/// Now, in Unix seconds: the server is a front end and reads the clock; the layers below it
/// are given the time.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The server's routes and its table of them (see [`routes::Table`]).
pub fn routes(app: &App) -> (Router<App>, Vec<routes::Route>) {
    let table = routes::Table::new(app.clone())
        .public(Method::GET, "/healthz", healthz)
        .public(Method::GET, "/readyz", readyz)
        .public(Method::GET, "/static/style.css", style)
        .public(Method::GET, "/static/editor.js", editor_script)
        .protected(Method::GET, "/metrics", metrics::serve);
    let table = auth::sign_in::routes(table);
    let table = api::routes(table);
    let table = hooks::routes(table);
    pages::routes(table).finish()
}

/// The whole service: routes, body limit, timeout and request logs.
pub fn router(app: App) -> Router {
    let settings = Arc::clone(&app.settings);
    let (router, _) = routes(&app);
    let record = axum::middleware::from_fn_with_state(app.clone(), metrics::record);
    let json_errors = axum::middleware::from_fn_with_state(app.clone(), api::json_errors);
    router
        .with_state(app)
        .layer(DefaultBodyLimit::max(settings.max_body))
        .layer(RequestBodyLimitLayer::new(settings.max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout,
        ))
        // Outside the limit and the timeout, so that their 413 and 408 are JSON on the API too.
        .layer(json_errors)
        // Outside the limit and the timeout, so that their 413 and 408 are counted too.
        .layer(record)
        // Method, path, status and time; never headers, so no token or cookie reaches the logs.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Outermost, so that the answers the layers make themselves (408, 413) carry them too.
        .layer(axum::middleware::map_response(security_headers))
}

/// What every answer tells the browser: nothing from elsewhere, scripts only from the server's
/// own files (the editor's; no inline script, no `eval`) and requests only back to it (the
/// editor's API calls and event stream), no framing, no sniffing of content types, no referrer
/// to other sites.
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; connect-src 'self'; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Serves `app` on `listener`, and runs its due pulls ([`pulls::schedule`]), until `shutdown`
/// completes; then stops the pulls and finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let scheduler = tokio::spawn(pulls::schedule(app.clone(), stopped.clone()));
    let workshops = tokio::spawn(workshop::run(app.clone(), stopped));
    let served = axum::serve(listener, router(app))
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stop.send(true);
        })
        .await;
    if let Err(error) = scheduler.await {
        tracing::warn!(%error, "the pull scheduler stopped");
    }
    if let Err(error) = workshops.await {
        tracing::warn!(%error, "the workshop editor's saver stopped");
    }
    served
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

/// Alive: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    responses((status = 200, description = "`ok`: the process answers", content_type = "text/plain", body = String)),
    security(()),
)]
async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the database answers too.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "meta",
    responses(
        (status = 200, description = "`ready`: the database answers", content_type = "text/plain", body = String),
        (status = 503, description = "The database does not answer", content_type = "text/plain", body = String),
    ),
    security(()),
)]
async fn readyz(State(app): State<App>) -> impl IntoResponse {
    match app.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(error) => {
            tracing::warn!(%error, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the database does not answer\n",
            )
        }
    }
}

async fn style() -> impl IntoResponse {
    static_file(
        "text/css; charset=utf-8",
        include_str!("../static/style.css"),
    )
}

/// The workshop editor's script: plain JavaScript, embedded in the binary (no build step).
async fn editor_script() -> impl IntoResponse {
    static_file(
        "text/javascript; charset=utf-8",
        include_str!("../static/editor.js"),
    )
}

fn static_file(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Short: a new binary's script reaches open browsers within minutes.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
}
