//! How work moves: striped push arrows with the queue triangle (or the FIFO lane of a step with a
//! WIP limit) and its wait before each step, and rework loops back to an earlier step. Arrows and
//! loops between rows of a wrapped stream are routed with the other lines (see `wires`).

use std::fmt::Write as _;

use super::layout::{BOX_W, GAP, REWORK_TRACK, SKIP_CLEAR, SKIP_TRACK};
use super::route::{End, Rect};
use super::text::{escape, width_px};
use super::wires::{Anchor, Side, Wire, WireKind};
use super::{Drawing, SMALL_FONT};

impl Drawing<'_> {
    /// The push arrows into a step from steps in its row of bands, and the queue triangle (or
    /// FIFO lane) with its wait before it.
    pub(super) fn push_arrows(&mut self, step: usize) {
        let position = self.layout.position(step);
        let mid = self.layout.middle(step);
        let gap_left = position.x - GAP + 6;
        let end = position.x - 3;
        let after = self.stream.steps[step].after.clone();
        if after.is_empty() {
            self.push(&[(gap_left, mid), (end, mid)], step);
        }
        for predecessor in after {
            let from = self.layout.position(predecessor);
            if from.band != position.band {
                // Routed from the end of one band to this one with the other lines.
                continue;
            }
            let start = (from.x + BOX_W, self.layout.middle(predecessor));
            let column_gap = self.layout.column[step] - self.layout.column[predecessor];
            let points = if column_gap <= 1 {
                if start.1 == mid {
                    vec![start, (end, mid)]
                } else {
                    let turn = position.x - 14;
                    vec![start, (turn, start.1), (turn, mid), (end, mid)]
                }
            } else {
                // Skipping columns: run above the band so the line passes no box, each arrow on
                // its own track (the shorter nearer the boxes, so that they do not cross), high
                // enough that the ends of lines on the boxes below stay clear of it.
                let corridor = self.layout.bands[position.band].top()
                    - SKIP_CLEAR
                    - SKIP_TRACK * self.skip_track(predecessor, step);
                let out_x = start.0 + 12;
                let in_x = position.x - 14;
                vec![
                    start,
                    (out_x, start.1),
                    (out_x, corridor),
                    (in_x, corridor),
                    (in_x, mid),
                    (end, mid),
                ]
            };
            self.push(&points, step);
        }
        self.queue_mark(step, position.x, mid);
    }

    /// Which track above its band the push arrow from `predecessor` to `step` (in one band,
    /// columns apart) takes: the number of such arrows in the band that are shorter, or as
    /// long and earlier.
    fn skip_track(&self, predecessor: usize, step: usize) -> i64 {
        let layout = &self.layout;
        let key = |from: usize, to: usize| (layout.column[to] - layout.column[from], to, from);
        let mine = key(predecessor, step);
        let band = layout.band_of(step);
        let shorter = self
            .stream
            .steps
            .iter()
            .enumerate()
            .filter(|&(to, _)| layout.band_of(to) == band)
            .flat_map(|(to, s)| s.after.iter().map(move |&from| (from, to)))
            .filter(|&(from, to)| {
                layout.band_of(from) == band
                    && layout.column[to] - layout.column[from] > 1
                    && key(from, to) < mine
            })
            .count();
        shorter as i64
    }

    /// Before a step: a queue triangle with the wait, a FIFO lane with its limit where the step
    /// has `wip_limit:`, or a supermarket with the step's pull arrow where it has `pull: true`.
    fn queue_mark(&mut self, step: usize, x: i64, mid: i64) {
        let cx = x - GAP / 2;
        let the_step = &self.stream.steps[step];
        let queue = the_step.queue.as_ref();
        // A wait derived from the queue is marked `≈`, as every table marks it.
        let wait = (!the_step.wait_time.is_zero() || queue.is_some())
            .then(|| crate::report::wait_cell(the_step, the_step.wait_time));
        let name = escape(&the_step.name);
        // The classic triangle's count beside the days it makes.
        let (waiting, label) = match (queue, &wait) {
            (Some(queue), Some(wait)) => {
                let count = vsm_core::worktime::format_count(queue.total);
                // Between the boxes: a derived wait's `≈` closes the label up when the spaced
                // form would reach them.
                let spaced = format!("{count} · {wait}");
                let label =
                    if wait.starts_with('≈') && width_px(&spaced, SMALL_FONT, false) > GAP - 4 {
                        format!("{count}·{wait}")
                    } else {
                        spaced
                    };
                (
                    format!("{} waiting, ", escape(&crate::report::queue_cell(the_step))),
                    Some(label),
                )
            }
            _ => (String::new(), wait.clone()),
        };
        if the_step.pull {
            let stock = match &wait {
                Some(wait) => format!("; {waiting}waits {wait}"),
                None => String::new(),
            };
            let (left, right) = (cx - 14, cx + 14);
            let _ = write!(
                self.out,
                "<g class=\"vsm-queue-mark vsm-supermarket-mark\"><title>Supermarket: {name} pulls its work from stock the step before keeps filled{stock}</title><path class=\"vsm-supermarket\" d=\"M{left},{} H{right} V{} H{left} M{left},{} H{right} M{left},{} H{right}\"/><path class=\"vsm-pull\" d=\"M{},{} C{},{} {},{} {},{}\" marker-end=\"url(#vsm-arrow)\"/>",
                mid - 38,
                mid - 12,
                mid - 29,
                mid - 20,
                // Up from the step's edge, then left into the middle shelf: the step pulls.
                x - 5,
                mid - 12,
                x - 5,
                mid - 34,
                right + 12,
                mid - 25,
                right + 3,
                mid - 25,
            );
            self.scene.block(Rect::new(left, mid - 40, x - left, 30));
        } else if let Some(limit) = the_step.wip_limit {
            let title = match &wait {
                Some(wait) => format!(
                    "FIFO lane: at most {limit} items in {name}, waiting or worked on; waits {wait}"
                ),
                None => format!("FIFO lane: at most {limit} items in {name}, waiting or worked on"),
            };
            let _ = write!(
                self.out,
                "<g class=\"vsm-queue-mark vsm-fifo-mark\"><title>{title}</title><path class=\"vsm-fifo\" d=\"M{},{} H{} M{},{} H{}\"/><text class=\"vsm-fifo-text\" x=\"{cx}\" y=\"{}\" text-anchor=\"middle\">FIFO</text>",
                cx - 24,
                mid - 32,
                cx + 24,
                cx - 24,
                mid - 12,
                cx + 24,
                mid - 19,
            );
            self.scene.block(Rect::new(cx - 24, mid - 34, 48, 24));
            let limit_y = if wait.is_some() { mid + 31 } else { mid + 18 };
            self.text(
                (cx, limit_y),
                "middle",
                (SMALL_FONT, false),
                "class=\"vsm-muted vsm-halo\"",
                &format!("max {limit}"),
            );
        } else if wait.is_some() {
            let _ = write!(
                self.out,
                "<g class=\"vsm-queue-mark\"><title>{waiting}waits {} before {name}</title><path class=\"vsm-queue\" d=\"M{cx},{} L{},{} L{},{} Z\"/><text x=\"{cx}\" y=\"{}\" text-anchor=\"middle\" class=\"vsm-value vsm-on-light\" style=\"font-size:10px\">I</text>",
                wait.as_deref().unwrap_or_default(),
                mid - 36,
                cx + 14,
                mid - 10,
                cx - 14,
                mid - 10,
                mid - 14,
            );
            self.scene.block(Rect::new(cx - 14, mid - 36, 28, 26));
        } else {
            return;
        }
        if let Some(label) = &label {
            self.text(
                (cx, mid + 18),
                "middle",
                (SMALL_FONT, false),
                "class=\"vsm-halo\"",
                label,
            );
        }
        self.out.push_str("</g>\n");
    }

    /// The rework loops within a row of boxes (a lane of a band): an arrow back under the row,
    /// each loop on its own track with its label under its line where no other loop's line
    /// runs, and loops into (or out of) one step each at a place of their own on its edge.
    /// Loops between rows are routed with the other lines (a straight drop from an upper lane
    /// would cross the boxes below); loops that send nothing back (0%) are not drawn.
    pub(super) fn rework(&mut self) {
        let process_h = self.layout.process_h;
        let data_h = self.layout.data_h;
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
            if !self.in_one_row(loop_.from, loop_.to) {
                continue;
            }
            let k = per_band[from.band];
            per_band[from.band] += 1;
            // Ends already taken on the two boxes' edges, by the loops before.
            let taken = |step: usize| {
                drawn
                    .iter()
                    .take_while(|&&m| m != n)
                    .filter(|&&m| {
                        let other = &self.analysis.rework[m];
                        self.in_one_row(other.from, other.to)
                            && (other.from == step || other.to == step)
                    })
                    .count() as i64
            };
            let (fx, tx) = if loop_.from == loop_.to {
                (from.x + BOX_W - 24, from.x + BOX_W - 56)
            } else {
                (
                    from.x + BOX_W / 2 + 10 + 14 * taken(loop_.from),
                    to.x + BOX_W / 2 - 10 - 14 * taken(loop_.to),
                )
            };
            tracks[n] = Some((from.band, k, fx, tx));
        }
        for &number in &drawn {
            let Some((band, k, fx, tx)) = tracks[number] else {
                continue;
            };
            let loop_ = &self.analysis.rework[number];
            let label = rework_label(loop_);
            let _ = write!(
                self.out,
                "<g class=\"vsm-rework-loop\" id=\"vsm-rework-{number}\"><title>{}</title>",
                escape(&self.rework_tooltip(number))
            );
            let from = self.layout.position(loop_.from);
            let to = self.layout.position(loop_.to);
            let from_bottom = from.y + process_h + data_h;
            let to_bottom = to.y + process_h + data_h;
            let level = from_bottom.max(to_bottom) + 12 + k * REWORK_TRACK;
            let others: Vec<i64> = tracks
                .iter()
                .enumerate()
                .filter_map(|(m, t)| t.filter(|t| m != number && t.0 == band && t.1 > k))
                .flat_map(|(_, _, a, b)| [a, b])
                .collect();
            // As drawn: small and bold.
            let x = label_x(fx.min(tx), width_px(&label, SMALL_FONT, true), &others);
            self.line(
                "vsm-rework",
                &[
                    (fx, from_bottom),
                    (fx, level),
                    (tx, level),
                    (tx, to_bottom + 2),
                ],
                Some("vsm-arrow-rework"),
            );
            self.text(
                (x, level + 13),
                "start",
                (SMALL_FONT, true),
                "class=\"vsm-rework-label vsm-halo\"",
                &label,
            );
            self.out.push_str("</g>\n");
        }
    }

    /// Whether two steps are in one row of boxes: one band, one lane.
    fn in_one_row(&self, a: usize, b: usize) -> bool {
        self.layout.band_of(a) == self.layout.band_of(b)
            && self.layout.lane[a] == self.layout.lane[b]
    }

    /// What a rework loop's tooltip says.
    pub(super) fn rework_tooltip(&self, number: usize) -> String {
        let loop_ = &self.analysis.rework[number];
        format!(
            "Rework: {} of items go from {} back to {}; one pass takes {}, adding {} to the expected lead time",
            loop_.share,
            self.stream.steps[loop_.from].name,
            self.stream.steps[loop_.to].name,
            loop_.loop_lead_time.human(),
            loop_.expected_extra_time.human()
        )
    }

    /// The lines between bands that move work: push arrows from a step to its successor in a
    /// later band, and rework loops back to a step in another band or lane.
    pub(super) fn arrow_wires(&self) -> Vec<Wire> {
        let mut wires = Vec::new();
        for (step, the_step) in self.stream.steps.iter().enumerate() {
            let position = self.layout.position(step);
            let mid = self.layout.middle(step);
            for &predecessor in &the_step.after {
                let from = self.layout.position(predecessor);
                if from.band == position.band {
                    continue;
                }
                // Out of the right side; below the middle if an arrow leaves there already.
                let pushes_on = self.stream.steps.iter().enumerate().any(|(i, s)| {
                    s.after.contains(&predecessor) && self.layout.band_of(i) == from.band
                });
                let out_y = self.layout.middle(predecessor) + if pushes_on { 22 } else { 0 };
                wires.push(Wire {
                    kind: WireKind::Push,
                    // Out far enough for the ladder's arrow to the next band to end short of it.
                    from: Anchor::Fixed(End {
                        at: (from.x + BOX_W, out_y),
                        port: (from.x + BOX_W + 36, out_y),
                    }),
                    to: Anchor::Fixed(End::left_of(position.x - 3, mid, position.x - GAP + 6)),
                    labels: Vec::new(),
                    open: format!(
                        "<g class=\"vsm-push-wrap\"><title>push: {} → {}</title>",
                        escape(&self.stream.steps[predecessor].name),
                        escape(&the_step.name)
                    ),
                    out_of: Some(predecessor),
                    into: Some(step),
                    names: (
                        self.stream.steps[predecessor].name.clone(),
                        the_step.name.clone(),
                    ),
                    far: false,
                    stub: None,
                });
            }
        }
        let data = |step: usize| {
            let position = self.layout.position(step);
            Rect::new(
                position.x,
                position.y + self.layout.process_h,
                BOX_W,
                self.layout.data_h,
            )
        };
        for (number, loop_) in self.analysis.rework.iter().enumerate() {
            if loop_.share.value() <= 0.0 || self.in_one_row(loop_.from, loop_.to) {
                continue;
            }
            wires.push(Wire {
                kind: WireKind::Rework,
                from: Anchor::Edge {
                    rect: data(loop_.from),
                    side: Side::Bottom,
                },
                to: Anchor::Edge {
                    rect: data(loop_.to),
                    side: Side::Bottom,
                },
                labels: vec![rework_label(loop_)],
                open: format!(
                    "<g class=\"vsm-rework-loop\" id=\"vsm-rework-{number}\"><title>{}</title>",
                    escape(&self.rework_tooltip(number))
                ),
                out_of: None,
                into: None,
                names: (
                    self.stream.steps[loop_.from].name.clone(),
                    self.stream.steps[loop_.to].name.clone(),
                ),
                far: false,
                stub: None,
            });
        }
        wires
    }
}

fn rework_label(loop_: &vsm_core::analysis::ReworkMetrics) -> String {
    format!("↺ {} rework", loop_.share)
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
