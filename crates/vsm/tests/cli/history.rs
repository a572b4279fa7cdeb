//! `snapshot`, `trend`, and `check` and `plan` against the history; history databases vsm cannot
//! use.

use std::path::Path;
use std::process::{Command, Output};

use crate::{
    by_id, history_fixture, json_of, repo_root, stderr, stdout, vsm_command, vsm_fails_in, vsm_in,
    vsm_ok_in,
};

/// Takes a snapshot of `orders.yaml` in `dir` from the events in `events`, as of `at`.
fn snapshot(dir: &Path, events: &str, at: &str) -> Output {
    vsm_ok_in(
        dir,
        &["snapshot", "orders.yaml", "--events", events, "--at", at],
    )
}

#[test]
fn snapshots_over_time_feed_trend_check_plan_and_the_report() {
    let (dir, map) = history_fixture();
    let run = |args: &[&str]| vsm_in(dir.path(), args);
    let no_history = run(&["trend", "orders.yaml"]);
    assert!(!no_history.status.success());
    assert!(
        stderr(&no_history).contains("there is no history yet (.vsm/history.db does not exist); take a snapshot with `vsm snapshot orders.yaml`"),
        "{}",
        stderr(&no_history)
    );

    let first = snapshot(dir.path(), "jan.csv", "2015-02-01T00:00:00Z");
    assert!(
        stdout(&first).starts_with("stored snapshot #1 of `Web orders` (2015-02-01T00:00:00Z; "),
        "{}",
        stdout(&first)
    );
    assert!(
        stderr(&first).contains("jan.csv: read "),
        "the import is reported"
    );
    // The team starts on the reminders: the map now says so.
    let source = std::fs::read_to_string(&map).unwrap();
    std::fs::write(
        &map,
        source.replace(
            "target: { wait_time: 7d } }",
            "status: in_progress, target: { wait_time: 7d } }",
        ),
    )
    .unwrap();
    snapshot(dir.path(), "mar.csv", "2015-04-01T00:00:00Z");
    vsm_ok_in(
        dir.path(),
        &["snapshot", "orders.yaml", "--at", "2015-10-01T00:00:00Z"],
    );
    assert!(dir.path().join(".vsm/history.db").exists());

    // Trend: three points per metric, more items measured each time.
    let trend = json_of(&run(&[
        "trend",
        "orders.yaml",
        "--format",
        "json",
        "--metric",
        "items.count",
        "--metric",
        "items.lead_time.p85",
        "--metric",
        "steps.pay.wait_time",
        "--metric",
        "steps.prepare.wait_time",
    ]));
    let taken: Vec<&str> = trend["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["taken_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        taken,
        [
            "2015-02-01T00:00:00Z",
            "2015-04-01T00:00:00Z",
            "2015-10-01T00:00:00Z"
        ]
    );
    let values = |name: &str| -> Vec<f64> {
        trend["metrics"][name]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let counts = values("items.count");
    assert!(counts[0] < counts[1] && counts[1] < counts[2], "{counts:?}");
    assert_eq!(counts[2], 1266.0, "the whole log");
    assert_eq!(trend["metrics"]["items.lead_time.p85"]["unit"], "seconds");
    let text = stdout(&run(&["trend", "orders.yaml"]));
    assert!(text.starts_with("Trend of Web orders: 3 snapshots, 2015-02-01T00:00:00Z to 2015-10-01T00:00:00Z (.vsm/history.db)\n"), "{text}");
    assert!(text.contains("  items.lead_time.p85  "), "{text}");
    assert!(text.chars().any(|c| ('▁'..='█').contains(&c)), "{text}");

    // Check reads the latest snapshot; --live measures the same log now: the same numbers.
    let stored = run(&["check", "orders.yaml", "--format", "json"]);
    assert!(
        stderr(&stored).contains("checking snapshot #3 of 2015-10-01T00:00:00Z (")
            && stderr(&stored)
                .contains(" days old) in .vsm/history.db (--live measures now instead)"),
        "{}",
        stderr(&stored)
    );
    let live = run(&["check", "orders.yaml", "--format", "json", "--live"]);
    assert_eq!(stored.status.code(), live.status.code());
    let (stored, live) = (json_of(&stored), json_of(&live));
    for (a, b) in stored["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(live["targets"].as_array().unwrap())
    {
        assert_eq!(a["actual"], b["actual"], "{a} vs {b}");
        assert_eq!(a["passed"], b["passed"]);
    }
    assert_eq!(
        stored["targets"][0]["source"],
        "p85 of 1266 measured items, snapshot #3 of 2015-10-01T00:00:00Z"
    );

    // The plan: each improvement's targets at its start. `daily` started on 1 March: the
    // snapshot before is #1; `remind` has no date: the first snapshot with it in progress (#2).
    let plan = json_of(&run(&[
        "plan",
        "orders.yaml",
        "--today",
        "2015-10-02",
        "--format",
        "json",
    ]));
    let improvement = |id: &str| by_id(&plan["improvements"], id);
    let (remind, daily) = (improvement("remind"), improvement("daily"));
    assert_eq!(remind["baseline"], "#2 of 2015-04-01T00:00:00Z");
    assert_eq!(daily["baseline"], "#1 of 2015-02-01T00:00:00Z");
    assert_eq!(
        remind["targets"][0]["at_start"]["seconds"]
            .as_f64()
            .unwrap(),
        values("steps.pay.wait_time")[1]
    );
    assert_eq!(
        daily["targets"][0]["at_start"]["seconds"].as_f64().unwrap(),
        values("steps.prepare.wait_time")[0]
    );
    assert_eq!(
        remind["targets"][0]["current"]["seconds"].as_f64().unwrap(),
        values("steps.pay.wait_time")[2]
    );
    let plan_text = stdout(&run(&["plan", "orders.yaml", "--today", "2015-10-02"]));
    assert!(
        plan_text.contains("    at start: snapshot #2 of 2015-04-01T00:00:00Z\n"),
        "{plan_text}"
    );

    // The report charts the history.
    vsm_ok_in(dir.path(), &["report", "orders.yaml", "-o", "report.html"]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<h2 id=\"trend-heading\">Trend</h2>"));
    assert!(html.contains("3 snapshots from 2015-02-01 to 2015-10-01"));
    assert_eq!(
        html.matches("<svg class=\"trend\"").count(),
        8,
        "the summary and the items' p85"
    );
}

#[test]
fn snapshots_record_the_maps_git_commit() {
    let (dir, _) = history_fixture();
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "orders.yaml"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "map",
    ]);
    let commit = git(&["rev-parse", "HEAD"]);
    let db = format!("sqlite://{}", dir.path().join("h.db").display());
    let clean = vsm_in(
        dir.path(),
        &[
            "snapshot",
            "orders.yaml",
            "--db",
            &db,
            "--at",
            "2015-10-01T00:00:00Z",
        ],
    );
    assert!(
        stdout(&clean).contains(&format!("(2015-10-01T00:00:00Z, commit {}; ", &commit[..7])),
        "{}",
        stdout(&clean)
    );
    std::fs::write(
        dir.path().join("orders.yaml"),
        std::fs::read_to_string(dir.path().join("orders.yaml")).unwrap() + "# edited\n",
    )
    .unwrap();
    let dirty = vsm_in(dir.path(), &["snapshot", "orders.yaml", "--db", &db]);
    assert!(
        stdout(&dirty).contains("with uncommitted changes"),
        "{}",
        stdout(&dirty)
    );
    let trend = json_of(&vsm_in(
        dir.path(),
        &["trend", "orders.yaml", "--db", &db, "--format", "json"],
    ));
    assert_eq!(trend["snapshots"][0]["commit"], commit.trim());
    assert_eq!(trend["snapshots"][1]["dirty"], true);
}

#[test]
fn history_databases_it_cannot_use_are_explained() {
    let (dir, _) = history_fixture();
    std::fs::write(
        dir.path().join("notes.txt"),
        "meeting notes, not a database; ".repeat(20),
    )
    .unwrap();
    let said = vsm_fails_in(
        dir.path(),
        &["snapshot", "orders.yaml", "--db", "notes.txt"],
    );
    insta::assert_snapshot!(said.lines().last().unwrap(), @"error: `notes.txt` is not a vsm history database (file is not a database); give another path with --db, or move the file away");
    let said = vsm_fails_in(
        dir.path(),
        &["check", "orders.yaml", "--db", "postgres://ci@db/vsm"],
    );
    insta::assert_snapshot!(said, @"error: `postgres://ci@db/vsm`: postgres databases are not supported yet; use a SQLite file (a path, or sqlite://path)");
    let output = vsm_in(dir.path(), &["trend", "orders.yaml", "--db", "missing.db"]);
    insta::assert_snapshot!(stderr(&output), @"error: there is no history database at `missing.db`; take a snapshot first with `vsm snapshot MAP --db missing.db`");
    assert!(
        !dir.path().join("missing.db").exists(),
        "reading never creates a database"
    );
}

#[test]
fn a_database_password_in_db_never_reaches_the_terminal() {
    let (dir, _) = history_fixture();
    for command in ["snapshot", "trend", "check", "plan", "report"] {
        let output = vsm_in(
            dir.path(),
            &[
                command,
                "orders.yaml",
                "--db",
                "postgres://ci:secret@db/vsm",
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{command}");
        let shown = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!shown.contains("secret"), "{command}: {shown}");
        assert!(
            shown.contains("`postgres://ci:***@db/vsm`: postgres databases are not supported yet"),
            "{command}: {shown}"
        );
    }
}

#[test]
fn two_snapshots_taken_at_once_are_both_stored() {
    let (dir, _) = history_fixture();
    // Both start on a database that does not exist yet.
    let spawn = |at: &str| {
        vsm_command(dir.path(), &["snapshot", "orders.yaml", "--at", at])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children = [spawn("2015-10-01T00:00:00Z"), spawn("2015-10-02T00:00:00Z")];
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(
        vsm_store::verify(&dir.path().join(".vsm/history.db")),
        Ok(2)
    );
    let trend = json_of(&vsm_in(
        dir.path(),
        &["trend", "orders.yaml", "--format", "json"],
    ));
    assert_eq!(trend["snapshots"].as_array().unwrap().len(), 2);
}

#[test]
fn a_snapshot_to_a_database_url_that_names_no_file_is_refused() {
    let (dir, _) = history_fixture();
    for url in ["sqlite://", "", "sqlite::memory:", ":memory:", "  "] {
        let output = vsm_in(
            dir.path(),
            &[
                "snapshot",
                "orders.yaml",
                "--events",
                "jan.csv",
                "--db",
                url,
            ],
        );
        assert_eq!(output.status.code(), Some(1), "--db {url:?}");
        assert!(!stdout(&output).contains("stored"), "{}", stdout(&output));
        let message = stderr(&output);
        assert!(
            message.contains("names no database file, so nothing would be kept")
                && message.contains("leave out --db for the default `.vsm/history.db`"),
            "--db {url:?}: {message}"
        );
    }
    let output = vsm_in(
        dir.path(),
        &["snapshot", "orders.yaml", "--events", "jan.csv", "--db", ""],
    );
    insta::assert_snapshot!(stderr(&output).lines().last().unwrap(), @"error: the history database URL is empty: it names no database file, so nothing would be kept (an unset variable?); give a file, e.g. `--db .vsm/history.db` or `--db sqlite://.vsm/history.db`, or leave out --db for the default `.vsm/history.db`");
    assert!(!dir.path().join(".vsm").exists());
}

/// Runs `vsm` as a user who cannot write what `dir` holds: ourselves when we are not root
/// (file modes stop us), otherwise the unprivileged user 65534 (`nobody`), for whom root's
/// files with their write bits cleared are read-only as they are for anyone. The binary is
/// copied into `dir` so that it can be run whatever the modes of the folders above the build.
fn vsm_unprivileged(dir: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::MetadataExt as _;
    use std::os::unix::process::CommandExt as _;
    let root = std::fs::metadata(dir).unwrap().uid() == 0;
    let mut command = if root {
        let copy = dir.join("bin/vsm");
        if !copy.exists() {
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            std::fs::copy(env!("CARGO_BIN_EXE_vsm"), &copy).unwrap();
        }
        let mut command = Command::new(copy);
        command.uid(65_534).gid(65_534);
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_vsm"))
    };
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn trend_check_plan_and_report_read_a_history_in_a_read_only_folder() {
    use std::os::unix::fs::PermissionsExt as _;
    let (dir, map) = history_fixture();
    // The map measures from a copy of its log in the folder, readable by anyone.
    let log = repo_root().join("testdata/csv/interval_event_log.csv");
    std::fs::copy(&log, dir.path().join("all.csv")).unwrap();
    let source = std::fs::read_to_string(&map)
        .unwrap()
        .replace(log.to_str().unwrap(), "all.csv");
    std::fs::write(&map, source).unwrap();
    snapshot(dir.path(), "jan.csv", "2015-02-01T00:00:00Z");
    snapshot(dir.path(), "mar.csv", "2015-04-01T00:00:00Z");
    let db = dir.path().join(".vsm/history.db");
    // The last writer closed the write-ahead log: a reader would have to create it.
    assert!(!dir.path().join(".vsm/history.db-shm").exists());
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    mode(&out, 0o777);
    mode(dir.path(), 0o755);
    mode(&db, 0o444);
    mode(&dir.path().join(".vsm"), 0o555);
    let before = std::fs::read(&db).unwrap();

    let trend = vsm_unprivileged(dir.path(), &["trend", "orders.yaml", "--format", "json"]);
    assert!(trend.status.success(), "{}", stderr(&trend));
    assert_eq!(json_of(&trend)["snapshots"].as_array().unwrap().len(), 2);
    let check = vsm_unprivileged(dir.path(), &["check", "orders.yaml"]);
    assert!(
        stderr(&check).contains("checking snapshot #2"),
        "{}",
        stderr(&check)
    );
    let plan = vsm_unprivileged(
        dir.path(),
        &["plan", "orders.yaml", "--today", "2015-04-02"],
    );
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(stdout(&plan).contains("snapshot #1"), "{}", stdout(&plan));
    let report = vsm_unprivileged(dir.path(), &["report", "orders.yaml", "-o", "out/r.html"]);
    assert!(report.status.success(), "{}", stderr(&report));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "a reader changed the file"
    );

    // A writer is told what to do, once.
    let snapshot = vsm_unprivileged(
        dir.path(),
        &["snapshot", "orders.yaml", "--events", "jan.csv"],
    );
    assert_eq!(snapshot.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&snapshot).lines().last().unwrap(), @"error: cannot write to the history database `.vsm/history.db`: it or its folder is read-only; make both writable (`chmod u+w`), or give a writable place with --db");
    mode(&dir.path().join(".vsm"), 0o755);
}

#[test]
fn a_damaged_history_is_named_once_with_what_to_do() {
    let (dir, _) = history_fixture();
    for at in [
        "2015-02-01T00:00:00Z",
        "2015-03-01T00:00:00Z",
        "2015-04-01T00:00:00Z",
    ] {
        snapshot(dir.path(), "mar.csv", at);
    }
    let db = dir.path().join(".vsm/history.db");
    let mut bytes = std::fs::read(&db).unwrap();
    for (i, byte) in bytes.iter_mut().enumerate().skip(4096) {
        *byte = (i * 31 % 251) as u8;
    }
    std::fs::write(&db, bytes).unwrap();
    let message = vsm_fails_in(dir.path(), &["trend", "orders.yaml"]);
    assert_eq!(message.matches("malformed").count(), 1, "{message}");
    insta::assert_snapshot!(message.lines().last().unwrap(), @"error: the history database `.vsm/history.db` is damaged (database disk image is malformed); restore it from a backup, or save what is left with `sqlite3 .vsm/history.db .recover | sqlite3 recovered.db` and use --db recovered.db");
}
