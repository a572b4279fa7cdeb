//! The snapshot store: round trips, migrations, and what happens when writers are killed or
//! collide. Writers run as child processes: this test binary started again on `writer_child`.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use vsm_store::{NewSnapshot, Sqlite, Store as _, StoreError};

fn metrics(n: usize, salt: f64) -> Vec<(String, f64)> {
    (0..n)
        .map(|i| (format!("steps.s{i:05}.lead_time"), i as f64 + salt))
        .collect()
}

fn snapshot<'a>(taken_at: &'a str, metrics: &'a [(String, f64)]) -> NewSnapshot<'a> {
    NewSnapshot {
        map: "Web orders",
        file: "orders.yaml",
        taken_at,
        commit: Some("0123456789abcdef0123456789abcdef01234567"),
        dirty: false,
        analysis: r#"{"summary":{}}"#,
        metrics,
    }
}

#[test]
fn snapshots_come_back_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/history.db");
    let mut store = Sqlite::open(&path).unwrap();
    let first = metrics(3, 0.0);
    let second = metrics(3, 10.0);
    // Stored out of order: the later one first.
    let later = store
        .save(&snapshot("2026-11-20T00:00:00Z", &second))
        .unwrap();
    let earlier = store
        .save(&snapshot("2026-11-13T00:00:00Z", &first))
        .unwrap();
    let other = NewSnapshot {
        map: "Another map",
        ..snapshot("2026-11-27T00:00:00Z", &first)
    };
    store.save(&other).unwrap();
    let history = store.history("Web orders").unwrap();
    let ids: Vec<i64> = history.iter().map(|s| s.id).collect();
    assert_eq!(ids, [earlier, later]);
    assert_eq!(history[1].metric("steps.s00002.lead_time"), Some(12.0));
    assert_eq!(history[1].metric("nothing"), None);
    assert_eq!(
        history[0].commit.as_deref(),
        Some("0123456789abcdef0123456789abcdef01234567")
    );
    assert_eq!(store.latest("Web orders").unwrap().unwrap().id, later);
    assert!(store.latest("Unknown").unwrap().is_none());
    assert_eq!(store.maps().unwrap(), ["Another map", "Web orders"]);
    drop(store);
    // Reopened: the same data, no migration run twice.
    let store = vsm_store::open(&format!("sqlite://{}", path.display())).unwrap();
    assert_eq!(store.history("Web orders").unwrap(), history);
    assert_eq!(vsm_store::verify(&path), Ok(3));
}

#[test]
fn databases_it_cannot_use_are_named_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.db");
    std::fs::write(
        &text,
        "not a database, just some text that is long enough to have a header",
    )
    .unwrap();
    let error = Sqlite::open(&text).unwrap_err();
    assert!(
        matches!(error, StoreError::NotADatabase { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("give another path with --db"),
        "{error}"
    );

    let newer = dir.path().join("newer.db");
    drop(Sqlite::open(&newer).unwrap());
    // As a newer vsm would leave it.
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let error = Sqlite::open(&newer).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the history database `{}` has schema version 99, newer than this vsm knows (1); use a newer vsm",
            newer.display()
        )
    );

    let error = vsm_store::open("postgres://ci@db/vsm").err().unwrap();
    assert_eq!(
        error.to_string(),
        "`postgres://ci@db/vsm`: postgres databases are not supported yet; use a SQLite file (a path, or sqlite://path)"
    );
}

const CHILD_DB: &str = "VSM_STORE_CHILD_DB";
const CHILD_COUNT: &str = "VSM_STORE_CHILD_COUNT";
const CHILD_METRICS: usize = 3_000;

/// Not a test on its own: the writer the tests below start as a child process. It prints
/// `begin N` before each save and `end N` after its commit returned.
#[test]
#[ignore = "run by the reliability tests as a child process"]
fn writer_child() {
    let Ok(db) = std::env::var(CHILD_DB) else {
        return;
    };
    let count: u64 = std::env::var(CHILD_COUNT)
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(u64::MAX);
    let mut store = match Sqlite::open(Path::new(&db)) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(if matches!(e, StoreError::Busy { .. }) {
                2
            } else {
                3
            });
        }
    };
    let metrics = metrics(CHILD_METRICS, 0.5);
    for n in 0..count {
        println!("begin {n}");
        match store.save(&snapshot("2026-11-26T00:00:00Z", &metrics)) {
            Ok(_) => println!("end {n}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(if matches!(e, StoreError::Busy { .. }) {
                    2
                } else {
                    3
                });
            }
        }
    }
}

fn child(db: &Path, count: Option<u64>) -> std::process::Child {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "writer_child",
            "--ignored",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(CHILD_DB, db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(count) = count {
        command.env(CHILD_COUNT, count.to_string());
    }
    command.spawn().unwrap()
}

/// (`begin` lines, `end` lines) a child printed.
fn progress(output: &[u8]) -> (usize, usize) {
    let mut begins = 0;
    let mut ends = 0;
    for line in BufReader::new(output).lines() {
        let line = line.unwrap();
        // The first line follows the harness's `test writer_child ... `.
        if line.contains("begin ") {
            begins += 1;
        } else if line.contains("end ") {
            ends += 1;
        }
    }
    (begins, ends)
}

#[test]
fn a_writer_killed_at_any_instant_leaves_whole_snapshots_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let mut stored = 0;
    let mut killed_mid_write = 0;
    // Kill after 40 ms, 53 ms, ...: a spread of instants, the same on every run of the test.
    for round in 0..24_u64 {
        let mut writer = child(&db, None);
        std::thread::sleep(Duration::from_millis(40 + (round * 13) % 170));
        writer.kill().unwrap();
        let output = writer.wait_with_output().unwrap();
        let (begins, ends) = progress(&output.stdout);
        if begins > ends {
            killed_mid_write += 1;
        }
        let now = vsm_store::verify(&db).unwrap_or_else(|e| panic!("round {round}: {e}"));
        // Every save whose commit returned is there; the one cut short is there whole or not at all.
        assert!(
            now >= stored + ends && now <= stored + begins,
            "round {round}: {now} snapshots after {stored} + {ends}..{begins}"
        );
        stored = now;
    }
    assert!(stored > 0);
    assert!(
        killed_mid_write >= 3,
        "only {killed_mid_write} of 24 kills hit a write in progress"
    );
}

#[test]
fn two_writers_at_once_both_succeed_or_one_is_told_it_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    // Both start on a database that does not exist yet: they also race to create its schema.
    let writers = [child(&db, Some(40)), child(&db, Some(40))];
    let mut written = 0;
    for writer in writers {
        let output = writer.wait_with_output().unwrap();
        let (_, ends) = progress(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) => assert_eq!(ends, 40),
            Some(2) => assert!(stderr.contains("is busy"), "{stderr}"),
            other => panic!("writer exited with {other:?}: {stderr}"),
        }
        written += ends;
    }
    assert_eq!(vsm_store::verify(&db), Ok(written));
    assert!(written >= 40);
}

#[test]
fn a_writer_that_waits_too_long_is_told_the_database_is_busy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("history.db");
    let mut store = Sqlite::open_waiting(&db, Duration::from_millis(300)).unwrap();
    // Another process holds the write lock.
    let mut other = rusqlite::Connection::open(&db).unwrap();
    let lock = other
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let metrics = metrics(3, 0.0);
    let error = store
        .save(&snapshot("2026-11-26T00:00:00Z", &metrics))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the history database `{}` is busy: another vsm has been writing to it for 0.3 s; try again when it is done",
            db.display()
        )
    );
    assert_eq!(vsm_store::verify(&db), Ok(0), "nothing half-written");
    lock.commit().unwrap();
    store
        .save(&snapshot("2026-11-26T00:00:00Z", &metrics))
        .unwrap();
    assert_eq!(vsm_store::verify(&db), Ok(1));
}
