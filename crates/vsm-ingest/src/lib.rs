//! Event readers: CSV, JSON Lines, XES (plain or gzip) and OCEL 2.0 logs (JSON, XML, SQLite) in, item traces out.
//!
//! Readers stream. They hand each item's events to a [`TraceSink`] as soon as the item is
//! complete (XES groups events by trace, so memory holds one trace at a time), and they count
//! what they read, used and skipped. Errors carry the file's place: line or byte offset, and the
//! column or field.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

mod error;
mod guard;
mod names;
pub mod ocel;
pub mod source;
pub mod tabular;
pub mod timestamp;
pub mod xes;

pub use error::{IngestError, Limits, Place, Problem, ReadError, human_size, parse_size};
pub use names::Names;
pub use timestamp::{TimestampError, TimestampParser};

/// Where an event sits in an activity's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lifecycle {
    /// `start`: work on the activity began.
    Start,
    /// `complete` (or no lifecycle at all): the activity finished.
    Complete,
    /// Anything else (`schedule`, `assign`, `suspend`...), kept but not paired.
    Other,
}

impl Lifecycle {
    /// Reads a lifecycle value in any case (`START`, `start`, `Complete`).
    pub fn parse(text: &str) -> Lifecycle {
        if text.eq_ignore_ascii_case("complete") {
            Lifecycle::Complete
        } else if text.eq_ignore_ascii_case("start") {
            Lifecycle::Start
        } else {
            Lifecycle::Other
        }
    }
}

/// One event, compact: names are interned in [`Names`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// Index of the activity name.
    pub activity: u32,
    /// Milliseconds since the Unix epoch, UTC.
    pub timestamp: i64,
    /// An explicit start timestamp (interval logs), in milliseconds.
    pub start: Option<i64>,
    pub lifecycle: Lifecycle,
    /// Index of the resource name, if the event names one.
    pub resource: Option<u32>,
}

/// The attributes kept for one event (see [`ReadOptions::attributes`]): pairs of the attribute's
/// position in that list and the value's index in [`xes::LogNames::values`].
pub type Attributes = Vec<(u32, u32)>;

/// One item (case) and its events in file order.
#[derive(Debug)]
pub struct Trace<'a> {
    pub item: &'a str,
    pub events: &'a [Event],
    /// Per event, the attributes asked for; empty when none were.
    pub attributes: &'a [Attributes],
    /// Resolves the events' activity indices (names known so far).
    pub activities: &'a Names,
    /// Resolves attribute values.
    pub values: &'a Names,
    /// Object-centric logs only (else empty): per event, the object it reached the item through
    /// (the item's own object, or one reached through a followed link), by its place in
    /// [`Trace::objects`].
    pub origins: &'a [u32],
    /// Object-centric logs only (else empty): the log's objects.
    pub objects: &'a [ocel::LogObject],
}

/// What a sink asks of the reader after an item: go on, or end the read there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Receives the items of a log, one at a time, and may end the read early or fail (ripgrep's
/// `Sink` is the model).
///
/// A read hands on items until the log ends, the sink answers [`Flow::Stop`] (the read ends
/// promptly, and its [`ImportStats`] count what was handed on by then), or something fails: the
/// log (a [`ReadError::Ingest`]) or the sink (its own error, as [`ReadError::Sink`]).
pub trait TraceSink {
    /// What the sink fails with; [`std::convert::Infallible`] for a sink that cannot.
    type Error;

    /// Takes one item.
    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Self::Error>;

    /// Called once when the read ends, after the last item, whether the log ended or the sink
    /// stopped it; not after an error.
    fn finish(&mut self, stats: &ImportStats) -> Result<(), Self::Error> {
        let _ = stats;
        Ok(())
    }
}

/// Ends a read: tells the sink, and hands back what was read.
pub(crate) fn finished<S: TraceSink>(
    sink: &mut S,
    stats: ImportStats,
) -> Result<ImportStats, ReadError<S::Error>> {
    sink.finish(&stats).map_err(ReadError::Sink)?;
    Ok(stats)
}

/// What an import read, used and skipped, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Events found in the file.
    pub events_read: u64,
    /// Events handed on.
    pub events_used: u64,
    /// Items (traces, cases) handed on.
    pub items: u64,
    /// Events left out, with the reason and where (capped to the first 20 listed).
    pub skipped: Vec<Skipped>,
    pub skipped_count: u64,
    /// Object-centric logs: events that relate to no object of the chosen type (nor to one
    /// reached through a followed link), by event type. Not bad input, so not skipped: they
    /// belong to other objects' journeys.
    pub other_objects: BTreeMap<String, u64>,
}

/// An event left out under `--skip-invalid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub place: Place,
    pub reason: String,
}

impl ImportStats {
    /// Keeps the first few skipped events for the report; counts all of them.
    pub fn skip(&mut self, place: Place, reason: String) {
        self.skipped_count += 1;
        if self.skipped.len() < Self::LISTED {
            self.skipped.push(Skipped { place, reason });
        }
    }

    /// How many skipped events are listed (all are counted).
    pub const LISTED: usize = 20;

    /// Counts an event of another object's journey (see [`ImportStats::other_objects`]).
    pub fn of_other_objects(&mut self, activity: &str) {
        match self.other_objects.get_mut(activity) {
            Some(count) => *count += 1,
            None => {
                self.other_objects.insert(activity.to_string(), 1);
            }
        }
    }

    /// How many events relate only to other objects.
    pub fn other_objects_count(&self) -> u64 {
        self.other_objects.values().sum()
    }

    /// Adds the events read and skipped of a part of the log (a parsed segment); items and
    /// used events are counted as they are handed on.
    pub fn absorb(&mut self, part: ImportStats) {
        self.events_read += part.events_read;
        self.skipped_count += part.skipped_count;
        let room = Self::LISTED.saturating_sub(self.skipped.len());
        self.skipped.extend(part.skipped.into_iter().take(room));
        for (activity, count) in part.other_objects {
            *self.other_objects.entry(activity).or_default() += count;
        }
    }
}

/// How to read a log.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    pub timestamps: TimestampParser,
    /// Skip bad events (counted and listed) instead of stopping at the first.
    pub skip_invalid: bool,
    /// Column names for tabular logs, where the defaults do not find them.
    pub columns: tabular::ColumnNames,
    /// For object-centric logs: the object type whose journey is the stream.
    pub object_type: Option<String>,
    /// For object-centric logs: qualifiers of object-to-object links (`implemented_by`,
    /// `merged_as`...). Each item also takes the events of the objects its object reaches
    /// through such links, from source to target, transitively; each event once, in time order.
    pub follow: Vec<String>,
    /// Event attributes to keep (by key or column name), for rules that match on them.
    pub attributes: Vec<String>,
    /// How much text one row, value or trace may hold.
    pub limits: Limits,
}
