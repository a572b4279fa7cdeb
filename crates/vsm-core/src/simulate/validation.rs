//! How close a simulation of the current map comes to the items measured in its log.

use super::Projection;
use crate::measure::{Distribution, Measurement};
use crate::model::ValueStream;

/// The lead times (ms) of the measured items that passed every step of the map, from their
/// first event to their last end: what a simulation of the current map should reproduce.
/// `None` if some step is not measured.
pub fn complete_journeys(stream: &ValueStream, measurement: &Measurement) -> Option<Vec<i64>> {
    if (0..stream.steps.len()).any(|i| !measurement.steps.iter().any(|s| s.step == i)) {
        return None;
    }
    let mut journeys: std::collections::HashMap<&str, (i64, i64, usize)> =
        std::collections::HashMap::new();
    for step in &measurement.steps {
        for record in &step.items {
            let Some(end) = record.last_end else { continue };
            let start = record.entered;
            let entry = journeys
                .entry(record.item.as_str())
                .or_insert((start, end, 0));
            entry.0 = entry.0.min(start);
            entry.1 = entry.1.max(end);
            entry.2 += 1;
        }
    }
    let steps = measurement.steps.len();
    Some(
        journeys
            .into_values()
            .filter(|&(_, _, seen)| seen == steps)
            .map(|(start, end, _)| end - start)
            .collect(),
    )
}

/// How far the simulated percentiles of the current map may be from the measured ones before
/// the simulation is said not to reproduce the log.
pub const TOLERANCE_PERCENT: f64 = 10.0;

/// The simulated current map next to its measured items.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// The lead times of the measured items that passed every step.
    pub measured: Distribution,
    /// Simulated minus measured, in percent of measured: p50, p85, p95.
    pub difference_percent: [f64; 3],
    /// Every difference within [`TOLERANCE_PERCENT`].
    pub within: bool,
}

/// The simulation held against the measured `journeys` (see [`complete_journeys`]); `None`
/// without any.
pub fn validate(projection: &Projection, mut journeys: Vec<i64>) -> Option<Validation> {
    if journeys.is_empty() {
        return None;
    }
    let measured = Distribution::of(&mut journeys);
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
    Some(Validation {
        within: difference_percent
            .iter()
            .all(|d| d.abs() <= TOLERANCE_PERCENT),
        measured,
        difference_percent,
    })
}
