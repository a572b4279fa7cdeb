//! How work moves: push arrows with the queue triangle and its wait before each step, and rework
//! loops back to an earlier step.

use std::fmt::Write as _;

use super::layout::{BOX_W, DATA_H, GAP, PROCESS_H};
use super::text::{columns_for, ellipsize, escape};
use super::{Drawing, SMALL_FONT};

impl Drawing<'_> {
    /// The push arrows into a step, and the queue triangle with its wait before it.
    pub(super) fn push_arrows(&mut self, step: usize) {
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

    /// The rework loops: an arrow back under the band, or a note at each end across bands.
    pub(super) fn rework(&mut self) {
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
}
