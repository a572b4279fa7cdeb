//! What the fuzz targets share: a sink that checks every trace a reader hands on, and the
//! checks on a reader's result (its counts add up, its errors are short, located and helpful).
//!
//! A failed check panics, which libFuzzer reports as a crash with the input that caused it.

use std::convert::Infallible;
use vsm_ingest::xes::LogNames;

use vsm_ingest::{Flow, ImportStats, IngestError, ReadError, ReadOptions, Trace, TraceSink};

/// The longest error message (place, message and help) a reader may give: bad values are quoted
/// shortened, never whole (fuzz inputs are at most a few dozen KiB, so a whole-field quote shows).
pub const MAX_MESSAGE: usize = 2_000;

/// Attribute names asked for when a target's mode asks for attributes.
pub const ATTRIBUTES: [&str; 3] = ["org:resource", "concept:name", "cost"];

/// Reading options from a target's mode byte: bit 0 skips invalid events, bit 1 keeps
/// attributes.
pub fn options(mode: u8) -> ReadOptions {
    ReadOptions {
        skip_invalid: mode & 1 != 0,
        attributes: if mode & 2 != 0 {
            ATTRIBUTES.iter().map(|a| (*a).to_string()).collect()
        } else {
            Vec::new()
        },
        ..ReadOptions::default()
    }
}

/// Counts what a reader hands on, and checks each trace as it comes.
#[derive(Debug)]
pub struct CheckingSink {
    attributes_asked: usize,
    pub traces: u64,
    pub events: u64,
    /// The largest resource index seen (checked against the log's names at the end).
    pub max_resource: Option<u32>,
}

impl CheckingSink {
    pub fn new(options: &ReadOptions) -> Self {
        CheckingSink {
            attributes_asked: options.attributes.len(),
            traces: 0,
            events: 0,
            max_resource: None,
        }
    }
}

impl TraceSink for CheckingSink {
    type Error = Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Infallible> {
        self.traces += 1;
        self.events += trace.events.len() as u64;
        for event in trace.events {
            assert!(
                (event.activity as usize) < trace.activities.len(),
                "activity index {} out of {} names",
                event.activity,
                trace.activities.len()
            );
            if let Some(resource) = event.resource {
                self.max_resource = Some(self.max_resource.map_or(resource, |m| m.max(resource)));
            }
        }
        if self.attributes_asked == 0 {
            assert!(
                trace.attributes.is_empty(),
                "attributes kept though none were asked for"
            );
        } else {
            assert_eq!(
                trace.attributes.len(),
                trace.events.len(),
                "one attribute list per event"
            );
            for kept in trace.attributes {
                for &(position, value) in kept {
                    assert!((position as usize) < self.attributes_asked);
                    assert!((value as usize) < trace.values.len());
                }
            }
        }
        Ok(Flow::Continue)
    }
}

/// How a reader counts the events it hands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// Every event read is used or skipped, once (XES, CSV, JSON Lines).
    OneToOne,
    /// Object-centric: an event used reaches every item it relates to, and events of other
    /// objects are skipped (counted) even without `skip_invalid`.
    ObjectCentric,
}

/// What a reader returns.
pub type ReadResult = Result<ImportStats, ReadError<Infallible>>;

/// Runs a reader on fresh log names and a [`CheckingSink`], and checks its result.
pub fn read_and_check(
    options: &ReadOptions,
    counting: Counting,
    read: impl FnOnce(&mut LogNames, &mut CheckingSink) -> ReadResult,
) {
    let mut names = LogNames::default();
    let mut sink = CheckingSink::new(options);
    let result = read(&mut names, &mut sink);
    check_result(&result, &names, &sink, options, counting);
}

/// Checks a reader's result against what its sink saw.
pub fn check_result(
    result: &ReadResult,
    names: &LogNames,
    sink: &CheckingSink,
    options: &ReadOptions,
    counting: Counting,
) {
    match result {
        Ok(stats) => {
            assert_eq!(stats.items, sink.traces, "items counted = items handed on");
            match counting {
                Counting::OneToOne => {
                    assert_eq!(
                        stats.events_used, sink.events,
                        "events used = events handed on"
                    );
                    if !options.skip_invalid {
                        assert_eq!(stats.skipped_count, 0, "skipped without --skip-invalid");
                    }
                }
                Counting::ObjectCentric => {
                    assert!(
                        sink.events >= stats.events_used,
                        "each used event reaches at least one item"
                    );
                }
            }
            // Events of other objects' journeys (object-centric logs) are neither used nor bad.
            let other: u64 = stats.other_objects.values().sum();
            assert_eq!(
                stats.events_read,
                stats.events_used + stats.skipped_count + other,
                "every event read is used, skipped or of another object: {stats:?}"
            );
            assert_eq!(
                stats.skipped.len() as u64,
                stats.skipped_count.min(ImportStats::LISTED as u64),
                "the first skipped events are listed"
            );
            for skipped in &stats.skipped {
                assert!(!skipped.reason.is_empty(), "a skip without a reason");
                let shown = format!("{}: {}", skipped.place, skipped.reason);
                assert!(
                    shown.len() <= MAX_MESSAGE,
                    "a skip reason of {} bytes: {}",
                    shown.len(),
                    head(&shown)
                );
            }
            if let Some(resource) = sink.max_resource {
                assert!((resource as usize) < names.resources.len());
            }
        }
        Err(ReadError::Ingest(error)) => check_error(error),
        Err(ReadError::Sink(never)) => match *never {},
    }
}

/// An error is short, says where, and (for bad input) what to do.
pub fn check_error(error: &IngestError) {
    let shown = error.to_string();
    assert!(!shown.is_empty());
    let help = error.help().unwrap_or_default();
    assert!(
        shown.len() + help.len() <= MAX_MESSAGE,
        "an error of {} bytes: {}",
        shown.len() + help.len(),
        head(&shown)
    );
    if let IngestError::Invalid(problem) = error {
        assert!(!problem.message.is_empty(), "an error without a message");
        assert!(!problem.help.is_empty(), "an error without help: {shown}");
        assert!(
            lowercase_start(&problem.message),
            "messages start lowercase: {}",
            problem.message
        );
    }
}

/// Whether a message starts lowercase; an acronym (`XES`, `CSV`) or a quoted name may start it.
pub fn lowercase_start(message: &str) -> bool {
    let mut chars = message.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() => !second.is_lowercase(),
        _ => true,
    }
}

/// The first few hundred bytes of a text, for a failure message.
pub fn head(text: &str) -> &str {
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
