//! The process boxes with their data boxes below, the bottleneck badges and the kaizen bursts.

use std::fmt::Write as _;

use vsm_core::analysis::Analysis;
use vsm_core::bottleneck::Bottleneck;
use vsm_core::format_number;
use vsm_core::model::ImprovementStatus;

use vsm_core::measure::Provenance;
use vsm_core::model::Step;

use super::layout::{
    BOX_W, BoxPosition, DATA_ROW_H, LINE_H, NAME_COLUMNS, NAME_LINES, WHO_COLUMNS, WHO_LINES,
};
use super::route::Rect;
use super::text::{columns_for, ellipsize, escape, wrap};
use super::{Drawing, marks};
use crate::severity::Severity;

impl<'a> Drawing<'a> {
    /// The step's rank among the bottlenecks (from 1), and why, if it is one.
    fn bottleneck(&self, step: usize) -> Option<(usize, &'a Bottleneck)> {
        let analysis: &'a Analysis = self.analysis;
        analysis
            .bottlenecks
            .iter()
            .enumerate()
            .find(|(_, b)| b.step == step)
            .map(|(rank, b)| (rank + 1, b))
    }

    /// How much a bottleneck matters next to the worst one (shared with Mermaid and DOT).
    fn severity(&self, bottleneck: &Bottleneck) -> Severity {
        crate::severity::severity(self.analysis, bottleneck)
    }

    /// A step's process box, with its data box below and its badge and burst.
    pub(super) fn step(&mut self, index: usize) {
        let step = &self.stream.steps[index];
        let metrics = &self.analysis.steps[index];
        let BoxPosition { x, y, .. } = self.layout.position(index);
        let bottleneck = self.bottleneck(index);
        // The full name is in the tooltip when the box shows it cut.
        let process_h = self.layout.process_h;
        let (name_lines, _) = wrap(&step.name, NAME_COLUMNS, NAME_LINES);
        let who = crate::who(step);
        let (who_lines, who_cut) = wrap(&who, WHO_COLUMNS, WHO_LINES);
        let mut tooltip = step.name.clone();
        if step.name != step.id {
            tooltip.push_str(&format!(" ({})", step.id));
        }
        if who_cut {
            tooltip.push_str(&format!("\n{who}"));
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
        let severity = bottleneck.map(|(_, b)| self.severity(b));
        match severity {
            Some(Severity::High) => class.push_str(" vsm-bottleneck"),
            Some(Severity::Medium) => class.push_str(" vsm-bottleneck-medium"),
            Some(Severity::Low) | None => {}
        }
        let _ = writeln!(
            self.out,
            "<g class=\"vsm-step\" id=\"vsm-step-{index}\" data-step=\"{}\"><title>{}</title>",
            escape(&step.id),
            escape(&tooltip)
        );
        let _ = writeln!(
            self.out,
            "<rect class=\"{class}\" x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{process_h}\" rx=\"3\"/>"
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
        // The team lines end above the id, whatever the name's length.
        for (i, line) in who_lines.iter().enumerate() {
            let _ = writeln!(
                self.out,
                "<text class=\"vsm-muted\" x=\"{}\" y=\"{}\">{}</text>",
                x + 8,
                y + process_h - 22 - (who_lines.len() - 1 - i) as i64 * LINE_H,
                escape(line)
            );
        }
        let (id_line, _) = ellipsize(&step.id, columns_for(BOX_W - 40, 10));
        let _ = writeln!(
            self.out,
            "<text class=\"vsm-muted\" x=\"{}\" y=\"{}\" style=\"font-size:10px\">{}</text>",
            x + 8,
            y + process_h - 8,
            escape(&id_line)
        );
        if step.automated {
            let _ = writeln!(
                self.out,
                "<text x=\"{}\" y=\"{}\" style=\"font-size:15px\" text-anchor=\"end\">⚙</text>",
                x + BOX_W - 6,
                y + process_h - 6
            );
        }
        // The data box: the four numbers of every step, then what limits the step, if any.
        let data_y = y + process_h;
        let data_h = self.layout.data_h;
        let _ = writeln!(
            self.out,
            "<rect class=\"vsm-data\" x=\"{x}\" y=\"{data_y}\" width=\"{BOX_W}\" height=\"{data_h}\"/>"
        );
        let mark = self.provenance.map(|p| p[index]);
        let lead_mark = mark.map(|m| {
            if m.process_time == m.wait_time {
                m.process_time
            } else {
                Provenance::Mixed
            }
        });
        let mut rows = vec![
            (
                "Process time",
                metrics.process_time.human(),
                mark.map(|m| m.process_time),
            ),
            (
                "Wait time",
                crate::report::wait_cell(step, metrics.wait_time),
                mark.map(|m| m.wait_time),
            ),
            ("Lead time", metrics.lead_time.human(), lead_mark),
            (
                "%C&A",
                metrics.complete_accurate.to_string(),
                mark.map(|m| m.complete_accurate),
            ),
        ];
        rows.extend(
            extra_rows(step)
                .into_iter()
                .map(|(label, value)| (label, value, None)),
        );
        // With marks, the values stand left of a column of marks.
        let value_right = x + BOX_W - if self.provenance.is_some() { 15 } else { 8 };
        for (i, (label, value, provenance)) in rows.iter().enumerate() {
            let row_y = data_y + 16 + i as i64 * DATA_ROW_H;
            let class = match provenance {
                Some(p) => marks::value_class(*p),
                None => "vsm-value",
            };
            let _ = writeln!(
                self.out,
                "<text class=\"vsm-muted\" x=\"{}\" y=\"{row_y}\">{}</text><text class=\"{class}\" x=\"{value_right}\" y=\"{row_y}\" text-anchor=\"end\">{}</text>{}",
                x + 8,
                escape(label),
                escape(value),
                provenance.map_or(String::new(), |p| marks::mark(p, x + BOX_W - 8, row_y - 4))
            );
        }
        self.scene.block(Rect::new(x, y, BOX_W, process_h + data_h));
        // Over the corner of both boxes, drawn after them.
        if let (Some((rank, _)), Some(severity)) = (bottleneck, severity) {
            let badge = match severity {
                Severity::High => "vsm-badge",
                Severity::Medium => "vsm-badge vsm-badge-medium",
                Severity::Low => "vsm-badge vsm-badge-low",
            };
            let _ = writeln!(
                self.out,
                "<circle class=\"{badge}\" cx=\"{}\" cy=\"{}\" r=\"10\"/><text class=\"vsm-badge-text\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{rank}</text>",
                x - 2,
                y + process_h,
                x - 2,
                y + process_h + 4
            );
            self.scene
                .block(Rect::new(x - 12, y + process_h - 10, 20, 20));
        }
        self.kaizen(index, x, y);
        self.out.push_str("</g>\n");
    }

    /// A kaizen burst over a step with planned or running improvements.
    fn kaizen(&mut self, index: usize, x: i64, y: i64) {
        // Numbered by their place in the plan, so that the map and the plan name them alike.
        let open: Vec<(usize, _)> = self
            .stream
            .improvements
            .iter()
            .enumerate()
            .map(|(n, i)| (n + 1, i))
            .filter(|(_, i)| {
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
            .map(|(n, i)| {
                let mut line = format!(
                    "Kaizen {n}: {} ({}",
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
            open.iter()
                .map(|(n, _)| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        self.scene.block(Rect::new(cx - 17, cy - 17, 34, 34));
    }
}

/// The rows of a step's data box after its four numbers: what limits the step, where the map
/// says (people or runners at once, a kanban limit, a batch).
pub(super) fn extra_rows(step: &Step) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    if let Some(capacity) = step.capacity {
        rows.push(("Capacity", format!("{capacity} at once")));
    }
    if let Some(limit) = step.wip_limit {
        rows.push(("WIP limit", limit.to_string()));
    }
    if let Some(batch) = step.batch_size {
        rows.push((
            "Batch size",
            format!("{batch} {}", if batch == 1 { "item" } else { "items" }),
        ));
    }
    rows
}
