//! One step of the map, and the steps together: who follows whom, without a cycle.

use super::demand::{QueueNote, read_queue, read_throughput};
use super::fields;
use super::ids::IdTable;
use super::nodes::{Node, Reader};
use super::stream::{Reference, read_id, read_reference};
use super::values::one_or_many;
use crate::diagnostic::{Diagnostic, Location};
use crate::graph;
use crate::measure::{Matching, Pattern, Span, StepRule};
use crate::model::{Designed, Step};
use crate::worktime::WaitSource;
use crate::{Duration, Percent};

/// A step as read, before the ids it follows are resolved.
#[derive(Clone)]
pub(super) struct StepDraft {
    pub(super) step: Step,
    pub(super) id_location: Location,
    /// `None`: follows the previous step.
    pub(super) after: Option<Vec<Reference>>,
    /// Whether every field read cleanly; a step with a bad field still defines its id.
    pub(super) complete: bool,
    /// Where its queue is written, when it has one.
    pub(super) queue: Option<QueueNote>,
}

/// Reads one step. With `base` (a map that `extends:` another), fields the entry leaves out keep
/// the base step's values.
pub(super) fn read_step(
    reader: &mut Reader<'_>,
    node: &Node<'_>,
    base: Option<&StepDraft>,
) -> Option<StepDraft> {
    let fields = reader.object(node, &fields::STEP)?;
    let id = read_id(reader, &fields);
    let name = fields.get("name").and_then(|node| reader.text(node));
    let team = fields.get("team").and_then(|node| reader.text(node));
    let people_node = fields.get("people");
    let people = people_node.and_then(|node| reader.integer(node, 1));
    let people_ok = people_node.is_none() || people.is_some();
    let capacity_node = fields.get("capacity");
    let capacity = capacity_node.and_then(|node| reader.integer(node, 1));
    let batch_node = fields.get("batch_size");
    let batch_size = batch_node.and_then(|node| reader.integer(node, 1));
    let wip_node = fields.get("wip_limit");
    let wip_limit = wip_node.and_then(|node| reader.integer(node, 1));
    let load_ok = (capacity_node.is_none() || capacity.is_some())
        && (batch_node.is_none() || batch_size.is_some())
        && (wip_node.is_none() || wip_limit.is_some());
    let pull_node = fields.get("pull");
    let pull = pull_node.and_then(|node| reader.boolean(node));
    let pull_ok = pull_node.is_none() || pull.is_some();
    let automated_node = fields.get("automated");
    let automated = automated_node.and_then(|node| reader.boolean(node));
    let automated_ok = automated_node.is_none() || automated.is_some();
    let automated = automated.unwrap_or(false);
    let process_time = fields
        .get("process_time")
        .map(|node| (reader.process_duration(node), node));
    let wait_time = fields
        .get("wait_time")
        .map(|node| (reader.wait_duration(node), node));
    let lead_time = fields
        .get("lead_time")
        .map(|node| (reader.wait_duration(node), node));
    let queue_node = fields.get("queue");
    let queue = queue_node.and_then(|node| read_queue(reader, node));
    let throughput_node = fields.get("throughput");
    let throughput = throughput_node.and_then(|node| read_throughput(reader, node));
    let queue_ok = (queue_node.is_none() || queue.is_some())
        && (throughput_node.is_none() || throughput.is_some());
    let complete_accurate = fields
        .get("complete_accurate")
        .map(|node| reader.percent(node));
    let mut artifacts_ok = true;
    let (artifacts_in, artifacts_out) = match fields.get("artifacts") {
        Some(node) => match reader.object(node, &fields::ARTIFACTS) {
            Some(artifacts) => (
                artifacts
                    .get("in")
                    .map(|node| reader.text_list(node))
                    .unwrap_or_default(),
                artifacts
                    .get("out")
                    .map(|node| reader.text_list(node))
                    .unwrap_or_default(),
            ),
            None => {
                artifacts_ok = false;
                (Vec::new(), Vec::new())
            }
        },
        None => (Vec::new(), Vec::new()),
    };
    let notes = fields.get("notes").and_then(|node| reader.text(node));
    let measure_node = fields.get("measure");
    let measure = measure_node.and_then(|node| read_step_rule(reader, node));
    let measure_ok = measure_node.is_none() || measure.is_some();
    let after = fields.get("after").map(|node| {
        one_or_many(node)
            .into_iter()
            .filter_map(|item| read_reference(reader, item))
            .collect()
    });

    let designs_process = process_time.is_some();
    let designs_wait = wait_time.is_some() || lead_time.is_some();
    let designs_ca = complete_accurate.is_some();
    let (id, id_location) = id?;
    let mut complete = true;
    let mut valid = |value: Option<Duration>| {
        complete &= value.is_some();
        value.unwrap_or_default()
    };
    let process = match (process_time, base) {
        (Some((duration, _)), _) => valid(duration),
        (None, Some(base)) => base.step.process_time,
        (None, None) => {
            // A misspelled `process_time` is already reported as an unknown field.
            if !fields.has_unknown() {
                reader.report(
                    Diagnostic::warning(
                        "no_process_time",
                        format!("step `{id}` has no `process_time`; it counts as 0"),
                    )
                    .at(fields.location())
                    .help("add `process_time:` with the hands-on time for one item, e.g. `2h`"),
                );
            }
            Duration::ZERO
        }
    };
    let wait = match (wait_time, lead_time) {
        (Some((wait, _)), None) => valid(wait),
        (None, None) => base.map_or(Duration::ZERO, |base| base.step.wait_time),
        (None, Some((lead, node))) => {
            let lead = valid(lead);
            if let Some(wait) = lead.checked_sub(process) {
                wait
            } else {
                reader.report_at(
                    node,
                    Diagnostic::error("lead_time_too_short", format!("lead time {lead} is shorter than the process time {process}"))
                        .help("lead time is wait time plus process time, so it is at least the process time"),
                );
                complete = false;
                Duration::ZERO
            }
        }
        (Some((wait, _)), Some((lead, node))) => {
            let (wait, lead) = (valid(wait), valid(lead));
            let expected = wait.saturating_add(process);
            if complete && lead != expected {
                reader.report_at(
                    node,
                    Diagnostic::error(
                        "inconsistent_lead_time",
                        format!("lead_time {lead} does not equal wait_time {wait} + process_time {process} = {expected}"),
                    )
                    .help(format!("give either `wait_time` or `lead_time`, or make `lead_time: {expected}`")),
                );
                complete = false;
            }
            wait
        }
    };
    let complete_accurate = match complete_accurate {
        Some(Some(percent)) => percent,
        Some(None) => {
            complete = false;
            Percent::HUNDRED
        }
        None => base.map_or(Percent::HUNDRED, |base| base.step.complete_accurate),
    };
    // A field that was present but unreadable has been reported by the reader.
    complete &=
        people_ok && load_ok && pull_ok && automated_ok && artifacts_ok && measure_ok && queue_ok;
    // The wait this entry writes; a base step's derived wait is derived again (the demand or
    // the queue may have changed).
    let wait_written = wait_time.is_some()
        || lead_time.is_some()
        || base.is_some_and(|b| b.step.wait_source == WaitSource::Estimated);
    let queue = queue.or_else(|| base.and_then(|b| b.step.queue.clone()));
    let queue_note = queue.as_ref().map(|_| QueueNote {
        location: queue_node.map_or(fields.location(), |node| reader.location(node)),
        wait_written,
        wait_field: if wait_time.is_none() && lead_time.is_some() {
            "lead_time"
        } else {
            "wait_time"
        },
    });
    let base_step = base.map(|base| &base.step);
    let pull = pull.unwrap_or_else(|| base_step.is_some_and(|b| b.pull));
    let wip_limit = wip_limit.or_else(|| base_step.and_then(|b| b.wip_limit));
    if let (true, Some(limit)) = (pull, wip_limit) {
        let diagnostic = Diagnostic::error(
            "pull_and_fifo",
            format!(
                "step `{id}` pulls from a supermarket and has a FIFO lane (`wip_limit: {limit}`) before it"
            ),
        )
        .help("work reaches a step one way: remove `pull: true` to keep the FIFO lane, or `wip_limit:` to keep the supermarket");
        match pull_node.or(wip_node) {
            Some(node) => reader.report_at(node, diagnostic),
            None => reader.report(diagnostic.at(fields.location())),
        }
        complete = false;
    }
    let (artifacts_in, artifacts_out) = match (fields.get("artifacts"), base_step) {
        (None, Some(base)) => (base.artifacts_in.clone(), base.artifacts_out.clone()),
        _ => (artifacts_in, artifacts_out),
    };
    Some(StepDraft {
        step: Step {
            name: name
                .or_else(|| base_step.map(|b| b.name.clone()))
                .unwrap_or_else(|| id.clone()),
            team: team.or_else(|| base_step.and_then(|b| b.team.clone())),
            people: people.or_else(|| base_step.and_then(|b| b.people)),
            capacity: capacity.or_else(|| base_step.and_then(|b| b.capacity)),
            batch_size: batch_size.or_else(|| base_step.and_then(|b| b.batch_size)),
            wip_limit,
            pull,
            automated: if automated_node.is_some() {
                automated
            } else {
                base_step.is_some_and(|b| b.automated)
            },
            id,
            process_time: process,
            wait_time: wait,
            wait_source: match base_step {
                Some(b) if !wait_written => b.wait_source,
                _ => WaitSource::Estimated,
            },
            queue,
            throughput: throughput.or_else(|| base_step.and_then(|b| b.throughput.clone())),
            complete_accurate,
            artifacts_in,
            artifacts_out,
            notes: notes.or_else(|| base_step.and_then(|b| b.notes.clone())),
            after: Vec::new(),
            measure: measure.or_else(|| base_step.and_then(|b| b.measure.clone())),
            designed: match base_step {
                None => Designed::default(),
                Some(b) => Designed {
                    process_time: designs_process || b.designed.process_time,
                    wait_time: designs_wait || b.designed.wait_time,
                    complete_accurate: designs_ca || b.designed.complete_accurate,
                },
            },
        },
        id_location,
        after: after.or_else(|| base.and_then(|b| b.after.clone())),
        complete,
        queue: queue_note,
    })
}

/// The steps with the ids they follow resolved to indices; `None` when a reference is unknown,
/// a step was incomplete, or `after:` forms a cycle (each reported).
pub(super) fn resolve_steps(
    reader: &mut Reader<'_>,
    drafts: Vec<StepDraft>,
    ids: &IdTable,
) -> Option<Vec<Step>> {
    let mut steps = Vec::with_capacity(drafts.len());
    let mut after_locations = Vec::with_capacity(drafts.len());
    let mut complete = true;
    for (index, draft) in drafts.into_iter().enumerate() {
        complete &= draft.complete;
        let mut step = draft.step;
        let mut locations = Vec::new();
        match draft.after {
            None => {
                if index > 0 {
                    step.after.push(index - 1);
                }
            }
            Some(references) => {
                for reference in references {
                    match ids.lookup(reader, "step", &reference) {
                        Some(found) if found == index => {
                            reader.report(
                                Diagnostic::error("self_reference", format!("step `{}` cannot follow itself", step.id))
                                    .at(reference.location)
                                    .help("to send work back into the same step, declare `rework: [{ from: ..., to: ... }]`"),
                            );
                            complete = false;
                        }
                        Some(found) => {
                            if !step.after.contains(&found) {
                                step.after.push(found);
                                locations.push(reference.location);
                            }
                        }
                        None => complete = false,
                    }
                }
            }
        }
        steps.push(step);
        after_locations.push(locations);
    }
    if !complete || ids.order.len() != steps.len() {
        return None;
    }
    if let Err(mut cycle) = graph::topological_order(&steps) {
        // Start the message at the step whose `after:` points forward in the file: that entry
        // is the one that closes the loop.
        let closing = (0..cycle.len())
            .find(|&i| {
                let previous = cycle[(i + cycle.len() - 1) % cycle.len()];
                previous > cycle[i]
            })
            .unwrap_or(0);
        cycle.rotate_left(closing);
        let path: Vec<String> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&i| format!("`{}`", steps[i].id))
            .collect();
        let last = *cycle.last().expect("a cycle has steps");
        let first = cycle[0];
        let location = steps[first]
            .after
            .iter()
            .position(|&p| p == last)
            .and_then(|position| after_locations[first].get(position).copied());
        let mut diagnostic = Diagnostic::error("cycle", format!("the steps form a cycle: {}", path.join(" → ")))
            .help(format!(
                "a step cannot follow a step that comes after it; to send work back, declare the loop under `rework:` (e.g. `{{ from: {}, to: {} }}`)",
                steps[last].id, steps[first].id
            ));
        if let Some(location) = location {
            diagnostic = diagnostic.at(location);
        }
        reader.report(diagnostic);
        return None;
    }
    Some(steps)
}

/// A step's `measure:` rule: exactly one of `activity`, `start` with `end`, or `states`.
fn read_step_rule(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<StepRule> {
    let fields = reader.object(node, &fields::STEP_MEASURE)?;
    let list = |reader: &mut Reader<'_>, name: &str| {
        fields.get(name).map(|node| {
            reader
                .text_list(node)
                .into_iter()
                .map(Pattern)
                .collect::<Vec<_>>()
        })
    };
    let activity = list(reader, "activity");
    let start = list(reader, "start");
    let end = list(reader, "end");
    let states = list(reader, "states");
    let read = match (activity, start, end, states) {
        (Some(activity), None, None, None) => Ok(Matching::Activity(activity)),
        (None, Some(start), Some(end), None) => Ok(Matching::Interval { start, end }),
        (None, None, None, Some(states)) => Ok(Matching::States(states)),
        (None, Some(_), None, None) | (None, None, Some(_), None) => Err(Diagnostic::error(
            "incomplete_measure",
            "a step measured by an interval needs both `start` and `end`",
        )
        .help("add the event that ends the step, e.g. `end: Review approved`")),
        (None, None, None, None) => Err(Diagnostic::error(
            "empty_measure",
            "`measure:` says nothing about how to measure the step",
        )
        .help("give `activity: NAME`, `start: NAME` with `end: NAME`, or `states: [NAME, ...]`")),
        _ => Err(Diagnostic::error(
            "ambiguous_measure",
            "give one way to measure the step, not several",
        )
        .help("use `activity`, or `start` with `end`, or `states`")),
    };
    let matching = match read {
        Ok(matching) => matching,
        Err(problem) => {
            reader.report(problem.at(fields.location()));
            return None;
        }
    };
    let span = match fields.get("span") {
        Some(node) => reader.choice(node, "span", &Span::ALL)?,
        None => Span::Process,
    };
    Some(StepRule {
        matching,
        attribute: fields.get("attribute").and_then(|node| reader.text(node)),
        span,
    })
}
