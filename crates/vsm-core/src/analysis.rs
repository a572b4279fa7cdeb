//! The metrics of a value stream, exactly as DESIGN.md defines them.
//!
//! For step i: PT process time, WT wait time before it, LT = WT + PT, CA its %C&A.
//! Total lead time and total process time follow the critical (longest) path; work content sums
//! PT over all steps; activity ratio = total PT / total LT; rolled %C&A = product of CA.
//!
//! Declared rework: an item that leaves step F may be sent back to step T with probability s on
//! each pass, independently (s defaults to 1 - CA of T: T's output was not usable). It then goes through every step from T to F again, waiting in each
//! queue again. The number of extra passes is geometric with mean s / (1 - s), so the loop adds
//! s / (1 - s) x (lead time from T to F) to the expected lead time at F. Loops nested inside a
//! loop count with their own extra time; loops are charged at F, so a loop on a side branch only
//! lengthens the stream when it makes that branch the critical one.

use std::collections::HashMap;

mod measured;

pub use measured::{LadderStep, MeasuredLeadTime, analyze_measured, try_analyze_measured};

use crate::bottleneck::{self, Bottleneck};
use crate::duration::years;
use crate::graph;
use crate::model::ValueStream;
use crate::{Duration, Percent, format_number};

/// Everything `vsm analyze` reports about a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub summary: Summary,
    /// One entry per step, in map order.
    pub steps: Vec<StepMetrics>,
    /// Step indices of the critical path, first to last.
    pub critical_path: Vec<usize>,
    /// The critical path once rework is counted (it may take another branch).
    pub critical_path_with_rework: Vec<usize>,
    /// One entry per declared rework loop, in map order.
    pub rework: Vec<ReworkMetrics>,
    /// One entry per team, in order of first appearance; steps without a team come last.
    pub teams: Vec<TeamTotals>,
    /// Ranked, most severe first.
    pub bottlenecks: Vec<Bottleneck>,
    /// For a measured map: the items' lead time (the headline) and where it went. The summary's
    /// lead, process and wait times then come from it, not from the path arithmetic.
    pub measured: Option<MeasuredLeadTime>,
    /// A measured map none of whose items has finished: how many are in progress. Its numbers
    /// are then the path arithmetic over the map's values.
    pub unfinished: Option<u64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Sum of LT along the critical path.
    pub lead_time: Duration,
    /// Sum of PT along the critical path.
    pub process_time: Duration,
    /// Sum of WT along the critical path.
    pub wait_time: Duration,
    /// Sum of PT over all steps.
    pub work_content: Duration,
    /// Total PT / total LT x 100 (0 when the lead time is 0).
    pub activity_ratio_percent: f64,
    /// Product of every step's CA x 100.
    pub rolled_complete_accurate_percent: f64,
    /// Expected lead time once declared rework loops are counted.
    pub lead_time_with_rework: Duration,
    /// Share of work content done by hand.
    pub manual_process_time: Duration,
    /// Share of work content done by machines.
    pub automated_process_time: Duration,
    pub manual_share_percent: f64,
    pub automated_share_percent: f64,
    /// Available working time a day / demand a day, when the map gives its demand.
    pub takt_time: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepMetrics {
    pub process_time: Duration,
    pub wait_time: Duration,
    pub lead_time: Duration,
    pub complete_accurate: Percent,
    /// LT / total lead time x 100.
    pub lead_time_share_percent: f64,
    pub on_critical_path: bool,
    /// Expected extra lead time of the rework loops that come back to this step (charged to the
    /// step whose output failed, as %C&A is).
    pub rework_time: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReworkMetrics {
    pub from: usize,
    pub to: usize,
    pub share: Percent,
    /// Lead time of one pass from `to` through `from`, inner loops included.
    pub loop_lead_time: Duration,
    /// Expected number of extra passes: s / (1 - s).
    pub expected_extra_passes: f64,
    /// Expected extra lead time: passes x loop lead time.
    pub expected_extra_time: Duration,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TeamTotals {
    /// `None` for the steps that name no team.
    pub team: Option<String>,
    pub steps: usize,
    /// Sum of `people` over the team's steps that give it.
    pub people: u32,
    pub process_time: Duration,
    pub wait_time: Duration,
    pub lead_time: Duration,
    /// The team's process time / work content x 100.
    pub work_content_share_percent: f64,
    /// Steps of the team on the critical path.
    pub critical_path_steps: usize,
}

/// Percentage `part / whole x 100`, 0 when `whole` is 0.
pub fn share_percent(part: Duration, whole: Duration) -> f64 {
    if whole.is_zero() {
        0.0
    } else {
        part.as_millis() as f64 * 100.0 / whole.as_millis() as f64
    }
}

/// A total past [`Duration::MAX`]: an error that names the value and the limit, never a wrapped
/// or clipped number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} is {}, more than the longest duration vsm holds ({})", years(*millis), years(u128::from(Duration::MAX.as_millis())))]
pub struct TooLong {
    /// What was added up, in the user's words ("the sum of the steps' lead times up to `deploy`").
    pub what: String,
    /// Where the total passed the limit.
    pub at: TooLongAt,
    /// The total, in milliseconds.
    pub millis: u128,
}

/// The entry of the map at which a total passed the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TooLongAt {
    /// A step, by index.
    Step(usize),
    /// A rework loop, by index into [`ValueStream::rework`].
    Rework(usize),
}

impl TooLong {
    /// What to do about it.
    pub fn help(&self) -> &'static str {
        "a value stream's times run from seconds to months; check the durations for an extra digit or a wrong unit, and rework shares near 99%"
    }
}

/// Analyzes a checked stream.
///
/// # Panics
/// When a total passes [`Duration::MAX`], which a map read by [`crate::parse_map`] never does
/// (the reader reports it). For streams built otherwise (measured numbers), use
/// [`try_analyze`].
pub fn analyze(stream: &ValueStream) -> Analysis {
    try_analyze(stream).unwrap_or_else(|error| panic!("{error}"))
}

/// Analyzes a checked stream, or says which total passes [`Duration::MAX`].
pub fn try_analyze(stream: &ValueStream) -> Result<Analysis, TooLong> {
    let steps = &stream.steps;
    check_step_totals(stream)?;
    let order = graph::topological_order(steps).expect("a checked stream has no cycle");
    // Every sum below is at most the sum of all lead times, checked above.
    let critical_path = graph::longest_path(steps, &order, |i| steps[i].lead_time())
        .expect("at most the sum of all lead times");
    let mut on_critical_path = vec![false; steps.len()];
    for &i in &critical_path {
        on_critical_path[i] = true;
    }

    let sum = |path: &[usize], f: &dyn Fn(usize) -> Duration| {
        path.iter()
            .fold(Duration::ZERO, |total, &i| total.saturating_add(f(i)))
    };
    let lead_time = sum(&critical_path, &|i| steps[i].lead_time());
    let process_time = sum(&critical_path, &|i| steps[i].process_time);
    let wait_time = sum(&critical_path, &|i| steps[i].wait_time);
    let all: Vec<usize> = (0..steps.len()).collect();
    let work_content = sum(&all, &|i| steps[i].process_time);
    let manual_process_time = sum(&all, &|i| {
        if steps[i].automated {
            Duration::ZERO
        } else {
            steps[i].process_time
        }
    });
    let automated_process_time = sum(&all, &|i| {
        if steps[i].automated {
            steps[i].process_time
        } else {
            Duration::ZERO
        }
    });

    let (rework, effective_lead) = rework_metrics(stream, &order)?;
    let critical_path_with_rework = graph::longest_path(steps, &order, |i| effective_lead[i])
        .map_err(|too_long| TooLong {
            what: format!(
                "the expected lead time with rework up to step `{}`",
                steps[too_long.step].id
            ),
            at: TooLongAt::Step(too_long.step),
            millis: too_long.millis,
        })?;
    let lead_time_with_rework = sum(&critical_path_with_rework, &|i| effective_lead[i]);
    let mut rework_time = vec![Duration::ZERO; steps.len()];
    for (number, loop_) in rework.iter().enumerate() {
        rework_time[loop_.to] = rework_time[loop_.to]
            .checked_add(loop_.expected_extra_time)
            .ok_or_else(|| TooLong {
                what: format!(
                    "the expected rework time of step `{}` (the loops that come back to it)",
                    steps[loop_.to].id
                ),
                at: TooLongAt::Rework(number),
                millis: u128::from(rework_time[loop_.to].as_millis())
                    + u128::from(loop_.expected_extra_time.as_millis()),
            })?;
    }

    let rolled = steps
        .iter()
        .map(|step| step.complete_accurate.fraction())
        .product::<f64>()
        * 100.0;
    let summary = Summary {
        lead_time,
        process_time,
        wait_time,
        work_content,
        activity_ratio_percent: share_percent(process_time, lead_time),
        rolled_complete_accurate_percent: rolled,
        lead_time_with_rework,
        manual_process_time,
        automated_process_time,
        manual_share_percent: share_percent(manual_process_time, work_content),
        automated_share_percent: share_percent(automated_process_time, work_content),
        takt_time: stream.takt_time(),
    };

    let step_metrics: Vec<StepMetrics> = steps
        .iter()
        .zip(rework_time)
        .zip(on_critical_path)
        .map(|((step, rework_time), on_critical_path)| StepMetrics {
            process_time: step.process_time,
            wait_time: step.wait_time,
            lead_time: step.lead_time(),
            complete_accurate: step.complete_accurate,
            lead_time_share_percent: share_percent(step.lead_time(), lead_time),
            on_critical_path,
            rework_time,
        })
        .collect();

    let teams = team_totals(stream, &step_metrics, work_content);
    let mut analysis = Analysis {
        summary,
        steps: step_metrics,
        critical_path,
        critical_path_with_rework,
        rework,
        teams,
        bottlenecks: Vec::new(),
        measured: None,
        unfinished: None,
    };
    analysis.bottlenecks = stream.told(|| bottleneck::rank(stream, &analysis));
    Ok(analysis)
}

/// The sum of every step's lead time is within [`Duration::MAX`], so the critical path, the
/// work content and each team's totals are too.
fn check_step_totals(stream: &ValueStream) -> Result<(), TooLong> {
    let mut total = Duration::ZERO;
    for (index, step) in stream.steps.iter().enumerate() {
        let millis = u128::from(total.as_millis())
            + u128::from(step.wait_time.as_millis())
            + u128::from(step.process_time.as_millis());
        total = total
            .checked_add(step.wait_time)
            .and_then(|total| total.checked_add(step.process_time))
            .ok_or_else(|| TooLong {
                what: format!(
                    "the sum of the steps' lead times (wait plus process time) up to step `{}`",
                    step.id
                ),
                at: TooLongAt::Step(index),
                millis,
            })?;
    }
    Ok(())
}

/// Loop metrics and each step's lead time with the expected time of the loops charged to it.
///
/// Each loop's lead time is a longest path from `to` to `from` over the steps between them in
/// topological order only, so a map of many short loops costs little however long it is.
fn rework_metrics(
    stream: &ValueStream,
    order: &[usize],
) -> Result<(Vec<ReworkMetrics>, Vec<Duration>), TooLong> {
    let steps = &stream.steps;
    let position = graph::positions(order);
    let mut loops_from: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    for (number, loop_) in stream.rework.iter().enumerate() {
        loops_from[loop_.from].push(number);
    }
    let mut effective: Vec<Duration> = steps.iter().map(crate::model::Step::lead_time).collect();
    let mut metrics: Vec<Option<ReworkMetrics>> = vec![None; stream.rework.len()];
    // Longest path from the loop's `to` to each step, for the steps of the current span.
    let mut reach: Vec<Option<Duration>> = vec![None; steps.len()];
    for &index in order {
        let base = steps[index].lead_time();
        let mut extra_total = Duration::ZERO;
        for &number in &loops_from[index] {
            let loop_ = &stream.rework[number];
            let too_long = |what: String, millis: u128| TooLong {
                what,
                at: TooLongAt::Rework(number),
                millis,
            };
            let span = &order[position[loop_.to]..=position[index]];
            // `from` counts once, without its own loops.
            for &i in span {
                let weight = if i == index { base } else { effective[i] };
                let start = if i == loop_.to {
                    Some(Duration::ZERO)
                } else {
                    steps[i].after.iter().filter_map(|&p| reach[p]).max()
                };
                reach[i] = match start {
                    None => None,
                    Some(start) => Some(start.checked_add(weight).ok_or_else(|| {
                        too_long(
                            format!(
                                "the lead time of one pass of the rework loop from `{}` to `{}`",
                                steps[loop_.from].id, steps[loop_.to].id
                            ),
                            u128::from(start.as_millis()) + u128::from(weight.as_millis()),
                        )
                    })?),
                };
            }
            let loop_lead_time = reach[index].unwrap_or(base);
            for &i in span {
                reach[i] = None;
            }
            let s = loop_.share.fraction();
            let passes = s / (1.0 - s);
            let extra_millis = loop_lead_time.as_millis() as f64 * passes;
            let extra = if extra_millis <= Duration::MAX.as_millis() as f64 {
                Duration::from_millis(extra_millis.round() as u64)
            } else {
                return Err(too_long(
                    format!(
                        "the expected extra time of the rework loop from `{}` to `{}` ({} extra passes of {} each)",
                        steps[loop_.from].id,
                        steps[loop_.to].id,
                        format_number(passes, 2),
                        loop_lead_time.human()
                    ),
                    extra_millis as u128,
                ));
            };
            extra_total = extra_total.checked_add(extra).ok_or_else(|| {
                too_long(
                    format!(
                        "the expected extra time of the rework loops from `{}`",
                        steps[index].id
                    ),
                    u128::from(extra_total.as_millis()) + u128::from(extra.as_millis()),
                )
            })?;
            metrics[number] = Some(ReworkMetrics {
                from: loop_.from,
                to: loop_.to,
                share: loop_.share,
                loop_lead_time,
                expected_extra_passes: passes,
                expected_extra_time: extra,
            });
        }
        effective[index] = match base.checked_add(extra_total) {
            Some(effective) => effective,
            None => {
                let last = *loops_from[index]
                    .last()
                    .expect("extra time comes from a loop");
                return Err(TooLong {
                    what: format!(
                        "the expected lead time of step `{}` with its rework loops",
                        steps[index].id
                    ),
                    at: TooLongAt::Rework(last),
                    millis: u128::from(base.as_millis()) + u128::from(extra_total.as_millis()),
                });
            }
        };
    }
    let metrics = metrics
        .into_iter()
        .map(|m| m.expect("every loop's `from` is in the order"))
        .collect();
    Ok((metrics, effective))
}

pub(crate) fn team_totals(
    stream: &ValueStream,
    metrics: &[StepMetrics],
    work_content: Duration,
) -> Vec<TeamTotals> {
    let mut teams: Vec<TeamTotals> = Vec::new();
    let mut positions: HashMap<Option<&str>, usize> = HashMap::new();
    for (step, metric) in stream.steps.iter().zip(metrics) {
        let position = match positions.get(&step.team.as_deref()) {
            Some(&position) => position,
            None => {
                positions.insert(step.team.as_deref(), teams.len());
                teams.push(TeamTotals {
                    team: step.team.clone(),
                    steps: 0,
                    people: 0,
                    process_time: Duration::ZERO,
                    wait_time: Duration::ZERO,
                    lead_time: Duration::ZERO,
                    work_content_share_percent: 0.0,
                    critical_path_steps: 0,
                });
                teams.len() - 1
            }
        };
        let team = &mut teams[position];
        team.steps += 1;
        team.people += step.people.unwrap_or(0);
        team.process_time = team.process_time.saturating_add(metric.process_time);
        team.wait_time = team.wait_time.saturating_add(metric.wait_time);
        team.lead_time = team.lead_time.saturating_add(metric.lead_time);
        team.critical_path_steps += usize::from(metric.on_critical_path);
    }
    for team in &mut teams {
        team.work_content_share_percent = share_percent(team.process_time, work_content);
    }
    // Steps without a team last, the named teams in order of first appearance.
    teams.sort_by_key(|team| team.team.is_none());
    teams
}

#[cfg(test)]
mod tests;
