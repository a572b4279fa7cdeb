//! Webhooks: sources made by a stream's admin with a secret shown once; GitHub, GitLab and the
//! events endpoint deliver, each delivery stored once by its id; a delivery with a forged or
//! missing signature or token, or to a stream or source that is not there, is refused alike
//! and changes nothing.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use vsm_server::hooks::key::github_signature;
use vsm_server::store::{Check, Delivery};

use crate::common::{Answer, Backend, Call, Client, admin, backends, members, with_web_shop};

/// A real `pull_request` delivery's body (see tests/data/README.md).
const PULL_REQUEST: &str = include_str!("../data/github/pull_request.closed.json");
/// A GitLab merge request hook's body (see tests/data/README.md).
const MERGE_REQUEST: &str = include_str!("../data/gitlab/merge_request.merged.json");

/// Makes source `name` of `kind` on `web-shop` as `token`'s user: what came back.
async fn make_source(client: &Client, token: &str, name: &str, kind: &str) -> Value {
    let made = client
        .post(
            "/api/streams/web-shop/sources",
            token,
            &json!({"name": name, "kind": kind}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.json()
}

/// Every delivery stored for `web-shop`.
async fn stored(backend: &Backend) -> Vec<Delivery> {
    backend
        .store
        .deliveries_after("web-shop", 0, 10_000)
        .await
        .unwrap()
}

/// A POST of `body` as it is to `path`, with `headers`.
pub(crate) async fn deliver(
    client: &Client,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut call = Call::new(Method::POST, path);
    for (name, value) in headers {
        call = call.header(name, *value);
    }
    call.body = Some(Body::from(body.to_string()));
    call.content_type = Some("application/json");
    client.send(call).await
}

/// A GitHub delivery of `body`, signed with `secret`.
async fn github(client: &Client, path: &str, secret: &str, id: &str, body: &str) -> Answer {
    let signature = github_signature(secret, body.as_bytes());
    let headers = [
        ("x-hub-signature-256", signature.as_str()),
        ("x-github-event", "pull_request"),
        ("x-github-delivery", id),
    ];
    deliver(client, path, &headers, body).await
}

fn counts(answer: &Answer) -> (u64, u64) {
    let body = answer.json();
    (
        body["stored"].as_u64().unwrap(),
        body["duplicates"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_signed_github_delivery_is_stored_once_and_a_forged_one_changes_nothing() {
    for backend in backends().await {
        let name = backend.name;
        let app = backend.app();
        let client = Client::of(app.clone());
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let made = make_source(&client, &token, "gh", "github").await;
        let secret = made["secret"].as_str().unwrap().to_string();
        assert_eq!(secret.len(), 64, "{name}: {made}");
        let url = made["url"].as_str().unwrap();
        assert!(url.ends_with("/hooks/github/web-shop/gh"), "{name}: {url}");
        let path = "/hooks/github/web-shop/gh";
        // Listed without the secret; kept as a salt, not the secret.
        let listed = client.get("/api/streams/web-shop/sources", &token).await;
        assert_eq!(listed.json()[0]["path"], path, "{name}");
        assert!(!listed.body.contains(&secret), "{name}");
        let kept = backend
            .store
            .source("web-shop", "gh")
            .await
            .unwrap()
            .unwrap();
        assert!(
            matches!(&kept.check, Check::Salt(salt) if !salt.contains(&secret)),
            "{name}"
        );

        let id = "f0e1d2c3-0000-11ee-8000-000000000014";
        let first = github(&client, path, &secret, id, PULL_REQUEST).await;
        assert_eq!(first.status, StatusCode::ACCEPTED, "{name}: {}", first.body);
        assert_eq!(counts(&first), (1, 0), "{name}");
        let again = github(&client, path, &secret, id, PULL_REQUEST).await;
        assert_eq!(again.status, StatusCode::OK, "{name}: {}", again.body);
        assert_eq!(counts(&again), (0, 1), "{name}");
        let deliveries = stored(&backend).await;
        assert_eq!(deliveries.len(), 1, "{name}");
        assert_eq!(deliveries[0].body, PULL_REQUEST, "{name}: byte for byte");
        assert_eq!(
            (
                deliveries[0].event.as_str(),
                deliveries[0].delivery_id.as_str()
            ),
            ("pull_request", id),
            "{name}"
        );

        // Forged: another secret, a changed body, a bad or missing signature.
        let forged = github(&client, path, &"0".repeat(64), "forged-1", PULL_REQUEST).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{name}");
        let signature = github_signature(&secret, PULL_REQUEST.as_bytes());
        let changed = PULL_REQUEST.replacen("\"closed\"", "\"opened\"", 1);
        for (signature, body) in [
            (signature.as_str(), changed.as_str()),
            ("sha256=zz", PULL_REQUEST),
            (&signature[7..], PULL_REQUEST),
            ("", PULL_REQUEST),
        ] {
            let headers = [
                ("x-hub-signature-256", signature),
                ("x-github-event", "pull_request"),
                ("x-github-delivery", "forged-2"),
            ];
            let answer = deliver(&client, path, &headers, body).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{name}: {signature}"
            );
        }
        // No such stream, no such source, a source of another kind: the same answer as a
        // forgery, so that names cannot be probed.
        for elsewhere in ["/hooks/github/nowhere/gh", "/hooks/github/web-shop/nobody"] {
            let answer = github(&client, elsewhere, &secret, "probe", PULL_REQUEST).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{name}: {elsewhere}"
            );
            assert_eq!(answer.body, forged.body, "{name}: {elsewhere}");
        }
        make_source(&client, &token, "gl", "gitlab").await;
        let other_kind = github(&client, "/hooks/github/web-shop/gl", &secret, "x", "{}").await;
        assert_eq!(other_kind.body, forged.body, "{name}");

        // A ping is answered and not stored; a delivery without an id, or not JSON, is refused.
        let ping_body = r#"{"zen": "Keep it logically awesome.", "hook_id": 1}"#;
        let ping_signature = github_signature(&secret, ping_body.as_bytes());
        let ping = deliver(
            &client,
            path,
            &[
                ("x-hub-signature-256", &ping_signature),
                ("x-github-event", "ping"),
                ("x-github-delivery", "ping-1"),
            ],
            ping_body,
        )
        .await;
        assert_eq!(ping.status, StatusCode::OK, "{name}: {}", ping.body);
        let no_id = deliver(
            &client,
            path,
            &[
                ("x-hub-signature-256", &signature),
                ("x-github-event", "pull_request"),
            ],
            PULL_REQUEST,
        )
        .await;
        assert_eq!(no_id.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            no_id.body.contains("X-GitHub-Delivery") || no_id.body.contains("x-github-delivery"),
            "{name}: {}",
            no_id.body
        );
        let broken = "{\"action\": \"closed\",\n \"number\": }";
        let not_json = github(&client, path, &secret, "broken-1", broken).await;
        assert_eq!(not_json.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            not_json.body.contains("line 2 column"),
            "{name}: {}",
            not_json.body
        );
        // Over the body limit: 413.
        let huge = format!(
            "[\"{}\"]",
            "x".repeat(vsm_server::Settings::default().max_body)
        );
        let too_big = github(&client, path, &secret, "huge-1", &huge).await;
        assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE, "{name}");
        assert_eq!(
            stored(&backend).await.len(),
            1,
            "{name}: nothing refused was stored"
        );

        // A replica with the same server key checks the same secret; with another key, no
        // secret made before matches.
        let replica = Client::of(backend.app().with_key((*app.key).clone()));
        let answer = github(&replica, path, &secret, "replica-1", PULL_REQUEST).await;
        assert_eq!(
            answer.status,
            StatusCode::ACCEPTED,
            "{name}: {}",
            answer.body
        );
        let stranger = Client::of(backend.app());
        let answer = github(&stranger, path, &secret, "stranger-1", PULL_REQUEST).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(stored(&backend).await.len(), 2, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn gitlab_deliveries_carry_the_token_and_are_stored_once_by_their_idempotency_key() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let made = make_source(&client, &token, "gl", "gitlab").await;
        let secret = made["secret"].as_str().unwrap().to_string();
        assert!(secret.starts_with("vsm_hook_"), "{name}: {made}");
        let kept = backend
            .store
            .source("web-shop", "gl")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            kept.check,
            Check::TokenHash(vsm_server::auth::secret::digest(&secret)),
            "{name}: only its hash is kept"
        );
        let path = "/hooks/gitlab/web-shop/gl";
        let send = |token: &str, ids: &[(&'static str, &'static str)]| {
            let mut headers = vec![
                ("x-gitlab-token", token.to_string()),
                ("x-gitlab-event", "Merge Request Hook".to_string()),
            ];
            headers.extend(ids.iter().map(|(h, v)| (*h, (*v).to_string())));
            let client = client.clone();
            async move {
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(h, v)| (*h, v.as_str())).collect();
                deliver(&client, path, &headers, MERGE_REQUEST).await
            }
        };
        let first = send(
            &secret,
            &[("idempotency-key", "k-1"), ("x-gitlab-event-uuid", "u-1")],
        )
        .await;
        assert_eq!(first.status, StatusCode::ACCEPTED, "{name}: {}", first.body);
        // A retry keeps its idempotency key (its event UUID may differ): stored once.
        let retry = send(
            &secret,
            &[("idempotency-key", "k-1"), ("x-gitlab-event-uuid", "u-2")],
        )
        .await;
        assert_eq!(counts(&retry), (0, 1), "{name}: {}", retry.body);
        let older = send(&secret, &[("x-gitlab-event-uuid", "u-3")]).await;
        assert_eq!(counts(&older), (1, 0), "{name}: {}", older.body);
        let no_id = send(&secret, &[]).await;
        assert_eq!(no_id.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            no_id.body.contains("x-gitlab-event-uuid") && no_id.body.contains("Idempotency-Key"),
            "{name}: {}",
            no_id.body
        );
        let wrong = send("vsm_hook_000", &[("idempotency-key", "k-9")]).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{name}");
        let none = deliver(&client, path, &[("x-gitlab-event", "Push Hook")], "{}").await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{name}");
        let deliveries = stored(&backend).await;
        let ids: Vec<_> = deliveries.iter().map(|d| d.delivery_id.as_str()).collect();
        assert_eq!(ids, ["k-1", "u-3"], "{name}");
        assert_eq!(deliveries[0].body, MERGE_REQUEST, "{name}");
        assert_eq!(deliveries[0].event, "Merge Request Hook", "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn an_events_batch_with_a_bad_event_is_refused_whole_naming_it() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let made = make_source(&client, &token, "ci", "events").await;
        let secret = made["secret"].as_str().unwrap().to_string();
        let path = "/hooks/events/web-shop/ci";
        let bearer = format!("Bearer {secret}");
        let send = |body: String| {
            let (client, bearer) = (client.clone(), bearer.clone());
            async move { deliver(&client, path, &[("authorization", &bearer)], &body).await }
        };
        let event = |id: &str, time: &str| {
            format!(
                r#"{{"id": "{id}", "case": "PROJ-7", "activity": "Deploy", "time": "{time}", "lifecycle": "complete", "attributes": {{"env": "prod"}}}}"#
            )
        };
        let (a, b) = (
            event("e-1", "2026-03-02T14:05:00Z"),
            event("e-2", "2026-03-02T15:05:00+01:00"),
        );
        let batch = send(format!(r#"{{"events": [{a}, {b}]}}"#)).await;
        assert_eq!(batch.status, StatusCode::ACCEPTED, "{name}: {}", batch.body);
        assert_eq!(counts(&batch), (2, 0), "{name}");

        // One bad event among good ones: nothing stored, the event, field and value named.
        let bad = event("e-4", "yesterday");
        let refused = send(format!(
            r#"{{"events": [{b}, {}, {bad}]}}"#,
            event("e-3", "2026-03-03T09:00:00Z")
        ))
        .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let body = refused.json();
        assert_eq!(body["problems"][0]["event"], 2, "{name}: {body}");
        assert_eq!(body["problems"][0]["field"], "time", "{name}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(
            error.contains("1 of 3 events")
                && error.contains("events[2]")
                && error.contains("`yesterday`"),
            "{name}: {error}"
        );
        assert!(
            error.contains("2026-03-02T14:05:00Z"),
            "suggests the form: {error}"
        );
        assert_eq!(
            stored(&backend).await.len(),
            2,
            "{name}: e-3 was not stored"
        );

        // Sent again with the rest, and one event alone: only what is new is stored.
        let retry = send(format!(
            r#"{{"events": [{b}, {}]}}"#,
            event("e-3", "2026-03-03T09:00:00Z")
        ))
        .await;
        assert_eq!(counts(&retry), (1, 1), "{name}: {}", retry.body);
        let single = event("e-5", "2026-03-04T09:00:00Z");
        let alone = send(single.clone()).await;
        assert_eq!(counts(&alone), (1, 0), "{name}: {}", alone.body);
        let deliveries = stored(&backend).await;
        let ids: Vec<_> = deliveries.iter().map(|d| d.delivery_id.as_str()).collect();
        assert_eq!(ids, ["e-1", "e-2", "e-3", "e-5"], "{name}");
        assert_eq!(deliveries[0].body, a, "{name}: each event as sent");
        assert_eq!(deliveries[3].body, single, "{name}");
        assert_eq!(deliveries[0].event, "Deploy", "{name}");

        // Without the token, with another, or to another kind's path: refused, nothing stored.
        let unsigned = deliver(&client, path, &[], &single).await;
        assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED, "{name}");
        let wrong = deliver(
            &client,
            path,
            &[("authorization", "Bearer vsm_hook_x")],
            &event("e-6", "2026-03-04T09:00:00Z"),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{name}");
        let not_json = send("{\"id\": ".into()).await;
        assert_eq!(not_json.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(stored(&backend).await.len(), 4, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn only_a_streams_admin_makes_or_deletes_a_source_and_a_deleted_one_delivers_no_more() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let tokens = members(&backend, &client, &token).await;
        let request = json!({"name": "ci", "kind": "events"});
        for (who, expected) in [
            (&tokens[0], StatusCode::FORBIDDEN),
            (&tokens[1], StatusCode::FORBIDDEN),
            (&tokens[2], StatusCode::NOT_FOUND),
        ] {
            let answer = client
                .post("/api/streams/web-shop/sources", who, &request)
                .await;
            assert_eq!(answer.status, expected, "{name}: {}", answer.body);
        }
        assert!(
            backend.store.sources("web-shop").await.unwrap().is_empty(),
            "{name}"
        );
        let bad_name = client
            .post(
                "/api/streams/web-shop/sources",
                &token,
                &json!({"name": "CI Jobs", "kind": "events"}),
            )
            .await;
        assert_eq!(bad_name.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            bad_name.body.contains("`ci-jobs`"),
            "{name}: {}",
            bad_name.body
        );
        let bad_kind = client
            .post(
                "/api/streams/web-shop/sources",
                &token,
                &json!({"name": "ci", "kind": "jenkins"}),
            )
            .await;
        assert!(
            bad_kind.status.is_client_error(),
            "{name}: {}",
            bad_kind.body
        );

        let made = make_source(&client, &token, "ci", "events").await;
        let twice = client
            .post("/api/streams/web-shop/sources", &token, &request)
            .await;
        assert_eq!(twice.status, StatusCode::CONFLICT, "{name}: {}", twice.body);
        // A viewer sees the sources, without secrets.
        let listed = client
            .get("/api/streams/web-shop/sources", &tokens[0])
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{name}");
        assert_eq!(listed.json()[0]["kind"], "events", "{name}");
        assert!(
            !listed.body.contains(made["secret"].as_str().unwrap()),
            "{name}"
        );

        let bearer = format!("Bearer {}", made["secret"].as_str().unwrap());
        let event = r#"{"id": "1", "case": "c", "activity": "a", "time": "2026-01-01T00:00:00Z"}"#;
        let path = "/hooks/events/web-shop/ci";
        let sent = deliver(&client, path, &[("authorization", &bearer)], event).await;
        assert_eq!(sent.status, StatusCode::ACCEPTED, "{name}: {}", sent.body);
        let by_editor = client
            .send(Call::new(Method::DELETE, "/api/streams/web-shop/sources/ci").token(&tokens[1]))
            .await;
        assert_eq!(by_editor.status, StatusCode::FORBIDDEN, "{name}");
        let deleted = client
            .send(Call::new(Method::DELETE, "/api/streams/web-shop/sources/ci").token(&token))
            .await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{name}");
        let gone = client
            .send(Call::new(Method::DELETE, "/api/streams/web-shop/sources/ci").token(&token))
            .await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{name}");
        let after = deliver(
            &client,
            path,
            &[("authorization", &bearer)],
            &event.replace("\"1\"", "\"2\""),
        )
        .await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(
            stored(&backend).await.len(),
            1,
            "{name}: what it delivered stays"
        );
        backend.finish().await;
    }
}
