//! What measuring gives: per step, per item and for the whole log, with the sums the ladder of
//! a measured map is made from.

use std::sync::Arc;

use crate::{Duration, Percent};

/// Count, mean and percentiles of a set of durations.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Distribution {
    pub count: u64,
    pub mean: Duration,
    pub p50: Duration,
    pub p85: Duration,
    pub p95: Duration,
    pub min: Duration,
    pub max: Duration,
}

impl Distribution {
    /// From samples in milliseconds; percentiles by nearest rank.
    pub fn of(samples: &mut [i64]) -> Distribution {
        if samples.is_empty() {
            return Distribution::default();
        }
        samples.sort_unstable();
        let n = samples.len();
        let rank = |p: f64| {
            let index = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            Duration::from_millis(samples[index].max(0) as u64)
        };
        let sum: i128 = samples.iter().map(|&s| i128::from(s)).sum();
        Distribution {
            count: n as u64,
            mean: Duration::from_millis((sum / n as i128).max(0) as u64),
            p50: rank(0.50),
            p85: rank(0.85),
            p95: rank(0.95),
            min: Duration::from_millis(samples[0].max(0) as u64),
            max: Duration::from_millis(samples[n - 1].max(0) as u64),
        }
    }
}

/// Where a step's wait is measured from, for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WaitBasis {
    /// The step follows no other: from the item's first event.
    StreamStart,
    /// From the end of a step it follows in the map.
    Predecessor,
    /// The item passed none of the (measured) steps this one follows: from the end of what it
    /// did before.
    NoPredecessor,
    /// It started before the steps it follows had ended (they overlapped): only the time
    /// before it that no other step's work covers is its wait.
    Overlap,
    /// The item passed the steps it follows only after this one (out of the map's order): from
    /// the end of what it did before.
    OutOfOrder,
}

impl WaitBasis {
    pub const ALL: [WaitBasis; 5] = [
        WaitBasis::StreamStart,
        WaitBasis::Predecessor,
        WaitBasis::NoPredecessor,
        WaitBasis::Overlap,
        WaitBasis::OutOfOrder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WaitBasis::StreamStart => "stream_start",
            WaitBasis::Predecessor => "predecessor",
            WaitBasis::NoPredecessor => "no_predecessor",
            WaitBasis::Overlap => "overlap",
            WaitBasis::OutOfOrder => "out_of_order",
        }
    }

    /// What it means, for people.
    pub fn describe(self) -> &'static str {
        match self {
            WaitBasis::StreamStart => "from the item's first event (a first step)",
            WaitBasis::Predecessor => "from the end of a step it follows",
            WaitBasis::NoPredecessor => {
                "did not pass the steps it follows: from the end of what it did before"
            }
            WaitBasis::Overlap => {
                "started before the steps it follows had ended: only the uncovered time before it"
            }
            WaitBasis::OutOfOrder => {
                "passed the steps it follows only after this one: from the end of what it did before"
            }
        }
    }
}

/// One item's passage through one step: the rows `--explain` lists. Times are milliseconds
/// (working time when the map has a calendar), the item's parts as [`timeline`] splits them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRecord {
    pub item: String,
    /// The item's first event (ms since the epoch): where its lead time starts.
    pub entered: i64,
    /// First start in the step (ms since the epoch).
    pub first_start: i64,
    /// Last end, if the item has left the step.
    pub last_end: Option<i64>,
    pub visits: u32,
    /// Time worked in the step on the first pass (its sessions, under `reentry: resume`).
    pub process: i64,
    /// Time waiting for the first pass: before it, and between its sessions.
    pub wait: i64,
    /// Time waiting for and working in the step's later passes (rework).
    pub rework_wait: i64,
    pub rework_process: i64,
    /// Where the wait is measured from.
    pub basis: WaitBasis,
    /// Came back into the step after leaving it, by a backward move charged to this step.
    pub returned: bool,
    /// Whether its visits had start events (else they are completions only, of no length).
    pub timed: bool,
    /// Whether the item finished, is in progress or was abandoned.
    pub outcome: Outcome,
    /// The event that started its first visit (at `first_start`; under `span: wait`, the event
    /// that started the span).
    pub started_by: EventSource,
    /// The event that ended its last visit (at `last_end`), if it left the step.
    pub ended_by: Option<EventSource>,
    /// When it waited in the queue before the step's first pass (ms since the epoch).
    pub queued: Vec<(i64, i64)>,
}

/// Where an item stands at the end of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No step still open: it makes the figures.
    Finished,
    /// A step still open at the end of the log.
    InProgress,
    /// Left the stream unfinished, by one of the map's `abandoned:` events.
    Abandoned,
}

/// An event that started or ended an item's visit of a step: its activity, and in an
/// object-centric log the object it reached the item through (the item's own object, or one
/// reached through a followed link: its merge commit, the release that shipped it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSource {
    pub activity: Arc<str>,
    pub object: Option<Arc<ObjectRef>>,
}

/// An object of an object-centric log, as `--explain` names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    /// Its id in the log (the store's `ocel_id`).
    pub id: String,
    /// Its object type.
    pub kind: String,
    /// A name people read (a release's tag, a commit's title), if it has one.
    pub name: Option<String>,
}

impl ItemRecord {
    /// Whether the item finished (no step still open): only finished items make the figures.
    pub fn finished(&self) -> bool {
        self.outcome == Outcome::Finished
    }

    /// Whether it left the stream unfinished (an `abandoned:` event): not finished, and in no
    /// step's work in progress.
    pub fn abandoned(&self) -> bool {
        self.outcome == Outcome::Abandoned
    }

    /// Time in rework of this step: its later passes and the waits before them.
    pub fn rework(&self) -> i64 {
        self.rework_wait + self.rework_process
    }
}

/// What the log says about one step. The distributions are over the items that finished the
/// stream and visited the step (`visited` of them), the items of [`Measurement::item_lead_time`].
#[derive(Clone, Debug, PartialEq)]
pub struct StepMeasurement {
    pub step: usize,
    /// Items that finished the step at least once (with no visit still open).
    pub completed: u64,
    /// Finished items that visited the step: the population of the distributions below.
    pub visited: u64,
    pub process_time: Distribution,
    pub wait_time: Distribution,
    /// Wait plus process time of the first pass.
    pub lead_time: Distribution,
    /// Time in the step's later passes and the waits before them.
    pub rework_time: Distribution,
    /// Sums over the visited items (ms), from which the means and the ladder are made.
    pub totals: StepTotals,
    /// Of the visited items, how many had their wait measured from where.
    pub wait_basis: Vec<(WaitBasis, u64)>,
    /// Items inside the step at the end of the log.
    pub work_in_progress: u64,
    /// Completions per week over the log's time span.
    pub throughput_per_week: f64,
    /// Items that left the step, and those of them that came back.
    pub left: u64,
    pub returned: u64,
    pub complete_accurate: Option<Percent>,
    /// Process time / lead time over the visited items, in percent.
    pub flow_efficiency_percent: Option<f64>,
    /// Whether the log times the work in the step (start events). Without them, `wait_time`
    /// holds the time from the previous step's end to this step's completion: its lead time.
    pub timed: bool,
    /// Every item that entered the step, finished or not.
    pub items: Vec<ItemRecord>,
    /// The queue before the step over the log's span, and Little's law checked against it.
    pub queue: QueueMeasurement,
}

/// How far Little's law may be off before a step's queue is reported as inconsistent: 10%.
pub const LITTLE_TOLERANCE_PERCENT: f64 = 10.0;

/// The items waiting before a step over the measured window (the log's first to last event, in
/// working time when the map has a calendar), and Little's law checked: the time-weighted mean
/// queue against throughput x mean wait.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueueMeasurement {
    /// Time-weighted mean number of items waiting.
    pub mean: f64,
    /// The number of items waiting that the queue stays at or under 85% of the time.
    pub p85: u64,
    pub max: u64,
    /// Items that finished the step a day of the window (24 h of its clock).
    pub throughput_per_day: f64,
    /// The finished items' mean wait before the step, in days of the window's clock.
    pub mean_wait_days: f64,
    /// Little's law: throughput x mean wait, the mean queue the figures imply.
    pub little: f64,
    /// How far `little` is from `mean`, in percent of the larger; `None` with no queue at all.
    pub gap_percent: Option<f64>,
}

impl QueueMeasurement {
    /// Whether Little's law holds within [`LITTLE_TOLERANCE_PERCENT`].
    pub fn consistent(&self) -> bool {
        self.gap_percent
            .is_none_or(|gap| gap <= LITTLE_TOLERANCE_PERCENT)
    }

    /// The queue over a window of `window` ms, from the items' waiting stretches; `elapsed`
    /// measures a stretch (clock or working time). `completed` items finished the step; the
    /// finished items waited `mean_wait` ms on average.
    pub fn of(
        stretches: &[(i64, i64)],
        window: (i64, i64),
        elapsed: impl Fn(i64, i64) -> i64,
        completed: u64,
        mean_wait: f64,
    ) -> QueueMeasurement {
        let total = elapsed(window.0, window.1).max(1) as f64;
        let mut changes: Vec<(i64, i64)> = Vec::with_capacity(2 * stretches.len());
        for &(a, b) in stretches {
            let (a, b) = (a.max(window.0), b.min(window.1));
            if b > a {
                changes.push((a, 1));
                changes.push((b, -1));
            }
        }
        changes.sort_unstable();
        // Time at each queue length, over the whole window (zero where nothing waits).
        let mut at_length: Vec<f64> = vec![0.0];
        let (mut length, mut since, mut weighted) = (0i64, window.0, 0.0);
        for (at, change) in changes {
            let stretch = elapsed(since, at) as f64;
            let index = length.max(0) as usize;
            if at_length.len() <= index {
                at_length.resize(index + 1, 0.0);
            }
            at_length[index] += stretch;
            weighted += stretch * length as f64;
            length += change;
            since = at;
        }
        at_length[0] += elapsed(since, window.1) as f64;
        let mean = weighted / total;
        let mut covered = 0.0;
        let mut p85 = 0;
        for (queue, time) in at_length.iter().enumerate() {
            covered += time;
            p85 = queue as u64;
            if covered >= 0.85 * total {
                break;
            }
        }
        const DAY: f64 = 86_400_000.0;
        let throughput_per_day = completed as f64 / total * DAY;
        let mean_wait_days = mean_wait / DAY;
        let little = throughput_per_day * mean_wait_days;
        let larger = mean.max(little);
        QueueMeasurement {
            mean,
            p85,
            max: (at_length.len() - 1) as u64,
            throughput_per_day,
            mean_wait_days,
            little,
            gap_percent: (larger > 0.0).then(|| (mean - little).abs() * 100.0 / larger),
        }
    }
}

/// One step's parts summed over the items that visited it, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepTotals {
    pub wait: i128,
    pub process: i128,
    pub rework: i128,
}

/// What the log covers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Coverage {
    pub items: u64,
    /// Items seen in at least one measured step.
    pub items_used: u64,
    /// Items with a step still open at the end of the log.
    pub items_in_progress: u64,
    /// Items that left the stream unfinished (`abandoned:`): neither finished nor in progress.
    pub items_abandoned: u64,
    pub events: u64,
    /// Events that no step's rule matched, by activity, most frequent first.
    pub unmatched: Vec<(String, u64)>,
}

/// Everything measured.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    /// One per measured step, in map order.
    pub steps: Vec<StepMeasurement>,
    /// Per item that finished (no step still open): from its first event to the end of its last
    /// step. The headline lead time of a measured map.
    pub item_lead_time: Distribution,
    /// Over the same items (ms): their lead times summed, and the time in activities the map
    /// does not name. With the steps' totals these add up: see [`Measurement::ladder_remainder`].
    pub lead_total: i128,
    pub unnamed_total: i128,
    pub coverage: Coverage,
    /// The log's first and last event (ms).
    pub span: Option<(i64, i64)>,
    /// For a future state measured through the map it extends: the steps it removes and adds.
    pub design: Option<DesignChange>,
}

/// What a future state changes in the steps of the measured map it extends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DesignChange {
    /// Measured steps the future state removes: their id and their wait and process time
    /// summed over the items (ms), which no longer count.
    pub removed: Vec<(String, i128)>,
    /// Steps of the future state that the measured map does not have (indices into the future
    /// map): every item is taken to pass them, at their estimates.
    pub added: Vec<usize>,
}

impl Measurement {
    /// This measurement, of the map `base`, for the future state `future` that extends it: its
    /// steps found by id in `future`, those `future` removes and adds noted in [`Self::design`].
    #[must_use]
    pub fn for_future(
        mut self,
        base: &crate::model::ValueStream,
        future: &crate::model::ValueStream,
    ) -> Measurement {
        let mut design = DesignChange::default();
        let mut steps = Vec::with_capacity(self.steps.len());
        for mut step in std::mem::take(&mut self.steps) {
            let id = &base.steps[step.step].id;
            match future.step_index(id) {
                Some(index) => {
                    step.step = index;
                    steps.push(step);
                }
                None => design
                    .removed
                    .push((id.clone(), step.totals.wait + step.totals.process)),
            }
        }
        steps.sort_by_key(|s| s.step);
        design.added = (0..future.steps.len())
            .filter(|&i| base.step_index(&future.steps[i].id).is_none())
            .collect();
        self.steps = steps;
        self.design = Some(design);
        self
    }

    /// Milliseconds of the mean lead time that the ladder's parts (each step's wait and process
    /// time weighted by the share of items that visit it, rework, activities the map does not
    /// name) leave unexplained: only the truncation of the means to milliseconds, since every
    /// instant of an item's lead time goes to exactly one part.
    pub fn ladder_remainder(&self) -> i64 {
        let items = i128::from(self.item_lead_time.count.max(1));
        let rework: i128 = self.steps.iter().map(|s| s.totals.rework).sum();
        let parts: i128 = self
            .steps
            .iter()
            .map(|s| s.totals.wait / items + s.totals.process / items)
            .sum::<i128>()
            + rework / items
            + self.unnamed_total / items;
        (self.lead_total / items - parts) as i64
    }
}

#[cfg(test)]
mod queue_tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn clock(a: i64, b: i64) -> i64 {
        b - a
    }

    #[test]
    fn the_mean_queue_is_time_weighted_and_its_p85_a_length() {
        // Over 10 days: one item waits days 0-4, another days 2-4: 2 items for 2 days, 1 for 2.
        let stretches = [(0, 4 * DAY), (2 * DAY, 4 * DAY)];
        let queue = QueueMeasurement::of(&stretches, (0, 10 * DAY), clock, 2, 3.0 * DAY as f64);
        assert!((queue.mean - 0.6).abs() < 1e-9, "{queue:?}");
        // Empty 60% of the time, 1 waiting 20%, 2 waiting 20%: the p85 is 2.
        assert_eq!((queue.p85, queue.max), (2, 2));
        // 2 items in 10 days, waiting 3 days on average: 0.6, as measured.
        assert!((queue.little - 0.6).abs() < 1e-9);
        assert!(queue.consistent());
    }

    #[test]
    fn items_still_waiting_at_the_end_break_littles_law() {
        // A third item waits from day 5 to the end of the log and never finishes the step.
        let stretches = [(0, 4 * DAY), (2 * DAY, 4 * DAY), (5 * DAY, 10 * DAY)];
        let queue = QueueMeasurement::of(&stretches, (0, 10 * DAY), clock, 2, 3.0 * DAY as f64);
        assert!((queue.mean - 1.1).abs() < 1e-9, "{queue:?}");
        let gap = queue.gap_percent.unwrap();
        assert!((gap - (1.1 - 0.6) * 100.0 / 1.1).abs() < 1e-9);
        assert!(!queue.consistent());
    }
}
