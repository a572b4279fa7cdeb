//! `vsm serve`, `vsm push` and `vsm pull`: a real server process, on SQLite and on PostgreSQL,
//! with maps pushed and pulled byte for byte, and a graceful stop.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};

use super::{repo_root, stderr, stdout, vsm_command, vsm_in};

/// A running `vsm serve`, stopped with SIGTERM when dropped.
struct Running {
    child: Child,
    url: String,
    /// Everything it logged (read on a thread, so that it never blocks on a full pipe).
    logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Running {
    /// Starts `vsm serve --db DB --listen 127.0.0.1:0` in `dir` and waits for its address.
    fn start(dir: &Path, db: &str) -> Running {
        let mut child = vsm_command(dir, &["serve", "--db", db, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("vsm serve said where it listens before ending")
                .unwrap();
            if let Some(at) = line.find("listening on ") {
                let rest = &line[at + "listening on ".len()..];
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = std::sync::Arc::clone(&logs);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Running { child, url, logs }
    }

    /// Stops it with SIGTERM, as a service manager would: it must end cleanly. Its logs.
    fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "vsm serve ended with {status} on SIGTERM");
        // The log thread ends with the pipe; give it a moment to take the last lines.
        std::thread::sleep(std::time::Duration::from_millis(200));
        self.logs.lock().unwrap().clone()
    }
}

/// Makes an admin and a token for them in `db`: the password and the token.
fn secrets(dir: &Path, db: &str) -> (String, String) {
    let admin = vsm_in(dir, &["serve", "--db", db, "--create-admin", "ada"]);
    assert!(admin.status.success(), "{}", stderr(&admin));
    let password = stdout(&admin);
    assert_eq!(
        password.trim().len(),
        20,
        "only the password on stdout: {password}"
    );
    assert!(
        stderr(&admin).contains("shown this once"),
        "{}",
        stderr(&admin)
    );
    let again = vsm_in(dir, &["serve", "--db", db, "--create-admin", "ada"]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    let made = vsm_in(dir, &["serve", "--db", db, "--create-token", "ada"]);
    assert!(made.status.success(), "{}", stderr(&made));
    (
        password.trim().to_string(),
        stdout(&made).trim().to_string(),
    )
}

/// Pushes and pulls maps through a server on `db`.
fn pushes_and_pulls(db: &str) {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("web-shop.yaml");
    let original = std::fs::read(repo_root().join("examples/feature-delivery.yaml")).unwrap();
    // CRLF line ends and no last newline: the text comes back exactly.
    let text = String::from_utf8(original).unwrap().replace('\n', "\r\n");
    let text = text.trim_end();
    std::fs::write(&map, text).unwrap();
    let (password, token) = secrets(dir.path(), db);
    let server = Running::start(dir.path(), db);
    let url = server.url.clone();
    let push = |args: &[&str]| {
        let mut all = vec!["push", "--server", &url];
        all.extend_from_slice(args);
        let mut command = vsm_command(dir.path(), &all);
        command.env("VSM_TOKEN", &token);
        command.output().unwrap()
    };
    let pushed = push(&["web-shop.yaml", "-m", "from the workshop"]);
    assert!(pushed.status.success(), "{}", stderr(&pushed));
    assert!(
        stderr(&pushed).contains("saved `web-shop.yaml` as version 1 of `web-shop`"),
        "{}",
        stderr(&pushed)
    );
    let again = push(&["web-shop.yaml"]);
    assert!(
        stderr(&again).contains("nothing saved"),
        "{}",
        stderr(&again)
    );

    let pulled = vsm_in(
        dir.path(),
        &[
            "pull",
            "web-shop",
            "--server",
            &url,
            "--token",
            &token,
            "-o",
            "pulled.yaml",
        ],
    );
    assert!(pulled.status.success(), "{}", stderr(&pulled));
    assert_eq!(
        std::fs::read(dir.path().join("pulled.yaml")).unwrap(),
        text.as_bytes(),
        "byte for byte"
    );

    // A map with an error is shown as `vsm validate` shows it, and not sent.
    std::fs::write(&map, "name: D\nsteps:\n  - id: a\n    proces_time: 2h\n").unwrap();
    let refused = push(&["web-shop.yaml"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("web-shop.yaml:4:5"),
        "{}",
        stderr(&refused)
    );
    assert!(
        stderr(&refused).contains("process_time"),
        "{}",
        stderr(&refused)
    );

    // The server refuses it with the JSON `vsm validate --format json` prints for the file.
    let typo = std::fs::read_to_string(&map).unwrap();
    let mut answer = ureq::post(format!("{url}/api/streams/web-shop/versions"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .config()
        .http_status_as_error(false)
        .build()
        .send(serde_json::json!({"yaml": typo}).to_string().as_bytes())
        .unwrap();
    assert_eq!(answer.status().as_u16(), 422);
    let body: serde_json::Value =
        serde_json::from_str(&answer.body_mut().read_to_string().unwrap()).unwrap();
    let validated = vsm_in(
        dir.path(),
        &["validate", "--format", "json", "web-shop.yaml"],
    );
    let validated: serde_json::Value = serde_json::from_str(&stdout(&validated)).unwrap();
    assert_eq!(body, validated[0], "the server's 422 is the CLI's report");

    // A wrong token is refused, saying what to check.
    let wrong = vsm_in(
        dir.path(),
        &["pull", "web-shop", "--server", &url, "--token", "vsm_wrong"],
    );
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("(401)"), "{}", stderr(&wrong));
    assert!(
        !stderr(&wrong).contains("vsm_wrong"),
        "the token is not echoed"
    );
    let missing = vsm_in(
        dir.path(),
        &["pull", "nowhere", "--server", &url, "--token", &token],
    );
    assert!(stderr(&missing).contains("(404)"), "{}", stderr(&missing));
    // A sign-in with the right password (refused: the form's cookie is missing).
    let signed = ureq::post(format!("{url}/signin"))
        .header("content-type", "application/x-www-form-urlencoded")
        .config()
        .http_status_as_error(false)
        .build()
        .send(format!("username=ada&password={password}&csrf=x").as_bytes())
        .unwrap();
    assert_eq!(signed.status().as_u16(), 403);
    let logs = server.stop();
    assert!(
        logs.iter()
            .any(|l| l.contains("/api/streams/web-shop/versions")),
        "{logs:?}"
    );
    for line in &logs {
        assert!(
            !line.contains(&token) && !line.contains(&password),
            "a secret in the logs: {line}"
        );
    }
}

#[test]
fn push_and_pull_through_a_server_on_sqlite() {
    pushes_and_pulls("server.sqlite");
}

#[test]
fn push_and_pull_through_a_server_on_postgres() {
    if std::env::var("VSM_SKIP_POSTGRES_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("VSM_SKIP_POSTGRES_TESTS=1: skipped");
        return;
    }
    let url = std::env::var("VSM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string());
    let schema = format!("vsm_cli_test_{}", std::process::id());
    let psql = |sql: &str| {
        let done = std::process::Command::new("psql")
            .args([url.as_str(), "-q", "-c", sql])
            .output()
            .unwrap_or_else(|e| {
                panic!("psql (Debian's postgresql-client) runs this test's setup: {e}")
            });
        assert!(
            done.status.success(),
            "PostgreSQL at {url} is needed for this test (or set VSM_SKIP_POSTGRES_TESTS=1): {}",
            String::from_utf8_lossy(&done.stderr)
        );
    };
    psql(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ));
    let separator = if url.contains('?') { '&' } else { '?' };
    let db = format!("{url}{separator}options=-c%20search_path%3D{schema}");
    pushes_and_pulls(&db);
    psql(&format!("DROP SCHEMA {schema} CASCADE"));
}
