//! The timeline ladder under each band of steps.

use std::fmt::Write as _;

use super::Drawing;
use super::layout::{BOX_W, GAP};
use super::text::escape;

impl Drawing<'_> {
    /// The timeline ladder under each band: waits on the upper rung, process times on the lower,
    /// for the steps of the critical path.
    pub(super) fn ladder(&mut self) {
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
}
