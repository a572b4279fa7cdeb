//! The value stream as the rest of vsm sees it, once a map file has been read and checked.
//!
//! Every value here is valid: ids are unique, references resolve, `after:` forms no cycle,
//! and each step's lead time equals its wait time plus its process time.

use crate::{Duration, Percent};

/// A value stream map: the steps work passes through from trigger to delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueStream {
    pub name: String,
    pub description: Option<String>,
    pub customer: Option<String>,
    pub scope: Scope,
    pub steps: Vec<Step>,
    pub systems: Vec<System>,
    pub flows: Vec<Flow>,
    pub rework: Vec<Rework>,
    pub improvements: Vec<Improvement>,
    /// The event log to measure steps from.
    pub measure: Option<crate::measure::MeasureSource>,
    /// Bounds the stream must keep (`vsm check`).
    pub targets: Vec<Target>,
    /// Where its delivery's DORA metrics come from (`dora:`).
    pub dora: Option<crate::dora::Settings>,
    /// How long a working day and week are, and what days durations count in.
    pub working_time: crate::WorkingTime,
    /// What the customer asks for, per working day (`demand:`).
    pub demand: Option<crate::worktime::Demand>,
    /// Working time available in a day to meet the demand (`available:`); `None`: the working day.
    pub available: Option<Duration>,
}

/// What a target bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetMetric {
    LeadTime,
    ProcessTime,
    WaitTime,
    LeadTimeWithRework,
    ActivityRatio,
    RolledCompleteAccurate,
    /// Every step's %C&A.
    CompleteAccurate,
    /// DORA, of the last full period: successful production deployments a day.
    DeploymentFrequency,
    /// DORA: the median lead time for changes.
    LeadTimeForChanges,
    /// DORA: the share of production deployments that failed.
    ChangeFailureRate,
    /// DORA: the median failed deployment recovery time.
    RecoveryTime,
    /// DORA: the share of deployments that were unplanned fixes.
    ReworkRate,
}

/// What kind of number a target bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// Milliseconds.
    Duration,
    Percent,
    /// A number a day.
    Rate,
}

impl TargetMetric {
    /// Each metric with its name in a map file.
    pub const ALL: [(TargetMetric, &'static str); 12] = [
        (TargetMetric::LeadTime, "lead_time"),
        (TargetMetric::ProcessTime, "process_time"),
        (TargetMetric::WaitTime, "wait_time"),
        (TargetMetric::LeadTimeWithRework, "lead_time_with_rework"),
        (TargetMetric::ActivityRatio, "activity_ratio"),
        (
            TargetMetric::RolledCompleteAccurate,
            "rolled_complete_accurate",
        ),
        (TargetMetric::CompleteAccurate, "complete_accurate"),
        (TargetMetric::DeploymentFrequency, "deployment_frequency"),
        (TargetMetric::LeadTimeForChanges, "lead_time_for_changes"),
        (TargetMetric::ChangeFailureRate, "change_failure_rate"),
        (TargetMetric::RecoveryTime, "recovery_time"),
        (TargetMetric::ReworkRate, "rework_rate"),
    ];

    /// The metric's name in a map file.
    pub fn as_str(self) -> &'static str {
        name_in(&Self::ALL, self)
    }

    /// What kind of number it is.
    pub fn kind(self) -> TargetKind {
        match self {
            TargetMetric::LeadTime
            | TargetMetric::ProcessTime
            | TargetMetric::WaitTime
            | TargetMetric::LeadTimeWithRework
            | TargetMetric::LeadTimeForChanges
            | TargetMetric::RecoveryTime => TargetKind::Duration,
            TargetMetric::ActivityRatio
            | TargetMetric::RolledCompleteAccurate
            | TargetMetric::CompleteAccurate
            | TargetMetric::ChangeFailureRate
            | TargetMetric::ReworkRate => TargetKind::Percent,
            TargetMetric::DeploymentFrequency => TargetKind::Rate,
        }
    }

    /// Whether the metric is a duration.
    pub fn is_duration(self) -> bool {
        self.kind() == TargetKind::Duration
    }

    /// Whether it is a DORA metric, which needs the map's `dora:` section.
    pub fn is_dora(self) -> bool {
        matches!(
            self,
            TargetMetric::DeploymentFrequency
                | TargetMetric::LeadTimeForChanges
                | TargetMetric::ChangeFailureRate
                | TargetMetric::RecoveryTime
                | TargetMetric::ReworkRate
        )
    }
}

/// A bound on a duration, a percentage or a rate, in milliseconds, percent or a number a day.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub metric: TargetMetric,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// `min` and `max` as the map wrote them (`23.6d`, `0.0139%`), for messages that quote the
    /// target rather than round it.
    pub written: TargetWritten,
}

/// A target's bounds as written in the map; `None` where the bound is not given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetWritten {
    pub min: Option<String>,
    pub max: Option<String>,
}

/// Where the stream starts and where it delivers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    /// The event that starts an item's journey ("Feature requested").
    pub start: Option<String>,
    /// What the customer receives at the end ("Running in production").
    pub end: Option<String>,
}

/// One step (process box) of the stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub id: String,
    /// The display name; the id when the file gives none.
    pub name: String,
    pub team: Option<String>,
    pub people: Option<u32>,
    /// How many items the step can work on at once (people or runners), for `vsm simulate`;
    /// `None`: as many as arrive (no queueing for the step).
    pub capacity: Option<u32>,
    /// Items the step takes together (a release train, a change board): it starts when this many
    /// are waiting. `None`: one at a time.
    pub batch_size: Option<u32>,
    /// At most this many items in the step, waiting or worked on (a kanban column's limit); the
    /// others wait to enter. `None`: no limit.
    pub wip_limit: Option<u32>,
    /// The step pulls its work from a supermarket before it (stock the step before keeps
    /// filled) instead of having it pushed on: drawn as a supermarket with a pull arrow. Notation
    /// only: the numbers treat the stock as the queue before the step.
    pub pull: bool,
    pub automated: bool,
    /// Hands-on time for one item.
    pub process_time: Duration,
    /// Time an item waits before this step starts.
    pub wait_time: Duration,
    /// Whether the wait was written or derived from the queue.
    pub wait_source: crate::worktime::WaitSource,
    /// Items waiting before the step (`queue:`), drawn under its triangle.
    pub queue: Option<crate::worktime::Queue>,
    /// Items a working day the step gets through (`throughput:`), to turn its queue into a wait
    /// instead of the stream's demand.
    pub throughput: Option<crate::worktime::Rate>,
    /// Share of this step's output the next step can use as is.
    pub complete_accurate: Percent,
    pub artifacts_in: Vec<String>,
    pub artifacts_out: Vec<String>,
    pub notes: Option<String>,
    /// Indices (into [`ValueStream::steps`]) of the steps this one follows.
    pub after: Vec<usize>,
    /// How to measure the step from the event log.
    pub measure: Option<crate::measure::StepRule>,
    /// Values a map that `extends:` another sets for this step: the future design, which
    /// measurement does not replace.
    pub designed: Designed,
}

/// Which of a step's numbers a future-state overlay sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Designed {
    pub process_time: bool,
    pub wait_time: bool,
    pub complete_accurate: bool,
}

impl Step {
    /// Wait time plus process time.
    pub fn lead_time(&self) -> Duration {
        self.wait_time.saturating_add(self.process_time)
    }
}

/// An outside system or party that exchanges information with the stream (a tracker, a CI server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct System {
    pub id: String,
    pub name: String,
}

/// One end of an information flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// Index into [`ValueStream::steps`].
    Step(usize),
    /// Index into [`ValueStream::systems`].
    System(usize),
    /// The stream's customer.
    Customer,
}

/// How information travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowKind {
    Electronic,
    Manual,
}

impl FlowKind {
    /// Each kind with its name in a map file.
    pub const ALL: [(FlowKind, &'static str); 2] = [
        (FlowKind::Electronic, "electronic"),
        (FlowKind::Manual, "manual"),
    ];

    /// The kind's name in a map file.
    pub fn as_str(self) -> &'static str {
        name_in(&Self::ALL, self)
    }
}

/// Information passed between steps or outside systems (a ticket, a release note, a page).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub from: Endpoint,
    pub to: Endpoint,
    pub kind: FlowKind,
    pub label: Option<String>,
}

/// A declared loop: a share of items leaving `from` go back to `to` and pass again.
#[derive(Clone, Debug, PartialEq)]
pub struct Rework {
    /// Index of the step where the problem is found.
    pub from: usize,
    /// Index of the step the item returns to (`from` itself or a step before it).
    pub to: usize,
    /// Share of items sent back on each pass.
    pub share: Percent,
    /// Whether `share` was written in the file (`false`: 100% minus `to`'s %C&A).
    pub share_declared: bool,
}

/// Where an improvement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImprovementStatus {
    Planned,
    InProgress,
    Done,
    Dropped,
}

impl ImprovementStatus {
    /// Each status with its name in a map file.
    pub const ALL: [(ImprovementStatus, &'static str); 4] = [
        (ImprovementStatus::Planned, "planned"),
        (ImprovementStatus::InProgress, "in_progress"),
        (ImprovementStatus::Done, "done"),
        (ImprovementStatus::Dropped, "dropped"),
    ];

    /// The status's name in a map file.
    pub fn as_str(self) -> &'static str {
        name_in(&Self::ALL, self)
    }
}

/// The values an improvement promises for its step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepTargets {
    pub process_time: Option<Duration>,
    pub wait_time: Option<Duration>,
    pub lead_time: Option<Duration>,
    pub complete_accurate: Option<Percent>,
}

/// A kaizen item of the improvement plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Improvement {
    pub id: String,
    /// Index of the step the improvement changes.
    pub step: usize,
    pub action: String,
    pub owner: Option<String>,
    pub due: Option<jiff::civil::Date>,
    /// When work on it began: `vsm plan` shows the numbers of the last snapshot before.
    pub started: Option<jiff::civil::Date>,
    pub status: ImprovementStatus,
    pub target: StepTargets,
}

impl ValueStream {
    /// Working time available a day to meet the demand: `available:`, else the working day.
    pub fn available_per_day(&self) -> Duration {
        self.available.unwrap_or(self.working_time.day)
    }

    /// Takt time: the available time of a day over the day's demand; `None` without a demand.
    pub fn takt_time(&self) -> Option<Duration> {
        let demand = self.demand.as_ref()?;
        crate::worktime::takt_time(self.available_per_day(), demand.total.per_day)
    }

    /// How a step's queue becomes its wait, when it has a queue counted in the map (a measured
    /// queue gives none: the wait is measured with it).
    pub fn queue_derivation(
        &self,
        step: &Step,
    ) -> Option<Result<crate::worktime::Derivation, crate::worktime::QueueError>> {
        let queue = step.queue.as_ref().filter(|q| !q.measured)?;
        Some(crate::worktime::derive_wait(
            queue,
            step.throughput.as_ref(),
            self.demand.as_ref(),
            &self.working_time,
        ))
    }

    /// Runs `tell` with durations told in the days this map counts waits in.
    pub fn told<T>(&self, tell: impl FnOnce() -> T) -> T {
        crate::in_working_days(self.working_time.told_day(), tell)
    }

    /// Tells durations in the days this map counts waits in until the guard is dropped: a
    /// command sets it once, after reading the map, for everything it prints.
    pub fn telling(&self) -> crate::TellingDays {
        crate::TellingDays::set(self.working_time.told_day())
    }

    /// The index of the step with this id.
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|step| step.id == id)
    }
}

/// The name of `value` in an enum's table of names (which lists every variant).
fn name_in<T: Copy + PartialEq>(table: &[(T, &'static str)], value: T) -> &'static str {
    table
        .iter()
        .find(|(variant, _)| *variant == value)
        .map_or("", |(_, name)| name)
}
