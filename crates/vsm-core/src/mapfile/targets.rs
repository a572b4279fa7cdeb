//! The bounds a stream must keep (`targets:`) and the values an improvement promises
//! (`target:` of an improvement).

use super::fields;
use super::nodes::{Node, Reader};
use super::values::checked;
use crate::Percent;
use crate::diagnostic::{Diagnostic, shorten};
use crate::model::{StepTargets, Target, TargetKind, TargetMetric, TargetWritten};

/// The top-level `targets:`: each metric's bounds, checked; a bound that cannot be read is
/// reported and left out. A DORA target needs a `dora:` section (`has_dora`).
pub(super) fn read_targets(
    reader: &mut Reader<'_>,
    node: &Node<'_>,
    has_dora: bool,
) -> Vec<Target> {
    let Some(fields) = reader.object(node, &fields::TARGETS) else {
        return Vec::new();
    };
    let mut targets = Vec::new();
    for (metric, name) in TargetMetric::ALL {
        let Some(node) = fields.get(name) else {
            continue;
        };
        if metric.is_dora() && !has_dora {
            reader.report_at(
                node,
                Diagnostic::error(
                    "dora_target_without_dora",
                    format!("the target for `{name}` is a DORA metric, but the map has no `dora:` section to measure it from"),
                )
                .help("add `dora: {}` at the top level (it reads `.vsm/events.sqlite`), or remove the target"),
            );
            continue;
        }
        let kind = metric.kind();
        let spec = match kind {
            TargetKind::Duration => &fields::DURATION_BOUND,
            TargetKind::Percent => &fields::PERCENT_BOUND,
            TargetKind::Rate => &fields::RATE_BOUND,
        };
        let Some(bound) = reader.object(node, spec) else {
            continue;
        };
        let mut value = |key: &str| {
            let node = bound.get(key)?;
            match kind {
                // Hands-on time counts in working days; the other durations as waits do.
                TargetKind::Duration if metric == TargetMetric::ProcessTime => {
                    reader.process_duration(node).map(|d| d.as_millis() as f64)
                }
                TargetKind::Duration => reader.wait_duration(node).map(|d| d.as_millis() as f64),
                TargetKind::Percent => reader.percent(node).map(Percent::value),
                TargetKind::Rate => reader.rate(node),
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
                .help(match kind {
                    TargetKind::Duration => "e.g. `{ max: 5d }`",
                    TargetKind::Percent => "e.g. `{ min: 80% }`",
                    TargetKind::Rate => "e.g. `{ min: 1/day }`",
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
        let written = |key: &str| {
            let node = bound.get(key)?;
            let text = reader.raw(node).trim().trim_matches(['"', '\'']).trim();
            // A bare percentage (`80`) is quoted with its sign, as messages show percentages.
            Some(match kind {
                TargetKind::Percent if !text.ends_with('%') => format!("{text}%"),
                _ => text.to_string(),
            })
        };
        let written = TargetWritten {
            min: min.and(written("min")),
            max: max.and(written("max")),
        };
        targets.push(Target {
            metric,
            min,
            max,
            written,
        });
    }
    targets
}

/// An improvement's `target:`; `None` when a value could not be read (it is reported).
pub(super) fn read_step_targets(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<StepTargets> {
    let target = reader.object(node, &fields::TARGET)?;
    let duration =
        |reader: &mut Reader<'_>, name| target.get(name).map(|node| reader.wait_duration(node));
    let process_time = target
        .get("process_time")
        .map(|node| reader.process_duration(node));
    let wait_time = duration(reader, "wait_time");
    let lead_time = duration(reader, "lead_time");
    let complete_accurate = target
        .get("complete_accurate")
        .map(|node| reader.percent(node));
    Some(StepTargets {
        process_time: checked(process_time)?,
        wait_time: checked(wait_time)?,
        lead_time: checked(lead_time)?,
        complete_accurate: checked(complete_accurate)?,
    })
}
