//! Calibrating the current state from its log: what the simulation takes from the items the map
//! is measured from, instead of a shape fitted to the map's graph.
//!
//! - **Items, whole**: each finished item's route (the steps it visited, in the order it first
//!   started them) with its own times in each (its wait and process time on the first pass, and
//!   the waits and work of its later passes), and its time in activities the map does not name.
//!   A simulated item is one of these, drawn with replacement: its steps' times stay together, so
//!   an item that was slow at one step is as slow at the next as it was in the log, and where it
//!   went depends on how long it took, as it did (an application that waits too long is
//!   cancelled). Measuring gives every instant of an item's lead time to exactly one part, so the
//!   parts of one item add up to its lead time.
//! - **Routing**, as a summary of the routes: the share of items going from the start, or from
//!   each step, to each next step or out, and per step the share that came back to it.
//! - **Arrivals**: the log's items' start times, replayed as their gaps in order (from a place
//!   drawn per replication): rate, bursts, and the weekly and daily pattern as they came.
//! - **Capacity**: per step, the p95 over the log's span of the number of items inside it at
//!   once (from their first start to their last end), for steps the log times.

use std::collections::HashMap;

use crate::measure::Measurement;
use crate::model::ValueStream;

/// What one step looks like in the log.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepCalibration {
    /// (wait, process) in ms of each finished item that visited the step: all its passes.
    pub samples: Vec<(i64, i64)>,
    /// Finished items whose route passes the step (more than the samples for a step a future
    /// state adds: its times are drawn from its estimates).
    pub visited: u64,
    /// Finished items that came back to the step (more than one visit), and more than twice.
    pub looped: u64,
    pub looped_twice: u64,
    /// p95 over the log's span of the items inside the step at once (timed steps only).
    pub concurrency_p95: Option<u32>,
    /// The log has start events for the step: its process time is measured. Without them the
    /// first pass's wait holds the step's whole time.
    pub timed: bool,
}

/// One item's passage through one step, in ms.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Visit {
    pub step: u32,
    /// Waiting for, and working on, the first pass.
    pub wait: i64,
    pub process: i64,
    /// Waiting for, and working on, the later passes (rework).
    pub rework_wait: i64,
    pub rework_process: i64,
    /// Visits of the step (sessions of resumed work included).
    pub passes: u32,
    /// A step the log does not have (a future state adds it): its times are drawn from the
    /// step's estimates, not taken from the item.
    pub estimated: bool,
}

impl Visit {
    /// The whole time in the step: (wait, process) over all passes.
    pub fn whole(&self) -> (i64, i64) {
        (
            self.wait + self.rework_wait,
            self.process + self.rework_process,
        )
    }

    /// Came back to the step for rework: time in a later pass (work resumed under `reentry:
    /// resume` is the first pass).
    pub fn reworked(&self) -> bool {
        self.rework_wait + self.rework_process > 0
    }
}

/// A finished item of the log: the steps it visited, in the order it first started them, and its
/// time in activities the map does not name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Route {
    pub visits: Vec<Visit>,
    /// Time outside the map's steps (ms), spent after its last step.
    pub outside: i64,
}

impl Route {
    /// The sum of its parts: its lead time through the steps without queueing (ms).
    pub fn lead_time(&self) -> i64 {
        self.visits
            .iter()
            .map(|v| {
                let (wait, process) = v.whole();
                wait + process
            })
            .sum::<i64>()
            + self.outside
    }
}

/// The current state as its log shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calibration {
    /// One per step of the map; a step no finished item visited has no samples.
    pub steps: Vec<StepCalibration>,
    /// Item counts per transition of the routes: `transitions[from][to]`, `from` 0 the start and
    /// `s + 1` step `s`; `to` a step, or `steps.len()` for leaving.
    pub transitions: Vec<Vec<u64>>,
    /// Every finished item's route, in the order the items started: what a simulated item is
    /// drawn from.
    pub routes: Vec<Route>,
    /// Per finished item: its lead time, from its first event to its last step's end (ms).
    pub lead_times: Vec<i64>,
    /// Gaps between the start times of all the log's items, in order (ms).
    pub gaps: Vec<i64>,
    /// The log's span (ms), first event to last.
    pub span: i64,
}

impl Calibration {
    /// Finished items: the population of the durations and the routing.
    pub fn finished(&self) -> u64 {
        self.lead_times.len() as u64
    }

    /// Finished items that visited step `s`.
    pub fn visitors(&self, s: usize) -> u64 {
        self.steps[s].visited
    }

    /// Items per week that arrived over the log's span.
    pub fn arrivals_per_week(&self) -> f64 {
        if self.span > 0 {
            (self.gaps.len() + 1) as f64 * super::MS_PER_WEEK / self.span as f64
        } else {
            0.0
        }
    }

    /// Finished items per week over the log's span.
    pub fn throughput_per_week(&self) -> f64 {
        if self.span > 0 {
            self.finished() as f64 * super::MS_PER_WEEK / self.span as f64
        } else {
            0.0
        }
    }

    /// Mean (wait, process) in ms over the finished items that visited step `s`.
    pub fn mean_time(&self, s: usize) -> (f64, f64) {
        let samples = &self.steps[s].samples;
        let n = samples.len().max(1) as f64;
        let (wait, process) = samples
            .iter()
            .fold((0.0, 0.0), |(w, p), &(a, b)| (w + a as f64, p + b as f64));
        (wait / n, process / n)
    }

    /// Recounts the per-step samples and loops and the transitions from the routes.
    pub(super) fn tally(&mut self) {
        let steps = self.steps.len();
        for step in &mut self.steps {
            step.samples.clear();
            step.visited = 0;
            step.looped = 0;
            step.looped_twice = 0;
        }
        self.transitions = vec![vec![0; steps + 1]; steps + 1];
        for route in &self.routes {
            let mut from = 0;
            for visit in &route.visits {
                let to = visit.step as usize;
                self.transitions[from][to] += 1;
                let step = &mut self.steps[to];
                step.visited += 1;
                if !visit.estimated {
                    step.samples.push(visit.whole());
                }
                step.looped += u64::from(visit.passes > 1);
                step.looped_twice += u64::from(visit.passes > 2);
                from = to + 1;
            }
            self.transitions[from][steps] += 1;
        }
    }
}

#[derive(Default)]
struct ItemParts {
    entered: i64,
    end: i64,
    parts: i64,
    finished: bool,
    /// (first start, visit) of each step visited.
    visits: Vec<(i64, Visit)>,
}

/// The calibration of `stream` from its `measurement`; `None` when no item finished.
pub fn calibrate(stream: &ValueStream, measurement: &Measurement) -> Option<Calibration> {
    let steps = stream.steps.len();
    let mut calibration = Calibration {
        steps: vec![StepCalibration::default(); steps],
        ..Calibration::default()
    };
    let mut items: HashMap<&str, ItemParts> = HashMap::new();
    for step in &measurement.steps {
        let index = step.step;
        for record in &step.items {
            let item = items.entry(record.item.as_str()).or_insert(ItemParts {
                entered: record.entered,
                end: record.entered,
                finished: true,
                ..ItemParts::default()
            });
            item.finished &= record.finished() && record.last_end.is_some();
            let Some(end) = record.last_end else { continue };
            item.end = item.end.max(end);
            item.parts += record.wait + record.process + record.rework_wait + record.rework_process;
            item.visits.push((
                record.first_start,
                Visit {
                    step: index as u32,
                    wait: record.wait.max(0),
                    process: record.process.max(0),
                    rework_wait: record.rework_wait.max(0),
                    rework_process: record.rework_process.max(0),
                    passes: record.visits.max(1),
                    estimated: false,
                },
            ));
        }
        calibration.steps[index].timed = step.timed;
        if step.timed {
            calibration.steps[index].concurrency_p95 = concurrency_p95(
                step.items.iter().map(|r| (r.first_start, r.last_end)),
                measurement.span,
            );
        }
    }
    // Deterministic order: by start, then id.
    let mut ordered: Vec<(&str, ItemParts)> = items.into_iter().collect();
    ordered.sort_by(|a, b| (a.1.entered, a.0).cmp(&(b.1.entered, b.0)));
    let starts: Vec<i64> = ordered.iter().map(|(_, item)| item.entered).collect();
    calibration.gaps = starts.windows(2).map(|w| w[1] - w[0]).collect();
    for (_, mut item) in ordered.into_iter().filter(|(_, item)| item.finished) {
        let lead = item.end - item.entered;
        calibration.lead_times.push(lead);
        item.visits
            .sort_unstable_by_key(|&(start, visit)| (start, visit.step));
        calibration.routes.push(Route {
            visits: item.visits.into_iter().map(|(_, visit)| visit).collect(),
            outside: (lead - item.parts).max(0),
        });
    }
    calibration.tally();
    calibration.span = measurement.span.map_or(0, |(first, last)| last - first);
    (!calibration.lead_times.is_empty()).then_some(calibration)
}

/// The p95 over `span` of the number of intervals open at once (an interval still open at the
/// end of the log lasts to its end); `None` without a span.
fn concurrency_p95(
    intervals: impl Iterator<Item = (i64, Option<i64>)>,
    span: Option<(i64, i64)>,
) -> Option<u32> {
    let (first, last) = span.filter(|(first, last)| last > first)?;
    let mut changes: Vec<(i64, i32)> = Vec::new();
    for (start, end) in intervals {
        let end = end.unwrap_or(last);
        if end > start {
            changes.push((start, 1));
            changes.push((end, -1));
        }
    }
    changes.sort_unstable();
    // Time spent at each count.
    let mut time_at: Vec<i64> = Vec::new();
    let (mut count, mut since) = (0_i32, first);
    for (time, change) in changes {
        let at = count.max(0) as usize;
        if time_at.len() <= at {
            time_at.resize(at + 1, 0);
        }
        time_at[at] += (time.clamp(first, last) - since).max(0);
        since = since.max(time.clamp(first, last));
        count += change;
    }
    let at = count.max(0) as usize;
    if time_at.len() <= at {
        time_at.resize(at + 1, 0);
    }
    time_at[at] += (last - since).max(0);
    let total: i64 = time_at.iter().sum();
    let mut covered = 0;
    for (n, time) in time_at.iter().enumerate() {
        covered += time;
        if covered as f64 >= 0.95 * total as f64 {
            return Some((n as u32).max(1));
        }
    }
    Some((time_at.len() as u32).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_is_the_p95_of_items_inside_over_time() {
        // Over 100 ms: one item inside for 94 ms, two for 6 ms: the p95 is 2.
        let intervals = [(0, Some(90)), (90, Some(100)), (90, Some(96))];
        let p95 = concurrency_p95(intervals.into_iter(), Some((0, 100)));
        assert_eq!(p95, Some(2));
        let p95 = concurrency_p95([(0, Some(99))].into_iter(), Some((0, 100)));
        assert_eq!(p95, Some(1));
    }
}
