//! What a simulation projects: the replications' results pooled into lead time percentiles with
//! confidence intervals, throughput, and per step utilization, queues and the constraint.

use super::engine::{Run, StepStats};
use super::{Config, MS_PER_WEEK, StepModel};
use crate::Duration;
use crate::measure::Distribution;

/// A 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub low: Duration,
    pub high: Duration,
}

/// One replication's own figures: what two simulations run with the same seed are compared
/// over, replication by replication (see [`super::differences`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Replication {
    /// Lead time p50, p85, p95 and mean of the replication's items (ms).
    pub p50: i64,
    pub p85: i64,
    pub p95: i64,
    pub mean: f64,
    /// Its items finished per week (as [`Projection::throughput_per_week`]).
    pub throughput_per_week: f64,
}

/// What the simulation projects for one step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepProjection {
    /// Times an item went through the step (more than the items when rework loops back).
    pub passes: u64,
    /// Items that went through the step at least once.
    pub visitors: u64,
    /// Mean time an item that went through the step spent waiting in it, and worked on in it,
    /// over all its passes.
    pub wait_per_visitor: Duration,
    pub process_per_visitor: Duration,
    /// Mean time from entering the step to the start of work, per pass.
    pub mean_wait: Duration,
    /// Mean time worked, per pass (per batch for batched steps).
    pub mean_process: Duration,
    /// Busy share of the step's capacity over the run; `None` for steps without a capacity.
    pub utilization: Option<f64>,
    /// Mean number of items waiting for the step (in its queue or its wait).
    pub mean_queue_length: f64,
    /// Mean number of items being worked on.
    pub mean_in_work: f64,
}

/// Why a step is the constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintReason {
    /// The busiest step with a capacity.
    Utilization,
    /// No step has a capacity: the step where items spend the longest.
    TimeInStep,
}

/// The simulation's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// Items sent through, split into this many independent replications.
    pub items: u64,
    pub replications: u32,
    /// The seed of the random draws: the same seed gives the same projection.
    pub seed: u64,
    /// The arrival rate simulated.
    pub arrivals_per_week: f64,
    /// Lead time per item, from arrival to the end of its last step (time waiting to enter under
    /// a WIP limit included).
    pub lead_time: Distribution,
    /// The pooled lead time's quantiles (ms) at (i + 0.5) / [`QUANTILES`], i = 0..QUANTILES:
    /// the whole distribution, to hold against the log's.
    pub quantiles: Vec<i64>,
    /// The 95% confidence interval of each percentile over the replications.
    pub p50_interval: Option<Interval>,
    pub p85_interval: Option<Interval>,
    pub p95_interval: Option<Interval>,
    /// Items finished per week while items keep arriving, once a tenth of them have finished.
    pub throughput_per_week: f64,
    /// Whether `throughput_per_week` comes from such a window. `false`: in no replication did
    /// a tenth of its items finish before the last one arrived (the run is shorter than the lead
    /// time), so it is all items over the whole run, arrivals and drain, not the stream's pace.
    pub throughput_steady: bool,
    /// Each replication's own figures, in the order of their seeds.
    pub per_replication: Vec<Replication>,
    /// Mean time items waited to enter the stream under the WIP limit.
    pub mean_entry_wait: Duration,
    pub steps: Vec<StepProjection>,
    /// The step that limits the flow, and why.
    pub constraint: Option<(usize, ConstraintReason)>,
}

impl Projection {
    /// The lead time's p50, p85 and p95, each named and with its interval.
    pub fn percentiles(&self) -> [(&'static str, Duration, Option<Interval>); 3] {
        [
            ("p50", self.lead_time.p50, self.p50_interval),
            ("p85", self.lead_time.p85, self.p85_interval),
            ("p95", self.lead_time.p95, self.p95_interval),
        ]
    }
}

/// How many quantiles of the lead time a projection keeps.
pub const QUANTILES: usize = 1_000;

/// `QUANTILES` quantiles of sorted `samples` (empty without samples).
pub fn quantiles(sorted: &[i64]) -> Vec<i64> {
    if sorted.is_empty() {
        return Vec::new();
    }
    (0..QUANTILES)
        .map(|i| {
            let p = (i as f64 + 0.5) / QUANTILES as f64;
            sorted[((p * sorted.len() as f64) as usize).min(sorted.len() - 1)]
        })
        .collect()
}

/// Two-sided 95% Student t quantiles for 1 to 30 degrees of freedom.
const T_95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

pub(super) fn t_quantile(degrees: usize) -> f64 {
    T_95.get(degrees.saturating_sub(1)).copied().unwrap_or(1.96)
}

/// Mean ± t · sd / √n of the replications' values.
fn interval(values: &[f64]) -> Option<Interval> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_quantile(n - 1) * (variance / n as f64).sqrt();
    Some(Interval {
        low: Duration::from_secs_f64((mean - half) / 1_000.0),
        high: Duration::from_secs_f64((mean + half) / 1_000.0),
    })
}

/// Items finished per week: while items keep arriving, once the stream has filled up (neither
/// the start, when it fills, nor the drain after the last arrival counts); runs too short for
/// such a window fall back to all items over the whole run.
fn throughput(window_completions: u64, window_span: i64, finished: u64, horizon: i64) -> f64 {
    if window_span > 0 && window_completions > 0 {
        window_completions as f64 * MS_PER_WEEK / window_span as f64
    } else if horizon > 0 {
        finished as f64 * MS_PER_WEEK / horizon as f64
    } else {
        0.0
    }
}

/// Pools the replications' results into the projection.
pub(super) fn summarize(
    models: &[StepModel],
    config: &Config,
    replications: u32,
    runs: &[Run],
) -> Projection {
    let distributions: Vec<Distribution> = runs
        .iter()
        .map(|run| Distribution::of(&mut run.lead_times.clone()))
        .collect();
    let per_replication = runs
        .iter()
        .zip(&distributions)
        .map(|(run, d)| Replication {
            p50: d.p50.as_millis() as i64,
            p85: d.p85.as_millis() as i64,
            p95: d.p95.as_millis() as i64,
            mean: if run.lead_times.is_empty() {
                0.0
            } else {
                run.lead_times.iter().map(|&t| t as f64).sum::<f64>() / run.lead_times.len() as f64
            },
            throughput_per_week: throughput(
                run.window_completions,
                run.window_span,
                run.lead_times.len() as u64,
                run.horizon,
            ),
        })
        .collect();
    let per_run: Vec<&Distribution> = distributions.iter().filter(|d| d.count > 0).collect();
    let mut pooled: Vec<i64> = runs
        .iter()
        .flat_map(|r| r.lead_times.iter().copied())
        .collect();
    let lead_time = Distribution::of(&mut pooled);
    // `Distribution::of` sorts the samples.
    let quantiles = quantiles(&pooled);
    let ci = |pick: fn(&Distribution) -> Duration| {
        interval(
            &per_run
                .iter()
                .map(|d| pick(d).as_millis() as f64)
                .collect::<Vec<_>>(),
        )
    };
    let finished: u64 = runs.iter().map(|r| r.lead_times.len() as u64).sum();
    let horizon: i64 = runs.iter().map(|r| r.horizon).sum();
    let window_completions: u64 = runs.iter().map(|r| r.window_completions).sum();
    let window_span: i64 = runs.iter().map(|r| r.window_span).sum();
    let steps: Vec<StepProjection> = (0..models.len())
        .map(|s| {
            let sum = |f: fn(&StepStats) -> f64| runs.iter().map(|r| f(&r.steps[s])).sum::<f64>();
            let passes = sum(|x| x.passes as f64);
            let visitors = sum(|x| x.visitors as f64);
            let batches = sum(|x| x.batches as f64);
            let per = |total: f64, n: f64| {
                Duration::from_secs_f64(if n > 0.0 { total / n / 1_000.0 } else { 0.0 })
            };
            let over_time = |area: f64| {
                if horizon > 0 {
                    area / horizon as f64
                } else {
                    0.0
                }
            };
            StepProjection {
                passes: passes as u64,
                visitors: visitors as u64,
                wait_per_visitor: per(sum(|x| x.wait_sum as f64), visitors),
                process_per_visitor: per(sum(|x| x.process_sum as f64), visitors),
                mean_wait: per(sum(|x| x.wait_sum as f64), passes),
                mean_process: per(sum(|x| x.process_sum as f64), batches),
                utilization: models[s]
                    .capacity
                    .map(|c| over_time(sum(|x| x.busy_area)) / f64::from(c)),
                mean_queue_length: over_time(sum(|x| x.waiting_area)),
                mean_in_work: over_time(sum(|x| x.in_work_area)),
            }
        })
        .collect();
    let constraint = steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.utilization.map(|u| (i, u)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| (i, ConstraintReason::Utilization))
        .or_else(|| {
            steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    (
                        i,
                        s.mean_wait.saturating_add(s.mean_process).as_millis() * s.passes,
                    )
                })
                .max_by_key(|&(_, time)| time)
                .filter(|&(_, time)| time > 0)
                .map(|(i, _)| (i, ConstraintReason::TimeInStep))
        });
    Projection {
        items: config.items,
        replications,
        seed: config.seed,
        arrivals_per_week: config.arrivals_per_week,
        p50_interval: ci(|d| d.p50),
        p85_interval: ci(|d| d.p85),
        p95_interval: ci(|d| d.p95),
        lead_time,
        quantiles,
        throughput_per_week: throughput(window_completions, window_span, finished, horizon),
        throughput_steady: window_span > 0 && window_completions > 0,
        per_replication,
        mean_entry_wait: Duration::from_secs_f64(
            runs.iter().map(|r| r.entry_wait_sum as f64).sum::<f64>()
                / finished.max(1) as f64
                / 1_000.0,
        ),
        steps,
        constraint,
    }
}
