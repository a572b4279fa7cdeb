//! What-if simulation: items flowing through the stream one event at a time.
//!
//! Each item arrives (a Poisson process at the given rate), enters the steps that start the
//! stream, and moves on to a step once every step it follows is done with it (parallel branches
//! join). In a step it first waits, then is worked on:
//!
//! - a step without `capacity` takes every item at once: its wait is drawn from the step's
//!   durations, like its process time, so nothing queues there;
//! - a step with `capacity: c` works on at most `c` items (or batches) at once: its wait is not
//!   drawn but emerges from the queue in front of it, first come first served;
//! - a step with `batch_size: b` starts when `b` items are waiting (the last, partial batch goes
//!   when nothing else can arrive), and one process time covers the batch;
//! - a step with `wip_limit: w` holds at most `w` items, waiting or worked on; the others wait
//!   to enter (in the previous step's "done" column), and that time counts as the step's wait.
//!
//! Durations are drawn with replacement from the items measured in the log (each draw keeps an
//! item's own wait and process time together), or, for estimated steps, from a log-normal
//! distribution whose median is the estimate ([`ESTIMATE_SIGMA`]). When a step finishes an item,
//! each rework loop leaving it sends the item back with the loop's share (1 - %C&A by default):
//! it then passes again through every step from the one it returns to, queueing again.
//! A stream-wide WIP limit holds arriving items back until an item leaves.
//!
//! A calibrated run (a measured current state, [`calibrate`]) sends the log's own items instead:
//! each simulated item is one of the log's finished items, drawn whole (its route and its time
//! in each step), arriving as the log's items did; a future state of it ([`for_future`]) moves
//! those items by its declared changes only.
//!
//! The run is split into replications, each seeded from (seed, replication index), so the result
//! depends on the seed only, not on the number of threads. Percentiles are pooled over all items;
//! their 95% confidence intervals come from the spread of the replications' own percentiles. Two
//! runs with the same seed pair their replications ([`differences`]).
//!
//! The set-up is in `model`, the event loop in `engine`, the pooled results in `projection`, how
//! close a run comes to the measured log in `validation`, the log's items in `calibration`, a
//! future state on them in `future`, and the change against the noise in `difference`.

mod calibration;
mod difference;
mod engine;
mod future;
mod model;
mod projection;
mod validation;

use rayon::prelude::*;

use crate::model::ValueStream;
pub use calibration::{Calibration, Route, StepCalibration, Visit, calibrate};
pub use difference::{Difference, Differences, differences};
use engine::{Calibrated, Engine, Run, Shape};
pub use future::{FutureChanges, Requeue, StepChange, for_future, mmc_queueing};
pub use model::{Config, Durations, StepModel, calibrated_models, models};
use projection::summarize;
pub use projection::{
    ConstraintReason, Interval, Projection, QUANTILES, Replication, StepProjection, quantiles,
};
pub use validation::{RANK_TOLERANCE_POINTS, StepFit, TOLERANCE_PERCENT, Validation, validate};

/// Spread of the log-normal drawn around an estimate: sigma of its logarithm. With 0.5 the p85 is
/// 1.7 times the estimate and the mean 1.13 times.
pub const ESTIMATE_SIGMA: f64 = 0.5;

const MS_PER_WEEK: f64 = 7.0 * 86_400_000.0;

/// Runs the simulation. `models` has one entry per step of `stream`.
///
/// A map that counts its waits in working days runs on working time (see [`clock_week_ms`]):
/// the rate is items a week, and a week of the run is the working week, so items arrive at the
/// demand's pace within the hours the steps work; the throughput comes back per week.
pub fn simulate(stream: &ValueStream, models: &[StepModel], config: &Config) -> Projection {
    let share = clock_week_ms(stream, false) / MS_PER_WEEK;
    let on_clock = Config {
        arrivals_per_week: config.arrivals_per_week / share,
        ..config.clone()
    };
    let mut projection = run(stream, models, &on_clock, None);
    projection.arrivals_per_week = config.arrivals_per_week;
    projection.throughput_per_week *= share;
    for replication in &mut projection.per_replication {
        replication.throughput_per_week *= share;
    }
    projection
}

/// How long a week of the run is on its clock (ms). A fitted run of a map whose waits count in
/// working days (`wait_days: working`) keeps working time only: every hour of the run is a
/// working hour, its durations and lead times are told in working days, and a week of it is the
/// working week (5 days of 16 h: 80 h). Otherwise, and for a run calibrated from a log (whose
/// clock is the log's), a week is 168 h.
pub fn clock_week_ms(stream: &ValueStream, calibrated: bool) -> f64 {
    let time = &stream.working_time;
    if !calibrated && time.declared && time.wait_days == crate::worktime::WaitDays::Working {
        f64::from(time.week_days) * time.day.as_millis() as f64
    } else {
        MS_PER_WEEK
    }
}

/// Runs the simulation calibrated from the log: each item one of the log's routes, drawn whole
/// (the steps it visited with its time in each, its time outside the map's steps), and, with
/// `replay_arrivals`, arriving as the log's items did. `models` give the capacities and the
/// estimates a step a future state adds is drawn from (see [`calibrated_models`]); a step with a
/// capacity queues after the item's wait.
pub fn simulate_calibrated(
    stream: &ValueStream,
    models: &[StepModel],
    config: &Config,
    calibration: &Calibration,
    replay_arrivals: bool,
) -> Projection {
    run(
        stream,
        models,
        config,
        Some(Calibrated {
            calibration,
            replay_arrivals,
        }),
    )
}

fn run(
    stream: &ValueStream,
    models: &[StepModel],
    config: &Config,
    calibrated: Option<Calibrated<'_>>,
) -> Projection {
    assert_eq!(models.len(), stream.steps.len(), "one model per step");
    let replications = config
        .replications
        .clamp(1, u32::try_from(config.items.max(1)).unwrap_or(u32::MAX));
    let shape = Shape::of(stream);
    let runs: Vec<Run> = (0..replications)
        .into_par_iter()
        .map(|r| {
            let share = config.items / u64::from(replications)
                + u64::from(u64::from(r) < config.items % u64::from(replications));
            let seed = config.seed ^ u64::from(r).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            Engine::new(&shape, models, config, seed, calibrated).run(share)
        })
        .collect();
    summarize(models, config, replications, &runs)
}

#[cfg(test)]
mod tests;
