//! Lines routed around what the picture already holds.
//!
//! A wrapped stream has lines that cannot be straight: a flow from a system in the header to a
//! step two rows down, a push arrow from the end of one row to the start of the next, a rework
//! loop back to an earlier row. Each is routed on a grid of tracks (every [`PITCH`] pixels, and
//! the exact coordinates of its ends and of the lines already drawn) by a small A* search that
//! never enters a box or a label, never runs along another line or close beside it, never bends
//! on one, and pays for every bend and every crossing, so lines take the free gaps between rows
//! and columns with as few corners and crossings as the picture allows.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

mod scene;
mod search;

use scene::WIDE;
pub use scene::{Point, Rect, Scene, corners, last, length, path, place_label, shorten};
use search::Search;
pub use search::{Mode, NoRoute};

/// Distance between neighbouring tracks.
pub const PITCH: i64 = 10;
/// The least room between a line and a box or label.
const CLEARANCE: i64 = 4;
/// Lines closer than this run "along" each other, which the eye cannot tell apart.
const NEAR: i64 = 10;
const BEND: u32 = 30;
const CROSSING: u32 = 160;
/// Steps of search for one route: this many at least, and more for a longer way, per track
/// between its ends.
const SEARCH_BUDGET: usize = 20_000;
const BUDGET_PER_TRACK: usize = 500;

/// A route's end: the point on a box's edge, and its port, a short way out from the edge on the
/// side the line must leave by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct End {
    pub at: Point,
    pub port: Point,
}

impl End {
    /// Out of (or into) a box's top edge at `x`.
    pub fn above(x: i64, top: i64) -> End {
        End {
            at: (x, top),
            port: (x, top - 12),
        }
    }

    pub fn below(x: i64, bottom: i64) -> End {
        End {
            at: (x, bottom),
            port: (x, bottom + 12),
        }
    }

    /// Into a box's left side at `y`, from `port` further left.
    pub fn left_of(left: i64, y: i64, port_x: i64) -> End {
        End {
            at: (left, y),
            port: (port_x, y),
        }
    }

    /// The direction a line takes from the port towards the box.
    fn inwards(&self) -> Dir {
        Dir::of(self.port, self.at)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Up,
    Right,
    Down,
    Left,
}

impl Dir {
    const ALL: [Dir; 4] = [Dir::Up, Dir::Right, Dir::Down, Dir::Left];

    fn of(from: Point, to: Point) -> Dir {
        if to.0 > from.0 {
            Dir::Right
        } else if to.0 < from.0 {
            Dir::Left
        } else if to.1 > from.1 {
            Dir::Down
        } else {
            Dir::Up
        }
    }

    fn opposite(self) -> Dir {
        match self {
            Dir::Up => Dir::Down,
            Dir::Down => Dir::Up,
            Dir::Left => Dir::Right,
            Dir::Right => Dir::Left,
        }
    }

    fn horizontal(self) -> bool {
        matches!(self, Dir::Left | Dir::Right)
    }
}

/// Inside a box or label (with its clearance).
const BLOCKED: u8 = 1;
/// At a corner or end of a line, or where two cross: a line passing here would seem to join.
const CORNER: u8 = 32;
/// A horizontal line passes through the node: cross it vertically, never follow it.
const H_LINE: u8 = 2;
const V_LINE: u8 = 4;
/// Running along here costs twice.
const TOLL: u8 = 64;
/// Close to a horizontal line: no horizontal move here.
const H_NEAR: u8 = 8;
const V_NEAR: u8 = 16;

/// The grid of tracks over the page, with what each crossing point may take. One grid serves
/// every line of a drawing: each routed line is added to it as it is drawn.
pub struct Router {
    xs: Vec<i64>,
    ys: Vec<i64>,
    flags: Vec<u8>,
    /// Per node: how many kept-free places (the stubs of lines still to route) cover it.
    kept: Vec<u8>,
    search: Search,
}

impl Router {
    /// A grid over `page` for the routes between `ends` (the ends of every line to route),
    /// around `scene`'s obstacles and lines.
    pub fn new(page: Rect, scene: &Scene, ends: &[End]) -> Router {
        let mut xs: Vec<i64> = (page.left / PITCH + 1..page.right / PITCH)
            .map(|k| k * PITCH)
            .collect();
        let mut ys: Vec<i64> = (page.top / PITCH + 1..page.bottom / PITCH)
            .map(|k| k * PITCH)
            .collect();
        for end in ends {
            xs.extend([end.at.0, end.port.0]);
            ys.extend([end.at.1, end.port.1]);
        }
        for line in &scene.lines {
            for &(x, y) in line {
                xs.push(x);
                ys.push(y);
            }
        }
        xs.retain(|x| (page.left..page.right).contains(x));
        ys.retain(|y| (page.top..page.bottom).contains(y));
        xs.sort_unstable();
        xs.dedup();
        ys.sort_unstable();
        ys.dedup();
        let mut router = Router {
            flags: vec![0; xs.len() * ys.len()],
            kept: vec![0; xs.len() * ys.len()],
            xs,
            ys,
            search: Search::default(),
        };
        for rect in &scene.obstacles {
            router.mark(rect.inflate(CLEARANCE), BLOCKED);
        }
        for &rect in &scene.tolls {
            router.mark(rect, TOLL);
        }
        for (line, &wide) in scene.lines.iter().zip(&scene.wide) {
            router.add_line(line, wide);
        }
        // A port stays open even where the clearance of its own box reaches it.
        for end in ends {
            if let Some(node) = router.node(end.port) {
                router.flags[node] &= !BLOCKED;
            }
        }
        router
    }

    fn node(&self, (x, y): Point) -> Option<usize> {
        let i = self.xs.binary_search(&x).ok()?;
        let j = self.ys.binary_search(&y).ok()?;
        Some(j * self.xs.len() + i)
    }

    fn point(&self, node: usize) -> Point {
        (self.xs[node % self.xs.len()], self.ys[node / self.xs.len()])
    }

    /// Index ranges of the tracks within `[low, high]`.
    fn span(tracks: &[i64], low: i64, high: i64) -> std::ops::Range<usize> {
        tracks.partition_point(|&t| t < low)..tracks.partition_point(|&t| t <= high)
    }

    /// Sets `flag` on every node inside `rect` (edges included).
    fn mark(&mut self, rect: Rect, flag: u8) {
        let columns = Self::span(&self.xs, rect.left, rect.right);
        for j in Self::span(&self.ys, rect.top, rect.bottom) {
            for i in columns.clone() {
                let node = &mut self.flags[j * self.xs.len() + i];
                *node |= flag;
                // Where two lines cross, a third would seem to join them.
                if *node & H_LINE != 0 && *node & V_LINE != 0 {
                    *node |= CORNER;
                }
            }
        }
    }

    /// Keeps the lines routed from now on out of `rect` (with their clearance): a label placed
    /// beside a line drawn before them.
    pub fn block(&mut self, rect: Rect) {
        self.mark(rect.inflate(CLEARANCE), BLOCKED);
    }

    /// Keeps `rect` free of the lines routed from now on (`keep`), or frees it again: the
    /// places (with their clearance) may overlap, each is counted.
    pub fn keep_free(&mut self, rect: Rect, keep: bool) {
        let rect = rect.inflate(CLEARANCE);
        let columns = Self::span(&self.xs, rect.left, rect.right);
        for j in Self::span(&self.ys, rect.top, rect.bottom) {
            for i in columns.clone() {
                let count = &mut self.kept[j * self.xs.len() + i];
                *count = if keep {
                    count.saturating_add(1)
                } else {
                    count.saturating_sub(1)
                };
            }
        }
    }

    /// Takes a drawn line into account: its track is taken, its sides are too near to follow
    /// (farther for a `wide` one), its corners and ends are not to be touched, and crossing it
    /// costs.
    pub fn add_line(&mut self, line: &[Point], wide: bool) {
        let near = if wide { NEAR + WIDE } else { NEAR };
        for pair in line.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a.1 == b.1 {
                let (left, right) = (a.0.min(b.0), a.0.max(b.0));
                self.mark(
                    Rect {
                        left: left - near + 1,
                        top: a.1 - near + 1,
                        right: right + near - 1,
                        bottom: a.1 + near - 1,
                    },
                    H_NEAR,
                );
                self.mark(
                    Rect {
                        left,
                        top: a.1,
                        right,
                        bottom: a.1,
                    },
                    H_LINE,
                );
            } else if a.0 == b.0 {
                let (top, bottom) = (a.1.min(b.1), a.1.max(b.1));
                self.mark(
                    Rect {
                        left: a.0 - near + 1,
                        top: top - near + 1,
                        right: a.0 + near - 1,
                        bottom: bottom + near - 1,
                    },
                    V_NEAR,
                );
                self.mark(
                    Rect {
                        left: a.0,
                        top,
                        right: a.0,
                        bottom,
                    },
                    V_LINE,
                );
            } else {
                // A slanted piece (a zig-zag mark): nothing passes through its box.
                let rect = Rect {
                    left: a.0.min(b.0),
                    top: a.1.min(b.1),
                    right: a.0.max(b.0),
                    bottom: a.1.max(b.1),
                };
                self.mark(rect.inflate(CLEARANCE), BLOCKED);
            }
        }
        for &(x, y) in line {
            self.mark(
                Rect {
                    left: x - near + 1,
                    top: y - near + 1,
                    right: x + near - 1,
                    bottom: y + near - 1,
                },
                CORNER,
            );
        }
    }

    /// Whether a move from `from` to its neighbour `to` in direction `dir` is allowed, and what
    /// it costs beyond its length.
    fn step_cost(&self, from: usize, to: usize, dir: Dir) -> Option<u32> {
        let (along, near, across) = if dir.horizontal() {
            (H_LINE, H_NEAR, V_LINE)
        } else {
            (V_LINE, V_NEAR, H_LINE)
        };
        if self.flags[from] & (along | near) != 0 || self.flags[to] & (CORNER | along | near) != 0 {
            return None;
        }
        let toll = if dir.horizontal() && self.flags[to] & TOLL != 0 {
            let (a, b) = (self.point(from), self.point(to));
            (a.0 - b.0).unsigned_abs() as u32
        } else {
            0
        };
        Some(
            toll + if self.flags[to] & across != 0 {
                CROSSING
            } else {
                0
            },
        )
    }

    fn neighbour(&self, node: usize, dir: Dir) -> Option<usize> {
        let width = self.xs.len();
        let (i, j) = (node % width, node / width);
        match dir {
            Dir::Left if i > 0 => Some(node - 1),
            Dir::Right if i + 1 < width => Some(node + 1),
            Dir::Up if j > 0 => Some(node - width),
            Dir::Down if j + 1 < self.ys.len() => Some(node + width),
            _ => None,
        }
    }

    /// Grid nodes strictly inside the pieces of `lines`, each with whether its piece is level.
    fn inner_nodes(&self, lines: &[Vec<Point>]) -> HashSet<(usize, bool)> {
        let mut nodes = HashSet::new();
        for line in lines {
            for pair in line.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let level = a.1 == b.1;
                let columns = Self::span(&self.xs, a.0.min(b.0), a.0.max(b.0));
                for j in Self::span(&self.ys, a.1.min(b.1), a.1.max(b.1)) {
                    for i in columns.clone() {
                        let node = j * self.xs.len() + i;
                        let p = self.point(node);
                        if p != a && p != b {
                            nodes.insert((node, level));
                        }
                    }
                }
            }
        }
        nodes
    }

    /// The cheapest route from `from` to `to` between the heights `within` (top and bottom), as
    /// its corner points from box edge to box edge, or why not. It may start from a line of
    /// `forks` instead (arrows out of one step branch) and end on a line of `joins` (arrows into
    /// one step merge).
    pub fn route(
        &mut self,
        (from, to): (End, End),
        forks: &[Vec<Point>],
        joins: &[Vec<Point>],
        mode: Mode,
        within: (i64, i64),
    ) -> Result<Vec<Point>, NoRoute> {
        // The search's arrays are lent out and kept for the next route.
        let mut search = std::mem::take(&mut self.search);
        let route = self.search_route(&mut search, (from, to), (forks, joins), mode, within);
        self.search = search;
        route
    }

    fn search_route(
        &self,
        search: &mut Search,
        (from, to): (End, End),
        (forks, joins): (&[Vec<Point>], &[Vec<Point>]),
        mode: Mode,
        within: (i64, i64),
    ) -> Result<Vec<Point>, NoRoute> {
        let relaxed = mode == Mode::Relaxed;
        let weight = if mode == Mode::Best { 1 } else { 2 };
        let (Some(start), Some(goal)) = (self.node(from.port), self.node(to.port)) else {
            return Err(NoRoute::Shut);
        };
        let width = self.xs.len();
        let rows = Self::span(&self.ys, within.0, within.1);
        let nodes = rows.start * width..rows.end * width;
        // Outside the window, inside a box or label, or kept free for another line's end.
        let blocked = |node: usize| {
            !nodes.contains(&node)
                || self.flags[node] & BLOCKED != 0
                || (self.kept[node] > 0 && node != start && node != goal)
        };
        if blocked(start) || blocked(goal) {
            return Err(NoRoute::Shut);
        }
        let start_dir = Dir::of(from.at, from.port);
        let goal_dir = to.inwards();
        let join_nodes = self.inner_nodes(joins);
        let (gx, gy) = self.point(goal);
        let estimate = |node: usize| {
            let (x, y) = self.point(node);
            (weight * ((x - gx).abs() + (y - gy).abs())) as u32
        };
        search.begin(nodes.start * 4, nodes.len() * 4);
        let mut queue = BinaryHeap::new();
        let mut starts = vec![start * 4 + start_dir as usize];
        // A fork leaves its line at a right angle, either way.
        for (node, level) in self.inner_nodes(forks) {
            if blocked(node) {
                continue;
            }
            let dirs = if level {
                [Dir::Up, Dir::Down]
            } else {
                [Dir::Left, Dir::Right]
            };
            starts.extend(dirs.map(|dir| node * 4 + dir as usize));
        }
        starts.sort_unstable();
        for &state in &starts {
            search.set(state, 0, u32::MAX);
            queue.push(Reverse((estimate(state / 4), 0u32, state)));
        }
        let mut reached = None;
        let tracks = ((from.port.0 - to.port.0).abs() + (from.port.1 - to.port.1).abs()) / PITCH;
        let mut budget = SEARCH_BUDGET + BUDGET_PER_TRACK * usize::try_from(tracks).unwrap_or(0);
        let mut too_far = false;
        while let Some(Reverse((_, spent, state))) = queue.pop() {
            // A way found only after this much searching is no way a reader could follow.
            let Some(left) = budget.checked_sub(1) else {
                too_far = true;
                break;
            };
            budget = left;
            if spent > search.cost(state) {
                continue;
            }
            let (node, dir) = (state / 4, Dir::ALL[state % 4]);
            if (node == goal && dir == goal_dir)
                || (spent > 0 && join_nodes.contains(&(node, !dir.horizontal())))
            {
                reached = Some(state);
                break;
            }
            for next_dir in Dir::ALL {
                if next_dir == dir.opposite() {
                    continue;
                }
                let Some(next) = self.neighbour(node, next_dir) else {
                    continue;
                };
                let joins_here = join_nodes.contains(&(next, !next_dir.horizontal()));
                let extra = if next == goal || joins_here {
                    // The last move: only not along a line it is on.
                    let along = if next_dir.horizontal() {
                        H_LINE
                    } else {
                        V_LINE
                    };
                    if self.flags[node] & along != 0 || blocked(next) {
                        continue;
                    }
                    0
                } else if blocked(next) {
                    continue;
                } else if relaxed {
                    0
                } else {
                    match self.step_cost(node, next, next_dir) {
                        Some(extra) => extra,
                        None => continue,
                    }
                };
                let (a, b) = (self.point(node), self.point(next));
                let length = ((a.0 - b.0).abs() + (a.1 - b.1).abs()) as u32;
                let bend = if next_dir == dir { 0 } else { BEND };
                let next_state = next * 4 + next_dir as usize;
                let total = spent + length + bend + extra;
                if total < search.cost(next_state) {
                    search.set(next_state, total, state as u32);
                    queue.push(Reverse((total + estimate(next), total, next_state)));
                }
            }
        }
        let Some(mut state) = reached else {
            return Err(if too_far {
                NoRoute::TooFar
            } else {
                NoRoute::Shut
            });
        };
        let mut nodes = vec![self.point(state / 4)];
        while search.previous(state) != u32::MAX {
            state = search.previous(state) as usize;
            nodes.push(self.point(state / 4));
        }
        nodes.reverse();
        let mut points = Vec::with_capacity(nodes.len() + 2);
        if nodes.first() == Some(&from.port) {
            points.push(from.at);
        }
        points.extend(nodes);
        if points.last() == Some(&to.port) {
            points.push(to.at);
        }
        Ok(corners(&points))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Rect {
        Rect::new(0, 0, 400, 300)
    }

    #[test]
    fn a_route_goes_around_a_box_between_its_ends() {
        let mut scene = Scene::default();
        // Two boxes side by side, and a wall between them reaching up to y = 60.
        scene.block(Rect::new(40, 150, 100, 60));
        scene.block(Rect::new(260, 150, 100, 60));
        scene.block(Rect::new(180, 60, 40, 200));
        let from = End::above(90, 150);
        let to = End::above(310, 150);
        let mut router = Router::new(page(), &scene, &[from, to]);
        let route = router
            .route((from, to), &[], &[], Mode::Best, (0, 300))
            .expect("a way over the wall");
        assert_eq!(route.first(), Some(&(90, 150)));
        assert_eq!(route.last(), Some(&(310, 150)));
        for pair in route.windows(2) {
            assert!(
                pair[0].0 == pair[1].0 || pair[0].1 == pair[1].1,
                "{route:?}"
            );
            for wall in &scene.obstacles[2..] {
                assert!(!wall.crossed_by(pair[0], pair[1]), "{route:?}");
            }
        }
        // Up, over the wall, and down: four corners between the ends.
        assert_eq!(route.len(), 4, "{route:?}");
        assert!(route[1].1 < 56, "{route:?}");
    }

    #[test]
    fn a_second_route_takes_its_own_track_and_crosses_only_where_it_must() {
        let scene = Scene::default();
        let first = (End::above(100, 200), End::above(300, 200));
        let mut router = Router::new(page(), &scene, &[first.0, first.1]);
        let one = router
            .route((first.0, first.1), &[], &[], Mode::Best, (0, 300))
            .ok()
            .unwrap();
        let mut scene = Scene::default();
        scene.line(&one);
        // A second route between the same two places runs beside the first, not on it.
        let second = (End::above(110, 200), End::above(290, 200));
        let mut router = Router::new(page(), &scene, &[second.0, second.1]);
        let two = router
            .route((second.0, second.1), &[], &[], Mode::Best, (0, 300))
            .ok()
            .unwrap();
        let level = |r: &[Point]| r.iter().map(|p| p.1).min().unwrap();
        assert!((level(&one) - level(&two)).abs() >= NEAR, "{one:?} {two:?}");
        // A route from inside the first loop to outside it must cross it once.
        let third = (End::above(200, 200), End::above(380, 200));
        let mut scene = Scene::default();
        scene.line(&one);
        let mut router = Router::new(page(), &scene, &[third.0, third.1]);
        let three = router
            .route((third.0, third.1), &[], &[], Mode::Best, (0, 300))
            .ok()
            .unwrap();
        let crossings: usize = three
            .windows(2)
            .map(|p| {
                one.windows(2)
                    .filter(|q| {
                        let r = Rect {
                            left: q[0].0.min(q[1].0),
                            top: q[0].1.min(q[1].1),
                            right: q[0].0.max(q[1].0),
                            bottom: q[0].1.max(q[1].1),
                        };
                        r.inflate(1).crossed_by(p[0], p[1])
                    })
                    .count()
            })
            .sum();
        assert_eq!(crossings, 1, "{one:?} {three:?}");
    }

    #[test]
    fn no_route_where_the_way_is_shut() {
        let mut scene = Scene::default();
        scene.block(Rect::new(0, 0, 400, 100));
        scene.block(Rect::new(0, 100, 100, 200));
        scene.block(Rect::new(200, 100, 200, 200));
        scene.block(Rect::new(100, 180, 100, 120));
        let from = End::above(150, 180);
        let to = End::above(300, 300);
        let mut router = Router::new(page(), &scene, &[from, to]);
        assert_eq!(
            router.route((from, to), &[], &[], Mode::Best, (0, 300)),
            Err(NoRoute::Shut)
        );
    }
}
