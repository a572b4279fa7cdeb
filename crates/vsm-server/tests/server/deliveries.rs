//! Webhook deliveries become a stream's measured numbers and DORA figures: GitHub deliveries
//! built from the recorded responses (panjf2000/ants's pull requests and reviews, and
//! deployments shaped as GitHub's documented deployment and status, of five of its merge
//! commits) are put in with `Store::record_deliveries`, and the stream's analysis and DORA
//! figures equal what `vsm fetch github --from` + `vsm analyze` / `vsm dora` give for the same
//! responses, computed here through `vsm-app` as the command line does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value as Json, json};
use vsm_server::store::{NewDelivery, SourceKind};
use vsm_server::{App, Settings};

use crate::common::{Client, admin, backends};

pub(crate) const MAP: &str = r#"name: ants pull requests
scope: { start: Pull request opened, end: Change deployed }
steps:
  - id: review
    name: Wait for the first review
    process_time: 30m
    wait_time: 1d
    measure: { start: pr_opened, end: [review_submitted, pr_merged], span: wait }
  - id: deploy
    name: Merged to deployed
    process_time: 10m
    wait_time: 2d
    measure: { start: pr_merged, end: deployment_finished, span: wait }
measure:
  log: events.sqlite
  object_type: pull_request
  follow: [merged_as, deployed_by]
  abandoned: { activity: pr_closed }
dora:
  period: month
"#;

pub(crate) const REPO: &str = "panjf2000/ants";
pub(crate) const FROM: &str = "2021-09-01";
pub(crate) const TO: &str = "2022-03-01";

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/api")
}

fn read(path: &str) -> Json {
    let file = testdata().join(path);
    serde_json::from_slice(&std::fs::read(&file).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// A deployment of a merge commit to production a day after its merge, shaped as GitHub's
/// documented deployment (`testdata/api/github-deployments`), with its statuses: queued, then
/// `final_state` ten minutes later.
struct Deployed {
    id: u64,
    deployment: Json,
    statuses: Vec<Json>,
}

fn deployed(id: u64, merged_at: &str, sha: &str, final_state: &str) -> Deployed {
    let at: jiff::Timestamp = merged_at.parse().unwrap();
    let queued = at + jiff::SignedDuration::from_hours(24);
    let done = queued + jiff::SignedDuration::from_mins(10);
    let mut deployment = read("github-deployments/deployments/page-001.json")[0].clone();
    deployment["id"] = json!(id);
    deployment["commit_sha"] = json!(sha);
    deployment["created_at"] = json!(queued.to_string());
    deployment["updated_at"] = json!(done.to_string());
    deployment["url"] = json!(format!(
        "https://api.github.com/repos/{REPO}/deployments/{id}"
    ));
    deployment["repository_url"] = json!(format!("https://api.github.com/repos/{REPO}"));
    let template = read("github-deployments/deployment_statuses/page-001.json")[0].clone();
    let statuses = [(1, "queued", queued), (2, final_state, done)]
        .into_iter()
        .map(|(n, state, time)| {
            let mut status = template.clone();
            status["id"] = json!(id * 10 + n);
            status["state"] = json!(state);
            status["created_at"] = json!(time.to_string());
            status["deployment_url"] = deployment["url"].clone();
            status["repository_url"] = deployment["repository_url"].clone();
            status["url"] = json!(format!(
                "{}/statuses/{n}",
                deployment["url"].as_str().unwrap()
            ));
            status
        })
        .collect();
    Deployed {
        id,
        deployment,
        statuses,
    }
}

/// The recorded pull requests, reviews, and deployments of five merge commits (one fails).
pub(crate) struct Recorded {
    pulls: Json,
    /// (pull request number, its reviews page's file)
    reviews: Vec<(u64, String)>,
    deployments: Vec<Deployed>,
}

pub(crate) fn recorded() -> Recorded {
    let pulls = read("github/pull_requests/page-001.json");
    let reviews = (1..=3)
        .map(|n| {
            let file = format!("github/pull_request_reviews/page-00{n}.json");
            let number = read(&file)[0]["pull_request_url"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            (number, file)
        })
        .collect();
    let merged = |number: u64| {
        let pull = pulls
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["number"] == number)
            .unwrap();
        (
            pull["merged_at"].as_str().unwrap().to_string(),
            pull["merge_commit_sha"].as_str().unwrap().to_string(),
        )
    };
    let deployments = [
        (185, "success"),
        (186, "failure"),
        (189, "success"),
        (206, "success"),
        (210, "success"),
    ]
    .into_iter()
    .enumerate()
    .map(|(n, (number, state))| {
        let (at, sha) = merged(number);
        deployed(1000 + n as u64, &at, &sha, state)
    })
    .collect();
    Recorded {
        pulls,
        reviews,
        deployments,
    }
}

/// The webhook deliveries of the recorded data, as GitHub sends them: (delivery id, event, body).
pub(crate) fn deliveries(
    data: &Recorded,
    deployments: usize,
) -> Vec<(String, &'static str, String)> {
    let repository = json!({ "full_name": "panjf2000/ants", "name": "ants" });
    let mut all = Vec::new();
    for pull in data.pulls.as_array().unwrap() {
        let body = json!({ "action": "opened", "number": pull["number"], "pull_request": pull, "repository": repository, "sender": pull["user"] });
        all.push((
            format!("pr-{}", pull["number"]),
            "pull_request",
            body.to_string(),
        ));
    }
    for (number, file) in &data.reviews {
        for review in read(file).as_array().unwrap() {
            let body = json!({ "action": "submitted", "review": review, "pull_request": { "number": number }, "repository": repository, "sender": review["user"] });
            all.push((
                format!("review-{}", review["id"]),
                "pull_request_review",
                body.to_string(),
            ));
        }
    }
    for deployed in data.deployments.iter().take(deployments) {
        for status in &deployed.statuses {
            let body = json!({ "action": "created", "deployment_status": status, "deployment": deployed.deployment, "repository": repository });
            all.push((
                format!("status-{}", status["id"]),
                "deployment_status",
                body.to_string(),
            ));
        }
    }
    all
}

/// The same data as saved responses, laid out as the recorded data, fetched into a store with
/// `vsm fetch github panjf2000/ants --from DIR`'s code; then the map analyzed (`vsm analyze
/// --format json`) and the DORA figures (`vsm dora --format json`) of that store.
fn through_the_cli(data: &Recorded, deployments: usize) -> (Json, Json) {
    let dir = fetched(data, deployments);
    let (analysis, dora) = measured(dir.path(), MAP);
    (analysis, dora.unwrap())
}

/// A folder with the events store `events.sqlite` the command line fetches from the same data.
pub(crate) fn fetched(data: &Recorded, deployments: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("api");
    let mut index = Vec::new();
    let mut save = |file: String, request: String, body: &Json| {
        let path = root.join(&file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, body.to_string()).unwrap();
        index.push(json!({ "file": file, "request": request, "items": body.as_array().map_or(0, Vec::len) }));
    };
    save(
        "github/pull_requests/page-001.json".into(),
        format!("/repos/{REPO}/pulls?state=all"),
        &data.pulls,
    );
    for (n, (number, file)) in data.reviews.iter().enumerate() {
        save(
            format!("github/pull_request_reviews/page-{:03}.json", n + 1),
            format!("/repos/{REPO}/pulls/{number}/reviews"),
            &read(file),
        );
    }
    let listed: Vec<&Deployed> = data.deployments.iter().take(deployments).collect();
    if !listed.is_empty() {
        let list = Json::Array(listed.iter().map(|d| d.deployment.clone()).collect());
        save(
            "github/deployments/page-001.json".into(),
            format!("/repos/{REPO}/deployments"),
            &list,
        );
        for (n, deployed) in listed.iter().enumerate() {
            save(
                format!("github/deployment_statuses/page-{:03}.json", n + 1),
                format!("/repos/{REPO}/deployments/{}/statuses", deployed.id),
                &Json::Array(deployed.statuses.clone()),
            );
        }
    }
    std::fs::write(root.join("api-pages.json"), Json::Array(index).to_string()).unwrap();
    let store = dir.path().join("events.sqlite");
    vsm_app::fetch::hosted(
        &vsm_app::fetch::Hosted::GitHub { repo: REPO },
        vsm_app::fetch::Origin::Saved(&root.join("github")),
        &store,
        jiff::Timestamp::now(),
        &mut |_| {},
    )
    .unwrap();
    dir
}

/// What `vsm analyze --format json` and `vsm dora --format json` (from [`FROM`] to [`TO`])
/// say of the map `yaml` over the events store `events.sqlite` in `folder`, computed through
/// `vsm-app` as the command line does; the DORA figures' error as text.
pub(crate) fn measured(folder: &Path, yaml: &str) -> (Json, Result<Json, String>) {
    let store = folder.join("events.sqlite");
    let map = folder.join("ants.yaml");
    std::fs::write(&map, yaml).unwrap();
    let loaded = vsm_app::load::load(&vsm_app::FileSystem::default(), &map, None).unwrap();
    let analysis: Json = serde_json::from_str(&loaded.analysis_json()).unwrap();
    let checked = vsm_app::load::check(&vsm_app::FileSystem::default(), &map).unwrap();
    let settings = checked.stream.dora.unwrap();
    let bound = |day: &str| {
        let day: jiff::civil::Date = day.parse().unwrap();
        jiff::tz::Offset::UTC
            .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
            .unwrap()
    };
    let window = vsm_app::dora::asked_window(
        vsm_app::dora::Asked {
            from: Some(bound(FROM)),
            to: Some(bound(TO)),
        },
        vsm_app::dora::dora_reach(),
        jiff::Timestamp::now(),
        settings.period,
        None,
    )
    .unwrap();
    let request = vsm_app::dora::Request::of_settings(Some(&map), &settings, window);
    let dora = vsm_app::dora::report(&store, &request)
        .map(|report| serde_json::from_str(&vsm_render::dora::json(&report, None)).unwrap())
        .map_err(|e| e.to_string());
    (analysis, dora)
}

/// The analysis without where its log was read from (the CLI names the file, the server its
/// deliveries: `measured_from`).
pub(crate) fn numbers(mut analysis: Json) -> Json {
    fn strip(value: &mut Json) {
        match value {
            Json::Object(map) => {
                map.remove("log");
                map.remove("measured_from");
                map.values_mut().for_each(strip);
            }
            Json::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut analysis);
    analysis
}

pub(crate) async fn record(app: &App, all: &[(String, &'static str, String)]) {
    let batch: Vec<NewDelivery<'_>> = all
        .iter()
        .map(|(id, event, body)| NewDelivery {
            delivery_id: id,
            event,
            body,
        })
        .collect();
    app.store
        .record_deliveries("ants", "gh", SourceKind::Github, &batch, 1_700_000_000)
        .await
        .unwrap();
}

async fn served(client: &Client, token: &str) -> (Json, Json) {
    let analysis = client.get("/api/streams/ants/analysis", token).await;
    assert_eq!(analysis.status, StatusCode::OK, "{}", analysis.body);
    let dora = client
        .get(
            &format!("/api/streams/ants/dora?from={FROM}&to={TO}"),
            token,
        )
        .await;
    assert_eq!(dora.status, StatusCode::OK, "{}", dora.body);
    (numbers(analysis.json()), dora.json())
}

fn cache_files(folder: &Path) -> usize {
    std::fs::read_dir(folder).map_or(0, Iterator::count)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_become_the_stream_s_measured_numbers_and_dora_figures() {
    let data = recorded();
    let (partial_analysis, partial_dora) = through_the_cli(&data, 4);
    let (full_analysis, full_dora) = through_the_cli(&data, 5);
    assert_ne!(
        numbers(partial_analysis.clone()),
        numbers(full_analysis.clone())
    );
    assert_ne!(partial_dora, full_dora);
    for backend in backends().await {
        let name = backend.name;
        let cache = tempfile::tempdir().unwrap();
        let settings = Settings {
            cache: Some(cache.path().join("cache")),
            ..Settings::default()
        };
        let app = App::new(Arc::clone(&backend.store), settings);
        let client = Client::of(app.clone());
        let token = admin(&backend).await;
        let created = client
            .post("/api/streams", &token, &json!({"id": "ants", "yaml": MAP}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

        // No delivery yet: the estimates, saying which webhook gives the numbers.
        let page = client.get("/streams/ants", &token).await;
        assert!(
            page.body.contains("no delivery has given them yet"),
            "{name}: {}",
            page.body
        );
        assert!(page.body.contains("/hooks/github/ants/"), "{name}");
        let dora = client.get("/api/streams/ants/dora", &token).await;
        assert_eq!(
            dora.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            dora.body
        );

        // The pull requests, reviews and four deployments.
        record(&app, &deliveries(&data, 4)).await;
        let (analysis, dora) = served(&client, &token).await;
        assert_eq!(analysis, numbers(partial_analysis.clone()), "{name}");
        assert_eq!(dora, partial_dora, "{name}");
        let page = client.get("/streams/ants", &token).await;
        assert!(page.body.contains("Measured from"), "{name}: {}", page.body);
        assert!(page.body.contains("Deployment frequency"), "{name}");

        // A fifth deployment and a malformed delivery: current on the next load, the malformed
        // one counted with its id.
        let mut later = deliveries(&data, 5);
        later.push(("broken-1".into(), "pull_request", "{\"action\": ".into()));
        record(&app, &later).await;
        let (analysis, dora) = served(&client, &token).await;
        assert_eq!(analysis, numbers(full_analysis.clone()), "{name}");
        assert_eq!(dora, full_dora, "{name}");
        let page = client.get("/streams/ants", &token).await;
        assert!(
            page.body.contains("1 malformed delivery"),
            "{name}: {}",
            page.body
        );
        assert!(page.body.contains("broken-1"), "{name}");

        // The cache deleted: built again from the deliveries, the same numbers.
        assert!(cache_files(&cache.path().join("cache")) > 0, "{name}");
        std::fs::remove_dir_all(cache.path().join("cache")).unwrap();
        let (analysis, dora) = served(&client, &token).await;
        assert_eq!(analysis, numbers(full_analysis.clone()), "{name}");
        assert_eq!(dora, full_dora, "{name}");
        backend.finish().await;
    }
}

/// The generic events endpoint's deliveries, one event each, measure a map without
/// `object_type` from the stream's events log; a malformed one is counted, not read.
#[tokio::test]
async fn generic_events_measure_a_map_without_an_object_type() {
    let map = "name: tickets\nsteps:\n  - id: work\n    process_time: 1h\n    measure: { start: started, end: done }\nmeasure:\n  log: events.jsonl\n";
    let events = [
        (
            "e1",
            json!({"id": "e1", "case": "T-1", "activity": "started", "time": "2024-03-01T10:00:00Z"}),
        ),
        (
            "e2",
            json!({"id": "e2", "case": "T-1", "activity": "done", "time": "2024-03-01T14:00:00+00:00"}),
        ),
        (
            "e3",
            json!({"id": "e3", "case": "T-2", "activity": "started", "time": "2024-03-02T10:00:00Z"}),
        ),
        (
            "e4",
            json!({"id": "e4", "case": "T-2", "activity": "done", "time": "2024-03-02T12:00:00Z"}),
        ),
        (
            "bad",
            json!({"id": "bad", "case": "T-3", "activity": "done", "time": "tomorrow"}),
        ),
    ];
    for backend in backends().await {
        let name = backend.name;
        let app = backend.app();
        let client = Client::of(app.clone());
        let token = admin(&backend).await;
        let created = client
            .post(
                "/api/streams",
                &token,
                &json!({"id": "tickets", "yaml": map}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let bodies: Vec<(String, String)> = events
            .iter()
            .map(|(id, body)| (id.to_string(), body.to_string()))
            .collect();
        let batch: Vec<NewDelivery<'_>> = bodies
            .iter()
            .map(|(id, body)| NewDelivery {
                delivery_id: id,
                event: "event",
                body,
            })
            .collect();
        app.store
            .record_deliveries("tickets", "ci", SourceKind::Events, &batch, 1)
            .await
            .unwrap();
        let analysis = client.get("/api/streams/tickets/analysis", &token).await;
        assert_eq!(analysis.status, StatusCode::OK, "{name}: {}", analysis.body);
        let json = analysis.json();
        // T-1 took 4 h and T-2 2 h: the median process time is 3 h.
        assert_eq!(
            json["steps"][0]["process_time_seconds"], 10800.0,
            "{name}: {json}"
        );
        let page = client.get("/streams/tickets", &token).await;
        assert!(page.body.contains("2 items"), "{name}: {}", page.body);
        assert!(page.body.contains("`bad`"), "{name}: {}", page.body);
        backend.finish().await;
    }
}
