//! PDF from the SVG, for a plotter or a print shop: one page, vector paths throughout.
//!
//! The SVG is read by the same usvg (with the same bundled DejaVu Sans) as the PNG, and its tree
//! is written with `pdf-writer`. Text goes in as the glyphs' outlines, exactly as the PNG draws
//! it: nothing depends on the fonts of the machine that prints it. (svg2pdf, the usual crate,
//! pins an older usvg than our resvg, which would put two SVG stacks in the build.)
//!
//! What the map draws is covered: groups with transforms and opacity, filled and stroked paths
//! (colour, opacity, dashes, caps, joins, paint order) and pattern fills. Gradients are drawn in
//! the mean of their stops' colours; images, clip paths, masks and filters are not drawn (the
//! map uses none).

use std::io::Write as _;

use pdf_writer::types::{LineCapStyle, LineJoinStyle, PaintType, TilingType};
use pdf_writer::{Content, Filter, Name, Pdf, Rect, Ref, TextStr};
use resvg::tiny_skia::{PathSegment, Transform};
use resvg::usvg;

#[cfg(doc)]
use crate::paper::MIN_TEXT_MM;
use crate::paper::{Fit, Paper, PaperError, Picture};

/// Points (1/72 inch) in a millimetre.
const PT_PER_MM: f64 = 72.0 / 25.4;
/// The longest side of a page, in its units, that PDF readers take (PDF 1.7, annex C): a larger
/// page counts in units of several points each (`/UserUnit`). A 400-step map is 16,910 pt tall.
const MAX_PAGE_UNITS: f64 = 14_400.0;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the SVG could not be read: {0}")]
    Svg(#[from] usvg::Error),
    #[error(transparent)]
    Paper(#[from] PaperError),
}

/// The page a PDF is drawn on.
#[derive(Clone, Copy, Debug)]
pub struct Page {
    /// Width and height in points.
    pub width: f64,
    pub height: f64,
    /// Points per unit of the picture.
    pub scale: f64,
    /// Where the picture's top left corner goes, in points from the page's top left.
    pub left: f64,
    pub top: f64,
}

impl Page {
    /// The sheet `fit` describes, the picture in its middle.
    pub fn on_sheet(fit: &Fit) -> Page {
        let (width, height) = fit.paper.size_mm();
        Page {
            width: width * PT_PER_MM,
            height: height * PT_PER_MM,
            scale: fit.scale * PT_PER_MM,
            left: (width - fit.width_mm) / 2.0 * PT_PER_MM,
            top: (height - fit.height_mm) / 2.0 * PT_PER_MM,
        }
    }

    /// A page of the picture's own size, at which its smallest text is [`MIN_TEXT_MM`].
    pub fn natural(picture: Picture) -> Page {
        let scale = crate::paper::natural_scale(picture) * PT_PER_MM;
        Page {
            width: picture.width * scale,
            height: picture.height * scale,
            scale,
            left: 0.0,
            top: 0.0,
        }
    }
}

/// The SVG as a one-page PDF: on `paper` (scaled to fill it, text at least [`MIN_TEXT_MM`]), or
/// without, on a page of the map's own size with its smallest text at [`MIN_TEXT_MM`].
pub fn svg_to_pdf(svg: &str, paper: Option<Paper>, title: &str) -> Result<Vec<u8>, PdfError> {
    let picture = Picture::of_svg(svg).ok_or(PaperError::NotAPicture)?;
    let page = match paper {
        Some(paper) => Page::on_sheet(&crate::paper::fit(paper, svg)?),
        None => Page::natural(picture),
    };
    let tree = usvg::Tree::from_str(svg, crate::png::options())?;
    Ok(write(&tree, page, title))
}

/// Ids of the PDF's objects, handed out in order.
struct Ids(i32);

impl Ids {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// A pattern fill met while drawing: its content and where it sits on the page.
struct PatternFill {
    id: Ref,
    content: Vec<u8>,
    bbox: Rect,
    matrix: [f32; 6],
}

/// What the content streams refer to by name: graphics states for opacity, pattern fills.
struct Resources {
    ids: Ids,
    /// (fill alpha, stroke alpha) per graphics state `/G0`, `/G1`...
    alphas: Vec<(f32, f32)>,
    patterns: Vec<PatternFill>,
}

impl Resources {
    /// The name of the graphics state with these alphas.
    fn alpha(&mut self, fill: f32, stroke: f32) -> String {
        let index = self
            .alphas
            .iter()
            .position(|&a| a == (fill, stroke))
            .unwrap_or_else(|| {
                self.alphas.push((fill, stroke));
                self.alphas.len() - 1
            });
        format!("G{index}")
    }
}

fn write(tree: &usvg::Tree, page: Page, title: &str) -> Vec<u8> {
    let mut ids = Ids(0);
    let (catalog, pages, page_id, content_id, info) =
        (ids.next(), ids.next(), ids.next(), ids.next(), ids.next());
    let mut resources = Resources {
        ids,
        alphas: Vec::new(),
        patterns: Vec::new(),
    };
    // Points per unit of the page: 1 unless a side is too long to count in points.
    let unit = (page.width.max(page.height) / MAX_PAGE_UNITS)
        .ceil()
        .max(1.0);
    // PDF's y runs up from the bottom; the picture's runs down from the top.
    let base = Transform::from_row(
        (page.scale / unit) as f32,
        0.0,
        0.0,
        -(page.scale / unit) as f32,
        (page.left / unit) as f32,
        ((page.height - page.top) / unit) as f32,
    );
    let mut content = Content::new();
    content.save_state();
    content.transform(matrix(base));
    draw_group(tree.root(), base, 1.0, &mut content, &mut resources);
    content.restore_state();
    let content = content.finish();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(pages);
    pdf.pages(pages).kids([page_id]).count(1);
    let states: Vec<(String, Ref)> = (0..resources.alphas.len())
        .map(|i| (format!("G{i}"), resources.ids.next()))
        .collect();
    {
        let mut page_writer = pdf.page(page_id);
        page_writer
            .media_box(Rect::new(
                0.0,
                0.0,
                (page.width / unit) as f32,
                (page.height / unit) as f32,
            ))
            .parent(pages)
            .contents(content_id);
        if unit > 1.0 {
            page_writer.user_unit(unit as f32);
        }
        name_resources(
            page_writer.resources(),
            &states,
            &resources.patterns.iter().map(|p| p.id).collect::<Vec<_>>(),
        );
    }
    pdf.stream(content_id, &deflate(&content))
        .filter(Filter::FlateDecode);
    for ((name, id), (fill, stroke)) in states.iter().zip(&resources.alphas) {
        let _ = name;
        pdf.ext_graphics(*id)
            .non_stroking_alpha(*fill)
            .stroking_alpha(*stroke);
    }
    for pattern in &resources.patterns {
        let data = deflate(&pattern.content);
        let mut tiling = pdf.tiling_pattern(pattern.id, &data);
        tiling.filter(Filter::FlateDecode);
        tiling
            .paint_type(PaintType::Colored)
            .tiling_type(TilingType::ConstantSpacing)
            .bbox(pattern.bbox)
            .x_step(pattern.bbox.x2 - pattern.bbox.x1)
            .y_step(pattern.bbox.y2 - pattern.bbox.y1)
            .matrix(pattern.matrix);
        // A pattern's content uses the same graphics states as the page.
        name_resources(tiling.resources(), &states, &[]);
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .creator(TextStr(concat!("vsm ", env!("CARGO_PKG_VERSION"))));
    pdf.finish()
}

/// Names the graphics states `/G0`... and the patterns `/P0`... in a resource dictionary.
fn name_resources(
    mut resources: pdf_writer::writers::Resources<'_>,
    states: &[(String, Ref)],
    patterns: &[Ref],
) {
    if !states.is_empty() {
        let mut dict = resources.ext_g_states();
        for (name, id) in states {
            dict.pair(Name(name.as_bytes()), *id);
        }
    }
    if !patterns.is_empty() {
        let mut dict = resources.patterns();
        for (index, id) in patterns.iter().enumerate() {
            dict.pair(Name(format!("P{index}").as_bytes()), *id);
        }
    }
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(data)
        .expect("writing to memory cannot fail");
    encoder.finish().expect("writing to memory cannot fail")
}

fn matrix(t: Transform) -> [f32; 6] {
    [t.sx, t.ky, t.kx, t.sy, t.tx, t.ty]
}

/// Draws a group's children; `to_page` maps the group's parent's units to the page (for
/// patterns, which PDF places in page space), `alpha` is the product of the groups' opacities.
fn draw_group(
    group: &usvg::Group,
    to_page: Transform,
    alpha: f32,
    content: &mut Content,
    resources: &mut Resources,
) {
    let transform = group.transform();
    let to_page = to_page.pre_concat(transform);
    let alpha = alpha * group.opacity().get();
    content.save_state();
    if !transform.is_identity() {
        content.transform(matrix(transform));
    }
    for node in group.children() {
        match node {
            usvg::Node::Group(child) => draw_group(child, to_page, alpha, content, resources),
            usvg::Node::Path(path) => draw_path(path, to_page, alpha, content, resources),
            usvg::Node::Text(text) => {
                draw_group(text.flattened(), to_page, alpha, content, resources);
            }
            usvg::Node::Image(_) => {}
        }
    }
    content.restore_state();
}

fn draw_path(
    path: &usvg::Path,
    to_page: Transform,
    alpha: f32,
    content: &mut Content,
    resources: &mut Resources,
) {
    if !path.is_visible() {
        return;
    }
    let fill = |content: &mut Content, resources: &mut Resources| {
        let Some(fill) = path.fill() else { return };
        let bounds = path.data().bounds();
        // A line has nothing to fill.
        if bounds.width() == 0.0 || bounds.height() == 0.0 {
            return;
        }
        content.save_state();
        let state = resources.alpha(alpha * fill.opacity().get(), 1.0);
        content.set_parameters(Name(state.as_bytes()));
        set_paint(fill.paint(), true, to_page, content, resources);
        trace(path.data(), content);
        match fill.rule() {
            usvg::FillRule::NonZero => content.fill_nonzero(),
            usvg::FillRule::EvenOdd => content.fill_even_odd(),
        };
        content.restore_state();
    };
    let stroke = |content: &mut Content, resources: &mut Resources| {
        let Some(stroke) = path.stroke() else { return };
        content.save_state();
        let state = resources.alpha(1.0, alpha * stroke.opacity().get());
        content.set_parameters(Name(state.as_bytes()));
        set_paint(stroke.paint(), false, to_page, content, resources);
        content.set_line_width(stroke.width().get());
        content.set_line_cap(match stroke.linecap() {
            usvg::LineCap::Butt => LineCapStyle::ButtCap,
            usvg::LineCap::Round => LineCapStyle::RoundCap,
            usvg::LineCap::Square => LineCapStyle::ProjectingSquareCap,
        });
        content.set_line_join(match stroke.linejoin() {
            usvg::LineJoin::Miter | usvg::LineJoin::MiterClip => LineJoinStyle::MiterJoin,
            usvg::LineJoin::Round => LineJoinStyle::RoundJoin,
            usvg::LineJoin::Bevel => LineJoinStyle::BevelJoin,
        });
        content.set_miter_limit(stroke.miterlimit().get());
        if let Some(dashes) = stroke.dasharray() {
            content.set_dash_pattern(dashes.iter().copied(), stroke.dashoffset());
        }
        trace(path.data(), content);
        content.stroke();
        content.restore_state();
    };
    match path.paint_order() {
        usvg::PaintOrder::FillAndStroke => {
            fill(content, resources);
            stroke(content, resources);
        }
        usvg::PaintOrder::StrokeAndFill => {
            stroke(content, resources);
            fill(content, resources);
        }
    }
}

/// Sets the fill (or stroke) paint: a colour, or a pattern placed on the page.
fn set_paint(
    paint: &usvg::Paint,
    fill: bool,
    to_page: Transform,
    content: &mut Content,
    resources: &mut Resources,
) {
    let rgb = |c: usvg::Color| {
        (
            f32::from(c.red) / 255.0,
            f32::from(c.green) / 255.0,
            f32::from(c.blue) / 255.0,
        )
    };
    let mean = |stops: &[usvg::Stop]| {
        let n = stops.len().max(1) as f32;
        stops.iter().fold((0.0, 0.0, 0.0), |(r, g, b), stop| {
            let (sr, sg, sb) = rgb(stop.color());
            (r + sr / n, g + sg / n, b + sb / n)
        })
    };
    let (r, g, b) = match paint {
        usvg::Paint::Color(color) => rgb(*color),
        usvg::Paint::LinearGradient(gradient) => mean(gradient.stops()),
        usvg::Paint::RadialGradient(gradient) => mean(gradient.stops()),
        usvg::Paint::Pattern(pattern) => {
            let name = pattern_fill(pattern, to_page, resources);
            let name = Name(name.as_bytes());
            if fill {
                content.set_fill_color_space(pdf_writer::types::ColorSpaceOperand::Pattern);
                content.set_fill_pattern(None, name);
            } else {
                content.set_stroke_color_space(pdf_writer::types::ColorSpaceOperand::Pattern);
                content.set_stroke_pattern(None, name);
            }
            return;
        }
    };
    if fill {
        content.set_fill_rgb(r, g, b);
    } else {
        content.set_stroke_rgb(r, g, b);
    }
}

/// A pattern's tile as a PDF tiling pattern; its name.
fn pattern_fill(pattern: &usvg::Pattern, to_page: Transform, resources: &mut Resources) -> String {
    let rect = pattern.rect();
    let mut content = Content::new();
    draw_group(
        pattern.root(),
        Transform::identity(),
        1.0,
        &mut content,
        resources,
    );
    let index = resources.patterns.len();
    let id = resources.ids.next();
    resources.patterns.push(PatternFill {
        id,
        content: content.finish().to_vec(),
        bbox: Rect::new(rect.x(), rect.y(), rect.right(), rect.bottom()),
        matrix: matrix(to_page.pre_concat(pattern.transform())),
    });
    format!("P{index}")
}

/// The path's outline as PDF path operators.
fn trace(data: &usvg::tiny_skia_path::Path, content: &mut Content) {
    let mut last = (0.0, 0.0);
    for segment in data.segments() {
        match segment {
            PathSegment::MoveTo(p) => {
                content.move_to(p.x, p.y);
                last = (p.x, p.y);
            }
            PathSegment::LineTo(p) => {
                content.line_to(p.x, p.y);
                last = (p.x, p.y);
            }
            // PDF has no quadratic curves: the same curve as a cubic one.
            PathSegment::QuadTo(c, p) => {
                let (x0, y0) = last;
                content.cubic_to(
                    x0 + 2.0 / 3.0 * (c.x - x0),
                    y0 + 2.0 / 3.0 * (c.y - y0),
                    p.x + 2.0 / 3.0 * (c.x - p.x),
                    p.y + 2.0 / 3.0 * (c.y - p.y),
                    p.x,
                    p.y,
                );
                last = (p.x, p.y);
            }
            PathSegment::CubicTo(c1, c2, p) => {
                content.cubic_to(c1.x, c1.y, c2.x, c2.y, p.x, p.y);
                last = (p.x, p.y);
            }
            PathSegment::Close => {
                content.close_path();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"200\" viewBox=\"0 0 400 200\"><style>text { font-size: 12px; font-family: 'DejaVu Sans'; }</style><rect x=\"10\" y=\"10\" width=\"100\" height=\"50\" fill=\"#fdecea\" stroke=\"#c62828\" stroke-dasharray=\"5 3\" opacity=\"0.5\"/><text x=\"20\" y=\"40\">Review</text></svg>";

    #[test]
    fn a_page_of_the_maps_own_size_prints_its_text_at_3_mm() {
        let pdf = svg_to_pdf(SVG, None, "A map").unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        // 12 units of text at 3 mm: 0.25 mm a unit, 400 units are 100 mm, 283.46 pt.
        assert!(text.contains("/MediaBox [0 0 283.46"), "{text}");
        assert_eq!(
            text.matches("/Type /Page\n").count() + text.matches("/Type /Page ").count(),
            1,
            "{text}"
        );
        // The opacity as a graphics state, the text as outlines (no font).
        assert!(text.contains("/ca 0.5"), "{text}");
        assert!(!text.contains("/Font"), "{text}");
    }

    #[test]
    fn a_sheet_holds_the_map_in_its_middle_or_says_which_sheet_does() {
        let pdf = svg_to_pdf(SVG, Some(Paper::A3), "A map").unwrap();
        let text = String::from_utf8_lossy(&pdf);
        // A3 landscape: 420 x 297 mm.
        assert!(
            text.contains("/MediaBox [0 0 1190.5511 841.8898]"),
            "{text}"
        );
        let tiny = SVG.replace("font-size: 12px", "font-size: 2px");
        let error = svg_to_pdf(&tiny, Some(Paper::Letter), "A map").unwrap_err();
        assert!(error.to_string().contains("use `--paper a1`"), "{error}");
    }
}
