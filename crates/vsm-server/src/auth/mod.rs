//! Who is calling, and may they: credentials (an API token or a session cookie) become a
//! [`Caller`] in one middleware that every route but the few public ones passes through (so a
//! route is refused unless it was added as public), CSRF checks on every form and cookie write,
//! and roles per value stream.

pub mod hashing;
pub mod secret;
pub mod sign_in;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::App;
use crate::api::ApiError;
use crate::store::{Role, User};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "vsm_session";
/// The header that carries a session's CSRF token on API writes made from a page.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field that carries it on page forms.
pub const CSRF_FIELD: &str = "csrf";

/// How the caller proved who they are.
#[derive(Clone, Debug)]
pub enum Via {
    Token,
    /// A session cookie; its CSRF token goes into the pages' forms.
    Session {
        csrf: Secret,
    },
}

/// A secret that never shows in `Debug` or logs.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<hidden>")
    }
}

/// The signed-in caller of a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub via: Via,
}

impl Caller {
    /// The CSRF token for the page's forms (empty for token callers, who use no forms).
    pub fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf } => &csrf.0,
            Via::Token => "",
        }
    }

    /// The caller's role on `stream` (server admins are admins of every stream); `None` when
    /// they have none, which callers answer as if the stream did not exist.
    pub async fn role(&self, app: &App, stream: &str) -> Result<Option<Role>, ApiError> {
        if self.user.admin {
            return Ok(Some(Role::Admin));
        }
        Ok(app.store.role(stream, self.user.id).await?)
    }

    /// At least `needed` on `stream`: 404 with no role (the stream's existence is not told),
    /// 403 with a weaker one.
    pub async fn require(&self, app: &App, stream: &str, needed: Role) -> Result<Role, ApiError> {
        match self.role(app, stream).await? {
            None => Err(ApiError::not_found(format!(
                "there is no value stream `{stream}` that you may see; check its id (GET /api/streams lists yours)"
            ))),
            Some(role) if role < needed => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                format!(
                    "you are a {} of `{stream}`; this needs {}: ask one of its admins for the role",
                    role.as_str(),
                    article(needed)
                ),
            )),
            Some(role) => Ok(role),
        }
    }
}

fn article(role: Role) -> String {
    match role {
        Role::Admin => "an admin".into(),
        other => format!("a {}", other.as_str()),
    }
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &App) -> Result<Self, Self::Rejection> {
        // Put there by `require_caller`; a handler on a public route has no caller.
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The token of the request's `Authorization: Bearer TOKEN` header, if it has one: the scheme
/// in any case (`bearer`, `BEARER`: schemes are case-insensitive, RFC 7235), the token trimmed.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim_start();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The caller the request's credentials name, if they are valid: a bearer token first, else
/// the session cookie.
async fn identify(app: &App, headers: &HeaderMap) -> Result<Option<Caller>, ApiError> {
    if let Some(token) = bearer(headers) {
        let user = app.store.token_user(&secret::digest(token)).await?;
        return Ok(user.map(|user| Caller {
            user,
            via: Via::Token,
        }));
    }
    let Some(session) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let session = app
        .store
        .session(&secret::digest(session), crate::now())
        .await?;
    Ok(session.map(|s| Caller {
        user: s.user,
        via: Via::Session {
            csrf: Secret(s.csrf),
        },
    }))
}

/// The middleware of every route that is not public: the request goes on with its [`Caller`],
/// or is refused (401 for the API, a redirect to the sign-in page for pages). Writes made with
/// a session cookie must carry the session's CSRF token (a form's `csrf` field, or the
/// `X-CSRF-Token` header).
pub async fn require_caller(State(app): State<App>, request: Request, next: Next) -> Response {
    let caller = match identify(&app, request.headers()).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    // Machines (scripts, Prometheus) get 401; people get the sign-in page.
    let path = request.uri().path();
    let is_api = path.starts_with("/api/") || path == "/metrics";
    let Some(caller) = caller else {
        if is_api {
            return ApiError::unauthenticated().into_response();
        }
        let next = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        return Redirect::to(&format!("/signin?next={}", percent_encode(&next))).into_response();
    };
    let mut request = request;
    if let Via::Session { csrf } = &caller.via
        && !matches!(*request.method(), Method::GET | Method::HEAD)
    {
        match csrf_checked(request, &csrf.0, app.settings.max_body).await {
            Ok(checked) => request = checked,
            Err(response) => return *response,
        }
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The request back, if it carries the session's CSRF token; else a 403.
async fn csrf_checked(
    request: Request,
    expected: &str,
    limit: usize,
) -> Result<Request, Box<Response>> {
    let refused = || {
        Box::new(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "this form or request lacks the session's CSRF token (reload the page and try again; scripts use an API token instead of a cookie)",
            )
            .into_response(),
        )
    };
    if let Some(token) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if secret::same(token, expected) {
            Ok(request)
        } else {
            Err(refused())
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refused());
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Box::new(
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large").into_response(),
        )
    })?;
    let token = form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == CSRF_FIELD)
        .map(|(_, value)| value.into_owned());
    match token {
        Some(token) if secret::same(&token, expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(refused()),
    }
}

/// `text` made safe inside a URL's query.
pub fn percent_encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, for the whole site; `Secure` where the
/// server is reached over HTTPS.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("cookie names and values are hex and ASCII")
}
