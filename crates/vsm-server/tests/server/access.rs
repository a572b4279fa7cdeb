//! Access: every route refuses a caller without credentials unless it is one of the few public
//! ones or a webhook, and every webhook refuses a delivery without its source's signature or
//! token; roles per stream; the OpenAPI document names exactly the API's routes.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::json;
use vsm_server::Settings;

use crate::common::{Call, FEATURE_DELIVERY, admin, backends, members, sqlite, with_web_shop};

/// The routes anyone may call.
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/signin"),
    ("POST", "/signin"),
    ("GET", "/static/style.css"),
    ("GET", "/static/editor.js"),
];

/// The webhook routes: they take no user's credentials, and check their source's.
const WEBHOOKS: &[&str] = &[
    "/hooks/github/{stream}/{source}",
    "/hooks/gitlab/{stream}/{source}",
    "/hooks/events/{stream}/{source}",
];

/// A route's path with its parameters filled in with values that exist (each webhook's source
/// is named after its kind, and is of that kind).
fn concrete(path: &str) -> String {
    let source = ["github", "gitlab", "events"]
        .into_iter()
        .find(|kind| path.starts_with(&format!("/hooks/{kind}/")))
        .unwrap_or(if path.ends_with("/pull") {
            "pulled"
        } else {
            "events"
        });
    path.replace("{stream}", "web-shop")
        .replace("{number}", "1")
        .replace("{user}", "ada")
        .replace("{source}", source)
        .replace("{improvement}", "auto-regression")
        .replace("{metric}", "lead_time")
}

/// Makes the pull source `pulled` of `web-shop` (due in a week, so that only a "pull now"
/// would change it), and answers how it stands.
async fn with_pull_source(
    backend: &crate::common::Backend,
    client: &crate::common::Client,
    token: &str,
) -> Vec<vsm_server::store::Pull> {
    let made = client
        .post(
            "/api/streams/web-shop/sources",
            token,
            &json!({"name": "pulled", "kind": "pull", "pull": {"provider": "github", "target": "o/r", "interval_minutes": 10080}}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let now = vsm_server::now();
    let owner = "the-test";
    let pull = backend
        .store
        .claim_pull("web-shop", "pulled", owner, now, now + 60)
        .await
        .unwrap()
        .unwrap();
    let state = vsm_server::store::PullState {
        next_due: now + 7 * 86_400,
        ..pull.state
    };
    assert!(
        backend
            .store
            .finish_pull("web-shop", "pulled", owner, &state)
            .await
            .unwrap()
    );
    backend.store.pulls("web-shop").await.unwrap()
}

#[tokio::test]
async fn every_route_but_the_public_ones_refuses_a_caller_without_credentials() {
    for backend in backends().await {
        let name = backend.name;
        let app = backend.app();
        let (_, table) = vsm_server::routes(&app);
        let public: BTreeSet<(String, String)> = table
            .iter()
            .filter(|r| r.public)
            .map(|r| (r.method.to_string(), r.path.to_string()))
            .collect();
        let expected: BTreeSet<(String, String)> = PUBLIC
            .iter()
            .map(|(m, p)| ((*m).to_string(), (*p).to_string()))
            .collect();
        assert_eq!(public, expected, "{name}: the public routes");
        assert!(table.len() > 20, "{name}: the table lists every route");

        let webhooks: BTreeSet<&str> = table.iter().filter(|r| r.webhook).map(|r| r.path).collect();
        assert_eq!(
            webhooks,
            WEBHOOKS.iter().copied().collect(),
            "{name}: the webhooks"
        );
        assert!(
            table.iter().all(|r| !(r.public && r.webhook)),
            "{name}: a webhook is not public"
        );

        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        for kind in ["github", "gitlab", "events"] {
            let made = client
                .post(
                    "/api/streams/web-shop/sources",
                    &token,
                    &json!({"name": kind, "kind": kind}),
                )
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        }
        let pulls = with_pull_source(&backend, &client, &token).await;
        let body = json!({
            "id": "other", "yaml": FEATURE_DELIVERY, "name": "x", "role": "admin", "admin": true,
            "kind": "events", "case": "c", "activity": "a", "time": "2026-01-01T00:00:00Z"
        });
        for route in table.iter().filter(|r| r.webhook) {
            let path = concrete(route.path);
            // No credentials, a user's token (not the source's), and forged ones of each kind.
            let forged = [
                vec![],
                vec![("authorization", format!("Bearer {token}"))],
                vec![
                    ("authorization", "Bearer vsm_hook_not-the-token".to_string()),
                    ("x-gitlab-token", "vsm_hook_not-the-token".to_string()),
                    ("x-hub-signature-256", format!("sha256={}", "0".repeat(64))),
                ],
            ];
            for headers in forged {
                let mut call = Call::new(route.method.clone(), &path).json(&body);
                for (header, value) in [
                    ("x-github-event", "push"),
                    ("x-github-delivery", "d-1"),
                    ("x-gitlab-event", "Push Hook"),
                    ("idempotency-key", "d-1"),
                ] {
                    call = call.header(header, value);
                }
                for (header, value) in &headers {
                    call = call.header(header, value.clone());
                }
                let answer = client.send(call).await;
                assert_eq!(
                    answer.status,
                    StatusCode::UNAUTHORIZED,
                    "{name}: {} {} with {:?} was answered: {}",
                    route.method,
                    route.path,
                    headers.iter().map(|(h, _)| h).collect::<Vec<_>>(),
                    answer.body
                );
            }
        }
        for route in table.iter().filter(|r| !r.public && !r.webhook) {
            let path = concrete(route.path);
            for credentials in [None, Some("vsm_not-a-real-token"), Some("")] {
                let mut call = Call::new(route.method.clone(), &path);
                if matches!(route.method, Method::POST | Method::PUT) {
                    call = if path.starts_with("/api/") {
                        call.json(&body)
                    } else {
                        call.form(&[("name", "x"), ("csrf", "")])
                    };
                }
                if let Some(token) = credentials {
                    call = call.token(token);
                }
                let answer = client.send(call).await;
                // Machines (the API, Prometheus) are answered 401; people are sent to sign in.
                let refused = if path.starts_with("/api/") || path == "/metrics" {
                    answer.status == StatusCode::UNAUTHORIZED
                } else {
                    answer.status == StatusCode::SEE_OTHER
                        && answer
                            .header("location")
                            .is_some_and(|l| l.starts_with("/signin?next="))
                };
                assert!(
                    refused,
                    "{name}: {} {} with {credentials:?} was answered {}: {}",
                    route.method, route.path, answer.status, answer.body
                );
            }
        }
        // Nothing changed: one stream, one version, one user.
        let streams = client.get("/api/streams", &token).await.json();
        assert_eq!(streams.as_array().unwrap().len(), 1, "{name}");
        let versions = client
            .get("/api/streams/web-shop/versions", &token)
            .await
            .json();
        assert_eq!(versions.as_array().unwrap().len(), 1, "{name}");
        assert!(
            backend.store.user_by_name("x").await.unwrap().is_none(),
            "{name}"
        );
        let deliveries = backend
            .store
            .deliveries_after("web-shop", 0, 10)
            .await
            .unwrap();
        assert!(deliveries.is_empty(), "{name}: {deliveries:?}");
        assert_eq!(
            backend.store.sources("web-shop").await.unwrap().len(),
            3,
            "{name}"
        );
        assert_eq!(
            backend.store.pulls("web-shop").await.unwrap(),
            pulls,
            "{name}"
        );
        backend.finish().await;
    }
}

#[tokio::test]
async fn roles_per_stream_decide_who_reads_saves_and_shares() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let [viewer, editor, outsider] = &members(&backend, &client, &token).await;
        let changed = FEATURE_DELIVERY.replace("wait_time: 3d", "wait_time: 2d");

        // A viewer reads, and is refused a save and a share, which change nothing.
        let read = client.get("/api/streams/web-shop/map", viewer).await;
        assert_eq!(read.status, StatusCode::OK, "{name}");
        let save = client
            .post(
                "/api/streams/web-shop/versions",
                viewer,
                &json!({"yaml": changed}),
            )
            .await;
        assert_eq!(save.status, StatusCode::FORBIDDEN, "{name}: {}", save.body);
        assert!(
            save.body.contains("you are a viewer"),
            "{name}: {}",
            save.body
        );
        let share = client
            .send(
                Call::new(Method::PUT, "/api/streams/web-shop/members/vera")
                    .token(viewer)
                    .json(&json!({"role": "admin"})),
            )
            .await;
        assert_eq!(share.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(
            backend
                .store
                .role(
                    "web-shop",
                    backend
                        .store
                        .user_by_name("vera")
                        .await
                        .unwrap()
                        .unwrap()
                        .id
                )
                .await
                .unwrap(),
            Some(vsm_server::store::Role::Viewer),
            "{name}"
        );
        let adds_user = client
            .post("/api/users", viewer, &json!({"name": "mallory"}))
            .await;
        assert_eq!(adds_user.status, StatusCode::FORBIDDEN, "{name}");

        // An editor saves; the version names them.
        let saved = client
            .post(
                "/api/streams/web-shop/versions",
                editor,
                &json!({"yaml": changed}),
            )
            .await;
        assert_eq!(saved.status, StatusCode::CREATED, "{name}: {}", saved.body);
        assert_eq!(saved.json()["version"]["author"], "ed", "{name}");

        // Someone with no role sees no such stream, and lists none.
        let hidden = client.get("/api/streams/web-shop", outsider).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            client.get("/api/streams", outsider).await.json(),
            json!([]),
            "{name}"
        );
        let listed = client.get("/api/streams", viewer).await.json();
        assert_eq!(listed[0]["role"], "viewer", "{name}");

        // A role taken away is gone.
        let removed = client
            .send(Call::new(Method::DELETE, "/api/streams/web-shop/members/vera").token(&token))
            .await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{name}");
        let gone = client.get("/api/streams/web-shop/map", viewer).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn the_openapi_document_names_exactly_the_api_routes() {
    let backend = sqlite().await;
    let app = backend.app();
    let (_, table) = vsm_server::routes(&app);
    let routes: BTreeSet<(String, String)> = table
        .iter()
        // Every route but the pages and the style sheet.
        .filter(|r| {
            ["/api/", "/hooks/", "/metrics", "/healthz", "/readyz"]
                .iter()
                .any(|start| r.path.starts_with(start))
        })
        .map(|r| (r.method.as_str().to_lowercase(), r.path.to_string()))
        .collect();
    let client = backend.client();
    let token = admin(&backend).await;
    let answer = client.get("/api/openapi.json", &token).await;
    assert_eq!(answer.status, StatusCode::OK);
    let document = answer.json();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    let mut documented = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.clone(), path.clone()));
            }
        }
    }
    let undocumented: Vec<_> = routes.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routes).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routes without a document entry: {undocumented:?}; documented without a route: {unrouted:?}"
    );
}

#[tokio::test]
async fn health_and_readiness_need_no_credentials_and_bodies_are_bounded() {
    let backend = sqlite().await;
    let client = backend.client();
    let health = client.send(Call::new(Method::GET, "/healthz")).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok\n")
    );
    let csp = health.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
    let ready = client.send(Call::new(Method::GET, "/readyz")).await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready\n")
    );
    let token = admin(&backend).await;
    let huge = "x".repeat(Settings::default().max_body + 1);
    let body = json!({"id": "big", "yaml": huge});
    let answer = client
        .send(
            Call::new(Method::POST, "/api/streams")
                .token(&token)
                .header("content-length", body.to_string().len().to_string())
                .json(&body),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.body
    );
    // Answered by the body limit's layer itself, and still with the headers every answer has.
    assert!(
        answer
            .header("content-security-policy")
            .is_some_and(|csp| csp.contains("default-src 'none'")),
        "{:?}",
        answer.headers
    );
    assert_eq!(answer.header("x-frame-options"), Some("DENY"));
}

/// Every route that changes a stream, walked from the route table with a viewer's token: each
/// one is refused with 403, and nothing changes (versions, members, sources, deliveries).
#[tokio::test]
async fn every_write_to_a_stream_refuses_a_viewer_and_changes_nothing() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let made = client
            .post(
                "/api/streams/web-shop/sources",
                &token,
                &json!({"name": "events", "kind": "events"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let pulls = with_pull_source(&backend, &client, &token).await;
        let [viewer, _, _] = &members(&backend, &client, &token).await;
        let changed = FEATURE_DELIVERY.replace("wait_time: 3d", "wait_time: 2d");
        let body = json!({
            "yaml": changed, "message": "m", "name": "x", "kind": "github", "role": "admin",
            "status": "done", "version": 1, "expected_version": 1
        });
        let (_, table) = vsm_server::routes(&backend.app());
        let writes: Vec<_> = table
            .iter()
            .filter(|r| !r.public && !r.webhook && r.path.contains("{stream}"))
            .filter(|r| !matches!(r.method, Method::GET | Method::HEAD))
            // A viewer follows the workshop editor and says what they look at: it stores
            // nothing (see workshop.rs, which checks it).
            .filter(|r| r.path != "/api/streams/{stream}/presence")
            .collect();
        let paths: BTreeSet<&str> = writes.iter().map(|r| r.path).collect();
        for expected in [
            "/api/streams/{stream}/versions",
            "/api/streams/{stream}/members/{user}",
            "/api/streams/{stream}/sources",
            "/api/streams/{stream}/plan/{improvement}",
            "/api/streams/{stream}/sources/{source}/pull",
        ] {
            assert!(
                paths.contains(expected),
                "{name}: the walk has {expected}: {paths:?}"
            );
        }
        for route in writes {
            let path = concrete(route.path);
            let mut call = Call::new(route.method.clone(), &path).token(viewer);
            if matches!(route.method, Method::POST | Method::PUT) {
                call = if path.starts_with("/api/") {
                    call.json(&body)
                } else {
                    call.form(&[
                        ("status", "done"),
                        ("version", "1"),
                        ("improvement", "auto-regression"),
                        ("csrf", ""),
                    ])
                };
            }
            let answer = client.send(call).await;
            assert_eq!(
                answer.status,
                StatusCode::FORBIDDEN,
                "{name}: {} {} with a viewer's token was answered: {}",
                route.method,
                route.path,
                answer.body
            );
        }
        let versions = client
            .get("/api/streams/web-shop/versions", &token)
            .await
            .json();
        assert_eq!(versions.as_array().unwrap().len(), 1, "{name}: no version");
        let sources = backend.store.sources("web-shop").await.unwrap();
        assert_eq!(sources.len(), 1, "{name}: {sources:?}");
        assert_eq!(
            backend.store.pulls("web-shop").await.unwrap(),
            pulls,
            "{name}: not due now"
        );
        assert!(
            backend
                .store
                .deliveries_after("web-shop", 0, 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let vera = backend.store.user_by_name("vera").await.unwrap().unwrap();
        assert_eq!(
            backend.store.role("web-shop", vera.id).await.unwrap(),
            Some(vsm_server::store::Role::Viewer),
            "{name}: still a viewer"
        );
        backend.finish().await;
    }
}

#[tokio::test]
async fn scripts_come_only_from_the_server_itself_and_the_editor_script_is_public() {
    let backend = sqlite().await;
    let client = backend.client();
    let script = client
        .send(Call::new(Method::GET, "/static/editor.js"))
        .await;
    assert_eq!(script.status, StatusCode::OK);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(
        script.body.contains("window.vsmEditor"),
        "the editor's script"
    );
    let csp = script.header("content-security-policy").unwrap();
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    // Exactly the server's own files and requests: no inline script, no eval, no other host.
    assert!(directives.contains(&"script-src 'self'"), "{csp}");
    assert!(directives.contains(&"connect-src 'self'"), "{csp}");
    assert!(
        !csp.contains("unsafe-eval") && !csp.contains("script-src 'self' "),
        "{csp}"
    );
}
