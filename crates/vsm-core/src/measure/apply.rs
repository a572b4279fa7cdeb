//! A measured map: the measured numbers in place of the estimates, each marked with where it
//! came from.

use super::Measurement;
use crate::Percent;
use crate::model::ValueStream;

/// Where a number in the analysis came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provenance {
    Estimated,
    Measured,
    /// Measured lead time less the estimated process time.
    Mixed,
    /// Set by a future-state map that extends a measured one: the design, not measured.
    Designed,
    /// Derived from an estimate: a wait from the step's queue by Little's law.
    Derived,
}

impl Provenance {
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::Estimated => "estimated",
            Provenance::Measured => "measured",
            Provenance::Mixed => "mixed",
            Provenance::Designed => "designed",
            Provenance::Derived => "derived",
        }
    }
}

/// Per step: where its process time, wait time and %C&A came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepProvenance {
    pub process_time: Provenance,
    pub wait_time: Provenance,
    pub complete_accurate: Provenance,
}

impl StepProvenance {
    /// Where an unmeasured step's numbers come from: estimated, its wait derived from its queue.
    pub fn of(step: &crate::model::Step) -> StepProvenance {
        StepProvenance {
            wait_time: match step.wait_source {
                crate::worktime::WaitSource::Estimated => Provenance::Estimated,
                crate::worktime::WaitSource::Derived => Provenance::Derived,
            },
            ..StepProvenance::default()
        }
    }
}

impl Default for StepProvenance {
    fn default() -> Self {
        StepProvenance {
            process_time: Provenance::Estimated,
            wait_time: Provenance::Estimated,
            complete_accurate: Provenance::Estimated,
        }
    }
}

/// Where each step's numbers come from when `measurement` is applied to `stream` (see
/// [`apply`]): a future state's design, measured where the log has the step, else estimated.
pub fn provenance(stream: &ValueStream, measurement: &Measurement) -> Vec<StepProvenance> {
    let mut provenance: Vec<StepProvenance> = stream.steps.iter().map(StepProvenance::of).collect();
    for step in &measurement.steps {
        let Some(mark) = provenance.get_mut(step.step) else {
            continue;
        };
        let designed = stream.steps[step.step].designed;
        if designed.process_time {
            mark.process_time = Provenance::Designed;
        } else if step.visited > 0 && step.timed {
            mark.process_time = Provenance::Measured;
        }
        if designed.wait_time {
            mark.wait_time = Provenance::Designed;
        } else if step.visited > 0 && step.timed {
            mark.wait_time = Provenance::Measured;
        } else if step.visited > 0 {
            mark.wait_time = Provenance::Mixed;
        }
        if designed.complete_accurate {
            mark.complete_accurate = Provenance::Designed;
        } else if step.complete_accurate.is_some() {
            mark.complete_accurate = Provenance::Measured;
        }
    }
    provenance
}

/// The map with measured means in place of the estimates where the log has them (means over
/// the finished items that visited each step, so that they add up: see
/// [`Measurement::ladder_remainder`]); values a future-state overlay sets (its design) stay as
/// written.
pub fn apply(
    stream: &ValueStream,
    measurement: &Measurement,
) -> (ValueStream, Vec<StepProvenance>) {
    let mut measured = stream.clone();
    let provenance = provenance(stream, measurement);
    for step in &measurement.steps {
        let target = &mut measured.steps[step.step];
        if provenance[step.step].process_time == Provenance::Measured {
            target.process_time = step.process_time.mean;
        }
        match provenance[step.step].wait_time {
            Provenance::Measured => {
                target.wait_time = step.wait_time.mean;
                // Measured, not derived from a queue counted in the map (no `≈`).
                target.wait_source = crate::worktime::WaitSource::Estimated;
                // The queue the log shows before the step, for its triangle: the time-weighted
                // mean of the items waiting (one decimal, as queues are written).
                if step.queue.gap_percent.is_some() {
                    target.queue = Some(crate::worktime::Queue {
                        total: (step.queue.mean * 10.0).round() / 10.0,
                        by_type: Vec::new(),
                        measured: true,
                    });
                }
            }
            // Completions only: the log gives the step's lead time; the wait is what is left
            // after the estimated process time.
            Provenance::Mixed => {
                target.wait_time = step
                    .lead_time
                    .mean
                    .checked_sub(target.process_time)
                    .unwrap_or_default();
            }
            _ => {}
        }
        if let (Provenance::Measured, Some(ca)) = (
            provenance[step.step].complete_accurate,
            step.complete_accurate,
        ) {
            target.complete_accurate = ca;
        }
    }
    // Loops without a declared share follow the (now measured) %C&A of the step they return to.
    for loop_ in measured.rework.iter_mut().filter(|l| !l.share_declared) {
        let ca = measured.steps[loop_.to].complete_accurate.value();
        loop_.share = Percent::new((100.0 - ca).min(99.0)).unwrap_or(Percent::ZERO);
    }
    (measured, provenance)
}
