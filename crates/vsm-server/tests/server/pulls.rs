//! Scheduled pulls, on the recorded real responses replayed by the live clients' test server
//! (`crates/vsm-fetch/tests/sources/replay.rs`, used here as it is): a pull source's runs give
//! the stream the numbers `vsm fetch` + `vsm analyze` / `vsm dora` give on the same pages, a
//! second run stores nothing twice, a refused or missing token is the source's error without the
//! token anywhere, and of replicas asking at once for a due source one runs it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value as Json, json};
use vsm_server::pulls::Environment;
use vsm_server::store::{Provider, Pull, PullState, Role};
use vsm_server::{App, Settings};

use crate::common::{Call, Client, admin, backends, members, with_web_shop};
use crate::deliveries::{FROM, REPO, TO, measured, numbers};

#[path = "../../../vsm-fetch/tests/sources/replay.rs"]
#[allow(dead_code)]
mod replay;

use replay::{Fault, Replay};

/// The recorded repository's pull requests, from opened to reviewed to merged (it has no
/// deployments), with their DORA figures.
const MAP: &str = r#"name: ants pull requests
steps:
  - id: review
    name: Wait for the first review
    process_time: 30m
    wait_time: 1d
    measure: { start: pr_opened, end: [review_submitted, pr_merged], span: wait }
  - id: merge
    name: Reviewed to merged
    process_time: 10m
    wait_time: 2d
    measure: { start: review_submitted, end: pr_merged, span: wait }
measure:
  log: events.sqlite
  object_type: pull_request
  follow: [merged_as]
  abandoned: { activity: pr_closed }
dora:
  period: month
"#;

const SECRET: &str = "ghp_pull-s3cret-never-shown";
const VARIABLE: &str = "VSM_PULL_GITHUB_TOKEN";

/// A server that looks for due pulls every 100 ms, with `variables` as its environment.
fn app(backend: &crate::common::Backend, cache: &Path, variables: &[(&str, &str)]) -> App {
    let settings = Settings {
        cache: Some(cache.to_path_buf()),
        pull_check: Some(Duration::from_millis(100)),
        environment: Environment::fixed(
            variables
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string())),
        ),
        ..Settings::default()
    };
    App::new(Arc::clone(&backend.store), settings)
}

/// Runs `app`'s scheduler until the answer is dropped.
fn scheduler(app: &App) -> tokio::sync::watch::Sender<bool> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(vsm_server::pulls::schedule(app.clone(), stopped));
    stop
}

/// A server of `backend` with `variables` running its scheduler (until the sender is dropped),
/// a client of it, a server admin's token; with the web shop's stream.
async fn shop(
    backend: &crate::common::Backend,
    cache: &Path,
    variables: &[(&str, &str)],
) -> (tokio::sync::watch::Sender<bool>, Client, String) {
    let app = app(backend, cache, variables);
    let stop = scheduler(&app);
    let client = Client::of(app);
    let token = admin(backend).await;
    with_web_shop(&client, &token).await;
    (stop, client, token)
}

/// The source `name` of `stream` as listed, once a run ended after `after` (its `last_run_at`).
async fn ran(client: &Client, token: &str, stream: &str, name: &str, after: &Json) -> Json {
    for _ in 0..600 {
        let listed = client
            .get(&format!("/api/streams/{stream}/sources"), token)
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        assert!(!listed.body.contains(SECRET), "{}", listed.body);
        let source = listed
            .json()
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap();
        if !source["pull"]["last_run_at"].is_null() && source["pull"]["last_run_at"] != *after {
            return source;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the pull source `{name}` did not run within a minute");
}

/// The latest delivery of each unit a first run of `source` stored: one each.
async fn stored_once(
    backend: &crate::common::Backend,
    stream: &str,
    source: &str,
    outcome: &Json,
) -> Vec<(String, String, i64)> {
    let stored = backend
        .store
        .latest_deliveries(stream, source)
        .await
        .unwrap();
    assert_eq!(
        stored.len() as u64,
        outcome["stored"].as_u64().unwrap(),
        "{}",
        backend.name
    );
    assert!(stored.iter().all(|(_, _, n)| *n == 1), "{}", backend.name);
    stored
}

async fn make(client: &Client, token: &str, stream: &str, name: &str, pull: Json) -> Json {
    let made = client
        .post(
            &format!("/api/streams/{stream}/sources"),
            token,
            &json!({"name": name, "kind": "pull", "pull": pull}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    made.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_measures_the_stream_as_vsm_fetch_does_and_stores_nothing_twice() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    // `vsm fetch github panjf2000/ants --api-url REPLAY`'s code, then `vsm analyze` / `vsm dora`.
    let cli = tempfile::tempdir().unwrap();
    let (url, store) = (replay.url.clone(), cli.path().join("events.sqlite"));
    tokio::task::spawn_blocking(move || {
        let client = vsm_fetch::Client::new(&url, vsm_fetch::Token::new("GITHUB_TOKEN", SECRET));
        vsm_app::fetch::hosted(
            &vsm_app::fetch::Hosted::GitHub { repo: REPO },
            vsm_app::fetch::Origin::Live(&client),
            &store,
            jiff::Timestamp::now(),
            &mut |_| {},
        )
        .unwrap();
    })
    .await
    .unwrap();
    let (analysis, dora) = measured(cli.path(), MAP);
    assert_eq!(analysis["measured"]["items"]["count"], 26, "{analysis}");
    for backend in backends().await {
        let name = backend.name;
        let cache = tempfile::tempdir().unwrap();
        let app = app(&backend, cache.path(), &[(VARIABLE, SECRET)]);
        let stop = scheduler(&app);
        let client = Client::of(app.clone());
        let token = admin(&backend).await;
        let created = client
            .post("/api/streams", &token, &json!({"id": "ants", "yaml": MAP}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let made = make(
            &client,
            &token,
            "ants",
            "ants-api",
            json!({"provider": "github", "target": REPO, "api_url": replay.url, "interval_minutes": 5, "token_env": VARIABLE}),
        )
        .await;
        assert_eq!(made["pull"]["token_set"], true, "{name}: {made}");
        assert!(made.get("secret").is_none(), "{name}: {made}");

        let first = ran(&client, &token, "ants", "ants-api", &Json::Null).await;
        let outcome = &first["pull"]["outcome"];
        assert_eq!(outcome["ok"], true, "{name}: {first}");
        assert!(outcome["stored"].as_u64().unwrap() > 100, "{name}: {first}");
        assert_eq!(outcome["unchanged"], 0, "{name}: {first}");
        assert!(first["pull"]["cursor"].is_string(), "{name}: {first}");
        let stored = stored_once(&backend, "ants", "ants-api", outcome).await;
        let served = client.get("/api/streams/ants/analysis", &token).await;
        assert_eq!(served.status, StatusCode::OK, "{name}: {}", served.body);
        assert_eq!(numbers(served.json()), numbers(analysis.clone()), "{name}");
        let served_dora = client
            .get(
                &format!("/api/streams/ants/dora?from={FROM}&to={TO}"),
                &token,
            )
            .await;
        match &dora {
            Ok(dora) => assert_eq!(served_dora.json(), *dora, "{name}"),
            Err(_) => assert_eq!(
                served_dora.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                served_dora.body
            ),
        }

        // Pulled now: from the cursor, reading again what it read; nothing stored twice.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let asked = replay.requests().len();
        let now = client
            .send(Call::new(Method::POST, "/api/streams/ants/sources/ants-api/pull").token(&token))
            .await;
        assert_eq!(now.status, StatusCode::ACCEPTED, "{name}: {}", now.body);
        let second = ran(
            &client,
            &token,
            "ants",
            "ants-api",
            &first["pull"]["last_run_at"],
        )
        .await;
        let outcome = &second["pull"]["outcome"];
        assert_eq!(outcome["ok"], true, "{name}: {second}");
        assert_eq!(outcome["stored"], 0, "{name}: {second}");
        assert!(
            outcome["unchanged"].as_u64().unwrap() > 0,
            "{name}: {second}"
        );
        let since = &replay.requests()[asked..];
        assert!(
            since.iter().any(|r| r.contains("sort=updated")),
            "{name}: the second run asks from its cursor: {since:?}"
        );
        assert_eq!(
            backend
                .store
                .latest_deliveries("ants", "ants-api")
                .await
                .unwrap(),
            stored,
            "{name}"
        );
        let served = client.get("/api/streams/ants/analysis", &token).await;
        assert_eq!(numbers(served.json()), numbers(analysis.clone()), "{name}");
        let bodies = backend
            .store
            .deliveries_after("ants", 0, 100_000)
            .await
            .unwrap();
        assert!(bodies.iter().all(|d| !d.body.contains(SECRET)), "{name}");
        drop(stop);
        backend.finish().await;
    }
}

/// An API that takes connections and never answers, until dropped (then it closes them and
/// takes no more: a fetch waiting on it ends at once).
struct Silent {
    url: String,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Silent {
    fn start() -> Silent {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                match listener.accept() {
                    Ok((connection, _)) => held.push(connection),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Silent {
            url,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_whose_api_never_answers_holds_up_no_other_and_a_stop_frees_its_lease() {
    // The scheduler ran one source at a time: the other waited for the silent API's timeouts
    // and retries (ten minutes and more; a dripping body or a rate limit, hours).
    let silent = Silent::start();
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    for backend in backends().await {
        let name = backend.name;
        let cache = tempfile::tempdir().unwrap();
        let (stop, client, token) = shop(&backend, cache.path(), &[(VARIABLE, SECRET)]).await;
        for (source, api) in [("stuck", &silent.url), ("fine", &replay.url)] {
            make(
                &client,
                &token,
                "web-shop",
                source,
                json!({"provider": "github", "target": REPO, "api_url": api}),
            )
            .await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let fine = ran(&client, &token, "web-shop", "fine", &Json::Null).await;
        assert_eq!(fine["pull"]["outcome"]["ok"], true, "{name}: {fine}");
        let pulls = backend.store.pulls("web-shop").await.unwrap();
        let stuck = pulls.iter().find(|p| p.name == "stuck").unwrap();
        assert_eq!(stuck.state.last_run_at, None, "{name}: still running");
        assert!(
            backend
                .store
                .due_pulls(vsm_server::now(), 10)
                .await
                .unwrap()
                .is_empty(),
            "{name}: leased"
        );
        // Stopped: the run in flight is let go, its lease freed, due again for the next start.
        stop.send(true).unwrap();
        let mut freed = false;
        for _ in 0..50 {
            let due = backend.store.due_pulls(vsm_server::now(), 10).await;
            if due.unwrap() == [("web-shop".to_string(), "stuck".to_string())] {
                freed = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(freed, "{name}: the stop frees the lease");
        backend.finish().await;
    }
    drop(silent);
}

/// GitLab's and Jira's connectors run as pulls too: the recorded GitLab project and Jira board
/// (Server, with a bearer token), read in full and stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitlab_and_jira_pull_sources_read_their_recorded_apis() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    for backend in backends().await {
        let name = backend.name;
        let cache = tempfile::tempdir().unwrap();
        let variables = [
            ("VSM_PULL_GITLAB_TOKEN", SECRET),
            ("VSM_PULL_JIRA_TOKEN", SECRET),
        ];
        let (stop, client, token) = shop(&backend, cache.path(), &variables).await;
        let gitlab = format!("{}/api/v4", replay.url);
        for (source, pull) in [
            (
                "gitlab",
                json!({"provider": "gitlab", "target": "12345678", "api_url": gitlab}),
            ),
            (
                "jira",
                json!({"provider": "jira", "target": "8", "api_url": replay.url}),
            ),
        ] {
            make(&client, &token, "web-shop", source, pull).await;
        }
        for (source, items) in [("gitlab", 18), ("jira", 30)] {
            let ran = ran(&client, &token, "web-shop", source, &Json::Null).await;
            let outcome = &ran["pull"]["outcome"];
            assert_eq!(outcome["ok"], true, "{name}: {ran}");
            assert!(outcome["items"].as_u64().unwrap() >= items, "{name}: {ran}");
            let stored = stored_once(&backend, "web-shop", source, outcome).await;
            assert!(stored.len() > items as usize, "{name}: {source}");
        }
        drop(stop);
        backend.finish().await;
    }
}

/// Jira Cloud takes its token with the account's e-mail (basic auth): a pull source's `user`
/// goes with the token, and is refused on a provider that sends its token alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jira_cloud_pull_sends_its_token_with_the_account() {
    // `me@example.com:ghp_pull-s3cret-never-shown` in base64: the replay serves nothing else.
    let basic = "Basic bWVAZXhhbXBsZS5jb206Z2hwX3B1bGwtczNjcmV0LW5ldmVyLXNob3du";
    let replay = Replay::start(basic, &[]);
    for backend in backends().await {
        let name = backend.name;
        let cache = tempfile::tempdir().unwrap();
        let (stop, client, token) =
            shop(&backend, cache.path(), &[("VSM_PULL_JIRA_TOKEN", SECRET)]).await;
        let jira = json!({"provider": "jira", "target": "8", "api_url": replay.url,
            "user": " me@example.com "});
        let made = make(&client, &token, "web-shop", "jira", jira).await;
        assert_eq!(made["pull"]["user"], "me@example.com", "{name}: {made}");
        let ran = ran(&client, &token, "web-shop", "jira", &Json::Null).await;
        assert_eq!(ran["pull"]["outcome"]["ok"], true, "{name}: {ran}");
        assert!(!ran.to_string().contains(SECRET), "{name}");
        for (pull, field) in [
            (
                json!({"provider": "github", "target": REPO, "user": "me@example.com"}),
                "Jira Cloud alone",
            ),
            (
                json!({"provider": "jira", "target": "8", "api_url": replay.url,
                    "user": "me:you"}),
                "`me:you` is not an account name",
            ),
        ] {
            let refused = client
                .post(
                    "/api/streams/web-shop/sources",
                    &token,
                    &json!({"name": "other", "kind": "pull", "pull": pull}),
                )
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(refused.body.contains(field), "{name}: {}", refused.body);
        }
        drop(stop);
        backend.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_answering_the_token_back_in_its_data_gets_nothing_stored() {
    // Pull requests titled and authored with the token were stored, shown to the members.
    for backend in backends().await {
        let name = backend.name;
        let replay = Replay::start(&format!("Bearer {SECRET}"), &[Fault::EchoInTitle]);
        let cache = tempfile::tempdir().unwrap();
        let (stop, client, token) = shop(&backend, cache.path(), &[(VARIABLE, SECRET)]).await;
        make(
            &client,
            &token,
            "web-shop",
            "echo",
            json!({"provider": "github", "target": REPO, "api_url": replay.url}),
        )
        .await;
        let echoed = ran(&client, &token, "web-shop", "echo", &Json::Null).await;
        let error = echoed["pull"]["outcome"]["error"].as_str();
        let error = error.unwrap_or_else(|| panic!("{name}: {echoed}"));
        assert!(
            error.contains("answered the token back") && error.contains("help:"),
            "{name}: {error}"
        );
        let stored = backend.store.deliveries_after("web-shop", 0, 10).await;
        assert!(stored.unwrap().is_empty(), "{name}");
        drop(stop);
        backend.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_or_missing_token_is_the_source_s_error_never_its_value() {
    let replay = Replay::start("Bearer the-right-token", &[]);
    let wrong = "ghp_wr0ng-s3cret-value";
    for backend in backends().await {
        let name = backend.name;
        let cache = tempfile::tempdir().unwrap();
        let (stop, client, token) = shop(&backend, cache.path(), &[(VARIABLE, wrong)]).await;
        let api = json!(replay.url);
        for (source, variable) in [("refused", VARIABLE), ("unset", "VSM_PULL_NOT_SET")] {
            let made = make(
                &client,
                &token,
                "web-shop",
                source,
                json!({"provider": "github", "target": REPO, "api_url": api, "token_env": variable}),
            )
            .await;
            assert_eq!(made["pull"]["token_set"], variable == VARIABLE, "{name}");
        }
        let refused = ran(&client, &token, "web-shop", "refused", &Json::Null).await;
        let error = refused["pull"]["outcome"]["error"].as_str().unwrap();
        assert!(
            error.contains("HTTP 401") && error.contains(VARIABLE) && error.contains("help:"),
            "{name}: {error}"
        );
        assert_eq!(refused["pull"]["failures"], 1, "{name}");
        let unset = ran(&client, &token, "web-shop", "unset", &Json::Null).await;
        let error = unset["pull"]["outcome"]["error"].as_str().unwrap();
        assert!(
            error.contains("no token in the environment variable VSM_PULL_NOT_SET"),
            "{name}: {error}"
        );
        for source in [&refused, &unset] {
            let text = source.to_string();
            assert!(!text.contains(wrong), "{name}: {text}");
            assert_eq!(source["pull"]["outcome"]["ok"], false, "{name}");
            // Backed off: not before its interval (an hour by default).
            let last: jiff::Timestamp = source["pull"]["last_run_at"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let next: jiff::Timestamp = source["pull"]["next_run_at"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(
                next.as_second() - last.as_second() >= 3600,
                "{name}: {text}"
            );
        }
        // The stream's page says so too, naming the variable, never its value.
        let page = client.get("/streams/web-shop", &token).await;
        assert!(
            page.body.contains("Pull sources")
                && page.body.contains("failed (1 in a row): HTTP 401")
                && page.body.contains("; help: ")
                && page
                    .body
                    .contains("no token in the environment variable VSM_PULL_NOT_SET")
                && !page.body.contains(wrong),
            "{name}: {}",
            page.body
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
        drop(stop);
        backend.finish().await;
    }
}

#[tokio::test]
async fn a_pull_source_s_settings_are_checked_and_its_api_url_needs_a_server_admin() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        for (pull, status, said) in [
            (
                json!({"provider": "github", "target": REPO, "interval_minutes": 1}),
                422,
                "`pull.interval_minutes` 1 is out of range",
            ),
            (
                json!({"provider": "github", "target": REPO, "interval_minutes": 20000}),
                422,
                "out of range",
            ),
            (
                json!({"provider": "github", "target": REPO, "token_env": "VSM_DB"}),
                422,
                "starting with `VSM_PULL_`",
            ),
            (
                json!({"provider": "github", "target": "ants"}),
                422,
                "`OWNER/REPO`",
            ),
            (
                json!({"provider": "jira", "target": "8"}),
                422,
                "`pull.api_url` is needed for Jira",
            ),
            (
                json!({"provider": "gitlab", "target": "g/p", "api_url": "https://me:pw@gitlab.example/api/v4"}),
                422,
                "without a user",
            ),
            (json!({"provider": "svn", "target": "x"}), 422, "provider"),
        ] {
            let answer = client
                .post(
                    "/api/streams/web-shop/sources",
                    &token,
                    &json!({"name": "p", "kind": "pull", "pull": pull}),
                )
                .await;
            assert_eq!(
                answer.status.as_u16(),
                status,
                "{name}: {pull}: {}",
                answer.body
            );
            assert!(
                answer.body.contains(said),
                "{name}: {pull}: {}",
                answer.body
            );
        }
        // A stream admin who is not a server admin: no pull source at all, since the server's
        // token may read other teams' repositories.
        let [_, ed, _] = members(&backend, &client, &token).await;
        let ed_user = backend.store.user_by_name("ed").await.unwrap().unwrap();
        backend
            .store
            .set_role("web-shop", ed_user.id, Some(Role::Admin))
            .await
            .unwrap();
        for pull in [
            json!({"provider": "github", "target": REPO, "api_url": "https://evil.example"}),
            json!({"provider": "github", "target": "someone-else/private"}),
        ] {
            let refused = client
                .post(
                    "/api/streams/web-shop/sources",
                    &ed,
                    &json!({"name": "p", "kind": "pull", "pull": pull}),
                )
                .await;
            assert_eq!(
                refused.status,
                StatusCode::FORBIDDEN,
                "{name}: {}",
                refused.body
            );
            assert!(refused.body.contains("only a server admin"), "{name}");
        }
        assert!(
            backend.store.pulls("web-shop").await.unwrap().is_empty(),
            "{name}: nothing made"
        );
        let public = client
            .post(
                "/api/streams/web-shop/sources",
                &token,
                &json!({"name": "p", "kind": "pull", "pull": {"provider": "github", "target": REPO}}),
            )
            .await;
        assert_eq!(
            public.status,
            StatusCode::CREATED,
            "{name}: {}",
            public.body
        );
        // A stream's admin pulls now once a minute after a run (the runs spend the server's
        // token's rate limit); a server admin at any time.
        let ask = |token: String| {
            let client = &client;
            async move {
                client
                    .post("/api/streams/web-shop/sources/p/pull", &token, &Json::Null)
                    .await
            }
        };
        assert_eq!(
            ask(ed.clone()).await.status,
            StatusCode::ACCEPTED,
            "{name}: never ran"
        );
        let now = vsm_server::now();
        let store = &backend.store;
        assert!(
            store
                .claim_pull("web-shop", "p", "t", now, now + 60)
                .await
                .unwrap()
                .is_some()
        );
        let ran = PullState {
            last_run_at: Some(now - 5),
            next_due: now + 3600,
            ..PullState::default()
        };
        assert!(store.finish_pull("web-shop", "p", "t", &ran).await.unwrap());
        let soon = ask(ed.clone()).await;
        assert_eq!(
            soon.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{name}: {}",
            soon.body
        );
        assert!(
            soon.body.contains("last ran") && soon.body.contains("ask again in"),
            "{name}: {}",
            soon.body
        );
        let due = store.pulls("web-shop").await.unwrap()[0].state.next_due;
        assert_eq!(due, now + 3600, "{name}: a refused ask changes nothing");
        assert_eq!(
            ask(token.clone()).await.status,
            StatusCode::ACCEPTED,
            "{name}"
        );
        let due = store.pulls("web-shop").await.unwrap()[0].state.next_due;
        assert!(due <= vsm_server::now(), "{name}: due now");
        let pull = &public.json()["pull"];
        assert_eq!(pull["api_url"], "https://api.github.com", "{name}");
        assert_eq!(pull["interval_minutes"], 60, "{name}");
        assert_eq!(pull["token_env"], VARIABLE, "{name}");
        // One namespace with the webhook sources; deleted like them.
        let clash = client
            .post(
                "/api/streams/web-shop/sources",
                &token,
                &json!({"name": "p", "kind": "events"}),
            )
            .await;
        assert_eq!(clash.status, StatusCode::CONFLICT, "{name}: {}", clash.body);
        let gone = client
            .send(Call::new(Method::DELETE, "/api/streams/web-shop/sources/p").token(&token))
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{name}: {}", gone.body);
        assert!(
            backend.store.pulls("web-shop").await.unwrap().is_empty(),
            "{name}"
        );
        backend.finish().await;
    }
}

/// Replicas asking at once for one due source: exactly one takes its lease; only its holder
/// renews it and saves the run, which frees it; a source not due is taken by none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_replicas_asking_at_once_one_takes_a_due_pull() {
    for backend in backends().await {
        let name = backend.name;
        let client = backend.client();
        let token = admin(&backend).await;
        with_web_shop(&client, &token).await;
        let now = vsm_server::now();
        let pull = Pull {
            name: "gh".into(),
            provider: Provider::Github,
            target: REPO.into(),
            api_url: "https://api.github.com".into(),
            token_env: VARIABLE.into(),
            user: None,
            interval: 300,
            created_at: now,
            state: PullState {
                next_due: now,
                ..PullState::default()
            },
        };
        backend.store.create_pull("web-shop", &pull).await.unwrap();
        assert_eq!(
            backend.store.due_pulls(now, 10).await.unwrap(),
            [("web-shop".to_string(), "gh".to_string())],
            "{name}"
        );
        let asking: Vec<_> = (0..8)
            .map(|n| {
                let store = Arc::clone(&backend.store);
                tokio::spawn(async move {
                    let owner = format!("replica-{n}");
                    store
                        .claim_pull("web-shop", "gh", &owner, now, now + 7200)
                        .await
                        .unwrap()
                        .map(|_| owner)
                })
            })
            .collect();
        let mut holders = Vec::new();
        for asked in asking {
            holders.extend(asked.await.unwrap());
        }
        assert_eq!(holders.len(), 1, "{name}: {holders:?}");
        assert!(
            backend.store.due_pulls(now, 10).await.unwrap().is_empty(),
            "{name}: leased"
        );
        let after = PullState {
            cursor: Some("2024-01-01T00:00:00Z".into()),
            last_run_at: Some(now),
            outcome: Some("{\"ok\": true}".into()),
            next_due: now + 300,
            failures: 0,
        };
        let other = if holders[0] == "replica-0" {
            "replica-1"
        } else {
            "replica-0"
        };
        let store = &backend.store;
        // Only the holder renews its lease (a run in flight), and only it saves the run.
        for (owner, renewed) in [(other, false), (holders[0].as_str(), true)] {
            let renewal = store.renew_pull("web-shop", "gh", owner, now + 600).await;
            assert_eq!(renewal.unwrap(), renewed, "{name}: {owner}");
        }
        for (owner, saved) in [(other, false), (holders[0].as_str(), true)] {
            let finished = store.finish_pull("web-shop", "gh", owner, &after).await;
            assert_eq!(finished.unwrap(), saved, "{name}: {owner}");
        }
        assert_eq!(
            store.pulls("web-shop").await.unwrap()[0].state,
            after,
            "{name}"
        );
        // Not due until its interval has passed; due at once when asked for.
        let claim = || store.claim_pull("web-shop", "gh", "x", now, now + 60);
        assert!(claim().await.unwrap().is_none(), "{name}");
        assert!(
            store.pull_now("web-shop", "gh", now).await.unwrap(),
            "{name}"
        );
        assert!(claim().await.unwrap().is_some(), "{name}");
        // Asked for again while that run lasts: its end leaves the source due when asked, not
        // an interval later.
        assert!(
            store.pull_now("web-shop", "gh", now + 5).await.unwrap(),
            "{name}"
        );
        assert!(
            store
                .finish_pull("web-shop", "gh", "x", &after)
                .await
                .unwrap()
        );
        let state = &store.pulls("web-shop").await.unwrap()[0].state;
        assert_eq!(
            state.next_due,
            now + 5,
            "{name}: the ask during the run kept"
        );
        assert_eq!(state.last_run_at, after.last_run_at, "{name}");
        assert!(
            claim().await.unwrap().is_none(),
            "{name}: due at now + 5, not now"
        );
        assert!(
            store
                .claim_pull("web-shop", "gh", "y", now + 5, now + 60)
                .await
                .unwrap()
                .is_some(),
            "{name}"
        );
        assert!(
            !backend
                .store
                .pull_now("web-shop", "nope", now)
                .await
                .unwrap(),
            "{name}"
        );
        backend.finish().await;
    }
}
