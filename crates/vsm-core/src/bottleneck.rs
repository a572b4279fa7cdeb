//! Which steps hold the stream back, and why, with the number behind every reason.
//!
//! Each reason carries a weight in percentage points: the share of the total lead time at stake
//! for time-based reasons, the share of items reworked for %C&A. A step's score is the sum of
//! its weights; steps rank by score, then by map order, so equal input gives equal output.

use crate::analysis::{Analysis, share_percent};
use crate::model::ValueStream;
use crate::{Duration, Percent};

/// A wait is long when it is at least this share of the total lead time.
pub const LONG_WAIT_SHARE: f64 = 20.0;
/// Process time is long when it is at least this share of the critical path's process time.
pub const LONG_PROCESS_SHARE: f64 = 30.0;
/// A manual step is worth flagging when it holds at least this share of the critical path's process time.
pub const MANUAL_PROCESS_SHARE: f64 = 20.0;
/// %C&A below this is low even when it is not the lowest.
pub const LOW_COMPLETE_ACCURATE: f64 = 80.0;

/// Why a step is flagged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReasonCode {
    LongWait,
    LongProcessTime,
    LowCompleteAccurate,
    Rework,
    ManualOnCriticalPath,
    /// Its time an item (process time over capacity) is over the takt time: it cannot keep up
    /// with the demand.
    SlowerThanTakt,
}

impl ReasonCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::LongWait => "long_wait",
            ReasonCode::LongProcessTime => "long_process_time",
            ReasonCode::LowCompleteAccurate => "low_complete_accurate",
            ReasonCode::Rework => "rework",
            ReasonCode::ManualOnCriticalPath => "manual_on_critical_path",
            ReasonCode::SlowerThanTakt => "slower_than_takt",
        }
    }
}

/// The number a reason rests on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReasonValue {
    Duration(Duration),
    Percent(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    pub code: ReasonCode,
    /// One sentence with the numbers, e.g. "waits 4d before starting: 41% of total lead time".
    pub message: String,
    /// The number behind the reason (a wait time, a %C&A).
    pub value: ReasonValue,
    /// The share of lead time or of items at stake, in percent.
    pub share_percent: f64,
    /// This reason's contribution to the score.
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Bottleneck {
    pub step: usize,
    pub score: f64,
    pub reasons: Vec<Reason>,
    /// What to try at the step, with its effect: empty until a caller proposes them
    /// ([`crate::countermeasure::attach`]), since each takes an analysis of its own.
    pub countermeasures: Vec<crate::countermeasure::Countermeasure>,
}

fn whole(percent: f64) -> String {
    crate::format_percent(percent)
}

/// A step whose time an item (its process time over the items it works on at once: its
/// capacity, else its people)
/// is over the takt time: work piles up before it, whatever its wait says. Weighed by how far
/// over, at most 100 points.
fn slower_than_takt(
    stream: &ValueStream,
    step: &crate::model::Step,
    process: Duration,
    takt: Option<Duration>,
) -> Option<Reason> {
    let takt = takt.filter(|t| !t.is_zero())?;
    let at_once = step.capacity.or(step.people).unwrap_or(1).max(1);
    let cycle = Duration::from_secs_f64(process.as_secs_f64() / f64::from(at_once));
    if cycle <= takt {
        return None;
    }
    let over = (cycle.as_secs_f64() / takt.as_secs_f64() - 1.0) * 100.0;
    let per_item = if at_once > 1 {
        format!(
            "{} of process time over {at_once} at once is {} an item",
            process.human(),
            cycle.human()
        )
    } else {
        format!("takes {} an item", cycle.human())
    };
    let demand = stream.demand.as_ref().map_or_else(String::new, |d| {
        format!(
            " of {} a day",
            crate::worktime::format_count(d.total.per_day)
        )
    });
    Some(Reason {
        code: ReasonCode::SlowerThanTakt,
        message: format!(
            "{per_item}, over the takt time of {} ({} more): it cannot keep up with the demand{demand}",
            takt.human(),
            whole(over)
        ),
        value: ReasonValue::Duration(cycle),
        share_percent: over,
        weight: over.min(100.0),
    })
}

/// Ranks the steps that have at least one reason.
pub fn rank(stream: &ValueStream, analysis: &Analysis) -> Vec<Bottleneck> {
    let summary = &analysis.summary;
    let lowest_ca = stream
        .steps
        .iter()
        .map(|step| step.complete_accurate)
        .fold(Percent::HUNDRED, |low, ca| if ca < low { ca } else { low });
    let lowest_is_shared = stream
        .steps
        .iter()
        .filter(|s| s.complete_accurate == lowest_ca)
        .count()
        > 1;
    // A measured map weighs each step by the share of items that pass it: its time per item
    // of the headline (the ladder), not the mean of the items that visit it.
    let rung = |index: usize| {
        analysis
            .measured
            .as_ref()
            .and_then(|m| m.ladder.iter().find(|r| r.step == index))
    };
    let per_item = |index: usize| {
        analysis
            .measured
            .as_ref()
            .and_then(|m| m.per_item.get(index).copied())
    };
    let per_item_wait =
        |index: usize| per_item(index).map_or(analysis.steps[index].wait_time, |(wait, _)| wait);
    let per_item_process = |index: usize| {
        per_item(index).map_or(analysis.steps[index].process_time, |(_, process)| process)
    };
    // "(38% of items pass it)": said of measured steps that not every item visits.
    let visitors = |index: usize| {
        rung(index)
            .filter(|r| r.share_percent < 99.95)
            .map_or_else(String::new, |r| {
                format!(" ({} of items pass it)", whole(r.share_percent))
            })
    };
    let process_name = if analysis.measured.is_some() {
        "the process time per item"
    } else {
        "the critical path's process time"
    };
    // " (12m per item)": a measured step's time as the headline counts it, when not every item
    // passes it.
    let per_item_note = |index: usize| {
        rung(index)
            .filter(|r| r.share_percent < 99.95)
            .map_or_else(String::new, |r| {
                format!(" ({} per item)", r.weighted_process.human())
            })
    };
    let lead_name = if analysis.measured.is_some() {
        "the mean lead time"
    } else {
        "total lead time"
    };
    let longest_wait = analysis
        .critical_path
        .iter()
        .map(|&i| per_item_wait(i))
        .max()
        .unwrap_or(Duration::ZERO);

    // The loops that come back to each step, found once rather than per step.
    let mut loops_to: Vec<Vec<usize>> = vec![Vec::new(); stream.steps.len()];
    for (number, loop_) in analysis.rework.iter().enumerate() {
        loops_to[loop_.to].push(number);
    }

    let mut ranked: Vec<Bottleneck> = Vec::new();
    for (index, (step, metrics)) in stream.steps.iter().zip(&analysis.steps).enumerate() {
        let mut reasons = Vec::new();
        let (wait, process) = (per_item_wait(index), per_item_process(index));
        if metrics.on_critical_path && !wait.is_zero() {
            let share = share_percent(wait, summary.lead_time);
            let is_longest = wait == longest_wait;
            if share >= LONG_WAIT_SHARE || is_longest {
                let tail = if is_longest && analysis.critical_path.len() > 1 {
                    ", the longest wait on the critical path"
                } else {
                    ""
                };
                reasons.push(Reason {
                    code: ReasonCode::LongWait,
                    message: format!(
                        "waits {} before starting{}: {} of {lead_name}{tail}",
                        metrics.wait_time.human(),
                        visitors(index),
                        whole(share)
                    ),
                    value: ReasonValue::Duration(metrics.wait_time),
                    share_percent: share,
                    weight: share,
                });
            }
        }
        let process_share = share_percent(process, summary.process_time);
        // Both reasons about the hands-on time weigh its share of the lead time.
        let process_reason = |code, message| Reason {
            code,
            message,
            value: ReasonValue::Duration(metrics.process_time),
            share_percent: process_share,
            weight: share_percent(process, summary.lead_time),
        };
        if metrics.on_critical_path && process_share >= LONG_PROCESS_SHARE {
            // A measured map whose log does not time this step's work: the time is the map's
            // estimate, and the reason says so.
            let estimated = if rung(index).is_some_and(|r| !r.timed) {
                " (the map's estimate: the log does not time this step's work)"
            } else {
                ""
            };
            reasons.push(process_reason(
                ReasonCode::LongProcessTime,
                format!(
                    "takes {} of process time{}{estimated}: {} of {process_name}",
                    metrics.process_time.human(),
                    per_item_note(index),
                    whole(process_share)
                ),
            ));
        }
        let ca = step.complete_accurate;
        let is_lowest = ca == lowest_ca && ca < Percent::HUNDRED && stream.steps.len() > 1;
        if ca.value() < LOW_COMPLETE_ACCURATE || is_lowest {
            let rework_share = 100.0 - ca.value();
            let tail = match (is_lowest, lowest_is_shared) {
                (true, false) => "lowest in the stream".to_string(),
                (true, true) => "shares the lowest in the stream".to_string(),
                _ => format!("{} of its output needs rework", whole(rework_share)),
            };
            reasons.push(Reason {
                code: ReasonCode::LowCompleteAccurate,
                message: format!("%C&A {ca}: {tail}"),
                value: ReasonValue::Percent(ca.value()),
                share_percent: rework_share,
                weight: rework_share,
            });
        }
        // Rework is charged to the step whose output failed: the one items return to.
        // A measured map's rework is measured (below), not expected from declared loops.
        for loop_ in loops_to[index]
            .iter()
            .map(|&number| &analysis.rework[number])
            .filter(|_| analysis.measured.is_none())
            .filter(|l| !l.expected_extra_time.is_zero())
        {
            let share = share_percent(loop_.expected_extra_time, summary.lead_time);
            let source = if loop_.from == index {
                "go through it again".to_string()
            } else {
                format!("come back from `{}`", stream.steps[loop_.from].id)
            };
            reasons.push(Reason {
                code: ReasonCode::Rework,
                message: format!(
                    "{} of its items {source}: adds {} to the expected lead time ({} more)",
                    loop_.share,
                    loop_.expected_extra_time.human(),
                    whole(share)
                ),
                value: ReasonValue::Duration(loop_.expected_extra_time),
                share_percent: share,
                weight: share,
            });
        }
        if let Some(rung) = rung(index).filter(|r| !r.weighted_rework.is_zero()) {
            let share = share_percent(rung.weighted_rework, summary.lead_time);
            if share >= 1.0 {
                reasons.push(Reason {
                    code: ReasonCode::Rework,
                    message: format!(
                        "its later passes (rework) take {} per item: {} of the mean lead time",
                        rung.weighted_rework.human(),
                        whole(share)
                    ),
                    value: ReasonValue::Duration(rung.weighted_rework),
                    share_percent: share,
                    weight: share,
                });
            }
        }
        if metrics.on_critical_path && !step.automated && process_share >= MANUAL_PROCESS_SHARE {
            reasons.push(process_reason(
                ReasonCode::ManualOnCriticalPath,
                format!(
                    "manual step on the critical path: {} hands-on{}, {} of {process_name}",
                    metrics.process_time.human(),
                    per_item_note(index),
                    whole(process_share)
                ),
            ));
        }
        // Every item passes every step of a map, on a parallel branch as on the critical path,
        // so any step slower than takt holds the stream back (a measured step's time is per
        // item of the stream: weighted by the share that visit it).
        if let Some(reason) = slower_than_takt(stream, step, process, summary.takt_time) {
            reasons.push(reason);
        }
        if !reasons.is_empty() {
            let score = reasons.iter().map(|r| r.weight).sum::<f64>();
            ranked.push(Bottleneck {
                step: index,
                score: (score * 10.0).round() / 10.0,
                reasons,
                countermeasures: Vec::new(),
            });
        }
    }
    // Stable sort: equal scores keep map order.
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    ranked
}
