//! The ids of steps, systems and improvements: defined once each, and references to them
//! resolved with a suggestion for a near miss.

use std::collections::HashMap;

use super::nodes::{Fields, LISTED_NAMES, Reader};
use super::stream::{Reference, read_reference};
use crate::diagnostic::{Diagnostic, Location, backticked, shorten};
use crate::model::Endpoint;

/// Ids of one kind with where each was first defined.
#[derive(Default)]
pub(super) struct IdTable {
    pub(super) index: HashMap<String, usize>,
    pub(super) order: Vec<String>,
    locations: Vec<Location>,
}

impl IdTable {
    pub(super) fn define(
        &mut self,
        reader: &mut Reader<'_>,
        noun: &str,
        id: &str,
        location: Location,
    ) {
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

    pub(super) fn lookup(
        &self,
        reader: &mut Reader<'_>,
        noun: &str,
        reference: &Reference,
    ) -> Option<usize> {
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

/// A flow's `from` or `to`: a step, a system or `customer`.
pub(super) fn read_endpoint(
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
