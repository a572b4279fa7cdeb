//! The OCEL 2.0 SQLite event store as a log: a small store written with vsm-events, flattened
//! by an object type, with and without following object links; and what is not a store.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use vsm_events::{Batch, Event, EventType, Object, ObjectType, Relation, Store, Value};
use vsm_ingest::source::{self, Format};
use vsm_ingest::{Flow, IngestError, ReadOptions, Trace, TraceSink};

/// An event handed on: its activity, its time in seconds, its `state` if it has one.
type Seen = (String, i64, Option<String>);

/// Each item handed on: its id and its events.
#[derive(Default)]
struct Items(Vec<(String, Vec<Seen>)>);

impl TraceSink for Items {
    type Error = std::convert::Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Self::Error> {
        let events = trace
            .events
            .iter()
            .enumerate()
            .map(|(index, event)| {
                let state = trace
                    .attributes
                    .get(index)
                    .and_then(|kept| kept.first())
                    .map(|&(_, value)| trace.values.get(value).to_string());
                (
                    trace.activities.get(event.activity).to_string(),
                    event.timestamp / 1000,
                    state,
                )
            })
            .collect();
        self.0.push((trace.item.to_string(), events));
        Ok(Flow::Continue)
    }
}

fn at(hour: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_700_000_000 + hour * 3600).unwrap()
}

fn object(id: &str, kind: ObjectType) -> Object {
    Object {
        id: id.into(),
        kind,
        attributes: Vec::new(),
    }
}

fn event(id: &str, kind: EventType, hour: i64, objects: &[&str]) -> Event {
    Event {
        id: id.into(),
        kind,
        time: at(hour),
        attributes: Vec::new(),
        objects: objects
            .iter()
            .map(|o| ((*o).to_string(), "of".to_string()))
            .collect(),
    }
}

fn link(source: &str, target: &str, qualifier: &str) -> Relation {
    Relation {
        source: source.into(),
        target: target.into(),
        qualifier: qualifier.into(),
    }
}

/// An issue with two pull requests; the first approved, merged as a commit that a release
/// shipped. Events are written out of time order.
fn small_store(dir: &Path) -> PathBuf {
    let path = dir.join("events.sqlite");
    let mut approved = event("p1/review", EventType::ReviewSubmitted, 3, &["p1"]);
    approved
        .attributes
        .push(("state".into(), Value::Text("approved".into())));
    let batch = Batch {
        objects: vec![
            object("i1", ObjectType::Issue),
            object("p1", ObjectType::PullRequest),
            object("p2", ObjectType::PullRequest),
            object("c1", ObjectType::Commit),
            object("r1", ObjectType::Release),
        ],
        events: vec![
            event("r1/tag", EventType::TagCreated, 10, &["r1", "c1"]),
            // The merge names the pull request and its commit: the issue gets it once.
            event("p1/merged", EventType::PrMerged, 5, &["p1", "c1"]),
            event("c1/committed", EventType::CommitCommitted, 4, &["c1"]),
            approved,
            event("p2/opened", EventType::PrOpened, 2, &["p2"]),
            event("p1/opened", EventType::PrOpened, 1, &["p1"]),
            event("i1/created", EventType::IssueCreated, 0, &["i1"]),
        ],
        relations: vec![
            link("i1", "p1", "implemented_by"),
            link("i1", "p2", "implemented_by"),
            link("p1", "c1", "merged_as"),
            link("c1", "r1", "released_in"),
        ],
        owned: Vec::new(),
    };
    Store::open(&path).unwrap().write(&batch).unwrap();
    path
}

fn read(path: &Path, options: &ReadOptions) -> Result<Items, IngestError> {
    let mut items = Items::default();
    let (_, _, format) = source::read_log(path, None, options, &mut items)?;
    assert_eq!(format, Format::OcelSqlite);
    Ok(items)
}

/// The message of the error reading `path` gives; a read that succeeds fails the test.
fn read_error(path: &Path, options: &ReadOptions) -> String {
    match read(path, options) {
        Ok(_) => panic!("`{}` is read, though it is bad", path.display()),
        Err(error) => error.to_string(),
    }
}

fn options(object_type: &str, follow: &[&str]) -> ReadOptions {
    ReadOptions {
        object_type: Some(object_type.into()),
        follow: follow.iter().map(ToString::to_string).collect(),
        attributes: vec!["state".into()],
        ..ReadOptions::default()
    }
}

fn activities(events: &[Seen]) -> Vec<&str> {
    events.iter().map(|(a, ..)| a.as_str()).collect()
}

#[test]
fn a_store_is_flattened_by_its_object_type_in_time_order_with_attributes() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_store(dir.path());
    let items = read(&path, &options("pull_request", &[])).unwrap().0;
    let ids: Vec<&str> = items.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["p1", "p2"]);
    let p1 = &items[0].1;
    assert_eq!(
        activities(p1),
        ["pr_opened", "review_submitted", "pr_merged"]
    );
    let base = 1_700_000_000;
    assert_eq!(
        p1[1],
        (
            "review_submitted".to_string(),
            base + 3 * 3600,
            Some("approved".to_string())
        )
    );
    assert_eq!(activities(&items[1].1), ["pr_opened"]);
}

#[test]
fn following_links_gives_an_item_its_related_objects_events_once_each_in_time_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_store(dir.path());
    let follow = ["implemented_by", "merged_as", "released_in"];
    let items = read(&path, &options("issue", &follow)).unwrap().0;
    assert_eq!(items.len(), 1);
    let (id, events) = &items[0];
    assert_eq!(id, "i1");
    assert_eq!(
        activities(events),
        [
            "issue_created",
            "pr_opened",
            "pr_opened",
            "review_submitted",
            "commit_committed",
            "pr_merged",
            "tag_created"
        ]
    );
    let times: Vec<i64> = events.iter().map(|(_, t, _)| *t).collect();
    assert!(times.is_sorted(), "{times:?}");
    // Only the links named are followed.
    let items = read(&path, &options("issue", &["implemented_by"]))
        .unwrap()
        .0;
    assert_eq!(
        activities(&items[0].1),
        [
            "issue_created",
            "pr_opened",
            "pr_opened",
            "review_submitted",
            "pr_merged"
        ]
    );
    // A link is followed from its source to its target, not back.
    let items = read(&path, &options("release", &["released_in"]))
        .unwrap()
        .0;
    assert_eq!(activities(&items[0].1), ["tag_created"]);
}

#[test]
fn an_unknown_link_is_an_error_that_lists_the_links() {
    let dir = tempfile::tempdir().unwrap();
    let path = small_store(dir.path());
    let error = read_error(&path, &options("issue", &["implements"]));
    assert!(
        error.contains("there is no object link `implements` in this log to follow"),
        "{error}"
    );
}

#[test]
fn a_store_from_a_stream_is_an_error_that_asks_for_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(small_store(dir.path())).unwrap();
    for name in ["standard input", "upload.sqlite", "/dev/fd/63"] {
        let mut items = Items::default();
        let error = source::read_from(
            Cursor::new(bytes.clone()),
            name,
            None,
            &options("issue", &[]),
            &mut items,
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            error.contains("the event store is a SQLite file: give its path"),
            "{error}"
        );
    }
}

#[test]
fn a_sqlite_file_that_is_no_event_store_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch("CREATE TABLE object (ocel_id TEXT, ocel_type TEXT);")
        .unwrap();
    drop(connection);
    let error = read_error(&path, &ReadOptions::default());
    assert!(
        error.contains("this SQLite file is not an OCEL 2.0 event store: it has no table `event`, `event_map_type`, `event_object`, `object_object`"),
        "{error}"
    );
    // A name that promises a store and content that is not one.
    let text = dir.path().join("notes.sqlite");
    std::fs::write(&text, "case,activity\n1,a\n").unwrap();
    let error = read_error(&text, &ReadOptions::default());
    assert!(
        error.contains("the name says OCEL 2.0 SQLite but the content looks like CSV"),
        "{error}"
    );
}

/// Found by fuzzing (fuzz/fuzz_targets/ocel_sqlite.rs): rusqlite's `column_names` panics on a
/// column name that is not UTF-8, which a damaged or hostile file can hold: in an event table,
/// and in an object table (read for the objects' names).
#[test]
fn a_column_name_that_is_not_utf8_is_read_not_a_panic() {
    for (kind, of) in [("event", "pr_opened"), ("object", "pull_request")] {
        let dir = tempfile::tempdir().unwrap();
        let path = small_store(dir.path());
        let connection = rusqlite::Connection::open(&path).unwrap();
        let map: String = connection
            .query_row(
                &format!("SELECT ocel_type_map FROM {kind}_map_type WHERE ocel_type = ?1"),
                [of],
                |row| row.get(0),
            )
            .unwrap();
        connection
            .execute_batch(&format!(
                "ALTER TABLE \"{kind}_{map}\" ADD COLUMN zzzzz TEXT; PRAGMA journal_mode=DELETE;"
            ))
            .unwrap();
        drop(connection);
        // The schema's text names the column once: make its name bytes that are not UTF-8.
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.windows(5).position(|w| w == b"zzzzz").unwrap();
        bytes[at..at + 3].copy_from_slice(b"\xff\xfe\xfd");
        std::fs::write(&path, bytes).unwrap();
        let items = read(&path, &options("issue", &["implemented_by"])).unwrap();
        assert!(!items.0.is_empty(), "{kind}");
    }
}
