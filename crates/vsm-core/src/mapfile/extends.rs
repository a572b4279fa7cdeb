//! A map that `extends:` another: the header that names the base, and the overlay of the
//! map's entries on the base's.

use std::collections::HashMap;

use saphyr::{Scalar, YamlData};

use super::bounds::derived_share;
use super::fields;
use super::nodes::{Fields, LISTED_NAMES, Node, Reader};
use super::steps::{StepDraft, read_step};
use super::stream::{Reference, finish, read_reference};
use crate::ValueStream;
use crate::diagnostic::{Diagnostic, Location, backticked, shorten};
use crate::model::{Endpoint, Flow, Improvement, Rework, Step};

/// The map a map file `extends:`, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extends {
    /// The base map's file name as written, relative to the file that extends it.
    pub base: String,
    /// Where the file name is written, for messages about the base ("`future.yaml` line 3:
    /// extends `base.yaml`, which has errors").
    pub location: Location,
}

/// What a map file says about itself before its steps are read: the map it extends. Reading it
/// first lets a caller load the base, then read the map with [`super::parse_map_extending`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// The map this one extends, when it says `extends:`.
    pub extends: Option<Extends>,
}

impl Header {
    /// Reads a map file's header. `Err` holds the problems when the file says `extends` and is
    /// not one YAML document, or its `extends:` is not a file name; a file that does not mention
    /// `extends` is not parsed here (reading it finds its problems).
    pub fn read(source: &str) -> Result<Header, Vec<Diagnostic>> {
        // Most maps extend none: spare them a second parse of the whole file. (A key spelled
        // with escapes is still found by the reader, which reports it.)
        if !source.contains("extends") {
            return Ok(Header::default());
        }
        let mut reader = Reader::new(source);
        let Some(root) = reader.document() else {
            return Err(reader.into_diagnostics());
        };
        match root.data.as_mapping_get("extends") {
            Some(node) if !matches!(node.data, YamlData::Value(Scalar::Null)) => {
                match extends(&reader, &root) {
                    Some(extends) => Ok(Header {
                        extends: Some(extends),
                    }),
                    None => {
                        reader.type_error(
                            node,
                            "the file name of the map this one extends",
                            "write the base map's file name, relative to this file, e.g. `extends: base.yaml`",
                        );
                        Err(reader.into_diagnostics())
                    }
                }
            }
            _ => Ok(Header::default()),
        }
    }
}

/// The `extends:` of a document's top level when it is a file name; nothing is reported (a
/// map read on its own reports an `extends:` of any kind).
pub(super) fn extends(reader: &Reader<'_>, root: &Node<'_>) -> Option<Extends> {
    let node = root.data.as_mapping_get("extends")?;
    let YamlData::Value(Scalar::String(base)) = &node.data else {
        return None;
    };
    Some(Extends {
        base: base.to_string(),
        location: reader.location(node),
    })
}

/// Builds a map that `extends:` `base`: its steps override the base's by id (fields left out
/// keep the base's values), new steps join after the step they follow, `remove:` drops steps
/// (their successors then follow their predecessors), and top-level fields and lists given
/// replace the base's.
pub(super) fn build_extending(
    reader: &mut Reader<'_>,
    root: &Node<'_>,
    base: &ValueStream,
) -> Option<ValueStream> {
    let top = reader.object_requiring(root, &fields::MAP, false)?;
    reader.working_time = super::demand::read_working_time(reader, &top, Some(base));
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
            queue: step.queue.as_ref().map(|_| super::demand::QueueNote {
                location,
                wait_written: step.wait_source == crate::worktime::WaitSource::Estimated,
                wait_field: "wait_time",
            }),
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
                YamlData::Mapping(_) => item
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

/// For a map that extends `base`: the lists it does not give come from the base, with steps
/// found by id; entries about removed steps are left out, each with a warning.
pub(super) fn carry_over(
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
