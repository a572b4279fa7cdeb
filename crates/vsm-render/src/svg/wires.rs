//! The lines routed around everything else: information flows, push arrows from one band to the
//! next, and rework loops between bands.
//!
//! Everything else is drawn first and kept in the drawing's scene; then each line gets its ends
//! (spread along the edge of its box, clear of what is there), is routed (see `route`), and gets
//! its label where nothing else is. When a line finds no way, or a label no place, the drawing
//! asks for more room in the rows it needs and is laid out again.

use std::collections::HashMap;
use std::fmt::Write as _;

use vsm_core::model::FlowKind;

use super::Drawing;
use super::layout::{LINE_H, Room};
use super::route::{self, End, Mode, NoRoute, PITCH, Point, Rect, Router};
use super::text::{escape, wrap};

/// Columns of a line of a routed line's label.
pub(super) const LABEL_COLUMNS: usize = 22;
/// Room between the lines that leave one edge of a box.
const SPREAD: i64 = 20;
/// How far above and below its ends a line may go.
const WINDOW: i64 = 600;
/// Length of the straight piece a line leaves or enters a box by.
const STUB: i64 = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WireKind {
    Push,
    Info(FlowKind),
    Rework,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Side {
    Top,
    Bottom,
}

/// Where a line meets a box.
#[derive(Clone, Copy, Debug)]
pub(super) enum Anchor {
    /// Somewhere along a side of a box, chosen with the other lines there.
    Edge {
        rect: Rect,
        side: Side,
    },
    Fixed(End),
}

impl Anchor {
    fn x(&self) -> i64 {
        match self {
            Anchor::Edge { rect, .. } => i64::midpoint(rect.left, rect.right),
            Anchor::Fixed(end) => end.at.0,
        }
    }
}

/// A line to route.
pub(super) struct Wire {
    pub kind: WireKind,
    pub from: Anchor,
    pub to: Anchor,
    pub label: Option<String>,
    /// The group the line is drawn in, opened, with its tooltip.
    pub open: String,
    /// The steps a push arrow comes out of and goes into: arrows out of one step may branch,
    /// arrows into one step may merge.
    pub out_of: Option<usize>,
    pub into: Option<usize>,
}

impl Wire {
    fn label_lines(&self) -> Vec<String> {
        self.label
            .as_deref()
            .map_or_else(Vec::new, |l| wrap(l, LABEL_COLUMNS, usize::MAX).0)
    }

    fn bold(&self) -> bool {
        self.kind == WireKind::Rework
    }
}

/// A line with an end on an edge: where its other end lies, the line, whether this is its start.
type Member = (i64, usize, bool);

/// The room a line's end keeps while other lines are routed: its stub, and the way out of its
/// port, wide enough that a broad line passing by leaves the port free.
fn stub(end: End) -> Rect {
    let (dx, dy) = (
        (end.port.0 - end.at.0).signum(),
        (end.port.1 - end.at.1).signum(),
    );
    let beyond = (end.port.0 + dx * PITCH, end.port.1 + dy * PITCH);
    Rect {
        left: end.at.0.min(beyond.0),
        top: end.at.1.min(beyond.1),
        right: end.at.0.max(beyond.0),
        bottom: end.at.1.max(beyond.1),
    }
    .inflate(12)
}

impl Drawing<'_> {
    /// Routes and draws every line that is not straight, or says what room they need.
    pub(super) fn wires(&mut self, last: bool) -> Result<String, Room> {
        let mut wires = self.arrow_wires();
        wires.extend(self.flow_wires());
        if wires.is_empty() {
            return Ok(String::new());
        }
        let ends = self.place_ends(&wires);
        let page = self.page();
        let mut room = self.room.clone();
        let mut short = false;
        // Push arrows first (the flow of work), then the shorter lines before the longer.
        let mut order: Vec<usize> = (0..wires.len()).collect();
        order.sort_by_key(|&w| {
            let (from, to) = ends[w];
            let length = (from.port.0 - to.port.0).abs() + (from.port.1 - to.port.1).abs();
            (wires[w].kind != WireKind::Push, length)
        });
        let mut routes: Vec<Option<Vec<Point>>> = vec![None; wires.len()];
        let mut joined = vec![false; wires.len()];
        let mut line_of = vec![usize::MAX; wires.len()];
        for (k, &w) in order.iter().enumerate() {
            let (from, to) = ends[w];
            // The ends of the lines still to route stay free.
            let kept = self.scene.obstacles.len();
            // (But for ends this line shares: arrows out of one step, or into one.)
            for &other in &order[k + 1..] {
                for end in [ends[other].0, ends[other].1] {
                    if end != from && end != to {
                        self.scene.block(stub(end));
                    }
                }
            }
            // Push arrows out of one step branch, into one step merge.
            let routed_with = |same: &dyn Fn(&Wire) -> bool| -> Vec<Vec<Point>> {
                (0..wires.len())
                    .filter(|&o| o != w && same(&wires[o]))
                    .filter_map(|o| routes[o].clone())
                    .collect()
            };
            let (forks, joins) = match (wires[w].out_of, wires[w].into) {
                (Some(out_of), Some(into)) => {
                    let mut joins = self.pushes_into[into].clone();
                    joins.extend(routed_with(&|o| o.into == Some(into)));
                    (routed_with(&|o| o.out_of == Some(out_of)), joins)
                }
                _ => (Vec::new(), Vec::new()),
            };
            // The part of the page a line may take: from a band above its upper end to a band
            // below its lower one (a 400-step map is 26,000 px tall).
            let ys = [from.at.1, from.port.1, to.at.1, to.port.1];
            let window = Rect {
                top: (ys.iter().min().unwrap_or(&0) - WINDOW).max(page.top),
                bottom: (ys.iter().max().unwrap_or(&0) + WINDOW).min(page.bottom),
                ..page
            };
            let router = Router::new(window, &self.scene, &[from, to]);
            let route = |mode| router.route(from, to, &forks, &joins, mode);
            let found = match route(Mode::Best).or_else(|why| match why {
                NoRoute::TooFar => route(Mode::Greedy),
                NoRoute::Shut => Err(why),
            }) {
                Ok(points) => Some(points),
                Err(why) => {
                    // Beside and along other lines, but around every box and label.
                    let relaxed = route(Mode::Relaxed).ok();
                    if why == NoRoute::Shut && relaxed.is_some() && !last {
                        // More room would open a way of its own: ask for it.
                        short = true;
                        for port in [from.port, to.port] {
                            room.add_above(self.layout.row_below(port.1), 2 * PITCH);
                        }
                        room.right += 2 * PITCH;
                        self.scene.obstacles.truncate(kept);
                        continue;
                    }
                    relaxed
                }
            };
            self.scene.obstacles.truncate(kept);
            let points = match found {
                Some(points) => points,
                // No way even with more room: straight across, the best there is.
                None => {
                    route::corners(&[from.at, from.port, (from.port.0, to.port.1), to.port, to.at])
                }
            };
            joined[w] = points.last() != Some(&to.at);
            line_of[w] = self.scene.lines.len();
            if wires[w].kind == WireKind::Push {
                self.scene.wide_line(&points);
            } else {
                self.scene.line(&points);
            }
            routes[w] = Some(points);
        }
        if short {
            return Err(room);
        }
        // The zig-zag of electronic information, where it has room.
        for w in 0..wires.len() {
            if wires[w].kind == WireKind::Info(FlowKind::Electronic)
                && let Some(points) = self.zig(line_of[w])
            {
                self.scene.lines[line_of[w]].clone_from(&points);
                routes[w] = Some(points);
            }
        }
        // Labels, where nothing else is.
        let mut labels: Vec<Option<(Rect, Vec<String>)>> = vec![None; wires.len()];
        for w in 0..wires.len() {
            let lines = wires[w].label_lines();
            if lines.is_empty() {
                continue;
            }
            let route = routes[w].as_deref().unwrap_or_default();
            let width = lines
                .iter()
                .map(|l| super::text_box(0, 0, "start", 11, wires[w].bold(), l).right)
                .max()
                .unwrap_or(0);
            let height = LINE_H * lines.len() as i64;
            let own = (line_of[w] != usize::MAX).then_some(line_of[w]);
            let rect = match route::place_label(&self.scene, page, route, own, width, height) {
                Some(rect) => rect,
                None if !last => {
                    short = true;
                    let mut rows: Vec<usize> = route
                        .windows(2)
                        .filter(|p| p[0].1 == p[1].1)
                        .map(|p| self.layout.row_below(p[0].1))
                        .collect();
                    if rows.is_empty() {
                        rows = route.iter().map(|p| self.layout.row_below(p.1)).collect();
                    }
                    rows.sort_unstable();
                    rows.dedup();
                    for row in rows {
                        room.add_above(row, height + 8);
                    }
                    continue;
                }
                None => {
                    // Over the middle of its longest piece, the best there is.
                    let (a, b) = route
                        .windows(2)
                        .map(|p| (p[0], p[1]))
                        .max_by_key(|(a, b)| (a.0 - b.0).abs() + (a.1 - b.1).abs())
                        .unwrap_or(((0, 0), (0, 0)));
                    Rect::new(
                        i64::midpoint(a.0, b.0),
                        i64::midpoint(a.1, b.1) - height - 4,
                        width,
                        height,
                    )
                }
            };
            self.scene.block(rect);
            labels[w] = Some((rect, lines));
        }
        if short {
            return Err(room);
        }
        let mut out = String::new();
        for (w, wire) in wires.iter().enumerate() {
            let Some(points) = &routes[w] else { continue };
            out.push_str(&wire.open);
            let d = route::path(points);
            match wire.kind {
                WireKind::Push => out.push_str(&super::push_svg(points, !joined[w])),
                WireKind::Info(kind) => {
                    let class = match kind {
                        FlowKind::Electronic => "vsm-info",
                        FlowKind::Manual => "vsm-info-manual",
                    };
                    let _ = write!(
                        out,
                        "<path class=\"{class}\" d=\"{d}\" marker-end=\"url(#vsm-arrow-info)\"/>"
                    );
                }
                WireKind::Rework => {
                    let _ = write!(
                        out,
                        "<path class=\"vsm-rework\" d=\"{d}\" marker-end=\"url(#vsm-arrow-rework)\"/>"
                    );
                }
            }
            if let Some((rect, lines)) = &labels[w] {
                let class = if wire.kind == WireKind::Rework {
                    "vsm-rework-label vsm-halo"
                } else {
                    "vsm-info-label vsm-halo"
                };
                for (i, line) in lines.iter().enumerate() {
                    let _ = write!(
                        out,
                        "<text class=\"{class}\" x=\"{}\" y=\"{}\">{}</text>",
                        rect.left,
                        rect.top + 11 + i as i64 * LINE_H,
                        escape(line)
                    );
                }
            }
            out.push_str("</g>\n");
        }
        Ok(out)
    }

    /// Each line's two ends: fixed ones as they are; those along a box's edge spread over it in
    /// the order of where their other ends lie, each where its stub meets nothing.
    fn place_ends(&self, wires: &[Wire]) -> Vec<(End, End)> {
        // Per edge: (where the other end lies, the line, whether this is its start).
        let mut groups: HashMap<(Rect, Side), Vec<Member>> = HashMap::new();
        let mut order: Vec<(Rect, Side)> = Vec::new();
        for (w, wire) in wires.iter().enumerate() {
            for (anchor, other, is_from) in
                [(wire.from, wire.to, true), (wire.to, wire.from, false)]
            {
                if let Anchor::Edge { rect, side } = anchor {
                    let group = groups.entry((rect, side)).or_default();
                    if group.is_empty() {
                        order.push((rect, side));
                    }
                    group.push((other.x(), w, is_from));
                }
            }
        }
        let mut ends: Vec<(Option<End>, Option<End>)> = wires
            .iter()
            .map(|wire| {
                let fixed = |a: Anchor| match a {
                    Anchor::Fixed(end) => Some(end),
                    Anchor::Edge { .. } => None,
                };
                (fixed(wire.from), fixed(wire.to))
            })
            .collect();
        for key in order {
            let (rect, side) = key;
            let mut members = groups.remove(&key).unwrap_or_default();
            members.sort_unstable();
            let n = members.len() as i64;
            let (low, high) = (rect.left + 12, rect.right - 12);
            let centre = i64::midpoint(rect.left, rect.right);
            let mut chosen: Vec<i64> = Vec::new();
            for (k, &(_, w, is_from)) in members.iter().enumerate() {
                let ideal = (centre + (2 * k as i64 - (n - 1)) * SPREAD / 2).clamp(low, high);
                let end_at = |x: i64| match side {
                    Side::Top => End::above(x, rect.top),
                    Side::Bottom => End::below(x, rect.bottom),
                };
                let free = |x: i64| {
                    let reach = match side {
                        Side::Top => Rect {
                            left: x - 8,
                            top: rect.top - STUB - 8,
                            right: x + 8,
                            bottom: rect.top - 1,
                        },
                        Side::Bottom => Rect {
                            left: x - 8,
                            top: rect.bottom + 1,
                            right: x + 8,
                            bottom: rect.bottom + STUB + 8,
                        },
                    };
                    chosen.iter().all(|&c| (c - x).abs() >= 16) && self.scene.is_free(reach)
                };
                let x = (0..=(high - low) / 4 + 1)
                    .flat_map(|step| [ideal + 4 * step, ideal - 4 * step])
                    .filter(|x| (low..=high).contains(x))
                    .find(|&x| free(x))
                    .unwrap_or(ideal);
                chosen.push(x);
                let end = end_at(x);
                if is_from {
                    ends[w].0 = Some(end);
                } else {
                    ends[w].1 = Some(end);
                }
            }
        }
        ends.into_iter()
            .map(|(from, to)| (from.expect("an end"), to.expect("an end")))
            .collect()
    }

    /// The line `index` of the scene with the zig-zag of electronic information in its longest
    /// piece that has room for it, if one has.
    fn zig(&self, index: usize) -> Option<Vec<Point>> {
        let points = self.scene.lines.get(index)?;
        let mut pieces: Vec<usize> = (0..points.len().saturating_sub(1)).collect();
        pieces.sort_by_key(|&i| {
            let (a, b) = (points[i], points[i + 1]);
            std::cmp::Reverse((a.0 - b.0).abs() + (a.1 - b.1).abs())
        });
        let others = |rect: Rect| {
            !self.scene.obstacles.iter().any(|o| o.overlaps(&rect))
                && !self.scene.lines.iter().enumerate().any(|(n, line)| {
                    n != index && line.windows(2).any(|p| rect.crossed_by(p[0], p[1]))
                })
        };
        for i in pieces {
            let (a, b) = (points[i], points[i + 1]);
            let length = (a.0 - b.0).abs() + (a.1 - b.1).abs();
            if length < 48 {
                return None;
            }
            let (ux, uy) = ((b.0 - a.0).signum(), (b.1 - a.1).signum());
            for shift in [0, 10, -10, 20, -20, 30, -30] {
                let along = length / 2 + shift;
                if along < 20 || along > length - 20 {
                    continue;
                }
                let m = (a.0 + ux * along, a.1 + uy * along);
                // Perpendicular to the piece.
                let (px, py) = (-uy, ux);
                let zig = [
                    (m.0 - ux * 9, m.1 - uy * 9),
                    (m.0 - ux * 3 + px * 6, m.1 - uy * 3 + py * 6),
                    (m.0 + ux * 3 - px * 6, m.1 + uy * 3 - py * 6),
                    (m.0 + ux * 9, m.1 + uy * 9),
                ];
                let reach = Rect {
                    left: m.0 - 9,
                    top: m.1 - 9,
                    right: m.0 + 9,
                    bottom: m.1 + 9,
                }
                .inflate(3);
                if others(reach) {
                    let mut out = points[..=i].to_vec();
                    out.extend(zig);
                    out.extend_from_slice(&points[i + 1..]);
                    return Some(out);
                }
            }
        }
        None
    }
}
