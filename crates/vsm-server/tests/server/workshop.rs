//! The workshop editor's API: edits with exact undo and redo, the later edit winning and both
//! people told, saving as a version (by itself when idle), pushes refused while edits are
//! unsaved, replicas over one store (PostgreSQL: told through NOTIFY), events as they happen,
//! import, export and future states. On SQLite and PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use vsm_server::{App, Settings};

use crate::common::{self, Backend, Call, Client, FEATURE_DELIVERY};

fn document(answer: &common::Answer) -> Value {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn tree(client: &Client, token: &str) -> Value {
    document(&client.get("/api/streams/web-shop/document", token).await)["tree"].clone()
}

async fn edit(client: &Client, token: &str, ops: Value) -> common::Answer {
    client
        .post("/api/streams/web-shop/edits", token, &json!({ "ops": ops }))
        .await
}

async fn edited(client: &Client, token: &str, ops: Value) -> Value {
    let answer = edit(client, token, ops).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

/// Undo posts the `undo` batch an edit answered; its answer's `undo` redoes. Each restores
/// the exact tree (keys in order) it undoes to.
#[tokio::test]
async fn undo_and_redo_restore_exact_earlier_maps() {
    for backend in common::backends().await {
        let client = backend.client();
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let start = tree(&client, &token).await;
        assert_eq!(start["steps"][0]["id"], "intake");

        let mut states = vec![start.clone()];
        let mut undos = Vec::new();
        for ops in [
            json!([{"path": ["steps", 0, "name"], "op": "set", "value": "Triage", "expect": "Triage request"}]),
            json!([{"path": ["steps", 1], "op": "insert", "value": {"id": "design", "name": "Design", "process_time": "4h", "wait_time": "1d"}},
                   {"path": ["steps", 2, "complete_accurate"], "op": "remove", "expect": "70%"}]),
            json!([{"path": ["steps", 3], "op": "move", "to": 0, "expect": start["steps"][2]}]),
            json!([{"path": ["customer"], "op": "remove", "expect": "Web shop shoppers"}]),
        ] {
            let answer = edited(&client, &token, ops).await;
            undos.push(answer["undo"].clone());
            states.push(answer["view"]["tree"].clone());
        }
        assert_eq!(states[1]["steps"][0]["name"], "Triage", "{}", backend.name);
        assert_eq!(states[2]["steps"][1]["id"], "design");
        assert!(states[2]["steps"][2].get("complete_accurate").is_none());
        assert_eq!(states[3]["steps"][0]["id"], "develop");

        // Undo all four, newest first: each gives back the map before it, exactly.
        let mut redos = Vec::new();
        for (undo, before) in undos.iter().zip(&states).rev() {
            let answer = edited(&client, &token, undo.clone()).await;
            assert_eq!(&answer["view"]["tree"], before, "{}", backend.name);
            assert_eq!(&tree(&client, &token).await, before);
            redos.push(answer["undo"].clone());
        }
        // The customer's key is back where it was, not at the end.
        let keys: Vec<&String> = states[0].as_object().unwrap().keys().collect();
        let now = tree(&client, &token).await;
        assert_eq!(keys, now.as_object().unwrap().keys().collect::<Vec<_>>());
        // Redo all four: each gives back the map after it.
        for (redo, after) in redos.iter().rev().zip(&states[1..]) {
            let answer = edited(&client, &token, redo.clone()).await;
            assert_eq!(&answer["view"]["tree"], after, "{}", backend.name);
        }
        backend.finish().await;
    }
}

/// Two people change the same field: the later wins, its author is told whose change it
/// replaced, and so is everyone following (the first person's editor names it to them).
#[tokio::test]
async fn the_later_edit_wins_and_both_people_are_told() {
    for backend in common::backends().await {
        let client = backend.client();
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let [vera, ed, _] = common::members(&backend, &client, &token).await;
        let app = client_app(&backend);
        let mut events = app.workshops.subscribe("web-shop");
        let client = Client::of(app.clone());

        let first = edited(&client, &token, json!([{"path": ["steps", 2, "name"], "op": "set", "value": "Build it", "expect": "Develop"}])).await;
        assert_eq!(first["conflicts"], json!([]));
        // Ed saw "Develop" too.
        let second = edited(&client, &ed, json!([{"path": ["steps", 2, "name"], "op": "set", "value": "Code it", "expect": "Develop"}])).await;
        let conflict = &second["conflicts"][0];
        assert_eq!(conflict["overwrote"], "ada", "{}: {second}", backend.name);
        assert_eq!(conflict["found"], "Build it");
        assert_eq!(conflict["expected"], "Develop");
        assert_eq!(conflict["what"], "steps[2].name");
        assert_eq!(second["view"]["tree"]["steps"][2]["name"], "Code it");
        // Followers hear both, the second with the conflict naming ada.
        let mut heard = Vec::new();
        while heard.len() < 2 {
            let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
                .await
                .expect("an event within 5 s")
                .unwrap();
            if let vsm_server::workshop::Event::Change {
                author, conflicts, ..
            } = event.as_ref()
            {
                heard.push((author.clone(), conflicts.clone()));
            }
        }
        assert_eq!(heard[0].0, "ada");
        assert_eq!(heard[1].0, "ed");
        assert_eq!(heard[1].1[0]["overwrote"], "ada");
        // Nothing lost silently: the history keeps both, and the conflict.
        let history = document(&client.get("/api/streams/web-shop/edits", &token).await);
        let edits = history["edits"].as_array().unwrap();
        assert_eq!(edits.len(), 2);
        assert_eq!(edits[0]["ops"][0]["value"], "Build it");
        assert_eq!(edits[1]["conflicts"][0]["found"], "Build it");
        assert_eq!(edits[1]["what"], "set at `steps[2].name`");

        // A viewer follows but may not edit; someone with no role is told nothing exists.
        assert_eq!(
            client
                .get("/api/streams/web-shop/document", &vera)
                .await
                .status,
            StatusCode::OK
        );
        let refused = edit(
            &client,
            &vera,
            json!([{"path": ["name"], "op": "set", "value": "x"}]),
        )
        .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        // ... and says what they look at, which everyone sees.
        let looking = client
            .post(
                "/api/streams/web-shop/presence",
                &vera,
                &json!({"selection": ["steps", 6]}),
            )
            .await;
        assert_eq!(looking.status, StatusCode::NO_CONTENT, "{}", looking.body);
        let people =
            document(&client.get("/api/streams/web-shop/document", &ed).await)["people"].clone();
        assert_eq!(
            people,
            json!([{"user": "vera", "selection": ["steps", 6]}]),
            "{}",
            backend.name
        );
        // An op that leads nowhere changes nothing, saying which.
        let nowhere = edit(
            &client,
            &ed,
            json!([
                {"path": ["steps", 0, "name"], "op": "set", "value": "Changed"},
                {"path": ["steps", 99, "name"], "op": "set", "value": "x"}
            ]),
        )
        .await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(nowhere.body.contains("steps[99]"), "{}", nowhere.body);
        assert_eq!(
            tree(&client, &ed).await["steps"][0]["name"],
            "Triage request"
        );
        backend.finish().await;
    }
}

fn client_app(backend: &Backend) -> App {
    backend.app()
}

fn idle_now(backend: &Backend) -> App {
    App::new(
        Arc::clone(&backend.store),
        Settings {
            idle_save: Duration::ZERO,
            ..Settings::default()
        },
    )
}

/// Edits are saved as a version once idle and valid, with a message naming who edited; the
/// version's map validates and analyzes to the numbers the editor showed. A push while edits
/// are unsaved is refused, saying why; a map with errors waits.
#[tokio::test]
async fn idle_edits_are_saved_as_a_version_that_analyzes_to_the_numbers_shown() {
    for backend in common::backends().await {
        let app = idle_now(&backend);
        let client = Client::of(app.clone());
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let answer = edited(
            &client,
            &token,
            json!([
                {"path": ["steps", 6, "wait_time"], "op": "set", "value": "2d", "expect": "6d"}
            ]),
        )
        .await;
        let view = &answer["view"];
        assert_eq!(view["unsaved"], 1);
        assert_eq!(view["valid"], true);
        let pushed = client
            .post(
                "/api/streams/web-shop/versions",
                &token,
                &json!({"yaml": FEATURE_DELIVERY}),
            )
            .await;
        assert_eq!(pushed.status, StatusCode::CONFLICT, "{}", pushed.body);
        assert!(pushed.body.contains("workshop editor"), "{}", pushed.body);

        app.workshops.save_idle(&app).await;
        let versions = document(&client.get("/api/streams/web-shop/versions", &token).await);
        assert_eq!(versions[0]["number"], 2, "{}: {versions}", backend.name);
        assert_eq!(versions[0]["message"], "Workshop edits by ada (1 edit)");
        let saved = document(&client.get("/api/streams/web-shop/versions/2", &token).await);
        let yaml = saved["yaml"].as_str().unwrap();
        assert_eq!(yaml, view["yaml"].as_str().unwrap());
        let stream = vsm_core::parse_map(yaml)
            .stream
            .expect("the saved map reads");
        let analysis = vsm_core::analyze(&stream);
        let summary = &view["summary"];
        assert_eq!(
            summary["lead_time"],
            stream.told(|| analysis.summary.lead_time.human())
        );
        assert_eq!(
            summary["rolled_complete_accurate"],
            vsm_core::format_percent(analysis.summary.rolled_complete_accurate_percent)
        );
        assert_eq!(
            document(&client.get("/api/streams/web-shop/document", &token).await)["unsaved"],
            0
        );
        // Pushing works again.
        let pushed = client
            .post(
                "/api/streams/web-shop/versions",
                &token,
                &json!({"yaml": FEATURE_DELIVERY}),
            )
            .await;
        assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.body);

        // A map with errors is not saved; the edits wait, and Save says why.
        let broken = edited(
            &client,
            &token,
            json!([
                {"path": ["steps", 0, "process_time"], "op": "set", "value": "2x", "expect": "30m"}
            ]),
        )
        .await;
        assert_eq!(broken["view"]["valid"], false);
        let problem = &broken["view"]["diagnostics"][0];
        assert_eq!(problem["code"], "invalid_duration");
        assert_eq!(problem["path"], json!(["steps", 0, "process_time"]));
        app.workshops.save_idle(&app).await;
        let refused = client
            .post("/api/streams/web-shop/document/save", &token, &json!({}))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("is not a valid duration"),
            "{}",
            refused.body
        );
        assert_eq!(
            document(&client.get("/api/streams/web-shop/versions", &token).await)[0]["number"],
            3
        );
        edited(
            &client,
            &token,
            json!([
                {"path": ["steps", 0, "process_time"], "op": "set", "value": "20m", "expect": "2x"}
            ]),
        )
        .await;
        let saved = client
            .post(
                "/api/streams/web-shop/document/save",
                &token,
                &json!({"message": "After the workshop"}),
            )
            .await;
        assert_eq!(document(&saved)["version"], 4, "{}", saved.body);
        let versions = document(&client.get("/api/streams/web-shop/versions", &token).await);
        assert_eq!(versions[0]["message"], "After the workshop");
        backend.finish().await;
    }
}

/// Two replicas over one store edit the same map at once: every edit is kept, numbered once,
/// and each replica serves the map with all of them. On PostgreSQL a replica's followers hear
/// the other's edits within a second (LISTEN/NOTIFY).
#[tokio::test]
async fn replicas_over_one_store_share_every_edit() {
    for backend in common::backends().await {
        let token = common::admin(&backend).await;
        let (one, two) = (backend.app(), backend.app());
        let (first, second) = (Client::of(one.clone()), Client::of(two.clone()));
        common::with_web_shop(&first, &token).await;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let hearing = tokio::spawn(vsm_server::workshop::run(two.clone(), stopped));
        let mut events = two.workshops.subscribe("web-shop");
        // The second replica's editor is open: it has read the map.
        assert_eq!(
            tree(&second, &token).await["name"],
            "Web shop feature delivery"
        );
        // Let the listener connect before the first edit.
        tokio::time::sleep(Duration::from_millis(300)).await;

        let started = std::time::Instant::now();
        edited(
            &first,
            &token,
            json!([{"path": ["name"], "op": "set", "value": "Renamed"}]),
        )
        .await;
        if backend.name == "postgres" {
            let event = tokio::time::timeout(Duration::from_secs(1), events.recv())
                .await
                .expect("the other replica's followers hear the edit within a second")
                .unwrap();
            let vsm_server::workshop::Event::Change { state, author, .. } = event.as_ref() else {
                panic!("a change, not {event:?}");
            };
            assert_eq!(author, "ada");
            assert_eq!(state.tree["name"], "Renamed");
            eprintln!("heard across replicas in {:?}", started.elapsed());
        }
        assert_eq!(
            tree(&second, &token).await["name"],
            "Renamed",
            "{}",
            backend.name
        );

        // 20 edits at once, half through each replica: all kept, each numbered once.
        let inserts = (0..20).map(|n| {
            let client = if n % 2 == 0 { first.clone() } else { second.clone() };
            let token = token.clone();
            async move {
                edited(&client, &token, json!([{"path": ["steps", 0], "op": "insert", "value": {"id": format!("s{n}"), "name": format!("Step {n}")}}])).await["seq"].as_i64().unwrap()
            }
        });
        let mut numbers = futures_util::future::join_all(inserts).await;
        numbers.sort_unstable();
        assert_eq!(numbers, (2..22).collect::<Vec<i64>>(), "{}", backend.name);
        for client in [&first, &second] {
            let steps = tree(client, &token).await["steps"]
                .as_array()
                .unwrap()
                .len();
            assert_eq!(steps, 9 + 20, "{}", backend.name);
        }
        let _ = stop.send(true);
        hearing.await.unwrap();
        backend.finish().await;
    }
}

/// The event stream over HTTP: the whole map first, then each change as it happens, and who
/// is there.
#[tokio::test]
async fn the_event_stream_sends_the_map_then_each_change() {
    let backend = common::sqlite().await;
    // The request timeout bounds making the answer, not how long its events go on.
    let app = App::new(
        Arc::clone(&backend.store),
        Settings {
            request_timeout: Duration::from_millis(500),
            ..Settings::default()
        },
    );
    let client = Client::of(app.clone());
    let token = common::admin(&backend).await;
    common::with_web_shop(&client, &token).await;
    let router = vsm_server::router(app.clone());
    let response = router
        .oneshot(
            Request::builder()
                .uri("/api/streams/web-shop/live")
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let mut text = String::new();
    let mut next = async |text: &mut String, wanted: &str| {
        while !text.contains(wanted) {
            let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
                .await
                .unwrap_or_else(|_| panic!("`{wanted}` within 5 s; got {text}"))
                .unwrap()
                .unwrap();
            if let Ok(data) = frame.into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
    };
    next(&mut text, "event: view").await;
    next(&mut text, "\n\n").await;
    assert!(
        text.contains("\"you\":\"ada\""),
        "{}",
        &text[..200.min(text.len())]
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    edited(&client, &token, json!([{"path": ["customer"], "op": "set", "value": "Shoppers", "expect": "Web shop shoppers"}])).await;
    next(&mut text, "event: change").await;
    next(&mut text, "\"Shoppers\"").await;
    let presence = client
        .post(
            "/api/streams/web-shop/presence",
            &token,
            &json!({"selection": ["steps", 3]}),
        )
        .await;
    assert_eq!(presence.status, StatusCode::NO_CONTENT, "{}", presence.body);
    next(&mut text, "\"selection\":[\"steps\",3]").await;
    let people =
        document(&client.get("/api/streams/web-shop/document", &token).await)["people"].clone();
    assert_eq!(people, json!([{"user": "ada", "selection": ["steps", 3]}]));
    let bad = client
        .post(
            "/api/streams/web-shop/presence",
            &token,
            &json!({"selection": "steps"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A selection is a path into the map, not a payload sent to everyone (and in a NOTIFY,
    // which takes 8000 bytes at most): a long one is refused, and the last one stays.
    for long in [json!(["x".repeat(600)]), json!(vec![0; 100])] {
        let refused = client
            .post(
                "/api/streams/web-shop/presence",
                &token,
                &json!({ "selection": long }),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("at most 64 steps and 512 bytes"),
            "{}",
            refused.body
        );
    }
    let people =
        document(&client.get("/api/streams/web-shop/document", &token).await)["people"].clone();
    assert_eq!(people, json!([{"user": "ada", "selection": ["steps", 3]}]));
    drop(body);
}

/// Import takes any valid map file as one undoable edit and refuses one with errors; the
/// templates start a map; export gives the YAML (the same map back), SVG, PNG and Mermaid; a
/// countermeasure becomes a future state in one call.
#[tokio::test]
async fn import_export_templates_and_future_states() {
    for backend in common::backends().await {
        let client = backend.client();
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let import = |body: Value| {
            let client = client.clone();
            let token = token.clone();
            async move {
                client
                    .post("/api/streams/web-shop/document/import", &token, &body)
                    .await
            }
        };
        let bad = import(json!({"yaml": "name: x\nsteps:\n  - id: a\n    nme: A\n"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("did you mean `name`?"), "{}", bad.body);
        let empty = import(json!({"template": "empty"})).await;
        let empty = document(&empty);
        assert_eq!(empty["view"]["tree"]["steps"], json!([]));
        assert_eq!(empty["view"]["tree"]["name"], "Web shop feature delivery");
        assert_eq!(empty["view"]["valid"], false);
        let back = edited(&client, &token, empty["undo"].clone()).await;
        assert_eq!(back["view"]["tree"]["steps"][0]["id"], "intake");

        let regulated = include_str!("../../../../examples/regulated-release.yaml");
        let imported = document(&import(json!({"yaml": regulated})).await);
        let exported = client
            .get("/api/streams/web-shop/document/export?format=yaml", &token)
            .await;
        assert_eq!(exported.status, StatusCode::OK);
        assert!(
            exported
                .header("content-disposition")
                .unwrap()
                .contains("web-shop.yaml")
        );
        // Every field kept: the export reads back as the same map.
        let again = vsm_core::mapfile::document::tree(&exported.body).unwrap();
        assert_eq!(again, vsm_core::mapfile::document::tree(regulated).unwrap());
        assert_eq!(again, imported["view"]["tree"]);
        for (format, kind, starts) in [
            ("svg", "image/svg+xml", "<svg"),
            ("mermaid", "text/plain; charset=utf-8", "flowchart"),
        ] {
            let file = client
                .get(
                    &format!("/api/streams/web-shop/document/export?format={format}"),
                    &token,
                )
                .await;
            assert_eq!(file.status, StatusCode::OK, "{format}: {}", file.body);
            assert_eq!(file.header("content-type"), Some(kind));
            assert!(
                file.body.trim_start().starts_with(starts) || file.body.contains(starts),
                "{format}"
            );
        }
        let png = client
            .send(
                Call::new(
                    Method::GET,
                    "/api/streams/web-shop/document/export?format=png",
                )
                .token(&token),
            )
            .await;
        assert_eq!(png.status, StatusCode::OK);
        assert_eq!(png.header("content-type"), Some("image/png"));
        let unknown = client
            .get("/api/streams/web-shop/document/export?format=pdf", &token)
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Back to the example: its countermeasures, one applied as a future state.
        document(&import(json!({"yaml": FEATURE_DELIVERY})).await);
        let view = document(&client.get("/api/streams/web-shop/document", &token).await);
        let proposals = view["countermeasures"].as_array().unwrap();
        assert!(!proposals.is_empty(), "{}", backend.name);
        let chosen = &proposals[0];
        assert!(
            chosen["overlay"]
                .as_str()
                .unwrap()
                .contains("\nextends: web-shop.yaml\n"),
            "{chosen}"
        );
        let made = client
            .post(
                "/api/streams/web-shop/futures",
                &token,
                &json!({"id": "web-shop-next", "overlay": chosen["overlay"]}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.json()["url"], "/streams/web-shop-next");
        let compared = client
            .get("/api/streams/web-shop-next/compare/current", &token)
            .await;
        assert_eq!(compared.status, StatusCode::OK, "{}", compared.body);
        // The edits were saved before: the future state extends what the workshop made.
        let versions = document(&client.get("/api/streams/web-shop/versions", &token).await);
        assert!(
            versions[0]["message"]
                .as_str()
                .unwrap()
                .starts_with("Workshop edits by ada")
        );
        let plain = client
            .post(
                "/api/streams/web-shop/futures",
                &token,
                &json!({"id": "web-shop-later"}),
            )
            .await;
        assert_eq!(plain.status, StatusCode::CREATED, "{}", plain.body);
        let elsewhere = client
            .post(
                "/api/streams/web-shop/futures",
                &token,
                &json!({"id": "x", "overlay": "extends: other.yaml\n"}),
            )
            .await;
        assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        backend.finish().await;
    }
}

/// A facilitator makes a map for a workshop from the streams page: from the starter template
/// (its first version, named as asked) or empty (the starter emptied as their first edit, not
/// saved until it is a valid map); a bad id is shown on the page with what was typed.
#[tokio::test]
async fn a_new_map_is_made_from_the_streams_page_and_opens_the_editor() {
    for backend in common::backends().await {
        let client = backend.client();
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let password = crate::pages::member(&client, &token, "web-shop", "editor").await;
        let signed_in = crate::pages::sign_in(&client, "pat", &password).await;
        let session = signed_in
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("vsm_session="))
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let list = client
            .send(Call::new(Method::GET, "/").header("cookie", session.clone()))
            .await;
        assert!(
            list.body.contains("New map for a workshop"),
            "{}",
            list.body
        );
        let csrf = crate::pages::csrf_field(&list.body);
        let post = |fields: Vec<(&'static str, String)>| {
            let (client, session, csrf) = (client.clone(), session.clone(), csrf.clone());
            async move {
                let mut form: Vec<(&str, &str)> =
                    fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                form.push(("csrf", &csrf));
                client
                    .send(
                        Call::new(Method::POST, "/streams")
                            .header("cookie", session)
                            .form(&form),
                    )
                    .await
            }
        };
        let made = post(vec![
            ("id", "checkout".into()),
            ("name", "Checkout <b>flow</b>".into()),
            ("template", "starter".into()),
        ])
        .await;
        assert_eq!(
            made.status,
            StatusCode::SEE_OTHER,
            "{}: {}",
            backend.name,
            made.body
        );
        assert_eq!(made.header("location"), Some("/streams/checkout/edit"));
        let view = document(&client.get("/api/streams/checkout/document", &token).await);
        assert_eq!(view["name"], "Checkout <b>flow</b>");
        assert_eq!(view["tree"]["steps"][0]["id"], "refine");
        assert_eq!(view["version"], 1);
        assert_eq!(view["unsaved"], 0);

        let empty = post(vec![
            ("id", "onboarding".into()),
            ("name", String::new()),
            ("template", "empty".into()),
        ])
        .await;
        assert_eq!(empty.status, StatusCode::SEE_OTHER, "{}", empty.body);
        let view = document(&client.get("/api/streams/onboarding/document", &token).await);
        assert_eq!(view["tree"]["name"], "onboarding");
        assert_eq!(view["tree"]["steps"], json!([]));
        assert_eq!(view["unsaved"], 1);
        assert_eq!(view["valid"], false);

        let bad = post(vec![
            ("id", "Bad Id".into()),
            ("name", "<i>x</i>".into()),
            ("template", "empty".into()),
        ])
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("role=\"alert\""), "{}", bad.body);
        assert!(bad.body.contains("value=\"Bad Id\""));
        assert!(
            bad.body.contains("&lt;i&gt;x&lt;/i&gt;") || bad.body.contains("&#60;i&#62;"),
            "markup is escaped"
        );
        assert!(!bad.body.contains("<i>x</i>"));
        // Without the form's CSRF token: refused.
        let forged = client
            .send(
                Call::new(Method::POST, "/streams")
                    .header("cookie", session.clone())
                    .form(&[("id", "forged"), ("template", "empty"), ("csrf", "0")]),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        backend.finish().await;
    }
}

/// A map that extends a stream the caller cannot view is drawn for them without anything of
/// that stream, even when someone who can view it drew it first or edits it while they follow.
#[tokio::test]
async fn a_future_state_shows_nothing_of_a_base_its_viewer_cannot_view() {
    let overlay = include_str!("../../../../examples/feature-delivery-overlay.yaml");
    for backend in common::backends().await {
        let name = backend.name;
        let app = backend.app();
        let client = Client::of(app.clone());
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let [vera, _, _] = common::members(&backend, &client, &token).await;
        let base = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "feature-delivery", "yaml": FEATURE_DELIVERY}),
            )
            .await;
        assert_eq!(base.status, StatusCode::CREATED, "{name}: {}", base.body);
        let pushed = client
            .post(
                "/api/streams/web-shop/versions",
                &token,
                &json!({"yaml": overlay}),
            )
            .await;
        assert_eq!(
            pushed.status,
            StatusCode::CREATED,
            "{name}: {}",
            pushed.body
        );
        // The admin sees the base's steps in the drawing ("Triage request" is only there).
        let seen = client.get("/api/streams/web-shop/document", &token).await;
        assert!(seen.body.contains("Triage request"), "{name}");

        let hidden = |text: &str, what: &str| {
            assert!(
                !text.contains("Triage request") && !text.contains("\"lead_time\":\""),
                "{name}: {what} shows the base to a viewer who cannot view it: {}",
                &text[..text.len().min(600)]
            );
        };
        let shown = client.get("/api/streams/web-shop/document", &vera).await;
        let view = document(&shown);
        hidden(&shown.body, "the document");
        assert!(
            view["diagnostics"]
                .to_string()
                .contains("that you can view"),
            "{name}: {}",
            view["diagnostics"]
        );

        // Following: the admin's edit reaches vera drawn as vera may see it.
        let response = vsm_server::router(app.clone())
            .oneshot(
                Request::builder()
                    .uri("/api/streams/web-shop/live")
                    .header("authorization", format!("Bearer {vera}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let mut body = response.into_body();
        let mut text = String::new();
        let mut read_until = async |text: &mut String, wanted: &str| {
            while !text.contains(wanted) {
                let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
                    .await
                    .unwrap_or_else(|_| panic!("`{wanted}` within 5 s; got {text}"))
                    .unwrap()
                    .unwrap();
                if let Ok(data) = frame.into_data() {
                    text.push_str(&String::from_utf8_lossy(&data));
                }
            }
        };
        read_until(&mut text, "event: view").await;
        edited(
            &client,
            &token,
            json!([{"path": ["customer"], "op": "set", "value": "Shoppers"}]),
        )
        .await;
        read_until(&mut text, "event: change").await;
        read_until(&mut text, "\"Shoppers\"").await;
        hidden(&text, "the event stream");
        drop(body);
        backend.finish().await;
    }
}

/// Moving a large step back and forth in one edit does not copy it once per op into the undo
/// and the conflicts without bound: an edit whose answer would be several times what the server
/// takes is refused, and nothing is changed.
#[tokio::test]
async fn an_edit_cannot_multiply_a_large_value_by_moving_it() {
    for backend in common::backends().await {
        let name = backend.name;
        let app = App::new(
            Arc::clone(&backend.store),
            Settings {
                max_body: 64 << 10,
                ..Settings::default()
            },
        );
        let client = Client::of(app);
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let notes = "x".repeat(40 << 10);
        edited(
            &client,
            &token,
            json!([{"path": ["steps", 0, "notes"], "op": "set", "value": notes}]),
        )
        .await;
        // 500 moves, each copying the 40 KiB step into its undo and its conflict: 40 MB.
        let moves: Vec<Value> = (0..500)
            .map(|n| json!({"path": ["steps", n % 2], "op": "move", "to": (n + 1) % 2}))
            .collect();
        let refused = edit(&client, &token, Value::Array(moves)).await;
        assert_eq!(
            refused.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{name}: {} bytes answered",
            refused.body.len()
        );
        assert!(
            refused.body.contains("nothing was changed"),
            "{name}: {}",
            refused.body
        );
        let history = document(&client.get("/api/streams/web-shop/edits", &token).await);
        assert_eq!(history["edits"].as_array().unwrap().len(), 1, "{name}");
        // A few moves of it are fine.
        let few = edited(
            &client,
            &token,
            json!([{"path": ["steps", 0], "op": "move", "to": 1}, {"path": ["steps", 1], "op": "move", "to": 0}]),
        )
        .await;
        assert_eq!(few["undo"].as_array().unwrap().len(), 2);
        backend.finish().await;
    }
}

/// A push and an edit at once cannot both be stored: the store refuses, in the transaction
/// that would store it, an edit made over a version that is no longer the latest (it is made
/// again over the new one) and a version added while edits are unsaved (the push is refused),
/// so that no edit is replayed over a map it was not made on and dropped.
#[tokio::test]
async fn a_push_and_an_edit_at_once_cannot_both_be_stored() {
    use vsm_server::store::{Edit, NewVersion, StoreError};
    for backend in common::backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let store = &backend.store;
        let ada = store.user_by_name("ada").await.unwrap().unwrap();
        let record = |seq: i64, base_version: i64| Edit {
            seq,
            base_version,
            user: "ada".into(),
            ops: json!([{"path": ["customer"], "op": "set", "value": format!("C{seq}")}])
                .to_string(),
            conflicts: "[]".into(),
            created_at: 0,
            saved_in: None,
        };
        let version = NewVersion {
            name: "Web shop feature delivery",
            yaml: FEATURE_DELIVERY,
            author: &ada,
            message: "pushed",
            now: 0,
        };
        store.record_edit("web-shop", &record(1, 1)).await.unwrap();
        let pushed = store.add_version_after("web-shop", 1, &version).await;
        assert!(
            matches!(pushed, Err(StoreError::Conflict(_))),
            "{name}: a version added over an unsaved edit: {pushed:?}"
        );
        store.save_edits("web-shop", 1, 1, &version).await.unwrap();
        store
            .add_version_after("web-shop", 2, &version)
            .await
            .unwrap();
        let stale = store.record_edit("web-shop", &record(2, 2)).await;
        assert!(
            matches!(stale, Err(StoreError::Conflict(_))),
            "{name}: an edit over version 2 when 3 is the latest: {stale:?}"
        );
        store.record_edit("web-shop", &record(2, 3)).await.unwrap();
        backend.finish().await;
    }
}

/// Someone whose role on the stream is taken away while they follow its events is told
/// nothing more: their event stream ends at the next event.
#[tokio::test]
async fn a_follower_whose_role_is_taken_away_hears_no_more() {
    for backend in common::backends().await {
        let name = backend.name;
        let app = backend.app();
        let client = Client::of(app.clone());
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let [vera, _, _] = common::members(&backend, &client, &token).await;
        let response = vsm_server::router(app.clone())
            .oneshot(
                Request::builder()
                    .uri("/api/streams/web-shop/live")
                    .header("authorization", format!("Bearer {vera}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let mut body = response.into_body();
        let mut text = String::new();
        while !text.contains("event: view") {
            let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
                .await
                .expect("the map within 5 s")
                .unwrap()
                .unwrap();
            if let Ok(data) = frame.into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
        let removed = client
            .send(Call::new(Method::DELETE, "/api/streams/web-shop/members/vera").token(&token))
            .await;
        assert_eq!(
            removed.status,
            StatusCode::NO_CONTENT,
            "{name}: {}",
            removed.body
        );
        edited(
            &client,
            &token,
            json!([{"path": ["customer"], "op": "set", "value": "Secret customer"}]),
        )
        .await;
        // The stream ends without the change.
        let mut after = String::new();
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
                .await
                .unwrap_or_else(|_| panic!("{name}: the stream ends within 5 s; got {after}"));
            match frame {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        after.push_str(&String::from_utf8_lossy(&data));
                    }
                }
                _ => break,
            }
        }
        assert!(!after.contains("Secret customer"), "{name}: {after}");
        backend.finish().await;
    }
}

/// The server stops while someone follows a map's events: their event stream ends, so that
/// `serve`'s graceful shutdown finishes instead of waiting for them.
#[tokio::test]
async fn the_server_stops_while_someone_follows_a_map() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let backend = common::sqlite().await;
    let app = backend.app();
    let client = Client::of(app.clone());
    let token = common::admin(&backend).await;
    common::with_web_shop(&client, &token).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(vsm_server::serve(listener, app, async move {
        let _ = stopped.await;
    }));
    let mut follower = tokio::net::TcpStream::connect(address).await.unwrap();
    follower
        .write_all(
            format!(
                "GET /api/streams/web-shop/live HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let mut heard = Vec::new();
    let mut buffer = [0; 8192];
    while !String::from_utf8_lossy(&heard).contains("event: view") {
        let read = tokio::time::timeout(Duration::from_secs(5), follower.read(&mut buffer))
            .await
            .expect("the map within 5 s")
            .unwrap();
        assert!(read > 0, "{}", String::from_utf8_lossy(&heard));
        heard.extend_from_slice(&buffer[..read]);
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), serving)
        .await
        .expect("serve finishes within 10 s with an event stream open")
        .unwrap()
        .unwrap();
    // The follower's stream was ended, not cut mid-event.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), follower.read_to_end(&mut rest)).await;
}

/// The editor's writes from a page, signed in with a session cookie, each need the session's
/// CSRF token: another site's page cannot edit, save, import, make a future state or post a
/// presence through someone's cookie.
#[tokio::test]
async fn the_editors_writes_from_a_session_need_its_csrf_token() {
    use crate::pages::{csrf_field, member, sign_in};
    for backend in common::backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let password = member(&client, &token, "web-shop", "editor").await;
        let signed_in = sign_in(&client, "pat", &password).await;
        let session = signed_in
            .cookies()
            .into_iter()
            .find(|c| c.starts_with("vsm_session="))
            .expect("a session cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let page = client
            .send(Call::new(Method::GET, "/streams/web-shop").header("cookie", session.clone()))
            .await;
        let csrf = csrf_field(&page.body);
        let rename = json!({"ops": [{"path": ["customer"], "op": "set", "value": "Forged", "expect": "Web shop shoppers"}]});
        for (path, body) in [
            ("/api/streams/web-shop/edits", rename.clone()),
            (
                "/api/streams/web-shop/presence",
                json!({"selection": ["steps", 0]}),
            ),
            ("/api/streams/web-shop/document/save", json!({})),
            (
                "/api/streams/web-shop/document/import",
                json!({"template": "empty"}),
            ),
            ("/api/streams/web-shop/futures", json!({"id": "forged"})),
        ] {
            let forged = client
                .send(
                    Call::new(Method::POST, path)
                        .header("cookie", session.clone())
                        .json(&body),
                )
                .await;
            assert_eq!(
                forged.status,
                StatusCode::FORBIDDEN,
                "{name}: {path}: {}",
                forged.body
            );
        }
        assert_eq!(
            tree(&client, &token).await["customer"],
            "Web shop shoppers",
            "{name}"
        );
        let made = client
            .send(
                Call::new(Method::POST, "/api/streams/web-shop/edits")
                    .header("cookie", session.clone())
                    .header("x-csrf-token", csrf)
                    .json(&rename),
            )
            .await;
        assert_eq!(made.status, StatusCode::OK, "{name}: {}", made.body);
        assert_eq!(tree(&client, &token).await["customer"], "Forged", "{name}");
        backend.finish().await;
    }
}

/// People editing a large map at once do not wait for each other's drawings one by one: the
/// map is drawn without being held, so the edits made meanwhile are applied and stored, and
/// drawn once together; an edit's answer then shows the map after later edits too.
#[tokio::test]
async fn edits_made_while_a_large_map_is_drawn_are_drawn_together() {
    let big = include_str!("../../../../testdata/render/big400-flows.yaml");
    for backend in common::backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = common::admin(&backend).await;
        let created = client
            .post("/api/streams", &token, &json!({"id": "big", "yaml": big}))
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{name}: {}",
            created.body
        );
        document(&client.get("/api/streams/big/document", &token).await);
        let edits = (0..8).map(|n| {
            let client = client.clone();
            let token = token.clone();
            async move {
                let answer = client
                    .post(
                        "/api/streams/big/edits",
                        &token,
                        &json!({"ops": [{"path": ["steps", n, "name"], "op": "set", "value": format!("Renamed {n}")}]}),
                    )
                    .await;
                let answer = document(&answer);
                (answer["seq"].as_i64().unwrap(), answer["view"]["seq"].as_i64().unwrap())
            }
        });
        let answers = futures_util::future::join_all(edits).await;
        let mut numbers: Vec<i64> = answers.iter().map(|(seq, _)| *seq).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=8).collect::<Vec<_>>(), "{name}");
        assert!(
            answers.iter().all(|(seq, shown)| shown >= seq),
            "{name}: {answers:?}"
        );
        assert!(
            answers.iter().any(|(seq, shown)| shown > seq),
            "{name}: each edit was drawn on its own: {answers:?}"
        );
        let view = document(&client.get("/api/streams/big/document", &token).await);
        for n in 0..8 {
            assert_eq!(
                view["tree"]["steps"][n]["name"],
                format!("Renamed {n}"),
                "{name}"
            );
        }
        assert!(
            view["svg"].as_str().unwrap().contains("Renamed 7"),
            "{name}"
        );
        backend.finish().await;
    }
}

/// The idle save is made as the last author of the unsaved edits who may still edit the map:
/// not as someone taken off the stream since. A map nobody follows, with nothing unsaved, is
/// forgotten by the process (the store keeps it), and read again when asked for.
#[tokio::test]
async fn the_idle_save_is_made_by_an_author_who_may_still_edit_and_idle_maps_are_forgotten() {
    for backend in common::backends().await {
        let name = backend.name;
        let app = idle_now(&backend);
        let client = Client::of(app.clone());
        let token = common::admin(&backend).await;
        common::with_web_shop(&client, &token).await;
        let [_, ed, _] = common::members(&backend, &client, &token).await;
        edited(&client, &ed, json!([{"path": ["customer"], "op": "set", "value": "Shoppers", "expect": "Web shop shoppers"}])).await;
        let removed = client
            .send(Call::new(Method::DELETE, "/api/streams/web-shop/members/ed").token(&token))
            .await;
        assert_eq!(
            removed.status,
            StatusCode::NO_CONTENT,
            "{name}: {}",
            removed.body
        );
        app.workshops.save_idle(&app).await;
        let versions = document(&client.get("/api/streams/web-shop/versions", &token).await);
        assert_eq!(
            versions[0]["number"], 1,
            "{name}: saved as someone who may not edit"
        );
        assert_eq!(
            document(&client.get("/api/streams/web-shop/document", &token).await)["unsaved"],
            1
        );

        edited(&client, &token, json!([{"path": ["name"], "op": "set", "value": "Shop", "expect": "Web shop feature delivery"}])).await;
        app.workshops.save_idle(&app).await;
        let versions = document(&client.get("/api/streams/web-shop/versions", &token).await);
        assert_eq!(versions[0]["number"], 2, "{name}");
        assert_eq!(versions[0]["author"], "ada");
        assert_eq!(
            versions[0]["message"],
            "Workshop edits by ed and ada (2 edits)"
        );

        // Nobody follows it and nothing is unsaved: forgotten in the round that saved it (the
        // idle period is 0 here), read again when asked for; a followed map is kept.
        assert_eq!(app.workshops.held(), 0, "{name}");
        let view = document(&client.get("/api/streams/web-shop/document", &token).await);
        assert_eq!(view["tree"]["name"], "Shop");
        assert_eq!(app.workshops.held(), 1, "{name}");
        let events = app.workshops.subscribe("web-shop");
        app.workshops.save_idle(&app).await;
        assert_eq!(app.workshops.held(), 1, "{name}: a followed map is kept");
        drop(events);
        app.workshops.save_idle(&app).await;
        assert_eq!(app.workshops.held(), 0, "{name}");
        backend.finish().await;
    }
}
