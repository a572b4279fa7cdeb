//! The backends every scenario runs on, and a client that calls the router in process.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use sqlx::postgres::PgConnectOptions;
use tower::ServiceExt as _;
use vsm_server::store::postgres::Postgres;
use vsm_server::store::sqlite::Sqlite;
use vsm_server::store::{self, Role, User};
use vsm_server::{App, Settings, Store};

/// The PostgreSQL the tests use: `VSM_TEST_POSTGRES_URL`, else this machine's test database.
pub fn postgres_url() -> String {
    std::env::var("VSM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string())
}

/// One backend under test; a PostgreSQL one lives in a schema of its own, dropped at the end.
pub struct Backend {
    pub name: &'static str,
    pub store: Arc<dyn Store>,
    /// Keeps the SQLite file's folder.
    _folder: Option<tempfile::TempDir>,
    schema: Option<String>,
}

impl Backend {
    pub fn app(&self) -> App {
        App::new(Arc::clone(&self.store), Settings::default())
    }

    pub fn client(&self) -> Client {
        Client::of(self.app())
    }

    /// Drops the PostgreSQL schema made for this backend.
    pub async fn finish(self) {
        if let Some(schema) = self.schema {
            let pool = sqlx::PgPool::connect(&postgres_url()).await.unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {schema} CASCADE"
            )))
            .execute(&pool)
            .await
            .unwrap();
        }
    }
}

pub async fn sqlite() -> Backend {
    let folder = tempfile::tempdir().unwrap();
    let store = Sqlite::open(&folder.path().join(".vsm/server.sqlite"))
        .await
        .unwrap();
    Backend {
        name: "sqlite",
        store: Arc::new(store),
        _folder: Some(folder),
        schema: None,
    }
}

/// A fresh schema on the test PostgreSQL, or `None` when `VSM_SKIP_POSTGRES_TESTS=1`; any other
/// way of not reaching it fails the test, saying what is missing.
pub async fn postgres() -> Option<Backend> {
    if std::env::var("VSM_SKIP_POSTGRES_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("VSM_SKIP_POSTGRES_TESTS=1: the PostgreSQL half of this test is skipped");
        return None;
    }
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let url = postgres_url();
    let schema = format!(
        "vsm_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        vsm_server::auth::secret::random_hex(4)
    );
    // One connection, not a pool: a refused connection says so at once instead of timing out.
    let mut admin = match <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
        Ok(connection) => connection,
        Err(error) => panic!(
            "these tests run on SQLite and on PostgreSQL, and PostgreSQL is not reachable at {url}: {error}\n\
             start it (Debian: `pg_ctlcluster 15 main start`), or point VSM_TEST_POSTGRES_URL at one \
             (a user that may create schemas, trust or password in the URL), or set \
             VSM_SKIP_POSTGRES_TESTS=1 to run the SQLite half alone"
        ),
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create a schema on {url} for the tests: {e}"));
    let options: PgConnectOptions = url.parse().unwrap();
    let options = options.options([("search_path", schema.as_str())]);
    let store = Postgres::connect_with(options, format!("{url} (schema {schema})"))
        .await
        .unwrap();
    Some(Backend {
        name: "postgres",
        store: Arc::new(store),
        _folder: None,
        schema: Some(schema),
    })
}

/// Both backends: SQLite, and PostgreSQL unless skipped.
pub async fn backends() -> Vec<Backend> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}

/// An answer: status, headers and body text.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `Set-Cookie` value.
    pub fn cookies(&self) -> Vec<&str> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

/// Calls the whole service (layers included) in process.
#[derive(Clone)]
pub struct Client {
    pub router: Router,
}

/// A request to send.
pub struct Call<'a> {
    pub method: Method,
    pub path: &'a str,
    pub token: Option<&'a str>,
    pub headers: Vec<(&'a str, String)>,
    pub body: Option<Body>,
    pub content_type: Option<&'a str>,
}

impl<'a> Call<'a> {
    pub fn new(method: Method, path: &'a str) -> Self {
        Call {
            method,
            path,
            token: None,
            headers: Vec::new(),
            body: None,
            content_type: None,
        }
    }

    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.body = Some(Body::from(value.to_string()));
        self.content_type = Some("application/json");
        self
    }

    pub fn form(mut self, fields: &[(&str, &str)]) -> Self {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.body = Some(Body::from(body));
        self.content_type = Some("application/x-www-form-urlencoded");
        self
    }

    pub fn header(mut self, name: &'a str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl Client {
    pub fn of(app: App) -> Client {
        Client {
            router: vsm_server::router(app),
        }
    }

    pub async fn send(&self, call: Call<'_>) -> Answer {
        let mut request = Request::builder().method(call.method).uri(call.path);
        if let Some(token) = call.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(kind) = call.content_type {
            request = request.header(header::CONTENT_TYPE, kind);
        }
        for (name, value) in call.headers {
            request = request.header(name, value);
        }
        let request = request.body(call.body.unwrap_or_default()).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Call::new(Method::GET, path).token(token)).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &serde_json::Value) -> Answer {
        self.send(Call::new(Method::POST, path).token(token).json(body))
            .await
    }
}

/// A server admin and their API token, made as an operator would.
pub async fn admin(backend: &Backend) -> String {
    vsm_server::accounts::create_admin(backend.store.as_ref(), "ada")
        .await
        .unwrap();
    vsm_server::accounts::create_token(backend.store.as_ref(), "ada", "tests")
        .await
        .unwrap()
}

/// The example map the scenarios push.
pub const FEATURE_DELIVERY: &str = include_str!("../../../../examples/feature-delivery.yaml");

/// Creates the value stream `web-shop` from the example map as `token`'s user; a failure says
/// what came back.
pub async fn with_web_shop(client: &Client, token: &str) {
    let created = client
        .post(
            "/api/streams",
            token,
            &serde_json::json!({"id": "web-shop", "yaml": FEATURE_DELIVERY}),
        )
        .await;
    assert_eq!(
        created.status,
        StatusCode::CREATED,
        "creating `web-shop` was answered {}: {}",
        created.status,
        created.body
    );
}

/// Adds the users `vera` (a viewer of `web-shop`), `ed` (its editor) and `otto` (no role on
/// it) as `token`'s server admin would: their API tokens, in that order.
pub async fn members(backend: &Backend, client: &Client, token: &str) -> [String; 3] {
    let mut tokens = Vec::new();
    for (user, role) in [
        ("vera", Some("viewer")),
        ("ed", Some("editor")),
        ("otto", None),
    ] {
        let made = client
            .post("/api/users", token, &serde_json::json!({"name": user}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.json()["password"].as_str().unwrap().len(), 20);
        if let Some(role) = role {
            let given = client
                .send(
                    Call::new(
                        Method::PUT,
                        &format!("/api/streams/web-shop/members/{user}"),
                    )
                    .token(token)
                    .json(&serde_json::json!({"role": role})),
                )
                .await;
            assert_eq!(given.status, StatusCode::NO_CONTENT, "{}", given.body);
        }
        tokens.push(
            vsm_server::accounts::create_token(backend.store.as_ref(), user, "t")
                .await
                .unwrap(),
        );
    }
    tokens.try_into().unwrap()
}

/// A store that counts the calls made to it, by method: to see how many queries a page makes.
#[derive(Debug)]
pub struct Counting {
    inner: Arc<dyn Store>,
    calls: std::sync::Mutex<std::collections::BTreeMap<&'static str, usize>>,
    /// Holds each of the first reads of a latest version until that many are made, so that
    /// requests sent at once all read the same version before any of them saves.
    gate: Option<(tokio::sync::Barrier, u32, AtomicU32)>,
}

impl Counting {
    pub fn new(inner: Arc<dyn Store>) -> Arc<Counting> {
        Arc::new(Counting {
            inner,
            calls: std::sync::Mutex::default(),
            gate: None,
        })
    }

    /// A store whose first `readers` reads of a stream's latest version wait for each other.
    pub fn gated(inner: Arc<dyn Store>, readers: u32) -> Arc<Counting> {
        Arc::new(Counting {
            inner,
            calls: std::sync::Mutex::default(),
            gate: Some((
                tokio::sync::Barrier::new(readers as usize),
                readers,
                AtomicU32::new(0),
            )),
        })
    }

    fn note(&self, method: &'static str) -> &dyn Store {
        *self.calls.lock().unwrap().entry(method).or_default() += 1;
        self.inner.as_ref()
    }

    /// The calls made since the last `take`, by method.
    pub fn take(&self) -> std::collections::BTreeMap<&'static str, usize> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

#[async_trait::async_trait]
impl Store for Counting {
    async fn ping(&self) -> store::Result<()> {
        self.note("ping").ping().await
    }
    async fn create_user(
        &self,
        name: &str,
        hash: &str,
        admin: bool,
        now: i64,
    ) -> store::Result<User> {
        self.note("create_user")
            .create_user(name, hash, admin, now)
            .await
    }
    async fn credentials(&self, name: &str) -> store::Result<Option<store::Credentials>> {
        self.note("credentials").credentials(name).await
    }
    async fn user_by_name(&self, name: &str) -> store::Result<Option<User>> {
        self.note("user_by_name").user_by_name(name).await
    }
    async fn set_password(&self, user: i64, hash: &str) -> store::Result<()> {
        self.note("set_password").set_password(user, hash).await
    }
    async fn create_token(&self, user: i64, name: &str, hash: &str, now: i64) -> store::Result<()> {
        self.note("create_token")
            .create_token(user, name, hash, now)
            .await
    }
    async fn token_user(&self, hash: &str) -> store::Result<Option<User>> {
        self.note("token_user").token_user(hash).await
    }
    async fn create_session(
        &self,
        hash: &str,
        user: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> store::Result<()> {
        self.note("create_session")
            .create_session(hash, user, csrf, now, expires_at)
            .await
    }
    async fn session(&self, hash: &str, now: i64) -> store::Result<Option<store::Session>> {
        self.note("session").session(hash, now).await
    }
    async fn delete_session(&self, hash: &str) -> store::Result<()> {
        self.note("delete_session").delete_session(hash).await
    }
    async fn record_sign_in_attempt(&self, name: &str, now: i64, since: i64) -> store::Result<i64> {
        self.note("record_sign_in_attempt")
            .record_sign_in_attempt(name, now, since)
            .await
    }
    async fn failed_sign_ins(&self, name: &str, since: i64) -> store::Result<i64> {
        self.note("failed_sign_ins")
            .failed_sign_ins(name, since)
            .await
    }
    async fn clear_failed_sign_ins(&self, name: &str) -> store::Result<()> {
        self.note("clear_failed_sign_ins")
            .clear_failed_sign_ins(name)
            .await
    }
    async fn create_stream(
        &self,
        id: &str,
        first: &store::NewVersion<'_>,
    ) -> store::Result<store::VersionInfo> {
        self.note("create_stream").create_stream(id, first).await
    }
    async fn add_version(
        &self,
        stream: &str,
        version: &store::NewVersion<'_>,
    ) -> store::Result<store::VersionInfo> {
        self.note("add_version").add_version(stream, version).await
    }
    async fn add_version_after(
        &self,
        stream: &str,
        after: i64,
        version: &store::NewVersion<'_>,
    ) -> store::Result<store::VersionInfo> {
        self.note("add_version_after")
            .add_version_after(stream, after, version)
            .await
    }
    async fn stream(&self, id: &str) -> store::Result<Option<store::Stream>> {
        self.note("stream").stream(id).await
    }
    async fn streams(
        &self,
        user: i64,
        all: bool,
    ) -> store::Result<Vec<(store::Stream, Option<Role>)>> {
        self.note("streams").streams(user, all).await
    }
    async fn versions(&self, stream: &str) -> store::Result<Vec<store::VersionInfo>> {
        self.note("versions").versions(stream).await
    }
    async fn version(
        &self,
        stream: &str,
        number: Option<i64>,
    ) -> store::Result<Option<store::Version>> {
        if let Some((barrier, readers, reads)) = &self.gate
            && number.is_none()
            && reads.fetch_add(1, Ordering::SeqCst) < *readers
        {
            barrier.wait().await;
        }
        self.note("version").version(stream, number).await
    }
    async fn recent_versions(
        &self,
        stream: &str,
        limit: i64,
    ) -> store::Result<Vec<store::Version>> {
        self.note("recent_versions")
            .recent_versions(stream, limit)
            .await
    }
    async fn set_role(&self, stream: &str, user: i64, role: Option<Role>) -> store::Result<()> {
        self.note("set_role").set_role(stream, user, role).await
    }
    async fn role(&self, stream: &str, user: i64) -> store::Result<Option<Role>> {
        self.note("role").role(stream, user).await
    }
    async fn create_source(&self, stream: &str, source: &store::Source) -> store::Result<()> {
        self.note("create_source")
            .create_source(stream, source)
            .await
    }
    async fn sources(&self, stream: &str) -> store::Result<Vec<store::Source>> {
        self.note("sources").sources(stream).await
    }
    async fn source(&self, stream: &str, name: &str) -> store::Result<Option<store::Source>> {
        self.note("source").source(stream, name).await
    }
    async fn delete_source(&self, stream: &str, name: &str) -> store::Result<bool> {
        self.note("delete_source").delete_source(stream, name).await
    }
    async fn record_deliveries(
        &self,
        stream: &str,
        source: &str,
        kind: store::SourceKind,
        deliveries: &[store::NewDelivery<'_>],
        now: i64,
    ) -> store::Result<Vec<store::Recorded>> {
        self.note("record_deliveries")
            .record_deliveries(stream, source, kind, deliveries, now)
            .await
    }
    async fn deliveries_after(
        &self,
        stream: &str,
        after_seq: i64,
        limit: usize,
    ) -> store::Result<Vec<store::Delivery>> {
        self.note("deliveries_after")
            .deliveries_after(stream, after_seq, limit)
            .await
    }
    async fn latest_deliveries(
        &self,
        stream: &str,
        source: &str,
    ) -> store::Result<Vec<(String, String, i64)>> {
        self.note("latest_deliveries")
            .latest_deliveries(stream, source)
            .await
    }
    async fn create_pull(&self, stream: &str, pull: &store::Pull) -> store::Result<()> {
        self.note("create_pull").create_pull(stream, pull).await
    }
    async fn pulls(&self, stream: &str) -> store::Result<Vec<store::Pull>> {
        self.note("pulls").pulls(stream).await
    }
    async fn delete_pull(&self, stream: &str, name: &str) -> store::Result<bool> {
        self.note("delete_pull").delete_pull(stream, name).await
    }
    async fn due_pulls(&self, now: i64, limit: usize) -> store::Result<Vec<(String, String)>> {
        self.note("due_pulls").due_pulls(now, limit).await
    }
    async fn claim_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> store::Result<Option<store::Pull>> {
        self.note("claim_pull")
            .claim_pull(stream, name, owner, now, until)
            .await
    }
    async fn renew_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        until: i64,
    ) -> store::Result<bool> {
        self.note("renew_pull")
            .renew_pull(stream, name, owner, until)
            .await
    }
    async fn finish_pull(
        &self,
        stream: &str,
        name: &str,
        owner: &str,
        state: &store::PullState,
    ) -> store::Result<bool> {
        self.note("finish_pull")
            .finish_pull(stream, name, owner, state)
            .await
    }
    async fn pull_now(&self, stream: &str, name: &str, now: i64) -> store::Result<bool> {
        self.note("pull_now").pull_now(stream, name, now).await
    }
    async fn record_edit(&self, stream: &str, edit: &store::Edit) -> store::Result<()> {
        self.note("record_edit").record_edit(stream, edit).await
    }
    async fn edits(
        &self,
        stream: &str,
        after_seq: i64,
        limit: i64,
        unsaved: bool,
    ) -> store::Result<Vec<store::Edit>> {
        self.note("edits")
            .edits(stream, after_seq, limit, unsaved)
            .await
    }
    async fn last_edit(&self, stream: &str) -> store::Result<i64> {
        self.note("last_edit").last_edit(stream).await
    }
    async fn save_edits(
        &self,
        stream: &str,
        after: i64,
        through_seq: i64,
        version: &store::NewVersion<'_>,
    ) -> store::Result<store::VersionInfo> {
        self.note("save_edits")
            .save_edits(stream, after, through_seq, version)
            .await
    }
}
