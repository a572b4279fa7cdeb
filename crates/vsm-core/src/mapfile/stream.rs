//! From the YAML tree to a [`ValueStream`]: fields, references, and the rules across entries.

use std::collections::HashMap;

use super::bounds::{
    MAX_REWORK_SHARE, check_totals, derived_share, endless_loop, read_zone, share_too_high,
};
use super::fields::{self, ObjectSpec};
use super::nodes::{Fields, LISTED_NAMES, Node, Reader};
use crate::calendar::CalendarSpec;
use crate::diagnostic::{Diagnostic, Location, backticked, shorten};
use crate::graph;
use crate::measure::{Matching, MeasureSource, Pattern, Reentry, StepRule};
use crate::model::{
    Designed, Endpoint, Flow, FlowKind, Improvement, ImprovementStatus, Rework, Scope, Step,
    StepTargets, System, Target, TargetMetric, ValueStream,
};
use crate::{Duration, Percent};

/// A reference to something by id, with where it was written.
#[derive(Clone)]
struct Reference {
    id: String,
    location: Location,
}

#[derive(Clone)]
struct StepDraft {
    step: Step,
    id_location: Location,
    /// `None`: follows the previous step.
    after: Option<Vec<Reference>>,
    /// Whether every field read cleanly; a step with a bad field still defines its id.
    complete: bool,
}

/// Builds the stream; `None` when a part could not be read (the reasons are reported).
pub fn build(reader: &mut Reader<'_>, root: &Node<'_>) -> Option<ValueStream> {
    if let Some(node) = root.data.as_mapping_get("extends") {
        let location = reader.location(node);
        reader.report(
            Diagnostic::error(
                "extends_not_followed",
                "this map extends another, but was read on its own",
            )
            .at(location)
            .help("read it with `vsm`, which loads the map it extends first"),
        );
        return None;
    }
    let top = reader.object(root, &fields::MAP)?;
    if let Some(node) = top.get("remove") {
        let location = reader.location(node);
        reader.report(
            Diagnostic::error(
                "remove_without_extends",
                "`remove:` drops steps of a base map, but this map extends none",
            )
            .at(location)
            .help("add `extends: BASE.yaml`, or delete the steps from `steps:` instead"),
        );
    }
    let mut drafts = Vec::new();
    if let Some(node) = top.get("steps") {
        let items = reader.list(node, "steps");
        if items.is_empty() && matches!(node.data, saphyr::YamlData::Sequence(_)) {
            let location = reader.location(node);
            reader.report(
                Diagnostic::error("no_steps", "the map has no steps")
                    .at(location)
                    .help("add at least one step with `- id: ...`"),
            );
        }
        drafts = items
            .into_iter()
            .filter_map(|item| read_step(reader, item, None))
            .collect();
    }
    finish(reader, &top, drafts, None)
}

/// Builds a map that `extends:` `base`: its steps override the base's by id (fields left out
/// keep the base's values), new steps join after the step they follow, `remove:` drops steps
/// (their successors then follow their predecessors), and top-level fields and lists given
/// replace the base's.
pub fn build_extending(
    reader: &mut Reader<'_>,
    root: &Node<'_>,
    base: &ValueStream,
) -> Option<ValueStream> {
    let top = reader.object_requiring(root, &fields::MAP, false)?;
    let location = top.location();
    let reference = |id: &str| Reference {
        id: id.to_string(),
        location,
    };
    let mut drafts: Vec<StepDraft> = base
        .steps
        .iter()
        .map(|step| StepDraft {
            step: Step {
                after: Vec::new(),
                ..step.clone()
            },
            id_location: location,
            after: Some(
                step.after
                    .iter()
                    .map(|&i| reference(&base.steps[i].id))
                    .collect(),
            ),
            complete: true,
        })
        .collect();
    if let Some(node) = top.get("remove") {
        for item in reader.list(node, "step ids to remove") {
            let Some(removed) = read_reference(reader, item) else {
                continue;
            };
            let Some(position) = drafts.iter().position(|d| d.step.id == removed.id) else {
                let known = drafts.iter().map(|d| d.step.id.as_str());
                let help = reader.suggest(&removed.id, known.clone()).map_or_else(
                    || format!("the steps are {}", backticked(known, LISTED_NAMES)),
                    |s| format!("did you mean `{s}`?"),
                );
                reader.report(
                    Diagnostic::error(
                        "unknown_reference",
                        format!("there is no step `{}` to remove", shorten(&removed.id)),
                    )
                    .at(removed.location)
                    .help(help),
                );
                continue;
            };
            let gone = drafts.remove(position);
            let bridge = gone.after.unwrap_or_default();
            for draft in &mut drafts {
                if let Some(after) = &mut draft.after
                    && after.iter().any(|r| r.id == gone.step.id)
                {
                    after.retain(|r| r.id != gone.step.id);
                    for r in &bridge {
                        if !after.iter().any(|a| a.id == r.id) {
                            after.push(r.clone());
                        }
                    }
                }
            }
        }
    }
    if let Some(node) = top.get("steps") {
        for item in reader.list(node, "steps") {
            let id = match &item.data {
                saphyr::YamlData::Mapping(_) => item
                    .data
                    .as_mapping_get("id")
                    .and_then(|n| n.data.as_str())
                    .map(str::to_string),
                _ => None,
            };
            match id
                .as_deref()
                .and_then(|id| drafts.iter().position(|d| d.step.id == id))
            {
                Some(position) => {
                    let base_draft = drafts[position].clone();
                    if let Some(draft) = read_step(reader, item, Some(&base_draft)) {
                        drafts[position] = draft;
                    }
                }
                None => {
                    let Some(draft) = read_step(reader, item, None) else {
                        continue;
                    };
                    let Some(after) = &draft.after else {
                        reader.report(
                            Diagnostic::error(
                                "new_step_without_after",
                                format!(
                                    "new step `{}` does not say which step it follows",
                                    draft.step.id
                                ),
                            )
                            .at(draft.id_location)
                            .help("a step added by a map that extends another needs `after: STEP`"),
                        );
                        continue;
                    };
                    // Listed right after the last step it follows, so the map reads in order.
                    let position = after
                        .iter()
                        .filter_map(|r| drafts.iter().position(|d| d.step.id == r.id))
                        .max()
                        .map_or(drafts.len(), |p| p + 1);
                    drafts.insert(position, draft);
                }
            }
        }
    }
    finish(reader, &top, drafts, Some(base))
}

/// The map's identity and lists: read from `top`, or, for a map extending `base`, taken from the
/// base where `top` does not give them.
fn finish(
    reader: &mut Reader<'_>,
    top: &Fields<'_, '_>,
    drafts: Vec<StepDraft>,
    base: Option<&ValueStream>,
) -> Option<ValueStream> {
    let name = top
        .get("name")
        .and_then(|node| reader.text(node))
        .or_else(|| base.map(|b| b.name.clone()));
    let description = top
        .get("description")
        .and_then(|node| reader.text(node))
        .or_else(|| base.and_then(|b| b.description.clone()));
    let customer = top
        .get("customer")
        .and_then(|node| reader.text(node))
        .or_else(|| base.and_then(|b| b.customer.clone()));
    let scope = match (top.get("scope"), base) {
        (Some(node), _) => read_scope(reader, node),
        (None, Some(base)) => base.scope.clone(),
        (None, None) => Scope::default(),
    };
    let mut ids = IdTable::default();
    for draft in &drafts {
        ids.define(reader, "step", &draft.step.id, draft.id_location);
    }
    let id_locations: Vec<Location> = drafts.iter().map(|draft| draft.id_location).collect();
    let steps = resolve_steps(reader, drafts, &ids);

    let systems = read_list(reader, top, "systems", &fields::SYSTEM, |reader, fields| {
        let (id, location) = read_id(reader, fields)?;
        let name = fields
            .get("name")
            .and_then(|node| reader.text(node))
            .unwrap_or_else(|| id.clone());
        Some((System { id, name }, location))
    });
    let mut system_ids = IdTable::default();
    for (system, location) in &systems {
        if system.id == "customer" || ids.index.contains_key(&system.id) {
            reader.report(
                Diagnostic::error("duplicate_id", format!("system id `{}` is already used", system.id))
                    .at(*location)
                    .help("flows refer to steps, systems and `customer` by id; give the system an id of its own"),
            );
        }
        system_ids.define(reader, "system", &system.id, *location);
    }
    let systems: Vec<System> = systems.into_iter().map(|(system, _)| system).collect();

    let flows = read_list(reader, top, "flows", &fields::FLOW, |reader, fields| {
        let from = read_endpoint(reader, fields, "from", &ids, &system_ids);
        let to = read_endpoint(reader, fields, "to", &ids, &system_ids);
        let kind = match fields.get("kind") {
            Some(node) => match reader.choice(node, "kind", fields::FLOW_KINDS)? {
                "manual" => FlowKind::Manual,
                _ => FlowKind::Electronic,
            },
            None => FlowKind::Electronic,
        };
        let label = fields.get("label").and_then(|node| reader.text(node));
        Some(Flow {
            from: from?,
            to: to?,
            kind,
            label,
        })
    });

    let mut upstream = steps.as_deref().and_then(graph::Upstream::new);
    let (rework, rework_locations): (Vec<Rework>, Vec<Location>) =
        read_list(reader, top, "rework", &fields::REWORK, |reader, fields| {
            let steps = steps.as_deref().zip(upstream.as_mut());
            read_rework(reader, fields, &ids, steps).map(|loop_| (loop_, fields.location()))
        })
        .into_iter()
        .unzip();

    let mut improvement_ids = IdTable::default();
    let improvements = read_list(
        reader,
        top,
        "improvements",
        &fields::IMPROVEMENT,
        |reader, fields| {
            let (id, location) = read_id(reader, fields)?;
            improvement_ids.define(reader, "improvement", &id, location);
            read_improvement(reader, fields, id, &ids)
        },
    );

    let measure = top
        .get("measure")
        .and_then(|node| read_measure_source(reader, node));
    // A `measure:` section that could not be read has been reported already.
    // A future state that extends a measured map measures with its log.
    let inherited = base.is_some_and(|base| base.measure.is_some());
    if let (None, None, Some(steps)) = (&measure, top.get("measure"), &steps)
        && !inherited
        && steps.iter().any(|step| step.measure.is_some())
    {
        reader.report(
            Diagnostic::warning(
                "no_measure_log",
                "steps say how to measure them, but the map names no event log",
            )
            .at(top.location())
            .help("add `measure: { log: events.xes.gz }` at the top level"),
        );
    }

    let targets = match (top.get("targets"), base) {
        (Some(node), _) => read_targets(reader, node),
        (None, Some(base)) => base.targets.clone(),
        (None, None) => Vec::new(),
    };
    let mut stream = ValueStream {
        targets,
        name: name?,
        description,
        customer,
        scope,
        steps: steps?,
        systems,
        flows,
        rework,
        improvements,
        measure,
    };
    if let Some(base) = base {
        carry_over(reader, top, base, &mut stream);
    }
    if !reader.has_errors() {
        // The numbers are read; their totals must fit too, or every report would be wrong.
        let rework_locations = if top.get("rework").is_some() {
            rework_locations
        } else {
            Vec::new()
        };
        check_totals(
            reader,
            &stream,
            &id_locations,
            &rework_locations,
            top.location(),
        );
    }
    Some(stream)
}

/// For a map that extends `base`: the lists it does not give come from the base, with steps
/// found by id; entries about removed steps are left out, each with a warning.
fn carry_over(
    reader: &mut Reader<'_>,
    top: &Fields<'_, '_>,
    base: &ValueStream,
    stream: &mut ValueStream,
) {
    let index: HashMap<&str, usize> = stream
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| (step.id.as_str(), i))
        .collect();
    let moved: Vec<Option<usize>> = base
        .steps
        .iter()
        .map(|step| index.get(step.id.as_str()).copied())
        .collect();
    let new_index = |index: usize| moved[index];
    let mut dropped: Vec<String> = Vec::new();
    if top.get("systems").is_none() {
        stream.systems.clone_from(&base.systems);
    }
    if top.get("flows").is_none() {
        let endpoint = |endpoint: &Endpoint| match endpoint {
            Endpoint::Step(i) => new_index(*i).map(Endpoint::Step),
            other => Some(other.clone()),
        };
        let mut flows = Vec::new();
        for flow in &base.flows {
            match (endpoint(&flow.from), endpoint(&flow.to)) {
                (Some(from), Some(to)) => flows.push(Flow {
                    from,
                    to,
                    ..flow.clone()
                }),
                _ => dropped.push(format!(
                    "flow `{}`",
                    flow.label.as_deref().unwrap_or("(no label)")
                )),
            }
        }
        stream.flows = flows;
    }
    if top.get("rework").is_none() {
        let mut rework = Vec::new();
        for loop_ in &base.rework {
            match (new_index(loop_.from), new_index(loop_.to)) {
                (Some(from), Some(to)) => {
                    let mut moved = Rework {
                        from,
                        to,
                        ..loop_.clone()
                    };
                    if !moved.share_declared {
                        // The derived share follows this map's %C&A of the step returned to.
                        match derived_share(reader, &stream.steps, from, to, top.location()) {
                            Some(share) => moved.share = share,
                            None => continue,
                        }
                    }
                    rework.push(moved);
                }
                _ => dropped.push(format!(
                    "rework loop from `{}` to `{}`",
                    base.steps[loop_.from].id, base.steps[loop_.to].id
                )),
            }
        }
        stream.rework = rework;
    }
    if top.get("improvements").is_none() {
        let mut improvements = Vec::new();
        for improvement in &base.improvements {
            match new_index(improvement.step) {
                Some(step) => improvements.push(Improvement {
                    step,
                    ..improvement.clone()
                }),
                None => dropped.push(format!("improvement `{}`", improvement.id)),
            }
        }
        stream.improvements = improvements;
    }
    if top.get("measure").is_none() {
        stream.measure.clone_from(&base.measure);
    }
    for what in dropped {
        reader.report(
            Diagnostic::warning(
                "left_out",
                format!("the base map's {what} is left out: it refers to a removed step"),
            )
            .at(top.location())
            .help("give the list in this map to say what it should be"),
        );
    }
}

fn read_targets(reader: &mut Reader<'_>, node: &Node<'_>) -> Vec<Target> {
    let Some(fields) = reader.object(node, &fields::TARGETS) else {
        return Vec::new();
    };
    let mut targets = Vec::new();
    for (metric, name) in TargetMetric::ALL {
        let Some(node) = fields.get(name) else {
            continue;
        };
        let spec = if metric.is_duration() {
            &fields::DURATION_BOUND
        } else {
            &fields::PERCENT_BOUND
        };
        let Some(bound) = reader.object(node, spec) else {
            continue;
        };
        let mut value = |key: &str| {
            let node = bound.get(key)?;
            if metric.is_duration() {
                reader.duration(node).map(|d| d.as_millis() as f64)
            } else {
                reader.percent(node).map(Percent::value)
            }
        };
        let (min, max) = (value("min"), value("max"));
        if min.is_none() && max.is_none() {
            let location = bound.location();
            reader.report(
                Diagnostic::error(
                    "empty_target",
                    format!("the target for `{name}` gives neither `min` nor `max`"),
                )
                .at(location)
                .help(if metric.is_duration() {
                    "e.g. `{ max: 5d }`"
                } else {
                    "e.g. `{ min: 80% }`"
                }),
            );
            continue;
        }
        if let (Some(low), Some(high)) = (min, max)
            && low > high
        {
            let show = |key: &str| {
                bound
                    .get(key)
                    .map_or("".into(), |node| shorten(reader.raw(node)))
                    .to_string()
            };
            let (low_text, high_text) = (show("min"), show("max"));
            let location = bound.location();
            reader.report(
                Diagnostic::error(
                    "target_min_above_max",
                    format!("the target for `{name}` has `min: {low_text}` above `max: {high_text}`, so no value can meet it"),
                )
                .at(location)
                .help(format!("swap them (`{{ min: {high_text}, max: {low_text} }}`), or give only the bound you mean")),
            );
            continue;
        }
        targets.push(Target { metric, min, max });
    }
    targets
}

fn read_measure_source(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<MeasureSource> {
    let fields = reader.object(node, &fields::MEASURE)?;
    // Every field is read (and its problems reported) before any failure drops the section.
    let calendar = fields
        .get("calendar")
        .map(|node| read_calendar(reader, node));
    let reentry = fields
        .get("reentry")
        .map(|node| reader.choice(node, "reentry", fields::REENTRY));
    let zone = fields.get("zone").map(|node| read_zone(reader, node));
    let last_event = fields
        .get("last_event")
        .map(|node| reader.choice(node, "last_event", fields::LAST_EVENT));
    let log = fields.get("log").and_then(|node| reader.text(node));
    let object_type = fields.get("object_type").and_then(|node| reader.text(node));
    Some(MeasureSource {
        log: log?,
        zone: zone.map(|zone| zone.ok_or(())).transpose().ok()?,
        object_type,
        calendar: calendar.map(|c| c.ok_or(())).transpose().ok()?,
        reentry: match reentry.map(|r| r.ok_or(())).transpose().ok()? {
            Some("resume") => Reentry::Resume,
            _ => Reentry::Rework,
        },
        last_event_ends: last_event.map(|l| l.ok_or(())).transpose().ok()? == Some("done"),
    })
}

/// `days`, `hours` and `holidays` of a working calendar, each checked.
fn read_calendar(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<CalendarSpec> {
    let fields = reader.object(node, &fields::CALENDAR)?;
    let mut ok = true;
    let zone = fields.get("zone").and_then(|node| {
        let zone = read_zone(reader, node);
        ok &= zone.is_some();
        zone
    });
    let mut spec = CalendarSpec {
        zone,
        ..CalendarSpec::default()
    };
    if let Some(node) = fields.get("days") {
        spec.days = [false; 7];
        let items: Vec<&Node<'_>> = match &node.data {
            saphyr::YamlData::Sequence(items) => items.iter().collect(),
            _ => vec![node],
        };
        const FULL: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        if items.is_empty() {
            let location = reader.location(node);
            reader.report(
                Diagnostic::error(
                    "no_working_days",
                    "`days: []` lists no working day, so every measured time would be 0",
                )
                .at(location)
                .help("list the working days, e.g. `days: [mon, tue, wed, thu, fri]`, or remove `days:` for monday to friday"),
            );
            ok = false;
        }
        for item in items {
            // `friday` reads as `fri`; anything else must be one of the short names.
            let full = reader.text(item).and_then(|text| {
                FULL.iter()
                    .position(|d| d.eq_ignore_ascii_case(text.trim()))
            });
            match full.or_else(|| {
                reader
                    .choice(item, "days", fields::WEEKDAYS)
                    .and_then(|day| fields::WEEKDAYS.iter().position(|d| *d == day))
            }) {
                Some(index) => spec.days[index] = true,
                None => ok = false,
            }
        }
    }
    if let Some(node) = fields.get("hours") {
        let text = reader.text(node)?;
        let minute = |part: &str| -> Option<u16> {
            let (hours, minutes) = part.trim().split_once(':')?;
            let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
            // Checked before multiplying: `99999:00` must not overflow.
            if hours > 24 || minutes >= 60 {
                return None;
            }
            let minute = hours * 60 + minutes;
            (minute <= 24 * 60).then_some(minute)
        };
        match text
            .split_once('-')
            .and_then(|(a, b)| Some((minute(a)?, minute(b)?)))
        {
            Some((start, end)) if start < end => {
                spec.start_minute = start;
                spec.end_minute = end;
            }
            _ => {
                let location = reader.location(node);
                reader.report(
                    Diagnostic::error("invalid_hours", format!("`{text}` is not a span of working hours"))
                        .at(location)
                        .help("write the start and end of the working day as `HH:MM-HH:MM`, e.g. `09:00-17:30`"),
                );
                ok = false;
            }
        }
    }
    if let Some(node) = fields.get("holidays") {
        let items: Vec<&Node<'_>> = match &node.data {
            saphyr::YamlData::Sequence(items) => items.iter().collect(),
            _ => vec![node],
        };
        for item in items {
            match reader.date(item) {
                Some(date) => spec.holidays.push(date),
                None => ok = false,
            }
        }
    }
    ok.then_some(spec)
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
    let rule = match (activity, start, end, states) {
        (Some(activity), None, None, None) => Matching::Activity(activity),
        (None, Some(start), Some(end), None) => Matching::Interval { start, end },
        (None, None, None, Some(states)) => Matching::States(states),
        (None, Some(_), None, None) | (None, None, Some(_), None) => {
            reader.report(
                Diagnostic::error(
                    "incomplete_measure",
                    "a step measured by an interval needs both `start` and `end`",
                )
                .at(fields.location())
                .help("add the event that ends the step, e.g. `end: Review approved`"),
            );
            return None;
        }
        (None, None, None, None) => {
            reader.report(
                Diagnostic::error("empty_measure", "`measure:` says nothing about how to measure the step")
                    .at(fields.location())
                    .help("give `activity: NAME`, `start: NAME` with `end: NAME`, or `states: [NAME, ...]`"),
            );
            return None;
        }
        _ => {
            reader.report(
                Diagnostic::error(
                    "ambiguous_measure",
                    "give one way to measure the step, not several",
                )
                .at(fields.location())
                .help("use `activity`, or `start` with `end`, or `states`"),
            );
            return None;
        }
    };
    Some(StepRule {
        matching: rule,
        attribute: fields.get("attribute").and_then(|node| reader.text(node)),
    })
}

fn read_scope(reader: &mut Reader<'_>, node: &Node<'_>) -> Scope {
    let Some(fields) = reader.object(node, &fields::SCOPE) else {
        return Scope::default();
    };
    Scope {
        start: fields.get("start").and_then(|node| reader.text(node)),
        end: fields.get("end").and_then(|node| reader.text(node)),
    }
}

/// Reads an optional top-level list of objects, keeping the entries that read cleanly.
fn read_list<'s, 'y, T>(
    reader: &mut Reader<'s>,
    top: &Fields<'_, 'y>,
    name: &str,
    spec: &ObjectSpec,
    mut read: impl FnMut(&mut Reader<'s>, &Fields<'_, 'y>) -> Option<T>,
) -> Vec<T> {
    let Some(node) = top.get(name) else {
        return Vec::new();
    };
    let items = reader.list(node, name);
    items
        .into_iter()
        .filter_map(|item| {
            let fields = reader.object(item, spec)?;
            read(reader, &fields)
        })
        .collect()
}

fn read_id(reader: &mut Reader<'_>, fields: &Fields<'_, '_>) -> Option<(String, Location)> {
    let node = fields.get("id")?;
    let id = reader.id(node)?;
    Some((id, reader.location(node)))
}

fn read_reference(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Reference> {
    let id = reader.text(node)?;
    Some(Reference {
        id,
        location: reader.location(node),
    })
}

/// Reads one step. With `base` (a map that `extends:` another), fields the entry leaves out keep
/// the base step's values.
fn read_step(
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
    let automated_node = fields.get("automated");
    let automated = automated_node.and_then(|node| reader.boolean(node));
    let automated_ok = automated_node.is_none() || automated.is_some();
    let automated = automated.unwrap_or(false);
    let process_time = fields
        .get("process_time")
        .map(|node| (reader.duration(node), node));
    let wait_time = fields
        .get("wait_time")
        .map(|node| (reader.duration(node), node));
    let lead_time = fields
        .get("lead_time")
        .map(|node| (reader.duration(node), node));
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
    let after = fields.get("after").map(|node| match &node.data {
        saphyr::YamlData::Sequence(items) => items
            .iter()
            .filter_map(|item| read_reference(reader, item))
            .collect(),
        _ => read_reference(reader, node).into_iter().collect(),
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
                let location = reader.location(node);
                reader.report(
                    Diagnostic::error("lead_time_too_short", format!("lead time {lead} is shorter than the process time {process}"))
                        .at(location)
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
                let location = reader.location(node);
                reader.report(
                    Diagnostic::error(
                        "inconsistent_lead_time",
                        format!("lead_time {lead} does not equal wait_time {wait} + process_time {process} = {expected}"),
                    )
                    .at(location)
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
    complete &= people_ok && load_ok && automated_ok && artifacts_ok && measure_ok;
    let base_step = base.map(|base| &base.step);
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
            wip_limit: wip_limit.or_else(|| base_step.and_then(|b| b.wip_limit)),
            automated: if automated_node.is_some() {
                automated
            } else {
                base_step.is_some_and(|b| b.automated)
            },
            id,
            process_time: process,
            wait_time: wait,
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
    })
}

/// Ids of one kind with where each was first defined.
#[derive(Default)]
struct IdTable {
    index: HashMap<String, usize>,
    order: Vec<String>,
    locations: Vec<Location>,
}

impl IdTable {
    fn define(&mut self, reader: &mut Reader<'_>, noun: &str, id: &str, location: Location) {
        if let Some(&first) = self.index.get(id) {
            reader.report(
                Diagnostic::error("duplicate_id", format!("duplicate {noun} id `{id}`"))
                    .at(location)
                    .label("defined again here")
                    .related(self.locations[first], "first defined here")
                    .help(format!("give each {noun} an id of its own, e.g. `{id}-2`")),
            );
            return;
        }
        self.index.insert(id.to_string(), self.order.len());
        self.order.push(id.to_string());
        self.locations.push(location);
    }

    fn lookup(&self, reader: &mut Reader<'_>, noun: &str, reference: &Reference) -> Option<usize> {
        if let Some(&index) = self.index.get(&reference.id) {
            return Some(index);
        }
        self.report_unknown(reader, noun, reference, &[]);
        None
    }

    fn report_unknown(
        &self,
        reader: &mut Reader<'_>,
        noun: &str,
        reference: &Reference,
        extra: &[&str],
    ) {
        let candidates = self
            .order
            .iter()
            .map(String::as_str)
            .chain(extra.iter().copied());
        let mut help = match reader.suggest(&reference.id, candidates.clone()) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None if self.order.is_empty() && extra.is_empty() => format!("define the {noun} first"),
            None => format!("known ids: {}", backticked(candidates, LISTED_NAMES)),
        };
        if !extra.is_empty() {
            help.push_str("; declare an outside system under `systems:` to refer to it");
        }
        reader.report(
            Diagnostic::error(
                "unknown_reference",
                format!("there is no {noun} with id `{}`", shorten(&reference.id)),
            )
            .at(reference.location)
            .help(help),
        );
    }
}

fn resolve_steps(
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

fn read_endpoint(
    reader: &mut Reader<'_>,
    fields: &Fields<'_, '_>,
    name: &str,
    steps: &IdTable,
    systems: &IdTable,
) -> Option<Endpoint> {
    let reference = read_reference(reader, fields.get(name)?)?;
    if reference.id == "customer" {
        return Some(Endpoint::Customer);
    }
    if let Some(&index) = steps.index.get(&reference.id) {
        return Some(Endpoint::Step(index));
    }
    if let Some(&index) = systems.index.get(&reference.id) {
        return Some(Endpoint::System(index));
    }
    let mut extra: Vec<&str> = systems.order.iter().map(String::as_str).collect();
    extra.push("customer");
    steps.report_unknown(reader, "step or system", &reference, &extra);
    None
}

fn read_rework(
    reader: &mut Reader<'_>,
    fields: &Fields<'_, '_>,
    ids: &IdTable,
    steps: Option<(&[Step], &mut graph::Upstream<'_>)>,
) -> Option<Rework> {
    let from_ref = read_reference(reader, fields.get("from")?)?;
    let to_ref = read_reference(reader, fields.get("to")?)?;
    let share_node = fields.get("share");
    let share = share_node.map(|node| (reader.percent(node), node));
    let from = ids.lookup(reader, "step", &from_ref);
    let to = ids.lookup(reader, "step", &to_ref);
    let (from, to, (steps, upstream)) = (from?, to?, steps?);
    if from != to && !upstream.is_upstream(to, from) {
        reader.report(
            Diagnostic::error(
                "rework_not_upstream",
                format!("rework goes from `{}` to `{}`, which does not come before it", steps[from].id, steps[to].id),
            )
            .at(to_ref.location)
            .help("a rework loop sends items back upstream: `to` is the step itself or a step it follows"),
        );
        return None;
    }
    let (share, declared) = match share {
        Some((share, node)) => {
            let share = share?;
            if share.value() > MAX_REWORK_SHARE {
                let location = reader.location(node);
                let written = reader.raw(node).to_string();
                reader.report(share_too_high(
                    format!("a rework share of `{written}` {}", endless_loop(share)),
                    location,
                    "write the share of items sent back on each pass, at most 99%".into(),
                ));
                return None;
            }
            (share, true)
        }
        None => {
            // The item returns to `to` because its output was not usable: a backward move is
            // charged to the step it returns to, as the measured %C&A is.
            let derived = derived_share(reader, steps, from, to, fields.location())?;
            // A measured step's %C&A comes from the log (the map without a log is reported).
            if derived == Percent::ZERO && steps[to].measure.is_none() {
                reader.report(
                    Diagnostic::warning(
                        "rework_never_taken",
                        format!("step `{}` has 100% %C&A and the loop gives no `share`, so no item takes it", steps[to].id),
                    )
                    .at(fields.location())
                    .help(format!("set `share:` on the loop or lower the `complete_accurate` of `{}`", steps[to].id)),
                );
            }
            (derived, false)
        }
    };
    Some(Rework {
        from,
        to,
        share,
        share_declared: declared,
    })
}

fn read_improvement(
    reader: &mut Reader<'_>,
    fields: &Fields<'_, '_>,
    id: String,
    ids: &IdTable,
) -> Option<Improvement> {
    let step = read_reference(reader, fields.get("step")?)
        .and_then(|reference| ids.lookup(reader, "step", &reference));
    let action = fields.get("action").and_then(|node| reader.text(node));
    let owner = fields.get("owner").and_then(|node| reader.text(node));
    let due = fields.get("due").map(|node| reader.date(node));
    let started = fields.get("started").map(|node| reader.date(node));
    let status = match fields.get("status") {
        Some(node) => match reader.choice(node, "status", fields::IMPROVEMENT_STATUSES)? {
            "in_progress" => ImprovementStatus::InProgress,
            "done" => ImprovementStatus::Done,
            "dropped" => ImprovementStatus::Dropped,
            _ => ImprovementStatus::Planned,
        },
        None => ImprovementStatus::Planned,
    };
    let target = match fields.get("target") {
        Some(node) => {
            let target = reader.object(node, &fields::TARGET)?;
            let duration =
                |reader: &mut Reader<'_>, name| target.get(name).map(|node| reader.duration(node));
            let process_time = duration(reader, "process_time");
            let wait_time = duration(reader, "wait_time");
            let lead_time = duration(reader, "lead_time");
            let complete_accurate = target
                .get("complete_accurate")
                .map(|node| reader.percent(node));
            StepTargets {
                process_time: process_time.map(|v| v.ok_or(())).transpose().ok()?,
                wait_time: wait_time.map(|v| v.ok_or(())).transpose().ok()?,
                lead_time: lead_time.map(|v| v.ok_or(())).transpose().ok()?,
                complete_accurate: complete_accurate.map(|v| v.ok_or(())).transpose().ok()?,
            }
        }
        None => StepTargets::default(),
    };
    Some(Improvement {
        id,
        step: step?,
        action: action?,
        owner,
        due: due.map(|d| d.ok_or(())).transpose().ok()?,
        started: started.map(|d| d.ok_or(())).transpose().ok()?,
        status,
        target,
    })
}
