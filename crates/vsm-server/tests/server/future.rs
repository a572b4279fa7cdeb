//! Future states on the server (#14): a map's `extends: NAME.yaml` names the stream `NAME`,
//! read at its latest version; its numbers are the command line's for the same files, its text
//! is kept byte for byte, and a base the caller cannot see, a loop or a chain too deep is
//! refused.

use std::path::Path;

use axum::http::StatusCode;
use serde_json::{Value as Json, json};

use crate::common::{Answer, Client, FEATURE_DELIVERY, admin, backends, members, with_web_shop};
use crate::deliveries::numbers;

const OVERLAY: &str = include_str!("../../../../examples/feature-delivery-overlay.yaml");

async fn create(client: &Client, token: &str, id: &str, yaml: &str) -> Answer {
    client
        .post("/api/streams", token, &json!({"id": id, "yaml": yaml}))
        .await
}

async fn save(client: &Client, token: &str, id: &str, yaml: &str) -> Answer {
    client
        .post(
            &format!("/api/streams/{id}/versions"),
            token,
            &json!({"yaml": yaml}),
        )
        .await
}

/// The analysis `vsm analyze --format json` gives for the example map `name`.
fn cli_analysis(name: &str) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let loaded = vsm_app::load::load(&vsm_app::files::FileSystem::default(), &path, None).unwrap();
    serde_json::from_str(&loaded.analysis_json()).unwrap()
}

#[tokio::test]
async fn a_future_state_extends_the_stream_its_file_names_as_the_command_line_does() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        let made = create(&client, &token, "feature-delivery", FEATURE_DELIVERY).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let made = create(&client, &token, "feature-delivery-overlay", OVERLAY).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        // `vsm pull` gives the overlay back byte for byte.
        let pulled = client
            .get("/api/streams/feature-delivery-overlay/map", &token)
            .await;
        assert_eq!(pulled.status, StatusCode::OK, "{name}");
        assert_eq!(pulled.body, OVERLAY, "{name}");
        let analysis = client
            .get("/api/streams/feature-delivery-overlay/analysis", &token)
            .await;
        assert_eq!(analysis.status, StatusCode::OK, "{name}: {}", analysis.body);
        assert_eq!(
            analysis.json(),
            cli_analysis("feature-delivery-overlay.yaml"),
            "{name}"
        );
        // The full future map gives the same numbers, as the overlay's comment says.
        assert_eq!(
            analysis.json()["summary"]["lead_time_seconds"],
            cli_analysis("feature-delivery-future.yaml")["summary"]["lead_time_seconds"],
            "{name}"
        );
        // A change of the base is seen on the next load (not the analysis kept for the
        // overlay's text alone).
        let before = analysis.json()["summary"]["lead_time_seconds"].clone();
        let slower = FEATURE_DELIVERY.replacen("wait_time: 3d", "wait_time: 9d", 1);
        assert_ne!(slower, FEATURE_DELIVERY);
        let saved = save(&client, &token, "feature-delivery", &slower).await;
        assert_eq!(saved.status, StatusCode::CREATED, "{name}: {}", saved.body);
        let after = client
            .get("/api/streams/feature-delivery-overlay/analysis", &token)
            .await;
        assert_eq!(after.status, StatusCode::OK, "{name}: {}", after.body);
        assert_ne!(
            after.json()["summary"]["lead_time_seconds"],
            before,
            "{name}"
        );
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_base_the_caller_cannot_see_is_refused_without_telling_whether_it_exists() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let [vera, _, otto] = members(&backend, &client, &token).await;
        let hidden = OVERLAY.replace("extends: feature-delivery.yaml", "extends: web-shop.yaml");
        let missing = OVERLAY.replace("extends: feature-delivery.yaml", "extends: nowhere.yaml");
        let refused = create(&client, &otto, "mine", &hidden).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            refused.body
        );
        let absent = create(&client, &otto, "mine", &missing).await;
        assert_eq!(
            absent.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            absent.body
        );
        assert_eq!(
            refused.json()["error"]
                .as_str()
                .unwrap()
                .replace("web-shop", "X"),
            absent.json()["error"]
                .as_str()
                .unwrap()
                .replace("nowhere", "X"),
            "{name}: the same words whether the base exists or not"
        );
        assert!(
            refused
                .body
                .contains("no value stream `web-shop` on this server that you can view"),
            "{name}: {}",
            refused.body
        );
        // A viewer of the base may extend it.
        let allowed = create(&client, &vera, "mine", &hidden).await;
        assert_eq!(
            allowed.status,
            StatusCode::CREATED,
            "{name}: {}",
            allowed.body
        );
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_loop_or_a_chain_too_deep_is_refused_naming_the_chain() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        let extending = |base: &str| format!("extends: {base}.yaml\nname: Future of {base}\n");
        assert_eq!(
            create(&client, &token, "s0", FEATURE_DELIVERY).await.status,
            StatusCode::CREATED
        );
        for n in 1..=8 {
            let made = create(
                &client,
                &token,
                &format!("s{n}"),
                &extending(&format!("s{}", n - 1)),
            )
            .await;
            assert_eq!(
                made.status,
                StatusCode::CREATED,
                "{name} s{n}: {}",
                made.body
            );
        }
        let deep = create(&client, &token, "s9", &extending("s8")).await;
        assert_eq!(
            deep.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            deep.body
        );
        assert!(
            deep.body
                .contains("more than 8 maps deep: s9.yaml → s8.yaml → s7.yaml"),
            "{name}: {}",
            deep.body
        );
        // s0 extending s2, which extends s1, which extends s0: a loop.
        let looped = save(&client, &token, "s0", &extending("s2")).await;
        assert_eq!(
            looped.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            looped.body
        );
        assert!(
            looped
                .body
                .contains("a loop: s0.yaml → s2.yaml → s1.yaml → s0.yaml"),
            "{name}: {}",
            looped.body
        );
        let own = save(&client, &token, "s0", &extending("s0")).await;
        assert_eq!(
            own.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            own.body
        );
        backend.finish().await;
    }
}

/// A future state of the measured `ants` map: the first review within four hours.
const ANTS_FUTURE: &str = "extends: ants.yaml
name: ants pull requests (future state)
steps:
  - id: review
    process_time: 15m
  - id: deploy
    automated: true
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_state_of_a_measured_stream_is_measured_from_the_base_s_deliveries() {
    let data = crate::deliveries::recorded();
    // The command line: both maps next to the store fetched from the same data.
    let dir = crate::deliveries::fetched(&data, 5);
    std::fs::write(dir.path().join("ants.yaml"), crate::deliveries::MAP).unwrap();
    let future = dir.path().join("ants-future.yaml");
    std::fs::write(&future, ANTS_FUTURE).unwrap();
    let loaded = vsm_app::load::load(&vsm_app::FileSystem::default(), &future, None).unwrap();
    assert!(loaded.measured.is_some());
    let cli = numbers(serde_json::from_str(&loaded.analysis_json()).unwrap());
    for backend in backends().await {
        let name = backend.name;
        let app = backend.app();
        let client = Client::of(app.clone());
        let token = admin(&backend).await;
        let made = create(&client, &token, "ants", crate::deliveries::MAP).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let made = create(&client, &token, "ants-future", ANTS_FUTURE).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        // No delivery to the base yet: the estimates, saying which webhook of the base gives
        // the numbers.
        let page = client.get("/streams/ants-future", &token).await;
        assert!(
            page.body.contains("/hooks/github/ants/"),
            "{name}: {}",
            page.body
        );
        crate::deliveries::record(&app, &crate::deliveries::deliveries(&data, 5)).await;
        let served = client
            .get("/api/streams/ants-future/analysis", &token)
            .await;
        assert_eq!(served.status, StatusCode::OK, "{name}: {}", served.body);
        assert_eq!(numbers(served.json()), cli, "{name}");
        let base = client.get("/api/streams/ants/analysis", &token).await;
        assert_ne!(
            numbers(base.json()),
            cli,
            "{name}: the future state differs"
        );
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_future_state_measuring_otherwise_than_its_base_is_refused_saying_why() {
    let backend = crate::common::sqlite().await;
    let client = backend.client();
    let token = admin(&backend).await;
    let made = create(&client, &token, "ants", crate::deliveries::MAP).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let other = format!("{ANTS_FUTURE}measure:\n  log: events.jsonl\n");
    let made = create(&client, &token, "ants-other", &other).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let served = client.get("/api/streams/ants-other/analysis", &token).await;
    assert_eq!(
        served.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        served.body
    );
    assert!(
        served.body.contains("otherwise than `ants.yaml`"),
        "{}",
        served.body
    );
}
