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

/// Asserts `answer` is a 422 whose message says `says`.
#[track_caller]
fn refused(answer: &Answer, says: &str, name: &str) {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{name}: {}",
        answer.body
    );
    assert!(answer.body.contains(says), "{name}: {}", answer.body);
}

/// `web-shop` with the members of [`members`]: a client, the admin's token and theirs.
async fn with_members(backend: &crate::common::Backend) -> (Client, String, [String; 3]) {
    let client = backend.client();
    let token = admin(backend).await;
    with_web_shop(&client, &token).await;
    let tokens = members(backend, &client, &token).await;
    (client, token, tokens)
}

/// The streams `feature-delivery` and `feature-delivery-overlay`, from the examples.
async fn with_future(client: &Client, token: &str, name: &str) {
    for (id, yaml) in [
        ("feature-delivery", FEATURE_DELIVERY),
        ("feature-delivery-overlay", OVERLAY),
    ] {
        let made = create(client, token, id, yaml).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
    }
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
        with_future(&client, &token, name).await;
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
        let (client, _, [vera, _, otto]) = with_members(&backend).await;
        let hidden = OVERLAY.replace("extends: feature-delivery.yaml", "extends: web-shop.yaml");
        let missing = OVERLAY.replace("extends: feature-delivery.yaml", "extends: nowhere.yaml");
        let hidden_base = create(&client, &otto, "mine", &hidden).await;
        let text = "no value stream `web-shop` on this server that you can view";
        refused(&hidden_base, text, name);
        let absent = create(&client, &otto, "mine", &missing).await;
        refused(&absent, &text.replace("web-shop", "nowhere"), name);
        assert_eq!(
            hidden_base.json()["error"]
                .as_str()
                .unwrap()
                .replace("web-shop", "X"),
            absent.json()["error"]
                .as_str()
                .unwrap()
                .replace("nowhere", "X"),
            "{name}: the same words whether the base exists or not"
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
        refused(
            &deep,
            "more than 8 maps deep: s9.yaml → s8.yaml → s7.yaml",
            name,
        );
        // s0 extending s2, which extends s1, which extends s0: a loop.
        let looped = save(&client, &token, "s0", &extending("s2")).await;
        refused(
            &looped,
            "a loop: s0.yaml → s2.yaml → s1.yaml → s0.yaml",
            name,
        );
        let own = save(&client, &token, "s0", &extending("s0")).await;
        refused(&own, "a loop: s0.yaml → s0.yaml", name);
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
        // A stream whose first version measured itself and whose latest extends `ants`: the
        // first version is not measured from `ants`' deliveries as if they were its own.
        let made = create(&client, &token, "ants-later", crate::deliveries::MAP).await;
        assert_eq!(made.status, StatusCode::CREATED, "{name}: {}", made.body);
        let saved = save(&client, &token, "ants-later", ANTS_FUTURE).await;
        assert_eq!(saved.status, StatusCode::CREATED, "{name}: {}", saved.body);
        let first = client
            .get("/api/streams/ants-later/analysis?version=1", &token)
            .await;
        refused(
            &first,
            "does not extend `ants.yaml` as the stream's latest map does",
            name,
        );
        let latest = client.get("/api/streams/ants-later/analysis", &token).await;
        assert_eq!(numbers(latest.json()), cli, "{name}");
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
    refused(&served, "otherwise than `ants.yaml`", "sqlite");
}

/// What `vsm compare CURRENT FUTURE --format json` prints for the example maps, computed
/// through `vsm-app` as the command line does.
fn cli_compare(current: &str, future: &str) -> Json {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let files = vsm_app::files::FileSystem::default();
    let before = vsm_app::load::load(&files, &examples.join(current), None).unwrap();
    let mut after = vsm_app::load::load(&files, &examples.join(future), None).unwrap();
    after.waits_as(&before.stream.working_time);
    let _days = before.stream.telling();
    fn side(l: &vsm_app::Loaded) -> vsm_render::compare::Side<'_> {
        vsm_render::compare::Side {
            stream: &l.stream,
            analysis: &l.analysis,
            simulated: None,
        }
    }
    let text =
        vsm_render::compare::render(side(&before), side(&after), vsm_render::Format::Json).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn a_future_state_is_compared_with_the_current_state_it_extends() {
    let expected = cli_compare("feature-delivery.yaml", "feature-delivery-overlay.yaml");
    for backend in backends().await {
        let name = backend.name;
        let (client, token, [vera, _, otto]) = with_members(&backend).await;
        with_future(&client, &token, name).await;

        let compared = client
            .get(
                "/api/streams/feature-delivery-overlay/compare/current",
                &token,
            )
            .await;
        assert_eq!(compared.status, StatusCode::OK, "{name}: {}", compared.body);
        assert_eq!(compared.json(), expected, "{name}");

        // The future state's page links to the comparison; the base's lists its future states.
        let page = client
            .get("/streams/feature-delivery-overlay", &token)
            .await;
        assert!(
            page.body.contains(
                "<a href=\"/streams/feature-delivery-overlay/compare/current\">compare with the current state (feature-delivery)</a>"
            ),
            "{name}: {}",
            page.body
        );
        let page = client.get("/streams/feature-delivery", &token).await;
        assert!(
            page.body.contains("Future states of this stream: <a href=\"/streams/feature-delivery-overlay\">Web shop feature delivery (future state)</a>"),
            "{name}: {}",
            page.body
        );
        let html = client
            .get("/streams/feature-delivery-overlay/compare/current", &token)
            .await;
        assert_eq!(html.status, StatusCode::OK, "{name}: {}", html.body);
        assert!(
            html.body.matches("<svg").count() >= 2,
            "{name}: both maps drawn"
        );

        // A map that extends none has no current state to be compared with.
        let none = client
            .get("/api/streams/feature-delivery/compare/current", &token)
            .await;
        refused(&none, "extends no map", name);

        // A viewer of a future state who cannot view its base: refused without telling, no
        // link; and not listed on the base's page to those who cannot view the future state.
        let hidden = OVERLAY.replace(
            "extends: feature-delivery.yaml",
            "extends: feature-delivery.yaml\n# v2",
        );
        let saved = save(&client, &token, "web-shop", &hidden).await;
        assert_eq!(saved.status, StatusCode::CREATED, "{name}: {}", saved.body);
        let unviewable = client
            .get("/api/streams/web-shop/compare/current", &vera)
            .await;
        refused(
            &unviewable,
            "no value stream `feature-delivery` on this server that you can view",
            name,
        );
        let page = client.get("/streams/web-shop", &vera).await;
        assert!(
            !page.body.contains("compare with the current state")
                && page.body.contains("on this server that you can view")
                && !page.body.contains("Triage request"),
            "{name}: no link, and nothing of the base: {}",
            page.body
        );
        let analysis = client.get("/api/streams/web-shop/analysis", &vera).await;
        refused(
            &analysis,
            "no value stream `feature-delivery` on this server that you can view",
            name,
        );
        let page = client.get("/streams/feature-delivery", &token).await;
        assert!(
            page.body.contains("/streams/web-shop/compare/current"),
            "{name}: the admin sees both"
        );
        // Someone who cannot view the future state: 404, as for any of its pages.
        let unseen = client
            .get("/api/streams/web-shop/compare/current", &otto)
            .await;
        assert_eq!(
            unseen.status,
            StatusCode::NOT_FOUND,
            "{name}: {}",
            unseen.body
        );
        backend.finish().await;
    }
}
