//! The sources on the recorded real responses in `testdata/api` (Apache DevLake's end-to-end
//! fixtures: GitHub's panjf2000/ants, a GitLab project, a Jira site), on hostile input, and
//! fetched live from a local server that replays them.

mod github;
mod gitlab;
mod hostile;
mod jira;
mod live;
mod replay;
mod webhook;

use std::collections::BTreeMap;

use replay::{page, recorded};

use vsm_events::{Batch, Event, EventType, Object, ObjectType, Value};

fn objects_of(batch: &Batch, kind: ObjectType) -> Vec<&Object> {
    batch.objects.iter().filter(|o| o.kind == kind).collect()
}

fn events_of(batch: &Batch, kind: EventType) -> Vec<&Event> {
    batch.events.iter().filter(|e| e.kind == kind).collect()
}

fn object<'a>(batch: &'a Batch, id: &str) -> &'a Object {
    batch
        .objects
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("no object {id}"))
}

fn attribute<'a>(attributes: &'a [(String, Value)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| match v {
            Value::Text(text) => Some(text.as_str()),
            _ => None,
        })
}

/// How many events of each type: `{"pr_opened": 49, ...}`.
fn event_counts(batch: &Batch) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for event in &batch.events {
        *counts.entry(event.kind.as_str()).or_default() += 1;
    }
    counts
}

/// How many of `events` have each value of the text attribute `name`.
fn tally<'a>(events: &[&'a Event], name: &str) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for event in events {
        *counts
            .entry(attribute(&event.attributes, name).unwrap_or_default())
            .or_default() += 1;
    }
    counts
}

/// The targets of `source`'s links with `qualifier`.
fn linked<'a>(batch: &'a Batch, source: &str, qualifier: &str) -> Vec<&'a str> {
    if qualifier == vsm_fetch::IMPLEMENTED_BY {
        return mentioning(batch)
            .into_iter()
            .filter(|(issue, _)| *issue == source)
            .map(|(_, pull_request)| pull_request)
            .collect();
    }
    batch
        .relations
        .iter()
        .filter(|r| r.source == source && r.qualifier == qualifier)
        .map(|r| r.target.as_str())
        .collect()
}

/// (issue, pull request) for each issue a pull request mentions: the store makes its
/// `implemented_by` links from these once the issue is in it.
fn mentioning(batch: &Batch) -> Vec<(&str, &str)> {
    batch
        .objects
        .iter()
        .flat_map(|o| {
            attribute(&o.attributes, "mentions")
                .unwrap_or_default()
                .split_whitespace()
                .map(|issue| (issue, o.id.as_str()))
        })
        .collect()
}

/// Every event's objects and every link's ends are in the batch or are issues named by a pull
/// request (those may live in another source), and ids are unique.
fn assert_consistent(batch: &Batch) {
    let ids: std::collections::HashSet<&str> =
        batch.objects.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids.len(), batch.objects.len(), "object ids repeat");
    let events: std::collections::HashSet<&str> =
        batch.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(events.len(), batch.events.len(), "event ids repeat");
    for event in &batch.events {
        assert_eq!(
            object(batch, &event.objects[0].0).kind,
            event.kind.object_type(),
            "{}",
            event.id
        );
        for (id, _) in &event.objects {
            assert!(ids.contains(id.as_str()), "{} names {id}", event.id);
        }
    }
    for relation in &batch.relations {
        assert!(ids.contains(relation.target.as_str()), "{relation:?}");
        assert!(
            ids.contains(relation.source.as_str()) || relation.qualifier == "implemented_by",
            "{relation:?}"
        );
    }
}
