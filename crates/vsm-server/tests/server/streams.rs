//! Value streams as maps: create, save versions, read them back byte for byte, analyze.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::{FEATURE_DELIVERY, admin, backends, with_web_shop};

#[tokio::test]
async fn a_map_pushed_comes_back_byte_for_byte_with_every_version() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        let created = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "web-shop", "yaml": FEATURE_DELIVERY, "message": "from the workshop"}),
            )
            .await;
        assert_eq!(
            created.status,
            StatusCode::CREATED,
            "{name}: {}",
            created.body
        );
        let saved = created.json();
        assert_eq!(saved["version"]["number"], 1, "{name}");
        assert_eq!(saved["version"]["author"], "ada", "{name}");
        assert_eq!(saved["unchanged"], false, "{name}");

        // The same map again is that stream already (a push made twice at once); another map
        // under the same id is a conflict that says what to do instead.
        let same = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "web-shop", "yaml": FEATURE_DELIVERY}),
            )
            .await;
        assert_eq!(same.status, StatusCode::OK, "{name}: {}", same.body);
        assert_eq!(same.json()["unchanged"], true, "{name}");
        let again = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "web-shop", "yaml": format!("{FEATURE_DELIVERY}# another\n")}),
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{name}");
        assert!(
            again.body.contains("/api/streams/web-shop/versions"),
            "{name}: {}",
            again.body
        );
        // Someone who may not see it is told there is no stream they can write to, as a save
        // by them is: not that a stream they may not see exists.
        let made = client
            .post("/api/users", &token, &json!({"name": "otto"}))
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let outsider = vsm_server::accounts::create_token(backend.store.as_ref(), "otto", "t")
            .await
            .unwrap();
        for (path, body) in [
            (
                "/api/streams/web-shop/versions",
                json!({"yaml": FEATURE_DELIVERY}),
            ),
            (
                "/api/streams",
                json!({"id": "web-shop", "yaml": FEATURE_DELIVERY}),
            ),
        ] {
            let hidden = client.post(path, &outsider, &body).await;
            assert_eq!(
                hidden.status,
                StatusCode::NOT_FOUND,
                "{name}: {path}: {}",
                hidden.body
            );
            assert!(
                !hidden.body.contains("exists") && !hidden.body.contains("versions"),
                "{name}: {path}: {}",
                hidden.body
            );
        }

        let pulled = client.get("/api/streams/web-shop/map", &token).await;
        assert_eq!(pulled.status, StatusCode::OK, "{name}");
        assert_eq!(pulled.body, FEATURE_DELIVERY, "{name}: byte for byte");
        assert_eq!(pulled.header("x-vsm-version"), Some("1"), "{name}");

        // The same text again adds no version.
        let same = client
            .post(
                "/api/streams/web-shop/versions",
                &token,
                &json!({"yaml": FEATURE_DELIVERY}),
            )
            .await;
        assert_eq!(same.status, StatusCode::OK, "{name}: {}", same.body);
        assert_eq!(same.json()["unchanged"], true, "{name}");

        // Line ends, accents and a missing last newline survive as they were.
        let edited = FEATURE_DELIVERY
            .replace("Web shop feature delivery", "Web shop feature délivery")
            .replace('\n', "\r\n");
        let edited = edited.trim_end().to_string();
        let second = client
            .post(
                "/api/streams/web-shop/versions",
                &token,
                &json!({"yaml": edited, "message": "CRLF"}),
            )
            .await;
        assert_eq!(
            second.status,
            StatusCode::CREATED,
            "{name}: {}",
            second.body
        );
        assert_eq!(second.json()["version"]["number"], 2, "{name}");
        let latest = client.get("/api/streams/web-shop/map", &token).await;
        assert_eq!(latest.body, edited, "{name}");
        let first = client
            .get("/api/streams/web-shop/map?version=1", &token)
            .await;
        assert_eq!(first.body, FEATURE_DELIVERY, "{name}");
        let one = client
            .get("/api/streams/web-shop/versions/1", &token)
            .await
            .json();
        assert_eq!(one["yaml"], FEATURE_DELIVERY, "{name}");
        assert_eq!(one["message"], "from the workshop", "{name}");

        let versions = client
            .get("/api/streams/web-shop/versions", &token)
            .await
            .json();
        let numbers: Vec<i64> = versions
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["number"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, [2, 1], "{name}: newest first");
        assert_eq!(versions[0]["size"], edited.len(), "{name}: bytes");

        let stream = client.get("/api/streams/web-shop", &token).await.json();
        assert_eq!(stream["name"], "Web shop feature délivery", "{name}");
        assert_eq!(stream["latest_version"], 2, "{name}");
        assert_eq!(stream["role"], "admin", "{name}");
        let missing = client.get("/api/streams/web-shop/versions/9", &token).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{name}");
        backend.finish().await;
    }
}

#[tokio::test]
async fn the_analysis_is_the_json_vsm_analyze_prints() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("web-shop.yaml");
    std::fs::write(&path, FEATURE_DELIVERY).unwrap();
    let expected = vsm_app::load::load(&vsm_app::FileSystem::default(), &path, None)
        .unwrap()
        .analysis_json();
    for backend in backends().await {
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let analysis = client.get("/api/streams/web-shop/analysis", &token).await;
        assert_eq!(analysis.status, StatusCode::OK, "{}", analysis.body);
        assert_eq!(analysis.header("content-type"), Some("application/json"));
        assert_eq!(analysis.body, expected, "{}", backend.name);
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_map_with_errors_is_refused_with_the_diagnostics_json_and_nothing_is_stored() {
    let typo = "name: D\nsteps:\n  - id: a\n    proces_time: 2h\n";
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        let refused = client
            .post("/api/streams", &token, &json!({"id": "d", "yaml": typo}))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let report = refused.json();
        assert_eq!(report["valid"], false, "{name}");
        let first = &report["files"][0]["diagnostics"][0];
        assert_eq!(report["files"][0]["file"], "d.yaml", "{name}");
        assert_eq!(first["code"], "unknown_field", "{name}: {}", refused.body);
        assert_eq!(first["location"]["line"], 4, "{name}");
        assert_eq!(first["location"]["column"], 5, "{name}");
        assert!(
            first["help"].as_str().unwrap().contains("process_time"),
            "{name}"
        );
        let listed = client.get("/api/streams", &token).await.json();
        assert_eq!(listed, json!([]), "{name}: nothing stored");

        // A bad id is refused before the map is read, with a suggestion.
        let bad_id = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "Web Shop", "yaml": FEATURE_DELIVERY}),
            )
            .await;
        assert_eq!(bad_id.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            bad_id.body.contains("`web-shop`"),
            "{name}: {}",
            bad_id.body
        );

        // A map that measures from a log is kept; with no delivery yet, its analysis is of its
        // estimates (measured from the stream's deliveries once there are some).
        let measured = format!("{FEATURE_DELIVERY}\nmeasure:\n  log: events.csv\n");
        let saved = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "measured", "yaml": measured}),
            )
            .await;
        assert_eq!(saved.status, StatusCode::CREATED, "{name}: {}", saved.body);
        let analysis = client.get("/api/streams/measured/analysis", &token).await;
        assert_eq!(analysis.status, StatusCode::OK, "{name}: {}", analysis.body);
        assert!(
            !analysis.body.contains("\"measured_from\""),
            "{name}: {}",
            analysis.body
        );
        backend.finish().await;
    }
}
