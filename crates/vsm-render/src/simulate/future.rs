//! What a future state changes in the calibrated current state, as JSON and for people: the
//! declared changes the simulation applied to the log's items, and nothing else.

use serde::Serialize;
use vsm_core::simulate::{Calibration, FutureChanges};
use vsm_core::{Duration, ValueStream};

use super::Compared;
use crate::json::seconds;

/// What the future state changes, step by step (only the steps it changes) and the steps it
/// removes.
#[derive(Debug, Serialize)]
pub struct FutureReport {
    pub steps: Vec<StepChangeReport>,
    pub removed: Vec<RemovedReport>,
}

/// One step the future state changes.
#[derive(Debug, Serialize)]
pub struct StepChangeReport {
    pub id: String,
    /// A step the current map does not have: its times are drawn from its estimates.
    pub added: bool,
    /// Share of the log's finished items that pass the step in the future state.
    pub visit_share: f64,
    /// The first pass's mean wait (process time) over the step's items: the log's and the
    /// design's, when the future designs it.
    pub wait_seconds: Option<Compared>,
    pub process_seconds: Option<Compared>,
    /// Share of the step's items that come back to it: the log's and the future's.
    pub rework_share: Option<Compared>,
    /// Capacity, batch size or WIP limit changed: `{name, before, after}` (`null`: none).
    pub settings: Vec<SettingReport>,
    /// A raised capacity: the queueing it removes from the waits before the step (`null`: no
    /// raise, or one the log cannot say this of).
    pub capacity_queueing: Option<QueueingReport>,
}

/// What a raised capacity does to the waits before a step: the M/M/c queueing at the log's load.
#[derive(Debug, Serialize)]
pub struct QueueingReport {
    pub capacity_before: u32,
    /// The current capacity is the p95 of the log's items in the step at once (the map gives
    /// none).
    pub capacity_before_from_log: bool,
    pub capacity_after: u32,
    /// Items into the step a week over the log's span, their mean time in it, and their product:
    /// the places kept busy on average.
    pub arrivals_per_week: f64,
    pub time_in_step_seconds: f64,
    pub load: f64,
    /// The queueing for the step at each capacity (`measured`: now), and the mean first wait
    /// before it, the log's and the simulation's.
    pub queueing_seconds: Compared,
    pub wait_seconds: Compared,
}

/// A step setting before and after.
#[derive(Debug, Serialize)]
pub struct SettingReport {
    pub name: &'static str,
    pub before: Option<u32>,
    pub after: Option<u32>,
}

/// A step the future state removes, with the share of the log's items that visited it.
#[derive(Debug, Serialize)]
pub struct RemovedReport {
    pub id: String,
    pub visit_share: f64,
}

/// The report of `changes` to the future map `stream`, calibrated as `calibration`.
pub fn report(
    stream: &ValueStream,
    calibration: &Calibration,
    changes: &FutureChanges,
) -> FutureReport {
    let finished = calibration.finished().max(1) as f64;
    let ms = |v: f64| seconds(Duration::from_millis(v.max(0.0) as u64));
    FutureReport {
        steps: stream
            .steps
            .iter()
            .zip(&changes.steps)
            .enumerate()
            .filter(|(_, (_, change))| change.changes())
            .map(|(index, (step, change))| StepChangeReport {
                id: step.id.clone(),
                added: change.current.is_none(),
                visit_share: calibration.visitors(index) as f64 / finished,
                wait_seconds: change.wait.map(|(measured, simulated)| Compared {
                    measured: ms(measured),
                    simulated: ms(simulated),
                }),
                process_seconds: change.process.map(|(measured, simulated)| Compared {
                    measured: ms(measured),
                    simulated: ms(simulated),
                }),
                rework_share: change.rework.map(|(measured, simulated)| Compared {
                    measured,
                    simulated,
                }),
                settings: change
                    .settings
                    .iter()
                    .map(|&(name, before, after)| SettingReport {
                        name,
                        before,
                        after,
                    })
                    .collect(),
                capacity_queueing: change.requeue.map(|r| QueueingReport {
                    capacity_before: r.capacity.0,
                    capacity_before_from_log: r.capacity_from_log,
                    capacity_after: r.capacity.1,
                    arrivals_per_week: r.arrivals_per_week,
                    time_in_step_seconds: ms(r.service),
                    load: r.load(),
                    queueing_seconds: Compared {
                        measured: ms(r.queueing.0),
                        simulated: ms(r.queueing.1),
                    },
                    wait_seconds: Compared {
                        measured: ms(r.wait),
                        simulated: ms(r.future_wait()),
                    },
                }),
            })
            .collect(),
        removed: changes
            .removed
            .iter()
            .map(|(id, visit_share)| RemovedReport {
                id: id.clone(),
                visit_share: *visit_share,
            })
            .collect(),
    }
}

/// The changes for people, one line each (none when nothing changes).
pub fn lines(
    stream: &ValueStream,
    calibration: &Calibration,
    changes: &FutureChanges,
) -> Vec<String> {
    let report = report(stream, calibration, changes);
    let mut lines = Vec::new();
    let human = |s: f64| Duration::from_secs_f64(s).human();
    let percent = |share: f64| format!("{:.1}%", share * 100.0);
    for step in &report.steps {
        let passed = format!("{} of the items pass it", percent(step.visit_share));
        if step.added {
            let estimate = stream
                .steps
                .iter()
                .find(|s| s.id == step.id)
                .map(|s| {
                    format!(
                        "wait {}, process {}",
                        s.wait_time.human(),
                        s.process_time.human()
                    )
                })
                .unwrap_or_default();
            lines.push(format!(
                "{}: added, its times drawn from its estimates ({estimate}); {passed}",
                step.id
            ));
        }
        for (what, compared) in [
            ("wait", &step.wait_seconds),
            ("process time", &step.process_seconds),
        ] {
            if let Some(c) = compared {
                let factor = if c.measured > 0.0 {
                    format!("× {:.2}", c.simulated / c.measured)
                } else {
                    "set".to_string()
                };
                lines.push(format!(
                    "{}: first-pass {what} {factor}: the mean of its items {} → {}; {passed}",
                    step.id,
                    human(c.measured),
                    human(c.simulated)
                ));
            }
        }
        if let Some(c) = &step.rework_share {
            lines.push(format!(
                "{}: items that come back to it {} → {} (its %C&A or the rework loops into it changed)",
                step.id,
                percent(c.measured),
                percent(c.simulated)
            ));
        }
        for setting in &step.settings {
            let value = |v: Option<u32>| v.map_or_else(|| "none".to_string(), |n| n.to_string());
            let before = match &step.capacity_queueing {
                Some(q) if setting.name == "capacity" && q.capacity_before_from_log => format!(
                    "{} (the p95 of the log's items in it at once)",
                    q.capacity_before
                ),
                _ => value(setting.before),
            };
            let effect = match (&step.capacity_queueing, setting.name) {
                (Some(q), "capacity") => format!(
                    ": at the log's load ({:.1} places busy: {:.1} items a week × {} each) queueing explains {} of the mean wait before it ({}), {} with {} places (M/M/c): its items' first waits scaled to a mean of {}",
                    q.load,
                    q.arrivals_per_week,
                    human(q.time_in_step_seconds),
                    human(q.queueing_seconds.measured),
                    human(q.wait_seconds.measured),
                    human(q.queueing_seconds.simulated),
                    q.capacity_after,
                    human(q.wait_seconds.simulated)
                ),
                (None, "capacity") => match (setting.before, setting.after) {
                    (Some(before), Some(after)) if after < before => {
                        "; the simulation queues the items for the fewer places".to_string()
                    }
                    (_, Some(_)) => "; its items' waits are replayed as the log has them, and they queue for the step where they are more than its places (the queueing a raise removes is modelled only for a step the log times, whose items waited before it, whose current places are known and whose wait the future does not design)".to_string(),
                    (_, None) => "; its items' waits are replayed as the log has them, with no limit on the items in the step at once".to_string(),
                },
                _ => String::new(),
            };
            lines.push(format!(
                "{}: {} {before} → {}{effect}",
                step.id,
                setting.name.replace('_', " "),
                value(setting.after)
            ));
        }
    }
    for removed in &report.removed {
        lines.push(format!(
            "{}: removed, with its time ({} of the log's items passed it)",
            removed.id,
            percent(removed.visit_share)
        ));
    }
    lines
}
