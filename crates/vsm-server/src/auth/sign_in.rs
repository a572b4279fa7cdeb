//! Signing in and out: a username and password (argon2) become a session cookie (HttpOnly,
//! SameSite=Strict); attempts are counted per name in the store before the password is checked
//! (so every replica sees them, and attempts made at once cannot slip past the count) and
//! refused for a while past [`MAX_FAILURES`] failures; a success clears them.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::hashing::{HashError, RETRY_AFTER};
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

/// Where to go after signing in: a path on this site, else the list of streams. Only printable
/// ASCII, starting with one `/` that no `/` or `\` follows, and no `\` anywhere; the same once
/// percent-decoded. Browsers drop tabs and newlines from a URL and read `\` as `/`, so
/// `/%09/evil.example` or `/\tevil.example` would lead to another site; and a control character
/// cannot go into the `Location` header at all.
fn safe_next(next: Option<&str>) -> &str {
    fn local(path: &[u8]) -> bool {
        path.first() == Some(&b'/')
            && !matches!(path.get(1), Some(b'/' | b'\\'))
            && path
                .iter()
                .all(|byte| (0x21..=0x7e).contains(byte) && *byte != b'\\')
    }
    match next {
        Some(path)
            if local(path.as_bytes())
                && local(&percent_encoding::percent_decode_str(path).collect::<Vec<u8>>()) =>
        {
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
    // A name no user can have is refused before the store is touched: it is never stored.
    if let Err(error) = crate::accounts::check_user_name(name) {
        return page(
            &app,
            StatusCode::BAD_REQUEST,
            &next,
            &shown,
            Some(&error.to_string()),
        );
    }
    // A place in the line for argon2 first: when it is full, nothing is counted or hashed.
    let Some(admitted) = app.hashing.admit() else {
        tracing::warn!(user = %shown, "sign-in refused: every turn to check a password is taken");
        return busy(&app, &next, &shown);
    };
    let now = crate::now();
    // The attempt is noted before its password is checked, and counted with those before it
    // in one step: of many attempts at once, no more than the limit are ever checked.
    let attempts = match app
        .store
        .record_sign_in_attempt(name, now, now - FAILURE_WINDOW)
        .await
    {
        Ok(count) => count,
        Err(error) => return crate::api::ApiError::from(error).into_response(),
    };
    if attempts > MAX_FAILURES {
        tracing::warn!(user = %shown, "sign-in refused: too many failures");
        let mut response = page(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            &shown,
            Some(
                "too many failed sign-ins for this name: wait 15 minutes, or ask a server admin for a new password (`vsm serve --reset-password NAME`)",
            ),
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
        Some(c) => (Some(c.user), Some(c.password_hash)),
        None => (None, None),
    };
    // An unknown name is checked against a decoy (made on first use, in the turn too).
    let matches = match admitted
        .run(move || {
            let hash = hash.as_deref();
            secret::verify_password(&password, hash.unwrap_or(secret::decoy_hash()))
        })
        .await
    {
        Ok(matches) => matches,
        Err(HashError::Busy) => return busy(&app, &next, &shown),
        Err(HashError::Stopped(_)) => false,
    };
    let Some(user) = user.filter(|_| matches) else {
        tracing::info!(user = %shown, "sign-in failed");
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

/// 503 with `Retry-After`: every turn to check a password is taken.
fn busy(app: &App, next: &str, shown: &str) -> Response {
    let mut response = page(
        app,
        StatusCode::SERVICE_UNAVAILABLE,
        next,
        shown,
        Some(&HashError::Busy.to_string()),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER));
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

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed_after_signing_in() {
        for fine in [
            "/",
            "/streams/web-shop",
            "/streams/web-shop/compare?from=1&to=2",
        ] {
            assert_eq!(safe_next(Some(fine)), fine);
        }
        for other_site in [
            "//evil.example",
            "/\\evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/streams\r\nSet-Cookie: x=y",
            "/%0d%0aSet-Cookie:%20x=y",
            "/ /evil.example",
            "/caf\u{e9}",
            "https://evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(other_site)), "/", "{other_site:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
