//! Signing in and out: a username and password (argon2) become a session cookie (HttpOnly,
//! SameSite=Strict); failed sign-ins are counted per name in the store (so every replica sees
//! them) and refused for a while past [`MAX_FAILURES`].

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Caller, SESSION_COOKIE, cookie, secret, set_cookie};
use crate::App;
use crate::routes::Table;

/// Failed sign-ins allowed for one name within [`FAILURE_WINDOW`] seconds.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW: i64 = 15 * 60;

/// The cookie that ties the sign-in form to the browser that loaded it (there is no session
/// yet to hold a CSRF token).
const FORM_COOKIE: &str = "vsm_signin";

pub fn routes(table: Table) -> Table {
    table
        .public(Method::GET, "/signin", form)
        .public(Method::POST, "/signin", sign_in)
        .protected(Method::POST, "/signout", sign_out)
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    csrf: &'a str,
    next: &'a str,
    name: &'a str,
    problem: Option<&'a str>,
}

#[derive(Debug, Deserialize)]
struct Next {
    next: Option<String>,
}

/// Where to go after signing in: a path on this site, else the list of streams.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path
        }
        _ => "/",
    }
}

fn page(app: &App, status: StatusCode, next: &str, name: &str, problem: Option<&str>) -> Response {
    let csrf = secret::random_hex(16);
    let body = SignInPage {
        csrf: &csrf,
        next,
        name,
        problem,
    }
    .render()
    .unwrap_or_else(|e| format!("cannot render the sign-in page: {e}"));
    let mut response = (status, Html(body)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(FORM_COOKIE, &csrf, 3600, app.settings.secure_cookies),
    );
    response
}

async fn form(State(app): State<App>, Query(query): Query<Next>) -> Response {
    page(
        &app,
        StatusCode::OK,
        safe_next(query.next.as_deref()),
        "",
        None,
    )
}

#[derive(Deserialize)]
struct SignIn {
    username: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

async fn sign_in(State(app): State<App>, headers: HeaderMap, Form(form): Form<SignIn>) -> Response {
    let next = safe_next(Some(&form.next)).to_string();
    let name = form.username.trim();
    let shown = vsm_core::diagnostic::shorten(name);
    let form_cookie = cookie(&headers, FORM_COOKIE).unwrap_or_default();
    if form_cookie.is_empty() || !secret::same(form_cookie, &form.csrf) {
        return page(
            &app,
            StatusCode::FORBIDDEN,
            &next,
            &shown,
            Some("the form expired or came from another site: sign in again"),
        );
    }
    let now = crate::now();
    let failures = match app.store.failed_sign_ins(name, now - FAILURE_WINDOW).await {
        Ok(count) => count,
        Err(error) => return crate::api::ApiError::from(error).into_response(),
    };
    if failures >= MAX_FAILURES {
        tracing::warn!(user = %shown, "sign-in refused: too many failures");
        let mut response = page(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            &shown,
            Some("too many failed sign-ins for this name: wait 15 minutes, or ask an admin"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(FAILURE_WINDOW));
        return response;
    }
    let credentials = match app.store.credentials(name).await {
        Ok(found) => found,
        Err(error) => return crate::api::ApiError::from(error).into_response(),
    };
    let password = form.password;
    let (user, hash) = match credentials {
        Some(c) => (Some(c.user), c.password_hash),
        None => (None, secret::decoy_hash().to_string()),
    };
    let matches = tokio::task::spawn_blocking(move || secret::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!(user = %shown, "sign-in failed");
        if let Err(error) = app
            .store
            .record_failed_sign_in(name, now, now - FAILURE_WINDOW)
            .await
        {
            return crate::api::ApiError::from(error).into_response();
        }
        return page(
            &app,
            StatusCode::UNAUTHORIZED,
            &next,
            &shown,
            Some("wrong name or password"),
        );
    };
    let session = secret::random_hex(32);
    let csrf = secret::random_hex(16);
    let lifetime = app.settings.session_seconds;
    let saved = async {
        app.store.clear_failed_sign_ins(name).await?;
        app.store
            .create_session(
                &secret::digest(&session),
                user.id,
                &csrf,
                now,
                now + lifetime,
            )
            .await
    };
    if let Err(error) = saved.await {
        return crate::api::ApiError::from(error).into_response();
    }
    tracing::info!(user = %user.name, "signed in");
    let mut response = Redirect::to(&next).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &session,
            lifetime,
            app.settings.secure_cookies,
        ),
    );
    headers.append(
        header::SET_COOKIE,
        set_cookie(FORM_COOKIE, "", 0, app.settings.secure_cookies),
    );
    response
}

async fn sign_out(State(app): State<App>, caller: Caller, headers: HeaderMap) -> Response {
    if let Some(session) = cookie(&headers, SESSION_COOKIE)
        && let Err(error) = app.store.delete_session(&secret::digest(session)).await
    {
        return crate::api::ApiError::from(error).into_response();
    }
    tracing::info!(user = %caller.user.name, "signed out");
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, app.settings.secure_cookies),
    );
    response
}
