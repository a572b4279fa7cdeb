//! Calibrating the current state from its log: what the simulation takes from the items the map
//! is measured from, instead of a shape fitted to the map's graph.
//!
//! - **Durations**: per step, the whole time each finished item spent in it (its wait, its
//!   process time, and the waits and work of its later passes), drawn with replacement: the
//!   items' own values, no fitted distribution. Measuring gives every instant of an item's lead
//!   time to exactly one part, so the parts of one item add up to its lead time; the time in
//!   activities the map does not name is drawn per item too.
//! - **Routing**: from the items' visit sequences (their steps in the order they first started
//!   them), the share of items going from the start, or from each step, to each next step or out:
//!   a chain that skips steps, and leaves early, as often as the log's items do. Repeat visits
//!   (rework, loops back) are in the drawn time in the step, as they were in the log.
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
    /// Finished items that came back to the step (more than one visit), and more than twice.
    pub looped: u64,
    pub looped_twice: u64,
    /// p95 over the log's span of the items inside the step at once (timed steps only).
    pub concurrency_p95: Option<u32>,
}

/// One passage of a log's item through a step, drawn whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Its wait and process time in the step, all passes (ms).
    pub wait: i64,
    pub process: i64,
    /// On the last step of its route, its time outside the map's steps (ms); else 0.
    pub outside: i64,
    /// The step it went to next, or the number of steps when it left.
    pub next: u32,
}

/// The current state as its log shows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Calibration {
    /// One per step of the map; a step no finished item visited has no samples.
    pub steps: Vec<StepCalibration>,
    /// Item counts per transition of the visit sequences: `transitions[from][to]`, `from` 0 the
    /// start and `s + 1` step `s`; `to` a step, or `steps.len()` for leaving.
    pub transitions: Vec<Vec<u64>>,
    /// The samples of step `to` from the items that came to it from `from` (indexed as
    /// `transitions`): a wait depends on where the item comes from (straight from the start, or
    /// after the steps it follows), and where an item goes next on how long it took (an
    /// application that waits too long is cancelled), so a draw keeps the item's wait, process
    /// time, time outside the steps and next step together.
    pub by_transition: Vec<Vec<Vec<Sample>>>,
    /// Per finished item: its time in activities the map does not name (ms).
    pub unnamed: Vec<i64>,
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
        self.steps[s].samples.len() as u64
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
}

#[derive(Default)]
struct ItemParts {
    entered: i64,
    end: i64,
    parts: i64,
    finished: bool,
    /// (first start, step, (wait, process)) of each step visited.
    visits: Vec<(i64, usize, (i64, i64))>,
}

/// The calibration of `stream` from its `measurement`; `None` when no item finished.
pub fn calibrate(stream: &ValueStream, measurement: &Measurement) -> Option<Calibration> {
    let steps = stream.steps.len();
    let mut calibration = Calibration {
        steps: vec![StepCalibration::default(); steps],
        transitions: vec![vec![0; steps + 1]; steps + 1],
        by_transition: vec![vec![Vec::new(); steps]; steps + 1],
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
            let pair = (
                (record.wait + record.rework_wait).max(0),
                (record.process + record.rework_process).max(0),
            );
            item.visits.push((record.first_start, index, pair));
            if record.finished() {
                let calibrated = &mut calibration.steps[index];
                calibrated.samples.push(pair);
                calibrated.looped += u64::from(record.visits > 1);
                calibrated.looped_twice += u64::from(record.visits > 2);
            }
        }
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
        let unnamed = (lead - item.parts).max(0);
        calibration.unnamed.push(unnamed);

        item.visits.sort_unstable();
        let mut from = 0;
        let last = item.visits.len().saturating_sub(1);
        for (position, &(_, step, (wait, process))) in item.visits.iter().enumerate() {
            calibration.transitions[from][step] += 1;
            let (outside, next) = if position == last {
                (unnamed, steps)
            } else {
                (0, item.visits[position + 1].1)
            };
            calibration.by_transition[from][step].push(Sample {
                wait,
                process,
                outside,
                next: next as u32,
            });
            from = step + 1;
        }
        calibration.transitions[from][steps] += 1;
    }
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
