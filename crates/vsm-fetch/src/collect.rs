//! Gathering pages into one batch: what was read twice is kept once, and counted.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use vsm_events::{Batch, Event, EventType, Object, ObjectType, Relation, Value};

/// What one page of a response (or a folder of them) gave: the objects, events and links, and
/// the counts of what was read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub batch: Batch,
    pub report: Report,
}

/// Counts of what was read, for the summary a run ends with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Response pages read.
    pub pages: usize,
    /// Items (array entries) the pages held.
    pub items: usize,
    /// Events read more than once and kept once, by event type: an item the responses hold twice
    /// (pull request #4 twice gives one `pr_opened` and one `pr_merged`), or a commit listed by two
    /// pull requests. (Objects named by several items, such as an issue in many issue events, are
    /// merged without being counted.)
    pub duplicates: BTreeMap<String, usize>,
    /// Items read but not turned into anything, by reason.
    pub skipped: BTreeMap<String, usize>,
    /// Jira statuses that changes name but the status list lacks (`10029 待发布`), with the number
    /// of changes naming each; their category is `unknown`.
    pub unknown_statuses: BTreeMap<String, usize>,
}

impl Report {
    fn add(&mut self, other: Report) {
        self.pages += other.pages;
        self.items += other.items;
        for (into, from) in [
            (&mut self.duplicates, other.duplicates),
            (&mut self.skipped, other.skipped),
            (&mut self.unknown_statuses, other.unknown_statuses),
        ] {
            for (key, count) in from {
                *into.entry(key).or_default() += count;
            }
        }
    }
}

/// Gathers what parsers read into one batch, as a client feeds pages one at a time.
///
/// An object read twice is kept once, in its first place, with its attributes merged (a later
/// value replaces an earlier one of the same name); an event read twice is kept once, as last
/// read, and counted in [`Report::duplicates`]; a link read twice is kept once.
#[derive(Debug, Default)]
pub struct Collector {
    batch: Batch,
    object_at: HashMap<String, usize>,
    event_at: HashMap<String, usize>,
    relations: HashSet<Relation>,
    report: Report,
}

impl Collector {
    pub fn new() -> Collector {
        Collector::default()
    }

    /// Adds a parsed page.
    pub fn add(&mut self, page: Page) {
        for object in page.batch.objects {
            self.add_object(object);
        }
        for event in page.batch.events {
            self.add_event(event);
        }
        for relation in page.batch.relations {
            self.add_relation(relation);
        }
        for owned in page.batch.owned {
            if !self.batch.owned.contains(&owned) {
                self.batch.owned.push(owned);
            }
        }
        self.report.add(page.report);
    }

    /// The batch and the counts.
    pub fn finish(self) -> (Batch, Report) {
        (self.batch, self.report)
    }

    /// What was gathered so far.
    pub fn batch(&self) -> &Batch {
        &self.batch
    }

    /// The batch and counts as one [`Page`].
    pub(crate) fn into_page(self) -> Page {
        Page {
            batch: self.batch,
            report: self.report,
        }
    }

    /// A collector for one page of `items` entries.
    pub(crate) fn for_page(items: usize) -> Collector {
        let mut page = Collector::new();
        page.report.pages = 1;
        page.report.items = items;
        page
    }

    pub(crate) fn skip(&mut self, reason: impl Into<String>) {
        *self.report.skipped.entry(reason.into()).or_default() += 1;
    }

    pub(crate) fn unknown_status(&mut self, status: String) {
        *self.report.unknown_statuses.entry(status).or_default() += 1;
    }

    /// Adds an object with the attributes that are present.
    pub(crate) fn object(
        &mut self,
        id: &str,
        kind: ObjectType,
        attributes: Vec<(&str, Option<Value>)>,
    ) {
        self.add_object(Object {
            id: id.to_string(),
            kind,
            attributes: present(attributes),
        });
    }

    /// Adds an event with the attributes that are present; its main object comes first.
    pub(crate) fn event(
        &mut self,
        id: String,
        kind: EventType,
        time: Timestamp,
        attributes: Vec<(&str, Option<Value>)>,
        objects: Vec<(&str, &str)>,
    ) {
        self.add_event(Event {
            id,
            kind,
            time,
            attributes: present(attributes),
            objects: objects
                .into_iter()
                .map(|(id, qualifier)| (id.to_string(), qualifier.to_string()))
                .collect(),
        });
    }

    /// Says the object is read in full here: its outgoing links with these qualifiers, and its
    /// events' links, are as this read gives them (see [`vsm_events::Owned::Links`]).
    pub(crate) fn read_in_full(&mut self, id: &str, qualifiers: &[&str]) {
        let owned = vsm_events::Owned::Links {
            object: id.to_string(),
            qualifiers: qualifiers.iter().map(ToString::to_string).collect(),
        };
        if !self.batch.owned.contains(&owned) {
            self.batch.owned.push(owned);
        }
    }

    pub(crate) fn relation(&mut self, source: &str, target: &str, qualifier: &str) {
        self.add_relation(Relation {
            source: source.to_string(),
            target: target.to_string(),
            qualifier: qualifier.to_string(),
        });
    }

    fn add_object(&mut self, object: Object) {
        let Some(&at) = self.object_at.get(&object.id) else {
            self.object_at
                .insert(object.id.clone(), self.batch.objects.len());
            self.batch.objects.push(object);
            return;
        };
        let kept = &mut self.batch.objects[at].attributes;
        for (name, value) in object.attributes {
            match kept.iter_mut().find(|(kept_name, _)| *kept_name == name) {
                Some(slot) => slot.1 = value,
                None => kept.push((name, value)),
            }
        }
    }

    fn add_event(&mut self, event: Event) {
        match self.event_at.get(&event.id) {
            Some(&at) => {
                *self
                    .report
                    .duplicates
                    .entry(event.kind.as_str().to_string())
                    .or_default() += 1;
                self.batch.events[at] = event;
            }
            None => {
                self.event_at
                    .insert(event.id.clone(), self.batch.events.len());
                self.batch.events.push(event);
            }
        }
    }

    fn add_relation(&mut self, relation: Relation) {
        if self.relations.insert(relation.clone()) {
            self.batch.relations.push(relation);
        }
    }
}

fn present(attributes: Vec<(&str, Option<Value>)>) -> Vec<(String, Value)> {
    attributes
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_string(), value?)))
        .collect()
}

/// A text attribute, bounded; none for an absent or empty text.
pub(crate) fn text(value: Option<&str>) -> Option<Value> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| Value::Text(crate::decode::bounded(v)))
}

/// A number attribute.
pub(crate) fn integer(value: u64) -> Option<Value> {
    i64::try_from(value).ok().map(Value::Integer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_kept_once_and_counted() {
        let mut first = Collector::new();
        first.object(
            "github:o/r/pull/4",
            ObjectType::PullRequest,
            vec![("title", text(Some("a"))), ("number", integer(4))],
        );
        first.relation("github:o/r/issues/3", "github:o/r/pull/4", "implemented_by");
        first.event(
            "github:o/r/pull/4/opened".into(),
            EventType::PrOpened,
            Timestamp::UNIX_EPOCH,
            Vec::new(),
            vec![("github:o/r/pull/4", "pull_request")],
        );
        let mut second = Collector::new();
        second.object(
            "github:o/r/pull/4",
            ObjectType::PullRequest,
            vec![("title", text(Some("b"))), ("state", text(Some("closed")))],
        );
        second.relation("github:o/r/issues/3", "github:o/r/pull/4", "implemented_by");
        second.event(
            "github:o/r/pull/4/opened".into(),
            EventType::PrOpened,
            Timestamp::UNIX_EPOCH,
            Vec::new(),
            vec![("github:o/r/pull/4", "pull_request")],
        );
        let mut all = Collector::new();
        all.add(first.into_page());
        all.add(second.into_page());
        let (batch, report) = all.finish();
        assert_eq!(batch.objects.len(), 1);
        let names: Vec<_> = batch.objects[0]
            .attributes
            .iter()
            .map(|(n, v)| (n.as_str(), Some(v.clone())))
            .collect();
        assert_eq!(
            names,
            [
                ("title", text(Some("b"))),
                ("number", integer(4)),
                ("state", text(Some("closed")))
            ]
        );
        assert_eq!((batch.relations.len(), batch.events.len()), (1, 1));
        assert_eq!(report.duplicates, BTreeMap::from([("pr_opened".into(), 1)]));
    }
}
