//! The rules of a map's `measure:` sections: when an item is in a step, and where the log is.

/// A name or a `*` glob (`Review*`, `*approved`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern(pub String);

impl Pattern {
    pub fn matches(&self, text: &str) -> bool {
        glob(self.0.as_bytes(), text.as_bytes())
    }
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        Some((first, rest)) => text
            .split_first()
            .is_some_and(|(c, tail)| c == first && glob(rest, tail)),
    }
}

fn any(patterns: &[Pattern], text: &str) -> bool {
    patterns.iter().any(|p| p.matches(text))
}

/// When an item is in a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRule {
    pub matching: Matching,
    /// Match the patterns against this event attribute instead of the activity name.
    pub attribute: Option<String>,
    /// What the measured span is: hands-on work (the default) or waiting.
    pub span: Span,
}

/// What the time a step's rule measures is. A tracker's or a code host's events often bound a
/// wait rather than work: from "merged" to "tagged" a change waits for a release, from "opened"
/// to "first review" a pull request waits for a reviewer. `Wait` counts such a span as the wait
/// before the step (it ends where the span ends), and the step's hands-on time stays the map's
/// estimate, as for a step the log gives only completions of. A span not yet ended still keeps
/// the item in progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Span {
    #[default]
    Process,
    Wait,
}

impl Span {
    /// Each meaning with its name in a map file.
    pub const ALL: [(Span, &'static str); 2] = [(Span::Process, "process"), (Span::Wait, "wait")];
}

/// What the rule looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matching {
    /// Start and complete events of these activities.
    Activity(Vec<Pattern>),
    /// From an event matching `start` to the next matching `end`.
    Interval {
        start: Vec<Pattern>,
        end: Vec<Pattern>,
    },
    /// While the item's status is one of these.
    States(Vec<Pattern>),
}

impl Matching {
    /// Whether `text` starts (or is) the step, and whether it ends it.
    pub(crate) fn flags(&self, text: &str) -> (bool, bool) {
        match self {
            Matching::Activity(patterns) | Matching::States(patterns) => {
                (any(patterns, text), false)
            }
            Matching::Interval { start, end } => (any(start, text), any(end, text)),
        }
    }
}

/// Where the log is and how to read it (the map file's `measure:` section).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureSource {
    /// The log's path, relative to the map file.
    pub log: String,
    /// Time zone of timestamps without an offset.
    pub zone: Option<String>,
    /// For object-centric logs: the object type to follow.
    pub object_type: Option<String>,
    /// For object-centric logs: the qualifiers of the object links whose objects' events each
    /// item also gets (`follow: [implemented_by, merged_as]`).
    pub follow: Vec<String>,
    /// Count measured times in working hours only.
    pub calendar: Option<crate::calendar::CalendarSpec>,
    /// What an item entering a step again before it reached any later step means.
    pub reentry: Reentry,
    /// `last_event: done`: the log holds finished cases, so a step an item is still in at its
    /// last event ends there (else the item is in progress).
    pub last_event_ends: bool,
    /// `abandoned:`: the events by which an item leaves the stream unfinished.
    pub abandoned: Option<Abandon>,
}

/// Events by which an item leaves the stream without reaching its end: a pull request closed
/// unmerged, an issue moved to "Won't Do". An item with such an event at or after the last start
/// or end of its steps is abandoned: neither finished (it is in no figure) nor in progress (it is
/// in no step's work in progress), counted and listed as such.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Abandon {
    pub activity: Vec<Pattern>,
    /// Match the patterns against this event attribute instead of the activity name.
    pub attribute: Option<String>,
}

impl Abandon {
    /// Whether an event leaves the stream: `activity` is its name, `value` its attribute.
    pub(crate) fn matches<'t>(
        &self,
        activity: &'t str,
        value: impl FnOnce(&str) -> Option<&'t str>,
    ) -> bool {
        let text = match &self.attribute {
            None => Some(activity),
            Some(attribute) => value(attribute),
        };
        text.is_some_and(|text| any(&self.activity, text))
    }
}

/// An item that leaves a step and enters it again before reaching a later measured step: its
/// work came back (rework), or it was suspended and resumed (sessions of the same work, as the
/// work items of BPI Challenge 2012 have).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reentry {
    #[default]
    Rework,
    Resume,
}

impl Reentry {
    /// Each meaning with its name in a map file.
    pub const ALL: [(Reentry, &'static str); 2] =
        [(Reentry::Rework, "rework"), (Reentry::Resume, "resume")];
}
