//! A stream's pages beyond its map, in a browser's way (a session cookie) and as JSON: the plan
//! board and moving an improvement on it, trends over versions, the simulation, every headline
//! number explained, and the streams list's sparklines.

use axum::http::{Method, StatusCode};
use serde_json::json;

use std::sync::Arc;

use vsm_server::{App, Settings};

use crate::common::{
    Answer, Call, Client, Counting, FEATURE_DELIVERY, admin, backends, with_web_shop,
};
use crate::pages::{cookie, csrf_field, sign_in};

/// A new user `name` with `role` on `stream`, made by the admin holding `token`, signed in: the
/// session cookie.
async fn person(client: &Client, token: &str, stream: &str, name: &str, role: &str) -> String {
    let made = client
        .post("/api/users", token, &json!({"name": name}))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let path = format!("/api/streams/{stream}/members/{name}");
    let given = client
        .send(
            Call::new(Method::PUT, &path)
                .token(token)
                .json(&json!({"role": role})),
        )
        .await;
    assert_eq!(given.status, StatusCode::NO_CONTENT, "{}", given.body);
    let password = made.json()["password"].as_str().unwrap().to_string();
    let signed_in = sign_in(client, name, &password).await;
    cookie(&signed_in, "vsm_session").expect("signed in")
}

async fn page(client: &Client, session: &str, path: &str) -> Answer {
    client
        .send(Call::new(Method::GET, path).header("cookie", session.to_string()))
        .await
}

async fn save(client: &Client, token: &str, stream: &str, yaml: &str) {
    let saved = client
        .post(
            &format!("/api/streams/{stream}/versions"),
            token,
            &json!({"yaml": yaml, "message": "edited"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
}

/// A map whose names and texts are markup, with an overdue improvement and one without a
/// `status:` line.
const MARKUP: &str = "name: <b>Shop</b> & co\nsteps:\n  - id: a\n    name: <script>alert(1)</script>\n    process_time: 2h\n    wait_time: 1d\n    complete_accurate: 80%\n  - { id: b, name: \"<i>Ship</i>\", process_time: 1h, wait_time: 3d }\nimprovements:\n  # late already\n  - id: late\n    step: a\n    action: <em>Pair</em> on it\n    owner: <u>Ops</u>\n    due: 2020-01-01\n    target: { process_time: 1h }\n  - { id: on-time, step: b, action: Automate, due: 2999-01-01, status: in_progress }\n";

#[tokio::test]
async fn every_page_of_a_stream_renders_for_a_viewer_and_escapes_markup() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        let created = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "shop", "yaml": MARKUP}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        save(
            &client,
            &token,
            "shop",
            &MARKUP.replace("wait_time: 3d", "wait_time: 2d"),
        )
        .await;
        let session = person(&client, &token, "shop", "vera", "viewer").await;
        let mut paths = vec![
            "/".to_string(),
            "/streams/shop".to_string(),
            "/streams/shop/plan".to_string(),
            "/streams/shop/trends".to_string(),
            "/streams/shop/simulate".to_string(),
            "/streams/shop/versions".to_string(),
        ];
        for metric in [
            "lead_time",
            "process_time",
            "activity_ratio",
            "rolled_complete_accurate",
        ] {
            paths.push(format!("/streams/shop/explain/{metric}"));
        }
        for path in &paths {
            let answer = page(&client, &session, path).await;
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "{name}: {path}: {}",
                answer.body
            );
            for raw in ["<b>Shop", "<script>alert", "<i>Ship", "<em>Pair", "<u>Ops"] {
                assert!(
                    !answer.body.contains(raw),
                    "{name}: {path} shows {raw} unescaped"
                );
            }
            if path.starts_with("/streams/") {
                // Every page of the stream links to the others.
                for tab in ["/plan\"", "/trends\"", "/simulate\"", "/versions\""] {
                    assert!(
                        answer.body.contains(&format!("href=\"/streams/shop{tab}")),
                        "{name}: {path} has no link to {tab}"
                    );
                }
            }
        }

        // The list: a sparkline of the lead time over the two versions, 4d 3h then 3d 3h.
        let list = page(&client, &session, "/").await;
        assert!(
            list.body.contains("<svg class=\"spark\""),
            "{name}: {}",
            list.body
        );
        assert!(
            list.body.contains("&#60;b&#62;Shop&#60;/b&#62; &#38; co"),
            "{name}: {}",
            list.body
        );

        // The stream page: each headline number links to its explanation.
        let stream = page(&client, &session, "/streams/shop").await;
        for metric in [
            "lead_time",
            "process_time",
            "activity_ratio",
            "rolled_complete_accurate",
        ] {
            assert!(
                stream
                    .body
                    .contains(&format!("/streams/shop/explain/{metric}?version=2")),
                "{name}: {metric}"
            );
        }

        // The plan: a column per status, the overdue card flagged, no buttons for a viewer.
        let plan = page(&client, &session, "/streams/shop/plan").await;
        for column in ["Planned", "In progress", "Done", "Dropped"] {
            assert!(
                plan.body.contains(&format!(">{column} <")),
                "{name}: {column}"
            );
        }
        assert!(
            plan.body
                .contains("class=\"card overdue\" id=\"card-late\""),
            "{name}"
        );
        assert!(
            plan.body.contains("class=\"card\" id=\"card-on-time\""),
            "{name}"
        );
        assert!(
            plan.body.contains("&#60;em&#62;Pair&#60;/em&#62; on it"),
            "{name}"
        );
        assert!(
            !plan.body.contains("class=\"move\""),
            "{name}: a viewer moves nothing"
        );

        // Trends: a chart per headline number, over two versions.
        let trends = page(&client, &session, "/streams/shop/trends").await;
        assert_eq!(
            trends.body.matches("<svg class=\"trend\"").count(),
            4,
            "{name}"
        );
        assert!(
            trends.body.contains("4d 3h → 3d 3h (-24.24%)"),
            "{name}: {}",
            trends.body
        );

        // The simulation, with its lead time percentiles.
        let simulated = page(&client, &session, "/streams/shop/simulate").await;
        assert!(
            simulated.body.contains("Lead time p85"),
            "{name}: {}",
            simulated.body
        );
        assert!(simulated.body.contains("10000 items"), "{name}");
        assert!(
            simulated
                .body
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{name}"
        );

        // An explanation: the steps behind the lead time, with the arithmetic.
        let explained = page(&client, &session, "/streams/shop/explain/lead_time").await;
        assert!(
            explained.body.contains("1d 2h + 2d 1h = 3d 3h"),
            "{name}: {}",
            explained.body
        );
        assert!(explained.body.contains("id=\"step-a\""), "{name}");
        let unknown = page(&client, &session, "/streams/shop/explain/speed").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn moving_an_improvement_saves_a_version_that_differs_in_its_status_line_alone() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let editor = person(&client, &token, "web-shop", "ed", "editor").await;
        let viewer = person(&client, &token, "web-shop", "vera", "viewer").await;

        let board = page(&client, &editor, "/streams/web-shop/plan").await;
        assert_eq!(board.status, StatusCode::OK, "{name}: {}", board.body);
        assert!(
            board.body.contains("class=\"move\""),
            "{name}: an editor moves cards"
        );
        let csrf = csrf_field(&board.body);
        let move_form = |session: &str, fields: Vec<(&'static str, String)>| {
            let call = Call::new(Method::POST, "/streams/web-shop/plan")
                .header("cookie", session.to_string());
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let call = call.form(&fields);
            let client = client.clone();
            async move { client.send(call).await }
        };

        // Without the CSRF token, or as a viewer: refused, nothing saved.
        let forged = move_form(
            &editor,
            vec![
                ("improvement", "auto-regression".into()),
                ("status", "done".into()),
            ],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{name}");
        let viewer_csrf = csrf_field(&page(&client, &viewer, "/streams/web-shop/plan").await.body);
        let refused = move_form(
            &viewer,
            vec![
                ("improvement", "auto-regression".into()),
                ("status", "done".into()),
                ("csrf", viewer_csrf),
            ],
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{name}: {}",
            refused.body
        );
        let versions = client
            .get("/api/streams/web-shop/versions", &token)
            .await
            .json();
        assert_eq!(
            versions.as_array().unwrap().len(),
            1,
            "{name}: nothing saved"
        );

        // The editor moves it: a new version, only that line changed.
        let moved = move_form(
            &editor,
            vec![
                ("improvement", "auto-regression".into()),
                ("status", "done".into()),
                ("version", "1".into()),
                ("csrf", csrf.clone()),
            ],
        )
        .await;
        assert_eq!(
            moved.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            moved.body
        );
        assert_eq!(
            moved.header("location"),
            Some("/streams/web-shop/plan#card-auto-regression")
        );
        let text = client.get("/api/streams/web-shop/map", &token).await;
        assert_eq!(text.header("x-vsm-version"), Some("2"), "{name}");
        let before: Vec<&str> = FEATURE_DELIVERY.split_inclusive('\n').collect();
        let after: Vec<&str> = text.body.split_inclusive('\n').collect();
        assert_eq!(before.len(), after.len(), "{name}");
        let changed: Vec<usize> = (0..before.len())
            .filter(|&i| before[i] != after[i])
            .collect();
        assert_eq!(changed.len(), 1, "{name}: {changed:?}");
        let line = changed[0];
        assert_eq!(
            (before[line], after[line]),
            ("    status: planned\n", "    status: done\n"),
            "{name}"
        );
        assert!(before[line - 5].contains("id: auto-regression"), "{name}");
        let version = client
            .get("/api/streams/web-shop/versions/2", &token)
            .await
            .json();
        assert_eq!(version["author"], "ed", "{name}");
        assert_eq!(
            version["message"], "Moved auto-regression to done",
            "{name}"
        );
        let board = page(&client, &editor, "/streams/web-shop/plan").await;
        let done = &board.body[board.body.find("id=\"column-done\"").unwrap()..];
        let done = &done[..done.find("</section>").unwrap()];
        assert!(done.contains("id=\"card-auto-regression\""), "{name}");

        // Moved on a version that is no longer the latest: refused, saying so.
        let stale = move_form(
            &editor,
            vec![
                ("improvement", "standard-changes".into()),
                ("status", "in_progress".into()),
                ("version", "1".into()),
                ("csrf", csrf.clone()),
            ],
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{name}: {}", stale.body);
        assert!(stale.body.contains("reload the plan"), "{name}");

        // Through the API: a token, a status that is none, an improvement that is none.
        let ed_token = vsm_server::accounts::create_token(backend.store.as_ref(), "ed", "t")
            .await
            .unwrap();
        let vera_token = vsm_server::accounts::create_token(backend.store.as_ref(), "vera", "t")
            .await
            .unwrap();
        let put = |token: String, improvement: &'static str, body: serde_json::Value| {
            let client = client.clone();
            async move {
                let path = format!("/api/streams/web-shop/plan/{improvement}");
                client
                    .send(Call::new(Method::PUT, &path).token(&token).json(&body))
                    .await
            }
        };
        let as_viewer = put(vera_token, "standard-changes", json!({"status": "done"})).await;
        assert_eq!(as_viewer.status, StatusCode::FORBIDDEN, "{name}");
        let no_status = put(
            ed_token.clone(),
            "standard-changes",
            json!({"status": "finished"}),
        )
        .await;
        assert_eq!(no_status.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            no_status.body.contains("`in_progress`"),
            "{name}: {}",
            no_status.body
        );
        let none = put(ed_token.clone(), "nothing", json!({"status": "done"})).await;
        assert_eq!(none.status, StatusCode::NOT_FOUND, "{name}");
        assert!(
            none.body.contains("`standard-changes`"),
            "{name}: {}",
            none.body
        );
        let api_moved = put(
            ed_token.clone(),
            "standard-changes",
            json!({"status": "dropped", "version": 2}),
        )
        .await;
        assert_eq!(
            api_moved.status,
            StatusCode::CREATED,
            "{name}: {}",
            api_moved.body
        );
        assert_eq!(api_moved.json()["version"]["number"], 3, "{name}");
        let again = put(ed_token, "standard-changes", json!({"status": "dropped"})).await;
        assert_eq!(again.status, StatusCode::OK, "{name}");
        assert_eq!(again.json()["unchanged"], true, "{name}: no empty version");
        backend.finish().await;
    }
}

/// The status `improvement` has in `map`'s text.
fn status_in(map: &str, improvement: &str) -> String {
    let at = map
        .find(&format!("id: {improvement}\n"))
        .unwrap_or_else(|| panic!("no `{improvement}` in {map}"));
    let rest = &map[at..];
    let line = rest[rest.find("status: ").unwrap()..]
        .lines()
        .next()
        .unwrap();
    line["status: ".len()..].to_string()
}

#[tokio::test]
async fn two_moves_made_at_once_on_one_version_never_lose_one() {
    for backend in backends().await {
        let name = backend.name;
        let token = admin(&backend).await;
        with_web_shop(&backend.client(), &token).await;
        let put = |client: &Client, improvement: &str, body: serde_json::Value| {
            let path = format!("/api/streams/web-shop/plan/{improvement}");
            let (client, token) = (client.clone(), token.clone());
            async move {
                client
                    .send(Call::new(Method::PUT, &path).token(&token).json(&body))
                    .await
            }
        };
        // Both moves read version 1 as the latest before either saves.
        let gated = |readers| {
            Client::of(App::new(
                Counting::gated(Arc::clone(&backend.store), readers),
                Settings::default(),
            ))
        };
        let client = gated(2);
        let (one, other) = tokio::join!(
            put(
                &client,
                "auto-regression",
                json!({"status": "done", "version": 1})
            ),
            put(
                &client,
                "standard-changes",
                json!({"status": "in_progress", "version": 1})
            ),
        );
        let mut statuses = [one.status, other.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{name}: {} / {}",
            one.body,
            other.body
        );
        let (saved, refused, moved, kept) = if one.status == StatusCode::CREATED {
            (
                &one,
                &other,
                ("auto-regression", "done"),
                "standard-changes",
            )
        } else {
            (
                &other,
                &one,
                ("standard-changes", "in_progress"),
                "auto-regression",
            )
        };
        assert_eq!(saved.json()["version"]["number"], 2, "{name}");
        assert!(
            refused.body.contains(
                "the map changed after version 1: version 2 is the latest; reload the plan"
            ),
            "{name}: {}",
            refused.body
        );
        let versions = backend.store.versions("web-shop").await.unwrap();
        assert_eq!(versions.len(), 2, "{name}: one version added");
        let map = backend
            .store
            .version("web-shop", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status_in(&map.yaml, moved.0), moved.1, "{name}");
        assert_eq!(status_in(&map.yaml, kept), "planned", "{name}");

        // Moves made without a version are each made on the latest: both land.
        let client = gated(2);
        let (one, other) = tokio::join!(
            put(&client, "auto-regression", json!({"status": "dropped"})),
            put(&client, "standard-changes", json!({"status": "done"})),
        );
        assert_eq!(
            (one.status, other.status),
            (StatusCode::CREATED, StatusCode::CREATED),
            "{name}: {} / {}",
            one.body,
            other.body
        );
        let map = backend
            .store
            .version("web-shop", None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(map.info.number, 4, "{name}");
        assert_eq!(status_in(&map.yaml, "auto-regression"), "dropped", "{name}");
        assert_eq!(status_in(&map.yaml, "standard-changes"), "done", "{name}");

        // A map saved through the API on a version that is no longer the latest: refused.
        let client = backend.client();
        let stale = client
            .post(
                "/api/streams/web-shop/versions",
                &token,
                &json!({"yaml": FEATURE_DELIVERY, "version": 3}),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{name}: {}", stale.body);
        assert!(
            stale.body.contains("changed after version 3"),
            "{name}: {}",
            stale.body
        );
        let saved = client
            .post(
                "/api/streams/web-shop/versions",
                &token,
                &json!({"yaml": FEATURE_DELIVERY, "version": 4}),
            )
            .await;
        assert_eq!(saved.status, StatusCode::CREATED, "{name}: {}", saved.body);
        assert_eq!(saved.json()["version"]["number"], 5, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn the_json_of_the_plan_trends_simulation_and_explanations() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        // v2: the regression testing takes 5h instead of 6h, and the map has a target.
        save(
            &client,
            &token,
            "web-shop",
            &FEATURE_DELIVERY
                .replace("process_time: 6h", "process_time: 5h")
                .replace("\nsteps:", "\ntargets:\n  lead_time: { max: 5w }\nsteps:"),
        )
        .await;

        // The plan: each target from the version its improvement first appeared in, to now.
        let plan = client.get("/api/streams/web-shop/plan", &token).await;
        assert_eq!(plan.status, StatusCode::OK, "{name}: {}", plan.body);
        let plan = plan.json();
        let regression = plan["improvements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == "auto-regression")
            .unwrap()
            .clone();
        let process = &regression["targets"][0];
        assert_eq!(process["metric"], "process_time", "{name}");
        assert_eq!(process["at_start"], json!({"seconds": 21600.0}), "{name}");
        assert_eq!(process["current"], json!({"seconds": 18000.0}), "{name}");
        assert!(
            regression["baseline"]
                .as_str()
                .unwrap()
                .starts_with("v1 of "),
            "{name}: {regression}"
        );

        // Trends: the versions and each headline number over them.
        let trends = client
            .get("/api/streams/web-shop/trends", &token)
            .await
            .json();
        assert_eq!(trends["versions"].as_array().unwrap().len(), 2, "{name}");
        let process = &trends["metrics"]["process_time"];
        assert_eq!(process["unit"], "seconds", "{name}");
        let values = process["values"].as_array().unwrap();
        let less = values[0].as_f64().unwrap() - values[1].as_f64().unwrap();
        assert!(
            (less - 3600.0).abs() < 1e-6,
            "{name}: an hour less, not {less}"
        );

        assert_eq!(
            trends["targets"]["lead_time"],
            json!({"min": null, "max": 3_024_000.0}),
            "{name}"
        );
        // The page charts the target, and says it of versions.
        let page = client.get("/streams/web-shop/trends", &token).await;
        assert!(
            page.body
                .contains("Target ≤ 35d: met by the latest version; met by 2 of 2."),
            "{name}: {}",
            page.body
        );
        assert!(page.body.contains("trend-target"), "{name}");

        // The simulation: `vsm simulate`'s JSON, the same on every call (a fixed seed).
        let first = client.get("/api/streams/web-shop/simulation", &token).await;
        assert_eq!(first.status, StatusCode::OK, "{name}: {}", first.body);
        let simulation = first.json();
        assert_eq!(simulation["items"], 10_000, "{name}");
        assert_eq!(simulation["seed"], 1, "{name}");
        assert!(simulation["lead_time_seconds"]["p85"].as_f64().unwrap() > 0.0);
        let second = client.get("/api/streams/web-shop/simulation", &token).await;
        assert_eq!(first.body, second.body, "{name}");

        // An explanation: the steps behind the number and their part in it.
        let explained = client
            .get(
                "/api/streams/web-shop/explain/rolled_complete_accurate",
                &token,
            )
            .await
            .json();
        assert_eq!(explained["steps"].as_array().unwrap().len(), 9, "{name}");
        assert_eq!(explained["steps"][0]["complete_accurate_percent"], 90.0);
        assert_eq!(
            explained["steps"][0]["provenance"]["wait_time"],
            "estimated"
        );
        let old = client
            .get(
                "/api/streams/web-shop/explain/process_time?version=1",
                &token,
            )
            .await
            .json();
        assert!(
            old["arithmetic"].as_str().unwrap().contains("+ 6h +"),
            "{name}: {old}"
        );
        backend.finish().await;
    }
}
