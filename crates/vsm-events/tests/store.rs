//! The event store: upserts and their counts, the OCEL 2.0 rules, pm4py reading the file, and
//! writers killed at any instant. Writers run as child processes: this test binary started
//! again on `writer_child`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use vsm_events::{
    Batch, Counts, Cursor, Event, EventType, Object, ObjectType, Relation, Store, StoreError, Value,
};

fn at(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

fn text(name: &str, value: &str) -> (String, Value) {
    (name.to_string(), Value::Text(value.to_string()))
}

fn object(id: &str, kind: ObjectType, attributes: Vec<(String, Value)>) -> Object {
    Object {
        id: id.into(),
        kind,
        attributes,
    }
}

fn event(id: &str, kind: EventType, time: &str, objects: &[(&str, &str)]) -> Event {
    Event {
        id: id.into(),
        kind,
        time: at(time),
        attributes: Vec::new(),
        objects: objects
            .iter()
            .map(|(o, q)| ((*o).to_string(), (*q).to_string()))
            .collect(),
    }
}

fn relation(source: &str, target: &str, qualifier: &str) -> Relation {
    Relation {
        source: source.into(),
        target: target.into(),
        qualifier: qualifier.into(),
    }
}

/// Two commits released in a tag, with every kind of value.
fn release() -> Batch {
    let commit = |id: &str, title: &str| {
        object(
            id,
            ObjectType::Commit,
            vec![
                text("title", title),
                ("merge".into(), Value::Bool(false)),
                ("parents".into(), Value::Integer(1)),
            ],
        )
    };
    let mut tagged = event(
        "git:tag/v1.0.0/created",
        EventType::TagCreated,
        "2024-03-01T12:00:00Z",
        &[("git:tag/v1.0.0", "release"), ("git:b", "commit")],
    );
    tagged.attributes = vec![
        text("tag", "v1.0.0"),
        ("score".into(), Value::Float(0.5)),
        ("at".into(), Value::Time(at("2024-03-01T12:00:00.25Z"))),
    ];
    Batch {
        objects: vec![
            commit("git:a", "First"),
            commit("git:b", "Second"),
            object(
                "git:tag/v1.0.0",
                ObjectType::Release,
                vec![text("tag", "v1.0.0")],
            ),
        ],
        events: vec![
            event(
                "git:a/authored",
                EventType::CommitAuthored,
                "2024-02-01T10:00:00Z",
                &[("git:a", "commit")],
            ),
            event(
                "git:b/authored",
                EventType::CommitAuthored,
                "2024-02-02T10:00:00+01:00",
                &[("git:b", "commit")],
            ),
            tagged,
        ],
        relations: vec![
            relation("git:a", "git:tag/v1.0.0", "released_in"),
            relation("git:b", "git:tag/v1.0.0", "released_in"),
        ],
        owned: Vec::new(),
    }
}

fn tally(counts: &Counts, row: &str) -> (usize, usize, usize, usize, usize) {
    let (_, t) = counts
        .rows()
        .into_iter()
        .find(|(label, _)| label == row)
        .unwrap_or_else(|| panic!("no row {row} in {counts:?}"));
    (t.read, t.new, t.updated, t.unchanged, t.skipped_count())
}

#[test]
fn a_batch_written_twice_is_stored_once_and_the_second_write_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".vsm/events.sqlite");
    let mut store = Store::open(&path).unwrap();
    let first = store.write(&release()).unwrap();
    assert_eq!(tally(&first, "object commit"), (2, 2, 0, 0, 0));
    assert_eq!(tally(&first, "event commit_authored"), (2, 2, 0, 0, 0));
    assert_eq!(tally(&first, "relation released_in"), (2, 2, 0, 0, 0));
    assert!(!first.changed_nothing());
    let dump = store.dump().unwrap();
    assert_eq!(store.problems().unwrap(), Vec::<String>::new());

    let second = store.write(&release()).unwrap();
    assert!(second.changed_nothing(), "{second:?}");
    assert_eq!(tally(&second, "object commit"), (2, 0, 0, 2, 0));
    assert_eq!(tally(&second, "event tag_created"), (1, 0, 0, 1, 0));
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.dump().unwrap(), dump);
    // The times as pandas writes them; the initial values of an object at the epoch.
    assert!(
        dump.contains(r#""git:b/authored" | "2024-02-02 09:00:00+00:00""#),
        "{dump}"
    );
    assert!(
        dump.contains(r#""2024-03-01 12:00:00.250000+00:00""#),
        "{dump}"
    );
    assert!(
        dump.contains(r#"0 | NULL | "git:a" | "1970-01-01 00:00:00+00:00" | 1 | "First""#),
        "{dump}"
    );
}

#[test]
fn an_event_s_time_is_read_back_by_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("events.sqlite")).unwrap();
    assert_eq!(store.event_time("git:b/authored").unwrap(), None);
    store.write(&release()).unwrap();
    assert_eq!(
        store.event_time("git:b/authored").unwrap(),
        Some(at("2024-02-02T09:00:00Z"))
    );
    assert_eq!(store.event_time("git:a").unwrap(), None);
}

#[test]
fn changes_update_in_place_and_what_cannot_be_written_is_skipped_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("events.sqlite")).unwrap();
    store.write(&release()).unwrap();

    let mut changed = release();
    // A new title; an attribute another source does not know stays as it is.
    changed.objects[0].attributes = vec![text("title", "First, reworded")];
    changed.events[0].time = at("2024-02-01T11:00:00Z");
    changed.events.push(event(
        "git:c/authored",
        EventType::CommitAuthored,
        "2024-02-03T10:00:00Z",
        &[("git:c", "commit")],
    ));
    changed.events.push(event(
        "git:tag/v1.0.0/authored",
        EventType::CommitAuthored,
        "2024-02-03T10:00:00Z",
        &[("git:tag/v1.0.0", "commit")],
    ));
    changed
        .objects
        .push(object("git:a", ObjectType::Deployment, Vec::new()));
    changed.objects.push(object(
        "git:d",
        ObjectType::Commit,
        vec![text("Title", "x")],
    ));
    changed
        .relations
        .push(relation("git:a", "git:nowhere", "released_in"));
    let counts = store.write(&changed).unwrap();
    assert_eq!(tally(&counts, "object commit"), (3, 0, 1, 1, 1));
    assert_eq!(tally(&counts, "object deployment"), (1, 0, 0, 0, 1));
    assert_eq!(tally(&counts, "event commit_authored"), (4, 0, 1, 1, 2));
    assert_eq!(tally(&counts, "relation released_in"), (3, 0, 0, 2, 1));
    let reasons: Vec<String> = counts
        .rows()
        .iter()
        .flat_map(|(_, t)| t.skipped.keys().cloned())
        .collect();
    assert_eq!(
        reasons,
        [
            "its attribute `Title` is not a column name (lowercase letters, digits and `_`, not starting with `ocel_`)",
            "its id is in the store as a `commit`",
            "an object it names is not in the store",
            "its main object `git:tag/v1.0.0` is a `release`, not a `commit`",
            "its target object is not in the store",
        ]
    );
    let dump = store.dump().unwrap();
    assert!(
        dump.contains(r#"NULL | "git:a" | "1970-01-01 00:00:00+00:00" | 1 | "First, reworded""#),
        "{dump}"
    );
    assert!(
        dump.contains(r#""git:a/authored" | "2024-02-01 11:00:00+00:00""#),
        "{dump}"
    );
    assert_eq!(store.problems().unwrap(), Vec::<String>::new());
    // Written again: nothing changes.
    assert!(store.write(&changed).unwrap().changed_nothing());
}

#[test]
fn the_fetch_cursor_moves_with_its_batch_and_a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.cursor("git:/repo").unwrap(), None);
    let cursor = Cursor {
        source: "git:/repo",
        cursor: Some("abc"),
        fetched_at: at("2026-01-01T00:00:00Z"),
    };
    store.write_fetched(&release(), &cursor).unwrap();
    assert_eq!(store.cursor("git:/repo").unwrap().as_deref(), Some("abc"));
    drop(store);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 7)
        .unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::TooNew { found: 7, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .ends_with("use a newer vsm (or fetch into another file with -o)"),
        "{error}"
    );
    // Another program's database is refused untouched, not filled with the OCEL tables.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER); INSERT INTO invoices VALUES (1);")
        .unwrap();
    let before = std::fs::read(&other).unwrap();
    let error = Store::open(&other).unwrap_err();
    assert!(matches!(error, StoreError::Foreign { .. }), "{error:?}");
    assert!(
        error.to_string().ends_with(
            "(it has the tables invoices); give the event store a file of its own with -o"
        ),
        "{error}"
    );
    assert_eq!(std::fs::read(&other).unwrap(), before);
}

/// A store opened to read changes nothing: an empty file (which opening to write used to fill
/// with the schema), another program's database, a schema of another version and a missing file
/// are each refused as they are, with what to do; a store reads as written.
#[test]
fn opening_to_read_changes_no_file_and_refuses_what_is_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str| dir.path().join(name);
    let read = |name: &str| Store::open_read_only(&file(name)).unwrap_err();
    std::fs::write(file("empty.sqlite"), "").unwrap();
    let error = read("empty.sqlite");
    assert!(
        matches!(&error, StoreError::NotAStore { why, .. } if why == "it is empty"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("make one with `vsm fetch git REPOSITORY -o ")
    );
    rusqlite::Connection::open(file("other.db"))
        .unwrap()
        .execute_batch("CREATE TABLE invoices (id INTEGER);")
        .unwrap();
    let other = std::fs::read(file("other.db")).unwrap();
    let error = read("other.db");
    assert!(
        error
            .to_string()
            .contains("(it is a database of something else, with the tables invoices)"),
        "{error}"
    );
    let error = read("missing.sqlite");
    assert!(matches!(error, StoreError::Missing { .. }), "{error:?}");
    let mut store = Store::open(&file("events.sqlite")).unwrap();
    store.write(&release()).unwrap();
    let written = store.dump().unwrap();
    drop(store);
    let bytes = std::fs::read(file("events.sqlite")).unwrap();
    assert_eq!(
        Store::open_read_only(&file("events.sqlite"))
            .unwrap()
            .dump()
            .unwrap(),
        written
    );
    for version in [0, 7] {
        rusqlite::Connection::open(file("events.sqlite"))
            .unwrap()
            .pragma_update(None, "user_version", version)
            .unwrap();
        let error = read("events.sqlite");
        let expected = if version == 0 { "NotAStore" } else { "TooNew" };
        assert!(format!("{error:?}").starts_with(expected), "{error:?}");
    }
    assert_eq!(std::fs::read(file("empty.sqlite")).unwrap(), b"");
    assert_eq!(std::fs::read(file("other.db")).unwrap(), other);
    assert!(!file("missing.sqlite").exists());
    // Reading the store wrote nothing into it (its journal settles into it on close).
    assert_eq!(
        std::fs::read(file("events.sqlite")).unwrap().len(),
        bytes.len()
    );
}

#[test]
fn the_rules_catch_a_file_that_breaks_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.write(&release()).unwrap();
    drop(store);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO event_object VALUES ('git:a/authored', 'git:gone', 'commit');
         UPDATE event_commit_authored SET ocel_time = 'yesterday' WHERE ocel_id = 'git:a/authored';
         CREATE TABLE object_stray (ocel_id TEXT);",
    )
    .unwrap();
    drop(c);
    let problems = Store::open(&path).unwrap().problems().unwrap();
    assert_eq!(
        problems,
        ["the table `object_stray` is not in `object_map_type`"]
    );
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE object_stray")
        .unwrap();
    let problems = Store::open(&path).unwrap().problems().unwrap();
    assert_eq!(
        problems,
        [
            "1 rows reference rows that do not exist",
            "`event_commit_authored` has the time `yesterday`, which does not parse",
        ]
    );
}

/// pm4py reads the file and its relational validation passes, where Python has pm4py.
#[test]
fn pm4py_reads_the_store_and_finds_it_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.write(&release()).unwrap();
    drop(store);
    let script = r#"
import sys, warnings
try:
    import pm4py
    from pm4py.objects.ocel.validation import ocel20_rel_validation
except ImportError as e:
    print("MISSING", e); sys.exit(0)
satisfied, unsatisfied = ocel20_rel_validation.apply(sys.argv[1])
print("UNSATISFIED", sorted(unsatisfied))
ocel = pm4py.read_ocel2_sqlite(sys.argv[1])
print("EVENTS", len(ocel.events), "OBJECTS", len(ocel.objects), "E2O", len(ocel.relations), "O2O", len(ocel.o2o))
print("TIMES", sorted(str(t) for t in ocel.events["ocel:timestamp"]))
"#;
    let output = match Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            println!("SKIPPED pm4py test: python3 cannot run ({e})");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    if let Some(missing) = stdout.lines().find(|l| l.starts_with("MISSING")) {
        println!(
            "SKIPPED pm4py test: pm4py is not installed ({missing}); `pip install pm4py` to run it"
        );
        return;
    }
    assert!(stdout.contains("UNSATISFIED []"), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("EVENTS 3 OBJECTS 3 E2O 4 O2O 2"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("TIMES ['2024-02-01 10:00:00+00:00', '2024-02-02 09:00:00+00:00', '2024-03-01 12:00:00+00:00']"),
        "{stdout}\n{stderr}"
    );
}

/// Forty batches of a growing history: commits (each batch repeats half of the one before),
/// their events, and five issues whose status changes every batch.
fn history() -> Vec<Batch> {
    (0..40_usize)
        .map(|k| {
            let mut batch = Batch::default();
            for n in k * 50..k * 50 + 100 {
                let id = format!("git:{n:040x}");
                batch.objects.push(object(
                    &id,
                    ObjectType::Commit,
                    vec![text("title", &format!("Commit {n}"))],
                ));
                let time = jiff::Timestamp::from_second(1_700_000_000 + n as i64 * 600).unwrap();
                batch.events.push(Event {
                    id: format!("{id}/authored"),
                    kind: EventType::CommitAuthored,
                    time,
                    attributes: Vec::new(),
                    objects: vec![(id.clone(), "commit".into())],
                });
                batch
                    .relations
                    .push(relation(&id, &format!("jira:P-{}", n % 5), "implements"));
            }
            for i in 0..5 {
                let issue = format!("jira:P-{i}");
                batch.objects.insert(
                    0,
                    object(
                        &issue,
                        ObjectType::Issue,
                        vec![text("status", &format!("s{k}"))],
                    ),
                );
                let mut changed = event(
                    &format!("{issue}/status"),
                    EventType::IssueStatusChanged,
                    "2024-01-01T00:00:00Z",
                    &[(&issue, "issue")],
                );
                changed.time =
                    jiff::Timestamp::from_second(1_700_000_000 + k as i64 * 3_600).unwrap();
                changed.attributes = vec![text("to", &format!("s{k}"))];
                batch.events.push(changed);
            }
            batch
        })
        .collect()
}

const CHILD_DB: &str = "VSM_EVENTS_CHILD_DB";

/// Not a test on its own: the writer the kill test starts as a child process. It writes the
/// whole history, one batch per transaction.
#[test]
#[ignore = "run by the kill test as a child process"]
fn writer_child() {
    let Ok(db) = std::env::var(CHILD_DB) else {
        return;
    };
    let mut store = Store::open(Path::new(&db)).unwrap();
    for batch in history() {
        store.write(&batch).unwrap();
    }
}

fn child(db: &Path) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "writer_child",
            "--ignored",
            "--test-threads",
            "1",
        ])
        .env(CHILD_DB, db)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_writer_killed_at_any_instant_and_run_again_ends_as_one_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let clean = dir.path().join("clean.sqlite");
    let status = child(&clean).wait_with_output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let expected = Store::open(&clean).unwrap().dump().unwrap();

    let db = dir.path().join("killed.sqlite");
    let mut interrupted = 0;
    for round in 0..16_u64 {
        let mut writer = child(&db);
        std::thread::sleep(Duration::from_millis(30 + (round * 37) % 400));
        if writer.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        writer.kill().unwrap();
        writer.wait().unwrap();
        // Whatever the kill cut short, the file is whole and keeps the rules.
        let store = Store::open(&db).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(
            store.problems().unwrap(),
            Vec::<String>::new(),
            "round {round}"
        );
    }
    assert!(
        interrupted >= 8,
        "only {interrupted} of 16 kills hit a running writer"
    );
    let status = child(&db).wait_with_output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let store = Store::open(&db).unwrap();
    assert_eq!(store.dump().unwrap(), expected);
}

/// A deployment read in full (`Owned::Links`) with a corrected commit: its `deploys` link and its
/// event's commit are replaced, not added to. A batch that does not read it in full only adds.
#[test]
fn an_object_read_in_full_replaces_its_links_and_its_events_objects() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.sqlite")).unwrap();
    let deployment = |commit: &str, owned: bool| Batch {
        objects: vec![
            object("git:a", ObjectType::Commit, Vec::new()),
            object("git:b", ObjectType::Commit, Vec::new()),
            object("d1", ObjectType::Deployment, vec![text("commit", commit)]),
        ],
        events: vec![event(
            "d1/started",
            EventType::DeploymentStarted,
            "2024-01-01T00:00:00Z",
            &[("d1", "deployment"), (commit, "commit")],
        )],
        relations: vec![relation("d1", commit, "deploys")],
        owned: if owned {
            vec![vsm_events::Owned::Links {
                object: "d1".into(),
                qualifiers: vec!["deploys".into()],
            }]
        } else {
            Vec::new()
        },
    };
    store.write(&deployment("git:a", true)).unwrap();
    let added = store.write(&deployment("git:b", false)).unwrap();
    assert_eq!(store.relations("deploys").unwrap().len(), 2);
    assert_eq!(added.relations["deploys"].removed, 0);
    let replaced = store.write(&deployment("git:b", true)).unwrap();
    assert_eq!(replaced.relations["deploys"].removed, 1);
    assert_eq!(
        store.relations("deploys").unwrap(),
        [("d1".to_string(), "git:b".to_string())]
    );
    let dumped = store.dump().unwrap();
    assert!(
        !dumped
            .lines()
            .any(|l| l.contains("d1/started") && l.contains("git:a")),
        "{dumped}"
    );
    assert!(
        dumped
            .lines()
            .any(|l| l.contains("d1/started") && l.contains("git:b")),
        "{dumped}"
    );
    assert!(
        store
            .write(&deployment("git:b", true))
            .unwrap()
            .changed_nothing()
    );
}
