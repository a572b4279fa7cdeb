//! What both parsers share: an event's attributes read into a draft, and drafts finished into
//! events (checked, with the log's defaults) and whole traces.

use super::{Counted, Globals, LogNames, Parsed, Text};
use crate::{Attributes, Event, ImportStats, IngestError, Lifecycle, Place, ReadOptions};

/// What parsing a segment needs besides its names: the text, the event defaults, the options.
pub(super) struct Segment<'a> {
    pub text: Text<'a>,
    pub defaults: Defaults,
    pub options: &'a ReadOptions,
}

/// Event attribute defaults from the log's globals, as this segment's name indices.
pub(super) struct Defaults {
    pub activity: Option<u32>,
    pub lifecycle: Option<Lifecycle>,
    pub resource: Option<u32>,
}

impl Defaults {
    pub fn of(globals: &Globals, names: &mut LogNames) -> Defaults {
        Defaults {
            activity: globals
                .activity
                .as_deref()
                .map(|name| names.activities.intern(name)),
            lifecycle: globals.lifecycle,
            resource: globals
                .resource
                .as_deref()
                .map(|name| names.resources.intern(name)),
        }
    }
}

/// One event's attributes as read, before it is checked.
#[derive(Default)]
pub(super) struct EventDraft {
    activity: Option<u32>,
    timestamp: Option<i64>,
    start: Option<i64>,
    lifecycle: Option<Lifecycle>,
    resource: Option<u32>,
    /// A bad value seen in the event: (field, message); reported when the event ends.
    problem: Option<(String, String)>,
    attributes: Attributes,
}

impl EventDraft {
    /// Takes in one attribute of the event (`tag` is its element: `string`, `date`...).
    // Called for every attribute of every event, from the other modules: inlined there.
    #[inline]
    pub fn attribute(
        &mut self,
        tag: &str,
        key: &str,
        value: &str,
        names: &mut LogNames,
        options: &ReadOptions,
    ) {
        if let Some(kept) = options.attributes.iter().position(|a| a == key) {
            self.attributes
                .push((kept as u32, names.values.intern(value)));
        }
        match key {
            "concept:name" => self.activity = Some(names.activities.intern(value)),
            "lifecycle:transition" => self.lifecycle = Some(Lifecycle::parse(value)),
            "org:resource" => self.resource = Some(names.resources.intern(value)),
            "time:timestamp" | "start_timestamp" | "time:start" | "start_time" => {
                if tag != "date" && tag != "string" {
                    return;
                }
                match options.timestamps.parse(value) {
                    Ok(millis) if key == "time:timestamp" => self.timestamp = Some(millis),
                    Ok(millis) => self.start = Some(millis),
                    Err(error) => {
                        if self.problem.is_none() {
                            self.problem = Some((key.to_string(), error.to_string()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// A trace being read: its name once seen, and its events so far.
#[derive(Default)]
pub(super) struct TraceDraft {
    pub item: Option<String>,
    pub events: Vec<Event>,
    pub attributes: Vec<Attributes>,
}

impl TraceDraft {
    /// Adds the event drafted in `draft`, which starts at `at` in the segment: checked, with the
    /// defaults filled in. A bad event is an error, or with `--skip-invalid` counted and left out.
    #[inline]
    pub fn add(
        &mut self,
        draft: &EventDraft,
        segment: &Segment<'_>,
        at: usize,
        stats: &mut ImportStats,
    ) -> Result<(), IngestError> {
        stats.events_read += 1;
        let defaults = &segment.defaults;
        let activity = draft.activity.or(defaults.activity);
        let problem = match (&draft.problem, activity, draft.timestamp) {
            (Some((field, message)), _, _) => Some((
                field.clone(),
                message.clone(),
                crate::TimestampError::help().to_string(),
            )),
            (None, None, _) => Some((
                "concept:name".to_string(),
                "the event has no activity name".to_string(),
                "give each event a `concept:name`".to_string(),
            )),
            (None, _, None) => Some((
                "time:timestamp".to_string(),
                "the event has no timestamp".to_string(),
                "give each event a `time:timestamp`".to_string(),
            )),
            _ => None,
        };
        if let Some((field, message, help)) = problem {
            let place = Place {
                field: Some(field),
                ..segment.text.place(at)
            };
            if segment.options.skip_invalid {
                stats.skip(place, message);
                return Ok(());
            }
            return Err(IngestError::invalid(
                place,
                message,
                format!("{help}, or pass --skip-invalid to leave such events out"),
            ));
        }
        self.events.push(Event {
            activity: activity.expect("checked above"),
            timestamp: draft.timestamp.expect("checked above"),
            start: draft.start,
            lifecycle: draft
                .lifecycle
                .or(defaults.lifecycle)
                .unwrap_or(Lifecycle::Complete),
            resource: draft.resource.or(defaults.resource),
        });
        if !segment.options.attributes.is_empty() {
            self.attributes.push(draft.attributes.clone());
        }
        Ok(())
    }

    /// Hands the trace to `parsed` and starts afresh; a trace without a name is called by where
    /// it is (`at` in the segment).
    pub fn finish(&mut self, segment: &Segment<'_>, at: usize, parsed: &mut Parsed) {
        let trace = std::mem::take(self);
        let item = trace
            .item
            .unwrap_or_else(|| format!("trace at byte {}", segment.text.byte(at)));
        parsed.traces.push((item, trace.events, trace.attributes));
        parsed.counted.push(Counted {
            events_read: parsed.stats.events_read,
            skipped_count: parsed.stats.skipped_count,
        });
    }
}
