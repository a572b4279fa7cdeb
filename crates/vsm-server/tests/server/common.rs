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
        Client {
            router: vsm_server::router(self.app()),
        }
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
