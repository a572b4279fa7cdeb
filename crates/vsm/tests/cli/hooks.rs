//! Webhooks through a real `vsm serve`: killed with SIGKILL in the middle of a burst of GitHub
//! deliveries and started again on the same database, with every delivery sent again (as
//! GitHub's redelivery would), it loses none that it acknowledged and stores none twice.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::serve::{Running, on_postgres};
use super::{stderr, stdout, vsm_in};

/// A real `pull_request` delivery's body (see crates/vsm-server/tests/data/README.md).
const PULL_REQUEST: &str =
    include_str!("../../../vsm-server/tests/data/github/pull_request.closed.json");

/// Deliveries in the burst, the threads sending them, and how many are acknowledged before
/// the kill.
const DELIVERIES: usize = 300;
const SENDERS: usize = 4;
const KILL_AFTER: usize = 100;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .new_agent()
}

/// A JSON call with `token`: its status and body.
fn call(url: &str, token: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    let mut answer = agent()
        .post(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .send(body.to_string().as_bytes())
        .unwrap();
    let text = answer.body_mut().read_to_string().unwrap();
    (
        answer.status().as_u16(),
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// Delivery `n` to `url`: its status, or `None` when no answer came.
fn send(url: &str, secret: &str, n: usize) -> Option<u16> {
    let signature = vsm_server::hooks::key::github_signature(secret, PULL_REQUEST.as_bytes());
    agent()
        .post(url)
        .header("x-hub-signature-256", &signature)
        .header("x-github-event", "pull_request")
        .header("x-github-delivery", &delivery_id(n))
        .header("content-type", "application/json")
        .send(PULL_REQUEST.as_bytes())
        .ok()
        .map(|answer| answer.status().as_u16())
}

fn delivery_id(n: usize) -> String {
    format!("72d3162e-cc78-11e3-81ab-{n:012}")
}

/// Sends every delivery from [`SENDERS`] threads, counting each 2xx in `acked` as it comes:
/// the deliveries answered 2xx, and every status seen (`None`: no answer).
fn burst(url: &str, secret: &str, acked: &Arc<AtomicUsize>) -> (Vec<usize>, Vec<Option<u16>>) {
    let answered = Arc::new(Mutex::new((Vec::new(), Vec::new())));
    std::thread::scope(|scope| {
        for sender in 0..SENDERS {
            let (answered, acked) = (Arc::clone(&answered), Arc::clone(acked));
            scope.spawn(move || {
                for n in (sender..DELIVERIES).step_by(SENDERS) {
                    let status = send(url, secret, n);
                    let mut answered = answered.lock().unwrap();
                    if status.is_some_and(|s| (200..300).contains(&s)) {
                        answered.0.push(n);
                        acked.fetch_add(1, Ordering::SeqCst);
                    }
                    answered.1.push(status);
                }
            });
        }
    });
    Arc::try_unwrap(answered).unwrap().into_inner().unwrap()
}

/// How many rows each delivery id has in the store at `db`.
fn rows_per_delivery(db: &str) -> BTreeMap<String, usize> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = vsm_server::store::open(&vsm_server::Location::parse(db))
            .await
            .unwrap();
        let mut rows = BTreeMap::new();
        for delivery in store
            .deliveries_after("web-shop", 0, 10 * DELIVERIES)
            .await
            .unwrap()
        {
            *rows.entry(delivery.delivery_id).or_default() += 1;
        }
        rows
    })
}

/// A server admin's API token, made in `db` from the command line.
fn admin_token(dir: &Path, db: &str) -> String {
    let admin = vsm_in(dir, &["serve", "--db", db, "--create-admin", "ada"]);
    assert!(admin.status.success(), "{}", stderr(&admin));
    let made = vsm_in(dir, &["serve", "--db", db, "--create-token", "ada"]);
    assert!(made.status.success(), "{}", stderr(&made));
    stdout(&made).trim().to_string()
}

/// Makes the stream `web-shop` and its GitHub source `gh` on the server at `url`: the
/// source's secret.
fn github_source(url: &str, token: &str) -> String {
    let yaml =
        std::fs::read_to_string(super::repo_root().join("examples/feature-delivery.yaml")).unwrap();
    let (status, made) = call(
        &format!("{url}/api/streams"),
        token,
        &serde_json::json!({"id": "web-shop", "yaml": yaml}),
    );
    assert_eq!(status, 201, "{made}");
    let (status, source) = call(
        &format!("{url}/api/streams/web-shop/sources"),
        token,
        &serde_json::json!({"name": "gh", "kind": "github"}),
    );
    assert_eq!(status, 201, "{source}");
    source["secret"].as_str().unwrap().to_string()
}

/// The kill, the restart and the retries, on `db`, run in `dir`.
fn killed_in_a_burst(dir: &Path, db: &str) {
    let started = Instant::now();
    let token = admin_token(dir, db);
    let server = Running::start(dir, db);
    let secret = github_source(&server.url, &token);
    // Beside an SQLite file; in the working directory's `.vsm` on PostgreSQL.
    let key_file = if db.ends_with(".sqlite") {
        dir.join("server.key")
    } else {
        dir.join(".vsm/server.key")
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key is its owner's alone");
    }

    // The burst, and SIGKILL once KILL_AFTER deliveries are acknowledged.
    let hook = format!("{}/hooks/github/web-shop/gh", server.url);
    let acked = Arc::new(AtomicUsize::new(0));
    let killer = {
        let acked = Arc::clone(&acked);
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            while acked.load(Ordering::SeqCst) < KILL_AFTER && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            server.kill()
        })
    };
    let (before, statuses) = burst(&hook, &secret, &acked);
    let mut logs = killer.join().unwrap();
    assert!(
        before.len() >= KILL_AFTER && before.len() < DELIVERIES,
        "the kill landed inside the burst: {} of {DELIVERIES} acknowledged",
        before.len()
    );
    assert!(
        statuses.iter().all(|s| s.is_none_or(|s| s == 202)),
        "before the kill, every answer was 202 or none: {statuses:?}"
    );

    // Started again on the same database (and the same key file): every delivery sent again.
    let server = Running::start(dir, db);
    let hook = format!("{}/hooks/github/web-shop/gh", server.url);
    let (after, statuses) = burst(&hook, &secret, &Arc::new(AtomicUsize::new(0)));
    assert_eq!(
        after.len(),
        DELIVERIES,
        "every retry is acknowledged: {statuses:?}"
    );
    let new = statuses.iter().filter(|s| **s == Some(202)).count();
    logs.extend(server.stop());

    let rows = rows_per_delivery(&if db.starts_with("postgres") {
        db.to_string()
    } else {
        dir.join(db).display().to_string()
    });
    for n in &before {
        assert_eq!(
            rows.get(&delivery_id(*n)),
            Some(&1),
            "delivery {n}, acknowledged before the kill"
        );
    }
    let twice: Vec<_> = rows.iter().filter(|(_, count)| **count > 1).collect();
    assert!(twice.is_empty(), "stored twice: {twice:?}");
    assert_eq!(rows.len(), DELIVERIES, "every delivery stored once");
    assert!(
        new <= DELIVERIES - before.len(),
        "{new} stored anew after the restart, but {} were stored before it",
        before.len()
    );
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(
        logs.iter().any(|l| l.contains("replicas must share it")),
        "{logs:?}"
    );
    for line in &logs {
        assert!(
            !line.contains(&secret) && !line.contains(key.trim()) && !line.contains(&token),
            "a secret in the logs: {line}"
        );
    }
    eprintln!(
        "{db}: {} of {DELIVERIES} acknowledged before SIGKILL, {new} stored after the restart, in {:?}",
        before.len(),
        started.elapsed()
    );
}

#[test]
fn the_server_key_comes_from_a_file_or_the_environment_and_no_key_file_is_made_then() {
    let dir = tempfile::tempdir().unwrap();
    let key = "0123456789abcdef0123456789abcdef-a-key-for-replicas";
    std::fs::write(dir.path().join("replica.key"), format!("{key}\n")).unwrap();
    std::fs::write(dir.path().join("short.key"), "tooshort\n").unwrap();
    let token = admin_token(dir.path(), "s.sqlite");

    // Made under the key from the environment, checked under the same key from a file.
    let server = Running::start_with(dir.path(), "s.sqlite", &[], &[("VSM_SECRET_KEY", key)]);
    let secret = github_source(&server.url, &token);
    drop(server.stop());
    let server = Running::start_with(
        dir.path(),
        "s.sqlite",
        &["--secret-key-file", "replica.key"],
        &[],
    );
    let hook = format!("{}/hooks/github/web-shop/gh", server.url);
    assert_eq!(send(&hook, &secret, 1), Some(202));
    let logs = server.stop();
    assert!(
        !dir.path().join(".vsm/server.key").exists() && !dir.path().join("server.key").exists(),
        "no key file made"
    );
    assert!(logs.iter().all(|l| !l.contains(key)), "{logs:?}");

    // A short key, or a key given twice, is refused without being shown.
    let mut twice = super::vsm_command(
        dir.path(),
        &[
            "serve",
            "--db",
            "s.sqlite",
            "--secret-key-file",
            "replica.key",
        ],
    );
    let twice = twice.env("VSM_SECRET_KEY", key).output().unwrap();
    assert!(!twice.status.success());
    assert!(stderr(&twice).contains("given twice"), "{}", stderr(&twice));
    let short = vsm_in(
        dir.path(),
        &[
            "serve",
            "--db",
            "s.sqlite",
            "--secret-key-file",
            "short.key",
        ],
    );
    assert!(!short.status.success());
    let said = stderr(&short);
    assert!(
        said.contains("short.key") && said.contains("fewer than 32"),
        "{said}"
    );
    assert!(!said.contains("tooshort"), "{said}");
}

#[test]
fn a_server_killed_in_a_burst_of_webhooks_loses_no_acknowledged_delivery_and_stores_none_twice_on_sqlite()
 {
    let dir = tempfile::tempdir().unwrap();
    killed_in_a_burst(dir.path(), "server.sqlite");
}

#[test]
fn a_server_killed_in_a_burst_of_webhooks_loses_no_acknowledged_delivery_and_stores_none_twice_on_postgres()
 {
    on_postgres("vsm_cli_hooks", |db| {
        let dir = tempfile::tempdir().unwrap();
        killed_in_a_burst(dir.path(), db);
    });
}

/// The key made for an SQLite database lives beside it, so that a server started from another
/// directory on the same database checks the same GitHub secrets.
#[test]
fn the_key_made_for_an_sqlite_database_lives_beside_it_whatever_the_working_directory() {
    let data = tempfile::tempdir().unwrap();
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let db = data.path().join("s.sqlite").display().to_string();
    let token = admin_token(one.path(), &db);
    let server = Running::start(one.path(), &db);
    let secret = github_source(&server.url, &token);
    drop(server.stop());
    assert!(
        data.path().join("server.key").exists(),
        "beside the database"
    );
    assert!(!one.path().join(".vsm/server.key").exists());
    let server = Running::start(two.path(), &db);
    let hook = format!("{}/hooks/github/web-shop/gh", server.url);
    assert_eq!(
        send(&hook, &secret, 1),
        Some(202),
        "the same key from elsewhere"
    );
    drop(server.stop());
    assert!(!two.path().join(".vsm/server.key").exists());
}
