//! The findings of a hostile review, each kept fixed: a stream's measured analysis is measured
//! once per map and delivery (not on every page load), a stream without the deliveries its map
//! needs shows its estimates saying why (no server path in any message), a delivery id resent
//! with other content is a 409, and every error of the API and the webhooks is JSON.

use axum::http::{Method, StatusCode};
use serde_json::{Value as Json, json};

use crate::common::{Answer, Call, Client, admin, backends, with_web_shop};
use crate::deliveries::{MAP, deliveries, record, recorded};
use crate::hooks::deliver;

/// A map measured from the generic events endpoint: an order is placed, then invoiced.
const ORDERS: &str = "name: Orders
steps:
  - { id: order, name: Place order, process_time: 5m, measure: { activity: place order } }
  - { id: invoice, name: Send invoice, process_time: 10m, wait_time: 1d, measure: { activity: send invoice } }
measure:
  log: events.jsonl
";

/// Events of order `case`, placed at `hour` and invoiced two hours later.
fn order(case: usize, hour: usize) -> Vec<Json> {
    [("place order", hour), ("send invoice", hour + 2)]
        .into_iter()
        .map(|(activity, at)| {
            json!({
                "id": format!("{case}-{activity}"),
                "case": format!("c-{case}"),
                "activity": activity,
                "time": format!("2026-03-{:02}T{:02}:00:00Z", 1 + at / 24, at % 24),
            })
        })
        .collect()
}

async fn send(client: &Client, path: &str, secret: &str, body: &Json) -> Answer {
    let bearer = format!("Bearer {secret}");
    deliver(
        client,
        path,
        &[("authorization", &bearer)],
        &body.to_string(),
    )
    .await
}

/// The stream `orders` and its events source `ci`: the source's secret.
async fn orders(client: &Client, token: &str) -> String {
    let created = client
        .post(
            "/api/streams",
            token,
            &json!({"id": "orders", "yaml": ORDERS}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let made = client
        .post(
            "/api/streams/orders/sources",
            token,
            &json!({"name": "ci", "kind": "events"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.json()["secret"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_is_measured_once_per_map_and_delivery_and_the_list_does_not_wait_for_it() {
    for backend in backends().await {
        let name = backend.name;
        let app = backend.app();
        let client = Client::of(app.clone());
        let token = admin(&backend).await;
        let secret = orders(&client, &token).await;
        let path = "/hooks/events/orders/ci";
        let events: Vec<Json> = (0..3).flat_map(|n| order(n, n * 5)).collect();
        let sent = send(&client, path, &secret, &json!({ "events": events })).await;
        assert_eq!(sent.status, StatusCode::ACCEPTED, "{name}: {}", sent.body);
        let made = || app.events.measurements().made();

        // The stream page, its plan, trends and analysis: one measurement between them.
        for page in [
            "/streams/orders",
            "/streams/orders",
            "/streams/orders/plan",
            "/streams/orders/trends",
            "/api/streams/orders/analysis",
        ] {
            let answer = client.get(page, &token).await;
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "{name} {page}: {}",
                answer.body
            );
        }
        assert_eq!(made(), 1, "{name}");
        let page = client.get("/streams/orders", &token).await;
        assert!(page.body.contains("3 items"), "{name}: {}", page.body);

        // A new delivery: measured again, once.
        let sent = send(&client, path, &secret, &json!({ "events": order(3, 20) })).await;
        assert_eq!(sent.status, StatusCode::ACCEPTED, "{name}: {}", sent.body);
        let page = client.get("/streams/orders", &token).await;
        assert!(page.body.contains("4 items"), "{name}: {}", page.body);
        client.get("/api/streams/orders/analysis", &token).await;
        assert_eq!(made(), 2, "{name}");

        // The list: the last numbers known, said how fresh, while they are measured again.
        let list = client.get("/", &token).await;
        assert_eq!(list.status, StatusCode::OK, "{name}");
        let sent = send(&client, path, &secret, &json!({ "events": order(4, 30) })).await;
        assert_eq!(sent.status, StatusCode::ACCEPTED, "{name}: {}", sent.body);
        let list = client.get("/", &token).await;
        assert!(
            list.body.contains("4 items")
                && list
                    .body
                    .contains("2 deliveries have arrived since, and are being measured"),
            "{name}: {}",
            list.body
        );
        let mut measured = false;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if made() == 3 {
                measured = true;
                break;
            }
        }
        assert!(measured, "{name}: measured in the background");
        let list = client.get("/", &token).await;
        assert!(
            list.body.contains("5 items") && !list.body.contains("arrived since"),
            "{name}: {}",
            list.body
        );
        assert_eq!(made(), 3, "{name}");
        backend.finish().await;
    }
}

/// The stream `ants` of the recorded pull requests' map, with `all` delivered: the app, a
/// client of it and an admin's token.
async fn ants(
    backend: &crate::common::Backend,
    all: &[(String, &'static str, String)],
) -> (vsm_server::App, Client, String) {
    let app = backend.app();
    let client = Client::of(app.clone());
    let token = admin(backend).await;
    let created = client
        .post("/api/streams", &token, &json!({"id": "ants", "yaml": MAP}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    record(&app, all).await;
    (app, client, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_without_deployments_yet_shows_its_estimates_saying_so_and_no_server_path() {
    let data = recorded();
    for backend in backends().await {
        let name = backend.name;
        // Pull requests and reviews, no deployment: the map follows `deployed_by`.
        let (app, client, token) = ants(&backend, &deliveries(&data, 0)).await;
        let folder = app.events.folder().display().to_string();
        let said = "no deployments received yet; the numbers are the map's estimates";
        for path in [
            "/streams/ants",
            "/streams/ants/plan",
            "/streams/ants/trends",
            "/streams/ants/explain/lead_time",
        ] {
            let page = client.get(path, &token).await;
            assert_eq!(page.status, StatusCode::OK, "{name} {path}: {}", page.body);
            let text = page.body.replace("&#39;", "'");
            assert!(text.contains(said), "{name} {path}: {}", page.body);
            assert!(!page.body.contains(&folder), "{name} {path}: {}", page.body);
        }
        let analysis = client.get("/api/streams/ants/analysis", &token).await;
        assert_eq!(analysis.status, StatusCode::OK, "{name}: {}", analysis.body);
        assert!(analysis.json()["measured"].is_null(), "{name}");
        let items = client
            .get("/api/streams/ants/steps/review/items", &token)
            .await;
        assert_eq!(items.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            items.body.contains(said) && !items.body.contains(&folder),
            "{name}: {}",
            items.body
        );

        // The deployments arrive: measured.
        record(&app, &deliveries(&data, 5)).await;
        let analysis = client.get("/api/streams/ants/analysis", &token).await;
        assert!(analysis.json()["measured"].is_object(), "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn an_event_id_sent_again_with_other_content_is_a_conflict_and_the_first_is_kept() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        let secret = orders(&client, &token).await;
        let path = "/hooks/events/orders/ci";
        let first = order(1, 0);
        let sent = send(&client, path, &secret, &first[0]).await;
        assert_eq!(sent.status, StatusCode::ACCEPTED, "{name}: {}", sent.body);

        // The same again, its keys in another order: the same delivery.
        let text = first[0].to_string();
        let reordered: serde_json::Map<String, Json> = first[0]
            .as_object()
            .unwrap()
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_ne!(Json::Object(reordered.clone()).to_string(), text);
        let again = send(&client, path, &secret, &Json::Object(reordered)).await;
        assert_eq!(again.status, StatusCode::OK, "{name}: {}", again.body);

        // Another time, in a batch with a new event: 409 naming it, the first kept, the new
        // event stored.
        let mut changed = first[0].clone();
        changed["time"] = json!("2026-03-09T00:00:00Z");
        let batch = json!({ "events": [first[1], changed] });
        let refused = send(&client, path, &secret, &batch).await;
        assert_eq!(
            refused.status,
            StatusCode::CONFLICT,
            "{name}: {}",
            refused.body
        );
        let error = refused.json()["error"].as_str().unwrap().to_string();
        assert!(
            error.contains("`1-place order`")
                && error.contains("different content")
                && error.contains("earlier content was kept")
                && error.contains("1 other delivery of this request, 1 stored now"),
            "{name}: {error}"
        );
        let stored = backend
            .store
            .deliveries_after("orders", 0, 100)
            .await
            .unwrap();
        assert_eq!(stored.len(), 2, "{name}");
        assert_eq!(stored[0].body, text, "{name}: the first kept");
        // Sent again as it was: the same delivery.
        let again = send(&client, path, &secret, &first[0]).await;
        assert_eq!(again.status, StatusCode::OK, "{name}: {}", again.body);
        backend.finish().await;
    }
}

#[tokio::test]
async fn api_and_webhook_errors_are_json_and_a_lowercase_bearer_scheme_is_taken() {
    let backend = crate::common::sqlite().await;
    let client = backend.client();
    let token = admin(&backend).await;
    with_web_shop(&client, &token).await;
    let is_error = |answer: &Answer, what: &str| {
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{what}: {}",
            answer.body
        );
        answer.json()["error"].as_str().unwrap().to_string()
    };
    let kind = client
        .post(
            "/api/streams/web-shop/sources",
            &token,
            &json!({"name": "ci", "kind": "jenkins"}),
        )
        .await;
    assert!(kind.status.is_client_error());
    let said = is_error(&kind, "an unknown kind");
    assert!(said.contains("`jenkins`"), "{said}");
    let bearer = format!("Bearer {token}");
    let broken = deliver(
        &client,
        "/api/streams",
        &[("authorization", &bearer)],
        "{\"id\": ",
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    let said = is_error(&broken, "not JSON");
    assert!(said.contains("line 1 column"), "{said}");
    let huge = "x".repeat(vsm_server::Settings::default().max_body + 1);
    let too_big = client
        .post(
            "/hooks/events/web-shop/ci",
            &token,
            &json!({"id": "1", "case": huge}),
        )
        .await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    let said = is_error(&too_big, "too large");
    assert!(said.contains("larger than this server takes"), "{said}");
    // Pages keep their own error pages.
    let page = client.get("/streams/nothing-here", &token).await;
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        page.headers
    );

    for scheme in ["bearer", "BEARER", "Bearer"] {
        let me = client
            .send(
                Call::new(Method::GET, "/api/me")
                    .header("authorization", format!("{scheme} {token}")),
            )
            .await;
        assert_eq!(me.status, StatusCode::OK, "{scheme}: {}", me.body);
    }
    let made = client
        .post(
            "/api/streams/web-shop/sources",
            &token,
            &json!({"name": "ci", "kind": "events"}),
        )
        .await;
    let secret = made.json()["secret"].as_str().unwrap().to_string();
    let event = json!({"id": "e", "case": "c", "activity": "a", "time": "2026-01-01T00:00:00Z"});
    let lower = deliver(
        &client,
        "/hooks/events/web-shop/ci",
        &[("authorization", &format!("bearer {secret}"))],
        &event.to_string(),
    )
    .await;
    assert_eq!(lower.status, StatusCode::ACCEPTED, "{}", lower.body);
    let wrong = send(&client, "/hooks/events/web-shop/ci", "vsm_hook_x", &event).await;
    let said = is_error(&wrong, "a wrong token");
    assert!(said.contains("an events source"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_map_pushed_twice_at_once_is_one_version() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let changed = format!(
            "{}\n# pushed twice at once\n",
            crate::common::FEATURE_DELIVERY
        );
        let body = json!({"yaml": changed, "message": "pushed twice"});
        let pushes = (0..4).map(|_| {
            let (client, token, body) = (client.clone(), token.clone(), body.clone());
            tokio::spawn(async move {
                client
                    .post("/api/streams/web-shop/versions", &token, &body)
                    .await
            })
        });
        let mut statuses = Vec::new();
        for push in pushes {
            let answer = push.await.unwrap();
            statuses.push(answer.status);
            if answer.status == StatusCode::OK {
                assert_eq!(answer.json()["unchanged"], true, "{name}");
            }
        }
        statuses.sort();
        assert_eq!(
            statuses,
            [
                StatusCode::OK,
                StatusCode::OK,
                StatusCode::OK,
                StatusCode::CREATED
            ],
            "{name}"
        );
        let versions = client.get("/api/streams/web-shop/versions", &token).await;
        assert_eq!(versions.json().as_array().unwrap().len(), 2, "{name}");

        // Created twice at once: one stream, the second told it is that map already.
        let create = json!({"id": "twice", "yaml": crate::common::FEATURE_DELIVERY});
        let (a, b) = tokio::join!(
            client.post("/api/streams", &token, &create),
            client.post("/api/streams", &token, &create)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CREATED], "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn the_compare_page_shows_the_improvements_whose_status_changed() {
    let backend = crate::common::sqlite().await;
    let client = backend.client();
    let token = admin(&backend).await;
    with_web_shop(&client, &token).await;
    let moved = client
        .send(
            Call::new(Method::PUT, "/api/streams/web-shop/plan/ready-definition")
                .token(&token)
                .json(&json!({"status": "done"})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.body);
    let page = client
        .get("/streams/web-shop/compare?from=1&to=2", &token)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let section = &page.body[page
        .body
        .find("Improvements: version 1 to version 2")
        .unwrap_or_else(|| panic!("{}", page.body))..];
    assert!(
        section.contains("<code>ready-definition</code>")
            && section.contains("<td>in progress</td><td><strong>done</strong></td>")
            && section.contains("other improvements kept their status"),
        "{section}"
    );
    assert!(!section.contains("auto-regression"), "{section}");
}

/// The number just before `words` in `text`.
fn count_before(text: &str, words: &str) -> u64 {
    let at = text
        .find(words)
        .unwrap_or_else(|| panic!("no `{words}` in {text}"));
    let digits: String = text[..at]
        .trim_end()
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_page_and_a_step_s_items_page_say_what_their_counts_count() {
    let data = recorded();
    let backend = crate::common::sqlite().await;
    let (_, client, token) = ants(&backend, &deliveries(&data, 5)).await;
    let page = client.get("/streams/ants", &token).await;
    let all = count_before(&page.body, "items in all");
    let used = count_before(&page.body, "of them in a measured step");
    assert!(
        page.body
            .contains("A step&#39;s items page lists the items that entered that step"),
        "{}",
        page.body
    );
    let items = client.get("/streams/ants/steps/deploy/items", &token).await;
    assert_eq!(items.status, StatusCode::OK, "{}", items.body);
    let entered = count_before(&items.body, "items entered");
    // The stream's items, the ones in a measured step, and the ones that entered this step:
    // three counts, each said as what it is.
    assert!(entered <= used && used <= all, "{entered} {used} {all}");
    assert!(entered < all, "the counts differ here: {entered} {all}");
}
