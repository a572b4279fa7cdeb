//! The timeline ladder: under each band of steps, waits on the upper rung and process times on
//! the lower, running on from the end of one band to the start of the next, and ending on the
//! last band in the classic notation's box of totals: lead time over process time.

use std::fmt::Write as _;

use vsm_core::measure::Provenance;

use super::layout::{BOX_W, GAP, LADDER_END_W};
use super::route::Rect;
use super::text::escape;
use super::{Drawing, SMALL_FONT, marks, text_box};

impl Drawing<'_> {
    /// The timeline ladder of the critical path, band by band, with its totals at the end.
    pub(super) fn ladder(&mut self) {
        let on_path = |step: usize| self.analysis.steps[step].on_critical_path;
        let columns = self.layout.columns;
        let per_band = self.layout.columns_per_band;
        self.out.push_str("<g class=\"vsm-timeline\">\n");
        for column in 0..columns {
            let step = (0..self.stream.steps.len())
                .find(|&i| self.layout.column[i] == column && on_path(i));
            let band = column / per_band;
            let top = self.layout.bands[band].ladder_top;
            let bottom = top + 26;
            let left = self.layout.cell_left(column);
            let right = left + GAP + BOX_W;
            match step {
                None => self.line("vsm-ladder-skip", &[(left, top), (right, top)], None),
                Some(step) => self.rung(step, left, top, bottom),
            }
            if column + 1 == columns {
                self.ladder_end(right, top);
            } else if column % per_band == per_band - 1 {
                // The ladder goes on at the start of the next band; the push arrow to it passes
                // beyond this arrow's head (see `arrow_wires`).
                self.line(
                    "vsm-ladder vsm-ladder-goes-on",
                    &[(right, top), (right + 20, top)],
                    Some("vsm-arrow"),
                );
            }
        }
        self.out.push_str("</g>\n");
    }

    /// One step's rung: its wait over the gap before it, its process time under its box.
    fn rung(&mut self, step: usize, left: i64, top: i64, bottom: i64) {
        let x = self.layout.position(step).x;
        let metrics = &self.analysis.steps[step];
        // A measured map's rungs are per item: each step's means weighted by the share of
        // items that visit it, so that they add up to the mean lead time.
        let rung = self
            .analysis
            .measured
            .as_ref()
            .and_then(|m| m.ladder.iter().find(|r| r.step == step));
        // Where not every item visits the step, the rung says for what share of them: its
        // numbers are the data box's means times that share (see the legend).
        let share = rung
            .filter(|rung| rung.share_percent < 99.995)
            .map(|rung| vsm_core::format_percent(rung.share_percent));
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
        let points = [
            (left, top),
            (x, top),
            (x, bottom),
            (x + BOX_W, bottom),
            (x + BOX_W, top),
        ];
        let _ = write!(
            self.out,
            "<path class=\"vsm-ladder\" data-step=\"{}\" d=\"{}\"{close}",
            escape(&self.stream.steps[step].id),
            super::route::path(&points)
        );
        self.scene.line(&points);
        let mark = self.provenance.map(|p| p[step]);
        self.ladder_value(
            left + GAP / 2,
            top - 6,
            &wait.human(),
            mark.map(|m| m.wait_time),
        );
        let process = match &share {
            Some(share) => format!("{} · {share}", process.human()),
            None => process.human(),
        };
        self.ladder_value(
            x + BOX_W / 2,
            bottom + 16,
            &process,
            mark.map(|m| m.process_time),
        );
        self.out.push('\n');
    }

    /// A number on the ladder, centred at `x`, marked by where it came from.
    fn ladder_value(&mut self, x: i64, y: i64, value: &str, provenance: Option<Provenance>) {
        let class = provenance.map_or("vsm-value", marks::value_class);
        self.text(
            (x, y),
            "middle",
            (SMALL_FONT, true),
            &format!("class=\"{class}\""),
            value,
        );
        if let Some(provenance) = provenance {
            let left = text_box(x, y, "middle", SMALL_FONT, true, value).left;
            self.out.push_str(&marks::mark(provenance, left - 6, y - 4));
        }
    }

    /// The box of totals at the end of the ladder: the lead time over the process time.
    fn ladder_end(&mut self, right: i64, top: i64) {
        let x = right + 16;
        let (box_top, height) = (top - 22, 70);
        let s = &self.analysis.summary;
        let (lead_label, lead_mark) = match &self.analysis.measured {
            Some(m) if m.projected_change_millis.is_some() => ("Projected mean", None),
            Some(m) if m.is_mixed() => ("Mean lead time", Some(Provenance::Mixed)),
            Some(_) => ("Mean lead time", Some(Provenance::Measured)),
            None => ("Lead time", None),
        };
        let process_mark = self.provenance.and_then(|provenance| {
            let path = &self.analysis.critical_path;
            let measured = path
                .iter()
                .filter(|&&i| provenance[i].process_time == Provenance::Measured)
                .count();
            match measured {
                0 => None,
                n if n == path.len() => Some(Provenance::Measured),
                _ => Some(Provenance::Mixed),
            }
        });
        let rows = [
            (lead_label, s.lead_time.human(), lead_mark, top - 2),
            (
                "Process time",
                s.process_time.human(),
                process_mark,
                top + 34,
            ),
        ];
        let _ = write!(
            self.out,
            "<g class=\"vsm-ladder-total\"><title>The timeline's totals along the critical path: lead time {}, process time {}</title><path class=\"vsm-ladder\" d=\"M{right},{top} H{x}\"/><rect class=\"vsm-ladder-end\" x=\"{x}\" y=\"{box_top}\" width=\"{LADDER_END_W}\" height=\"{height}\"/><path class=\"vsm-line\" d=\"M{x},{} H{}\"/>",
            s.lead_time.human(),
            s.process_time.human(),
            top + 13,
            x + LADDER_END_W
        );
        self.scene.line(&[(right, top), (x, top)]);
        let value_right = x + LADDER_END_W - if self.provenance.is_some() { 15 } else { 8 };
        for (label, value, mark, y) in rows {
            let class = mark.map_or("vsm-value", marks::value_class);
            let _ = write!(
                self.out,
                "<text x=\"{}\" y=\"{y}\">{label}</text><text class=\"{class}\" x=\"{value_right}\" y=\"{y}\" text-anchor=\"end\" style=\"font-size:13px\">{}</text>{}",
                x + 8,
                escape(&value),
                mark.map_or(String::new(), |m| marks::mark(
                    m,
                    x + LADDER_END_W - 8,
                    y - 4
                ))
            );
        }
        self.out.push_str("</g>\n");
        self.scene
            .block(Rect::new(x, box_top, LADDER_END_W, height));
    }
}
