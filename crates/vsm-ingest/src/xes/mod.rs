//! XES (IEEE 1849) event logs, streamed: memory holds a few segments of traces at a time.
//!
//! Handles typed and nested attributes (nested ones are not mistaken for the event's own), event
//! globals as defaults, lifecycle values in any case, every timestamp form of the real logs, and
//! an explicit `start_timestamp` on events. Events keep their file order; ordering ties is the
//! consumer's business.
//!
//! Speed: the text is cut into segments of whole traces (at `</trace>`, [`segment`]), parsed on
//! every core, and handed to the sink in file order. A trace in the shape nearly every writer
//! produces is read by a scanner of its own ([`fast`]); anything else by quick-xml ([`quick`]);
//! both finish events alike ([`event`]). With gzip inflated on its own thread, reading a
//! compressed log costs about what decompressing it alone does.

mod event;
mod fast;
mod quick;
mod segment;
#[cfg(test)]
mod tests;

pub use segment::read;

use std::cell::Cell;

use crate::{Attributes, Event, ImportStats, IngestError, Lifecycle, Names, Place, Trace};

/// The interned names a log refers to.
#[derive(Debug, Default)]
pub struct LogNames {
    pub activities: Names,
    pub resources: Names,
    /// Values of the attributes kept.
    pub values: Names,
}

impl LogNames {
    /// One item's events, ready for a sink, with the names that resolve them.
    pub fn trace<'a>(
        &'a self,
        item: &'a str,
        events: &'a [Event],
        attributes: &'a [Attributes],
    ) -> Trace<'a> {
        Trace {
            item,
            events,
            attributes,
            activities: &self.activities,
            values: &self.values,
            origins: &[],
            objects: &[],
        }
    }
}

/// The elements that hold an attribute.
const ATTRIBUTE_TAGS: [&str; 8] = [
    "string",
    "date",
    "int",
    "float",
    "boolean",
    "id",
    "list",
    "container",
];

/// The traces of one segment, with names local to it.
#[derive(Default)]
struct Parsed {
    /// (item, events, their kept attributes: empty when none were asked for)
    traces: Vec<(String, Vec<Event>, Vec<Attributes>)>,
    /// Per trace, what the segment had read and skipped when the trace ended.
    counted: Vec<Counted>,
    names: LogNames,
    stats: ImportStats,
}

/// How many events a segment had read and skipped at some point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counted {
    events_read: u64,
    skipped_count: u64,
}

/// Defaults from `<global scope="event">`, as names (segments intern on their own).
#[derive(Clone, Debug, Default)]
struct Globals {
    activity: Option<String>,
    lifecycle: Option<Lifecycle>,
    resource: Option<String>,
}

/// Where a piece of the file's text starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Origin {
    /// Byte offset in the (decompressed) text.
    byte: u64,
    /// 1-based line.
    line: u64,
    /// 1-based column, in characters.
    column: u64,
}

impl Origin {
    /// The start of the file.
    const START: Origin = Origin {
        byte: 0,
        line: 1,
        column: 1,
    };

    /// Where the text after `text` (which starts here) starts.
    fn after(self, text: &[u8]) -> Origin {
        // The compiler turns this count into vector instructions: no crate needed for it.
        #[allow(clippy::naive_bytecount)]
        let newlines = text.iter().filter(|&&b| b == b'\n').count();
        let characters = |text: &[u8]| text.iter().filter(|&&b| b & 0xc0 != 0x80).count() as u64;
        Origin {
            byte: self.byte + text.len() as u64,
            line: self.line + newlines as u64,
            column: match memchr::memrchr(b'\n', text) {
                Some(at) => 1 + characters(&text[at + 1..]),
                None => self.column + characters(text),
            },
        }
    }
}

/// A piece of the file's text, with where it starts: what places in messages are counted from.
struct Text<'a> {
    file: &'a str,
    bytes: &'a [u8],
    origin: Origin,
    /// The last place found, (position, where it is): places are mostly asked for in file
    /// order, so that lines are counted once, not again from the start for each.
    found: Cell<(usize, Origin)>,
}

impl<'a> Text<'a> {
    fn new(file: &'a str, bytes: &'a [u8], origin: Origin) -> Text<'a> {
        Text {
            file,
            bytes,
            origin,
            found: Cell::new((0, origin)),
        }
    }

    /// The byte offset in the file of `bytes[at]`.
    fn byte(&self, at: usize) -> u64 {
        self.origin.byte + at as u64
    }

    /// The place of `bytes[at]`: line and column, and byte offset.
    fn place(&self, at: usize) -> Place {
        let at = at.min(self.bytes.len());
        let (from, start) = match self.found.get() {
            (found, origin) if found <= at => (found, origin),
            _ => (0, self.origin),
        };
        let here = start.after(&self.bytes[from..at]);
        self.found.set((at, here));
        Place {
            file: self.file.to_string(),
            line: Some(here.line),
            column: Some(here.column),
            byte: Some(here.byte),
            field: None,
        }
    }

    /// The error for text that is not well-formed XML at `bytes[at]`.
    fn not_xml(&self, at: usize, error: &impl std::fmt::Display) -> IngestError {
        IngestError::invalid(
            self.place(at),
            format!(
                "this is not well-formed XML: {}",
                crate::error::cut_message(&error.to_string())
            ),
            "check that the file is a complete XES document; a file cut short ends mid-element",
        )
    }
}

fn outside_trace(at: Place) -> IngestError {
    IngestError::invalid(
        at,
        "an `<event>` outside any `<trace>`",
        "XES keeps every event inside the trace of its item: move it into its trace, or pass --skip-invalid to leave such events out",
    )
}
