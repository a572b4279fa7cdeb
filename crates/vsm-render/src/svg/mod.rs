//! The map as an SVG picture in the classic value stream notation.
//!
//! Trigger at the left and customer at the right of the header, outside systems between them;
//! one process box per step with its data box below; queue triangles with the wait before each
//! box; push arrows; information flows as straight (manual) or zig-zag (electronic) lines; rework
//! as return arrows; the timeline ladder under each band of steps; the summary box at the end.
//! Coordinates are whole pixels and the output is built in a fixed order, so the same map always
//! gives the same bytes.

mod arrows;
mod boxes;
mod ends;
mod flows;
mod header;
mod ladder;
mod layout;
mod marks;
mod route;
mod summary;
pub mod text;
mod wires;

use layout::{HEADER_BOX_H, HEADER_BOX_W, HEADER_TOP, Layout, MARGIN, Room};
use route::{Point, Rect, Scene};
use vsm_core::analysis::Analysis;
use vsm_core::measure::StepProvenance;
use vsm_core::model::ValueStream;

const SYSTEM_W: i64 = 136;
const SYSTEM_H: i64 = 44;
const NAME_FONT: i64 = 13;
const SMALL_FONT: i64 = 11;
/// How many times the picture is laid out again with more room for its routed lines before
/// it is drawn as well as it can be.
const ATTEMPTS: usize = 10;

/// The stylesheet inside every SVG; the HTML report adds dark-mode overrides for these classes.
pub const STYLE: &str = "
.vsm-map text { font-family: 'DejaVu Sans', Verdana, 'Noto Sans', Arial, sans-serif; fill: #1d1d1f; font-size: 11px; }
.vsm-map .vsm-bg { fill: #ffffff; }
.vsm-map .vsm-title { font-size: 20px; font-weight: bold; }
.vsm-map .vsm-subtitle { font-size: 12px; fill: #4a4a4f; }
.vsm-map .vsm-box { fill: #ffffff; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-automated { fill: #eef5fc; }
.vsm-map .vsm-bottleneck { fill: #fdecea; stroke: #c62828; stroke-width: 3; }
.vsm-map .vsm-data { fill: #fafafa; stroke: #8a8a90; stroke-width: 1; }
.vsm-map .vsm-name { font-size: 13px; font-weight: bold; }
.vsm-map .vsm-muted { fill: #5f5f66; }
.vsm-map .vsm-value { font-weight: bold; }
.vsm-map .vsm-line { fill: none; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-push { fill: none; stroke: #2b2b30; stroke-width: 7; stroke-linejoin: miter; }
.vsm-map .vsm-push-stripe { fill: none; stroke: #ffffff; stroke-width: 3; stroke-dasharray: 4 4; stroke-linejoin: miter; }
.vsm-map .vsm-info { fill: none; stroke: #1f5fa8; stroke-width: 1.5; }
.vsm-map .vsm-info-manual { fill: none; stroke: #1f5fa8; stroke-width: 1.5; stroke-dasharray: 6 4; }
.vsm-map .vsm-info-label { fill: #1f5fa8; }
.vsm-map .vsm-rework { fill: none; stroke: #b3261e; stroke-width: 1.5; stroke-dasharray: 5 3; }
.vsm-map .vsm-rework-label { fill: #b3261e; font-weight: bold; }
.vsm-map .vsm-queue { fill: #fff4d6; stroke: #8a6d00; stroke-width: 1.5; }
.vsm-map .vsm-fifo { fill: none; stroke: #8a6d00; stroke-width: 1.5; }
.vsm-map .vsm-supermarket { fill: none; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-pull { fill: none; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-fifo-text { fill: #6b5500; font-weight: bold; font-size: 10px; }
.vsm-map .vsm-ladder { fill: none; stroke: #2b2b30; stroke-width: 2; }
.vsm-map .vsm-ladder-skip { fill: none; stroke: #9a9aa0; stroke-width: 1; stroke-dasharray: 3 3; }
.vsm-map .vsm-ladder-end { fill: #ffffff; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-arrowhead { fill: #2b2b30; }
.vsm-map .vsm-arrowhead-info { fill: #1f5fa8; }
.vsm-map .vsm-arrowhead-rework { fill: #b3261e; }
.vsm-map .vsm-bottleneck-medium { fill: #fff3e0; stroke: #e08600; stroke-width: 2; }
.vsm-map .vsm-kaizen { fill: #ffd600; stroke: #b58900; stroke-width: 1.2; }
.vsm-map .vsm-badge { fill: #c62828; }
.vsm-map .vsm-badge-medium { fill: #e08600; }
.vsm-map .vsm-badge-low { fill: #8a8a90; }
.vsm-map .vsm-badge-text { fill: #ffffff; font-weight: bold; font-size: 11px; }
.vsm-map .vsm-header { fill: #ffffff; stroke: #2b2b30; stroke-width: 1.5; }
.vsm-map .vsm-system { fill: #f4f4f6; stroke: #5f5f66; stroke-width: 1.2; }
.vsm-map .vsm-summary { fill: #f4f8f4; stroke: #2e7d32; stroke-width: 2; }
.vsm-map .vsm-halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
.vsm-map .vsm-measured { fill: #00695c; }
.vsm-map .vsm-mark-measured { fill: #00897b; stroke: #00695c; stroke-width: 1; }
.vsm-map .vsm-mark-mixed { fill: #ffffff; stroke: #00695c; stroke-width: 1.5; }
.vsm-map .vsm-mark-designed { fill: #ffffff; stroke: #6a1b9a; stroke-width: 1.5; }
";

/// Renders the map as a standalone SVG document.
pub fn render(stream: &ValueStream, analysis: &Analysis) -> String {
    render_marked(stream, analysis, None)
}

/// Renders the map with each step's numbers marked by where they came from (measured from the
/// log, or part measured), and a legend for the marks.
pub fn render_marked(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: Option<&[StepProvenance]>,
) -> String {
    stream.told(|| {
        let mut room = Room::default();
        // The drawing with its legend explaining its marks, and the fewest lines and labels
        // short of room: whether its legend lacks the junction dot, and how many.
        let mut best: Option<((bool, usize), String)> = None;
        for _ in 0..ATTEMPTS {
            let drawing = Drawing::new(stream, analysis, provenance, &room);
            let (svg, wired) = drawing.finish();
            let score = (wired.room.junction != room.junction, wired.short);
            if score == (false, 0) {
                return svg;
            }
            if best.as_ref().is_some_and(|(best, _)| score >= *best) {
                // More room did not help: another attempt would not either.
                break;
            }
            best = Some((score, svg));
            room = wired.room;
        }
        best.map(|(_, svg)| svg).unwrap_or_default()
    })
}

/// The least size of the map's picture, width and height: its layout before any routed line
/// asks for more room, known before anything is drawn.
pub fn least_size(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: Option<&[StepProvenance]>,
) -> (i64, i64) {
    stream.told(|| {
        let drawing = Drawing::new(stream, analysis, provenance, &Room::default());
        (drawing.layout.width, drawing.layout.height)
    })
}

struct HeaderNode {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
}

impl HeaderNode {
    fn rect(&self) -> Rect {
        Rect::new(self.x, self.y, self.w, self.h)
    }
}

struct Drawing<'a> {
    stream: &'a ValueStream,
    analysis: &'a Analysis,
    /// Where each step's numbers came from, for a measured map.
    provenance: Option<&'a [StepProvenance]>,
    layout: Layout,
    room: Room,
    out: String,
    trigger: HeaderNode,
    customer: HeaderNode,
    systems: Vec<HeaderNode>,
    /// What is drawn so far, for the routed lines to go around.
    scene: Scene,
    /// Per step: the push arrows drawn into it, which arrows routed to it may join.
    pushes_into: Vec<Vec<Vec<Point>>>,
}

fn header_width(system_count: usize) -> i64 {
    2 * MARGIN + 2 * HEADER_BOX_W + system_count as i64 * (SYSTEM_W + 24) + 48
}

impl<'a> Drawing<'a> {
    fn new(
        stream: &'a ValueStream,
        analysis: &'a Analysis,
        provenance: Option<&'a [StepProvenance]>,
        room: &Room,
    ) -> Self {
        let data_rows = stream
            .steps
            .iter()
            .map(|step| layout::DATA_ROWS + boxes::extra_rows(step).len() as i64)
            .max()
            .unwrap_or(layout::DATA_ROWS);
        let legend_w = summary::legend_width(stream, analysis, provenance, room.junction);
        let layout = Layout::new(
            stream,
            analysis,
            header_width(stream.systems.len()),
            data_rows,
            legend_w,
            room,
        );
        let trigger = HeaderNode {
            x: MARGIN,
            y: HEADER_TOP,
            w: HEADER_BOX_W,
            h: HEADER_BOX_H,
        };
        let customer = HeaderNode {
            x: layout.width - MARGIN - HEADER_BOX_W,
            y: HEADER_TOP,
            w: HEADER_BOX_W,
            h: HEADER_BOX_H,
        };
        // Systems spread evenly between the trigger and the customer.
        let left = trigger.x + trigger.w;
        let room_between = customer.x - left;
        let count = stream.systems.len() as i64;
        let systems = (0..count)
            .map(|i| HeaderNode {
                x: left + room_between * (2 * i + 1) / (2 * count) - SYSTEM_W / 2,
                y: HEADER_TOP + (HEADER_BOX_H - SYSTEM_H) / 2,
                w: SYSTEM_W,
                h: SYSTEM_H,
            })
            .collect();
        Drawing {
            stream,
            analysis,
            provenance,
            layout,
            room: room.clone(),
            out: String::with_capacity(64 * 1024),
            trigger,
            customer,
            systems,
            scene: Scene::default(),
            pushes_into: vec![Vec::new(); stream.steps.len()],
        }
    }

    /// The page's rectangle.
    fn page(&self) -> Rect {
        Rect::new(0, 0, self.layout.width, self.layout.height)
    }

    /// Draws the map, with what more room its routed lines and their labels would need.
    fn finish(mut self) -> (String, wires::Wired) {
        self.document_start();
        self.header();
        let wires_at = self.out.len();
        for step in 0..self.stream.steps.len() {
            self.push_arrows(step);
        }
        for step in 0..self.stream.steps.len() {
            self.step(step);
        }
        self.rework();
        self.ladder();
        self.summary();
        self.tolls();
        let mut wired = self.wires();
        self.out
            .insert_str(wires_at, &std::mem::take(&mut wired.svg));
        self.out.push_str("</svg>\n");
        (self.out, wired)
    }

    /// Under each row of boxes, down to its ladder: lines may run there, at a price, so that
    /// they keep to the gaps between bands where they can.
    fn tolls(&mut self) {
        let under = self.layout.process_h + self.layout.data_h;
        for band in &self.layout.bands {
            for (lane, &top) in band.lane_tops.iter().enumerate() {
                let bottom = band
                    .lane_tops
                    .get(lane + 1)
                    .copied()
                    .unwrap_or(band.bottom());
                self.scene.tolls.push(Rect {
                    left: 0,
                    top: top + under,
                    right: self.layout.width,
                    bottom,
                });
            }
        }
    }

    /// Writes a text at a point and keeps its box clear of lines: `anchor` is `start`, `middle` or
    /// `end`; the font's size and whether it is bold; `attributes` the element's others.
    fn text(
        &mut self,
        (x, y): Point,
        anchor: &str,
        (font, bold): (i64, bool),
        attributes: &str,
        text: &str,
    ) {
        let anchor_attribute = if anchor == "start" {
            String::new()
        } else {
            format!(" text-anchor=\"{anchor}\"")
        };
        self.out.push_str(&format!(
            "<text {attributes} x=\"{x}\" y=\"{y}\"{anchor_attribute}>{}</text>",
            text::escape(text)
        ));
        self.scene.block(text_box(x, y, anchor, font, bold, text));
    }

    /// Writes a line (a path through `points`) and keeps it for the routed lines to respect.
    fn line(&mut self, class: &str, points: &[Point], marker: Option<&str>) {
        let marker = marker.map_or(String::new(), |m| format!(" marker-end=\"url(#{m})\""));
        self.out.push_str(&format!(
            "<path class=\"{class}\" d=\"{}\"{marker}/>",
            route::path(points)
        ));
        self.scene.line(points);
    }

    /// A push arrow through `points` into step `into`.
    fn push(&mut self, points: &[Point], into: usize) {
        self.out
            .push_str(&push_svg(points, true, !self.stream.steps[into].pull));
        self.out.push('\n');
        self.scene.wide_line(points);
        self.pushes_into[into].push(points.to_vec());
    }
}

/// A push arrow through `points`: a broad striped band, with a broad head unless it merges
/// into another arrow. Without `stripes`, the plain band of work that moves into a supermarket
/// (the step after it pulls).
fn push_svg(points: &[Point], head: bool, stripes: bool) -> String {
    let d = route::path(points);
    if !stripes {
        let marker = if head {
            " marker-end=\"url(#vsm-arrow-push)\""
        } else {
            ""
        };
        return format!("<path class=\"vsm-push vsm-to-supermarket\" d=\"{d}\"{marker}/>");
    }
    if !head {
        return format!(
            "<path class=\"vsm-push\" d=\"{d}\"/><path class=\"vsm-push-stripe\" d=\"{d}\"/>"
        );
    }
    let mut out =
        format!("<path class=\"vsm-push\" d=\"{d}\" marker-end=\"url(#vsm-arrow-push)\"/>");
    // The stripes stop short of the head.
    let stripes = route::shorten(points, 12);
    if stripes.len() >= 2 {
        out.push_str(&format!(
            "<path class=\"vsm-push-stripe\" d=\"{}\"/>",
            route::path(&stripes)
        ));
    }
    out
}

/// The box a text takes on the page, measured with the bundled font (see [`text::width_px`]).
fn text_box(x: i64, y: i64, anchor: &str, font: i64, bold: bool, content: &str) -> Rect {
    let width = text::width_px(content, font, bold);
    let left = match anchor {
        "middle" => x - width / 2,
        "end" => x - width,
        _ => x,
    };
    Rect {
        left,
        top: y - font,
        right: left + width,
        bottom: y + font / 4 + 1,
    }
}
