//! Setting up a simulation: each step's model (where its durations are drawn from, its capacity,
//! batch size and WIP limit) and the run's settings.

use crate::Duration;
use crate::graph;
use crate::measure::{Distribution, Measurement, WaitBasis};
use crate::model::ValueStream;

/// Where a step's durations are drawn from.
#[derive(Clone, Debug, PartialEq)]
pub enum Durations {
    /// (wait, process) in milliseconds of the items measured in the log, drawn with replacement.
    Measured(Vec<(i64, i64)>),
    /// Log-normal around the map's estimates.
    Estimated { wait: Duration, process: Duration },
}

/// How one step behaves in the simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct StepModel {
    pub durations: Durations,
    /// Items (or batches) worked on at once; `None`: no limit.
    pub capacity: Option<u32>,
    /// The capacity is the p95 of the items the log had in the step at once.
    pub capacity_from_log: bool,
    pub batch_size: u32,
    /// Items in the step at once, waiting or worked on; `None`: no limit.
    pub wip_limit: Option<u32>,
    /// Measured durations moved to a future design: (wait, process) scaled so that their median
    /// is the design's value.
    pub scaled: (bool, bool),
}

/// The run's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Items to send through the stream.
    pub items: u64,
    pub seed: u64,
    /// Arrival rate, items per week.
    pub arrivals_per_week: f64,
    /// At most this many items in the stream at once; the others wait to enter.
    pub wip_limit: Option<u32>,
    /// Independent runs the items are split into (at least 2 for confidence intervals).
    pub replications: u32,
}

/// The step models of a map: measured durations where the measurement has items for the step,
/// the map's estimates elsewhere; capacity and batch size from the map.
///
/// A measured item's process time covers all its visits to the step, and the time between its
/// first start and its last end that is not process time counts as waiting, so that a draw is
/// the item's whole time in the step. For a step inside a declared rework loop the simulation
/// makes the repeat visits itself, so it draws one visit's share: the item's wait and process
/// time divided by its visits.
///
/// A future-state overlay that sets a measured step's wait or process time (its design) keeps
/// the shape of the measured distribution and moves it: every draw is scaled so that the
/// median becomes the designed value.
pub fn models(stream: &ValueStream, measurement: Option<&Measurement>) -> Vec<StepModel> {
    let mut in_loop = vec![false; stream.steps.len()];
    for rework in &stream.rework {
        for (index, inside) in graph::between(&stream.steps, rework.to, rework.from)
            .into_iter()
            .enumerate()
        {
            in_loop[index] |= inside;
        }
    }
    stream
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let measured = measurement
                .and_then(|m| m.steps.iter().find(|s| s.step == index))
                .map(|m| {
                    m.items
                        .iter()
                        .filter(|record| record.last_end.is_some())
                        // Items that came the map's way: the simulation sends every item
                        // through every step, so a wait measured after a skipped step or
                        // beside an overlapping one is not a wait it makes.
                        .filter(|record| {
                            matches!(
                                record.basis,
                                WaitBasis::StreamStart | WaitBasis::Predecessor
                            )
                        })
                        .map(|record| {
                            let wait = record.wait;
                            if record.timed {
                                // Time between visits (work suspended, sent back) is waiting.
                                let waiting = (wait + record.rework_wait).max(0);
                                let process = (record.process + record.rework_process).max(0);
                                // Inside a loop the simulation makes the visits: one draw is one.
                                let visits = if in_loop[index] {
                                    i64::from(record.visits.max(1))
                                } else {
                                    1
                                };
                                (waiting / visits, process / visits)
                            } else {
                                // Completions only: the wait holds the step's lead time; the
                                // process time is the estimate.
                                let process = step.process_time.as_millis() as i64;
                                ((wait - process).max(0), process)
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|pairs| !pairs.is_empty());
            let mut scaled = (false, false);
            let durations = match measured {
                Some(mut pairs) => {
                    if step.designed.wait_time {
                        scale(&mut pairs, |p| &mut p.0, step.wait_time);
                        scaled.0 = true;
                    }
                    if step.designed.process_time {
                        scale(&mut pairs, |p| &mut p.1, step.process_time);
                        scaled.1 = true;
                    }
                    Durations::Measured(pairs)
                }
                None => Durations::Estimated {
                    wait: step.wait_time,
                    process: step.process_time,
                },
            };
            StepModel {
                durations,
                capacity: step.capacity,
                capacity_from_log: false,
                batch_size: step.batch_size.unwrap_or(1),
                wip_limit: step.wip_limit,
                scaled,
            }
        })
        .collect()
}

/// The step models of a map calibrated from its log (see [`super::calibration`]): the items'
/// times come from their routes; a step no finished item visited (one a future state adds) is
/// drawn from the map's estimates. Capacity and batch size come from the map; with
/// `capacity_from_log`, a step the map gives no capacity takes the p95 of the items the log
/// had in it at once.
pub fn calibrated_models(
    stream: &ValueStream,
    calibration: &super::Calibration,
    capacity_from_log: bool,
) -> Vec<StepModel> {
    stream
        .steps
        .iter()
        .zip(&calibration.steps)
        .map(|(step, calibrated)| {
            let log_capacity = calibrated
                .concurrency_p95
                .filter(|_| capacity_from_log && step.capacity.is_none());
            StepModel {
                durations: if calibrated.samples.is_empty() {
                    Durations::Estimated {
                        wait: step.wait_time,
                        process: step.process_time,
                    }
                } else {
                    Durations::Measured(calibrated.samples.clone())
                },
                capacity: step.capacity.or(log_capacity),
                capacity_from_log: log_capacity.is_some(),
                batch_size: step.batch_size.unwrap_or(1),
                wip_limit: step.wip_limit,
                scaled: (false, false),
            }
        })
        .collect()
}

/// Multiplies one component of every pair so that its median (nearest rank) becomes `target`;
/// with a median of zero, every value becomes `target`.
fn scale(pairs: &mut [(i64, i64)], component: fn(&mut (i64, i64)) -> &mut i64, target: Duration) {
    let mut values: Vec<i64> = pairs.iter_mut().map(|p| *component(p)).collect();
    let median = Distribution::of(&mut values).p50.as_millis() as f64;
    let target = target.as_millis() as f64;
    for pair in pairs.iter_mut() {
        let value = component(pair);
        *value = if median > 0.0 {
            (*value as f64 * target / median).round() as i64
        } else {
            target as i64
        };
    }
}
