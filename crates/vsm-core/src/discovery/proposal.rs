//! The map proposed from a discovery: its steps, waits and rework as a commented map file.

use std::fmt::Write as _;

use super::{Discovery, ProposedLoop};
use crate::Percent;

/// A step id from an activity name: `W_Completeren aanvraag` becomes `w-completeren-aanvraag`.
fn slug(name: &str, taken: &mut Vec<String>) -> String {
    let mut id: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    // Ids are at most 100 characters: a long activity name gives a shortened id.
    if let Some((cut, _)) = id.char_indices().nth(60) {
        id.truncate(cut);
        id = id.trim_end_matches('-').to_string();
    }
    if id.is_empty() {
        id = "step".into();
    }
    let base = id.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    taken.push(id.clone());
    id
}

/// `text` as a YAML double-quoted string that reads back as exactly `text`: backslashes,
/// quotes and control characters (a newline in an activity name) escaped. Proposed maps and
/// Mermaid's front matter both write names with it.
pub fn yaml_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` for a comment line: control characters (which would end the comment) escaped.
fn comment(text: &str) -> String {
    let quoted = yaml_quote(text);
    quoted[1..quoted.len() - 1].to_string()
}

/// A step id as YAML: plain when it reads back as that text, quoted when YAML would read it as
/// something else (`null`, `true`, a number).
fn id_yaml(id: &str) -> String {
    let keyword = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"]
        .iter()
        .any(|k| id.eq_ignore_ascii_case(k));
    if keyword || !id.starts_with(|c: char| c.is_alphabetic()) {
        yaml_quote(id)
    } else {
        id.to_string()
    }
}

/// The proposed map as a YAML file, with a header saying where every number came from. With
/// `measure` (the log as the map should name it), each step gets a rule for its activity, so
/// that the map is measured from the log as it stands.
///
/// With `measured` (this very map measured from its log), each step's numbers are the measured
/// means that `vsm analyze` shows for it, instead of the directly-follows medians.
pub fn proposed_map(
    discovery: &Discovery,
    names: &[String],
    log_name: &str,
    measure: Option<&crate::measure::MeasureSource>,
    measured: Option<&crate::measure::Measurement>,
) -> String {
    let name = |activity: u32| names[activity as usize].as_str();
    let mut ids = Vec::new();
    let step_ids: Vec<String> = discovery
        .main_path
        .iter()
        .map(|s| slug(name(s.activity), &mut ids))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "# yaml-language-server: $schema=vsm-map.schema.json");
    let _ = writeln!(out, "#");
    let _ = writeln!(
        out,
        "# Proposed by `vsm discover` from {}: {} events in {} items.",
        comment(log_name),
        discovery.events,
        discovery.items
    );
    out.push_str("# Steps follow the most frequent path of completed activities.");
    if measured.is_some() {
        out.push_str(" Each step's wait and process time are\n# the means that `vsm analyze` measures for it: over the finished items that visited it, wait\n# before it and between its sessions, process time where the log has start events (0 where it\n# has none: fill in an estimate).\n");
    } else {
        out.push_str(" The time from the previous step's\n# completion to this step's (median) is the step's lead time; process_time is the median start-to-\n# complete time where the log has start events, and 0 where it has none (fill in an estimate).\n");
    }
    out.push_str("# Rework loops are the backward moves along the path, with their share of the items leaving the\n# step.\n");
    out.push_str("# Review names, teams and %C&A before you rely on the numbers.\n");
    if measure.is_some() {
        out.push_str("# Each step is measured from the log by its activity (`measure:`): `vsm analyze` uses the\n");
        out.push_str("# measured numbers, `vsm simulate` draws from the measured items.\n");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "name: {}",
        yaml_quote(&format!("Discovered from {log_name}"))
    );
    out.push_str("steps:\n");
    for (index, (step, id)) in discovery.main_path.iter().zip(&step_ids).enumerate() {
        let _ = writeln!(out, "  - id: {}", id_yaml(id));
        let _ = writeln!(out, "    name: {}", yaml_quote(name(step.activity)));
        let reached = format!("{} completions", step.count);
        let measured_step = measured
            .and_then(|m| m.steps.iter().find(|s| s.step == index))
            .filter(|s| s.visited > 0);
        if let Some(m) = measured_step {
            let over = format!("mean of the {} finished items that visited it", m.visited);
            if m.timed {
                let _ = writeln!(out, "    process_time: {}    # {over}", m.process_time.mean);
                let _ = writeln!(out, "    wait_time: {}    # {over}", m.wait_time.mean);
            } else {
                out.push_str(
                    "    process_time: 0    # no start events in the log: estimate it
",
                );
                let _ = writeln!(
                    out,
                    "    wait_time: {}    # {over}: its whole lead time, less the process time",
                    m.lead_time.mean
                );
            }
        } else {
            match step.process_time {
                Some(process) => {
                    let _ = writeln!(
                        out,
                        "    process_time: {process}    # median of {} start/complete pairs",
                        step.process_samples
                    );
                }
                None => {
                    out.push_str(
                        "    process_time: 0    # no start events in the log: estimate it\n",
                    );
                }
            }
            let _ = match step.process_time {
                // Longer than the gap since the previous step: the work overlapped the wait.
                Some(process) if process > step.lead_time => writeln!(
                    out,
                    "    wait_time: 0    # the median gap since the previous step ({}) is shorter; {reached}",
                    step.lead_time
                ),
                Some(_) => writeln!(
                    out,
                    "    lead_time: {}    # median time since the previous step completed; {reached}",
                    step.lead_time
                ),
                None => writeln!(
                    out,
                    "    wait_time: {}    # median time since the previous step completed; {reached}",
                    step.lead_time
                ),
            };
        }
        if measure.is_some() {
            let _ = writeln!(
                out,
                "    measure: {{ activity: {} }}",
                yaml_quote(name(step.activity))
            );
        }
    }
    if let Some(source) = measure {
        out.push_str("measure:\n");
        let _ = writeln!(out, "  log: {}", yaml_quote(&source.log));
        if let Some(zone) = &source.zone {
            let _ = writeln!(out, "  zone: {}", yaml_quote(zone));
        }
        if let Some(object_type) = &source.object_type {
            let _ = writeln!(out, "  object_type: {}", yaml_quote(object_type));
        }
        if !source.follow.is_empty() {
            let followed: Vec<String> = source.follow.iter().map(|q| yaml_quote(q)).collect();
            let _ = writeln!(out, "  follow: [{}]", followed.join(", "));
        }
    }
    // A loop no item takes says nothing.
    let loops: Vec<&ProposedLoop> = discovery
        .loops
        .iter()
        .filter(|l| l.count > 0 && l.share > Percent::ZERO)
        .collect();
    if !loops.is_empty() {
        out.push_str("rework:\n");
        for loop_ in loops {
            let from = discovery
                .main_path
                .iter()
                .position(|s| s.activity == loop_.from)
                .expect("on the path");
            let to = discovery
                .main_path
                .iter()
                .position(|s| s.activity == loop_.to)
                .expect("on the path");
            let _ = writeln!(
                out,
                "  - {{ from: {}, to: {}, share: {} }}    # {} backward moves",
                id_yaml(&step_ids[from]),
                id_yaml(&step_ids[to]),
                loop_.share,
                loop_.count
            );
        }
    }
    if !discovery.other_activities.is_empty() {
        out.push_str(
            "\n# Activities off the main path (completions); add them as steps if they matter:\n",
        );
        for (activity, count) in &discovery.other_activities {
            let _ = writeln!(out, "#   {}: {count}", comment(name(*activity)));
        }
    }
    out
}
