//! The map as an SVG picture in the classic value stream notation.
//!
//! Trigger at the left and customer at the right of the header, outside systems between them;
//! one process box per step with its data box below; queue triangles with the wait before each
//! box; push arrows; information flows as straight (manual) or zig-zag (electronic) lines; rework
//! as return arrows; the timeline ladder under each band of steps; the summary box at the end.
//! Coordinates are whole pixels and the output is built in a fixed order, so the same map always
//! gives the same bytes.

mod arrows;
mod boxes;
mod flows;
mod header;
mod ladder;
mod layout;
mod summary;
pub mod text;

use layout::{HEADER_BOX_H, HEADER_BOX_W, HEADER_TOP, Layout, MARGIN};
use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;

const SYSTEM_W: i64 = 136;
const SYSTEM_H: i64 = 44;
const NAME_FONT: i64 = 13;
const SMALL_FONT: i64 = 11;

/// The stylesheet inside every SVG; the HTML report adds dark-mode overrides for these classes.
pub const STYLE: &str = "
.vsm-map text { font-family: 'DejaVu Sans', Verdana, 'Noto Sans', Arial, sans-serif; fill: #1d1d1f; font-size: 11px; }
.vsm-map .vsm-bg { fill: #ffffff; }
.vsm-map .vsm-title { font-size: 20px; font-weight: bold; }
.vsm-map .vsm-subtitle { font-size: 12px; fill: #4a4a4f; }
.vsm-map .vsm-box { fill: #ffffff; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-automated { fill: #eef5fc; }
.vsm-map .vsm-bottleneck { fill: #fdecea; stroke: #c62828; stroke-width: 3; }
.vsm-map .vsm-data { fill: #fafafa; stroke: #8a8a90; stroke-width: 1; }
.vsm-map .vsm-name { font-size: 13px; font-weight: bold; }
.vsm-map .vsm-muted { fill: #5f5f66; }
.vsm-map .vsm-value { font-weight: bold; }
.vsm-map .vsm-line { fill: none; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-push { fill: none; stroke: #2b2b30; stroke-width: 2; }
.vsm-map .vsm-info { fill: none; stroke: #1f5fa8; stroke-width: 1.5; }
.vsm-map .vsm-info-manual { fill: none; stroke: #1f5fa8; stroke-width: 1.5; stroke-dasharray: 6 4; }
.vsm-map .vsm-info-label { fill: #1f5fa8; }
.vsm-map .vsm-rework { fill: none; stroke: #b3261e; stroke-width: 1.5; stroke-dasharray: 5 3; }
.vsm-map .vsm-rework-label { fill: #b3261e; font-weight: bold; }
.vsm-map .vsm-queue { fill: #fff4d6; stroke: #8a6d00; stroke-width: 1.5; }
.vsm-map .vsm-ladder { fill: none; stroke: #2b2b30; stroke-width: 2; }
.vsm-map .vsm-ladder-skip { fill: none; stroke: #9a9aa0; stroke-width: 1; stroke-dasharray: 3 3; }
.vsm-map .vsm-arrowhead { fill: #2b2b30; }
.vsm-map .vsm-arrowhead-info { fill: #1f5fa8; }
.vsm-map .vsm-arrowhead-rework { fill: #b3261e; }
.vsm-map .vsm-bottleneck-medium { fill: #fff3e0; stroke: #e08600; stroke-width: 2; }
.vsm-map .vsm-kaizen { fill: #ffd600; stroke: #b58900; stroke-width: 1.2; }
.vsm-map .vsm-badge { fill: #c62828; }
.vsm-map .vsm-badge-medium { fill: #e08600; }
.vsm-map .vsm-badge-low { fill: #8a8a90; }
.vsm-map .vsm-badge-text { fill: #ffffff; font-weight: bold; font-size: 11px; }
.vsm-map .vsm-header { fill: #ffffff; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-system { fill: #f4f4f6; stroke: #5f5f66; stroke-width: 1.2; }
.vsm-map .vsm-summary { fill: #f4f8f4; stroke: #2e7d32; stroke-width: 2; }
.vsm-map .vsm-halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
";

/// Renders the map as a standalone SVG document.
pub fn render(stream: &ValueStream, analysis: &Analysis) -> String {
    stream.told(|| Drawing::new(stream, analysis).finish())
}

struct HeaderNode {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

impl HeaderNode {
    fn bottom_center(&self) -> (i64, i64) {
        (self.x + self.w / 2, self.y + self.h)
    }
}

struct Drawing<'a> {
    stream: &'a ValueStream,
    analysis: &'a Analysis,
    layout: Layout,
    out: String,
    trigger: HeaderNode,
    customer: HeaderNode,
    systems: Vec<HeaderNode>,
}

fn header_width(system_count: usize) -> i64 {
    2 * MARGIN + 2 * HEADER_BOX_W + system_count as i64 * (SYSTEM_W + 24) + 48
}

impl<'a> Drawing<'a> {
    fn new(stream: &'a ValueStream, analysis: &'a Analysis) -> Self {
        let layout = Layout::new(stream, analysis, header_width(stream.systems.len()));
        let trigger = HeaderNode {
            x: MARGIN,
            y: HEADER_TOP,
            w: HEADER_BOX_W,
            h: HEADER_BOX_H,
        };
        let customer = HeaderNode {
            x: layout.width - MARGIN - HEADER_BOX_W,
            y: HEADER_TOP,
            w: HEADER_BOX_W,
            h: HEADER_BOX_H,
        };
        // Systems spread evenly between the trigger and the customer.
        let left = trigger.x + trigger.w;
        let room = customer.x - left;
        let count = stream.systems.len() as i64;
        let systems = (0..count)
            .map(|i| HeaderNode {
                x: left + room * (2 * i + 1) / (2 * count) - SYSTEM_W / 2,
                y: HEADER_TOP + (HEADER_BOX_H - SYSTEM_H) / 2,
                w: SYSTEM_W,
                h: SYSTEM_H,
            })
            .collect();
        Drawing {
            stream,
            analysis,
            layout,
            out: String::with_capacity(64 * 1024),
            trigger,
            customer,
            systems,
        }
    }

    fn finish(mut self) -> String {
        self.document_start();
        self.header();
        self.flows();
        for step in 0..self.stream.steps.len() {
            self.push_arrows(step);
        }
        for step in 0..self.stream.steps.len() {
            self.step(step);
        }
        self.rework();
        self.ladder();
        self.summary();
        self.out.push_str("</svg>\n");
        self.out
    }
}
