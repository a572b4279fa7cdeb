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
//!
//! Over 600 lines on purpose: it is the one `Measurer` (rules, timeline, figures and tests already have files of their own).
use std::collections::BTreeMap;

use std::sync::Arc;

use crate::Percent;
use crate::discovery::LogEvent;
use crate::model::Step;

mod apply;
mod figures;
mod rules;
mod timeline;

pub use apply::{Provenance, StepProvenance, apply, provenance};
pub use figures::{
    Coverage, DesignChange, Distribution, EventSource, ItemRecord, LITTLE_TOLERANCE_PERCENT,
    Measurement, ObjectRef, Outcome, QueueMeasurement, StepMeasurement, StepTotals, WaitBasis,
};
pub use rules::{Abandon, Matching, MeasureSource, Pattern, Reentry, Span, StepRule};
use timeline::Visit;

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
    abandon: Option<Abandon>,
    /// Activity names by id, shared by the records that name them.
    activity_names: Vec<Option<Arc<str>>>,
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

    /// The events by which an item leaves the stream unfinished.
    #[must_use]
    pub fn with_abandon(mut self, abandon: Option<Abandon>) -> Self {
        self.abandon = abandon;
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
            abandon: None,
            activity_names: Vec::new(),
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

    /// The name of activity `id`, shared.
    fn activity_name<'n>(&mut self, id: u32, name: impl Fn(u32) -> &'n str) -> Arc<str> {
        let index = id as usize;
        if self.activity_names.len() <= index {
            self.activity_names.resize(index + 1, None);
        }
        self.activity_names[index]
            .get_or_insert_with(|| Arc::from(name(id)))
            .clone()
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
        self.add_item_of_objects(item, events, name, value, |_| None);
    }

    /// [`Measurer::add_item`] for an item of an object-centric log: `object(event)` gives the
    /// object an event reached the item through (by the event's position in `events` as
    /// given), which the item's records name beside the events that started and ended a step.
    pub fn add_item_of_objects<'n>(
        &mut self,
        item: &str,
        events: &mut [LogEvent],
        name: impl Fn(u32) -> &'n str,
        value: impl Fn(usize, &str) -> Option<&'n str>,
        object: impl Fn(usize) -> Option<Arc<ObjectRef>>,
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
        // Which events leave the stream unfinished (`abandoned:`).
        let leaves: Vec<bool> = match &self.abandon {
            None => vec![false; events.len()],
            Some(abandon) => events
                .iter()
                .enumerate()
                .map(|(position, event)| {
                    abandon.matches(name(event.activity), |attribute| value(position, attribute))
                })
                .collect(),
        };
        // In time order (ties keep file order), the flags moving with their events.
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by_key(|&i| events[i].timestamp);
        let sorted: Vec<LogEvent> = order.iter().map(|&i| events[i]).collect();
        let flags: Vec<Vec<(bool, bool)>> = order
            .iter()
            .map(|&i| std::mem::take(&mut flags[i]))
            .collect();
        let leaves: Vec<bool> = order.iter().map(|&i| leaves[i]).collect();
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
        for ((event, flags), leaves) in events.iter().zip(&flags).zip(&leaves) {
            if !made(event) && !leaves && !flags.iter().any(|(a, b)| *a || *b) {
                *self
                    .unmatched
                    .entry(name(event.activity).to_string())
                    .or_default() += 1;
            }
        }
        // Visits per rule, and whether each rule saw a real start; per visit, the events (in
        // time order) that started and ended it.
        let mut visits: Vec<Vec<(i64, Option<i64>)>> = Vec::with_capacity(self.rules.len());
        let mut marks: Vec<Vec<(usize, Option<usize>)>> = Vec::with_capacity(self.rules.len());
        let mut timed: Vec<bool> = Vec::with_capacity(self.rules.len());
        for (rule_index, (_, rule)) in self.rules.iter().enumerate() {
            let mut list: Vec<(i64, Option<i64>)> = Vec::new();
            let mut by: Vec<(usize, Option<usize>)> = Vec::new();
            let mut started = !matches!(rule.matching, Matching::Activity(_));
            match &rule.matching {
                Matching::Activity(_) => {
                    for (at, (event, flags)) in events.iter().zip(&flags).enumerate() {
                        if !flags[rule_index].0 {
                            continue;
                        }
                        if event.is_start {
                            started = true;
                            list.push((event.timestamp, None));
                            by.push((at, None));
                        } else if event.is_complete {
                            match list.iter().rposition(|(_, end)| end.is_none()) {
                                Some(open) => {
                                    list[open].1 = Some(event.timestamp);
                                    by[open].1 = Some(at);
                                }
                                // A completion without a start: a visit of no measurable length.
                                None => {
                                    list.push((event.timestamp, Some(event.timestamp)));
                                    by.push((at, Some(at)));
                                }
                            }
                        }
                    }
                }
                Matching::Interval { .. } => {
                    for (at, (event, flags)) in events.iter().zip(&flags).enumerate() {
                        let (starts, ends) = flags[rule_index];
                        let open = list.last().is_some_and(|(_, end)| end.is_none());
                        if open && ends {
                            list.last_mut().expect("open").1 = Some(event.timestamp);
                            by.last_mut().expect("open").1 = Some(at);
                        } else if !open && starts {
                            list.push((event.timestamp, None));
                            by.push((at, None));
                        }
                    }
                }
                Matching::States(_) => {
                    for (at, (event, flags)) in events.iter().zip(&flags).enumerate() {
                        let open = list.last().is_some_and(|(_, end)| end.is_none());
                        let inside = flags[rule_index].0;
                        if open && !inside {
                            list.last_mut().expect("open").1 = Some(event.timestamp);
                            by.last_mut().expect("open").1 = Some(at);
                        } else if !open && inside {
                            list.push((event.timestamp, None));
                            by.push((at, None));
                        }
                    }
                }
            }
            if self.last_event_ends {
                for (visit, by) in list.iter_mut().zip(&mut by) {
                    if visit.1.is_none() {
                        visit.1 = Some(last);
                        by.1 = Some(events.len() - 1);
                    }
                }
            }
            if rule.span == Span::Wait {
                // The span is the wait before the step: the visit is where it ends, of no
                // measured length (the map's estimate is the work), as a completion is.
                for visit in &mut list {
                    if let Some(end) = visit.1 {
                        visit.0 = end;
                    }
                }
                started = false;
            }
            visits.push(list);
            marks.push(by);
            timed.push(started);
        }
        let used = visits.iter().any(|list| !list.is_empty());
        // Abandoned: it left the stream by an `abandoned:` event at or after the last start or
        // end of any of its steps (work that went on after such an event, as a reopened
        // issue's, is no abandonment).
        let last_step_event = visits
            .iter()
            .flatten()
            .map(|(start, end)| end.map_or(*start, |end| end.max(*start)))
            .max();
        let abandoned = events.iter().zip(&leaves).any(|(event, leaves)| {
            *leaves && last_step_event.is_some_and(|at| event.timestamp >= at)
        });
        let in_progress = !abandoned && visits.iter().flatten().any(|(_, end)| end.is_none());
        let finished = !abandoned && !in_progress;
        self.coverage.items_used += u64::from(used);
        self.coverage.items_in_progress += u64::from(in_progress);
        self.coverage.items_abandoned += u64::from(abandoned);
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
        let end = if finished {
            visits
                .iter()
                .flatten()
                .filter_map(|(_, end)| *end)
                .max()
                .unwrap_or(first)
        } else {
            last_event
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
        let mut time =
            timeline::attribute(first, end, self.rules.len(), &closed, &unnamed, |a, b| {
                self.elapsed(a, b)
            });
        // An event (by its place in time order) as the records name it.
        let mut source = |at: usize| EventSource {
            activity: self.activity_name(events[at].activity, &name),
            object: object(order[at]),
        };
        let mut sources: Vec<Option<(EventSource, Option<EventSource>)>> =
            Vec::with_capacity(visits.len());
        for (list, by) in visits.iter().zip(&marks) {
            let Some(&(first_by, _)) = by.first() else {
                sources.push(None);
                continue;
            };
            // The visit that ended last ended the step (none while one is open).
            let ended = if list.iter().any(|(_, end)| end.is_none()) {
                None
            } else {
                list.iter()
                    .zip(by)
                    .filter_map(|((_, end), (_, at))| Some(((*end)?, (*at)?)))
                    .max_by_key(|&(end, at)| (end, at))
                    .map(|(_, at)| source(at))
            };
            sources.push(Some((source(first_by), ended)));
        }
        for (rule_index, list) in visits.iter().enumerate() {
            let Some(&(first_start, _)) = list.first() else {
                continue;
            };
            let Some((started_by, ended_by)) = sources[rule_index].take() else {
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
                outcome: if finished {
                    Outcome::Finished
                } else if abandoned {
                    Outcome::Abandoned
                } else {
                    Outcome::InProgress
                },
                started_by,
                ended_by,
                queued: std::mem::take(&mut time.queued[rule_index]),
            });
        }
        if finished {
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
                let finished: Vec<&ItemRecord> = items.iter().filter(|r| r.finished()).collect();
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
                let stretches: Vec<(i64, i64)> = items
                    .iter()
                    .flat_map(|r| r.queued.iter().copied())
                    .collect();
                let finished_waits = finished.len().max(1) as f64;
                let queue = QueueMeasurement::of(
                    &stretches,
                    self.span.unwrap_or((0, 0)),
                    |a, b| self.elapsed(a, b),
                    finished.iter().filter(|r| r.last_end.is_some()).count() as u64,
                    totals.wait as f64 / finished_waits,
                );
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
                        .filter(|r| {
                            r.last_end.is_none() && !r.abandoned() && r.first_start <= end_of_log
                        })
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
                    queue,
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
            design: None,
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

#[cfg(test)]
mod tests;
