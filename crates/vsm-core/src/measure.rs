//! Measuring the steps of a map from event data.
//!
//! Each measured step has a rule that says when an item is in it:
//! - `activity`: from the `start` to the `complete` event of an activity (lifecycle pairs);
//! - `start`/`end`: from an event matching `start` to the next event matching `end`, as GitLab's
//!   value stream stages do;
//! - `states`: while the item's latest event (its status) is one of the states; repeated visits
//!   add up.
//!
//! Per item and step: process time = the time inside the step (summed over visits); wait time =
//! from the end of the steps it follows (or, for a first step, from the item's first event) to
//! its first start. %C&A = 1 - items that came back into the step after leaving it / items that
//! left it: a backward move is charged to the step the item returns to. An item with a start and
//! no end is work in progress: counted, never dropped.

use std::collections::BTreeMap;

use crate::discovery::LogEvent;
use crate::model::{Step, ValueStream};
use crate::{Duration, Percent};

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

/// One item's passage through one step: the rows `--explain` lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemRecord {
    pub item: String,
    /// First start in the step (ms since the epoch).
    pub first_start: i64,
    /// Last end, if the item has left the step.
    pub last_end: Option<i64>,
    pub visits: u32,
    /// Time inside the step over its closed visits (ms).
    pub process: i64,
    /// Time before the first start (ms), where it could be measured.
    pub wait: Option<i64>,
    /// Came back into the step after leaving it, by a backward move charged to this step.
    pub returned: bool,
    /// Whether its visits had start events (else they are completions only, of no length).
    pub timed: bool,
}

/// What the log says about one step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepMeasurement {
    pub step: usize,
    /// Items that finished the step at least once (with no visit still open).
    pub completed: u64,
    pub process_time: Distribution,
    pub wait_time: Distribution,
    pub lead_time: Distribution,
    /// Items inside the step at the end of the log.
    pub work_in_progress: u64,
    /// Completions per week over the log's time span.
    pub throughput_per_week: f64,
    /// Items that left the step, and those of them that came back.
    pub left: u64,
    pub returned: u64,
    pub complete_accurate: Option<Percent>,
    /// Process time / lead time over the items with both, in percent.
    pub flow_efficiency_percent: Option<f64>,
    /// Whether the log times the work in the step (start events). Without them, `wait_time`
    /// holds the time from the previous step's end to this step's completion: its lead time.
    pub timed: bool,
    pub items: Vec<ItemRecord>,
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
    /// Per item that finished all its measured steps: from its first event to its last end.
    pub item_lead_time: Distribution,
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
    reentry: Reentry,
}

impl<'a> Measurer<'a> {
    /// How to read an item entering a step again before it reached a later one.
    #[must_use]
    pub fn with_reentry(mut self, reentry: Reentry) -> Self {
        self.reentry = reentry;
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
        self.coverage.events += events.len() as u64;
        let (first, last) = (events[0].timestamp, events[events.len() - 1].timestamp);
        self.span = Some(
            self.span
                .map_or((first, last), |(a, b)| (a.min(first), b.max(last))),
        );
        for (event, flags) in events.iter().zip(&flags) {
            if !flags.iter().any(|(a, b)| *a || *b) {
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
            visits.push(list);
            timed.push(started);
        }
        let mut used = false;
        let mut in_progress = false;
        let mut records: Vec<Option<ItemRecord>> = vec![None; self.rules.len()];
        for (rule_index, list) in visits.iter().enumerate() {
            let Some(&(first_start, _)) = list.first() else {
                continue;
            };
            used = true;
            let open = list.iter().any(|(_, end)| end.is_none());
            in_progress |= open;
            let closed: Vec<(i64, i64)> = list
                .iter()
                .filter_map(|(s, e)| e.map(|e| (*s, e)))
                .collect();
            let process = closed.iter().map(|(s, e)| self.elapsed(*s, *e)).sum();
            let last_end = if open {
                None
            } else {
                closed.last().map(|(_, e)| *e)
            };
            records[rule_index] = Some(ItemRecord {
                item: item.to_string(),
                first_start,
                last_end,
                visits: list.len() as u32,
                process,
                wait: None,
                returned: false,
                timed: timed[rule_index],
            });
        }
        // Backward moves: walking the item's entries into steps in time order, an entry into a
        // step it has already left, at or upstream of the furthest step reached, is a return;
        // it is charged to that step only (the steps passed again on the way are not), and the
        // walk goes on from there. With `Reentry::Resume`, entering the furthest step again is
        // the same work resumed: only a step upstream of the furthest one is returned to.
        let rank = &self.rank;
        let resume = self.reentry == Reentry::Resume;
        let mut entries: Vec<(i64, usize, usize)> = visits
            .iter()
            .enumerate()
            .flat_map(|(rule, list)| {
                list.iter()
                    .map(move |(start, _)| (*start, rank[rule], rule))
            })
            .collect();
        entries.sort_unstable();
        let mut furthest: Option<usize> = None;
        for &(time, rank, rule) in &entries {
            let left_before = visits[rule]
                .iter()
                .any(|(start, end)| end.is_some_and(|end| end <= time && *start < time));
            if left_before && furthest.is_some_and(|f| rank < f || (rank == f && !resume)) {
                if let Some(record) = records[rule].as_mut() {
                    record.returned = true;
                }
                furthest = Some(rank);
            } else {
                furthest = Some(furthest.map_or(rank, |f| f.max(rank)));
            }
        }
        // Waits: from the latest end of the measured steps this one follows; for a first step,
        // from the item's first event.
        for ((step, _), record) in self.rules.iter().zip(records.iter_mut()) {
            let Some(record) = record.as_mut() else {
                continue;
            };
            let first_start = record.first_start;
            let predecessors = &self.steps[*step].after;
            let wait = if predecessors.is_empty() {
                Some(self.elapsed(first, first_start))
            } else {
                predecessors
                    .iter()
                    .filter_map(|p| self.rules.iter().position(|(s, _)| s == p))
                    .filter_map(|r| {
                        visits[r]
                            .iter()
                            .filter_map(|(_, e)| *e)
                            .filter(|e| *e <= first_start)
                            .max()
                    })
                    .max()
                    .map(|end| self.elapsed(end, first_start))
            };
            record.wait = wait;
        }
        for (rule_index, record) in records.into_iter().enumerate() {
            if let Some(record) = record {
                self.records[rule_index].push(record);
            }
        }
        self.coverage.items_used += u64::from(used);
        self.coverage.items_in_progress += u64::from(in_progress);
        if used && !in_progress {
            let last_end = visits
                .iter()
                .flatten()
                .filter_map(|(_, end)| *end)
                .max()
                .unwrap_or(first);
            self.item_leads.push(self.elapsed(first, last_end));
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
                let finished: Vec<&ItemRecord> =
                    items.iter().filter(|r| r.last_end.is_some()).collect();
                let timed = finished.iter().any(|r| r.timed);
                let mut process: Vec<i64> = finished
                    .iter()
                    .filter(|r| r.timed)
                    .map(|r| r.process)
                    .collect();
                let mut wait: Vec<i64> = finished
                    .iter()
                    .filter_map(|r| r.wait)
                    .map(|w| w.max(0))
                    .collect();
                let mut lead: Vec<i64> = finished
                    .iter()
                    .filter_map(|r| r.wait.map(|w| w.max(0) + r.process))
                    .collect();
                let (process_sum, lead_sum): (i64, i64) = finished
                    .iter()
                    .filter_map(|r| r.wait.map(|w| (r.process, w.max(0) + r.process)))
                    .fold((0, 0), |(p, l), (a, b)| (p + a, l + b));
                let left = items
                    .iter()
                    .filter(|r| r.last_end.is_some() || r.visits > 1)
                    .count() as u64;
                let returned = items.iter().filter(|r| r.returned).count() as u64;
                let completed = finished.len() as u64;
                StepMeasurement {
                    step: *step,
                    completed,
                    process_time: Distribution::of(&mut process),
                    wait_time: Distribution::of(&mut wait),
                    lead_time: Distribution::of(&mut lead),
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
                        .then(|| process_sum as f64 * 100.0 / lead_sum as f64),
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
            coverage: self.coverage,
            span: self.span,
        }
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

/// The map with measured medians in place of the estimates where the log has them; values a
/// future-state overlay sets (its design) stay as written.
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
        } else if step.process_time.count > 0 {
            target.process_time = step.process_time.p50;
            mark.process_time = Provenance::Measured;
        }
        if designed.wait_time {
            mark.wait_time = Provenance::Designed;
        } else if step.wait_time.count > 0 && step.timed {
            target.wait_time = step.wait_time.p50;
            mark.wait_time = Provenance::Measured;
        } else if step.wait_time.count > 0 {
            // Completions only: the log gives the step's lead time; the wait is what is left
            // after the estimated process time.
            target.wait_time = step
                .wait_time
                .p50
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
mod tests {
    use super::*;

    #[test]
    fn globs_match_names() {
        assert!(Pattern("Review*".into()).matches("Review requested"));
        assert!(Pattern("*approved".into()).matches("Change approved"));
        assert!(Pattern("check ticket".into()).matches("check ticket"));
        assert!(!Pattern("check".into()).matches("check ticket"));
        assert!(Pattern("a*c*e".into()).matches("abcde"));
    }

    /// A tracker's status changes: ids 0 Open, 1 In Progress, 2 In Review, 3 Done.
    fn status(activity: u32, hours: i64) -> LogEvent {
        LogEvent {
            activity,
            timestamp: hours * 3_600_000,
            is_start: false,
            is_complete: true,
            start: None,
        }
    }

    #[test]
    fn a_step_entered_again_before_a_later_one_is_rework_or_resumed_work() {
        let stream = crate::parse_map(
            "name: W\nsteps:\n  - { id: work, measure: { activity: Work } }\n  - { id: check, measure: { activity: Check } }\n",
        )
        .stream
        .unwrap();
        let rules: Vec<(usize, StepRule)> = stream
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.measure.clone().unwrap()))
            .collect();
        let names = ["Work", "Check"];
        let event = |activity: u32, hours: i64, is_start: bool| LogEvent {
            activity,
            timestamp: hours * 3_600_000,
            is_start,
            is_complete: !is_start,
            start: None,
        };
        // A works 0-1h, stops, works again 3h-4h (a second session), is checked 5h-6h.
        // B is worked, checked, and sent back to work: rework either way.
        let a = vec![
            event(0, 0, true),
            event(0, 1, false),
            event(0, 3, true),
            event(0, 4, false),
            event(1, 5, true),
            event(1, 6, false),
        ];
        let b = vec![
            event(0, 0, true),
            event(0, 1, false),
            event(1, 2, true),
            event(1, 3, false),
            event(0, 4, true),
            event(0, 5, false),
        ];
        let returns = |reentry| {
            let mut measurer = Measurer::new(&stream.steps, rules.clone()).with_reentry(reentry);
            measurer.add_item("A", &mut a.clone(), |x| names[x as usize], |_, _| None);
            measurer.add_item("B", &mut b.clone(), |x| names[x as usize], |_, _| None);
            let found = measurer.finish();
            let work = &found.steps[0];
            (work.returned, work.process_time.max)
        };
        // Process time sums the sessions either way: 2h for both items.
        assert_eq!(returns(Reentry::Rework), (2, Duration::from_hours(2)));
        assert_eq!(returns(Reentry::Resume), (1, Duration::from_hours(2)));
    }

    #[test]
    fn intervals_and_states_with_a_return() {
        let stream = crate::parse_map(
            "name: Board\nsteps:\n  - { id: dev, measure: { start: In Progress, end: In Review } }\n  - { id: review, measure: { states: In Review } }\n",
        )
        .stream
        .unwrap();
        let rules = stream
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.measure.clone().unwrap()))
            .collect();
        let mut measurer = Measurer::new(&stream.steps, rules);
        let names = ["Open", "In Progress", "In Review", "Done"];
        // A: worked 1h-3h, reviewed 3h-4h, sent back, worked 4h-6h, reviewed 6h-7h, done.
        measurer.add_item(
            "A",
            &mut [
                status(0, 0),
                status(1, 1),
                status(2, 3),
                status(1, 4),
                status(2, 6),
                status(3, 7),
            ],
            |a| names[a as usize],
            |_, _| None,
        );
        // B: in progress since 2h, never finished.
        measurer.add_item(
            "B",
            &mut [status(0, 0), status(1, 2)],
            |a| names[a as usize],
            |_, _| None,
        );
        let found = measurer.finish();
        let (dev, review) = (&found.steps[0], &found.steps[1]);
        assert_eq!((dev.completed, dev.work_in_progress), (1, 1));
        assert_eq!(dev.process_time.p50, Duration::from_hours(4));
        assert_eq!(
            dev.wait_time.p50,
            Duration::from_hours(1),
            "from the item's first event"
        );
        assert_eq!(review.process_time.p50, Duration::from_hours(2));
        assert_eq!(review.wait_time.p50, Duration::ZERO);
        // The move back from review to dev is charged to dev, the step it returned to.
        assert_eq!(
            (dev.left, dev.returned, dev.complete_accurate),
            (1, 1, Percent::new(0.0))
        );
        assert_eq!(
            (review.left, review.returned, review.complete_accurate),
            (1, 0, Some(Percent::HUNDRED))
        );
        assert_eq!(
            (
                found.coverage.items,
                found.coverage.items_used,
                found.coverage.items_in_progress
            ),
            (2, 2, 1)
        );
        assert_eq!(
            found.coverage.unmatched,
            vec![("Open".to_string(), 2), ("Done".to_string(), 1)]
        );
        // Explain rows: the open item is listed, not dropped.
        assert!(
            dev.items
                .iter()
                .any(|r| r.item == "B" && r.last_end.is_none())
        );
    }

    #[test]
    fn a_calendar_counts_working_hours_only() {
        let stream = crate::parse_map(
            "name: Board\nsteps:\n  - { id: dev, measure: { start: In Progress, end: In Review } }\nmeasure:\n  log: board.csv\n  calendar: { days: [mon, tue, wed, thu, fri], hours: 09:00-17:00 }\n",
        )
        .stream
        .unwrap();
        let spec = stream.measure.as_ref().unwrap().calendar.clone().unwrap();
        let rules = vec![(0, stream.steps[0].measure.clone().unwrap())];
        let calendar = crate::calendar::Calendar::new(&spec, jiff::tz::TimeZone::UTC);
        let mut measurer = Measurer::new(&stream.steps, rules).with_calendar(calendar);
        let names = ["Open", "In Progress", "In Review"];
        let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let event = |activity, time| LogEvent {
            activity,
            timestamp: at(time),
            is_start: false,
            is_complete: true,
            start: None,
        };
        // Opened Friday 15:00, started Friday 16:00, in review Monday 11:00.
        measurer.add_item(
            "A",
            &mut [
                event(0, "2024-03-01T15:00:00Z"),
                event(1, "2024-03-01T16:00:00Z"),
                event(2, "2024-03-04T11:00:00Z"),
            ],
            |a| names[a as usize],
            |_, _| None,
        );
        let dev = &measurer.finish().steps[0];
        // One working hour on Friday and two on Monday; the wait is Friday's 15:00 to 16:00.
        assert_eq!(dev.process_time.p50, Duration::from_hours(3));
        assert_eq!(dev.wait_time.p50, Duration::from_hours(1));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut samples: Vec<i64> = (1..=20).map(|s| s * 1000).collect();
        let d = Distribution::of(&mut samples);
        assert_eq!(
            (d.count, d.min, d.max),
            (20, Duration::from_secs(1), Duration::from_secs(20))
        );
        assert_eq!(
            (d.p50, d.p85, d.p95),
            (
                Duration::from_secs(10),
                Duration::from_secs(17),
                Duration::from_secs(19)
            )
        );
        assert_eq!(d.mean, Duration::from_millis(10_500));
    }
}
