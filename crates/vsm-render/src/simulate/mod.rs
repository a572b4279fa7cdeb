//! `vsm simulate`: the what-if simulation of a map, and how close it comes to the measured log,
//! as JSON and for people.

pub mod future;
mod log;

use std::fmt::Write as _;

use serde::Serialize;
use vsm_core::simulate::{
    Calibration, ConstraintReason, Durations, FutureChanges, Interval, Projection, StepModel,
    TOLERANCE_PERCENT, Validation,
};
use vsm_core::{Duration, ValueStream};

use crate::json::{IntervalReport, SCHEMA_VERSION, interval, seconds};

/// A simulation run and what it was run with.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    pub stream: &'a ValueStream,
    /// The step models the run used, one per step.
    pub models: &'a [StepModel],
    pub projection: &'a Projection,
    /// Where the arrival rate comes from, for people.
    pub arrivals_source: &'a str,
    /// Whether items arrive as the log's did, not at random at the rate.
    pub replayed_arrivals: bool,
    /// The stream-wide WIP limit, if any.
    pub wip_limit: Option<u32>,
    /// The run held against the measured log, for a map simulated as it was measured.
    pub validation: Option<&'a Validation>,
    /// Why a measured map's run is not held against its log.
    pub unchecked: Option<&'a str>,
    /// `calibrated` or `fitted`.
    pub model: &'a str,
    /// What the log showed, for a calibrated run.
    pub calibration: Option<&'a Calibration>,
    /// What a future state changes in the calibrated current state.
    pub future: Option<&'a FutureChanges>,
}

/// The JSON of `vsm simulate`.
#[derive(Debug, Serialize)]
pub struct SimulationReport<'a> {
    pub schema_version: u32,
    pub map: &'a str,
    pub items: u64,
    pub seed: u64,
    pub replications: u32,
    pub arrivals_per_week: f64,
    pub arrivals_source: &'a str,
    /// `calibrated` (from the log) or `fitted` (the map's graph and shares).
    pub model: &'a str,
    /// What the calibrated model took from the log; `null` for a fitted run.
    pub calibration: Option<CalibrationReport>,
    /// What a future state changes in the calibrated current state; `null` otherwise.
    pub future: Option<future::FutureReport>,
    pub wip_limit: Option<u32>,
    pub mean_entry_wait_seconds: f64,
    pub lead_time_seconds: LeadTimeReport,
    pub throughput_per_week: f64,
    /// Whether the throughput is the stream's pace while items keep arriving; `false` when the
    /// run is too short for that (it is then all items over the whole run).
    pub throughput_steady: bool,
    pub steps: Vec<StepReport<'a>>,
    pub constraint: Option<ConstraintReport<'a>>,
    pub validation: Option<ValidationReport>,
    /// Why a measured map is not held against its log; `null` when it is, or has no log.
    pub unchecked: Option<&'a str>,
}

/// What a calibrated run took from the log.
#[derive(Debug, Serialize)]
pub struct CalibrationReport {
    /// Finished items: where durations, routing and time outside the steps are drawn from.
    pub finished_items: u64,
    /// Items whose starts are replayed as arrivals.
    pub arrivals: u64,
    /// Per step, in map order.
    pub steps: Vec<StepCalibrationReport>,
    /// Share of finished items going from `from` (`start` or a step) to `to` (a step or `end`).
    pub transitions: Vec<TransitionReport>,
}

/// One step as the log shows it.
#[derive(Debug, Serialize)]
pub struct StepCalibrationReport {
    /// Share of finished items that visited the step, came back to it, and more than once.
    pub visit_share: f64,
    pub loop_share: f64,
    pub loop_twice_share: f64,
    /// p95 of the items inside the step at once in the log (steps with start events).
    pub concurrency_p95: Option<u32>,
}

/// One transition of the routing.
#[derive(Debug, Serialize)]
pub struct TransitionReport {
    pub from: String,
    pub to: String,
    pub share: f64,
}

/// The simulated lead time: percentiles with their 95% intervals, mean, min and max.
#[derive(Debug, Serialize)]
pub struct LeadTimeReport {
    pub p50: f64,
    pub p50_interval: Option<IntervalReport>,
    pub p85: f64,
    pub p85_interval: Option<IntervalReport>,
    pub p95: f64,
    pub p95_interval: Option<IntervalReport>,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// One step in the simulation.
#[derive(Debug, Serialize)]
pub struct StepReport<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub capacity: Option<u32>,
    pub batch_size: u32,
    pub wip_limit: Option<u32>,
    /// Where the step's durations are drawn from, for people.
    pub durations: String,
    pub passes: u64,
    pub mean_wait_seconds: f64,
    pub mean_process_seconds: f64,
    pub utilization: Option<f64>,
    pub mean_queue_length: f64,
    pub mean_in_work: f64,
}

/// The step that limits the flow, and why: `utilization` or `time_in_step`.
#[derive(Debug, Serialize)]
pub struct ConstraintReport<'a> {
    pub step: &'a str,
    pub reason: &'static str,
}

/// The simulated current map next to its measured items.
#[derive(Debug, Serialize)]
pub struct ValidationReport {
    /// All the finished items of the log.
    pub items: u64,
    pub measured_seconds: Percentiles,
    pub difference_percent: Percentiles,
    /// Where the simulated percentiles fall in the log's distribution (percent of its items at
    /// most them): 50, 85 and 95 for a perfect fit.
    pub rank_percent: Percentiles,
    /// Earth mover's distance between the lead time distributions, in percent of the measured
    /// mean lead time.
    pub distance_percent: f64,
    pub throughput_per_week: Compared,
    pub steps: Vec<StepFitReport>,
    /// The step that moves the mean lead time furthest from the log's, when outside.
    pub worst_step: Option<WorstStepReport>,
    pub tolerance_percent: f64,
    pub within: bool,
}

/// A measured figure and its simulated counterpart.
#[derive(Debug, Serialize)]
pub struct Compared {
    pub measured: f64,
    pub simulated: f64,
}

/// One step simulated next to the log, per item that went through it.
#[derive(Debug, Serialize)]
pub struct StepFitReport {
    pub id: String,
    pub visit_share: Compared,
    pub wait_seconds: Compared,
    pub process_seconds: Compared,
}

/// The step to look at first.
#[derive(Debug, Serialize)]
pub struct WorstStepReport {
    pub step: String,
    /// What its difference adds to the mean lead time, in percent of the measured mean.
    pub mean_lead_time_percent: f64,
}

/// p50, p85 and p95 of one quantity.
#[derive(Debug, Serialize)]
pub struct Percentiles {
    pub p50: f64,
    pub p85: f64,
    pub p95: f64,
}

impl<'a> SimulationReport<'a> {
    pub fn new(report: &Report<'a>) -> Self {
        let (stream, p) = (report.stream, report.projection);
        let [p50, p85, p95] = p.percentiles();
        SimulationReport {
            schema_version: SCHEMA_VERSION,
            map: &stream.name,
            items: p.items,
            seed: p.seed,
            replications: p.replications,
            arrivals_per_week: p.arrivals_per_week,
            arrivals_source: report.arrivals_source,
            model: report.model,
            calibration: report.calibration.map(|c| calibration_report(stream, c)),
            future: report
                .calibration
                .zip(report.future)
                .map(|(c, f)| future::report(stream, c, f)),
            wip_limit: report.wip_limit,
            mean_entry_wait_seconds: seconds(p.mean_entry_wait),
            lead_time_seconds: LeadTimeReport {
                p50: seconds(p50.1),
                p50_interval: interval(p50.2),
                p85: seconds(p85.1),
                p85_interval: interval(p85.2),
                p95: seconds(p95.1),
                p95_interval: interval(p95.2),
                mean: seconds(p.lead_time.mean),
                min: seconds(p.lead_time.min),
                max: seconds(p.lead_time.max),
            },
            throughput_per_week: p.throughput_per_week,
            throughput_steady: p.throughput_steady,
            steps: stream
                .steps
                .iter()
                .zip(report.models)
                .zip(&p.steps)
                .map(|((step, model), s)| StepReport {
                    id: &step.id,
                    name: &step.name,
                    capacity: model.capacity,
                    batch_size: model.batch_size,
                    wip_limit: model.wip_limit,
                    durations: durations_source(model, report.calibration.is_some()),
                    passes: s.passes,
                    mean_wait_seconds: seconds(s.mean_wait),
                    mean_process_seconds: seconds(s.mean_process),
                    utilization: s.utilization,
                    mean_queue_length: s.mean_queue_length,
                    mean_in_work: s.mean_in_work,
                })
                .collect(),
            constraint: p.constraint.map(|(index, reason)| ConstraintReport {
                step: &stream.steps[index].id,
                reason: match reason {
                    ConstraintReason::Utilization => "utilization",
                    ConstraintReason::TimeInStep => "time_in_step",
                },
            }),
            unchecked: report.unchecked,
            validation: report.validation.map(|v| ValidationReport {
                items: v.measured.count,
                measured_seconds: Percentiles {
                    p50: seconds(v.measured.p50),
                    p85: seconds(v.measured.p85),
                    p95: seconds(v.measured.p95),
                },
                difference_percent: Percentiles {
                    p50: v.difference_percent[0],
                    p85: v.difference_percent[1],
                    p95: v.difference_percent[2],
                },
                rank_percent: Percentiles {
                    p50: v.rank_percent[0],
                    p85: v.rank_percent[1],
                    p95: v.rank_percent[2],
                },
                distance_percent: v.distance_percent,
                throughput_per_week: Compared {
                    measured: v.throughput_per_week.0,
                    simulated: v.throughput_per_week.1,
                },
                steps: stream
                    .steps
                    .iter()
                    .zip(&v.steps)
                    .map(|(step, fit)| StepFitReport {
                        id: step.id.clone(),
                        visit_share: Compared {
                            measured: fit.visit_share.0,
                            simulated: fit.visit_share.1,
                        },
                        wait_seconds: Compared {
                            measured: seconds(fit.wait.0),
                            simulated: seconds(fit.wait.1),
                        },
                        process_seconds: Compared {
                            measured: seconds(fit.process.0),
                            simulated: seconds(fit.process.1),
                        },
                    })
                    .collect(),
                worst_step: v.worst_step.map(|(s, percent)| WorstStepReport {
                    step: stream.steps[s].id.clone(),
                    mean_lead_time_percent: percent,
                }),
                tolerance_percent: TOLERANCE_PERCENT,
                within: v.within,
            }),
        }
    }
}

fn calibration_report(stream: &ValueStream, c: &Calibration) -> CalibrationReport {
    let finished = c.finished().max(1) as f64;
    let name = |index: usize| {
        stream
            .steps
            .get(index)
            .map_or_else(|| "end".to_string(), |s| s.id.clone())
    };
    let mut transitions = Vec::new();
    for (from, row) in c.transitions.iter().enumerate() {
        for (to, &count) in row.iter().enumerate().filter(|(_, n)| **n > 0) {
            transitions.push(TransitionReport {
                from: if from == 0 {
                    "start".to_string()
                } else {
                    name(from - 1)
                },
                to: name(to),
                share: count as f64 / finished,
            });
        }
    }
    CalibrationReport {
        finished_items: c.finished(),
        arrivals: c.gaps.len() as u64 + 1,
        steps: c
            .steps
            .iter()
            .map(|s| StepCalibrationReport {
                visit_share: s.visited as f64 / finished,
                loop_share: s.looped as f64 / finished,
                loop_twice_share: s.looped_twice as f64 / finished,
                concurrency_p95: s.concurrency_p95,
            })
            .collect(),
        transitions,
    }
}

/// The simulation as pretty JSON.
pub fn json(report: &Report<'_>) -> String {
    crate::json::to_string(&SimulationReport::new(report))
}

/// Where a step's times come from, and how its capacity acts on them: in a `calibrated` run an
/// item waits its own wait, then queues; in a fitted run the queue is the whole wait.
fn durations_source(model: &StepModel, calibrated: bool) -> String {
    let source = match &model.durations {
        Durations::Measured(pairs) => {
            let scaled = match model.scaled {
                (true, true) => ", wait and process scaled to the design",
                (true, false) => ", wait scaled to the design",
                (false, true) => ", process scaled to the design",
                (false, false) => "",
            };
            format!("measured ({} items){scaled}", pairs.len())
        }
        Durations::Estimated { .. } => "estimated".to_string(),
    };
    match (model.capacity, model.capacity_from_log) {
        // Calibrated: the log's wait, then the queue for the p95 of its items at once.
        (Some(_), true) => format!("{source}; capacity: p95 of the log's items at once"),
        (Some(capacity), false) if calibrated => format!(
            "{source}; each item waits its own wait, then queues for the map's capacity of {capacity}"
        ),
        // The drawn wait is not used: it comes from the queue.
        (Some(capacity), false) => {
            let instead = match &model.durations {
                Durations::Estimated { wait, .. } if !wait.is_zero() => {
                    format!("the map's {}", wait.human())
                }
                Durations::Estimated { .. } => "the map's".to_string(),
                Durations::Measured(_) => "the measured one".to_string(),
            };
            format!(
                "{source}; waits only in the queue for its capacity of {capacity}, not {instead} wait"
            )
        }
        (None, _) => source,
    }
}

/// What a reader needs to know about time in the run: the days the durations are told in, and,
/// for random arrivals, that they come around the clock.
fn clock_lines(out: &mut String, report: &Report<'_>) {
    let time = &report.stream.working_time;
    let _ = writeln!(out, "  days: {}", time.convention());
    let week_ms = vsm_core::simulate::clock_week_ms(report.stream, report.calibration.is_some());
    if week_ms < MS_PER_WEEK {
        let _ = writeln!(
            out,
            "  clock: working time only: every hour of the run is a working hour, a day of it {} and a week {} such days ({}h), with nights and days off left out; items arrive at random at the rate a week within those hours",
            crate::report::working_hours(time.day),
            time.week_days,
            vsm_core::format_number(week_ms / 3_600_000.0, 1)
        );
    } else if !report.replayed_arrivals {
        let _ = writeln!(
            out,
            "  clock: items arrive at random around the clock (24 h a day, 7 days a week) and every drawn time runs straight on: the simulation keeps no working hours{}",
            match time.told_day() {
                Some(day) => format!(
                    "; lead times and waits are told in working days of {}",
                    crate::report::working_hours(day)
                ),
                None => String::new(),
            }
        );
    }
}

/// In a fitted run a step with a capacity waits only in the queue its capacity forms: the map's
/// waits before such steps are not in the run. Said once, with how much of the map's lead time
/// that is, so a simulated lead time far below the map's is not taken for a finding.
fn queued_waits(out: &mut String, report: &Report<'_>) {
    if report.calibration.is_some() {
        return;
    }
    let replaced: Vec<(&str, Duration)> = report
        .stream
        .steps
        .iter()
        .zip(report.models)
        .filter(|(step, model)| {
            model.capacity.is_some() && !model.capacity_from_log && !step.wait_time.is_zero()
        })
        .map(|(step, _)| (step.id.as_str(), step.wait_time))
        .collect();
    if replaced.is_empty() {
        return;
    }
    let total = replaced
        .iter()
        .fold(Duration::ZERO, |sum, (_, wait)| sum.saturating_add(*wait));
    let _ = writeln!(
        out,
        "
The map's waits before the {} step{} with a capacity ({} in all: {}) are not in the run: there an item waits only in the queue the capacity forms at this arrival rate. Waits that come from scheduling, batches or stock rather than from queueing for the step are left out of the simulated lead time",
        replaced.len(),
        if replaced.len() == 1 { "" } else { "s" },
        total.human(),
        replaced
            .iter()
            .map(|(id, wait)| format!("{id} {}", wait.human()))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// A warning when no replication ran long enough for items to keep arriving and finishing.
/// `week_ms`: a week of the run's clock.
fn unsteady_throughput(out: &mut String, p: &Projection, week_ms: f64) {
    if p.throughput_steady || p.arrivals_per_week <= 0.0 {
        return;
    }
    let per_run = p.items as f64 / f64::from(p.replications.max(1));
    let span = Duration::from_secs_f64(per_run / p.arrivals_per_week * week_ms / 1000.0);
    // Arrivals over three times the p95 lead time leave most of the run for the window.
    let p95_weeks = p.lead_time.p95.as_millis() as f64 / week_ms;
    let needed = (3.0 * p95_weeks * p.arrivals_per_week * f64::from(p.replications)).ceil();
    let _ = writeln!(
        out,
        "warning: the throughput is not the stream's pace: each replication's {} items arrive within {} (at {} a week), before a tenth of them is done, so no stretch of the run has items both arriving and finishing; the figure is all items over the whole run. Run more items, e.g. --items {}, for a throughput",
        vsm_core::format_number(per_run, 0),
        span.human(),
        vsm_core::format_number(p.arrivals_per_week, 1),
        round_up(needed)
    );
}

/// `n` rounded up to two significant digits: 1,234,567 as 1,300,000.
fn round_up(n: f64) -> u64 {
    if n < 100.0 {
        return n.max(1.0) as u64;
    }
    let scale = 10f64.powi(n.log10().floor() as i32 - 1);
    ((n / scale).ceil() * scale) as u64
}

const MS_PER_WEEK: f64 = 7.0 * 86_400_000.0;

fn with_interval(value: Duration, interval: Option<Interval>) -> String {
    match interval {
        Some(i) => format!(
            "{} ({} to {})",
            value.human(),
            i.low.human(),
            i.high.human()
        ),
        None => value.human(),
    }
}

/// The simulation for people, its durations told in the days the map counts.
pub fn text(report: &Report<'_>) -> String {
    report.stream.told(|| text_told(report))
}

fn text_told(report: &Report<'_>) -> String {
    let (stream, models, p) = (report.stream, report.models, report.projection);
    let mut out = format!(
        "Simulation of {}: {} items, seed {}, {} replications\n",
        stream.name, p.items, p.seed, p.replications
    );
    let _ = writeln!(
        out,
        "  arrivals {:.1} per week ({})",
        p.arrivals_per_week, report.arrivals_source
    );
    clock_lines(&mut out, report);
    match report.calibration {
        Some(c) => {
            let _ = writeln!(
                out,
                "  model: calibrated from the {}log: each item one of its {} finished items, whole (its route with its skips, early exits and loops, and its own time in each step), arrivals as they came{}",
                if report.future.is_some() {
                    "current state's "
                } else {
                    ""
                },
                c.finished(),
                if models.iter().any(|m| m.capacity_from_log) {
                    ", capacity the p95 of the items inside a step at once"
                } else {
                    ""
                }
            );
        }
        None if report.validation.is_some() || report.unchecked.is_some() => {
            let _ = writeln!(
                out,
                "  model: fitted: the map's steps and rework shares, Poisson arrivals"
            );
        }
        None => {}
    }
    if let Some(limit) = report.wip_limit {
        let _ = writeln!(
            out,
            "  WIP limit {limit} items in the stream; mean wait to enter {}",
            p.mean_entry_wait.human()
        );
    }
    let _ = writeln!(out, "\nLead time (95% confidence interval in brackets)");
    for (name, value, interval) in p.percentiles() {
        let _ = writeln!(out, "  {name}  {}", with_interval(value, interval));
    }
    let _ = writeln!(
        out,
        "  mean {}   min {}   max {}",
        p.lead_time.mean.human(),
        p.lead_time.min.human(),
        p.lead_time.max.human()
    );
    let _ = writeln!(
        out,
        "Throughput {:.1} items per week",
        p.throughput_per_week
    );
    unsteady_throughput(
        &mut out,
        p,
        vsm_core::simulate::clock_week_ms(stream, report.calibration.is_some()),
    );
    let _ = writeln!(
        out,
        "\n{:<24} {:>8} {:>10} {:>10} {:>8} {:>7} {:>7}  durations",
        "Step", "passes", "wait", "process", "util.", "queue", "in work"
    );
    for ((step, model), s) in stream.steps.iter().zip(models).zip(&p.steps) {
        let utilization = s
            .utilization
            .map_or_else(|| "-".to_string(), |u| format!("{:.0}%", u * 100.0));
        let mut name = step.id.clone();
        if let Some(capacity) = model.capacity {
            let _ = write!(name, " [cap {capacity}]");
        }
        if model.batch_size > 1 {
            let _ = write!(name, " [batch {}]", model.batch_size);
        }
        if let Some(limit) = model.wip_limit {
            let _ = write!(name, " [wip {limit}]");
        }
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>10} {:>10} {:>8} {:>7.1} {:>7.1}  {}",
            name,
            s.passes,
            s.mean_wait.human(),
            s.mean_process.human(),
            utilization,
            s.mean_queue_length,
            s.mean_in_work,
            durations_source(model, report.calibration.is_some())
        );
    }
    queued_waits(&mut out, report);
    if let Some((index, reason)) = p.constraint {
        let step = &stream.steps[index];
        let why = match reason {
            ConstraintReason::Utilization => format!(
                "the busiest step with a capacity ({:.0}% busy)",
                p.steps[index].utilization.unwrap_or(0.0) * 100.0
            ),
            ConstraintReason::TimeInStep => {
                "no step has a capacity; items spend the longest here".to_string()
            }
        };
        let _ = writeln!(out, "\nConstraint: {} ({}): {why}", step.name, step.id);
    }
    for (step, s) in stream.steps.iter().zip(&p.steps) {
        if s.utilization.is_some_and(|u| u > 0.98) {
            let _ = writeln!(
                out,
                "warning: {} is busy {:.0}% of the time: items arrive faster than it works, so its queue grows for as long as the run lasts",
                step.id,
                s.utilization.unwrap_or(0.0) * 100.0
            );
        }
    }
    if let (Some(c), Some(changes)) = (report.calibration, report.future) {
        let lines = future::lines(stream, c, changes);
        let _ = writeln!(
            out,
            "\nChanges to the calibrated current state (the log's items, moved only by these):"
        );
        if lines.is_empty() {
            let _ = writeln!(
                out,
                "  none: the future state changes nothing the simulation uses"
            );
        }
        for line in lines {
            let _ = writeln!(out, "  {line}");
        }
    }
    if let Some(c) = report.calibration {
        log::routing_text(&mut out, stream, c);
    }
    if let Some(v) = report.validation {
        log::validation_text(&mut out, stream, v);
    } else if let Some(why) = report.unchecked {
        let _ = writeln!(out, "\nNot held against the log: {why}");
    }
    out
}
