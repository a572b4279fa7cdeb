//! People in a browser: sign in (with its limits), the pages, CSRF on every form.

use axum::http::{Method, StatusCode};
use serde_json::json;

use std::sync::Arc;

use vsm_server::auth::sign_in::{FAILURE_WINDOW, MAX_FAILURES};
use vsm_server::{App, Settings};

use crate::common::{
    Answer, Call, Client, Counting, FEATURE_DELIVERY, admin, backends, with_web_shop,
};

/// The value of the hidden `csrf` field in a page.
pub(crate) fn csrf_field(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no csrf field: {page}"))
        + "name=\"csrf\" value=\"".len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

/// `name=value` of the cookie `name` set by an answer.
pub(crate) fn cookie(answer: &Answer, name: &str) -> Option<String> {
    answer
        .cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
}

/// A new user `pat` with `role` on `stream`, made by the admin holding `token`: their password.
pub(crate) async fn member(client: &Client, token: &str, stream: &str, role: &str) -> String {
    let made = client
        .post("/api/users", token, &json!({"name": "pat"}))
        .await
        .json();
    let path = format!("/api/streams/{stream}/members/pat");
    client
        .send(
            Call::new(Method::PUT, &path)
                .token(token)
                .json(&json!({"role": role})),
        )
        .await;
    made["password"].as_str().unwrap().to_string()
}

pub(crate) async fn sign_in(client: &Client, name: &str, password: &str) -> Answer {
    sign_in_to(client, name, password, "/streams/web-shop").await
}

/// Signs in through the form, asking to go to `next` after.
async fn sign_in_to(client: &Client, name: &str, password: &str, next: &str) -> Answer {
    let form = client
        .send(Call::new(Method::GET, "/signin?next=/streams/web-shop"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let form_cookie = cookie(&form, "vsm_signin").expect("the sign-in form sets its cookie");
    let csrf = csrf_field(&form.body);
    client
        .send(
            Call::new(Method::POST, "/signin")
                .header("cookie", form_cookie)
                .form(&[
                    ("username", name),
                    ("password", password),
                    ("csrf", &csrf),
                    ("next", next),
                ]),
        )
        .await
}

/// A sign-in posted straight away, with a form cookie of its own making (as a script would).
async fn post_sign_in(client: &Client, name: &str, password: &str) -> Answer {
    client
        .send(
            Call::new(Method::POST, "/signin")
                .header("cookie", "vsm_signin=0123")
                .form(&[("username", name), ("password", password), ("csrf", "0123")]),
        )
        .await
}

#[tokio::test]
async fn people_sign_in_see_the_pages_and_every_form_needs_its_csrf_token() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        let future = include_str!("../../../../examples/feature-delivery-future.yaml");
        let future = future
            .lines()
            .filter(|l| !l.starts_with("extends:"))
            .collect::<Vec<_>>()
            .join("\n");
        with_web_shop(&client, &token).await;
        let password = member(&client, &token, "web-shop", "editor").await;

        // A form without its cookie is refused.
        let forged = client
            .send(Call::new(Method::POST, "/signin").form(&[
                ("username", "pat"),
                ("password", &password),
                ("csrf", "0123"),
            ]))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");

        let signed_in = sign_in(&client, "pat", &password).await;
        assert_eq!(
            signed_in.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            signed_in.body
        );
        assert_eq!(
            signed_in.header("location"),
            Some("/streams/web-shop"),
            "{name}"
        );
        let set = signed_in
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("vsm_session="))
            .unwrap()
            .to_string();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        let session = set.split(';').next().unwrap().to_string();

        // The pages: the list with headline numbers, the map, versions, compare.
        let page = |path: &'static str| {
            let session = session.clone();
            let client = &client;
            async move {
                client
                    .send(Call::new(Method::GET, path).header("cookie", session))
                    .await
            }
        };
        let list = page("/").await;
        assert_eq!(list.status, StatusCode::OK, "{name}: {}", list.body);
        assert!(list.body.contains("Web shop feature delivery"), "{name}");
        assert!(list.body.contains("Lead time"), "{name}");
        let stream = page("/streams/web-shop").await;
        assert_eq!(stream.status, StatusCode::OK, "{name}");
        assert!(stream.body.contains("<svg"), "{name}: the map is drawn");
        assert!(stream.body.contains("Bottlenecks"), "{name}");
        let csrf = csrf_field(&stream.body);

        // A save through the API with the cookie needs the CSRF header.
        let without = client
            .send(
                Call::new(Method::POST, "/api/streams/web-shop/versions")
                    .header("cookie", session.clone())
                    .json(&json!({"yaml": future, "message": "future"})),
            )
            .await;
        assert_eq!(without.status, StatusCode::FORBIDDEN, "{name}");
        let with = client
            .send(
                Call::new(Method::POST, "/api/streams/web-shop/versions")
                    .header("cookie", session.clone())
                    .header("x-csrf-token", csrf.clone())
                    .json(&json!({"yaml": future, "message": "future"})),
            )
            .await;
        assert_eq!(with.status, StatusCode::CREATED, "{name}: {}", with.body);

        let versions = page("/streams/web-shop/versions").await;
        assert!(
            versions.body.contains("v2") && versions.body.contains("future"),
            "{name}"
        );
        let compared = page("/streams/web-shop/compare?from=1&to=2").await;
        assert_eq!(compared.status, StatusCode::OK, "{name}: {}", compared.body);
        assert!(compared.body.contains("<svg"), "{name}: both maps drawn");

        // Tokens: the form needs the CSRF field; the token is shown once and works.
        let refused = client
            .send(
                Call::new(Method::POST, "/tokens")
                    .header("cookie", session.clone())
                    .form(&[("name", "ci")]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
        let made = client
            .send(
                Call::new(Method::POST, "/tokens")
                    .header("cookie", session.clone())
                    .form(&[("name", "ci"), ("csrf", &csrf)]),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{name}");
        assert_eq!(made.header("cache-control"), Some("no-store"));
        let start = made.body.find("vsm_").unwrap();
        let new_token = &made.body[start..start + 52];
        let me = client.get("/api/me", new_token).await.json();
        assert_eq!(me["name"], "pat", "{name}");

        // Signing out ends the session.
        let out = client
            .send(
                Call::new(Method::POST, "/signout")
                    .header("cookie", session.clone())
                    .form(&[("csrf", &csrf)]),
            )
            .await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{name}");
        let after = page("/").await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "{name}: signed out");
        backend.finish().await;
    }
}

#[tokio::test]
async fn the_list_tells_a_maps_lead_time_in_the_days_its_report_does() {
    // The headline told the textbook map's lead time in 24-hour days (15d 18h) while its
    // report, counting working days of 16 h as the map says, told 23.6d.
    let backend = crate::common::sqlite().await;
    let client = backend.client();
    let token = admin(&backend).await;
    let acme = include_str!("../../../../examples/textbook-acme-stamping.yaml");
    let created = client
        .post("/api/streams", &token, &json!({"id": "acme", "yaml": acme}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let password = member(&client, &token, "acme", "viewer").await;
    let signed_in = sign_in(&client, "pat", &password).await;
    let session = cookie(&signed_in, "vsm_session").expect("signed in");
    let list = client
        .send(Call::new(Method::GET, "/").header("cookie", session))
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("23.6d"), "{}", list.body);
    assert!(!list.body.contains("15d 18h"), "{}", list.body);
    backend.finish().await;
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_name() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        admin(&backend).await;
        let made = vsm_server::accounts::create_admin(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        for attempt in 0..MAX_FAILURES {
            let wrong = sign_in(&client, "sam", "guess").await;
            assert_eq!(
                wrong.status,
                StatusCode::UNAUTHORIZED,
                "{name}: attempt {attempt}"
            );
            assert!(wrong.body.contains("wrong name or password"), "{name}");
        }
        // Past the limit even the right password waits.
        let limited = sign_in(&client, "sam", &made).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert!(limited.header("retry-after").is_some(), "{name}");
        // Another name is not held back; an unknown one fails as a wrong password does.
        let unknown = sign_in(&client, "nobody", "guess").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn after_signing_in_only_a_path_on_this_site_is_followed() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let password = vsm_server::accounts::create_admin(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        // Browsers drop tabs and newlines from URLs and read `\` as `/`: each of these would
        // lead to evil.example; a control character cannot go into `Location` at all.
        for next in [
            "/%09/evil.example",
            "/\t/evil.example",
            "/%2F/evil.example",
            "/\\evil.example",
            "//evil.example",
            "/streams\r\nSet-Cookie: x=y",
        ] {
            let answer = sign_in_to(&client, "sam", &password, next).await;
            assert_eq!(
                (answer.status, answer.header("location")),
                (StatusCode::SEE_OTHER, Some("/")),
                "{name}: {next:?}: {}",
                answer.body
            );
        }
        backend.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_sent_at_once_are_checked_no_more_than_the_limit() {
    for backend in backends().await {
        let name = backend.name;
        let settings = Settings {
            hashing_waiting: 100,
            ..Settings::default()
        };
        let client = Client::of(App::new(Arc::clone(&backend.store), settings));
        vsm_server::accounts::create_admin(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        let mut attempts = tokio::task::JoinSet::new();
        for _ in 0..40 {
            let client = client.clone();
            attempts.spawn(async move { post_sign_in(&client, "sam", "guess").await.status });
        }
        let mut checked = 0;
        while let Some(status) = attempts.join_next().await {
            match status.unwrap() {
                StatusCode::UNAUTHORIZED => checked += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("{name}: a sign-in was answered {other}"),
            }
        }
        assert!(
            checked <= MAX_FAILURES,
            "{name}: {checked} of 40 passwords sent at once were checked; the limit is {MAX_FAILURES}"
        );
        backend.finish().await;
    }
}

#[tokio::test]
async fn sign_ins_past_the_line_for_hashing_are_answered_503_and_counted_nowhere() {
    for backend in backends().await {
        let name = backend.name;
        let settings = Settings {
            hashing_at_once: 1,
            hashing_waiting: 0,
            ..Settings::default()
        };
        let app = App::new(Arc::clone(&backend.store), settings);
        let client = Client::of(app.clone());
        let password = vsm_server::accounts::create_admin(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        let taken = app.hashing.admit().expect("the one place in line");
        let busy = post_sign_in(&client, "sam", &password).await;
        assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE, "{name}");
        assert_eq!(busy.header("retry-after"), Some("1"), "{name}");
        assert!(busy.body.contains("try again"), "{name}: {}", busy.body);
        // Adding a user hashes too: refused the same way.
        let token = vsm_server::accounts::create_token(backend.store.as_ref(), "sam", "t")
            .await
            .unwrap();
        let add = client
            .post("/api/users", &token, &serde_json::json!({"name": "pat"}))
            .await;
        assert_eq!(
            add.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{name}: {}",
            add.body
        );
        assert_eq!(add.header("retry-after"), Some("1"), "{name}");
        let counted = backend.store.failed_sign_ins("sam", 0).await.unwrap();
        assert_eq!(counted, 0, "{name}: a refused sign-in is not an attempt");
        drop(taken);
        let signed_in = post_sign_in(&client, "sam", &password).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_name_no_user_can_have_is_refused_before_the_store() {
    for backend in backends().await {
        let name = backend.name;
        let counting = Counting::new(Arc::clone(&backend.store));
        let client = Client::of(App::new(counting.clone(), Settings::default()));
        for bad in ["two words", &"x".repeat(10_000), "ada\u{0}"] {
            let answer = post_sign_in(&client, bad, "guess").await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{name}");
            assert!(answer.body.contains("cannot be a user name"), "{name}");
        }
        assert!(counting.take().is_empty(), "{name}: no store call");
        assert_eq!(
            backend.store.failed_sign_ins("two words", 0).await.unwrap(),
            0,
            "{name}"
        );
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_password_reset_lets_a_held_back_user_in_and_the_old_password_out() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let old = vsm_server::accounts::create_admin(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        for _ in 0..MAX_FAILURES {
            post_sign_in(&client, "sam", "guess").await;
        }
        let held = post_sign_in(&client, "sam", &old).await;
        assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert!(
            held.body.contains("--reset-password"),
            "{name}: {}",
            held.body
        );
        let new = vsm_server::accounts::reset_password(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        assert_ne!(new, old);
        let now = vsm_server::now();
        assert_eq!(
            backend
                .store
                .failed_sign_ins("sam", now - FAILURE_WINDOW)
                .await
                .unwrap(),
            0,
            "{name}: cleared"
        );
        let refused = post_sign_in(&client, "sam", &old).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{name}");
        let signed_in = post_sign_in(&client, "sam", &new).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{name}");
        let nobody = vsm_server::accounts::reset_password(backend.store.as_ref(), "nobody")
            .await
            .unwrap_err();
        assert!(nobody.to_string().contains("no user `nobody`"), "{nobody}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn the_pages_ask_the_store_for_roles_once() {
    for backend in backends().await {
        let name = backend.name;
        let counting = Counting::new(Arc::clone(&backend.store));
        let client = Client::of(App::new(counting.clone(), Settings::default()));
        let token = admin(&backend).await;
        for id in ["a", "b", "c"] {
            let made = client
                .post(
                    "/api/streams",
                    &token,
                    &serde_json::json!({"id": id, "yaml": FEATURE_DELIVERY}),
                )
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        }
        let made = client
            .post("/api/users", &token, &serde_json::json!({"name": "vera"}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}");
        for id in ["a", "b", "c"] {
            let given = client
                .send(
                    Call::new(Method::PUT, &format!("/api/streams/{id}/members/vera"))
                        .token(&token)
                        .json(&serde_json::json!({"role": "viewer"})),
                )
                .await;
            assert_eq!(given.status, StatusCode::NO_CONTENT, "{name}");
        }
        let viewer = vsm_server::accounts::create_token(backend.store.as_ref(), "vera", "t")
            .await
            .unwrap();
        counting.take();
        let list = client.get("/", &viewer).await;
        assert_eq!(list.status, StatusCode::OK, "{name}: {}", list.body);
        let calls = counting.take();
        assert_eq!(calls.get("streams"), Some(&1), "{name}: {calls:?}");
        assert_eq!(calls.get("role"), None, "{name}: {calls:?}");
        let page = client.get("/streams/b", &viewer).await;
        assert_eq!(page.status, StatusCode::OK, "{name}: {}", page.body);
        let calls = counting.take();
        assert_eq!(calls.get("role"), Some(&1), "{name}: {calls:?}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_password_reset_ends_the_sessions_signed_in_with_the_old_password() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let old = vsm_server::accounts::create_admin(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        let signed_in = sign_in(&client, "sam", &old).await;
        let session = cookie(&signed_in, "vsm_session").expect("a session cookie");
        let page = |session: String| {
            let client = client.clone();
            async move {
                client
                    .send(Call::new(Method::GET, "/").header("cookie", session))
                    .await
            }
        };
        assert_eq!(page(session.clone()).await.status, StatusCode::OK, "{name}");
        vsm_server::accounts::reset_password(backend.store.as_ref(), "sam")
            .await
            .unwrap();
        let after = page(session).await;
        assert_eq!(
            after.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            after.body
        );
        assert!(
            after
                .header("location")
                .is_some_and(|l| l.starts_with("/signin")),
            "{name}"
        );
        backend.finish().await;
    }
}
