//! The shape of a map file, written once as data.
//!
//! The reader checks field names against these tables (and suggests the closest on a typo), and
//! the JSON Schema that editors use is generated from them, so the two cannot drift apart. The
//! words of a choice come from the enum's own table of names.
//!
//! Over 600 lines on purpose: one table of field specs, read top to bottom like the map file it describes.

use crate::measure::{Reentry, Span};
use crate::model::{FlowKind, ImprovementStatus};

/// What a field holds.
#[derive(Debug)]
pub enum Kind {
    /// A line of text.
    Text,
    /// An identifier other entries refer to.
    Id,
    /// A reference to a step id.
    StepRef,
    /// A reference to a step id, a system id or `customer`.
    EndpointRef,
    /// One step id or a list of them.
    StepRefs,
    /// A list of short texts.
    TextList,
    Bool,
    /// A whole number, at least this.
    Integer {
        min: u64,
    },
    Duration,
    Percent,
    /// A number per day, week or month: `1/day`, `3/week`.
    Rate,
    /// Items per working day, week or month: `920/day`, `18400/month`.
    ItemRate,
    /// An [`Kind::ItemRate`], or one per item type: `{ left: 12000/month, right: 6400/month }`.
    Demand,
    /// A number of items, or one per item type: `23`, `{ features: 12, defects: 4 }`.
    Queue,
    /// Working time a day or week: `7h 40m/day`.
    TimePerDay,
    /// A mapping from names the user chooses to one text or a list of them (`services:`).
    NamedTextLists,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// One of these words.
    Choice(&'static [&'static str]),
    Object(&'static ObjectSpec),
    List(&'static ObjectSpec),
}

/// One field of an object.
#[derive(Debug)]
pub struct FieldSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub description: &'static str,
}

/// An object: the top level, a step, a flow...
#[derive(Debug)]
pub struct ObjectSpec {
    /// What the user calls it, for messages ("step", "flow").
    pub noun: &'static str,
    pub description: &'static str,
    pub fields: &'static [FieldSpec],
}

impl ObjectSpec {
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields.iter().map(|field| field.name)
    }
}

const fn field(name: &'static str, kind: Kind, description: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: false,
        description,
    }
}

const fn required(name: &'static str, kind: Kind, description: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        kind,
        required: true,
        description,
    }
}

/// The words of a table of choices (an enum's `ALL`), for a [`Kind::Choice`].
const fn names<T: Copy, const N: usize>(table: &[(T, &'static str); N]) -> [&'static str; N] {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = table[i].1;
        i += 1;
    }
    names
}

pub const FLOW_KINDS: [&str; 2] = names(&FlowKind::ALL);
pub const IMPROVEMENT_STATUSES: [&str; 4] = names(&ImprovementStatus::ALL);
pub const REENTRY: [&str; 2] = names(&Reentry::ALL);
/// The periods of `dora: { period: ... }`.
pub const PERIODS: [(crate::dora::Period, &str); 3] = [
    (crate::dora::Period::Day, "day"),
    (crate::dora::Period::Week, "week"),
    (crate::dora::Period::Month, "month"),
];
const PERIOD_NAMES: [&str; 3] = names(&PERIODS);
/// `last_event:`, with whether the item's last event ends the step it is in.
pub const LAST_EVENT: [(bool, &str); 2] = [(false, "in_progress"), (true, "done")];
const LAST_EVENT_NAMES: [&str; 2] = names(&LAST_EVENT);
const SPAN_NAMES: [&str; 2] = names(&Span::ALL);
const WAIT_DAYS: [&str; 2] = names(&crate::worktime::WaitDays::ALL);
/// The working days of a calendar's `days:`, with their index from monday.
pub const WEEKDAYS: [(usize, &str); 7] = [
    (0, "mon"),
    (1, "tue"),
    (2, "wed"),
    (3, "thu"),
    (4, "fri"),
    (5, "sat"),
    (6, "sun"),
];

pub static SCOPE: ObjectSpec = ObjectSpec {
    noun: "scope",
    description: "Where the stream starts and where it delivers.",
    fields: &[
        field(
            "start",
            Kind::Text,
            "The trigger that starts an item's journey, e.g. `Feature requested`.",
        ),
        field(
            "end",
            Kind::Text,
            "What the customer receives at the end, e.g. `Running in production`.",
        ),
    ],
};

pub static ARTIFACTS: ObjectSpec = ObjectSpec {
    noun: "artifacts",
    description: "What the step takes in and hands on (tickets, code, builds, deployments).",
    fields: &[
        field("in", Kind::TextList, "Artifacts the step consumes."),
        field("out", Kind::TextList, "Artifacts the step produces."),
    ],
};

pub static STEP_MEASURE: ObjectSpec = ObjectSpec {
    noun: "step measure",
    description: "When an item is in this step, by the events of the log: `activity` (its start and complete events), `start` and `end` (an interval between two events), or `states` (while the item's status is one of them). Names may use `*` as a wildcard.",
    fields: &[
        field(
            "activity",
            Kind::TextList,
            "Activity name(s) whose start and complete events bound the step.",
        ),
        field(
            "start",
            Kind::TextList,
            "Activity name(s) that start the step.",
        ),
        field("end", Kind::TextList, "Activity name(s) that end the step."),
        field(
            "states",
            Kind::TextList,
            "Status name(s) during which an item is in the step.",
        ),
        field(
            "attribute",
            Kind::Text,
            "Match the names against this event attribute (e.g. `org:group`, a CSV column) instead of the activity.",
        ),
        field(
            "span",
            Kind::Choice(&SPAN_NAMES),
            "What the measured span is: `process` (the default: hands-on work) or `wait` (the item waits, e.g. from merged to released: the span counts as the wait before the step, and `process_time` stays the estimate).",
        ),
    ],
};

pub static CALENDAR: ObjectSpec = ObjectSpec {
    noun: "calendar",
    description: "Working time: measured times count only working hours on working days.",
    fields: &[
        field(
            "zone",
            Kind::Text,
            "Time zone of the working hours: a name such as `Europe/Amsterdam`, `UTC`, or a UTC offset within ±18:00 such as `+05:30` (default: the measure zone, or UTC).",
        ),
        field(
            "days",
            Kind::TextList,
            "Working days, at least one: `mon` to `sun` (default: mon to fri).",
        ),
        field(
            "hours",
            Kind::Text,
            "Working hours of a day, `HH:MM-HH:MM` (default `09:00-17:00`).",
        ),
        field("holidays", Kind::TextList, "Days off, `YYYY-MM-DD`."),
    ],
};

pub static MEASURE: ObjectSpec = ObjectSpec {
    noun: "measure section",
    description: "Where the event log is, to measure the steps that say `measure:`.",
    fields: &[
        required(
            "log",
            Kind::Text,
            "The event log (XES, .xes.gz, CSV, JSON Lines, OCEL 2.0), relative to the map file.",
        ),
        field(
            "zone",
            Kind::Text,
            "Time zone of timestamps without an offset: a name such as `Europe/Amsterdam`, or a UTC offset within ±18:00 such as `+05:30` (default UTC).",
        ),
        field(
            "object_type",
            Kind::Text,
            "For object-centric logs: the object type whose journey is the stream.",
        ),
        field(
            "follow",
            Kind::TextList,
            "For object-centric logs: qualifiers of object-to-object links (e.g. `implemented_by`, `merged_as`, `released_in`). Each item also gets the events of the objects reached from its object through such links, from a link's source to its target, link after link.",
        ),
        field(
            "calendar",
            Kind::Object(&CALENDAR),
            "Count measured times in working hours only.",
        ),
        field(
            "reentry",
            Kind::Choice(&REENTRY),
            "An item entering a step again before it reached a later one: `rework` (the default; it counts against the step's %C&A) or `resume` (the same work suspended and resumed, as in logs with work sessions).",
        ),
        field(
            "last_event",
            Kind::Choice(&LAST_EVENT_NAMES),
            "What an item's last event means when it leaves the item inside a step (a status, or a group handling it): `in_progress` (the default; the item is still there, as in a tracker's export of open tickets) or `done` (the log holds finished cases: the step ends at the last event).",
        ),
        field(
            "abandoned",
            Kind::Object(&ABANDONED),
            "The events by which an item leaves the stream unfinished (a pull request closed unmerged, an issue moved to Won't Do): such an item is neither finished nor in progress.",
        ),
    ],
};

pub static ABANDONED: ObjectSpec = ObjectSpec {
    noun: "abandoned",
    description: "The events by which an item leaves the stream without reaching its end. An item with such an event at or after the last start or end of its steps is abandoned: it makes no figure and is in no step's work in progress; it is counted and listed.",
    fields: &[
        required(
            "activity",
            Kind::TextList,
            "Activity name(s) (or values of `attribute`) that abandon the item, e.g. `pr_closed`. Names may use `*` as a wildcard.",
        ),
        field(
            "attribute",
            Kind::Text,
            "Match the names against this event attribute (e.g. a Jira status change's `to`) instead of the activity.",
        ),
    ],
};

pub static STEP: ObjectSpec = ObjectSpec {
    noun: "step",
    description: "One process box of the stream.",
    fields: &[
        required(
            "id",
            Kind::Id,
            "Short identifier other entries refer to, e.g. `develop`.",
        ),
        field("name", Kind::Text, "Display name; defaults to the id."),
        field("team", Kind::Text, "The team that owns the step."),
        field(
            "people",
            Kind::Integer { min: 1 },
            "How many people work on the step.",
        ),
        field(
            "capacity",
            Kind::Integer { min: 1 },
            "How many items the step can work on at once (people or runners); `vsm simulate` queues the rest. Default: no limit.",
        ),
        field(
            "batch_size",
            Kind::Integer { min: 1 },
            "Items the step takes together (a release train, a change board); `vsm simulate` starts it when this many are waiting. Default: 1.",
        ),
        field(
            "wip_limit",
            Kind::Integer { min: 1 },
            "At most this many items in the step, waiting or worked on (a kanban column's limit); `vsm simulate` holds the others back. Default: no limit.",
        ),
        field(
            "pull",
            Kind::Bool,
            "Whether the step pulls its work from a supermarket before it (stock the step before keeps filled) instead of having it pushed (default: false). The map draws a supermarket with a pull arrow in place of the queue triangle, with the stock's `queue:` and wait under it; the numbers are the same as for a queue.",
        ),
        field(
            "automated",
            Kind::Bool,
            "Whether a machine does the step (default: false, a manual step).",
        ),
        field(
            "process_time",
            Kind::Duration,
            "Hands-on time for one item, e.g. `2h`, `1d 4h`; days and weeks are working days and weeks when the map sets `working_day:` (else 24h days, 7-day weeks).",
        ),
        field(
            "wait_time",
            Kind::Duration,
            "Time an item waits before this step starts, e.g. `3d`; days are calendar days unless the map says `wait_days: working`.",
        ),
        field(
            "lead_time",
            Kind::Duration,
            "Wait time plus process time; give it instead of `wait_time` to derive the wait.",
        ),
        field(
            "queue",
            Kind::Queue,
            "Items waiting before the step, e.g. `23`, or per item type: `{ features: 12, defects: 4 }`. Without `wait_time`, the wait is derived by Little's law: queue / throughput (the step's `throughput`, else the map's `demand`).",
        ),
        field(
            "throughput",
            Kind::ItemRate,
            "Items the step gets through, e.g. `40/week`: turns its queue into a wait instead of the map's demand.",
        ),
        field(
            "complete_accurate",
            Kind::Percent,
            "Percent complete and accurate: share of output the next step can use as is (default 100%).",
        ),
        field(
            "artifacts",
            Kind::Object(&ARTIFACTS),
            "What the step takes in and hands on.",
        ),
        field("notes", Kind::Text, "Free notes."),
        field(
            "after",
            Kind::StepRefs,
            "The step ids this step follows (default: the previous step); several ids join parallel branches.",
        ),
        field(
            "measure",
            Kind::Object(&STEP_MEASURE),
            "How to measure the step from the event log named in the top-level `measure:`.",
        ),
    ],
};

pub static SYSTEM: ObjectSpec = ObjectSpec {
    noun: "system",
    description: "An outside system or party that exchanges information with the stream.",
    fields: &[
        required(
            "id",
            Kind::Id,
            "Short identifier flows refer to, e.g. `jira`.",
        ),
        field("name", Kind::Text, "Display name; defaults to the id."),
    ],
};

pub static FLOW: ObjectSpec = ObjectSpec {
    noun: "flow",
    description: "Information passed between steps, systems or the customer.",
    fields: &[
        required(
            "from",
            Kind::EndpointRef,
            "A step id, a system id or `customer`.",
        ),
        required(
            "to",
            Kind::EndpointRef,
            "A step id, a system id or `customer`.",
        ),
        field(
            "kind",
            Kind::Choice(&FLOW_KINDS),
            "`electronic` (drawn as a lightning arrow) or `manual` (default: electronic).",
        ),
        field(
            "label",
            Kind::Text,
            "What is passed, e.g. `weekly priorities`.",
        ),
    ],
};

pub static REWORK: ObjectSpec = ObjectSpec {
    noun: "rework loop",
    description: "A loop: a share of items leaving `from` go back to `to` and pass again.",
    fields: &[
        required(
            "from",
            Kind::StepRef,
            "The step where the problem is found.",
        ),
        required(
            "to",
            Kind::StepRef,
            "The step the item goes back to (`from` itself or a step before it).",
        ),
        field(
            "share",
            Kind::Percent,
            "Share of items sent back on each pass, at most 99% (default: 100% minus the %C&A of `to`, the step whose output failed).",
        ),
    ],
};

pub static TARGET: ObjectSpec = ObjectSpec {
    noun: "target",
    description: "The values the improvement promises for its step.",
    fields: &[
        field("process_time", Kind::Duration, "Target process time."),
        field("wait_time", Kind::Duration, "Target wait time."),
        field("lead_time", Kind::Duration, "Target lead time."),
        field("complete_accurate", Kind::Percent, "Target %C&A."),
    ],
};

pub static IMPROVEMENT: ObjectSpec = ObjectSpec {
    noun: "improvement",
    description: "A kaizen item of the improvement plan.",
    fields: &[
        required("id", Kind::Id, "Short identifier, e.g. `auto-tests`."),
        required("step", Kind::StepRef, "The step the improvement changes."),
        required(
            "action",
            Kind::Text,
            "What will be done, e.g. `Automate the regression suite`.",
        ),
        field("owner", Kind::Text, "Who drives it."),
        field("due", Kind::Date, "Due date, `YYYY-MM-DD`."),
        field(
            "started",
            Kind::Date,
            "When work on it began, `YYYY-MM-DD`; `vsm plan` shows the step's numbers in the last snapshot taken before.",
        ),
        field(
            "status",
            Kind::Choice(&IMPROVEMENT_STATUSES),
            "Where it stands (default: planned).",
        ),
        field(
            "target",
            Kind::Object(&TARGET),
            "The step's metric values the improvement must reach.",
        ),
    ],
};

pub static MAP: ObjectSpec = ObjectSpec {
    noun: "map",
    description: "A value stream map for vsm: the steps work passes through from trigger to delivery.",
    fields: &[
        required("name", Kind::Text, "The stream's name."),
        field("description", Kind::Text, "What the stream covers."),
        field(
            "customer",
            Kind::Text,
            "Who receives what the stream delivers.",
        ),
        field(
            "scope",
            Kind::Object(&SCOPE),
            "Where the stream starts and ends.",
        ),
        required(
            "steps",
            Kind::List(&STEP),
            "The steps in order; a step follows the previous one unless it says `after:`.",
        ),
        field(
            "systems",
            Kind::List(&SYSTEM),
            "Outside systems that flows refer to.",
        ),
        field("flows", Kind::List(&FLOW), "Information flows."),
        field("rework", Kind::List(&REWORK), "Declared rework loops."),
        field(
            "improvements",
            Kind::List(&IMPROVEMENT),
            "The improvement plan (kaizen items).",
        ),
        field(
            "measure",
            Kind::Object(&MEASURE),
            "The event log the steps are measured from.",
        ),
        field(
            "targets",
            Kind::Object(&TARGETS),
            "Bounds the stream must keep, checked by `vsm check`.",
        ),
        field(
            "dora",
            Kind::Object(&DORA),
            "The DORA metrics of the stream's delivery, from the event store `vsm fetch` writes: `vsm dora --map`, and `vsm snapshot`, `vsm report` and `vsm check` include them.",
        ),
        field(
            "working_day",
            Kind::Duration,
            "How long a working day is, e.g. `8h`: process times written in days (and weeks of `working_week` days) count in it. Without it, a day of process time is 24h, as before vsm knew working days; demand and takt time count in an 8h day.",
        ),
        field(
            "working_week",
            Kind::Integer { min: 1 },
            "Working days a week (default 5).",
        ),
        field(
            "working_month",
            Kind::Integer { min: 1 },
            "Working days a month, for a demand per month (default: four working weeks, 20).",
        ),
        field(
            "wait_days",
            Kind::Choice(&WAIT_DAYS),
            "What a day of waiting is: `calendar` (the default: 24h, waits run through nights and weekends) or `working` (the working day, as lean texts count production lead time; reports then tell durations in working days).",
        ),
        field(
            "demand",
            Kind::Demand,
            "What the customer asks for, per working day, week or month: `920/day`, or per item type `{ left: 12000/month, right: 6400/month }`. Gives takt time, turns queues into waits, and is `vsm simulate`'s arrival rate.",
        ),
        field(
            "available",
            Kind::TimePerDay,
            "Working time available a day to meet the demand, e.g. `7h 40m/day` (default: the working day). Takt time = available / demand.",
        ),
        field(
            "extends",
            Kind::Text,
            "The map this one changes, relative to this file: steps given override the base's by id (fields left out keep the base's values), new steps need `after:`, and the other fields and lists given replace the base's.",
        ),
        field(
            "remove",
            Kind::TextList,
            "In a map that extends another: ids of the base's steps to drop.",
        ),
    ],
};

pub static DORA: ObjectSpec = ObjectSpec {
    noun: "dora section",
    description: "Where the delivery data is and what counts as production, as a failure and as one service, for the DORA metrics (see docs/dora.md).",
    fields: &[
        field(
            "store",
            Kind::Text,
            "The event store `vsm fetch` writes, relative to the map file (default: the first `.vsm/events.sqlite` in the map's folder or a folder above it).",
        ),
        field(
            "production",
            Kind::TextList,
            "Production environments: names or `*` patterns, without case (default: `production`, `prod`).",
        ),
        field(
            "failures",
            Kind::Object(&DORA_FAILURES),
            "What counts as a failure of a deployment.",
        ),
        field(
            "attribution_window",
            Kind::Duration,
            "How long after a deployment an incident is still attributed to it (default `7d`).",
        ),
        field(
            "releases_as_deployments",
            Kind::Bool,
            "Take each release (tag) as a successful production deployment (default: false).",
        ),
        field(
            "period",
            Kind::Choice(&PERIOD_NAMES),
            "The periods figures are given for: `day`, `week` (the default; Monday to Sunday) or `month`, in UTC. A snapshot keeps the figures of the last full one.",
        ),
        field(
            "services",
            Kind::NamedTextLists,
            "Services made of several repositories: `payments: [org/pay-api, org/pay-web]` (default: each repository is a service).",
        ),
        field(
            "incidents",
            Kind::Text,
            "A file of incidents, CSV or JSON Lines (`id`, `started`, and optionally `service`, `resolved`, `deployment`), relative to the map file.",
        ),
    ],
};

pub static DORA_FAILURES: ObjectSpec = ObjectSpec {
    noun: "failures",
    description: "What counts as a failure: incidents (issues with a label or of a type) and failed deployments.",
    fields: &[
        field(
            "incident_labels",
            Kind::TextList,
            "Issues (GitHub, GitLab) with one of these labels are incidents (default: `incident`).",
        ),
        field(
            "incident_types",
            Kind::TextList,
            "Jira issues of one of these types are incidents (default: `Incident`).",
        ),
        field(
            "failed_deployments",
            Kind::Bool,
            "Whether a production deployment that failed is a failure (default: true); false leaves failed deployments out, as runs that never reached production.",
        ),
    ],
};

pub static RATE_BOUND: ObjectSpec = ObjectSpec {
    noun: "rate target",
    description: "A bound on a rate: `min` (at least) and/or `max` (at most).",
    fields: &[
        field("min", Kind::Rate, "At least this often, e.g. `1/day`."),
        field("max", Kind::Rate, "At most this often."),
    ],
};

pub static DURATION_BOUND: ObjectSpec = ObjectSpec {
    noun: "duration target",
    description: "A bound on a duration: `max` (at most) and/or `min` (at least).",
    fields: &[
        field("max", Kind::Duration, "At most this long, e.g. `5d`."),
        field("min", Kind::Duration, "At least this long."),
    ],
};

pub static PERCENT_BOUND: ObjectSpec = ObjectSpec {
    noun: "percentage target",
    description: "A bound on a percentage: `min` (at least) and/or `max` (at most).",
    fields: &[
        field("min", Kind::Percent, "At least this, e.g. `80%`."),
        field("max", Kind::Percent, "At most this."),
    ],
};

pub static TARGETS: ObjectSpec = ObjectSpec {
    noun: "targets section",
    description: "Bounds the stream must keep; `vsm check` exits non-zero when one is broken.",
    fields: &[
        field(
            "lead_time",
            Kind::Object(&DURATION_BOUND),
            "Total lead time; the p85 of the items' lead times when the map is measured.",
        ),
        field(
            "process_time",
            Kind::Object(&DURATION_BOUND),
            "Total process time along the critical path.",
        ),
        field(
            "wait_time",
            Kind::Object(&DURATION_BOUND),
            "Total wait time along the critical path.",
        ),
        field(
            "lead_time_with_rework",
            Kind::Object(&DURATION_BOUND),
            "Expected lead time with rework.",
        ),
        field(
            "activity_ratio",
            Kind::Object(&PERCENT_BOUND),
            "Process time / lead time.",
        ),
        field(
            "rolled_complete_accurate",
            Kind::Object(&PERCENT_BOUND),
            "Rolled %C&A.",
        ),
        field(
            "complete_accurate",
            Kind::Object(&PERCENT_BOUND),
            "The %C&A of every step.",
        ),
        field(
            "deployment_frequency",
            Kind::Object(&RATE_BOUND),
            "DORA (needs `dora:`): successful production deployments a day over the last full period, e.g. `{ min: 1/day }`.",
        ),
        field(
            "lead_time_for_changes",
            Kind::Object(&DURATION_BOUND),
            "DORA (needs `dora:`): the median lead time for changes of the last full period.",
        ),
        field(
            "change_failure_rate",
            Kind::Object(&PERCENT_BOUND),
            "DORA (needs `dora:`): the share of production deployments that failed in the last full period, e.g. `{ max: 15% }`.",
        ),
        field(
            "recovery_time",
            Kind::Object(&DURATION_BOUND),
            "DORA (needs `dora:`): the median failed deployment recovery time of the last full period.",
        ),
        field(
            "rework_rate",
            Kind::Object(&PERCENT_BOUND),
            "DORA (needs `dora:`): the share of deployments that were unplanned fixes in the last full period.",
        ),
    ],
};
