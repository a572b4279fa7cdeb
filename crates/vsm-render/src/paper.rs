//! The map on a sheet of paper: `--paper a3|a2|a1|letter` scales the map to fill the sheet in
//! landscape with no text smaller than [`MIN_TEXT_MM`], or says which sheet it needs.
//!
//! The picture's size and its smallest text are read from the SVG itself (its `width`, `height`
//! and every `font-size` it declares), so the promise holds whatever the map's layout draws.

use std::fmt;

/// The least size of any text on a printed map: read at arm's length on a wall.
pub const MIN_TEXT_MM: f64 = 3.0;
/// The white border kept round the map on every sheet (printers cannot print to the edge).
pub const MARGIN_MM: f64 = 10.0;
/// Millimetres in a CSS pixel (1/96 inch): the SVG's user unit when nothing scales it.
pub const MM_PER_PX: f64 = 25.4 / 96.0;

/// A sheet of paper, always used in landscape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Paper {
    Letter,
    A3,
    A2,
    A1,
}

impl Paper {
    /// Every sheet, from the smallest to the largest.
    pub const ALL: [Paper; 4] = [Paper::Letter, Paper::A3, Paper::A2, Paper::A1];

    /// The name `--paper` takes.
    pub fn name(self) -> &'static str {
        match self {
            Paper::Letter => "letter",
            Paper::A3 => "a3",
            Paper::A2 => "a2",
            Paper::A1 => "a1",
        }
    }

    /// The sheet named `name` (any case).
    pub fn from_name(name: &str) -> Option<Paper> {
        Paper::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// Width and height in millimetres, landscape.
    pub fn size_mm(self) -> (f64, f64) {
        match self {
            Paper::Letter => (279.4, 215.9),
            Paper::A3 => (420.0, 297.0),
            Paper::A2 => (594.0, 420.0),
            Paper::A1 => (841.0, 594.0),
        }
    }

    /// The room inside the margins, in millimetres.
    pub fn printable_mm(self) -> (f64, f64) {
        let (width, height) = self.size_mm();
        (width - 2.0 * MARGIN_MM, height - 2.0 * MARGIN_MM)
    }
}

impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Paper::Letter => "Letter",
            Paper::A3 => "A3",
            Paper::A2 => "A2",
            Paper::A1 => "A1",
        })
    }
}

/// A picture's size in its own units and the size of its smallest text, read from its SVG.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Picture {
    pub width: f64,
    pub height: f64,
    pub smallest_font: f64,
}

impl Picture {
    /// Reads the root element's `width` and `height` and the smallest `font-size` anywhere in
    /// the document (style sheet, `style` attributes or `font-size` attributes).
    pub fn of_svg(svg: &str) -> Option<Picture> {
        let root = root_tag(svg)?;
        let width = attribute(root, "width")?.parse().ok()?;
        let height = attribute(root, "height")?.parse().ok()?;
        Some(Picture {
            width,
            height,
            smallest_font: smallest_font(svg)?,
        })
    }
}

/// How a picture lies on a sheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    pub paper: Paper,
    /// The picture it fits.
    pub picture: Picture,
    /// Millimetres per unit of the picture.
    pub scale: f64,
    /// The printed size of the picture.
    pub width_mm: f64,
    pub height_mm: f64,
    /// The printed size of its smallest text.
    pub smallest_text_mm: f64,
}

impl Fit {
    /// The picture as large as the sheet's printable area allows, keeping its proportions.
    pub fn new(paper: Paper, picture: Picture) -> Fit {
        let (room_w, room_h) = paper.printable_mm();
        let scale = (room_w / picture.width).min(room_h / picture.height);
        Fit {
            paper,
            picture,
            scale,
            width_mm: picture.width * scale,
            height_mm: picture.height * scale,
            smallest_text_mm: picture.smallest_font * scale,
        }
    }

    /// Whether every text prints at [`MIN_TEXT_MM`] or more (to a thousandth of a millimetre).
    pub fn is_readable(&self) -> bool {
        self.smallest_text_mm >= MIN_TEXT_MM - 1e-3
    }
}

/// The smallest sheet on which `picture` prints with readable text, if any.
pub fn smallest_readable(picture: Picture) -> Option<Fit> {
    Paper::ALL
        .into_iter()
        .map(|paper| Fit::new(paper, picture))
        .find(Fit::is_readable)
}

/// Why a picture cannot go on the sheet asked for.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PaperError {
    #[error("{}", too_small(.fit, .picture))]
    TooSmall { fit: Fit, picture: Picture },
    #[error("the picture has no width, height or font size to scale by")]
    NotAPicture,
}

fn too_small(fit: &Fit, picture: &Picture) -> String {
    let (sheet_w, sheet_h) = fit.paper.size_mm();
    let said = format!(
        "the map does not fit on {} ({} x {} mm, landscape) with text of at least {} mm: it is {} x {} units, its smallest text is {} units, so the sheet prints it at {} mm",
        fit.paper,
        sheet_w,
        sheet_h,
        MIN_TEXT_MM,
        picture.width,
        picture.height,
        picture.smallest_font,
        shown_down(fit.smallest_text_mm)
    );
    match smallest_readable(*picture) {
        Some(larger) => format!(
            "{said}; use `--paper {}` (text at {} mm)",
            larger.paper.name(),
            vsm_core::format_number(larger.smallest_text_mm, 2)
        ),
        None => {
            let largest = Fit::new(Paper::A1, *picture);
            let (width, height) = natural_size_mm(*picture);
            let even = if fit.paper == Paper::A1 {
                String::new()
            } else {
                format!(
                    "; even A1 prints it at {} mm",
                    shown_down(largest.smallest_text_mm)
                )
            };
            format!(
                "{said}{even}. Leave out --paper for a PDF of the map's own size at {} mm text ({} x {} mm, for a plotter roll), or an SVG",
                MIN_TEXT_MM,
                vsm_core::format_number(width, 0),
                vsm_core::format_number(height, 0)
            )
        }
    }
}

/// Millimetres rounded down to a hundredth: a size under 3 mm never shows as 3.
fn shown_down(mm: f64) -> String {
    vsm_core::format_number((mm * 100.0).floor() / 100.0, 2)
}

/// The picture on `paper`, or why its text would come out too small.
pub fn fit(paper: Paper, svg: &str) -> Result<Fit, PaperError> {
    let picture = Picture::of_svg(svg).ok_or(PaperError::NotAPicture)?;
    let fit = Fit::new(paper, picture);
    if fit.is_readable() {
        Ok(fit)
    } else {
        Err(PaperError::TooSmall { fit, picture })
    }
}

/// The size, in millimetres, at which the picture's smallest text is [`MIN_TEXT_MM`]: a page
/// of the map's own size.
pub fn natural_size_mm(picture: Picture) -> (f64, f64) {
    let scale = natural_scale(picture);
    (picture.width * scale, picture.height * scale)
}

/// Millimetres per unit at which the smallest text is [`MIN_TEXT_MM`].
pub fn natural_scale(picture: Picture) -> f64 {
    MIN_TEXT_MM / picture.smallest_font
}

/// The SVG as a sheet: its root's `width` and `height` become the sheet's in millimetres and
/// its `viewBox` grows by the margins, so that the map is centred on the sheet at `fit.scale`.
pub fn on_sheet(svg: &str, fit: &Fit) -> String {
    let Some(root) = root_tag(svg) else {
        return svg.to_string();
    };
    let (sheet_w, sheet_h) = fit.paper.size_mm();
    let (Some(width), Some(height)) = (
        attribute(root, "width").and_then(|w| w.parse::<f64>().ok()),
        attribute(root, "height").and_then(|h| h.parse::<f64>().ok()),
    ) else {
        return svg.to_string();
    };
    // The sheet in the picture's units, the picture in its middle.
    let (view_w, view_h) = (sheet_w / fit.scale, sheet_h / fit.scale);
    let (left, top) = ((view_w - width) / 2.0, (view_h - height) / 2.0);
    let number = |n: f64| vsm_core::format_number(n, 2);
    let mut tag = root.to_string();
    for (name, value) in [
        ("width", format!("{sheet_w}mm")),
        ("height", format!("{sheet_h}mm")),
        (
            "viewBox",
            format!(
                "{} {} {} {}",
                number(-left),
                number(-top),
                number(view_w),
                number(view_h)
            ),
        ),
    ] {
        tag = set_attribute(&tag, name, &value);
    }
    let start = svg.find(root).expect("the root tag is in the document");
    format!("{}{tag}{}", &svg[..start], &svg[start + root.len()..])
}

/// The root `<svg ...>` start tag.
fn root_tag(svg: &str) -> Option<&str> {
    let start = svg.find("<svg")?;
    let end = start + svg[start..].find('>')? + 1;
    Some(&svg[start..end])
}

/// The value of `name="..."` in a start tag.
fn attribute<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = start + tag[start..].find('"')?;
    Some(&tag[start..end])
}

/// The tag with `name` set to `value` (added before the closing `>` when absent).
fn set_attribute(tag: &str, name: &str, value: &str) -> String {
    let needle = format!(" {name}=\"");
    match tag.find(&needle) {
        Some(at) => {
            let start = at + needle.len();
            let end = start + tag[start..].find('"').unwrap_or(0);
            format!("{}{value}{}", &tag[..start], &tag[end..])
        }
        None => {
            let close = tag.len() - 1;
            format!("{} {name}=\"{value}\"{}", &tag[..close], &tag[close..])
        }
    }
}

/// The smallest of every `font-size` the document uses: `font-size: 11px` in a style sheet rule
/// (counted when the rule's class is used in the document, or it names none) or a `style`
/// attribute, or `font-size="11"`.
fn smallest_font(svg: &str) -> Option<f64> {
    // The style sheets, and the document without them.
    let mut sheets = Vec::new();
    let mut body = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<style") {
        let end = rest[start..]
            .find("</style>")
            .map_or(rest.len(), |e| start + e);
        body.push_str(&rest[..start]);
        sheets.push(&rest[start..end]);
        rest = &rest[end..];
    }
    body.push_str(rest);
    let used = |class: &str| {
        body.split("class=\"").skip(1).any(|classes| {
            classes
                .split('"')
                .next()
                .is_some_and(|c| c.split(' ').any(|n| n == class))
        })
    };
    let in_sheets = sheets.iter().flat_map(|sheet| {
        font_sizes(sheet).into_iter().filter(|&(at, _)| {
            // The rule's selector, from the end of the rule before to its `{`; its last class.
            let open = sheet[..at].rfind('{').unwrap_or(0);
            let from = sheet[..open].rfind('}').map_or(0, |i| i + 1);
            let last = sheet[from..open].split_whitespace().last().unwrap_or("");
            match last.rsplit_once('.') {
                Some((_, class)) => used(class),
                None => true,
            }
        })
    });
    in_sheets
        .chain(attribute_sizes(&body))
        .map(|(_, size)| size)
        .filter(|size| *size > 0.0)
        .reduce(f64::min)
}

/// The font sizes set by the `style` and `font-size` attributes of `body`'s elements: never
/// by its text (names, titles, descriptions), which may say anything. Text cannot hold either
/// attribute, as its quotes are escaped.
fn attribute_sizes(body: &str) -> Vec<(usize, f64)> {
    let mut sizes = Vec::new();
    for attribute in [" style=\"", " font-size=\""] {
        for (start, _) in body.match_indices(attribute) {
            let value_at = start + attribute.len();
            let value = &body[value_at..];
            let value = &value[..value.find('"').unwrap_or(value.len())];
            if attribute == " style=\"" {
                sizes.extend(font_sizes(value));
            } else {
                sizes.extend(font_sizes(&format!("font-size={value}")));
            }
        }
    }
    sizes
}

/// Where `font-size` stands in `text`, and the size it gives.
fn font_sizes(text: &str) -> Vec<(usize, f64)> {
    let mut sizes = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find("font-size") {
        let start = at + found;
        at = start + "font-size".len();
        let value = text[at..].trim_start_matches([' ', ':', '=', '"', '\'']);
        let digits = value
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(value.len());
        if let Ok(size) = value[..digits].parse::<f64>() {
            sizes.push((start, size));
        }
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vsm-map\" width=\"1330\" height=\"1099\" viewBox=\"0 0 1330 1099\"><style>text { font-size: 11px; } .t { font-size: 20px }</style><text style=\"font-size:10px\">I</text><text font-size=\"13\">x</text></svg>";

    #[test]
    fn a_picture_is_read_from_its_svg() {
        assert_eq!(
            Picture::of_svg(SVG),
            Some(Picture {
                width: 1330.0,
                height: 1099.0,
                smallest_font: 10.0
            })
        );
        assert_eq!(Picture::of_svg("<svg width=\"10\">"), None);
        // A rule for a class the document does not use sizes nothing.
        let unused = SVG.replace(
            ".t { font-size: 20px }",
            ".t { font-size: 20px } .fifo { font-size: 9px }",
        );
        assert_eq!(
            Picture::of_svg(&unused).map(|p| p.smallest_font as u32),
            Some(10)
        );
        let used = unused.replace(
            "<text font-size=\"13\">",
            "<text class=\"big fifo\" font-size=\"13\">",
        );
        assert_eq!(
            Picture::of_svg(&used).map(|p| p.smallest_font as u32),
            Some(9)
        );
    }

    #[test]
    fn text_that_talks_of_font_sizes_sizes_nothing() {
        // A step named "font-size: 0.01" made a 252 m page.
        let named = SVG.replace(
            "<text font-size=\"13\">x</text>",
            "<text font-size=\"13\">font-size: 0.01</text><title>font-size=0.5</title><desc>a font-size:1px</desc>",
        );
        assert_eq!(
            Picture::of_svg(&named).map(|p| p.smallest_font as u32),
            Some(10)
        );
    }

    #[test]
    fn a_sheet_fits_or_names_the_sheet_that_does() {
        // 1330 x 1099 on A3's 400 x 277 mm: the height limits, 0.252 mm a unit, 10 units of
        // text at 2.52 mm.
        let error = fit(Paper::A3, SVG).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("at 2.52 mm"), "{message}");
        assert!(
            message.contains("use `--paper a2` (text at 3.64 mm)"),
            "{message}"
        );
        let a2 = fit(Paper::A2, SVG).unwrap();
        assert!((a2.height_mm - 400.0).abs() < 1e-9, "{a2:?}");
        assert!(a2.width_mm < 574.0);
        // Too large for any sheet: the way out is a page of its own size.
        let huge = SVG.replace("width=\"1330\"", "width=\"9000\"");
        let message = fit(Paper::A1, &huge).unwrap_err().to_string();
        assert!(message.contains("so the sheet prints it at 0.91 mm. Leave out --paper for a PDF of the map's own size at 3 mm text (2700 x 330 mm, for a plotter roll)"), "{message}");
        let message = fit(Paper::A3, &huge).unwrap_err().to_string();
        assert!(
            message.contains("at 0.44 mm; even A1 prints it at 0.91 mm. Leave out"),
            "{message}"
        );
        assert_eq!(Paper::from_name("A3"), Some(Paper::A3));
        assert_eq!(Paper::from_name("a4"), None);
    }

    #[test]
    fn on_a_sheet_the_map_is_centred_at_its_scale() {
        let a2 = fit(Paper::A2, SVG).unwrap();
        let sheet = on_sheet(SVG, &a2);
        let root = root_tag(&sheet).unwrap();
        assert_eq!(attribute(root, "width"), Some("594mm"));
        assert_eq!(attribute(root, "height"), Some("420mm"));
        // 594 mm at 0.364 mm a unit is 1632.14 units, the map's 1330 in the middle.
        let view: Vec<f64> = attribute(root, "viewBox")
            .unwrap()
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        assert!((view[2] - 594.0 / a2.scale).abs() < 0.01, "{view:?}");
        assert!((-view[0] * 2.0 + 1330.0 - view[2]).abs() < 0.02, "{view:?}");
        assert!(sheet.ends_with("<text font-size=\"13\">x</text></svg>"));
    }
}
