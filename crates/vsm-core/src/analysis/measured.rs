//! The headline of a measured map: what its items took, and where that time went.
//!
//! The headline lead time is the distribution of the items' own lead times (first event to the
//! end of their last step). Its mean splits into a ladder that adds up: per step, the mean wait
//! and process time of the items that visited it, weighted by the share of items that did; the
//! time in rework and in activities the map does not name; and the remainder, which is only the
//! truncation of the means to milliseconds (see [`crate::measure::Measurement::ladder_remainder`]).
//!
//! A map with steps the log does not measure (a mixed map) adds their estimates along the
//! longest path of the unmeasured steps before the measured ones and after them; unmeasured
//! steps between measured ones are already inside the items' time. A future state that changes
//! measured steps (its design) moves the mean by each change weighted by the step's share of
//! items: a projection, with no percentiles.

use crate::Duration;
use crate::analysis::{Analysis, Summary, share_percent};
use crate::graph;
use crate::measure::{Distribution, Measurement};
use crate::model::ValueStream;

/// What a measured map's items took.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasuredLeadTime {
    /// The items' lead times: count, mean and percentiles. For a projected future state, the
    /// measured items' (the current state's).
    pub items: Distribution,
    /// Items still in a step at the end of the log (not in `items`).
    pub in_progress: u64,
    /// Items that left the stream unfinished (`abandoned:`; not in `items`).
    pub abandoned: u64,
    /// Per measured step, in map order.
    pub ladder: Vec<LadderStep>,
    /// Mean time per item in rework: later passes of steps and the waits before them.
    pub rework: Duration,
    /// Mean time per item in activities the map does not name (between their start and
    /// complete events, outside every step).
    pub unnamed: Duration,
    /// Mean lead time less every part above (milliseconds; the truncation of the means).
    pub remainder_millis: i64,
    /// Unmeasured steps before the measured ones, and after them, whose estimates are added:
    /// the longest path through each of the two groups, in order.
    pub estimated_before: Vec<usize>,
    pub estimated_after: Vec<usize>,
    /// The estimates added.
    pub estimated_time: Duration,
    /// The other unmeasured steps: between measured ones (their time is inside the items'),
    /// beside them on a branch of their own, or off the longest path: not added.
    pub estimated_inside: Vec<usize>,
    /// For a future state that changes measured steps: the change of the mean lead time that
    /// the design makes (each change weighted by its step's share of items), in milliseconds.
    pub projected_change_millis: Option<i64>,
    /// A future state's new steps (every item takes them at their estimates) and the measured
    /// steps it removes (by id): both inside `projected_change_millis`.
    pub added: Vec<usize>,
    pub removed: Vec<String>,
    /// Per step of the map (map order): its wait and process time per item of the headline (a
    /// measured step's weighted by its share of items, an added estimate whole, an unmeasured
    /// step that is not added nothing), what shares, bottlenecks and teams are made of.
    pub per_item: Vec<(Duration, Duration)>,
}

/// One rung of the ladder.
#[derive(Clone, Debug, PartialEq)]
pub struct LadderStep {
    pub step: usize,
    /// Items (of the headline's) that visited the step, and their share.
    pub visited: u64,
    pub share_percent: f64,
    /// Means over the items that visited the step.
    pub wait: Duration,
    pub process: Duration,
    /// The same, per item of the headline: mean x share.
    pub weighted_wait: Duration,
    pub weighted_process: Duration,
    /// Time per item of the headline in the step's later passes and the waits before them.
    pub weighted_rework: Duration,
    /// Whether the log times the work (start events); without them the wait is the step's
    /// whole lead time.
    pub timed: bool,
    /// A future state sets the step's wait or process time: the rung shows the design.
    pub designed: bool,
}

impl MeasuredLeadTime {
    /// The mean lead time the summary states: the items' mean, the estimates added, and the
    /// design's change for a future state.
    pub fn mean(&self) -> Duration {
        let mean = self.items.mean.saturating_add(self.estimated_time);
        match self.projected_change_millis {
            Some(change) if change < 0 => mean
                .checked_sub(Duration::from_millis(change.unsigned_abs()))
                .unwrap_or_default(),
            Some(change) => mean.saturating_add(Duration::from_millis(change as u64)),
            None => mean,
        }
    }

    /// Whether the map has steps that are not measured.
    pub fn is_mixed(&self) -> bool {
        !(self.estimated_before.is_empty()
            && self.estimated_after.is_empty()
            && self.estimated_inside.is_empty())
    }
}

fn millis(total: i128, count: u64) -> Duration {
    let count = i128::from(count.max(1));
    Duration::from_millis(u64::try_from((total / count).max(0)).unwrap_or(u64::MAX))
}

/// Analyzes `stream` (the map with its measured values in place) with the headline and ladder
/// of `measurement`. Without any finished item, the path arithmetic of an estimated map.
///
/// # Panics
/// When a total passes [`Duration::MAX`]; [`try_analyze_measured`] says so instead.
pub fn analyze_measured(stream: &ValueStream, measurement: &Measurement) -> Analysis {
    try_analyze_measured(stream, measurement).unwrap_or_else(|error| panic!("{error}"))
}

/// As [`analyze_measured`], or which total of the measured numbers passes [`Duration::MAX`].
pub fn try_analyze_measured(
    stream: &ValueStream,
    measurement: &Measurement,
) -> Result<Analysis, crate::analysis::TooLong> {
    let mut analysis = crate::analysis::try_analyze(stream)?;
    let items = measurement.item_lead_time.count;
    if items == 0 {
        // Nothing finished: the map's numbers (measured where items finished a step), by the
        // path arithmetic; the reports say why.
        analysis.unfinished = Some(measurement.coverage.items_in_progress);
        return Ok(analysis);
    }
    let steps = &stream.steps;
    let mut ladder = Vec::new();
    let mut projected = 0i128;
    // A future state measured through the map it extends: the steps it removes no longer take
    // their time; the steps it adds take their estimates, for every item.
    let design = measurement.design.as_ref();
    let mut designed = design.is_some();
    let mut new_step = vec![false; stream.steps.len()];
    if let Some(design) = design {
        projected -=
            design.removed.iter().map(|(_, total)| total).sum::<i128>() / i128::from(items);
        for &i in &design.added {
            new_step[i] = true;
            projected += i128::from(stream.steps[i].lead_time().as_millis());
        }
    }
    let mut rework_total = 0i128;
    for step in &measurement.steps {
        rework_total += step.totals.rework;
        let mut rung = LadderStep {
            step: step.step,
            visited: step.visited,
            share_percent: step.visited as f64 * 100.0 / items as f64,
            wait: step.wait_time.mean,
            process: step.process_time.mean,
            weighted_wait: millis(step.totals.wait, items),
            weighted_process: millis(step.totals.process, items),
            weighted_rework: millis(step.totals.rework, items),
            timed: step.timed,
            designed: false,
        };
        let planned = &steps[step.step];
        if !rung.timed {
            // Completions only: the measured wait is the step's lead time. Split it as the map
            // does (the estimated process time, the rest waiting), keeping the sum.
            let lead = rung.weighted_wait;
            let process = planned.process_time.min(step.lead_time.mean);
            rung.process = process;
            rung.wait = step.lead_time.mean.checked_sub(process).unwrap_or_default();
            rung.weighted_process = millis(
                i128::from(process.as_millis()) * i128::from(step.visited),
                items,
            )
            .min(lead);
            rung.weighted_wait = lead.checked_sub(rung.weighted_process).unwrap_or_default();
        }
        // A future state's design in place of what was measured, weighted by who visits.
        if planned.designed.wait_time || planned.designed.process_time {
            designed = true;
            rung.designed = true;
            let weighted = |value: Duration| {
                millis(
                    i128::from(value.as_millis()) * i128::from(step.visited),
                    items,
                )
            };
            let before = i128::from(rung.weighted_wait.as_millis())
                + i128::from(rung.weighted_process.as_millis());
            if rung.timed {
                if planned.designed.wait_time {
                    rung.wait = planned.wait_time;
                    rung.weighted_wait = weighted(planned.wait_time);
                }
                if planned.designed.process_time {
                    rung.process = planned.process_time;
                    rung.weighted_process = weighted(planned.process_time);
                }
            } else {
                // Completions only: the measured wait is the step's lead time.
                rung.wait = planned.lead_time();
                rung.weighted_wait = weighted(planned.lead_time());
            }
            projected += i128::from(rung.weighted_wait.as_millis())
                + i128::from(rung.weighted_process.as_millis())
                - before;
        }
        ladder.push(rung);
    }
    let measured: Vec<bool> = (0..steps.len())
        .map(|i| measurement.steps.iter().any(|s| s.step == i))
        .collect();
    let order = graph::topological_order(steps).expect("a checked stream has no cycle");
    // Whether a measured step is upstream (ancestor) or downstream of each step.
    let mut upstream = vec![false; steps.len()];
    for &i in &order {
        upstream[i] = steps[i].after.iter().any(|&p| upstream[p] || measured[p]);
    }
    let successors = graph::successors(steps);
    let mut downstream = vec![false; steps.len()];
    for &i in order.iter().rev() {
        downstream[i] = successors[i].iter().any(|&n| downstream[n] || measured[n]);
    }
    let unmeasured = |keep: &dyn Fn(usize) -> bool| -> Vec<usize> {
        (0..steps.len())
            .filter(|&i| !measured[i] && !new_step[i] && keep(i))
            .collect()
    };
    let path_of = |group: &[usize]| -> Vec<usize> {
        let mut inside = vec![false; steps.len()];
        for &i in group {
            inside[i] = true;
        }
        let path = graph::longest_path(steps, &order, |i| {
            if inside[i] {
                steps[i].lead_time()
            } else {
                Duration::ZERO
            }
        })
        .expect("at most the sum of all lead times, which `analyze` checked");
        path.into_iter().filter(|&i| inside[i]).collect()
    };
    // Before the measured steps: upstream of every first measured step (one with no measured
    // step before it); after them: downstream of every last one. The rest runs between or beside
    // the measured steps, inside the items' time or in parallel with it.
    let reach = |from: usize, next: &dyn Fn(usize) -> Vec<usize>| -> Vec<bool> {
        let mut seen = vec![false; steps.len()];
        let mut stack = next(from);
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut seen[i], true) {
                stack.extend(next(i));
            }
        }
        seen
    };
    let forward = |i: usize| successors[i].clone();
    let backward = |i: usize| steps[i].after.clone();
    let mut after_all = vec![true; steps.len()];
    let mut before_all = vec![true; steps.len()];
    for m in (0..steps.len()).filter(|&m| measured[m]) {
        let keep_seen = |all: &mut [bool], seen: Vec<bool>| {
            all.iter_mut().zip(&seen).for_each(|(all, s)| *all &= *s);
        };
        if !downstream[m] {
            keep_seen(&mut after_all, reach(m, &forward));
        }
        if !upstream[m] {
            keep_seen(&mut before_all, reach(m, &backward));
        }
    }
    let estimated_before = path_of(&unmeasured(&|i| !upstream[i] && before_all[i]));
    let estimated_after = path_of(&unmeasured(&|i| !downstream[i] && after_all[i]));
    let mut added = vec![false; steps.len()];
    for &i in estimated_before.iter().chain(&estimated_after) {
        added[i] = true;
    }
    let estimated_inside = unmeasured(&|i| !added[i]);
    let estimated_path: Vec<usize> = estimated_before
        .iter()
        .chain(&estimated_after)
        .copied()
        .collect();
    let sum = |f: &dyn Fn(usize) -> Duration| {
        estimated_path
            .iter()
            .fold(Duration::ZERO, |total, &i| total.saturating_add(f(i)))
    };
    let estimated_time = sum(&|i| steps[i].lead_time());
    let headline = MeasuredLeadTime {
        items: measurement.item_lead_time.clone(),
        in_progress: measurement.coverage.items_in_progress,
        abandoned: measurement.coverage.items_abandoned,
        rework: millis(rework_total, items),
        unnamed: millis(measurement.unnamed_total, items),
        remainder_millis: measurement.ladder_remainder(),
        estimated_before,
        estimated_after,
        estimated_time,
        estimated_inside,
        projected_change_millis: designed.then_some(projected as i64),
        per_item: Vec::new(),
        added: design.map(|d| d.added.clone()).unwrap_or_default(),
        removed: design
            .map(|d| d.removed.iter().map(|(id, _)| id.clone()).collect())
            .unwrap_or_default(),
        ladder,
    };
    let mut headline = headline;
    let mut per_item: Vec<(Duration, Duration)> = (0..steps.len())
        .map(|i| {
            if added[i] || new_step[i] {
                (steps[i].wait_time, steps[i].process_time)
            } else {
                (Duration::ZERO, Duration::ZERO)
            }
        })
        .collect();
    for rung in &headline.ladder {
        per_item[rung.step] = (rung.weighted_wait, rung.weighted_process);
    }
    headline.per_item = per_item;
    let new_sum = |f: &dyn Fn(usize) -> Duration| {
        headline
            .added
            .iter()
            .fold(Duration::ZERO, |total, &i| total.saturating_add(f(i)))
    };
    let lead_time = headline.mean();
    let process_time = headline.ladder.iter().fold(
        sum(&|i| steps[i].process_time).saturating_add(new_sum(&|i| steps[i].process_time)),
        |total, rung| total.saturating_add(rung.weighted_process),
    );
    let wait_time = headline.ladder.iter().fold(
        sum(&|i| steps[i].wait_time).saturating_add(new_sum(&|i| steps[i].wait_time)),
        |total, rung| total.saturating_add(rung.weighted_wait),
    );
    let summary = &mut analysis.summary;
    *summary = Summary {
        lead_time,
        process_time,
        wait_time,
        activity_ratio_percent: share_percent(process_time, lead_time),
        // Rework is inside the items' lead times.
        lead_time_with_rework: lead_time,
        ..summary.clone()
    };
    for (metrics, (wait, process)) in analysis.steps.iter_mut().zip(&headline.per_item) {
        metrics.lead_time_share_percent = share_percent(wait.saturating_add(*process), lead_time);
    }
    // Teams by what their steps take per item, as the headline counts them.
    let per_item_metrics: Vec<crate::analysis::StepMetrics> = analysis
        .steps
        .iter()
        .zip(&headline.per_item)
        .map(|(metrics, &(wait, process))| crate::analysis::StepMetrics {
            process_time: process,
            wait_time: wait,
            lead_time: wait.saturating_add(process),
            ..metrics.clone()
        })
        .collect();
    analysis.teams = crate::analysis::team_totals(stream, &per_item_metrics, process_time);
    analysis.measured = Some(headline);
    analysis.bottlenecks = crate::bottleneck::rank(stream, &analysis);
    Ok(analysis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::LogEvent;
    use crate::measure::Measurer;

    fn measure(map: &str, items: &[&[(u32, i64, bool)]]) -> (ValueStream, Measurement) {
        let stream = crate::parse_map(map).stream.unwrap();
        let rules = stream
            .steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((i, s.measure.clone()?)))
            .collect();
        let mut measurer = Measurer::new(&stream.steps, rules);
        let names = ["Work", "Check"];
        for (n, events) in items.iter().enumerate() {
            let mut events: Vec<LogEvent> = events
                .iter()
                .map(|&(activity, hours, is_start)| LogEvent {
                    activity,
                    timestamp: hours * 3_600_000,
                    is_start,
                    is_complete: !is_start,
                    start: None,
                })
                .collect();
            measurer.add_item(
                &n.to_string(),
                &mut events,
                |a| names[a as usize],
                |_, _| None,
            );
        }
        let measurement = measurer.finish();
        let (measured, _) = crate::measure::apply(&stream, &measurement);
        (measured, measurement)
    }

    #[test]
    fn a_mixed_map_adds_the_estimates_of_the_steps_outside_the_log() {
        // Intake (estimated, 1d) before the measured work and check, deploy (estimated, 2h)
        // after; docs (estimated) beside check is not added.
        let (stream, measurement) = measure(
            "name: M\nsteps:\n  - { id: intake, wait_time: 1d }\n  - { id: work, measure: { activity: Work } }\n  - { id: check, measure: { activity: Check } }\n  - { id: docs, after: work, wait_time: 9d }\n  - { id: deploy, after: [check, docs], process_time: 2h }\n",
            &[
                &[(0, 0, true), (0, 2, false), (1, 3, true), (1, 4, false)],
                &[(0, 0, true), (0, 4, false), (1, 6, true), (1, 8, false)],
            ],
        );
        let analysis = analyze_measured(&stream, &measurement);
        let headline = analysis.measured.as_ref().unwrap();
        assert_eq!(headline.items.mean, Duration::from_hours(6));
        assert_eq!(headline.estimated_before, vec![0]);
        assert_eq!(headline.estimated_after, vec![4]);
        assert_eq!(headline.estimated_inside, vec![3], "docs runs beside check");
        assert_eq!(
            analysis.summary.lead_time,
            Duration::from_hours(6 + 24 + 2),
            "the items' mean and the estimates before and after them"
        );
        assert!(headline.is_mixed());
        // Docs, beside the measured steps and not added, holds no share of the headline and is
        // no time bottleneck, however long its estimate; the shares add up to the whole.
        assert!(analysis.steps[3].lead_time_share_percent.abs() < f64::EPSILON);
        assert!(
            !analysis.bottlenecks.iter().any(|b| b.step == 3
                && b.reasons
                    .iter()
                    .any(|r| r.code == crate::bottleneck::ReasonCode::LongWait)),
            "{:#?}",
            analysis.bottlenecks
        );
        let shares: f64 = analysis
            .steps
            .iter()
            .map(|s| s.lead_time_share_percent)
            .sum();
        assert!((shares - 100.0).abs() < 0.01, "{shares}");
        // Teams count what their steps take per item.
        let team_lead = analysis
            .teams
            .iter()
            .fold(Duration::ZERO, |total, t| total.saturating_add(t.lead_time));
        assert_eq!(team_lead, analysis.summary.lead_time);
    }

    #[test]
    fn a_future_state_moves_the_mean_by_its_design_weighted_by_who_visits() {
        // Half the items are checked, waiting 4h for it; the design cuts the wait to 2h.
        let map = "name: F\nsteps:\n  - { id: work, measure: { activity: Work } }\n  - { id: check, measure: { activity: Check } }\n";
        let items: &[&[(u32, i64, bool)]] = &[
            &[(0, 0, true), (0, 2, false), (1, 6, true), (1, 7, false)],
            &[(0, 0, true), (0, 2, false)],
        ];
        let (mut stream, measurement) = measure(map, items);
        let now = analyze_measured(&stream, &measurement);
        assert_eq!(now.summary.lead_time, Duration::from_secs(9 * 1800));
        stream.steps[1].wait_time = Duration::from_hours(2);
        stream.steps[1].designed.wait_time = true;
        let future = analyze_measured(&stream, &measurement);
        let headline = future.measured.as_ref().unwrap();
        assert_eq!(headline.projected_change_millis, Some(-3_600_000));
        assert_eq!(future.summary.lead_time, Duration::from_secs(7 * 1800));
        assert!(headline.ladder[1].designed);
    }
}
