//! The top of the picture: the title, the trigger and the customer as factories, and the
//! outside systems between them.

use std::fmt::Write as _;

use super::layout::{HEADER_BOX_H, HEADER_BOX_W, HEADER_TOP, MARGIN};
use super::route::Rect;
use super::text::{columns_for, ellipsize, escape, wrap};
use super::{Drawing, HeaderNode, SMALL_FONT, STYLE, SYSTEM_W};

impl Drawing<'_> {
    /// The `<svg>` element with its title, description, style and arrow markers, the background,
    /// and the map's title and subtitle.
    pub(super) fn document_start(&mut self) {
        let (width, height) = (self.layout.width, self.layout.height);
        let s = &self.analysis.summary;
        let title = format!("{}: value stream map", self.stream.name);
        let mut desc = format!(
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
        let takt = crate::report::demand_rows(self.stream, self.analysis);
        if let [(_, takt, _), (_, demand, _)] = &takt[..] {
            let _ = write!(desc, " Takt time {takt}, demand {demand}.");
        }
        if self.stream.working_time.declared {
            let _ = write!(desc, " Days: {}.", self.stream.working_time.convention());
        }
        let _ = write!(
            self.out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vsm-map\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"vsm-title vsm-desc\">\n<title id=\"vsm-title\">{}</title>\n<desc id=\"vsm-desc\">{}</desc>\n<style>{STYLE}</style>\n",
            escape(&title),
            escape(&desc)
        );
        self.out.push_str(
            "<defs>\
<marker id=\"vsm-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path class=\"vsm-arrowhead\" d=\"M0,0 L10,5 L0,10 z\"/></marker>\
<marker id=\"vsm-arrow-info\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path class=\"vsm-arrowhead-info\" d=\"M0,0 L10,5 L0,10 z\"/></marker>\
<marker id=\"vsm-arrow-push\" viewBox=\"0 0 10 10\" refX=\"8\" refY=\"5\" markerUnits=\"userSpaceOnUse\" markerWidth=\"16\" markerHeight=\"16\" orient=\"auto-start-reverse\"><path class=\"vsm-arrowhead\" d=\"M0,0 L10,5 L0,10 z\"/></marker>\
<marker id=\"vsm-arrow-rework\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path class=\"vsm-arrowhead-rework\" d=\"M0,0 L10,5 L0,10 z\"/></marker>\
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
        if let Some(customer) = crate::given(self.stream.customer.as_ref()) {
            subtitle.push(format!("Customer: {customer}"));
        }
        if let (Some(start), Some(end)) = (
            crate::given(self.stream.scope.start.as_ref()),
            crate::given(self.stream.scope.end.as_ref()),
        ) {
            subtitle.push(format!("Scope: {start} → {end}"));
        }
        if let [(_, takt, _), (_, demand, _)] = &takt[..] {
            subtitle.push(format!("Takt time {takt} · demand {demand}"));
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
        // No line runs through the title, nor over the header: lines leave its boxes below.
        self.scene.block(Rect::new(
            0,
            0,
            width,
            HEADER_TOP + i64::midpoint(HEADER_BOX_H, super::SYSTEM_H),
        ));
    }

    /// A factory outline (the classic supplier and customer icon) with text inside.
    /// The first `bold` lines are its name.
    fn factory(
        &mut self,
        node: &HeaderNode,
        role: &str,
        lines: &[String],
        bold: usize,
        tooltip: &str,
    ) {
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
            let class = if i < bold { "vsm-value" } else { "vsm-muted" };
            let _ = writeln!(
                self.out,
                "<text class=\"{class}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + w / 2,
                roof + 15 + i as i64 * 14,
                escape(line)
            );
        }
        self.out.push_str("</g>\n");
        self.scene.block(node.rect());
    }

    /// The trigger and the customer as factories, and the outside systems between them.
    pub(super) fn header(&mut self) {
        let fit = columns_for(HEADER_BOX_W - 12, SMALL_FONT);
        let start = crate::given(self.stream.scope.start.as_ref())
            .map_or_else(|| "Request".to_string(), str::to_string);
        let (mut lines, _) = wrap(&start, fit, 2);
        lines.insert(0, "Trigger".to_string());
        let trigger = HeaderNode { ..self.trigger };
        self.factory(&trigger, "trigger", &lines, 1, &format!("Trigger: {start}"));

        let customer_name = crate::given(self.stream.customer.as_ref())
            .unwrap_or("Customer")
            .to_string();
        let delivery = crate::given(self.stream.scope.end.as_ref())
            .unwrap_or_default()
            .to_string();
        // The name in bold, then what it receives: four lines in all.
        let (mut lines, _) = wrap(&customer_name, fit, 2);
        let bold = lines.len();
        lines.extend(wrap(&delivery, fit, 4 - bold).0);
        let customer = HeaderNode { ..self.customer };
        self.factory(
            &customer,
            "customer",
            &lines,
            bold,
            &format!("Customer: {customer_name}. Receives: {delivery}"),
        );

        for (index, system) in self.stream.systems.iter().enumerate() {
            let node = &self.systems[index];
            let (name, _) = wrap(&system.name, columns_for(SYSTEM_W - 12, SMALL_FONT), 2);
            let _ = write!(
                self.out,
                "<g class=\"vsm-system-node\"><title>{}</title><rect class=\"vsm-system\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\"/>",
                escape(&system.name),
                node.x,
                node.y,
                node.w,
                node.h,
            );
            // One line in the middle, or two about it.
            let first = node.y + node.h / 2 + 4 - 7 * (name.len() as i64 - 1);
            for (i, line) in name.iter().enumerate() {
                let _ = write!(
                    self.out,
                    "<text class=\"vsm-value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                    node.x + node.w / 2,
                    first + 14 * i as i64,
                    escape(line)
                );
            }
            self.out.push_str("</g>\n");
            let rect = node.rect();
            self.scene.block(rect);
        }
    }
}
