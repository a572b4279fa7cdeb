//! Information flows: straight (manual) or zig-zag (electronic) lines between the header and the
//! steps, and labelled stubs where a line would cross the picture.

use std::fmt::Write as _;

use vsm_core::model::{Endpoint, Flow, FlowKind, ValueStream};

use super::layout::{BOX_W, LINE_H, STUB_COLUMNS};
use super::text::{columns_for, escape, wrap};
use super::{Drawing, HeaderNode, SMALL_FONT};

/// Columns of a line of an information flow's label.
pub(super) const LABEL_COLUMNS: usize = 22;

impl Drawing<'_> {
    fn endpoint_name(&self, endpoint: &Endpoint) -> String {
        endpoint_name(self.stream, endpoint)
    }

    fn header_node(&self, endpoint: &Endpoint) -> Option<&HeaderNode> {
        match endpoint {
            Endpoint::System(i) => Some(&self.systems[*i]),
            Endpoint::Customer => Some(&self.customer),
            Endpoint::Step(_) => None,
        }
    }

    /// Whether a flow end can take a full line: a header node, or a step in the top lane of the
    /// first band, right under the header.
    fn in_view(&self, endpoint: &Endpoint) -> bool {
        match endpoint {
            Endpoint::Step(i) => self.layout.band_of(*i) == 0 && self.layout.lane[*i] == 0,
            _ => true,
        }
    }

    /// Information flows: full lines between the header and the steps right under it, short
    /// labelled stubs on the steps elsewhere (and between steps, where lines would cross the
    /// push arrows).
    pub(super) fn flows(&mut self) {
        let steps = self.stream.steps.len();
        let is_line: Vec<bool> = self
            .stream
            .flows
            .iter()
            .map(|flow| is_line(flow, &|e| self.in_view(e)))
            .collect();
        let mut lines_per_step = vec![0i64; steps];
        for (flow, _) in self
            .stream
            .flows
            .iter()
            .zip(&is_line)
            .filter(|(_, line)| **line)
        {
            for endpoint in [&flow.from, &flow.to] {
                if let Endpoint::Step(i) = endpoint {
                    lines_per_step[*i] += 1;
                }
            }
        }
        let mut lines_seen = vec![0i64; steps];
        let mut stubs_seen = vec![0i64; steps];
        // Labels stack under their header node, on either side of its lines: lines taken per
        // side of each system and of the customer.
        let mut labels_per_header = vec![0i64; 2 * (self.systems.len() + 1)];
        for (flow, &line) in self.stream.flows.iter().zip(&is_line) {
            let label = flow.label.clone().unwrap_or_default();
            let class = match flow.kind {
                FlowKind::Electronic => "vsm-info",
                FlowKind::Manual => "vsm-info-manual",
            };
            let tooltip = format!(
                "{} information: {} → {}{}",
                flow.kind.as_str(),
                self.endpoint_name(&flow.from),
                self.endpoint_name(&flow.to),
                if label.is_empty() {
                    String::new()
                } else {
                    format!(": {label}")
                }
            );
            let _ = write!(
                self.out,
                "<g class=\"vsm-flow\"><title>{}</title>",
                escape(&tooltip)
            );
            if line {
                let mut step_anchor = |i: usize| {
                    let position = self.layout.position(i);
                    // Spread several lines over the top edge of one box.
                    let (n, k) = (lines_per_step[i], lines_seen[i]);
                    lines_seen[i] += 1;
                    (position.x + BOX_W / 2 + (2 * k - (n - 1)) * 14, position.y)
                };
                let mut lines = wrap(&label, LABEL_COLUMNS, usize::MAX).0;
                // Where the label's lines go: (x, y of the first line, text-anchor).
                let (from, to, label_at) =
                    match (self.header_node(&flow.from), self.header_node(&flow.to)) {
                        (Some(a), Some(b)) => {
                            // Header to header: side to side, label above the middle.
                            let (from, to) = if a.x < b.x {
                                ((a.x + a.w, a.y + a.h / 2), (b.x, b.y + b.h / 2))
                            } else {
                                ((a.x, a.y + a.h / 2), (b.x + b.w, b.y + b.h / 2))
                            };
                            let y = from.1.min(to.1) - 14 - LINE_H * (lines.len() as i64 - 1);
                            (from, to, (i64::midpoint(from.0, to.0), y, "middle"))
                        }
                        (Some(node), None) | (None, Some(node)) => {
                            let header_end = node.bottom_center();
                            let step_end = match (&flow.from, &flow.to) {
                                (Endpoint::Step(i), _) | (_, Endpoint::Step(i)) => step_anchor(*i),
                                _ => unreachable!("one end is a step"),
                            };
                            // The label goes beside the line's start, on the side the line
                            // leaves: left of a line that heads right, right of one that heads
                            // left; each side of each header node stacks its labels.
                            let right = step_end.0 < header_end.0;
                            // Narrower by the side of the picture, so as not to leave it.
                            let room = if right {
                                self.layout.width - 8 - (header_end.0 + 12)
                            } else {
                                header_end.0 - 12 - 8
                            };
                            lines = wrap(
                                &label,
                                LABEL_COLUMNS.min(columns_for(room, SMALL_FONT)),
                                usize::MAX,
                            )
                            .0;
                            let slot = 2 * match (&flow.from, &flow.to) {
                                (Endpoint::System(i), _) | (_, Endpoint::System(i)) => *i,
                                _ => self.systems.len(),
                            } + usize::from(right);
                            let row = labels_per_header[slot];
                            labels_per_header[slot] += lines.len() as i64;
                            let label_at = if right {
                                (header_end.0 + 12, header_end.1 + 16 + row * LINE_H, "start")
                            } else {
                                (header_end.0 - 12, header_end.1 + 16 + row * LINE_H, "end")
                            };
                            if matches!(flow.from, Endpoint::Step(_)) {
                                (step_end, header_end, label_at)
                            } else {
                                (header_end, step_end, label_at)
                            }
                        }
                        (None, None) => unreachable!("lines touch the header"),
                    };
                let path = match flow.kind {
                    FlowKind::Electronic => lightning(from, to),
                    FlowKind::Manual => format!("M{},{} L{},{}", from.0, from.1, to.0, to.1),
                };
                let _ = write!(
                    self.out,
                    "<path class=\"{class}\" d=\"{path}\" marker-end=\"url(#vsm-arrow-info)\"/>"
                );
                let (x, y, anchor) = label_at;
                for (i, line) in lines.iter().enumerate() {
                    let _ = write!(
                        self.out,
                        "<text class=\"vsm-info-label vsm-halo\" x=\"{x}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
                        y + i as i64 * LINE_H,
                        escape(line)
                    );
                }
            } else {
                // A note over each step end, naming the other end; stacked upwards above the
                // kaizen burst, wrapped rather than cut.
                for (endpoint, incoming) in [(&flow.to, true), (&flow.from, false)] {
                    let Endpoint::Step(i) = endpoint else {
                        continue;
                    };
                    let position = self.layout.position(*i);
                    let text = stub_text(self.stream, flow, incoming);
                    let (lines, _) = wrap(&text, STUB_COLUMNS, usize::MAX);
                    for line in lines.iter().rev() {
                        let y = position.y - 24 - stubs_seen[*i] * LINE_H;
                        stubs_seen[*i] += 1;
                        let _ = write!(
                            self.out,
                            "<text class=\"vsm-info-label vsm-halo\" x=\"{}\" y=\"{y}\">{}</text>",
                            position.x,
                            escape(line)
                        );
                    }
                }
            }
            self.out.push_str("</g>\n");
        }
    }
}

/// Whether a flow is drawn as a line: both ends in view, one of them in the header.
fn is_line(flow: &Flow, in_view: &dyn Fn(&Endpoint) -> bool) -> bool {
    let in_header = |e: &Endpoint| !matches!(e, Endpoint::Step(_));
    in_view(&flow.from) && in_view(&flow.to) && (in_header(&flow.from) || in_header(&flow.to))
}

fn endpoint_name(stream: &ValueStream, endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Step(i) => stream.steps[*i].name.clone(),
        Endpoint::System(i) => stream.systems[*i].name.clone(),
        Endpoint::Customer => stream.customer.clone().unwrap_or_else(|| "customer".into()),
    }
}

/// The note over a step for a flow drawn as notes: `incoming` at its `to` end, naming the other.
fn stub_text(stream: &ValueStream, flow: &Flow, incoming: bool) -> String {
    let suffix = match &flow.label {
        Some(label) if !label.is_empty() => format!(": {label}"),
        _ => String::new(),
    };
    if incoming {
        format!("⇣ from {}{suffix}", endpoint_name(stream, &flow.from))
    } else {
        format!("⇡ to {}{suffix}", endpoint_name(stream, &flow.to))
    }
}

/// Per step, the notes over it of the flows not drawn as lines (`in_view`: whether a step can
/// take a line), in the order they are drawn; the layout makes room for them.
pub(super) fn stub_notes(
    stream: &ValueStream,
    in_view: &dyn Fn(usize) -> bool,
) -> Vec<Vec<String>> {
    let mut notes = vec![Vec::new(); stream.steps.len()];
    let view = |e: &Endpoint| match e {
        Endpoint::Step(i) => in_view(*i),
        _ => true,
    };
    for flow in &stream.flows {
        if is_line(flow, &view) {
            continue;
        }
        for (endpoint, incoming) in [(&flow.to, true), (&flow.from, false)] {
            if let Endpoint::Step(i) = endpoint {
                notes[*i].push(stub_text(stream, flow, incoming));
            }
        }
    }
    notes
}

/// A zig-zag ("lightning") path from `from` to `to`, the notation for electronic information.
fn lightning(from: (i64, i64), to: (i64, i64)) -> String {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let length = ((dx * dx + dy * dy) as f64).sqrt().max(1.0);
    // A unit normal, scaled to the zig's amplitude and rounded to whole pixels.
    let (nx, ny) = (
        (-dy as f64 / length * 9.0).round() as i64,
        (dx as f64 / length * 9.0).round() as i64,
    );
    let a = (from.0 + dx * 2 / 5 + nx, from.1 + dy * 2 / 5 + ny);
    let b = (from.0 + dx * 3 / 5 - nx, from.1 + dy * 3 / 5 - ny);
    format!(
        "M{},{} L{},{} L{},{} L{},{}",
        from.0, from.1, a.0, a.1, b.0, b.1, to.0, to.1
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lightning_has_whole_pixel_corners() {
        assert_eq!(lightning((0, 0), (0, 100)), "M0,0 L-9,40 L9,60 L0,100");
    }
}
