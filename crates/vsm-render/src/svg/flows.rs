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
    /// A line for every information flow: out of and into the bottom of a header node and the
    /// top of a step's box.
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
        self.stream
            .flows
            .iter()
            .map(|flow| {
                let label = flow.label.clone().filter(|l| !l.trim().is_empty());
                let tooltip = format!(
                    "{} information: {} → {}{}",
                    flow.kind.as_str(),
                    endpoint_name(self.stream, &flow.from),
                    endpoint_name(self.stream, &flow.to),
                    label
                        .as_deref()
                        .map_or(String::new(), |label| format!(": {label}"))
                );
                Wire {
                    kind: WireKind::Info(flow.kind),
                    from: anchor(&flow.from),
                    to: anchor(&flow.to),
                    label,
                    open: format!(
                        "<g class=\"vsm-flow vsm-flow-{}\"><title>{}</title>",
                        match flow.kind {
                            FlowKind::Electronic => "electronic",
                            FlowKind::Manual => "manual",
                        },
                        escape(&tooltip)
                    ),
                    out_of: None,
                    into: None,
                    names: (
                        endpoint_name(self.stream, &flow.from),
                        endpoint_name(self.stream, &flow.to),
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
