//! People in a browser: sign in (with its limits), the pages, CSRF on every form.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::common::{Answer, Call, Client, FEATURE_DELIVERY, admin, backends};

/// The value of the hidden `csrf` field in a page.
fn csrf_field(page: &str) -> String {
    let start = page
        .find("name=\"csrf\" value=\"")
        .unwrap_or_else(|| panic!("no csrf field: {page}"))
        + "name=\"csrf\" value=\"".len();
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

/// `name=value` of the cookie `name` set by an answer.
fn cookie(answer: &Answer, name: &str) -> Option<String> {
    answer
        .cookies()
        .into_iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_string())
}

/// A new user `pat` with `role` on `stream`, made by the admin holding `token`: their password.
async fn member(client: &Client, token: &str, stream: &str, role: &str) -> String {
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

async fn sign_in(client: &Client, name: &str, password: &str) -> Answer {
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
                    ("next", "/streams/web-shop"),
                ]),
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
        client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "web-shop", "yaml": FEATURE_DELIVERY}),
            )
            .await;
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
        for attempt in 0..vsm_server::auth::sign_in::MAX_FAILURES {
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
