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
use super::layout::{self, LINE_H, Room};
use super::route::{self, End, Mode, NoRoute, PITCH, Point, Rect, Router};
use super::text::{escape, wrap};

/// Columns of a line of a routed line's label.
pub(super) const LABEL_COLUMNS: usize = 22;
/// How far above and below its ends a line may go.
const WINDOW: i64 = 600;

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
    /// Not drawn here: a far line's end at a header node, drawn in the node's gathered stub.
    /// The x is where the line's other end lies.
    Elsewhere(i64),
}

impl Anchor {
    /// Where along the page the anchor lies.
    pub(super) fn x(&self) -> i64 {
        match self {
            Anchor::Edge { rect, .. } => i64::midpoint(rect.left, rect.right),
            Anchor::Fixed(end) => end.at.0,
            Anchor::Elsewhere(x) => *x,
        }
    }

    fn y(&self) -> i64 {
        match self {
            Anchor::Edge {
                rect,
                side: Side::Top,
            } => rect.top,
            Anchor::Edge {
                rect,
                side: Side::Bottom,
            } => rect.bottom,
            Anchor::Fixed(end) => end.at.1,
            Anchor::Elsewhere(_) => 0,
        }
    }
}

/// A line to route.
pub(super) struct Wire {
    pub kind: WireKind,
    pub from: Anchor,
    pub to: Anchor,
    /// Its labels: one for most lines, one per flow where flows between the same two places
    /// are drawn as one line.
    pub labels: Vec<String>,
    /// The group the line is drawn in, opened, with its tooltip.
    pub open: String,
    /// The steps a push arrow comes out of and goes into: arrows out of one step may branch,
    /// arrows into one step may merge.
    pub out_of: Option<usize>,
    pub into: Option<usize>,
    /// The names of what it comes out of and goes into, for the tags of its stubs.
    pub names: (String, String),
    /// Its ends lie too far apart to follow a line between them: drawn as tagged stubs.
    pub far: bool,
    /// A header node's gathered stub for far lines, out of the node (`true`) or into it.
    pub stub: Option<bool>,
}

impl Wire {
    fn label_lines(&self) -> Vec<String> {
        self.labels
            .iter()
            .flat_map(|label| tag_lines(label))
            .collect()
    }

    fn bold(&self) -> bool {
        self.kind == WireKind::Rework
    }
}

/// A label or tag wrapped to lines, cut (with "…") after a few.
fn tag_lines(text: &str) -> Vec<String> {
    wrap(text, LABEL_COLUMNS, TAG_LINES).0
}

/// The room a line's end keeps while other lines are routed: its stub, and the way out of its
/// port, wide enough that a broad line passing by leaves the port free.
fn stub(end: End) -> Rect {
    let (dx, dy) = (
        (end.port.0 - end.at.0).signum(),
        (end.port.1 - end.at.1).signum(),
    );
    let beyond = (end.port.0 + dx * PITCH, end.port.1 + dy * PITCH);
    // Across the stub, less than the room between neighbouring ends (with the router's
    // clearance), so that the line into a neighbour still reaches its port.
    let (across_x, across_y) = if dx == 0 { (7, 12) } else { (12, 7) };
    Rect {
        left: end.at.0.min(beyond.0) - across_x,
        top: end.at.1.min(beyond.1) - across_y,
        right: end.at.0.max(beyond.0) + across_x,
        bottom: end.at.1.max(beyond.1) + across_y,
    }
}

/// Lines whose ends lie farther apart than this (about two bands) are not drawn across the
/// page: each end gets a short stub with a tag naming the other end, as no reader follows a line
/// through thousands of pixels of boxes.
const FAR: i64 = 1500;
/// Length of a stub beyond its port.
const STUB_OUT: i64 = 18;
/// Lines of a stub's tag.
const TAG_LINES: usize = 3;
/// How far from its other end a line of a bundle keeps the junctions of the others.
const BUNDLE_CLEAR: i64 = 60;
/// The radius of the dot where a line of a bundle joins (or forks from) another.
const JUNCTION: i64 = 3;

/// What the routed lines came to: their SVG, how many lines or labels wanted more room than the
/// page had, and the room that would give it to them.
pub(super) struct Wired {
    pub svg: String,
    pub short: usize,
    pub room: Room,
}

/// What is drawn of a line: its route, or a stub at one of its ends with a tag.
struct Piece {
    wire: usize,
    points: Vec<Point>,
    /// Whether it ends in a head (push arrows merging into another end without one).
    head: bool,
    label: Vec<String>,
    /// Its index among the scene's lines.
    line: usize,
    /// Where it forks from, or joins, another line of its bundle: marked with a dot.
    junctions: Vec<Point>,
}

/// A stub out of (or into) the box at `end`: a straight piece a little beyond its port.
fn stub_points(end: End, outwards: bool) -> Vec<Point> {
    let (dx, dy) = (
        (end.port.0 - end.at.0).signum(),
        (end.port.1 - end.at.1).signum(),
    );
    let tip = (end.port.0 + dx * STUB_OUT, end.port.1 + dy * STUB_OUT);
    if outwards {
        vec![end.at, tip]
    } else {
        vec![tip, end.at]
    }
}

impl Drawing<'_> {
    /// The far lines' ends at a header node, gathered into one stub per node and direction.
    /// Returns the stubs (as lines of their own) and changes the far lines' header ends to
    /// [`Anchor::Elsewhere`].
    fn gather_far_ends(wires: &mut [Wire]) -> Vec<Wire> {
        let mut gathered: Vec<(Rect, bool, Vec<usize>)> = Vec::new();
        for (w, wire) in wires.iter_mut().enumerate() {
            if (wire.from.y() - wire.to.y()).abs() <= FAR {
                continue;
            }
            wire.far = true;
            let (from_x, to_x) = (wire.from.x(), wire.to.x());
            for (anchor, outwards, other_x) in
                [(&mut wire.from, true, to_x), (&mut wire.to, false, from_x)]
            {
                if let Anchor::Edge {
                    rect,
                    side: Side::Bottom,
                } = *anchor
                    && rect.bottom <= layout::FIRST_BAND_TOP
                {
                    *anchor = Anchor::Elsewhere(other_x);
                    match gathered
                        .iter_mut()
                        .find(|(r, o, _)| *r == rect && *o == outwards)
                    {
                        Some((_, _, members)) => members.push(w),
                        None => gathered.push((rect, outwards, vec![w])),
                    }
                }
            }
        }
        gathered
            .into_iter()
            .map(|(rect, outwards, members)| {
                let first = &wires[members[0]];
                let (tag, listed): (String, Vec<String>) = if outwards {
                    (
                        format!("⇣ {} to steps below", members.len()),
                        members.iter().map(|&w| wires[w].names.1.clone()).collect(),
                    )
                } else {
                    (
                        format!("⇡ {} from steps below", members.len()),
                        members.iter().map(|&w| wires[w].names.0.clone()).collect(),
                    )
                };
                let name = if outwards {
                    &first.names.0
                } else {
                    &first.names.1
                };
                let tooltip = format!(
                    "{name}: information {} {}, each tagged there",
                    if outwards { "to" } else { "from" },
                    listed.join(", ")
                );
                let class = match first.kind {
                    WireKind::Info(FlowKind::Manual) => "vsm-flow vsm-flow-manual",
                    _ => "vsm-flow vsm-flow-electronic",
                };
                Wire {
                    kind: first.kind,
                    from: Anchor::Edge {
                        rect,
                        side: Side::Bottom,
                    },
                    to: Anchor::Elsewhere(first.from.x()),
                    labels: vec![tag],
                    open: format!(
                        "<g class=\"{class} vsm-far\"><title>{}</title>",
                        escape(&tooltip)
                    ),
                    out_of: None,
                    into: None,
                    names: (name.clone(), String::new()),
                    far: false,
                    stub: Some(outwards),
                }
            })
            .collect()
    }

    /// Routes and draws every line that is not straight, and says what more room would give
    /// the lines and labels that found no place of their own.
    pub(super) fn wires(&mut self) -> Wired {
        let mut wires = self.arrow_wires();
        wires.extend(self.flow_wires());
        let mut room = self.room.clone();
        if wires.is_empty() {
            return Wired {
                svg: String::new(),
                short: 0,
                room,
            };
        }
        let stubs = Self::gather_far_ends(&mut wires);
        wires.extend(stubs);
        let super::ends::Ends { ends, bundles } = self.place_ends(&wires);
        let page = self.page();
        let mut short = 0;
        let routed = |w: usize| !wires[w].far && wires[w].stub.is_none();
        // Stubs first, then push arrows (the flow of work), then the shorter lines before the
        // longer.
        let mut order: Vec<usize> = (0..wires.len()).collect();
        order.sort_by_key(|&w| {
            let (from, to) = ends[w];
            let length = (from.port.0 - to.port.0).abs() + (from.port.1 - to.port.1).abs();
            (routed(w), wires[w].kind != WireKind::Push, length)
        });
        let mut router = Router::new(
            page,
            &self.scene,
            &order
                .iter()
                .filter(|&&w| routed(w))
                .flat_map(|&w| [ends[w].0, ends[w].1])
                .collect::<Vec<_>>(),
        );
        // The ends of the lines still to route stay free (but for ends a line shares with
        // them: arrows out of one step, or into one).
        let mut waiting: HashMap<End, usize> = HashMap::new();
        for &w in order.iter().filter(|&&w| routed(w)) {
            for end in [ends[w].0, ends[w].1] {
                let count = waiting.entry(end).or_default();
                if *count == 0 {
                    router.keep_free(stub(end), true);
                }
                *count += 1;
            }
        }
        let mut pieces: Vec<Piece> = Vec::new();
        // Per piece: where its label went, once it has a place.
        let mut labels: Vec<Option<Rect>> = Vec::new();
        let mut routes: Vec<Option<Vec<Point>>> = vec![None; wires.len()];
        let first_routed = order.partition_point(|&w| !routed(w));
        for (k, &w) in order.iter().enumerate() {
            if k == first_routed {
                // The stubs' tags (those of stubs at one place shared) take their places before
                // any line is routed, and the lines go around them.
                share_tags(&mut pieces, &labels);
                let avoid = waiting_ends(&waiting);
                for piece in &pieces {
                    labels.push(self.place_piece_label(&mut router, &wires, piece, &avoid));
                }
            }
            let wire = &wires[w];
            let (from, to) = ends[w];
            let before = pieces.len();
            let mut drawn =
                |this: &mut Self, router: &mut Router, points: Vec<Point>, head: bool, label| {
                    router.add_line(&points, wire.kind == WireKind::Push);
                    let line = this.scene.lines.len();
                    if wire.kind == WireKind::Push {
                        this.scene.wide_line(&points);
                    } else {
                        this.scene.line(&points);
                    }
                    // A line of information or rework that forks from or joins another.
                    let junctions = if wire.kind == WireKind::Push {
                        Vec::new()
                    } else {
                        [
                            (points.first() != Some(&from.at)).then(|| points[0]),
                            (!head).then(|| points[points.len() - 1]),
                        ]
                        .into_iter()
                        .flatten()
                        .collect()
                    };
                    pieces.push(Piece {
                        wire: w,
                        points,
                        head,
                        label,
                        line,
                        junctions,
                    });
                };
            if let Some(outwards) = wire.stub {
                drawn(
                    self,
                    &mut router,
                    stub_points(from, outwards),
                    true,
                    wire.label_lines(),
                );
                continue;
            }
            if wire.far {
                for (points, label) in far_stubs(wire, (from, to)) {
                    drawn(self, &mut router, points, true, label);
                }
                continue;
            }
            for end in [from, to] {
                let count = waiting.get_mut(&end).expect("a waiting end");
                *count -= 1;
                router.keep_free(stub(end), false);
            }
            // Push arrows out of one step branch, into one step merge; so do the lines of a
            // bundle (see `ends`), with lines of their own kind where there are.
            let routed_with = |same: &dyn Fn(usize) -> bool| -> Vec<Vec<Point>> {
                let mut lines: Vec<(bool, Vec<Point>)> = (0..wires.len())
                    .filter(|&o| o != w && same(o))
                    .filter_map(|o| Some((wires[o].kind == wire.kind, routes[o].clone()?)))
                    .collect();
                if lines.iter().any(|(kin, _)| *kin) {
                    lines.retain(|(kin, _)| *kin);
                }
                lines.into_iter().map(|(_, line)| line).collect()
            };
            let (forks, joins) = match (wire.out_of, wire.into) {
                (Some(out_of), Some(into)) => {
                    let mut joins = self.pushes_into[into].clone();
                    joins.extend(routed_with(&|o| wires[o].into == Some(into)));
                    (routed_with(&|o| wires[o].out_of == Some(out_of)), joins)
                }
                // A bundle's lines fork and join away from the other end of the line they
                // fork from or join, where the junction would seem to be one of another box.
                _ => {
                    let (start, end) = bundles[w];
                    let near = |lines: Vec<Vec<Point>>, forward: bool| -> Vec<Vec<Point>> {
                        lines
                            .iter()
                            .map(|line| {
                                let keep = route::length(line) - BUNDLE_CLEAR;
                                if forward {
                                    route::shorten(line, BUNDLE_CLEAR)
                                } else {
                                    route::last(line, keep)
                                }
                            })
                            .filter(|line| line.len() >= 2)
                            .collect()
                    };
                    (
                        start.map_or_else(Vec::new, |b| {
                            near(routed_with(&|o| bundles[o].0 == Some(b)), true)
                        }),
                        end.map_or_else(Vec::new, |b| {
                            near(routed_with(&|o| bundles[o].1 == Some(b)), false)
                        }),
                    )
                }
            };
            // The part of the page a line may take: from a band above its upper end to a band
            // below its lower one.
            let ys = [from.at.1, from.port.1, to.at.1, to.port.1];
            let within = (
                ys.iter().min().unwrap_or(&0) - WINDOW,
                ys.iter().max().unwrap_or(&0) + WINDOW,
            );
            let mut route = |mode| router.route((from, to), &forks, &joins, mode, within);
            let found = match route(Mode::Best).or_else(|why| match why {
                NoRoute::TooFar => route(Mode::Greedy),
                NoRoute::Shut => Err(why),
            }) {
                Ok(points) => Some(points),
                Err(why) => {
                    // Beside and along other lines, but around every box and label.
                    let relaxed = route(Mode::Relaxed).ok();
                    if why == NoRoute::Shut && relaxed.is_some() {
                        // More room would open a way of its own: ask for it.
                        short += 1;
                        for port in [from.port, to.port] {
                            room.add_above(self.layout.row_below(port.1), 2 * PITCH);
                        }
                        room.right += 2 * PITCH;
                    }
                    relaxed
                }
            };
            for end in [from, to] {
                if waiting[&end] > 0 {
                    router.keep_free(stub(end), true);
                }
            }
            match found {
                Some(points) => {
                    let head = points.last() == Some(&to.at);
                    routes[w] = Some(points.clone());
                    drawn(self, &mut router, points, head, wire.label_lines());
                }
                // No way even with more room: a stub at each end, never a line through boxes.
                None => {
                    short += 1;
                    for (points, label) in far_stubs(wire, (from, to)) {
                        drawn(self, &mut router, points, true, label);
                    }
                }
            }
            // Its label goes beside it now, where nothing else is yet, and the lines routed
            // after it go around the label (off the ends they are still to reach), rather than
            // leaving it no place between them.
            // (The tags of the stubs of a line with no way wait for the end, to be shared with
            // other stubs at their places.)
            let avoid = waiting_ends(&waiting);
            for piece in &pieces[before..] {
                labels.push(if routes[w].is_some() {
                    self.place_piece_label(&mut router, &wires, piece, &avoid)
                } else {
                    None
                });
            }
        }
        if labels.len() < pieces.len() {
            // Only stubs: no line was routed.
            share_tags(&mut pieces, &labels);
            for piece in &pieces[labels.len()..] {
                labels.push(self.place_piece_label(&mut router, &wires, piece, &[]));
            }
        }
        // The zig-zag of electronic information, where it has room.
        for piece in &mut pieces {
            if wires[piece.wire].kind == WireKind::Info(FlowKind::Electronic)
                && let Some(points) = self.zig(piece.line)
            {
                self.scene.lines[piece.line].clone_from(&points);
                piece.points = points;
            }
        }
        // A junction drawn needs its line in the legend.
        room.junction |= pieces.iter().any(|piece| !piece.junctions.is_empty());
        for piece in &pieces {
            for &(x, y) in &piece.junctions {
                self.scene.block(Rect::new(
                    x - JUNCTION,
                    y - JUNCTION,
                    2 * JUNCTION,
                    2 * JUNCTION,
                ));
            }
        }
        share_tags(&mut pieces, &labels);
        // The labels that found no place beside their lines as they were drawn: one more look
        // now that every line is drawn, or over the line, with more room asked for.
        for (p, piece) in pieces.iter().enumerate() {
            let lines = &piece.label;
            if lines.is_empty() || labels[p].is_some() {
                continue;
            }
            let route = &piece.points;
            let (width, height) = label_size(lines, wires[piece.wire].bold());
            let rect = route::place_label(
                &self.scene,
                page,
                (route, Some(piece.line)),
                (width, height),
                &[],
            )
            .unwrap_or_else(|| {
                short += 1;
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
            });
            self.scene.block(rect);
            labels[p] = Some(rect);
        }
        let mut out = String::new();
        for (w, wire) in wires.iter().enumerate() {
            let mine: Vec<usize> = (0..pieces.len()).filter(|&p| pieces[p].wire == w).collect();
            if mine.is_empty() {
                continue;
            }
            out.push_str(&wire.open);
            for p in mine {
                let piece = &pieces[p];
                let d = route::path(&piece.points);
                match wire.kind {
                    WireKind::Push => out.push_str(&super::push_svg(
                        &piece.points,
                        piece.head,
                        wire.into.is_none_or(|step| !self.stream.steps[step].pull),
                    )),
                    WireKind::Info(kind) => {
                        let class = match kind {
                            FlowKind::Electronic => "vsm-info",
                            FlowKind::Manual => "vsm-info-manual",
                        };
                        let _ = write!(
                            out,
                            "<path class=\"{class}\" d=\"{d}\"{}/>",
                            head_marker(piece.head, "vsm-arrow-info")
                        );
                    }
                    WireKind::Rework => {
                        let _ = write!(
                            out,
                            "<path class=\"vsm-rework\" d=\"{d}\"{}/>",
                            head_marker(piece.head, "vsm-arrow-rework")
                        );
                    }
                }
                let dot = if wire.kind == WireKind::Rework {
                    "vsm-arrowhead-rework"
                } else {
                    "vsm-arrowhead-info"
                };
                for (x, y) in &piece.junctions {
                    let _ = write!(
                        out,
                        "<circle class=\"vsm-junction {dot}\" cx=\"{x}\" cy=\"{y}\" r=\"{JUNCTION}\"/>"
                    );
                }
                if let Some(rect) = labels[p] {
                    let class = if wire.kind == WireKind::Rework {
                        "vsm-rework-label vsm-halo"
                    } else {
                        "vsm-info-label vsm-halo"
                    };
                    for (i, line) in piece.label.iter().enumerate() {
                        let _ = write!(
                            out,
                            "<text class=\"{class}\" x=\"{}\" y=\"{}\">{}</text>",
                            rect.left,
                            rect.top + 11 + i as i64 * LINE_H,
                            escape(line)
                        );
                    }
                }
            }
            out.push_str("</g>\n");
        }
        Wired {
            svg: out,
            short,
            room,
        }
    }

    /// Places the label of `piece` beside it where nothing else is and off the places in
    /// `avoid`, and keeps the lines routed from now on out of it; `None` where it finds none.
    fn place_piece_label(
        &mut self,
        router: &mut Router,
        wires: &[Wire],
        piece: &Piece,
        avoid: &[Rect],
    ) -> Option<Rect> {
        if piece.label.is_empty() {
            return None;
        }
        let size = label_size(&piece.label, wires[piece.wire].bold());
        let rect = route::place_label(
            &self.scene,
            self.page(),
            (&piece.points, Some(piece.line)),
            size,
            avoid,
        )?;
        self.scene.block(rect);
        router.block(rect);
        Some(rect)
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

/// The room kept at the ends of the lines still to route.
fn waiting_ends(waiting: &HashMap<End, usize>) -> Vec<Rect> {
    waiting
        .iter()
        .filter(|&(_, &count)| count > 0)
        .map(|(&end, _)| stub(end))
        .collect()
}

/// The width and height of a label of `lines`.
fn label_size(lines: &[String], bold: bool) -> (i64, i64) {
    let width = lines
        .iter()
        .map(|l| super::text_box(0, 0, "start", 11, bold, l).right)
        .max()
        .unwrap_or(0);
    (width, LINE_H * lines.len() as i64)
}

/// Stubs at one place (a box edge full of ends) share one tag: the first stub's. Only the tags
/// not yet `placed` (the first of `placed.len()` pieces) are shared.
fn share_tags(pieces: &mut [Piece], placed: &[Option<Rect>]) {
    let mut first_at: HashMap<Vec<Point>, usize> = HashMap::new();
    for p in 0..pieces.len() {
        if pieces[p].points.len() != 2
            || pieces[p].label.is_empty()
            || placed.get(p).is_some_and(Option::is_some)
        {
            continue;
        }
        match first_at.get(&pieces[p].points) {
            Some(&first) => {
                let label = std::mem::take(&mut pieces[p].label);
                pieces[first].label.extend(label);
            }
            None => {
                first_at.insert(pieces[p].points.clone(), p);
            }
        }
    }
}

/// The arrowhead at a line's end, unless it joins another line there.
fn head_marker(head: bool, marker: &str) -> String {
    if head {
        format!(" marker-end=\"url(#{marker})\"")
    } else {
        String::new()
    }
}

/// A line drawn as a stub at each of its ends on a box (not at a header node's gathered end),
/// each with its tag naming the other end.
fn far_stubs(wire: &Wire, (from, to): (End, End)) -> Vec<(Vec<Point>, Vec<String>)> {
    // A tag per label, each naming the other end.
    let tags = |other: &str| -> Vec<String> {
        if wire.labels.is_empty() {
            return tag_lines(other);
        }
        wire.labels
            .iter()
            .flat_map(|label| tag_lines(&format!("{other}: {label}")))
            .collect()
    };
    let mut stubs = Vec::new();
    if !matches!(wire.from, Anchor::Elsewhere(_)) {
        stubs.push((
            stub_points(from, true),
            tags(&format!("to {}", wire.names.1)),
        ));
    }
    if !matches!(wire.to, Anchor::Elsewhere(_)) {
        stubs.push((
            stub_points(to, false),
            tags(&format!("from {}", wire.names.0)),
        ));
    }
    stubs
}
