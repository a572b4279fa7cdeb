//! `vsm serve`, `vsm push` and `vsm pull`: a real server process, on SQLite and on PostgreSQL,
//! with maps pushed and pulled byte for byte, and a graceful stop.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{repo_root, stderr, stdout, vsm_command, vsm_in};

/// How long a server may take to start and answer.
const START_TIMEOUT: Duration = Duration::from_mins(1);

/// A running `vsm serve`: stopped with SIGTERM by [`Running::stop`], killed when dropped
/// without it (a failed test leaves no server behind).
pub(super) struct Running {
    child: Child,
    pub(super) url: String,
    /// Everything it logged (read on a thread, so that it never blocks on a full pipe).
    logs: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

impl Running {
    /// Starts `vsm serve --db DB --listen 127.0.0.1:0` in `dir`, and waits until it answers
    /// `/readyz`, for [`START_TIMEOUT`] at most.
    pub(super) fn start(dir: &Path, db: &str) -> Running {
        Running::start_with(dir, db, &[], &[])
    }

    /// [`Running::start`] with more arguments and environment variables.
    pub(super) fn start_with(
        dir: &Path,
        db: &str,
        more: &[&str],
        variables: &[(&str, &str)],
    ) -> Running {
        let args = [&["serve", "--db", db, "--listen", "127.0.0.1:0"], more].concat();
        let mut child = vsm_command(dir, &args)
            .envs(variables.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&logs);
        let (address, listening) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("listening on ") {
                    let rest = &line[at + "listening on ".len()..];
                    let _ = address.send(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let mut running = Running {
            child,
            url: String::new(),
            logs,
            reader: Some(reader),
        };
        let deadline = Instant::now() + START_TIMEOUT;
        running.url = listening.recv_timeout(START_TIMEOUT).unwrap_or_else(|_| {
            panic!(
                "vsm serve did not say where it listens within {START_TIMEOUT:?}: {:?}",
                running.logs.lock().unwrap()
            )
        });
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(5)))
            .build()
            .new_agent();
        let ready = format!("{}/readyz", running.url);
        loop {
            if agent
                .get(&ready)
                .call()
                .is_ok_and(|answer| answer.status() == 200)
            {
                return running;
            }
            assert!(
                Instant::now() < deadline,
                "vsm serve at {} was not ready within {START_TIMEOUT:?}: {:?}",
                running.url,
                running.logs.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills it with SIGKILL, as a crash or an OOM killer would: no request in flight is
    /// finished. Its logs.
    pub(super) fn kill(mut self) -> Vec<String> {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.logs.lock().unwrap().clone()
    }

    /// Stops it with SIGTERM, as a service manager would: it must end cleanly. Its logs.
    pub(super) fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "vsm serve ended with {status} on SIGTERM");
        // The pipe closes with the process: the reader has every line once it ends.
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.logs.lock().unwrap().clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
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
    // A new password, printed once (that the old one stops working is the server tests' part).
    let reset = vsm_in(dir, &["serve", "--db", db, "--reset-password", "ada"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    let new_password = stdout(&reset);
    assert_eq!(new_password.trim().len(), 20, "{new_password}");
    assert_ne!(new_password, password);
    assert!(
        stderr(&reset).contains("cleared their failed sign-ins"),
        "{}",
        stderr(&reset)
    );
    let nobody = vsm_in(dir, &["serve", "--db", db, "--reset-password", "nobody"]);
    assert!(!nobody.status.success());
    assert!(
        stderr(&nobody).contains("there is no user `nobody`"),
        "{}",
        stderr(&nobody)
    );
    let made = vsm_in(dir, &["serve", "--db", db, "--create-token", "ada"]);
    assert!(made.status.success(), "{}", stderr(&made));
    (
        new_password.trim().to_string(),
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
    // Someone with no role on `web-shop` is told there is no stream they can write to, not
    // that the id is taken (which would tell them it exists) nor to save a new version.
    let added = ureq::post(format!("{url}/api/users"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .config()
        .http_status_as_error(false)
        .build()
        .send(r#"{"name": "otto"}"#.as_bytes())
        .unwrap();
    assert_eq!(added.status().as_u16(), 201);
    let otto = vsm_in(dir.path(), &["serve", "--db", db, "--create-token", "otto"]);
    assert!(otto.status.success(), "{}", stderr(&otto));
    std::fs::write(&map, text).unwrap();
    let mut outsider = vsm_command(dir.path(), &["push", "--server", &url, "web-shop.yaml"]);
    let hidden = outsider
        .env("VSM_TOKEN", stdout(&otto).trim())
        .output()
        .unwrap();
    assert!(!hidden.status.success());
    let said = stderr(&hidden);
    assert!(
        said.contains("no value stream `web-shop`") && said.contains("that you can write to"),
        "{said}"
    );
    assert!(
        !said.contains("exists") && !said.contains("(409)") && !said.contains("POST"),
        "{said}"
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

/// A fresh schema on the test PostgreSQL and the `--db` URL that uses it, or `None` when
/// `VSM_SKIP_POSTGRES_TESTS=1`; dropped with the returned guard.
pub(super) fn postgres_schema(tag: &str) -> Option<(String, Schema)> {
    if std::env::var("VSM_SKIP_POSTGRES_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("VSM_SKIP_POSTGRES_TESTS=1: skipped");
        return None;
    }
    let url = std::env::var("VSM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".to_string());
    let schema = Schema {
        name: format!("vsm_cli_{tag}_{}", std::process::id()),
        url: url.clone(),
    };
    schema.psql(&format!(
        "DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}",
        schema.name
    ));
    let separator = if url.contains('?') { '&' } else { '?' };
    let db = format!("{url}{separator}options=-c%20search_path%3D{}", schema.name);
    Some((db, schema))
}

/// A schema of the test PostgreSQL, dropped when this is.
pub(super) struct Schema {
    name: String,
    url: String,
}

impl Schema {
    fn psql(&self, sql: &str) {
        let done = std::process::Command::new("psql")
            .args([self.url.as_str(), "-q", "-c", sql])
            .output()
            .unwrap_or_else(|e| {
                panic!("psql (Debian's postgresql-client) runs this test's setup: {e}")
            });
        assert!(
            done.status.success(),
            "PostgreSQL at {} is needed for this test (or set VSM_SKIP_POSTGRES_TESTS=1): {}",
            self.url,
            String::from_utf8_lossy(&done.stderr)
        );
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let _ = std::process::Command::new("psql")
            .args([
                self.url.as_str(),
                "-q",
                "-c",
                &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name),
            ])
            .output();
    }
}

#[test]
fn push_and_pull_through_a_server_on_postgres() {
    on_postgres("push", pushes_and_pulls);
}

/// Runs `run` with a `--db` URL that selects a schema of its own (named from `tag`) on the
/// test PostgreSQL, dropped after; skipped when `VSM_SKIP_POSTGRES_TESTS=1`.
pub(super) fn on_postgres(tag: &str, run: impl FnOnce(&str)) {
    if let Some((db, _schema)) = postgres_schema(tag) {
        run(&db);
    }
}

/// Replicas: two server processes over one PostgreSQL keep nothing of their own, so a version
/// saved through one is what the other serves at once, and a sign-in made on one is good on the
/// other (a load balancer may send the next request anywhere).
#[test]
fn two_servers_on_one_postgres_serve_each_others_changes_at_once() {
    let Some((db, _schema)) = postgres_schema("replicas") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let admin = vsm_in(dir.path(), &["serve", "--db", &db, "--create-admin", "ada"]);
    assert!(admin.status.success(), "{}", stderr(&admin));
    let password = stdout(&admin).trim().to_string();
    let made = vsm_in(dir.path(), &["serve", "--db", &db, "--create-token", "ada"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let token = stdout(&made).trim().to_string();
    let one = Running::start(dir.path(), &db);
    let two = Running::start(dir.path(), &db);
    assert_ne!(one.url, two.url);

    let example =
        std::fs::read_to_string(repo_root().join("examples/feature-delivery.yaml")).unwrap();
    let through = |server: &Running, args: &[&str]| {
        let mut all = vec![args[0], "--server", &server.url];
        all.extend_from_slice(&args[1..]);
        let mut command = vsm_command(dir.path(), &all);
        command.env("VSM_TOKEN", &token);
        let done = command.output().unwrap();
        assert!(done.status.success(), "{args:?}: {}", stderr(&done));
        done
    };
    let pulled = || std::fs::read_to_string(dir.path().join("pulled.yaml")).unwrap();
    for (round, (saver, reader)) in [(&one, &two), (&two, &one), (&one, &two)]
        .into_iter()
        .enumerate()
    {
        let text = example.replace(
            "name: Web shop feature delivery",
            &format!("name: Web shop feature delivery, round {round}"),
        );
        assert_ne!(text, example, "the example's name line moved");
        std::fs::write(dir.path().join("web-shop.yaml"), &text).unwrap();
        let saved = through(
            saver,
            &["push", "web-shop.yaml", "-m", "a replica's change"],
        );
        assert!(
            stderr(&saved).contains(&format!("as version {} of `web-shop`", round + 1)),
            "{}",
            stderr(&saved)
        );
        // No wait, no retry: the other replica serves it on the next request.
        through(reader, &["pull", "web-shop", "-o", "pulled.yaml"]);
        assert_eq!(
            pulled(),
            text,
            "round {round}: {} served {}",
            reader.url,
            saver.url
        );
    }

    // The sign-in form from one replica is taken by the other, and the session it makes is good
    // on the first.
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent();
    // `NAME=VALUE` of the cookie an answer sets.
    let cookie = |answer: &ureq::http::Response<ureq::Body>, name: &str| {
        answer
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} cookie set"))
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    let form = agent.get(format!("{}/signin", two.url)).call().unwrap();
    let form_cookie = cookie(&form, "vsm_signin");
    let csrf = form_cookie.trim_start_matches("vsm_signin=").to_string();
    let signed_in = agent
        .post(format!("{}/signin", one.url))
        .header("cookie", &form_cookie)
        .send_form([
            ("username", "ada"),
            ("password", password.as_str()),
            ("csrf", csrf.as_str()),
        ])
        .unwrap();
    assert_eq!(signed_in.status(), 303);
    let session = cookie(&signed_in, "vsm_session");
    let mut page = agent
        .get(format!("{}/streams/web-shop", two.url))
        .header("cookie", &session)
        .call()
        .unwrap();
    assert_eq!(page.status(), 200);
    let body = page.body_mut().read_to_string().unwrap();
    assert!(
        body.contains("Web shop feature delivery, round 2"),
        "{body}"
    );
    one.stop();
    two.stop();
}

#[test]
fn pull_refuses_an_answer_larger_than_it_reads_instead_of_cutting_it_short() {
    // A "server" that answers with more than 64 MiB and no length: a map cut short would look
    // like a map.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        use std::io::{Read as _, Write as _};
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/yaml\r\nx-vsm-version: 1\r\nconnection: close\r\n\r\n",
        );
        let line = vec![b'#'; 1 << 20];
        for _ in 0..65 {
            if stream.write_all(&line).is_err() {
                break;
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let pulled = vsm_in(
        dir.path(),
        &[
            "pull", "big", "--server", &url, "--token", "vsm_x", "-o", "big.yaml",
        ],
    );
    server.join().unwrap();
    assert!(!pulled.status.success(), "{}", stderr(&pulled));
    assert!(
        stderr(&pulled).contains("larger than 64 MiB"),
        "{}",
        stderr(&pulled)
    );
    assert!(!dir.path().join("big.yaml").exists(), "nothing written");
}
