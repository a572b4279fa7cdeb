//! Where the routed lines meet the edges of boxes.
//!
//! The lines on one edge are spread along it in the order of where their other ends lie, each
//! where its stub meets nothing. An edge holds only so many ends (a step's top edge about nine):
//! when more lines meet it, the lines whose other ends lie nearest together share a place, a
//! bundle. The first line of a bundle to be routed ends there; the others join its line (or,
//! leaving the edge, fork from it), so every line stays a line and no end is drawn on another.

use std::collections::HashMap;
use std::ops::Range;

use super::Drawing;
use super::route::{End, Rect};
use super::wires::{Anchor, Side, Wire, WireKind};

/// Room between the lines that meet one edge of a box.
const SPREAD: i64 = 20;
/// The least room between two ends on one edge.
const APART: i64 = 16;
/// Length of the straight piece a line leaves or enters a box by.
const STUB: i64 = 12;

/// A line with an end on an edge: where its other end lies, the line, whether this is its start.
type Member = (i64, usize, bool);

/// Each line's two ends, and the bundle each end belongs to where it shares its place.
pub(super) struct Ends {
    pub ends: Vec<(End, End)>,
    /// Per line: the bundle of its start and of its end, numbered across the drawing.
    pub bundles: Vec<(Option<usize>, Option<usize>)>,
}

impl Drawing<'_> {
    /// Each line's two ends: fixed ones as they are; those along a box's edge spread over it in
    /// the order of where their other ends lie, in bundles where the edge has too little room.
    pub(super) fn place_ends(&self, wires: &[Wire]) -> Ends {
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
                    // Never routed nor drawn.
                    Anchor::Elsewhere(x) => Some(End {
                        at: (x, 0),
                        port: (x, 0),
                    }),
                    Anchor::Edge { .. } => None,
                };
                (fixed(wire.from), fixed(wire.to))
            })
            .collect();
        let mut bundles = vec![(None, None); wires.len()];
        let mut next_bundle = 0;
        for key in order {
            let (rect, side) = key;
            let mut members = groups.remove(&key).unwrap_or_default();
            members.sort_unstable();
            // Lines that must share places share them with lines of their own direction: a
            // line into the box cannot join one out of it. So the lines into it go first, each
            // way in the order of their other ends.
            let both_ways = members.iter().any(|m| m.2) && members.iter().any(|m| !m.2);
            if both_ways && !self.spread(rect, side, members.len()).1 {
                members.sort_unstable_by_key(|&(x, w, is_from)| (is_from, x, w));
            }
            let others: Vec<(i64, (bool, WireKind, bool))> = members
                .iter()
                .map(|&(x, w, is_from)| (x, (wires[w].far, wires[w].kind, is_from)))
                .collect();
            let centre = i64::midpoint(rect.left, rect.right);
            // A place per line where the edge has room, fewer (shared) where it has not; when
            // not even one place is free (a line runs along the edge), a place per line, as
            // near as the edge allows.
            let (shares, places) = (1..=members.len())
                .rev()
                .find_map(|count| {
                    let (places, free) = self.spread(rect, side, count);
                    free.then(|| (bundle(&others, centre, count), places))
                })
                .unwrap_or_else(|| {
                    (
                        bundle(&others, centre, members.len()),
                        self.spread(rect, side, members.len()).0,
                    )
                });
            for (share, x) in shares.into_iter().zip(places) {
                let end = match side {
                    Side::Top => End::above(x, rect.top),
                    Side::Bottom => End::below(x, rect.bottom),
                };
                let id = (share.len() > 1).then(|| {
                    next_bundle += 1;
                    next_bundle - 1
                });
                for &(_, w, is_from) in &members[share] {
                    if is_from {
                        ends[w].0 = Some(end);
                        bundles[w].0 = id;
                    } else {
                        ends[w].1 = Some(end);
                        bundles[w].1 = id;
                    }
                }
            }
        }
        Ends {
            ends: ends
                .into_iter()
                .map(|(from, to)| (from.expect("an end"), to.expect("an end")))
                .collect(),
            bundles,
        }
    }

    /// The x of `count` places along a side of `rect`, spread about its middle, each where its
    /// stub meets nothing if it can be; and whether each could be.
    fn spread(&self, rect: Rect, side: Side, count: usize) -> (Vec<i64>, bool) {
        let n = count as i64;
        let (low, high) = (rect.left + 12, rect.right - 12);
        let centre = i64::midpoint(rect.left, rect.right);
        let mut chosen: Vec<i64> = Vec::with_capacity(count);
        let mut all_free = true;
        for k in 0..n {
            let ideal = (centre + (2 * k - (n - 1)) * SPREAD / 2).clamp(low, high);
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
                chosen.iter().all(|&c| (c - x).abs() >= APART) && self.scene.is_free(reach)
            };
            let found = (0..=(high - low) / 4 + 1)
                .flat_map(|step| [ideal + 4 * step, ideal - 4 * step])
                .filter(|x| (low..=high).contains(x))
                .find(|&x| free(x));
            all_free &= found.is_some();
            chosen.push(found.unwrap_or(ideal));
        }
        (chosen, all_free)
    }
}

/// The lines of one edge (where their other ends lie, in order, and how each is drawn: a far
/// line as stubs, a line of information solid or dashed) in `count` runs of neighbours, each to
/// share a place. Runs are joined two at a time: those whose other ends then lie nearest
/// together first (lines from one system before lines from two), of two equally near the pair
/// farther from the edge's `centre` (long lines that would run side by side); lines drawn
/// differently share a place only where nothing else can (a stub on a line, or a manual flow
/// drawn solid along an electronic one).
fn bundle<K: PartialEq>(others: &[(i64, K)], centre: i64, count: usize) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = (0..others.len()).map(|i| i..i + 1).collect();
    while runs.len() > count.max(1) {
        let best = (0..runs.len() - 1)
            .min_by_key(|&k| {
                let joined = runs[k].start..runs[k + 1].end;
                let (first, last) = (&others[joined.start], &others[joined.end - 1]);
                let mixed = others[joined.clone()].iter().any(|o| o.1 != first.1);
                let span = last.0 - first.0;
                let distance = (first.0 - centre).abs().max((last.0 - centre).abs());
                (mixed, span, std::cmp::Reverse(distance))
            })
            .unwrap_or(0);
        let next = runs.remove(best + 1);
        runs[best].end = next.end;
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_from_one_place_share_first_then_the_farthest_neighbours() {
        // Five lines from four places: the two from x = 300 share, then the two farthest right.
        let others = [
            (100, false),
            (200, false),
            (300, false),
            (300, false),
            (400, false),
            (500, false),
        ];
        assert_eq!(bundle(&others, 0, 5), vec![0..1, 1..2, 2..4, 4..5, 5..6]);
        assert_eq!(bundle(&others, 0, 4), vec![0..1, 1..2, 2..4, 4..6]);
        assert_eq!(bundle(&others, 0, 6).len(), 6);
        assert_eq!(bundle(&others, 0, 1), vec![0..6]);
        assert_eq!(bundle::<bool>(&[], 0, 3), Vec::<Range<usize>>::new());
    }

    #[test]
    fn far_lines_share_with_far_lines_before_routed_ones() {
        let others = [(100, false), (110, true), (400, true), (500, false)];
        assert_eq!(bundle(&others, 0, 3), vec![0..1, 1..3, 3..4]);
        // Likewise manual flows with manual ones, electronic with electronic.
        let others = [(100, "manual"), (110, "electronic"), (130, "electronic")];
        assert_eq!(bundle(&others, 0, 2), vec![0..1, 1..3]);
    }
}
