//! How work moves: push arrows with the queue triangle and its wait before each step, and rework
//! loops back to an earlier step.

use std::fmt::Write as _;

use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;

use super::Drawing;
use super::layout::{BOX_W, DATA_H, GAP, LINE_H, NOTE_COLUMNS, REWORK_TRACK};
use super::text::{columns_for, ellipsize, escape, width_px, wrap};

impl Drawing<'_> {
    /// The push arrows into a step, and the queue triangle with its wait before it.
    pub(super) fn push_arrows(&mut self, step: usize) {
        let position = self.layout.position(step);
        let mid = position.y + self.layout.process_h / 2;
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
                let from_mid = from.y + self.layout.process_h / 2;
                let _ = writeln!(
                    self.out,
                    "<path class=\"vsm-push\" d=\"M{},{from_mid} H{}\" marker-end=\"url(#vsm-arrow)\"/>",
                    from.x + BOX_W,
                    from.x + BOX_W + 26
                );
                continue;
            }
            let start = (from.x + BOX_W, from.y + self.layout.process_h / 2);
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
        let queue = self.stream.steps[step].queue.as_ref();
        if !self.stream.steps[step].wait_time.is_zero() || queue.is_some() {
            let cx = position.x - GAP / 2;
            let mut wait = self.stream.steps[step].wait_time.human();
            let mut title = format!("waits {wait}");
            // The classic triangle's count beside the days it makes.
            if let Some(queue) = queue {
                let count = vsm_core::worktime::format_count(queue.total);
                title = format!(
                    "{} waiting, {title}",
                    crate::report::queue_cell(&self.stream.steps[step])
                );
                wait = format!("{count} · {wait}");
            }
            let _ = writeln!(
                self.out,
                "<g class=\"vsm-queue-mark\"><title>{} before {}</title><path class=\"vsm-queue\" d=\"M{cx},{} L{},{} L{},{} Z\"/><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" class=\"vsm-value vsm-on-light\" style=\"font-size:10px\">I</text><text class=\"vsm-halo\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>",
                escape(&title),
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

    /// The rework loops: an arrow back under the band, each loop on its own track with its label
    /// under its line where no other loop's line runs, or a note at each end across bands. Loops
    /// that send nothing back (0%) are not drawn.
    pub(super) fn rework(&mut self) {
        let band_of = |step: usize| self.layout.band_of(step);
        let notes = rework_notes(self.stream, self.analysis, &band_of);
        // Per step: notes drawn, and their lines.
        let mut notes_seen = vec![0usize; self.stream.steps.len()];
        let mut lines_seen = vec![0i64; self.stream.steps.len()];
        let process_h = self.layout.process_h;
        let drawn: Vec<usize> = (0..self.analysis.rework.len())
            .filter(|&n| self.analysis.rework[n].share.value() > 0.0)
            .collect();
        // Each loop's ends and track within its band, the verticals first, so that a label can
        // keep clear of every line.
        let mut per_band = vec![0i64; self.layout.bands.len()];
        let mut tracks = vec![None; self.analysis.rework.len()];
        for &n in &drawn {
            let loop_ = &self.analysis.rework[n];
            let (from, to) = (
                self.layout.position(loop_.from),
                self.layout.position(loop_.to),
            );
            if from.band != to.band {
                continue;
            }
            let k = per_band[from.band];
            per_band[from.band] += 1;
            let (fx, tx) = if loop_.from == loop_.to {
                (from.x + BOX_W - 24, from.x + BOX_W - 56)
            } else {
                (from.x + BOX_W / 2 + 10, to.x + BOX_W / 2 - 10)
            };
            tracks[n] = Some((from.band, k, fx, tx));
        }
        for &number in &drawn {
            let loop_ = &self.analysis.rework[number];
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
            if let Some((band, k, fx, tx)) = tracks[number] {
                let from = self.layout.position(loop_.from);
                let to = self.layout.position(loop_.to);
                let from_bottom = from.y + process_h + DATA_H;
                let to_bottom = to.y + process_h + DATA_H;
                let level = from_bottom.max(to_bottom) + 12 + k * REWORK_TRACK;
                let others: Vec<i64> = tracks
                    .iter()
                    .enumerate()
                    .filter_map(|(m, t)| t.filter(|t| m != number && t.0 == band && t.1 > k))
                    .flat_map(|(_, _, a, b)| [a, b])
                    .collect();
                let x = label_x(fx.min(tx), width_px(&label, 12), &others);
                let _ = write!(
                    self.out,
                    "<path class=\"vsm-rework\" d=\"M{fx},{from_bottom} V{level} H{tx} V{}\" marker-end=\"url(#vsm-arrow-rework)\"/><text class=\"vsm-rework-label vsm-halo\" x=\"{x}\" y=\"{}\">{}</text>",
                    to_bottom + 2,
                    level + 13,
                    escape(&label)
                );
            } else {
                for step in [loop_.from, loop_.to] {
                    let text = &notes[step][notes_seen[step]];
                    notes_seen[step] += 1;
                    let position = self.layout.position(step);
                    let first = position.y
                        + process_h
                        + DATA_H
                        + 16
                        + REWORK_TRACK * self.layout.tracks[position.band] as i64;
                    for line in wrap(text, NOTE_COLUMNS, usize::MAX).0 {
                        let _ = write!(
                            self.out,
                            "<text class=\"vsm-rework-label vsm-halo\" x=\"{}\" y=\"{}\">{}</text>",
                            position.x,
                            first + lines_seen[step] * LINE_H,
                            escape(&line)
                        );
                        lines_seen[step] += 1;
                    }
                }
            }
            self.out.push_str("</g>\n");
        }
    }
}

/// Where a rework label of `width` goes under its line that starts at `left`: as near the start
/// as it can be without a line of `verticals` running through it.
fn label_x(left: i64, width: i64, verticals: &[i64]) -> i64 {
    let clear = |x: i64| verticals.iter().all(|&v| v < x - 4 || v > x + width + 4);
    (0..60)
        .flat_map(|step| [left + 6 + 4 * step, left + 6 - 4 * step])
        .find(|&x| clear(x))
        .unwrap_or(left + 6)
}

/// Per step, the notes under it of the rework loops between bands (`band_of` a step), in the
/// order they are drawn; the layout makes room for them.
pub(super) fn rework_notes(
    stream: &ValueStream,
    analysis: &Analysis,
    band_of: &dyn Fn(usize) -> usize,
) -> Vec<Vec<String>> {
    let mut notes = vec![Vec::new(); stream.steps.len()];
    for loop_ in analysis.rework.iter().filter(|l| l.share.value() > 0.0) {
        if band_of(loop_.from) == band_of(loop_.to) {
            continue;
        }
        notes[loop_.from].push(format!(
            "↩ {} back to {}",
            loop_.share, stream.steps[loop_.to].name
        ));
        notes[loop_.to].push(format!(
            "↪ {} returns from {}",
            loop_.share, stream.steps[loop_.from].name
        ));
    }
    notes
}
