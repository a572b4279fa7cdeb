//! What a write did: per object type, event type and relation qualifier, how many were read,
//! new, updated, unchanged and skipped (and why).

use std::collections::BTreeMap;

use crate::model::{EventType, ObjectType};

/// The counts of one object type, event type or relation qualifier.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// In the batches written.
    pub read: usize,
    /// Not in the store before.
    pub new: usize,
    /// In the store with other values; now as read.
    pub updated: usize,
    /// In the store as read.
    pub unchanged: usize,
    /// In the store but no longer at the source (a tag deleted, a link corrected): taken away.
    pub removed: usize,
    /// Not written, by reason (the reason says what to do).
    pub skipped: BTreeMap<String, Skipped>,
}

/// Items skipped for one reason: how many, and the first one's id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub count: usize,
    pub example: String,
}

impl Tally {
    /// How many were skipped, for all reasons.
    pub fn skipped_count(&self) -> usize {
        self.skipped.values().map(|s| s.count).sum()
    }

    pub(crate) fn skip(&mut self, reason: String, id: &str) {
        self.skipped
            .entry(reason)
            .and_modify(|s| s.count += 1)
            .or_insert_with(|| Skipped {
                count: 1,
                example: id.to_string(),
            });
    }

    fn add(&mut self, other: &Tally) {
        self.read += other.read;
        self.new += other.new;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.removed += other.removed;
        for (reason, skipped) in &other.skipped {
            self.skipped
                .entry(reason.clone())
                .and_modify(|s| s.count += skipped.count)
                .or_insert_with(|| skipped.clone());
        }
    }
}

/// What one or more writes did, by type. Types with nothing read are absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub objects: BTreeMap<ObjectType, Tally>,
    pub events: BTreeMap<EventType, Tally>,
    /// Object-to-object relations, by qualifier (`released_in`, `deployed_by`...).
    pub relations: BTreeMap<String, Tally>,
}

impl Counts {
    /// Adds what another write did.
    pub fn add(&mut self, other: &Counts) {
        for (kind, tally) in &other.objects {
            self.objects.entry(*kind).or_default().add(tally);
        }
        for (kind, tally) in &other.events {
            self.events.entry(*kind).or_default().add(tally);
        }
        for (qualifier, tally) in &other.relations {
            self.relations
                .entry(qualifier.clone())
                .or_default()
                .add(tally);
        }
    }

    /// Every row, labelled: `object commit`, `event commit_authored`, `relation released_in`.
    pub fn rows(&self) -> Vec<(String, &Tally)> {
        let objects = self
            .objects
            .iter()
            .map(|(k, t)| (format!("object {}", k.as_str()), t));
        let events = self
            .events
            .iter()
            .map(|(k, t)| (format!("event {}", k.as_str()), t));
        let relations = self
            .relations
            .iter()
            .map(|(q, t)| (format!("relation {q}"), t));
        objects.chain(events).chain(relations).collect()
    }

    /// Whether the writes changed nothing: no row new, updated or removed.
    pub fn changed_nothing(&self) -> bool {
        self.rows()
            .iter()
            .all(|(_, t)| t.new == 0 && t.updated == 0 && t.removed == 0)
    }
}
