//! The snapshot store: round trips, migrations, and what happens when writers are killed or
//! collide. Writers run as child processes: this test binary started again on `writer_child`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use vsm_store::{NewSnapshot, Sqlite, Store as _, StoreError};

mod story;

fn metrics(n: usize, salt: f64) -> Vec<(String, f64)> {
    (0..n)
        .map(|i| (format!("steps.s{i:05}.lead_time"), i as f64 + salt))
        .collect()
}

fn snapshot<'a>(taken_at: &'a str, metrics: &'a [(String, f64)]) -> NewSnapshot<'a> {
    NewSnapshot {
        map: "Web orders",
        file: "orders.yaml",
        taken_at: taken_at.parse().unwrap(),
        commit: Some("0123456789abcdef0123456789abcdef01234567"),
        dirty: false,
        analysis: r#"{"summary":{}}"#,
        metrics,
    }
}

/// A new, empty history database in a fresh folder (kept while the `TempDir` lives).
fn new_store() -> (tempfile::TempDir, PathBuf, Sqlite) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    let store = Sqlite::open(&path).unwrap();
    (dir, path, store)
}

#[test]
fn snapshots_come_back_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/history.db");
    let store = Sqlite::open(&path).unwrap();
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

/// A database in `dir` at schema `version`, as a newer vsm would leave it.
fn newer_database(dir: &Path, version: i64) -> PathBuf {
    let path = dir.join("newer.db");
    drop(Sqlite::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", version)
        .unwrap();
    path
}

/// What opening a database at a newer schema `version` says.
fn newer_schema_message(path: &Path, version: i64) -> String {
    format!(
        "the history database `{}` has schema version {version}, newer than this vsm knows (2); use a newer vsm",
        path.display()
    )
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

    let newer = newer_database(dir.path(), 99);
    let error = Sqlite::open(&newer).unwrap_err();
    assert_eq!(error.to_string(), newer_schema_message(&newer, 99));

    // Another program's database is refused untouched, not filled with vsm's tables.
    let other = dir.path().join("other.db");
    let connection = rusqlite::Connection::open(&other).unwrap();
    connection
        .execute_batch("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (1);")
        .unwrap();
    drop(connection);
    let before = std::fs::read(&other).unwrap();
    let error = Sqlite::open(&other).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` is a database of something else (it has the tables invoices); give vsm a file of its own for its history with --db",
            other.display()
        )
    );
    assert_eq!(std::fs::read(&other).unwrap(), before);

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
    let store = match Sqlite::open(Path::new(&db)) {
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
    let store = Sqlite::open_waiting(&db, Duration::from_millis(300)).unwrap();
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
            "the history database `{}` is busy: another vsm has been writing to it for 0.3 s; try again when it is done, or wait longer with `--db sqlite://{}?busy_timeout=60`",
            db.display(),
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

/// An analysis as large as a 2,000-step map's: JSON with repeating keys and varied numbers.
fn large_analysis(steps: usize) -> String {
    let steps: Vec<String> = (0..steps)
        .map(|i| {
            format!(
                r#"    {{"id": "step-{i}", "name": "Step {i}", "process_time_seconds": {}, "wait_time_seconds": {}, "complete_accurate_percent": {}, "provenance": {{"process_time": "estimated"}}}}"#,
                i * 37 % 7200,
                i * 7919 % 86_400,
                50 + i % 50
            )
        })
        .collect();
    format!("{{\n  \"steps\": [\n{}\n  ]\n}}\n", steps.join(",\n"))
}

#[test]
fn analyses_are_stored_compressed_and_come_back_whole() {
    let (_dir, path, store) = new_store();
    let analysis = large_analysis(2_000);
    let metrics = metrics(3, 0.0);
    let id = store
        .save(&NewSnapshot {
            analysis: &analysis,
            ..snapshot("2026-11-26T00:00:00Z", &metrics)
        })
        .unwrap();
    assert_eq!(store.analysis(id).unwrap().as_deref(), Some(&analysis[..]));
    assert_eq!(store.analysis(id + 1).unwrap(), None);
    let (kind, stored): (String, i64) = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT typeof(analysis), length(analysis) FROM snapshots WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!(kind, "blob");
    assert!(
        (stored as usize) * 5 < analysis.len(),
        "{stored} bytes stored for an analysis of {}",
        analysis.len()
    );
}

/// The schema of the first version, as its databases are on users' disks.
const VERSION_1: &str = r#"
    CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY, map TEXT NOT NULL, file TEXT NOT NULL, taken_at TEXT NOT NULL,
        git_commit TEXT, git_dirty INTEGER NOT NULL, analysis TEXT NOT NULL,
        metric_count INTEGER NOT NULL
    );
    CREATE INDEX snapshots_by_map ON snapshots (map, taken_at, id);
    CREATE TABLE metrics (
        snapshot INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
        name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (snapshot, name)
    ) WITHOUT ROWID;
    PRAGMA journal_mode = WAL;
    PRAGMA user_version = 1;
    INSERT INTO snapshots VALUES (1, 'Web orders', 'orders.yaml', '2026-11-01T00:00:00Z', NULL, 0,
        '{"improvements": []}', 1);
    INSERT INTO metrics VALUES (1, 'lead_time', 86400.0);
"#;

fn user_version(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn databases_of_the_first_version_are_read_without_change_and_upgraded_by_writers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(VERSION_1)
        .unwrap();

    // A reader reads the old text form and leaves the file at its version.
    let reader = Sqlite::open_read_only(&path).unwrap();
    let history = reader.history("Web orders").unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].metric("lead_time"), Some(86_400.0));
    assert_eq!(
        reader.analysis(1).unwrap().as_deref(),
        Some(r#"{"improvements": []}"#)
    );
    drop(reader);
    assert_eq!(user_version(&path), 1, "a reader migrated the file");

    // A writer upgrades it; the old snapshot reads as before beside a new, compressed one.
    let writer = Sqlite::open(&path).unwrap();
    assert_eq!(user_version(&path), 2);
    let metrics = metrics(2, 0.0);
    let id = writer
        .save(&snapshot("2026-11-02T00:00:00Z", &metrics))
        .unwrap();
    assert_eq!(
        writer.analysis(1).unwrap().as_deref(),
        Some(r#"{"improvements": []}"#)
    );
    assert_eq!(
        writer.analysis(id).unwrap().as_deref(),
        Some(r#"{"summary":{}}"#)
    );
    assert_eq!(writer.history("Web orders").unwrap().len(), 2);
}

#[test]
fn readers_open_existing_files_only_and_refuse_newer_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let error = Sqlite::open_read_only(&missing).unwrap_err();
    assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
    assert!(!missing.exists(), "a reader created the file");

    // An empty file (made by `touch`) holds no snapshots yet.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let reader = Sqlite::open_read_only(&empty).unwrap();
    assert_eq!(reader.history("Web orders").unwrap(), []);
    assert_eq!(reader.maps().unwrap(), Vec::<String>::new());
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);

    let newer = newer_database(dir.path(), 7);
    let error = Sqlite::open_read_only(&newer).unwrap_err();
    assert_eq!(error.to_string(), newer_schema_message(&newer, 7));
}

#[test]
fn a_store_opened_to_read_refuses_to_write_and_says_how_to_fix_it() {
    let (_dir, path, store) = new_store();
    drop(store);
    let reader = Sqlite::open_read_only(&path).unwrap();
    let metrics = metrics(2, 0.0);
    let error = reader
        .save(&snapshot("2026-11-02T00:00:00Z", &metrics))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "cannot write to the history database `{}`: it or its folder is read-only; make both writable (`chmod u+w`), or give a writable place with --db",
            path.display()
        )
    );
    assert!(
        std::error::Error::source(&error).is_none(),
        "a chain would repeat the message"
    );
}

#[test]
fn a_damaged_database_is_named_once_with_what_to_do() {
    let (_dir, path, store) = new_store();
    let metrics = metrics(400, 0.0);
    for day in 10..20 {
        store
            .save(&snapshot(&format!("2026-11-{day}T00:00:00Z"), &metrics))
            .unwrap();
    }
    drop(store);
    // Scribble over every page after the first (the header stays intact).
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 3 * 4096, "{} bytes", bytes.len());
    for (i, byte) in bytes.iter_mut().enumerate().skip(4096) {
        *byte = (i * 31 % 251) as u8;
    }
    std::fs::write(&path, bytes).unwrap();
    let error = Sqlite::open_read_only(&path)
        .and_then(|store| store.history("Web orders"))
        .unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "the history database `{}` is damaged (database disk image is malformed); restore it from a backup",
            path.display()
        )),
        "{message}"
    );
    assert!(
        std::error::Error::source(&error).is_none(),
        "a chain would repeat the message"
    );
}

/// A new database holding one snapshot of "Web orders", taken at `taken_at`.
fn one_snapshot(taken_at: &str) -> (tempfile::TempDir, PathBuf, Sqlite, i64) {
    let (dir, path, store) = new_store();
    let id = store.save(&snapshot(taken_at, &metrics(1, 0.0))).unwrap();
    (dir, path, store, id)
}

#[test]
fn times_are_kept_to_the_second_as_earlier_versions_wrote_them() {
    // A fraction would sort `09:00:00.5Z` before `09:00:00Z` as text.
    let (_dir, path, store, id) = one_snapshot("2026-11-26T09:00:00.75Z");
    let stored: String = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT taken_at FROM snapshots WHERE id = ?1",
            [id],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, "2026-11-26T09:00:00Z");
    let back = store.latest("Web orders").unwrap().unwrap();
    assert_eq!(back.taken_at, "2026-11-26T09:00:00Z".parse().unwrap());
}

#[test]
fn a_snapshot_whose_time_is_damaged_is_named_with_the_value() {
    let (_dir, path, store, id) = one_snapshot("2026-11-26T09:00:00Z");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE snapshots SET taken_at = 'last tuesday' WHERE id = ?1",
            [id],
        )
        .unwrap();
    let error = store.history("Web orders").unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the history database `{}`: snapshot #{id} is damaged (its time `last tuesday` is not an RFC 3339 timestamp); delete it or restore the file from a backup",
            path.display()
        )
    );
}
