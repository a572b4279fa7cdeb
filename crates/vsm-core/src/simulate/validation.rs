//! How close a simulation of the current map comes to the items measured in its log: all the
//! finished items (those that skip steps or leave early too), their whole lead time
//! distribution, each step's wait and process time, and throughput.

use super::{Calibration, Projection, quantiles};
use crate::Duration;
use crate::measure::Distribution;

/// How far the simulated percentiles of the current map may be from the measured ones before
/// the simulation is said not to reproduce the log.
pub const TOLERANCE_PERCENT: f64 = 10.0;

/// A simulated percentile outside the tolerance in time but within this many percentile points
/// of its level in the log's distribution (the simulated p50 is the log's p48 to p52) is where
/// the log's items are sparse: a small shift in rank moves the time a lot.
pub const RANK_TOLERANCE_POINTS: f64 = 2.0;

/// One step, simulated next to the log: (measured, simulated).
#[derive(Clone, Debug, PartialEq)]
pub struct StepFit {
    /// Share of the items that went through the step.
    pub visit_share: (f64, f64),
    /// Mean time waiting, and worked on, per item that went through the step (all passes).
    pub wait: (Duration, Duration),
    pub process: (Duration, Duration),
}

impl StepFit {
    /// What the step adds to the mean lead time of all items (its share times its wait and
    /// process), simulated minus measured, in ms.
    pub fn lead_time_difference(&self) -> f64 {
        let per_item = |share: f64, wait: Duration, process: Duration| {
            share * (wait.as_millis() + process.as_millis()) as f64
        };
        per_item(self.visit_share.1, self.wait.1, self.process.1)
            - per_item(self.visit_share.0, self.wait.0, self.process.0)
    }
}

/// The simulated current map next to its measured items.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// The lead times of all the measured items that finished.
    pub measured: Distribution,
    /// Simulated minus measured, in percent of measured: p50, p85, p95.
    pub difference_percent: [f64; 3],
    /// Where the simulated p50, p85 and p95 fall in the log's distribution: the percent of its
    /// items with a lead time at most the simulated value (50, 85 and 95 for a perfect fit).
    pub rank_percent: [f64; 3],
    /// Earth mover's distance between the simulated and the measured lead time distributions
    /// (the mean shift of an item's lead time needed to turn one into the other), in percent of
    /// the measured mean lead time.
    pub distance_percent: f64,
    /// Items finished per week: (measured over the log's span, simulated).
    pub throughput_per_week: (f64, f64),
    /// One per step of the map.
    pub steps: Vec<StepFit>,
    /// The step whose simulated numbers move the mean lead time furthest from the log's, and by
    /// how much in percent of the measured mean, when outside the tolerance.
    pub worst_step: Option<(usize, f64)>,
    /// Every percentile within [`TOLERANCE_PERCENT`].
    pub within: bool,
}

/// The earth mover's (Wasserstein-1) distance between two distributions given by the same
/// number of quantiles at the same levels: the mean absolute difference of the quantiles.
fn earth_movers_distance(a: &[i64], b: &[i64]) -> f64 {
    if a.is_empty() || a.len() != b.len() {
        return 0.0;
    }
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() as f64)
        .sum::<f64>()
        / a.len() as f64
}

/// The simulation held against the log's finished items (see [`super::calibrate`]).
pub fn validate(projection: &Projection, calibration: &Calibration) -> Option<Validation> {
    if calibration.lead_times.is_empty() {
        return None;
    }
    let mut lead_times = calibration.lead_times.clone();
    let measured = Distribution::of(&mut lead_times);
    let pairs = [
        (projection.lead_time.p50, measured.p50),
        (projection.lead_time.p85, measured.p85),
        (projection.lead_time.p95, measured.p95),
    ];
    let difference_percent = pairs.map(|(simulated, measured)| {
        if measured.is_zero() {
            0.0
        } else {
            (simulated.as_millis() as f64 - measured.as_millis() as f64) * 100.0
                / measured.as_millis() as f64
        }
    });
    // `Distribution::of` sorted the lead times.
    let rank_percent = pairs.map(|(simulated, _)| {
        let at_most = lead_times.partition_point(|&t| t <= simulated.as_millis() as i64);
        at_most as f64 * 100.0 / lead_times.len() as f64
    });
    let mean = measured.mean.as_millis() as f64;
    let percent_of_mean = |ms: f64| if mean > 0.0 { ms * 100.0 / mean } else { 0.0 };
    let distance_percent = percent_of_mean(earth_movers_distance(
        &projection.quantiles,
        &quantiles(&lead_times),
    ));
    let finished = calibration.finished() as f64;
    let simulated_items = projection.lead_time.count.max(1) as f64;
    let steps: Vec<StepFit> = projection
        .steps
        .iter()
        .enumerate()
        .map(|(s, simulated)| {
            let (wait, process) = calibration.mean_time(s);
            let ms = |v: f64| Duration::from_millis(v.max(0.0) as u64);
            StepFit {
                visit_share: (
                    calibration.visitors(s) as f64 / finished,
                    simulated.visitors as f64 / simulated_items,
                ),
                wait: (ms(wait), simulated.wait_per_visitor),
                process: (ms(process), simulated.process_per_visitor),
            }
        })
        .collect();
    let within = difference_percent
        .iter()
        .all(|d| d.abs() <= TOLERANCE_PERCENT);
    let worst_step = (!within)
        .then(|| {
            steps
                .iter()
                .enumerate()
                .map(|(s, fit)| (s, percent_of_mean(fit.lead_time_difference())))
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        })
        .flatten();
    Some(Validation {
        measured,
        difference_percent,
        rank_percent,
        distance_percent,
        throughput_per_week: (
            calibration.throughput_per_week(),
            projection.throughput_per_week,
        ),
        steps,
        worst_step,
        within,
    })
}

impl Validation {
    /// The levels of the percentiles: 50, 85, 95.
    pub const LEVELS: [f64; 3] = [50.0, 85.0, 95.0];

    /// Percentile `i` (0: p50, 1: p85, 2: p95) is outside the tolerance in time, but within
    /// [`RANK_TOLERANCE_POINTS`] of its level in the log's distribution: the log's items are
    /// sparse there.
    pub fn sparse(&self, i: usize) -> bool {
        self.difference_percent[i].abs() > TOLERANCE_PERCENT
            && (self.rank_percent[i] - Self::LEVELS[i]).abs() <= RANK_TOLERANCE_POINTS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_distance_is_the_mean_shift_of_the_quantiles() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(earth_movers_distance(&[1, 2, 3], &[2, 3, 4]), 1.0);
        close(earth_movers_distance(&[1, 5], &[5, 1]), 4.0);
        close(earth_movers_distance(&[], &[]), 0.0);
    }
}
