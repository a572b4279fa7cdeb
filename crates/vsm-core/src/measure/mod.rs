//! Measuring the steps of a map from event data.
//!
//! Each measured step has a rule that says when an item is in it:
//! - `activity`: from the `start` to the `complete` event of an activity (lifecycle pairs);
//! - `start`/`end`: from an event matching `start` to the next event matching `end`, as GitLab's
//!   value stream stages do;
//! - `states`: while the item's latest event (its status) is one of the states; repeated visits
//!   add up.
//!
//! An item's lead time runs from its first event to the end of its last step. Every instant of
//! it goes to exactly one part ([`timeline`]): a step's wait or process time on the first pass,
//! rework, or an activity the map does not name; so the parts add up to the item's lead time,
//! and their means, weighted by the share of items that visit each step, to the mean lead time.
//! %C&A = 1 - items that came back into the step after leaving it / items that left it: a
//! backward move is charged to the step the item returns to. An item with a start and no end is
//! work in progress: counted, never dropped.

use std::collections::BTreeMap;

use crate::discovery::LogEvent;
use crate::model::{Step, ValueStream};
use crate::{Duration, Percent};

mod timeline;

use timeline::Visit;

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
    fn flags(&self, text: &str) -> (bool, bool) {
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
    /// Count measured times in working hours only.
    pub calendar: Option<crate::calendar::CalendarSpec>,
    /// What an item entering a step again before it reached any later step means.
    pub reentry: Reentry,
    /// `last_event: done`: the log holds finished cases, so a step an item is still in at its
    /// last event ends there (else the item is in progress).
    pub last_event_ends: bool,
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
    pub const ALL: [(Reentry, &'static str); 2] =
        [(Reentry::Rework, "rework"), (Reentry::Resume, "resume")];
}

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
    /// Whether the item finished (no step still open): only finished items make the figures.
    pub finished: bool,
}

impl ItemRecord {
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
}

/// Accumulates items, one at a time.
#[derive(Debug)]
pub struct Measurer<'a> {
    steps: &'a [Step],
    rules: Vec<(usize, StepRule)>,
    /// Per rule: its step's place in the topological order (upstream steps rank lower).
    rank: Vec<usize>,
    /// Per activity id: per rule index, (matches start/activity/state, matches end).
    matches: Vec<Option<Vec<(bool, bool)>>>,
    records: Vec<Vec<ItemRecord>>,
    coverage: Coverage,
    unmatched: BTreeMap<String, u64>,
    span: Option<(i64, i64)>,
    calendar: Option<crate::calendar::Calendar>,
    item_leads: Vec<i64>,
    lead_total: i128,
    unnamed_total: i128,
    reentry: Reentry,
    last_event_ends: bool,
}

impl<'a> Measurer<'a> {
    /// How to read an item entering a step again before it reached a later one.
    #[must_use]
    pub fn with_reentry(mut self, reentry: Reentry) -> Self {
        self.reentry = reentry;
        self
    }

    /// Ends the steps an item is still in at its last event there: the log holds finished cases.
    #[must_use]
    pub fn with_last_event_ending(mut self, ends: bool) -> Self {
        self.last_event_ends = ends;
        self
    }

    /// Counts process and wait times in the calendar's working hours only.
    #[must_use]
    pub fn with_calendar(mut self, calendar: crate::calendar::Calendar) -> Self {
        self.calendar = Some(calendar);
        self
    }

    /// Milliseconds from `from` to `to`, in working time when there is a calendar.
    fn elapsed(&self, from: i64, to: i64) -> i64 {
        match &self.calendar {
            Some(calendar) => calendar.working_millis(from, to),
            None => to - from,
        }
    }

    /// `rules`: (step index, rule) for the measured steps.
    pub fn new(steps: &'a [Step], mut rules: Vec<(usize, StepRule)>) -> Self {
        rules.sort_by_key(|(step, _)| *step);
        let count = rules.len();
        let order = crate::graph::topological_order(steps).expect("a checked stream has no cycle");
        let rank = rules
            .iter()
            .map(|(step, _)| {
                order
                    .iter()
                    .position(|s| s == step)
                    .expect("every step is in the order")
            })
            .collect();
        Measurer {
            steps,
            rules,
            rank,
            matches: Vec::new(),
            records: vec![Vec::new(); count],
            coverage: Coverage::default(),
            unmatched: BTreeMap::new(),
            span: None,
            calendar: None,
            item_leads: Vec::new(),
            lead_total: 0,
            unnamed_total: 0,
            last_event_ends: false,
            reentry: Reentry::Rework,
        }
    }

    fn matches_of(&mut self, activity: u32, name: &str) -> &[(bool, bool)] {
        let index = activity as usize;
        if self.matches.len() <= index {
            self.matches.resize(index + 1, None);
        }
        if self.matches[index].is_none() {
            let flags = self
                .rules
                .iter()
                .map(|(_, rule)| rule.matching.flags(name))
                .collect();
            self.matches[index] = Some(flags);
        }
        self.matches[index].as_deref().expect("just filled")
    }

    /// Adds one item; `name` resolves activity ids, `value(event, attribute)` gives an event's
    /// attribute value (by the event's position in `events` as given).
    pub fn add_item<'n>(
        &mut self,
        item: &str,
        events: &mut [LogEvent],
        name: impl Fn(u32) -> &'n str,
        value: impl Fn(usize, &str) -> Option<&'n str>,
    ) {
        if events.is_empty() {
            return;
        }
        // Which rules each event matches, by its activity or by the attribute a rule names.
        let mut flags: Vec<Vec<(bool, bool)>> = Vec::with_capacity(events.len());
        for (position, event) in events.iter().enumerate() {
            let mut row = self
                .matches_of(event.activity, name(event.activity))
                .to_vec();
            for (slot, (_, rule)) in row.iter_mut().zip(&self.rules) {
                if let Some(attribute) = &rule.attribute {
                    *slot = value(position, attribute)
                        .map_or((false, false), |text| rule.matching.flags(text));
                }
            }
            flags.push(row);
        }
        // In time order (ties keep file order), the flags moving with their events.
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by_key(|&i| events[i].timestamp);
        let sorted: Vec<LogEvent> = order.iter().map(|&i| events[i]).collect();
        let flags: Vec<Vec<(bool, bool)>> = order
            .iter()
            .map(|&i| std::mem::take(&mut flags[i]))
            .collect();
        events.copy_from_slice(&sorted);
        self.coverage.items += 1;
        // An interval event (with its own start timestamp) arrives as a start and a complete
        // event, both carrying the start: one event of the log, counted by its complete event.
        let made = |e: &LogEvent| e.start.is_some() && e.is_start;
        self.coverage.events += events.iter().filter(|e| !made(e)).count() as u64;
        let (first, last) = (events[0].timestamp, events[events.len() - 1].timestamp);
        self.span = Some(
            self.span
                .map_or((first, last), |(a, b)| (a.min(first), b.max(last))),
        );
        for (event, flags) in events.iter().zip(&flags) {
            if !made(event) && !flags.iter().any(|(a, b)| *a || *b) {
                *self
                    .unmatched
                    .entry(name(event.activity).to_string())
                    .or_default() += 1;
            }
        }
        // Visits per rule, and whether each rule saw a real start.
        let mut visits: Vec<Vec<(i64, Option<i64>)>> = Vec::with_capacity(self.rules.len());
        let mut timed: Vec<bool> = Vec::with_capacity(self.rules.len());
        for (rule_index, (_, rule)) in self.rules.iter().enumerate() {
            let mut list: Vec<(i64, Option<i64>)> = Vec::new();
            let mut started = !matches!(rule.matching, Matching::Activity(_));
            match &rule.matching {
                Matching::Activity(_) => {
                    for (event, flags) in events.iter().zip(&flags) {
                        if !flags[rule_index].0 {
                            continue;
                        }
                        if event.is_start {
                            started = true;
                            list.push((event.timestamp, None));
                        } else if event.is_complete {
                            match list.iter_mut().rev().find(|(_, end)| end.is_none()) {
                                Some(open) => open.1 = Some(event.timestamp),
                                // A completion without a start: a visit of no measurable length.
                                None => list.push((event.timestamp, Some(event.timestamp))),
                            }
                        }
                    }
                }
                Matching::Interval { .. } => {
                    for (event, flags) in events.iter().zip(&flags) {
                        let (starts, ends) = flags[rule_index];
                        let open = list.last().is_some_and(|(_, end)| end.is_none());
                        if open && ends {
                            list.last_mut().expect("open").1 = Some(event.timestamp);
                        } else if !open && starts {
                            list.push((event.timestamp, None));
                        }
                    }
                }
                Matching::States(_) => {
                    for (event, flags) in events.iter().zip(&flags) {
                        let open = list.last().is_some_and(|(_, end)| end.is_none());
                        let inside = flags[rule_index].0;
                        if open && !inside {
                            list.last_mut().expect("open").1 = Some(event.timestamp);
                        } else if !open && inside {
                            list.push((event.timestamp, None));
                        }
                    }
                }
            }
            if self.last_event_ends {
                for visit in list.iter_mut().filter(|(_, end)| end.is_none()) {
                    visit.1 = Some(last);
                }
            }
            visits.push(list);
            timed.push(started);
        }
        let used = visits.iter().any(|list| !list.is_empty());
        let in_progress = visits.iter().flatten().any(|(_, end)| end.is_none());
        self.coverage.items_used += u64::from(used);
        self.coverage.items_in_progress += u64::from(in_progress);
        if !used {
            return;
        }
        // Backward moves: walking the item's entries into steps in time order, an entry into a
        // step it has already left, at or upstream of the furthest step reached, is a return;
        // it is charged to that step only (the steps passed again on the way are not), and the
        // walk goes on from there. With `Reentry::Resume`, entering the furthest step again is
        // the same work resumed: only a step upstream of the furthest one is returned to.
        // A visit is part of a step's first pass when it is the first, or (resumed work) when
        // it is no return and nothing was sent back before it.
        let rank = &self.rank;
        let resume = self.reentry == Reentry::Resume;
        let mut entries: Vec<(i64, usize, usize, usize)> = visits
            .iter()
            .enumerate()
            .flat_map(|(rule, list)| {
                list.iter()
                    .enumerate()
                    .map(move |(k, (start, _))| (*start, rank[rule], rule, k))
            })
            .collect();
        entries.sort_unstable();
        let mut first_pass: Vec<Vec<bool>> = visits.iter().map(|l| vec![false; l.len()]).collect();
        let mut returned = vec![false; visits.len()];
        // Per rule: how many of its visits (by start) are counted into `earliest_end`, the
        // earliest end among them.
        let mut counted = vec![0usize; visits.len()];
        let mut earliest_end: Vec<Option<i64>> = vec![None; visits.len()];
        let mut furthest: Option<usize> = None;
        let mut sent_back = false;
        for &(time, rank, rule, k) in &entries {
            while counted[rule] < visits[rule].len() && visits[rule][counted[rule]].0 < time {
                if let Some(end) = visits[rule][counted[rule]].1 {
                    earliest_end[rule] = Some(earliest_end[rule].map_or(end, |e| e.min(end)));
                }
                counted[rule] += 1;
            }
            let left_before = earliest_end[rule].is_some_and(|end| end <= time);
            let is_return =
                left_before && furthest.is_some_and(|f| rank < f || (rank == f && !resume));
            first_pass[rule][k] = k == 0 || (resume && !is_return && !sent_back);
            if is_return {
                returned[rule] = true;
                sent_back = true;
                furthest = Some(rank);
            } else {
                furthest = Some(furthest.map_or(rank, |f| f.max(rank)));
            }
        }
        // The item's time, split into its parts: open visits (work in progress) count up to
        // its last event, so that the rows of `--explain` show them too.
        let last_event = events[events.len() - 1].timestamp;
        let end = if in_progress {
            last_event
        } else {
            visits
                .iter()
                .flatten()
                .filter_map(|(_, end)| *end)
                .max()
                .unwrap_or(first)
        };
        let closed: Vec<Visit> = visits
            .iter()
            .enumerate()
            .flat_map(|(rule, list)| {
                let first_pass = &first_pass[rule];
                list.iter()
                    .enumerate()
                    .map(move |(k, (start, stop))| Visit {
                        rule,
                        rank: rank[rule],
                        start: *start,
                        end: stop.unwrap_or(last_event).max(*start),
                        first_pass: first_pass[k],
                    })
            })
            .collect();
        let unnamed = unnamed_intervals(events, &flags);
        let time = timeline::attribute(first, end, self.rules.len(), &closed, &unnamed, |a, b| {
            self.elapsed(a, b)
        });
        for (rule_index, list) in visits.iter().enumerate() {
            let Some(&(first_start, _)) = list.first() else {
                continue;
            };
            let open = list.iter().any(|(_, end)| end.is_none());
            let basis = self.wait_basis(rule_index, first_start, &visits);
            self.records[rule_index].push(ItemRecord {
                item: item.to_string(),
                entered: first,
                first_start,
                last_end: if open {
                    None
                } else {
                    list.iter().filter_map(|(_, e)| *e).max()
                },
                visits: list.len() as u32,
                process: time.process[rule_index],
                wait: time.wait[rule_index],
                rework_wait: time.rework_wait[rule_index],
                rework_process: time.rework_process[rule_index],
                basis,
                returned: returned[rule_index],
                timed: timed[rule_index],
                finished: !in_progress,
            });
        }
        if !in_progress {
            let lead = self.elapsed(first, end);
            debug_assert_eq!(lead, time.total(), "the parts add up to the lead time");
            self.item_leads.push(lead);
            self.lead_total += i128::from(lead);
            self.unnamed_total += i128::from(time.unnamed);
        }
    }

    /// Where the wait of the step of `rule` is measured from, for an item first starting it at
    /// `first_start` with these visits.
    fn wait_basis(
        &self,
        rule: usize,
        first_start: i64,
        visits: &[Vec<(i64, Option<i64>)>],
    ) -> WaitBasis {
        let predecessors = &self.steps[self.rules[rule].0].after;
        if predecessors.is_empty() {
            return WaitBasis::StreamStart;
        }
        let (mut before, mut later) = (false, false);
        for &p in predecessors {
            let Some(r) = self.rules.iter().position(|(s, _)| *s == p) else {
                continue;
            };
            for &(start, end) in &visits[r] {
                if start > first_start {
                    later = true;
                    continue;
                }
                before = true;
                if end.is_some_and(|end| end <= first_start) {
                    return WaitBasis::Predecessor;
                }
            }
        }
        if before {
            WaitBasis::Overlap
        } else if later {
            WaitBasis::OutOfOrder
        } else {
            WaitBasis::NoPredecessor
        }
    }

    pub fn finish(mut self) -> Measurement {
        let weeks = self.span.map_or(1.0, |(a, b)| {
            ((b - a) as f64 / (7.0 * 86_400_000.0)).max(1.0 / 7.0)
        });
        let end_of_log = self.span.map_or(0, |(_, b)| b);
        let steps = self
            .rules
            .iter()
            .zip(std::mem::take(&mut self.records))
            .map(|((step, _), items)| {
                let finished: Vec<&ItemRecord> = items.iter().filter(|r| r.finished).collect();
                let timed = finished.iter().any(|r| r.timed);
                let samples = |part: &dyn Fn(&ItemRecord) -> i64| -> Vec<i64> {
                    finished.iter().map(|r| part(r)).collect()
                };
                // Completions only: no process time is measured (the wait holds the lead time).
                let mut process = if timed {
                    samples(&|r| r.process)
                } else {
                    Vec::new()
                };
                let mut wait = samples(&|r| r.wait);
                let mut lead = samples(&|r| r.wait + r.process);
                let mut rework = samples(&|r| r.rework());
                let total = |values: &[i64]| values.iter().map(|&v| i128::from(v)).sum::<i128>();
                let totals = StepTotals {
                    wait: total(&wait),
                    process: if timed { total(&process) } else { 0 },
                    rework: total(&rework),
                };
                let wait_basis = WaitBasis::ALL
                    .iter()
                    .map(|&basis| {
                        (
                            basis,
                            finished.iter().filter(|r| r.basis == basis).count() as u64,
                        )
                    })
                    .filter(|(_, n)| *n > 0)
                    .collect();
                let left = items
                    .iter()
                    .filter(|r| r.last_end.is_some() || r.visits > 1)
                    .count() as u64;
                let returned = items.iter().filter(|r| r.returned).count() as u64;
                let completed = items.iter().filter(|r| r.last_end.is_some()).count() as u64;
                let lead_sum = totals.wait + totals.process;
                StepMeasurement {
                    step: *step,
                    completed,
                    visited: finished.len() as u64,
                    process_time: Distribution::of(&mut process),
                    wait_time: Distribution::of(&mut wait),
                    lead_time: Distribution::of(&mut lead),
                    rework_time: Distribution::of(&mut rework),
                    totals,
                    wait_basis,
                    work_in_progress: items
                        .iter()
                        .filter(|r| r.last_end.is_none() && r.first_start <= end_of_log)
                        .count() as u64,
                    throughput_per_week: completed as f64 / weeks,
                    left,
                    returned,
                    complete_accurate: (left > 0).then(|| {
                        Percent::new(100.0 * (1.0 - returned as f64 / left as f64))
                            .expect("0..=100")
                    }),
                    flow_efficiency_percent: (timed && lead_sum > 0)
                        .then(|| totals.process as f64 * 100.0 / lead_sum as f64),
                    timed,
                    items,
                }
            })
            .collect();
        let mut unmatched: Vec<(String, u64)> = self.unmatched.into_iter().collect();
        unmatched.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        self.coverage.unmatched = unmatched;
        Measurement {
            steps,
            item_lead_time: Distribution::of(&mut self.item_leads),
            lead_total: self.lead_total,
            unnamed_total: self.unnamed_total,
            coverage: self.coverage,
            span: self.span,
        }
    }
}

/// The intervals of activities that no rule matches: each start paired with the next complete
/// event of the same activity. Events in time order.
fn unnamed_intervals(events: &[LogEvent], flags: &[Vec<(bool, bool)>]) -> Vec<(i64, i64)> {
    let mut open: Vec<(u32, i64)> = Vec::new();
    let mut intervals = Vec::new();
    for (event, flags) in events.iter().zip(flags) {
        if flags.iter().any(|(a, b)| *a || *b) {
            continue;
        }
        if event.is_start {
            open.push((event.activity, event.timestamp));
        } else if event.is_complete
            && let Some(at) = open.iter().rposition(|(a, _)| *a == event.activity)
        {
            let (_, start) = open.remove(at);
            if event.timestamp > start {
                intervals.push((start, event.timestamp));
            }
        }
    }
    intervals
}

impl Measurement {
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

/// Where a number in the analysis came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    Estimated,
    Measured,
    /// Measured lead time less the estimated process time.
    Mixed,
    /// Set by a future-state map that extends a measured one: the design, not measured.
    Designed,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Estimated => "estimated",
            Provenance::Measured => "measured",
            Provenance::Mixed => "mixed",
            Provenance::Designed => "designed",
        }
    }
}

/// Per step: where its process time, wait time and %C&A came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepProvenance {
    pub process_time: Provenance,
    pub wait_time: Provenance,
    pub complete_accurate: Provenance,
}

impl Default for StepProvenance {
    fn default() -> Self {
        StepProvenance {
            process_time: Provenance::Estimated,
            wait_time: Provenance::Estimated,
            complete_accurate: Provenance::Estimated,
        }
    }
}

/// The map with measured means in place of the estimates where the log has them (means over
/// the finished items that visited each step, so that they add up: see
/// [`Measurement::ladder_remainder`]); values a future-state overlay sets (its design) stay as
/// written.
pub fn apply(
    stream: &ValueStream,
    measurement: &Measurement,
) -> (ValueStream, Vec<StepProvenance>) {
    let mut measured = stream.clone();
    let mut provenance = vec![StepProvenance::default(); stream.steps.len()];
    for step in &measurement.steps {
        let target = &mut measured.steps[step.step];
        let mark = &mut provenance[step.step];
        let designed = target.designed;
        if designed.process_time {
            mark.process_time = Provenance::Designed;
        } else if step.visited > 0 && step.timed {
            target.process_time = step.process_time.mean;
            mark.process_time = Provenance::Measured;
        }
        if designed.wait_time {
            mark.wait_time = Provenance::Designed;
        } else if step.visited > 0 && step.timed {
            target.wait_time = step.wait_time.mean;
            mark.wait_time = Provenance::Measured;
        } else if step.visited > 0 {
            // Completions only: the log gives the step's lead time; the wait is what is left
            // after the estimated process time.
            target.wait_time = step
                .lead_time
                .mean
                .checked_sub(target.process_time)
                .unwrap_or_default();
            mark.wait_time = Provenance::Mixed;
        }
        if designed.complete_accurate {
            mark.complete_accurate = Provenance::Designed;
        } else if let Some(ca) = step.complete_accurate {
            target.complete_accurate = ca;
            mark.complete_accurate = Provenance::Measured;
        }
    }
    // Loops without a declared share follow the (now measured) %C&A of the step they return to.
    for loop_ in measured.rework.iter_mut().filter(|l| !l.share_declared) {
        let ca = measured.steps[loop_.to].complete_accurate.value();
        loop_.share = Percent::new((100.0 - ca).min(99.0)).unwrap_or(Percent::ZERO);
    }
    (measured, provenance)
}

#[cfg(test)]
mod tests;
