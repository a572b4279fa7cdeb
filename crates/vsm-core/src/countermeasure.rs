//! Countermeasures for the flagged bottlenecks: what to try at each, from the kind of waste its
//! reasons show, as a future-state overlay (`extends:`) and its effect on the lead time.
//!
//! Each proposal is written as the overlay text a team would save beside the map, and its effect
//! is that text read by the real map reader (over the map it extends) and analyzed again, so
//! `vsm compare MAP OVERLAY` gives the same numbers. The changes rest on stated assumptions
//! ("half the wait was for the board's next meeting"): they are proposals to try, not forecasts.

use std::fmt::Write as _;

use crate::analysis::Analysis;
use crate::bottleneck::{Bottleneck, ReasonCode};
use crate::model::{Step, ValueStream};
use crate::{Duration, Percent};

/// A manual step whose hands-on time is at most this, after a wait at least
/// [`APPROVAL_WAIT_RATIO`] times as long, looks like an approval or sign-off.
pub const APPROVAL_PROCESS_TIME: Duration = Duration::from_hours(2);
/// See [`APPROVAL_PROCESS_TIME`].
pub const APPROVAL_WAIT_RATIO: u64 = 10;
/// The hands-on time an automated approval is assumed to take.
pub const AUTOMATED_APPROVAL_TIME: Duration = Duration::from_secs(15 * 60);
/// The %C&A that checks moved to the start of a step are assumed to reach.
pub const SHIFTED_LEFT_COMPLETE_ACCURATE: f64 = 95.0;

/// Proposals are made for this many bottlenecks at most, the most severe first: each takes a
/// reading and an analysis of the whole map, and a long list of lesser ones helps nobody.
pub const MAX_BOTTLENECKS: usize = 10;

/// What kind of change a countermeasure makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A short manual check after a long wait, done by a rule or a pipeline instead.
    AutomateApproval,
    /// The approval runs beside the step before it instead of after it.
    MoveApproval,
    /// The step takes smaller batches.
    SmallerBatches,
    /// A limit on the work in progress of a team that serves several steps.
    WipLimit,
    /// Checks done where the work is done, so less of its output comes back.
    ShiftChecksLeft,
    /// Part of a manual step's hands-on work done by tools.
    AutomateWork,
    /// An automated step made faster.
    SpeedUpAutomation,
    /// More people or runners at a step slower than the takt time.
    AddCapacity,
}

impl Kind {
    /// The kind's name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AutomateApproval => "automate_approval",
            Kind::MoveApproval => "move_approval",
            Kind::SmallerBatches => "smaller_batches",
            Kind::WipLimit => "wip_limit",
            Kind::ShiftChecksLeft => "shift_checks_left",
            Kind::AutomateWork => "automate_work",
            Kind::SpeedUpAutomation => "speed_up_automation",
            Kind::AddCapacity => "add_capacity",
        }
    }
}

/// One field of one step that the overlay sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The step's id.
    pub step: String,
    /// The field as a map file names it (`wait_time`).
    pub field: &'static str,
    /// Its value before, as reports show it (`None`: not set).
    pub from: Option<String>,
    /// Its value in the overlay, as written there.
    pub to: String,
}

/// The numbers of the map with the change applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub lead_time: Duration,
    pub lead_time_with_rework: Duration,
    pub rolled_complete_accurate_percent: f64,
    /// The step's bottleneck score after the change; `None` when it is no longer flagged.
    pub score: Option<f64>,
}

/// A change to try at a flagged step, with its effect.
#[derive(Clone, Debug, PartialEq)]
pub struct Countermeasure {
    /// Index of the flagged step.
    pub step: usize,
    pub kind: Kind,
    /// What to do, in a few words ("automate the approval").
    pub action: String,
    /// What the numbers assume.
    pub assumption: String,
    pub changes: Vec<Change>,
    /// The future-state overlay that makes the change: save it beside the map and run
    /// `vsm compare MAP OVERLAY`.
    pub overlay: String,
    pub effect: Effect,
}

/// Proposes countermeasures for the bottlenecks (the first [`MAX_BOTTLENECKS`]) of an estimated map (the map's own numbers),
/// each with its effect by the analytic lead time. `extends` is the map's file name as an overlay
/// beside it names it.
pub fn propose(stream: &ValueStream, analysis: &Analysis, extends: &str) -> Vec<Countermeasure> {
    propose_with(stream, stream, analysis, extends, &|future| {
        crate::try_analyze(future).ok()
    })
}

/// As [`propose`], for a map whose analyzed numbers (`stream`, `analysis`) may differ from its
/// written ones (`estimates`: the map the overlay extends), with the analysis of a future state
/// given by `evaluate` (for a measured map: measured through the current state's log). A change
/// the reader refuses or `evaluate` cannot analyze is left out.
pub fn propose_with(
    estimates: &ValueStream,
    stream: &ValueStream,
    analysis: &Analysis,
    extends: &str,
    evaluate: &dyn Fn(&ValueStream) -> Option<Analysis>,
) -> Vec<Countermeasure> {
    let mut proposals = Vec::new();
    for bottleneck in analysis.bottlenecks.iter().take(MAX_BOTTLENECKS) {
        for draft in drafts(stream, analysis, bottleneck) {
            let overlay = overlay_text(extends, &draft);
            let parsed = crate::parse_map_extending(&overlay, estimates);
            let Some(future) = parsed.stream else {
                continue;
            };
            let Some(after) = evaluate(&future) else {
                continue;
            };
            let score = after
                .bottlenecks
                .iter()
                .find(|b| b.step < future.steps.len() && future.steps[b.step].id == draft.step_id())
                .map(|b| b.score);
            proposals.push(Countermeasure {
                step: bottleneck.step,
                kind: draft.kind,
                action: draft.action,
                assumption: draft.assumption,
                changes: draft.changes,
                overlay,
                effect: Effect {
                    lead_time: after.summary.lead_time,
                    lead_time_with_rework: after.summary.lead_time_with_rework,
                    rolled_complete_accurate_percent: after
                        .summary
                        .rolled_complete_accurate_percent,
                    score,
                },
            });
        }
    }
    proposals
}

/// Puts each proposal under the bottleneck of its step, in the order given.
pub fn attach(analysis: &mut Analysis, proposals: Vec<Countermeasure>) {
    for proposal in proposals {
        if let Some(bottleneck) = analysis
            .bottlenecks
            .iter_mut()
            .find(|b| b.step == proposal.step)
        {
            bottleneck.countermeasures.push(proposal);
        }
    }
}

/// A proposal before its effect is known.
struct Draft {
    kind: Kind,
    action: String,
    assumption: String,
    changes: Vec<Change>,
}

impl Draft {
    /// The flagged step's id: the first change is always to it.
    fn step_id(&self) -> &str {
        self.changes.first().map_or("", |c| c.step.as_str())
    }
}

/// The proposals that fit the reasons a step is flagged for, in a fixed order.
fn drafts(stream: &ValueStream, analysis: &Analysis, bottleneck: &Bottleneck) -> Vec<Draft> {
    let index = bottleneck.step;
    let step = &stream.steps[index];
    let metrics = &analysis.steps[index];
    let has = |code: ReasonCode| bottleneck.reasons.iter().any(|r| r.code == code);
    let time = &stream.working_time;
    let (process_day, wait_day) = (time.process_day(), time.wait_day());
    let (process, wait) = (metrics.process_time, metrics.wait_time);
    let set = |field: &'static str, from: Option<String>, to: String| Change {
        step: step.id.clone(),
        field,
        from,
        to,
    };
    let halved_wait = || halve_wait(step, wait, wait_day);
    let mut drafts = Vec::new();

    if has(ReasonCode::LongWait) {
        if let Some(batch) = step.batch_size.filter(|&b| b > 1) {
            let mut changes = vec![set(
                "batch_size",
                Some(batch.to_string()),
                batch.div_ceil(2).to_string(),
            )];
            changes.extend(halved_wait());
            drafts.push(Draft {
                kind: Kind::SmallerBatches,
                action: "take smaller batches".into(),
                assumption: "the wait is mostly items waiting for the batch to fill, so it halves with the batch".into(),
                changes,
            });
        }
        let looks_like_approval = !step.automated
            && says_approval(step)
            && process <= APPROVAL_PROCESS_TIME
            && wait.as_millis() >= process.as_millis().saturating_mul(APPROVAL_WAIT_RATIO);
        if looks_like_approval {
            let mut changes = vec![set("automated", Some("false".into()), "true".into())];
            if process > AUTOMATED_APPROVAL_TIME {
                changes.push(set(
                    "process_time",
                    Some(process.human()),
                    written(AUTOMATED_APPROVAL_TIME, process_day),
                ));
            }
            changes.extend(halved_wait());
            drafts.push(Draft {
                kind: Kind::AutomateApproval,
                action: "automate the approval".into(),
                assumption: format!(
                    "a rule or a pipeline check decides what people decided here, in {} or less, and half the wait was for their next slot",
                    AUTOMATED_APPROVAL_TIME.human()
                ),
                changes,
            });
            // A measured map's lead time is its items' as they went: a new order of its steps
            // does not move it (`vsm simulate` projects that).
            if analysis.measured.is_none()
                && let Some(changes) = move_beside_predecessor(stream, index)
            {
                drafts.push(Draft {
                    kind: Kind::MoveApproval,
                    action: "approve beside the step before, not after it".into(),
                    assumption: format!(
                        "the approval does not need what `{}` produces, so both run at once",
                        stream.steps[step.after[0]].id
                    ),
                    changes,
                });
            }
        }
        let shared = step.team.as_ref().is_some_and(|team| {
            stream
                .steps
                .iter()
                .filter(|s| s.team.as_ref() == Some(team))
                .count()
                > 1
        });
        if shared && step.wip_limit.is_none() {
            let limit = step.people.or(step.capacity).unwrap_or(1).max(1);
            let mut changes = vec![set("wip_limit", None, limit.to_string())];
            changes.extend(halved_wait());
            drafts.push(Draft {
                kind: Kind::WipLimit,
                action: format!(
                    "limit the work in progress of {}, which serves several steps",
                    step.team.as_deref().unwrap_or("the team")
                ),
                assumption: "the team starts no more items than it can work on at once, finishes work before starting more, and so the wait before this step halves (`vsm simulate` shows the queueing)".into(),
                changes,
            });
        }
    }

    if (has(ReasonCode::LowCompleteAccurate) || has(ReasonCode::Rework))
        && step.complete_accurate.value() < SHIFTED_LEFT_COMPLETE_ACCURATE
    {
        let target = Percent::new(SHIFTED_LEFT_COMPLETE_ACCURATE).unwrap_or(Percent::HUNDRED);
        drafts.push(Draft {
            kind: Kind::ShiftChecksLeft,
            action: "shift checks left".into(),
            assumption: format!(
                "checks done while the work is done (a definition of ready, tests written first, a checklist) catch the problems later steps found, so {target} of the output is usable as is; its process time stays the same"
            ),
            changes: vec![set(
                "complete_accurate",
                Some(step.complete_accurate.to_string()),
                target.to_string(),
            )],
        });
    }

    let long_work = has(ReasonCode::LongProcessTime) || has(ReasonCode::ManualOnCriticalPath);
    if long_work && process >= Duration::from_secs(120) {
        let to = written(half_to_minute(process), process_day);
        let change = set("process_time", Some(process.human()), to);
        drafts.push(if step.automated {
            Draft {
                kind: Kind::SpeedUpAutomation,
                action: "speed up the automation".into(),
                assumption: "parallel jobs, caching or faster runners halve its time".into(),
                changes: vec![change],
            }
        } else {
            Draft {
                kind: Kind::AutomateWork,
                action: "automate part of the hands-on work".into(),
                assumption:
                    "tools or scripts take over half of the hands-on time; the step stays manual"
                        .into(),
                changes: vec![change],
            }
        });
    }

    if has(ReasonCode::SlowerThanTakt)
        && let Some(takt) = analysis.summary.takt_time.filter(|t| !t.is_zero())
    {
        let now = step.capacity.or(step.people).unwrap_or(1).max(1);
        let needed = (process.as_millis().div_ceil(takt.as_millis().max(1))).max(1);
        if let Ok(needed) = u32::try_from(needed)
            && needed > now
        {
            drafts.push(Draft {
                kind: Kind::AddCapacity,
                action: "add capacity to keep up with the takt time".into(),
                assumption: format!(
                    "{needed} people or runners work on items at once; each item still takes {}, so the lead time does not change, but work stops piling up",
                    process.human()
                ),
                changes: vec![set(
                    "capacity",
                    step.capacity.map(|c| c.to_string()),
                    needed.to_string(),
                )],
            });
        }
    }
    drafts
}

/// Whether the step's name, id or output says it is an approval: `approve`, `sign-off`,
/// `board`, `CAB`, `gate`, `audit`, `authorize`, `acceptance`.
fn says_approval(step: &Step) -> bool {
    let texts = [&step.name, &step.id]
        .into_iter()
        .chain(&step.artifacts_out);
    texts.into_iter().any(|text| {
        let lower = text.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        words.iter().enumerate().any(|(i, word)| {
            ["approv", "authori", "audit", "accept"]
                .iter()
                .any(|stem| word.starts_with(stem))
                || matches!(*word, "board" | "cab" | "gate" | "signoff")
                || (*word == "sign" && words.get(i + 1) == Some(&"off"))
        })
    })
}

/// The changes that halve the wait before a step: its counted queue (the wait derived from it
/// follows), its written wait, or both when it gives both.
fn halve_wait(step: &Step, wait: Duration, wait_day: Duration) -> Vec<Change> {
    let mut changes = Vec::new();
    let counted = step.queue.as_ref().filter(|q| !q.measured);
    if let Some(queue) = counted {
        let half = |count: f64| (count / 2.0).ceil();
        let (from, to) = if queue.by_type.is_empty() {
            (
                crate::worktime::format_count(queue.total),
                crate::worktime::format_count(half(queue.total)),
            )
        } else {
            let each = |f: &dyn Fn(f64) -> f64| {
                let parts: Vec<String> = queue
                    .by_type
                    .iter()
                    .map(|(name, count)| {
                        format!(
                            "{}: {}",
                            yaml_key(name),
                            crate::worktime::format_count(f(*count))
                        )
                    })
                    .collect();
                format!("{{ {} }}", parts.join(", "))
            };
            (each(&|c| c), each(&half))
        };
        changes.push(Change {
            step: step.id.clone(),
            field: "queue",
            from: Some(from),
            to,
        });
    }
    if counted.is_none() || step.wait_source == crate::worktime::WaitSource::Estimated {
        changes.push(Change {
            step: step.id.clone(),
            field: "wait_time",
            from: Some(wait.human()),
            to: written(half_to_minute(wait), wait_day),
        });
    }
    changes
}

/// For a step that follows one step which follows others: the step follows those others
/// instead (running beside the one before it), and the steps after it follow both.
fn move_beside_predecessor(stream: &ValueStream, index: usize) -> Option<Vec<Change>> {
    let step = &stream.steps[index];
    let [before] = step.after[..] else {
        return None;
    };
    let earlier = &stream.steps[before].after;
    if earlier.is_empty() {
        return None;
    }
    let ids = |list: &[usize]| {
        let names: Vec<String> = list
            .iter()
            .map(|&i| yaml_key(&stream.steps[i].id))
            .collect();
        format!("[{}]", names.join(", "))
    };
    let mut changes = vec![Change {
        step: step.id.clone(),
        field: "after",
        from: Some(ids(&step.after)),
        to: ids(earlier),
    }];
    for next in stream.steps.iter().filter(|s| s.after.contains(&index)) {
        if next.after.contains(&before) {
            continue;
        }
        let mut after = next.after.clone();
        after.push(before);
        changes.push(Change {
            step: next.id.clone(),
            field: "after",
            from: Some(ids(&next.after)),
            to: ids(&after),
        });
    }
    Some(changes)
}

/// The overlay a team would save beside the map to try the change.
fn overlay_text(extends: &str, draft: &Draft) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "# Try: {}.", draft.action);
    let _ = writeln!(text, "# Assumes {}.", draft.assumption.replace('\n', " "));
    let _ = writeln!(text, "extends: {}", yaml_key(extends));
    text.push_str("steps:\n");
    let mut order: Vec<&str> = Vec::new();
    for change in &draft.changes {
        if !order.contains(&change.step.as_str()) {
            order.push(&change.step);
        }
    }
    for id in order {
        let _ = writeln!(text, "  - id: {}", yaml_key(id));
        for change in draft.changes.iter().filter(|c| c.step == id) {
            let _ = writeln!(text, "    {}: {}", change.field, change.to);
        }
    }
    text
}

/// Half a duration, to the minute when it is a minute or more.
fn half_to_minute(duration: Duration) -> Duration {
    let half = duration.as_millis() / 2;
    if half >= 60_000 {
        Duration::from_millis((half + 30_000) / 60_000 * 60_000)
    } else {
        Duration::from_millis(half)
    }
}

/// A duration as a map file reads it back exactly, with days of `day` (the field's day: a
/// working day for process times of a map that sets one) and no weeks: `2d 12h`, `15m`.
pub fn written(duration: Duration, day: Duration) -> String {
    let millis = duration.as_millis();
    if millis == 0 {
        return "0".into();
    }
    let day = day.as_millis().max(1);
    let mut parts = Vec::new();
    let (days, mut rest) = (millis / day, millis % day);
    if days > 0 {
        parts.push(format!("{days}d"));
    }
    for (size, unit) in [(3_600_000, "h"), (60_000, "m"), (1_000, "s"), (1, "ms")] {
        if rest >= size {
            parts.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    parts.join(" ")
}

/// A plain YAML scalar when the text is one, else a double-quoted string.
fn yaml_key(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !text.starts_with(['-', '.'])
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        )
        && text.parse::<f64>().is_err();
    if plain {
        text.to_string()
    } else {
        let mut quoted = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                '\n' => quoted.push_str("\\n"),
                c if c.is_control() => {
                    let _ = write!(quoted, "\\u{:04x}", u32::from(c));
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    }
}

#[cfg(test)]
mod tests;
