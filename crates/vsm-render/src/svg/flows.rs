//! Information flows: straight (manual) or zig-zag (electronic) lines between the header and the
//! steps, and labelled stubs where a line would cross the picture.

use std::fmt::Write as _;

use vsm_core::model::{Endpoint, FlowKind};

use super::layout::{BOX_W, GAP};
use super::text::{columns_for, ellipsize, escape};
use super::{Drawing, HeaderNode, SMALL_FONT};

impl Drawing<'_> {
    fn endpoint_name(&self, endpoint: &Endpoint) -> String {
        match endpoint {
            Endpoint::Step(i) => self.stream.steps[*i].name.clone(),
            Endpoint::System(i) => self.stream.systems[*i].name.clone(),
            Endpoint::Customer => self
                .stream
                .customer
                .clone()
                .unwrap_or_else(|| "customer".into()),
        }
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
            .map(|flow| {
                self.in_view(&flow.from)
                    && self.in_view(&flow.to)
                    && (self.header_node(&flow.from).is_some()
                        || self.header_node(&flow.to).is_some())
            })
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
        // Labels stack under their header node: one counter per system, one for the customer.
        let mut labels_per_header = vec![0i64; self.systems.len() + 1];
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
                let (from, to, label_at) =
                    match (self.header_node(&flow.from), self.header_node(&flow.to)) {
                        (Some(a), Some(b)) => {
                            // Header to header: side to side, label above the middle.
                            let (from, to) = if a.x < b.x {
                                ((a.x + a.w, a.y + a.h / 2), (b.x, b.y + b.h / 2))
                            } else {
                                ((a.x, a.y + a.h / 2), (b.x + b.w, b.y + b.h / 2))
                            };
                            (
                                from,
                                to,
                                (i64::midpoint(from.0, to.0), from.1.min(to.1) - 14),
                            )
                        }
                        (Some(node), None) | (None, Some(node)) => {
                            let header_end = node.bottom_center();
                            let slot = match (&flow.from, &flow.to) {
                                (Endpoint::System(i), _) | (_, Endpoint::System(i)) => *i,
                                _ => self.systems.len(),
                            };
                            let row = labels_per_header[slot];
                            labels_per_header[slot] += 1;
                            let label_at = (header_end.0, header_end.1 + 16 + row * 13);
                            let step_end = match (&flow.from, &flow.to) {
                                (Endpoint::Step(i), _) | (_, Endpoint::Step(i)) => step_anchor(*i),
                                _ => unreachable!("one end is a step"),
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
                if !label.is_empty() {
                    let (text, _) = ellipsize(&label, 24);
                    let _ = write!(
                        self.out,
                        "<text class=\"vsm-info-label vsm-halo\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                        label_at.0,
                        label_at.1,
                        escape(&text)
                    );
                }
            } else {
                // A stub over each step end, naming the other end; stacked upwards above the
                // kaizen burst.
                let suffix = if label.is_empty() {
                    String::new()
                } else {
                    format!(": {label}")
                };
                for (endpoint, other, incoming) in
                    [(&flow.to, &flow.from, true), (&flow.from, &flow.to, false)]
                {
                    let Endpoint::Step(i) = endpoint else {
                        continue;
                    };
                    let position = self.layout.position(*i);
                    let y = position.y - 24 - stubs_seen[*i] * 14;
                    stubs_seen[*i] += 1;
                    let other_name = self.endpoint_name(other);
                    let text = if incoming {
                        format!("⇣ from {other_name}{suffix}")
                    } else {
                        format!("⇡ to {other_name}{suffix}")
                    };
                    let (text, _) = ellipsize(&text, columns_for(BOX_W + GAP - 24, SMALL_FONT));
                    let _ = write!(
                        self.out,
                        "<text class=\"vsm-info-label vsm-halo\" x=\"{}\" y=\"{y}\">{}</text>",
                        position.x,
                        escape(&text)
                    );
                }
            }
            self.out.push_str("</g>\n");
        }
    }
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
