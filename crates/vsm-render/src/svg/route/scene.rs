//! The picture as the router sees it: rectangles that no line may cross (boxes, labels, marks),
//! the lines drawn so far, and where a label may go beside a line.

use std::cmp::Reverse;

/// A point on the page, in whole pixels.
pub type Point = (i64, i64);

/// An axis-aligned rectangle; `right` and `bottom` are exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rect {
    pub left: i64,
    pub top: i64,
    pub right: i64,
    pub bottom: i64,
}

impl Rect {
    pub fn new(x: i64, y: i64, width: i64, height: i64) -> Rect {
        Rect {
            left: x,
            top: y,
            right: x + width,
            bottom: y + height,
        }
    }

    pub fn inflate(self, by: i64) -> Rect {
        Rect {
            left: self.left - by,
            top: self.top - by,
            right: self.right + by,
            bottom: self.bottom + by,
        }
    }

    /// Whether the two share more than an edge.
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }

    fn holds(&self, (x, y): Point) -> bool {
        self.left <= x && x <= self.right && self.top <= y && y <= self.bottom
    }

    /// Whether the segment from `a` to `b` passes through the inside of the rectangle
    /// (Liang-Barsky clipping).
    pub fn crossed_by(&self, a: Point, b: Point) -> bool {
        let (dx, dy) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
        let edges = [
            (-dx, (a.0 - self.left) as f64),
            (dx, (self.right - a.0) as f64),
            (-dy, (a.1 - self.top) as f64),
            (dy, (self.bottom - a.1) as f64),
        ];
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        for (p, q) in edges {
            if p == 0.0 {
                if q <= 0.0 {
                    return false;
                }
                continue;
            }
            let t = q / p;
            if p < 0.0 {
                if t > t1 {
                    return false;
                }
                t0 = t0.max(t);
            } else {
                if t < t0 {
                    return false;
                }
                t1 = t1.min(t);
            }
        }
        t1 - t0 > 1e-9
    }
}

/// What the picture holds: boxes, labels and marks no line may cross, and the lines drawn.
#[derive(Debug, Default)]
pub struct Scene {
    pub obstacles: Vec<Rect>,
    pub lines: Vec<Vec<Point>>,
    /// Per line: whether it is broad (a push arrow), and wants more room beside it.
    pub wide: Vec<bool>,
    /// Places a line may run along at a price (under a row of boxes, by its ladder), so that
    /// lines keep to the gaps between rows where they can.
    pub tolls: Vec<Rect>,
}

/// The extra room a broad line wants on each side.
pub(super) const WIDE: i64 = 5;

impl Scene {
    pub fn block(&mut self, rect: Rect) {
        self.obstacles.push(rect);
    }

    pub fn line(&mut self, points: &[Point]) {
        self.lines.push(points.to_vec());
        self.wide.push(false);
    }

    pub fn wide_line(&mut self, points: &[Point]) {
        self.lines.push(points.to_vec());
        self.wide.push(true);
    }

    /// Whether a label may go at `rect`: on no box, label or mark, and under no line.
    pub fn is_free(&self, rect: Rect) -> bool {
        self.is_free_but(rect, None, 0)
    }

    /// Whether `rect` is clear of every obstacle, of line `own` (if any), and of every other
    /// line by `more` pixels besides.
    pub fn is_free_but(&self, rect: Rect, own: Option<usize>, more: i64) -> bool {
        !self.obstacles.iter().any(|o| o.overlaps(&rect))
            && !self
                .lines
                .iter()
                .zip(&self.wide)
                .enumerate()
                .any(|(n, (line, &wide))| {
                    let mut rect = if wide { rect.inflate(WIDE) } else { rect };
                    if Some(n) != own {
                        rect = rect.inflate(more);
                    }
                    line.windows(2).any(|pair| {
                        let (a, b) = (pair[0], pair[1]);
                        // Most pieces are far away: a cheap test first.
                        let apart = a.0.max(b.0) < rect.left
                            || a.0.min(b.0) > rect.right
                            || a.1.max(b.1) < rect.top
                            || a.1.min(b.1) > rect.bottom;
                        !apart && (rect.crossed_by(a, b) || rect.holds(a))
                    })
                })
    }
}

/// The corner points of a path given point by point: ends and bends only.
pub fn corners(points: &[Point]) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(points.len());
    for &p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let collinear = (a.0 == b.0 && b.0 == p.0) || (a.1 == b.1 && b.1 == p.1);
            if collinear {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// The path through `points` less its last `by` pixels (pieces are level or upright).
pub fn shorten(points: &[Point], by: i64) -> Vec<Point> {
    let mut out = points.to_vec();
    let mut left = by;
    while left > 0 && out.len() >= 2 {
        let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
        let length = (a.0 - b.0).abs() + (a.1 - b.1).abs();
        if length > left {
            let last = out.len() - 1;
            out[last] = (
                b.0 - (b.0 - a.0).signum() * left,
                b.1 - (b.1 - a.1).signum() * left,
            );
            return out;
        }
        out.pop();
        left -= length;
    }
    out
}

/// The length of the path through `points` (pieces are level or upright).
pub fn length(points: &[Point]) -> i64 {
    points
        .windows(2)
        .map(|p| (p[0].0 - p[1].0).abs() + (p[0].1 - p[1].1).abs())
        .sum()
}

/// The last `by` pixels of the path through `points`, from its end backwards.
pub fn last(points: &[Point], by: i64) -> Vec<Point> {
    let backwards: Vec<Point> = points.iter().rev().copied().collect();
    shorten(&backwards, (length(points) - by).max(0))
}

/// An SVG path through `points`.
pub fn path(points: &[Point]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        if i > 0 {
            d.push(' ');
        }
        d.push_str(&format!("{}{x},{y}", if i == 0 { 'M' } else { 'L' }));
    }
    d
}

/// Where a label of `width` × `height` goes beside `route`: by its longest free stretch, above
/// or below a level piece, or beside an upright one, clear of everything in `scene` and inside
/// `page`, and off every place in `avoid` (the ends of lines still to route). Returns the label's
/// box.
pub fn place_label(
    scene: &Scene,
    page: Rect,
    (route, own): (&[Point], Option<usize>),
    (width, height): (i64, i64),
    avoid: &[Rect],
) -> Option<Rect> {
    let mut pieces: Vec<(Point, Point)> = route.windows(2).map(|p| (p[0], p[1])).collect();
    // Level pieces first, longest first; the route's order breaks ties.
    pieces.sort_by_key(|(a, b)| {
        let level = a.1 == b.1;
        let length = (a.0 - b.0).abs() + (a.1 - b.1).abs();
        (!level, Reverse(length))
    });
    let fits = |rect: Rect| {
        rect.left >= page.left + 2
            && rect.right <= page.right - 2
            && rect.top >= page.top + 2
            && rect.bottom <= page.bottom - 2
            && scene.is_free_but(rect.inflate(2), own, 6)
            && !avoid.iter().any(|a| a.overlaps(&rect))
    };
    for (a, b) in pieces {
        let level = a.1 == b.1;
        let (low, high) = if level {
            (a.0.min(b.0), a.0.max(b.0))
        } else {
            (a.1.min(b.1), a.1.max(b.1))
        };
        let size = if level { width } else { height };
        // Slide along the piece from its middle outwards.
        let middle = i64::midpoint(low, high) - size / 2;
        let reach = (high - low) / 2 + size;
        let mut offsets = vec![0i64];
        for k in (4..=reach).step_by(4) {
            offsets.extend([k, -k]);
        }
        for offset in offsets {
            let along = middle + offset;
            // The label stays alongside the piece: at least half of it beside the line.
            if along + size / 2 < low || along + size / 2 > high {
                continue;
            }
            let candidates = if level {
                [
                    Rect::new(along, a.1 - 4 - height, width, height),
                    Rect::new(along, a.1 + 4, width, height),
                ]
            } else {
                [
                    Rect::new(a.0 + 5, along, width, height),
                    Rect::new(a.0 - 5 - width, along, width, height),
                ]
            };
            if let Some(rect) = candidates.into_iter().find(|&r| fits(r)) {
                return Some(rect);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Rect {
        Rect::new(0, 0, 400, 300)
    }

    #[test]
    fn a_label_goes_beside_its_line_where_nothing_else_is() {
        let mut scene = Scene::default();
        let route = vec![(20, 200), (20, 100), (300, 100), (300, 200)];
        scene.line(&route);
        // Something above the middle of the level piece.
        scene.block(Rect::new(120, 60, 80, 36));
        let label = place_label(&scene, page(), (&route, Some(0)), (60, 14), &[]).unwrap();
        assert!(scene.is_free(label), "{label:?}");
        assert!(label.bottom <= 100 || label.top >= 100, "{label:?}");
        assert!(label.left >= 20 && label.right <= 300, "{label:?}");
    }

    #[test]
    fn corners_drop_points_on_a_straight_run() {
        assert_eq!(
            corners(&[(0, 0), (0, 10), (0, 20), (10, 20), (20, 20), (20, 20)]),
            vec![(0, 0), (0, 20), (20, 20)]
        );
        assert_eq!(path(&[(0, 0), (0, 20)]), "M0,0 L0,20");
        assert_eq!(
            shorten(&[(0, 0), (0, 20), (30, 20)], 12),
            vec![(0, 0), (0, 20), (18, 20)]
        );
        assert_eq!(
            shorten(&[(0, 0), (0, 20), (5, 20)], 12),
            vec![(0, 0), (0, 13)]
        );
        assert_eq!(length(&[(0, 0), (0, 20), (30, 20)]), 50);
        assert_eq!(
            last(&[(0, 0), (0, 20), (30, 20)], 40),
            vec![(30, 20), (0, 20), (0, 10)]
        );
        assert_eq!(last(&[(0, 0), (0, 20)], 40), vec![(0, 20), (0, 0)]);
    }
}
