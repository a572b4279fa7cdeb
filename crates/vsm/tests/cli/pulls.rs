//! Scheduled pulls across replicas: two `vsm serve` processes over one PostgreSQL, both looking
//! for due pulls every second, with the token in the environment; a pull source made through one
//! is run once, by one of them, from the replayed recorded GitHub API
//! (`crates/vsm-fetch/tests/sources/replay.rs`), and both stop cleanly on SIGTERM.

use std::time::{Duration, Instant};

use serde_json::{Value as Json, json};

use super::serve::{Running, postgres_schema};
use super::{repo_root, stderr, stdout, vsm_in};

#[path = "../../../vsm-fetch/tests/sources/replay.rs"]
#[allow(dead_code)]
mod replay;

const SECRET: &str = "ghp_replicas-s3cret-token";

#[test]
fn two_servers_on_one_postgres_run_a_due_pull_once() {
    let Some((db, _schema)) = postgres_schema("pulls") else {
        return;
    };
    let replay = replay::Replay::start(&format!("Bearer {SECRET}"), &[]);
    let dir = tempfile::tempdir().unwrap();
    let admin = vsm_in(dir.path(), &["serve", "--db", &db, "--create-admin", "ada"]);
    assert!(admin.status.success(), "{}", stderr(&admin));
    let made = vsm_in(dir.path(), &["serve", "--db", &db, "--create-token", "ada"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let token = stdout(&made).trim().to_string();
    let variables = [("VSM_PULL_GITHUB_TOKEN", SECRET)];
    let every_second = ["--pull-check", "1"];
    let one = Running::start_with(dir.path(), &db, &every_second, &variables);
    let two = Running::start_with(dir.path(), &db, &every_second, &variables);

    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent();
    let bearer = format!("Bearer {token}");
    let post = |url: String, body: Json| {
        let mut answer = agent
            .post(&url)
            .header("Authorization", &bearer)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = answer.status().as_u16();
        (status, answer.body_mut().read_to_string().unwrap())
    };
    let example =
        std::fs::read_to_string(repo_root().join("examples/feature-delivery.yaml")).unwrap();
    let (status, body) = post(
        format!("{}/api/streams", one.url),
        json!({"id": "web-shop", "yaml": example}),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(
        format!("{}/api/streams/web-shop/sources", one.url),
        json!({"name": "ants", "kind": "pull", "pull": {
            "provider": "github", "target": "panjf2000/ants", "api_url": replay.url,
            "interval_minutes": 5, "token_env": "VSM_PULL_GITHUB_TOKEN"
        }}),
    );
    assert_eq!(status, 201, "{body}");

    // Read through the other replica until the run has ended.
    let listed = || -> Json {
        let mut answer = agent
            .get(&format!("{}/api/streams/web-shop/sources", two.url))
            .header("Authorization", &bearer)
            .call()
            .unwrap();
        let text = answer.body_mut().read_to_string().unwrap();
        assert!(!text.contains(SECRET), "{text}");
        serde_json::from_str::<Json>(&text).unwrap()[0].clone()
    };
    let deadline = Instant::now() + Duration::from_mins(1);
    let source = loop {
        let source = listed();
        if !source["pull"]["last_run_at"].is_null() {
            break source;
        }
        assert!(
            Instant::now() < deadline,
            "no run within a minute: {source}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(source["pull"]["outcome"]["ok"], true, "{source}");
    // Both replicas look three more times: the source is not due, nobody runs it again.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        listed()["pull"]["last_run_at"],
        source["pull"]["last_run_at"]
    );
    let requests = replay.requests();
    let mut unique = requests.clone();
    unique.sort();
    unique.dedup();
    assert!(requests.len() > 50, "{requests:?}");
    assert_eq!(
        unique.len(),
        requests.len(),
        "a page asked twice: one run, by one replica"
    );

    let logs = [one.stop(), two.stop()];
    let ran: Vec<usize> = logs
        .iter()
        .map(|lines| lines.iter().filter(|l| l.contains("pulled")).count())
        .collect();
    assert_eq!(ran.iter().sum::<usize>(), 1, "{ran:?}: {logs:?}");
    for lines in &logs {
        assert!(lines.iter().all(|l| !l.contains(SECRET)), "{lines:?}");
        assert!(
            lines.iter().any(|l| l.contains("pull scheduler stopped")),
            "a clean stop: {lines:?}"
        );
    }
}
