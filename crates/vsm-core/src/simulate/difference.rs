//! How much of the difference between two simulations (a current and a future state) is the
//! change, and how much is the noise between replications.
//!
//! Both are run with the same seed and replications, so replication r of each draws from the
//! same random stream (common random numbers): on a calibrated current state and its future,
//! the same items of the log arrive at the same instants, and what differs is the change. The
//! difference of each figure is taken replication by replication; its mean is the projected
//! change, and the 95% interval of that mean (Student t over the replications) is how far noise
//! alone could move it. An interval that covers 0 is within noise.

use super::Projection;
use super::projection::{Replication, t_quantile};

/// The difference of one figure, after − before, over the paired replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Difference {
    /// The mean of the replications' differences.
    pub mean: f64,
    /// Its 95% interval.
    pub low: f64,
    pub high: f64,
}

impl Difference {
    /// The interval covers 0: noise between replications could make this difference alone.
    pub fn within_noise(&self) -> bool {
        self.low <= 0.0 && 0.0 <= self.high
    }

    /// Half the interval's width: how far noise could move the mean.
    pub fn noise(&self) -> f64 {
        (self.high - self.low) / 2.0
    }
}

/// The differences of the lead time percentiles (ms), its mean (ms) and throughput (items per
/// week).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Differences {
    pub replications: u32,
    pub p50: Difference,
    pub p85: Difference,
    pub p95: Difference,
    pub mean: Difference,
    pub throughput_per_week: Difference,
}

/// The paired differences of `after` against `before`; `None` unless both have the same number
/// of replications, at least two.
pub fn differences(before: &Projection, after: &Projection) -> Option<Differences> {
    let (b, a) = (&before.per_replication, &after.per_replication);
    if b.len() != a.len() || b.len() < 2 {
        return None;
    }
    let of = |figure: fn(&Replication) -> f64| {
        let values: Vec<f64> = b
            .iter()
            .zip(a)
            .map(|(b, a)| {
                let (a, b) = (figure(a), figure(b));
                // Floating-point residue (a throughput of 1/week less 1/week) is no difference:
                // it would otherwise be a tiny interval beside 0 that calls itself the change.
                if (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) {
                    0.0
                } else {
                    a - b
                }
            })
            .collect();
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let half = t_quantile(values.len() - 1) * (variance / n).sqrt();
        Difference {
            mean,
            low: mean - half,
            high: mean + half,
        }
    };
    Some(Differences {
        replications: b.len() as u32,
        p50: of(|r| r.p50 as f64),
        p85: of(|r| r.p85 as f64),
        p95: of(|r| r.p95 as f64),
        mean: of(|r| r.mean),
        throughput_per_week: of(|r| r.throughput_per_week),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn projection(p50s: &[i64]) -> Projection {
        Projection {
            items: 0,
            replications: p50s.len() as u32,
            seed: 1,
            arrivals_per_week: 1.0,
            lead_time: crate::measure::Distribution::default(),
            quantiles: Vec::new(),
            p50_interval: None,
            p85_interval: None,
            p95_interval: None,
            throughput_per_week: 10.0,
            throughput_steady: true,
            mean_entry_wait: crate::Duration::ZERO,
            steps: Vec::new(),
            constraint: None,
            per_replication: p50s
                .iter()
                .map(|&p50| Replication {
                    p50,
                    p85: p50 * 2,
                    p95: p50 * 3,
                    mean: p50 as f64,
                    throughput_per_week: 10.0,
                })
                .collect(),
        }
    }

    #[test]
    fn a_paired_difference_is_the_mean_with_a_student_interval() {
        // Differences 9, 11, 10, 10: mean 10, sd 0.8165, t(3) 3.182: half width 1.299.
        let before = projection(&[100, 200, 300, 400]);
        let after = projection(&[109, 211, 310, 410]);
        let d = differences(&before, &after).expect("paired");
        assert_eq!(d.replications, 4);
        assert!((d.p50.mean - 10.0).abs() < 1e-9);
        assert!((d.p50.noise() - 3.182 * (2.0_f64 / 3.0).sqrt() / 2.0).abs() < 1e-9);
        assert!(!d.p50.within_noise());
        assert!((d.p85.mean - 20.0).abs() < 1e-9);
        // The same throughput in every replication: no difference and no noise.
        assert!(d.throughput_per_week.mean.abs() < 1e-12);
        assert!(d.throughput_per_week.within_noise());
        // The same throughput up to floating-point residue: no difference either.
        let mut residue = projection(&[100, 200, 300, 400]);
        for r in &mut residue.per_replication {
            r.throughput_per_week = 10.0 * (1.0 + 1e-15);
        }
        let d = differences(&before, &residue).unwrap();
        // Exactly +0 (bit for bit): a -0 would print as a change of "-0".
        assert_eq!(d.throughput_per_week.mean.to_bits(), 0.0_f64.to_bits());
        assert!(d.throughput_per_week.within_noise());
        // Replications that differ either way: within noise.
        let mixed = differences(&before, &projection(&[90, 215, 295, 405])).unwrap();
        assert!(mixed.p50.within_noise(), "{mixed:?}");
        assert_eq!(differences(&before, &projection(&[1, 2])), None);
        assert_eq!(differences(&projection(&[1]), &projection(&[1])), None);
    }
}
