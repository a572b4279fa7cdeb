//! From the YAML tree to a [`ValueStream`]: the top level, its lists, and the rules across
//! entries. Steps, ids, targets, the `measure:` section and `extends:` have files of their own.

use super::bounds::{MAX_REWORK_SHARE, check_totals, derived_share, endless_loop, share_too_high};
use super::demand::{check_takt, derive_waits, read_available, read_demand, read_working_time};
use super::dora::read_dora;
use super::extends::carry_over;
use super::fields::{self, ObjectSpec};
use super::ids::{IdTable, read_endpoint};
use super::measure::read_measure_source;
use super::nodes::{Fields, Node, Reader};
use super::steps::{StepDraft, read_step, resolve_steps};
use super::targets::{read_step_targets, read_targets};
use super::values::checked;
use crate::Percent;
use crate::diagnostic::{Diagnostic, Location};
use crate::graph;
use crate::model::{
    Flow, FlowKind, Improvement, ImprovementStatus, Rework, Scope, Step, StepTargets, System,
    ValueStream,
};

/// A reference to something by id, with where it was written.
#[derive(Clone)]
pub(super) struct Reference {
    pub(super) id: String,
    pub(super) location: Location,
}

/// Builds the stream; `None` when a part could not be read (the reasons are reported).
pub fn build(reader: &mut Reader<'_>, root: &Node<'_>) -> Option<ValueStream> {
    if let Some(node) = root.data.as_mapping_get("extends") {
        reader.report_at(
            node,
            Diagnostic::error(
                "extends_not_followed",
                "this map extends another, but was read on its own",
            )
            .help("read it with `vsm`, which loads the map it extends first"),
        );
        return None;
    }
    let top = reader.object(root, &fields::MAP)?;
    reader.working_time = read_working_time(reader, &top, None);
    if let Some(node) = top.get("remove") {
        reader.report_at(
            node,
            Diagnostic::error(
                "remove_without_extends",
                "`remove:` drops steps of a base map, but this map extends none",
            )
            .help("add `extends: BASE.yaml`, or delete the steps from `steps:` instead"),
        );
    }
    let mut drafts = Vec::new();
    if let Some(node) = top.get("steps") {
        let items = reader.list(node, "steps");
        if items.is_empty() && matches!(node.data, saphyr::YamlData::Sequence(_)) {
            reader.report_at(
                node,
                Diagnostic::error("no_steps", "the map has no steps")
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

/// The map's identity and lists: read from `top`, or, for a map extending `base`, taken from the
/// base where `top` does not give them.
pub(super) fn finish(
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
    let queue_notes: Vec<_> = drafts.iter().map(|draft| draft.queue.clone()).collect();
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
            Some(node) => reader.choice(node, "kind", &FlowKind::ALL)?,
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

    let dora = match (top.get("dora"), base) {
        (Some(node), _) => read_dora(reader, node),
        (None, Some(base)) => base.dora.clone(),
        (None, None) => None,
    };
    let has_dora = top.get("dora").is_some() || dora.is_some();
    let targets = match (top.get("targets"), base) {
        (Some(node), _) => read_targets(reader, node, has_dora),
        (None, Some(base)) => base.targets.clone(),
        (None, None) => Vec::new(),
    };
    let demand = match (top.get("demand"), base) {
        (Some(node), _) => read_demand(reader, node),
        (None, Some(base)) => base.demand.clone(),
        (None, None) => None,
    };
    let available = match (top.get("available"), base) {
        (Some(node), _) => read_available(reader, node),
        (None, Some(base)) => base.available,
        (None, None) => None,
    };
    let mut stream = ValueStream {
        working_time: reader.working_time,
        demand,
        available,
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
        dora,
    };
    if let Some(base) = base {
        carry_over(reader, top, base, &mut stream);
    }
    let demand_unreadable = top.get("demand").is_some() && stream.demand.is_none();
    derive_waits(reader, &mut stream, &queue_notes, demand_unreadable);
    check_takt(reader, top, &stream);
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

pub(super) fn read_id(
    reader: &mut Reader<'_>,
    fields: &Fields<'_, '_>,
) -> Option<(String, Location)> {
    let node = fields.get("id")?;
    let id = reader.id(node)?;
    Some((id, reader.location(node)))
}

pub(super) fn read_reference(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Reference> {
    let id = reader.text(node)?;
    Some(Reference {
        id,
        location: reader.location(node),
    })
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
        Some(node) => reader.choice(node, "status", &ImprovementStatus::ALL)?,
        None => ImprovementStatus::Planned,
    };
    let target = match fields.get("target") {
        Some(node) => read_step_targets(reader, node)?,
        None => StepTargets::default(),
    };
    Some(Improvement {
        id,
        step: step?,
        action: action?,
        owner,
        due: checked(due)?,
        started: checked(started)?,
        status,
        target,
    })
}
