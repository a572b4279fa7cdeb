//! The map as an SVG picture in the classic value stream notation.
//!
//! Trigger at the left and customer at the right of the header, outside systems between them;
//! one process box per step with its data box below; queue triangles with the wait before each
//! box; push arrows; information flows as straight (manual) or zig-zag (electronic) lines; rework
//! as return arrows; the timeline ladder under each band of steps; the summary box at the end.
//! Coordinates are whole pixels and the output is built in a fixed order, so the same map always
//! gives the same bytes.

mod layout;
pub mod text;

use std::fmt::Write as _;

use layout::{
    BAND_GAP, BOX_W, BoxPosition, DATA_H, DATA_ROW_H, GAP, HEADER_BOX_H, HEADER_BOX_W, HEADER_TOP,
    Layout, MARGIN, PROCESS_H, SUMMARY_H, SUMMARY_W,
};
use text::{columns_for, ellipsize, escape, wrap};
use vsm_core::analysis::Analysis;
use vsm_core::bottleneck::Bottleneck;
use vsm_core::format_number;
use vsm_core::model::{Endpoint, FlowKind, ImprovementStatus, ValueStream};

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
.vsm-map .vsm-kaizen { fill: #ffd600; stroke: #b58900; stroke-width: 1.2; }
.vsm-map .vsm-badge { fill: #c62828; }
.vsm-map .vsm-badge-text { fill: #ffffff; font-weight: bold; font-size: 11px; }
.vsm-map .vsm-header { fill: #ffffff; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-system { fill: #f4f4f6; stroke: #5f5f66; stroke-width: 1.2; }
.vsm-map .vsm-summary { fill: #f4f8f4; stroke: #2e7d32; stroke-width: 2; }
.vsm-map .vsm-halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
";

/// Renders the map as a standalone SVG document.
pub fn render(stream: &ValueStream, analysis: &Analysis) -> String {
    Drawing::new(stream, analysis).finish()
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

    fn document_start(&mut self) {
        let (width, height) = (self.layout.width, self.layout.height);
        let s = &self.analysis.summary;
        let title = format!("{}: value stream map", self.stream.name);
        let desc = format!(
            "{} steps. Lead time {}, process time {}, activity ratio {}, rolled %C&A {}, lead time with rework {}. Critical path: {}.",
            self.stream.steps.len(),
            s.lead_time.human(),
            s.process_time.human(),
            vsm_core::format_percent(s.activity_ratio_percent),
            vsm_core::format_percent(s.rolled_complete_accurate_percent),
            s.lead_time_with_rework.human(),
            self.analysis
                .critical_path
                .iter()
                .map(|&i| self.stream.steps[i].name.as_str())
                .collect::<Vec<_>>()
                .join(" → ")
        );
        let _ = write!(
            self.out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vsm-map\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"vsm-title vsm-desc\">\n<title id=\"vsm-title\">{}</title>\n<desc id=\"vsm-desc\">{}</desc>\n<style>{STYLE}</style>\n",
            escape(&title),
            escape(&desc)
        );
        self.out.push_str(
            "<defs>\
<marker id=\"vsm-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#2b2b30\"/></marker>\
<marker id=\"vsm-arrow-info\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1f5fa8\"/></marker>\
<marker id=\"vsm-arrow-rework\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#b3261e\"/></marker>\
</defs>\n",
        );
        let _ = writeln!(
            self.out,
            "<rect class=\"vsm-bg\" x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\"/>"
        );
        let (name, _) = ellipsize(&self.stream.name, columns_for(width - 2 * MARGIN, 20));
        let _ = writeln!(
            self.out,
            "<text class=\"vsm-title\" x=\"{MARGIN}\" y=\"30\">{}</text>",
            escape(&name)
        );
        let mut subtitle = Vec::new();
        if let Some(customer) = &self.stream.customer {
            subtitle.push(format!("Customer: {customer}"));
        }
        if let (Some(start), Some(end)) = (&self.stream.scope.start, &self.stream.scope.end) {
            subtitle.push(format!("Scope: {start} → {end}"));
        }
        if !subtitle.is_empty() {
            let (line, _) = ellipsize(
                &subtitle.join("   ·   "),
                columns_for(width - 2 * MARGIN, 12),
            );
            let _ = writeln!(
                self.out,
                "<text class=\"vsm-subtitle\" x=\"{MARGIN}\" y=\"48\">{}</text>",
                escape(&line)
            );
        }
    }

    /// A factory outline (the classic supplier and customer icon) with text inside.
    fn factory(&mut self, node: &HeaderNode, role: &str, lines: &[String], tooltip: &str) {
        let (x, y, w, h) = (node.x, node.y, node.w, node.h);
        let roof = y + 14;
        let tooth = w / 6;
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-{role}\"><title>{}</title><path class=\"vsm-header\" d=\"M{x},{} V{roof} L{},{y} V{roof} L{},{y} V{roof} L{},{y} V{roof} H{} V{} Z\"/>",
            escape(tooltip),
            y + h,
            x + tooth,
            x + 2 * tooth,
            x + 3 * tooth,
            x + w,
            y + h
        );
        for (i, line) in lines.iter().enumerate() {
            let class = if i == 0 { "vsm-value" } else { "vsm-muted" };
            let _ = writeln!(
                self.out,
                "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + w / 2,
                roof + 15 + i as i64 * 14,
                escape(line)
            );
        }
        self.out.push_str("</g>\n");
    }

    fn header(&mut self) {
        let fit = columns_for(HEADER_BOX_W - 12, SMALL_FONT);
        let start = self
            .stream
            .scope
            .start
            .clone()
            .unwrap_or_else(|| "Request".into());
        let (mut lines, _) = wrap(&start, fit, 2);
        lines.insert(0, "Trigger".to_string());
        let trigger = HeaderNode { ..self.trigger };
        self.factory(&trigger, "trigger", &lines, &format!("Trigger: {start}"));

        let customer_name = self
            .stream
            .customer
            .clone()
            .unwrap_or_else(|| "Customer".into());
        let delivery = self.stream.scope.end.clone().unwrap_or_default();
        let (name_line, _) = ellipsize(&customer_name, columns_for(HEADER_BOX_W - 12, NAME_FONT));
        let (mut lines, _) = wrap(&delivery, fit, 2);
        lines.insert(0, name_line);
        let customer = HeaderNode { ..self.customer };
        self.factory(
            &customer,
            "customer",
            &lines,
            &format!("Customer: {customer_name}. Receives: {delivery}"),
        );

        for (index, system) in self.stream.systems.iter().enumerate() {
            let node = &self.systems[index];
            let (name, _) = ellipsize(&system.name, columns_for(SYSTEM_W - 12, SMALL_FONT));
            let _ = writeln!(
                self.out,
                "<g class=\"vsm-system-node\"><title>{}</title><rect class=\"vsm-system\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/><text class=\"vsm-value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
                escape(&system.name),
                node.x,
                node.y,
                node.w,
                node.h,
                node.x + node.w / 2,
                node.y + node.h / 2 + 4,
                escape(&name)
            );
        }
    }

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
    fn flows(&mut self) {
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

    fn push_arrows(&mut self, step: usize) {
        let position = self.layout.position(step);
        let mid = position.y + PROCESS_H / 2;
        let gap_left = position.x - GAP + 6;
        let after = self.stream.steps[step].after.clone();
        if after.is_empty() {
            let _ = writeln!(
                self.out,
                "<path class=\"vsm-push\" d=\"M{gap_left},{mid} H{}\" marker-end=\"url(#vsm-arrow)\"/>",
                position.x - 2
            );
        }
        for predecessor in after {
            let from = self.layout.position(predecessor);
            if from.band != position.band {
                let id = &self.stream.steps[predecessor].id;
                let (text, _) = ellipsize(&format!("from {id}"), columns_for(GAP - 4, 10));
                let _ = writeln!(
                    self.out,
                    "<path class=\"vsm-push\" d=\"M{gap_left},{mid} H{}\" marker-end=\"url(#vsm-arrow)\"/><text class=\"vsm-muted\" x=\"{}\" y=\"{}\" style=\"font-size:10px\">{}</text>",
                    position.x - 2,
                    gap_left,
                    mid + 30,
                    escape(&text)
                );
                // And where the predecessor's row ends, show that the stream continues.
                let from_mid = from.y + PROCESS_H / 2;
                let _ = writeln!(
                    self.out,
                    "<path class=\"vsm-push\" d=\"M{},{from_mid} H{}\" marker-end=\"url(#vsm-arrow)\"/>",
                    from.x + BOX_W,
                    from.x + BOX_W + 26
                );
                continue;
            }
            let start = (from.x + BOX_W, from.y + PROCESS_H / 2);
            let column_gap = self.layout.column[step] - self.layout.column[predecessor];
            let path = if column_gap <= 1 {
                if start.1 == mid {
                    format!("M{},{} H{}", start.0, start.1, position.x - 2)
                } else {
                    let turn = position.x - 14;
                    format!(
                        "M{},{} H{turn} V{mid} H{}",
                        start.0,
                        start.1,
                        position.x - 2
                    )
                }
            } else {
                // Skipping columns: run above the band so the line passes no box.
                let corridor = self.layout.bands[position.band].top - 12;
                let out_x = start.0 + 12;
                let in_x = position.x - 14;
                format!(
                    "M{},{} H{out_x} V{corridor} H{in_x} V{mid} H{}",
                    start.0,
                    start.1,
                    position.x - 2
                )
            };
            let _ = writeln!(
                self.out,
                "<path class=\"vsm-push\" d=\"{path}\" marker-end=\"url(#vsm-arrow)\"/>"
            );
        }
        if !self.stream.steps[step].wait_time.is_zero() {
            let cx = position.x - GAP / 2;
            let wait = self.stream.steps[step].wait_time.human();
            let _ = writeln!(
                self.out,
                "<g class=\"vsm-queue-mark\"><title>waits {wait} before {}</title><path class=\"vsm-queue\" d=\"M{cx},{} L{},{} L{},{} Z\"/><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" class=\"vsm-value vsm-on-light\" style=\"font-size:10px\">I</text><text class=\"vsm-halo\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
                escape(&self.stream.steps[step].name),
                mid - 36,
                cx + 14,
                mid - 10,
                cx - 14,
                mid - 10,
                mid - 14,
                mid + 18,
                escape(&wait)
            );
        }
    }

    fn bottleneck(&self, step: usize) -> Option<(usize, &'a Bottleneck)> {
        let analysis: &'a Analysis = self.analysis;
        analysis
            .bottlenecks
            .iter()
            .enumerate()
            .find(|(_, b)| b.step == step)
            .map(|(rank, b)| (rank + 1, b))
    }

    fn step(&mut self, index: usize) {
        let step = &self.stream.steps[index];
        let metrics = &self.analysis.steps[index];
        let BoxPosition { x, y, .. } = self.layout.position(index);
        let bottleneck = self.bottleneck(index);
        // The full name is in the tooltip when the box shows it cut.
        let (name_lines, _) = wrap(&step.name, columns_for(BOX_W - 16, NAME_FONT), 2);
        let mut tooltip = step.name.clone();
        if step.name != step.id {
            tooltip.push_str(&format!(" ({})", step.id));
        }
        if let Some((rank, bottleneck)) = bottleneck {
            tooltip.push_str(&format!(
                "\nBottleneck #{rank}, score {}:",
                format_number(bottleneck.score, 1)
            ));
            for reason in &bottleneck.reasons {
                tooltip.push_str(&format!("\n- {}", reason.message));
            }
        }
        let mut class = String::from("vsm-box");
        if step.automated {
            class.push_str(" vsm-automated");
        }
        if bottleneck.is_some() {
            class.push_str(" vsm-bottleneck");
        }
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-step\" id=\"vsm-step-{index}\" data-step=\"{}\"><title>{}</title>",
            escape(&step.id),
            escape(&tooltip)
        );
        let _ = writeln!(
            self.out,
            "<rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{PROCESS_H}\" rx=\"3\"/>"
        );
        for (i, line) in name_lines.iter().enumerate() {
            let _ = writeln!(
                self.out,
                "<text class=\"vsm-name\" x=\"{}\" y=\"{}\">{}</text>",
                x + 8,
                y + 18 + i as i64 * 16,
                escape(line)
            );
        }
        let (who_line, _) = ellipsize(&crate::who(step), columns_for(BOX_W - 16, SMALL_FONT));
        let _ = writeln!(
            self.out,
            "<text class=\"vsm-muted\" x=\"{}\" y=\"{}\">{}</text>",
            x + 8,
            y + 52,
            escape(&who_line)
        );
        let (id_line, _) = ellipsize(&step.id, columns_for(BOX_W - 40, 10));
        let _ = writeln!(
            self.out,
            "<text class=\"vsm-muted\" x=\"{}\" y=\"{}\" style=\"font-size:10px\">{}</text>",
            x + 8,
            y + PROCESS_H - 8,
            escape(&id_line)
        );
        if step.automated {
            let _ = writeln!(
                self.out,
                "<text x=\"{}\" y=\"{}\" style=\"font-size:15px\" text-anchor=\"end\">⚙</text>",
                x + BOX_W - 6,
                y + PROCESS_H - 6
            );
        }
        if let Some((rank, _)) = bottleneck {
            let _ = writeln!(
                self.out,
                "<circle class=\"vsm-badge\" cx=\"{x}\" cy=\"{y}\" r=\"11\"/><text class=\"vsm-badge-text\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{rank}</text>",
                y + 4
            );
        }
        // The data box.
        let data_y = y + PROCESS_H;
        let _ = writeln!(
            self.out,
            "<rect class=\"vsm-data\" x=\"{x}\" y=\"{data_y}\" width=\"{BOX_W}\" height=\"{DATA_H}\"/>"
        );
        let rows = [
            ("Process time", metrics.process_time.human()),
            ("Wait time", metrics.wait_time.human()),
            ("Lead time", metrics.lead_time.human()),
            ("%C&A", metrics.complete_accurate.to_string()),
        ];
        for (i, (label, value)) in rows.iter().enumerate() {
            let row_y = data_y + 16 + i as i64 * DATA_ROW_H;
            let _ = writeln!(
                self.out,
                "<text class=\"vsm-muted\" x=\"{}\" y=\"{row_y}\">{}</text><text class=\"vsm-value\" x=\"{}\" y=\"{row_y}\" text-anchor=\"end\">{}</text>",
                x + 8,
                escape(label),
                x + BOX_W - 8,
                escape(value)
            );
        }
        self.kaizen(index, x, y);
        self.out.push_str("</g>\n");
    }

    /// A kaizen burst over a step with planned or running improvements.
    fn kaizen(&mut self, index: usize, x: i64, y: i64) {
        let open: Vec<_> = self
            .stream
            .improvements
            .iter()
            .filter(|i| {
                i.step == index
                    && matches!(
                        i.status,
                        ImprovementStatus::Planned | ImprovementStatus::InProgress
                    )
            })
            .collect();
        if open.is_empty() {
            return;
        }
        let tooltip = open
            .iter()
            .map(|i| {
                let mut line = format!(
                    "Kaizen: {} ({}",
                    i.action,
                    i.status.as_str().replace('_', " ")
                );
                if let Some(owner) = &i.owner {
                    line.push_str(&format!(", {owner}"));
                }
                if let Some(due) = i.due {
                    line.push_str(&format!(", due {due}"));
                }
                line.push(')');
                line
            })
            .collect::<Vec<_>>()
            .join("\n");
        let (cx, cy) = (x + BOX_W - 4, y - 2);
        let mut points = Vec::new();
        // A 10-point burst; fixed offsets (outer radius 17, inner 9) keep the output exact.
        const OUTER: [(i64, i64); 10] = [
            (0, -17),
            (10, -14),
            (16, -5),
            (16, 5),
            (10, 14),
            (0, 17),
            (-10, 14),
            (-16, 5),
            (-16, -5),
            (-10, -14),
        ];
        const INNER: [(i64, i64); 10] = [
            (3, -9),
            (7, -6),
            (9, 0),
            (7, 6),
            (3, 9),
            (-3, 9),
            (-7, 6),
            (-9, 0),
            (-7, -6),
            (-3, -9),
        ];
        for (outer, inner) in OUTER.iter().zip(INNER.iter()) {
            points.push(format!("{},{}", cx + outer.0, cy + outer.1));
            points.push(format!("{},{}", cx + inner.0, cy + inner.1));
        }
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-kaizen-burst\"><title>{}</title><polygon class=\"vsm-kaizen\" points=\"{}\"/><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" class=\"vsm-value vsm-on-light\" style=\"font-size:10px\">{}</text></g>",
            escape(&tooltip),
            points.join(" "),
            cy + 4,
            open.len()
        );
    }

    fn rework(&mut self) {
        let mut per_band = vec![0i64; self.layout.bands.len()];
        let mut notes_per_step = vec![0i64; self.stream.steps.len()];
        for (number, loop_) in self.analysis.rework.iter().enumerate() {
            let from = self.layout.position(loop_.from);
            let to = self.layout.position(loop_.to);
            let label = format!("↺ {} rework", loop_.share);
            let tooltip = format!(
                "Rework: {} of items go from {} back to {}; one pass takes {}, adding {} to the expected lead time",
                loop_.share,
                self.stream.steps[loop_.from].name,
                self.stream.steps[loop_.to].name,
                loop_.loop_lead_time.human(),
                loop_.expected_extra_time.human()
            );
            let _ = write!(
                self.out,
                "<g class=\"vsm-rework-loop\" id=\"vsm-rework-{number}\"><title>{}</title>",
                escape(&tooltip)
            );
            let from_bottom = from.y + PROCESS_H + DATA_H;
            if from.band == to.band {
                let k = per_band[from.band];
                per_band[from.band] += 1;
                let lowest = from_bottom.max(to.y + PROCESS_H + DATA_H);
                let level = lowest + 12 + (k % 3) * 10;
                let (fx, tx) = if loop_.from == loop_.to {
                    (from.x + BOX_W - 24, from.x + BOX_W - 56)
                } else {
                    (from.x + BOX_W / 2 + 10, to.x + BOX_W / 2 - 10)
                };
                let to_bottom = to.y + PROCESS_H + DATA_H;
                let _ = write!(
                    self.out,
                    "<path class=\"vsm-rework\" d=\"M{fx},{from_bottom} V{level} H{tx} V{}\" marker-end=\"url(#vsm-arrow-rework)\"/><text class=\"vsm-rework-label vsm-halo\" x=\"{}\" y=\"{}\">{}</text>",
                    to_bottom + 2,
                    tx.min(fx) + 6,
                    level + 13,
                    escape(&label)
                );
            } else {
                for (step, text) in [
                    (
                        loop_.from,
                        format!(
                            "↩ {} back to {}",
                            loop_.share, self.stream.steps[loop_.to].name
                        ),
                    ),
                    (
                        loop_.to,
                        format!(
                            "↪ {} returns from {}",
                            loop_.share, self.stream.steps[loop_.from].name
                        ),
                    ),
                ] {
                    let position = self.layout.position(step);
                    let row = notes_per_step[step];
                    notes_per_step[step] += 1;
                    let (text, _) = ellipsize(&text, columns_for(BOX_W + 40, SMALL_FONT));
                    let _ = write!(
                        self.out,
                        "<text class=\"vsm-rework-label vsm-halo\" x=\"{}\" y=\"{}\">{}</text>",
                        position.x,
                        position.y + PROCESS_H + DATA_H + 16 + row * 14,
                        escape(&text)
                    );
                }
            }
            self.out.push_str("</g>\n");
        }
    }

    /// The timeline ladder under each band: waits on the upper rung, process times on the lower,
    /// for the steps of the critical path.
    fn ladder(&mut self) {
        let on_path = |step: usize| self.analysis.steps[step].on_critical_path;
        let columns = self.layout.column.iter().max().map_or(0, |max| max + 1);
        self.out.push_str("<g class=\"vsm-timeline\">\n");
        for column in 0..columns {
            let step = (0..self.stream.steps.len())
                .find(|&i| self.layout.column[i] == column && on_path(i));
            let band = column / self.layout.columns_per_band;
            let top = self.layout.bands[band].ladder_top();
            let bottom = top + 26;
            let left = self.layout.cell_left(column);
            let Some(step) = step else {
                let _ = writeln!(
                    self.out,
                    "<path class=\"vsm-ladder-skip\" d=\"M{left},{top} H{}\"/>",
                    left + GAP + BOX_W
                );
                continue;
            };
            let x = self.layout.position(step).x;
            let metrics = &self.analysis.steps[step];
            // A measured map's rungs are per item: each step's means weighted by the share of
            // items that visit it, so that they add up to the mean lead time.
            let rung = self
                .analysis
                .measured
                .as_ref()
                .and_then(|m| m.ladder.iter().find(|r| r.step == step));
            let (wait, process, title) = match rung {
                Some(rung) => (
                    rung.weighted_wait,
                    rung.weighted_process,
                    format!(
                        "<title>per item: {} of the items visit this step, waiting {} and working {} on average</title>",
                        vsm_core::format_percent(rung.share_percent),
                        rung.wait.human(),
                        rung.process.human()
                    ),
                ),
                None => (metrics.wait_time, metrics.process_time, String::new()),
            };
            let close = if title.is_empty() {
                "/>".to_string()
            } else {
                format!(">{title}</path>")
            };
            let _ = writeln!(
                self.out,
                "<path class=\"vsm-ladder\" data-step=\"{}\" d=\"M{left},{top} H{x} V{bottom} H{} V{top}\"{close}<text class=\"vsm-value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text><text class=\"vsm-value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                escape(&self.stream.steps[step].id),
                x + BOX_W,
                left + GAP / 2,
                top - 6,
                escape(&wait.human()),
                x + BOX_W / 2,
                bottom + 16,
                escape(&process.human())
            );
        }
        self.out.push_str("</g>\n");
    }

    fn summary(&mut self) {
        let last = *self.layout.bands.last().expect("at least one band");
        let y = last.bottom() + BAND_GAP - 12;
        let x = self.layout.width - MARGIN - SUMMARY_W;
        let s = &self.analysis.summary;
        // A measured map states what its items took: the mean (the ladder adds up to it) and the
        // p85, in place of the expected lead time with rework (the items' times hold it).
        let (lead_label, last_row) = match &self.analysis.measured {
            // A future state's projection has a mean only: the measured one it starts from.
            Some(measured) if measured.projected_change_millis.is_some() => (
                "Lead time (projected mean)",
                ("Measured mean now".to_string(), measured.items.mean.human()),
            ),
            Some(measured) => (
                "Lead time (mean of items)",
                (
                    "p50 · p85".to_string(),
                    format!(
                        "{} · {}",
                        measured.items.p50.human(),
                        measured.items.p85.human()
                    ),
                ),
            ),
            None => (
                "Lead time",
                (
                    "Lead time with rework".to_string(),
                    s.lead_time_with_rework.human(),
                ),
            ),
        };
        let rows = [
            (lead_label.to_string(), s.lead_time.human()),
            ("Process time".to_string(), s.process_time.human()),
            (
                "Activity ratio".to_string(),
                vsm_core::format_percent(s.activity_ratio_percent),
            ),
            (
                "Rolled %C&A".to_string(),
                vsm_core::format_percent(s.rolled_complete_accurate_percent),
            ),
            last_row,
        ];
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-summary-box\"><rect class=\"vsm-summary\" x=\"{x}\" y=\"{y}\" width=\"{SUMMARY_W}\" height=\"{SUMMARY_H}\" rx=\"4\"/>"
        );
        for (i, (label, value)) in rows.iter().enumerate() {
            let row_y = y + 22 + i as i64 * 19;
            let _ = writeln!(
                self.out,
                "<text x=\"{}\" y=\"{row_y}\">{}</text><text class=\"vsm-value\" x=\"{}\" y=\"{row_y}\" text-anchor=\"end\" style=\"font-size:13px\">{}</text>",
                x + 12,
                escape(label),
                x + SUMMARY_W - 12,
                escape(value)
            );
        }
        self.out.push_str("</g>\n");
        self.legend(y);
    }

    fn legend(&mut self, y: i64) {
        let x = MARGIN;
        let items: [(&str, &str); 6] = [
            (
                "<path class=\"vsm-queue\" d=\"M10,-14 L20,4 L0,4 Z\"/>",
                "queue: wait before the step",
            ),
            (
                "<path class=\"vsm-push\" d=\"M0,0 H20\" marker-end=\"url(#vsm-arrow)\"/>",
                "push: work moves on",
            ),
            (
                "<path class=\"vsm-info\" d=\"M0,0 L8,-6 L12,6 L20,0\"/>",
                "electronic information",
            ),
            (
                "<path class=\"vsm-info-manual\" d=\"M0,0 H20\"/>",
                "manual information",
            ),
            (
                "<path class=\"vsm-rework\" d=\"M0,0 H20\" marker-end=\"url(#vsm-arrow-rework)\"/>",
                "rework loop",
            ),
            (
                "<circle class=\"vsm-badge\" cx=\"10\" cy=\"-3\" r=\"8\"/>",
                "bottleneck rank; burst: kaizen",
            ),
        ];
        if y + 20 + 3 * 22 > self.layout.height {
            return;
        }
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-legend\" transform=\"translate({x},{})\">",
            y + 20
        );
        for (i, (icon, label)) in items.iter().enumerate() {
            let (col, row) = ((i / 3) as i64, (i % 3) as i64);
            let _ = writeln!(
                self.out,
                "<g transform=\"translate({},{})\">{icon}<text x=\"28\" y=\"4\">{}</text></g>",
                col * (layout::LEGEND_W / 2),
                row * 24,
                escape(label)
            );
        }
        self.out.push_str("</g>\n");
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
