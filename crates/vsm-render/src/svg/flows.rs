//! Information flows: between the header (the outside systems and the customer) and the steps,
//! and between steps, as lines routed around the boxes, solid with a zig-zag for electronic
//! information, dashed for manual; each with its label beside it.

use vsm_core::model::{Endpoint, FlowKind, ValueStream};

use super::Drawing;
use super::layout::BOX_W;
use super::route::Rect;
use super::text::escape;
use super::wires::{Anchor, Side, Wire, WireKind};

impl Drawing<'_> {
    /// A line for every information flow (one for the flows of a kind between two places): out
    /// of and into the bottom of a header node and the top of a step's box.
    pub(super) fn flow_wires(&self) -> Vec<Wire> {
        let anchor = |endpoint: &Endpoint| match endpoint {
            Endpoint::Step(i) => {
                let position = self.layout.position(*i);
                Anchor::Edge {
                    rect: Rect::new(position.x, position.y, BOX_W, self.layout.process_h),
                    side: Side::Top,
                }
            }
            Endpoint::System(i) => Anchor::Edge {
                rect: self.systems[*i].rect(),
                side: Side::Bottom,
            },
            Endpoint::Customer => Anchor::Edge {
                rect: self.customer.rect(),
                side: Side::Bottom,
            },
        };
        // Flows of one kind between the same two places are one line with a label for each:
        // lines side by side between the same boxes, or sharing ends, would say no more.
        let mut lines: Vec<(&Endpoint, &Endpoint, FlowKind, Vec<String>)> = Vec::new();
        for flow in &self.stream.flows {
            let label = flow.label.clone().filter(|l| !l.trim().is_empty());
            match lines.iter_mut().find(|(from, to, kind, _)| {
                **from == flow.from && **to == flow.to && *kind == flow.kind
            }) {
                Some((_, _, _, labels)) => labels.extend(label),
                None => lines.push((&flow.from, &flow.to, flow.kind, label.into_iter().collect())),
            }
        }
        lines
            .into_iter()
            .map(|(from, to, kind, labels)| {
                let tooltip = format!(
                    "{} information: {} → {}{}",
                    kind.as_str(),
                    endpoint_name(self.stream, from),
                    endpoint_name(self.stream, to),
                    if labels.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", labels.join("; "))
                    }
                );
                Wire {
                    kind: WireKind::Info(kind),
                    from: anchor(from),
                    to: anchor(to),
                    labels,
                    open: format!(
                        "<g class=\"vsm-flow vsm-flow-{}\"><title>{}</title>",
                        match kind {
                            FlowKind::Electronic => "electronic",
                            FlowKind::Manual => "manual",
                        },
                        escape(&tooltip)
                    ),
                    out_of: None,
                    into: None,
                    names: (
                        endpoint_name(self.stream, from),
                        endpoint_name(self.stream, to),
                    ),
                    far: false,
                    stub: None,
                }
            })
            .collect()
    }
}

fn endpoint_name(stream: &ValueStream, endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Step(i) => stream.steps[*i].name.clone(),
        Endpoint::System(i) => stream.systems[*i].name.clone(),
        Endpoint::Customer => stream.customer.clone().unwrap_or_else(|| "customer".into()),
    }
}
