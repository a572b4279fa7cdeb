//! Graphviz DOT laid out like the SVG map: Graphviz places the nodes, these ranks say where.
//!
//! The trigger, the outside systems and the customer share the top rank, left to right. Below
//! them the steps run left to right in flow order, one rank per lane (parallel branches under the
//! critical path), each step under the one of its column above; a stream of more than eight
//! columns wraps into bands of at most seven, as the SVG does. Links within a band are edges;
//! a link between bands is not drawn across the picture but said at both ends, as the SVG says
//! it: the push into a band's first step comes from a small "from ..." note, its last step
//! pushes into a "continues" note, and rework and information between bands become notes under
//! the steps. Information from or to the top rank is always drawn from its top node down (an
//! arrow back where it goes up), so that it never pulls a system below the steps.

use std::fmt::Write as _;

use vsm_core::analysis::Analysis;
use vsm_core::model::{Endpoint, FlowKind, ValueStream};

use crate::graph_text::{customer_lines, escape_label, step_lines, summary_line, trigger_label};
use crate::grid::Grid;
use crate::severity::Severity;

/// Text inside a quoted DOT string: backslashes and quotes escaped (so `\N` or a trailing `\`
/// stay text), `&` as `&amp;` (Graphviz reads `&name;` as an entity), a line break as DOT's `\n`.
fn dot_text(text: &str) -> String {
    escape_label(text, "\\n", |c| match c {
        '\\' => Some("\\\\"),
        '"' => Some("\\\""),
        '&' => Some("&amp;"),
        _ => None,
    })
}

impl Grid {
    /// Whether the step stands in the first band's top row, right under the header.
    fn under_header(&self, step: usize) -> bool {
        self.band(step) == 0 && self.lane[step] == 0
    }

    /// The pushes from a step into one of a later band, in the order their notes are numbered
    /// (`continues0`, `from0`...).
    fn crossings(&self, stream: &ValueStream) -> Vec<(usize, usize)> {
        stream
            .steps
            .iter()
            .enumerate()
            .flat_map(|(index, step)| step.after.iter().map(move |&from| (from, index)))
            .filter(|&(from, to)| self.band(from) != self.band(to))
            .collect()
    }

    /// The steps of each row (band, lane), top to bottom, each row left to right.
    fn rows(&self) -> Vec<Vec<usize>> {
        let mut keys: Vec<(usize, usize)> = (0..self.column.len())
            .map(|i| (self.band(i), self.lane[i]))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        keys.into_iter()
            .map(|key| {
                let mut row: Vec<usize> = (0..self.column.len())
                    .filter(|&i| (self.band(i), self.lane[i]) == key)
                    .collect();
                row.sort_by_key(|&i| self.column[i]);
                row
            })
            .collect()
    }
}

/// A Graphviz DOT digraph (`dot -Tsvg map.dot`), its durations in the map's days.
pub fn dot(stream: &ValueStream, analysis: &Analysis) -> String {
    stream.told(|| dot_told(stream, analysis))
}

fn dot_told(stream: &ValueStream, analysis: &Analysis) -> String {
    let grid = Grid::new(stream, analysis);
    let name = |i: usize| dot_text(&stream.steps[i].name);
    let mut out = String::new();
    out.push_str("digraph value_stream {\n");
    let _ = writeln!(
        out,
        "    graph [labelloc=t, fontname=\"DejaVu Sans\", nodesep=0.35, ranksep=0.55, newrank=true, forcelabels=true, label=\"{}\\n{}\"];",
        dot_text(&stream.name),
        dot_text(&summary_line(stream, analysis))
    );
    out.push_str("    node [shape=box, fontname=\"DejaVu Sans\", fontsize=10];\n");
    out.push_str("    edge [fontname=\"DejaVu Sans\", fontsize=9];\n");

    // The top rank: the trigger, the systems and the customer, left to right.
    let _ = writeln!(
        out,
        "    trigger [shape=house, label=\"{}\"];",
        dot_text(&trigger_label(stream))
    );
    for (index, system) in stream.systems.iter().enumerate() {
        let _ = writeln!(
            out,
            "    system{index} [shape=component, label=\"{}\"];",
            dot_text(&system.name)
        );
    }
    let _ = writeln!(
        out,
        "    customer [shape=house, label=\"{}\"];",
        customer_lines(stream)
            .iter()
            .map(|l| dot_text(l))
            .collect::<Vec<_>>()
            .join("\\n")
    );
    let mut top: Vec<String> = vec!["trigger".into()];
    top.extend((0..stream.systems.len()).map(|i| format!("system{i}")));
    top.push("customer".into());
    let _ = writeln!(out, "    {{ rank=same; {}; }}", top.join("; "));
    // In this order; the trigger's and the customer's own edges (weight 3) pull them over the
    // steps they feed more than this pulls them together.
    let _ = writeln!(out, "    {} [style=invis];", top.join(" -> "));

    // Notes under steps for links that leave their band: (step, line).
    let mut notes: Vec<(usize, String)> = Vec::new();
    let mut edges = String::new();
    // Pushes: into each step from the trigger or the steps it follows, with its wait.
    let crossings = grid.crossings(stream);
    for (index, step) in stream.steps.iter().enumerate() {
        let wait = if step.wait_time.is_zero() {
            String::new()
        } else {
            format!("label=\"wait {}\"", step.wait_time.human())
        };
        if step.after.is_empty() {
            let _ = writeln!(edges, "    trigger -> step{index} [weight=3, {wait}];");
        }
        for &from in &step.after {
            match crossings.iter().position(|&c| c == (from, index)) {
                None => {
                    let _ = writeln!(edges, "    step{from} -> step{index} [{wait}];");
                }
                // Said at both ends, in the rows themselves.
                Some(n) => {
                    let _ = writeln!(
                        edges,
                        "    continues{n} [shape=plaintext, fontsize=9, label=\"continues at\\n{}\"];\n    step{from} -> continues{n};\n    from{n} [shape=plaintext, fontsize=9, label=\"from\\n{}\"];\n    from{n} -> step{index} [{wait}];",
                        name(index),
                        name(from)
                    );
                }
            }
        }
    }
    // Delivery: from each step nothing follows to the customer, drawn from the customer down
    // where the step is in the first band's top row, else said beside the step.
    for index in 0..stream.steps.len() {
        if stream.steps.iter().any(|s| s.after.contains(&index)) {
            continue;
        }
        if grid.under_header(index) {
            let _ = writeln!(edges, "    customer -> step{index} [dir=back, weight=3];");
        } else {
            let _ = writeln!(
                edges,
                "    delivered{index} [shape=plaintext, fontsize=9, label=\"to\\n{}\"];\n    step{index} -> delivered{index};",
                dot_text(stream.customer.as_deref().unwrap_or("customer"))
            );
        }
    }

    // Steps, and the rows they stand in.
    let rows = grid.rows();
    for index in 0..stream.steps.len() {
        let label = step_lines(stream, analysis, index)
            .iter()
            .map(|line| dot_text(line))
            .collect::<Vec<_>>()
            .join("\\n");
        // Coloured by severity as the SVG map is: a low-scoring bottleneck keeps its number.
        let style = match crate::severity::of_step(analysis, index) {
            Some(Severity::High) => {
                ", style=filled, fillcolor=\"#fdecea\", color=\"#c62828\", penwidth=3"
            }
            Some(Severity::Medium) => {
                ", style=filled, fillcolor=\"#fff3e0\", color=\"#e08600\", penwidth=2"
            }
            _ if stream.steps[index].automated => ", style=filled, fillcolor=\"#eef5fc\"",
            _ => "",
        };
        let _ = writeln!(out, "    step{index} [label=\"{label}\"{style}];");
    }
    out.push_str(&edges);

    // Information flows.
    let header = |endpoint: &Endpoint| match endpoint {
        Endpoint::System(i) => Some(format!("system{i}")),
        Endpoint::Customer => Some("customer".to_string()),
        Endpoint::Step(_) => None,
    };
    for flow in &stream.flows {
        let style = match flow.kind {
            FlowKind::Electronic => "dashed",
            FlowKind::Manual => "dotted",
        };
        let label = flow.label.as_deref().map_or_else(String::new, |l| {
            format!(", label=\"{} ({})\"", dot_text(l), flow.kind.as_str())
        });
        let look = format!("style={style}, color=\"#1f5fa8\", fontcolor=\"#1f5fa8\"{label}");
        match (&flow.from, &flow.to, header(&flow.from), header(&flow.to)) {
            // Between two nodes of the top rank.
            (_, _, Some(from), Some(to)) => {
                let _ = writeln!(out, "    {from} -> {to} [{look}, constraint=false];");
            }
            // From the top rank down to a step.
            (_, Endpoint::Step(step), Some(from), None) => {
                let _ = writeln!(out, "    {from} -> step{step} [{look}];");
            }
            // From a step up to the top rank: drawn from the top, the arrow pointing back.
            (Endpoint::Step(step), _, None, Some(to)) => {
                let _ = writeln!(out, "    {to} -> step{step} [{look}, dir=back];");
            }
            (Endpoint::Step(from), Endpoint::Step(to), None, None) => {
                if grid.band(*from) == grid.band(*to) {
                    let _ = writeln!(
                        out,
                        "    step{from} -> step{to} [{look}, constraint=false];"
                    );
                } else {
                    let what = flow
                        .label
                        .as_deref()
                        .map_or_else(String::new, |l| format!(": {l}"));
                    notes.push((*from, format!("→ to {}{what}", stream.steps[*to].name)));
                    notes.push((*to, format!("← from {}{what}", stream.steps[*from].name)));
                }
            }
            _ => unreachable!("an endpoint is a step or in the top rank"),
        }
    }
    for loop_ in &analysis.rework {
        if loop_.share.value() <= 0.0 {
            continue;
        }
        if grid.band(loop_.from) == grid.band(loop_.to) {
            let _ = writeln!(
                out,
                "    step{} -> step{} [style=dashed, color=\"#b3261e\", fontcolor=\"#b3261e\", constraint=false, label=\"{} rework\"];",
                loop_.from, loop_.to, loop_.share
            );
        } else {
            notes.push((
                loop_.from,
                format!("↩ {} back to {}", loop_.share, stream.steps[loop_.to].name),
            ));
            notes.push((
                loop_.to,
                format!(
                    "↩ {} returns from {}",
                    loop_.share, stream.steps[loop_.from].name
                ),
            ));
        }
    }
    for index in 0..stream.steps.len() {
        let lines: Vec<String> = notes
            .iter()
            .filter(|(step, _)| *step == index)
            .map(|(_, line)| dot_text(line))
            .collect();
        if !lines.is_empty() {
            let _ = writeln!(out, "    step{index} [xlabel=\"{}\"];", lines.join("\\n"));
        }
    }

    // The rows: each in its rank, left to right; each row's steps under the row above's; the
    // bands one under the other.
    let row_nodes = |row: &[usize]| {
        let mut nodes: Vec<String> = Vec::new();
        for &step in row {
            // A band's first step has its "from" note before it, a last step its "continues"
            // (or, last of all, its "to" the customer).
            let notes = |end: fn(&(usize, usize)) -> usize, name: &str| {
                crossings
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| end(c) == step)
                    .map(|(n, _)| format!("{name}{n}"))
                    .collect::<Vec<_>>()
            };
            nodes.extend(notes(|c| c.1, "from"));
            nodes.push(format!("step{step}"));
            nodes.extend(notes(|c| c.0, "continues"));
            let last = !stream.steps.iter().any(|s| s.after.contains(&step));
            if last && !grid.under_header(step) {
                nodes.push(format!("delivered{step}"));
            }
        }
        nodes
    };
    // The band above's first step, which each band's first step goes under; the row above's
    // first node, which each row's is below (weight 0: an order of ranks, not a place).
    let mut band_above: Option<usize> = None;
    let mut row_above: Option<String> = None;
    for row in &rows {
        let nodes = row_nodes(row);
        let _ = writeln!(out, "    {{ rank=same; {}; }}", nodes.join("; "));
        if nodes.len() > 1 {
            let _ = writeln!(out, "    {} [style=invis, weight=4];", nodes.join(" -> "));
        }
        // A band's top row under the band above; a branch's row under the step of its column
        // in the lane above.
        let first = row[0];
        let over = if grid.lane[first] == 0 {
            let over = band_above;
            band_above = Some(first);
            over
        } else {
            (0..stream.steps.len()).find(|&i| {
                grid.column[i] == grid.column[first]
                    && grid.band(i) == grid.band(first)
                    && grid.lane[i] + 1 == grid.lane[first]
            })
        };
        if let Some(over) = over {
            let _ = writeln!(
                out,
                "    step{over} -> step{first} [style=invis, weight=8];"
            );
        }
        if let Some(above) = row_above.replace(nodes[0].clone()) {
            let _ = writeln!(out, "    {above} -> {} [style=invis, weight=0];", nodes[0]);
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten steps in a chain wrap into two bands of five; a branch runs under `c`.
    const MAP: &str = "name: Ten
systems: [{ id: jira, name: Jira }]
steps:
  - { id: s0, process_time: 1h, wait_time: 1d }
  - { id: s1, process_time: 1h, wait_time: 1d }
  - { id: s2, process_time: 1h, wait_time: 1d }
  - { id: side, process_time: 1h, wait_time: 1d, after: [s1] }
  - { id: s3, process_time: 1h, wait_time: 1d, after: [s2, side] }
  - { id: s4, process_time: 1h, wait_time: 1d }
  - { id: s5, process_time: 1h, wait_time: 2d }
  - { id: s6, process_time: 1h, wait_time: 1d }
  - { id: s7, process_time: 1h, wait_time: 1d }
  - { id: s8, process_time: 1h, wait_time: 1d }
  - { id: s9, process_time: 1h, wait_time: 1d }
flows:
  - { from: jira, to: s7, label: tickets }
  - { from: s6, to: s1, label: defects, kind: manual }
rework:
  - { from: s2, to: s0, share: 10% }
  - { from: s8, to: s3, share: 20% }
";

    #[test]
    fn ranks_put_the_header_on_top_and_the_steps_in_rows_that_wrap() {
        let stream = vsm_core::parse_map(MAP).stream.unwrap();
        let analysis = vsm_core::analyze(&stream);
        let dot = dot(&stream, &analysis);
        // The top rank, left to right.
        assert!(
            dot.contains("    { rank=same; trigger; system0; customer; }\n"),
            "{dot}"
        );
        assert!(dot.contains("    trigger -> system0 -> customer [style=invis];\n"));
        // Ten columns: two bands of five; the branch in a row of its own under its column.
        assert!(
            dot.contains("    { rank=same; step0; step1; step2; step4; step5; continues0; }\n"),
            "{dot}"
        );
        assert!(dot.contains("    { rank=same; step3; }\n"), "{dot}");
        assert!(
            dot.contains("    step2 -> step3 [style=invis, weight=8];\n"),
            "{dot}"
        );
        assert!(
            dot.contains(
                "    { rank=same; from0; step6; step7; step8; step9; step10; delivered10; }\n"
            ),
            "{dot}"
        );
        assert!(
            dot.contains("    step0 -> step6 [style=invis, weight=8];\n"),
            "the second band under the first"
        );
        // The push between bands is said at both ends, with its wait on the way in.
        assert!(dot.contains("    step5 -> continues0;\n    from0 [shape=plaintext, fontsize=9, label=\"from\\ns4\"];\n    from0 -> step6 [label=\"wait 2d\"];\n"), "{dot}");
        assert!(!dot.contains("step5 -> step6"));
        // Links within a band are edges; between bands, notes on both steps.
        assert!(
            dot.contains("    step2 -> step0 [style=dashed, color=\"#b3261e\""),
            "{dot}"
        );
        assert!(
            dot.contains("    step9 [xlabel=\"↩ 20% back to s3\"];\n"),
            "{dot}"
        );
        assert!(
            dot.contains("    step4 [xlabel=\"↩ 20% returns from s8\"];\n"),
            "{dot}"
        );
        assert!(
            dot.contains("    step7 [xlabel=\"→ to s1: defects\"];\n"),
            "{dot}"
        );
        assert!(
            dot.contains("    step1 [xlabel=\"← from s6: defects\"];\n"),
            "{dot}"
        );
        // Jira feeds a step of the second band from the top.
        assert!(dot.contains("    system0 -> step8 [style=dashed"), "{dot}");
    }
}
