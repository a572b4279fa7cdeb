//! PNG from the SVG, rendered in-process with resvg.
//!
//! The text is set in DejaVu Sans, bundled in the binary, so a PNG looks the same on every
//! machine. Characters DejaVu Sans lacks (Chinese, for instance) fall back to the machine's
//! fonts where it has any: resvg would drop them otherwise.
//!
//! The picture is drawn in strips of a few megabytes and each strip is compressed as soon as it
//! is drawn, so memory stays bounded whatever the map's size (a 400-step map at scale 2 held a
//! 3,652 x 50,320 pixmap, 1.48 GiB, when drawn whole). Pictures of more than [`MAX_PIXELS`] are
//! refused with the scale that fits and the formats without a limit.

use std::io::Write;
use std::sync::OnceLock;

use resvg::{tiny_skia, usvg};

pub(crate) const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
pub(crate) const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// The most pixels a PNG may have: 100 million (10,000 x 10,000), a 400 MB pixmap if drawn
/// whole, and more than image viewers open comfortably.
pub const MAX_PIXELS: u64 = 100_000_000;
/// The bytes of pixels drawn at a time.
const STRIP_BYTES: u64 = 16 << 20;

/// Why a picture could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the SVG could not be read: {0}")]
    Svg(#[from] usvg::Error),
    #[error("{}", too_large(*.width, *.height, *.scale))]
    TooLarge { width: u64, height: u64, scale: f32 },
    #[error("the PNG could not be encoded: {0}")]
    Encode(String),
}

/// "the PNG would be 7,304 x 100,640 pixels ...": the size and the ways out.
fn too_large(width: u64, height: u64, scale: f32) -> String {
    let thousands = |n: u64| {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    let pixels = width.saturating_mul(height);
    // The scale that fits, rounded down to two decimals.
    let fits =
        (f64::from(scale) * (MAX_PIXELS as f64 / pixels as f64).sqrt() * 100.0).floor() / 100.0;
    let way_out = if fits >= 0.01 {
        format!(
            "pass `--scale {}` for a smaller PNG, or ",
            vsm_core::format_number(fits, 2)
        )
    } else {
        String::new()
    };
    format!(
        "the PNG would be {} x {} pixels at scale {} ({} million pixels), more than the {} million vsm draws; {way_out}write SVG or PDF (`-o map.svg`, `-o map.pdf`), which have no pixel limit",
        thousands(width),
        thousands(height),
        vsm_core::format_number(f64::from(scale), 2),
        thousands(pixels / 1_000_000),
        MAX_PIXELS / 1_000_000
    )
}

/// How usvg reads our SVGs: the bundled fonts first.
pub(crate) fn options() -> &'static usvg::Options<'static> {
    static OPTIONS: OnceLock<usvg::Options<'static>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        let mut options = usvg::Options::default();
        let fonts = options.fontdb_mut();
        fonts.load_font_data(REGULAR.to_vec());
        fonts.load_font_data(BOLD.to_vec());
        fonts.load_system_fonts();
        // The stylesheet asks for DejaVu Sans first; generic families land on it too.
        fonts.set_sans_serif_family("DejaVu Sans");
        options.font_family = "DejaVu Sans".into();
        options
    })
}

/// Renders an SVG document to PNG bytes at `scale` (2.0 for a sharp print).
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, PngError> {
    let mut out = Vec::new();
    svg_to_png_writer(svg, scale, &mut out)?;
    Ok(out)
}

/// Renders an SVG document as a PNG into `out`, a strip at a time.
pub fn svg_to_png_writer(svg: &str, scale: f32, out: impl Write) -> Result<(), PngError> {
    in_strips(svg, scale, out, STRIP_BYTES)
}

/// The pixels of a picture of `width` x `height` units at `scale`, or the error that it has too
/// many.
pub(crate) fn pixels(width: f64, height: f64, scale: f32) -> Result<(u64, u64), PngError> {
    let (width, height) = (
        (width * f64::from(scale)).ceil() as u64,
        (height * f64::from(scale)).ceil() as u64,
    );
    if width == 0 || height == 0 || width.saturating_mul(height) > MAX_PIXELS {
        Err(PngError::TooLarge {
            width,
            height,
            scale,
        })
    } else {
        Ok((width, height))
    }
}

fn in_strips(svg: &str, scale: f32, out: impl Write, strip_bytes: u64) -> Result<(), PngError> {
    let pixels = |width: f64, height: f64| pixels(width, height, scale);
    // Refused before the SVG is read, which takes a while for a large map.
    if let Some(picture) = crate::paper::Picture::of_svg(svg) {
        pixels(picture.width, picture.height)?;
    }
    let tree = usvg::Tree::from_str(svg, options())?;
    let size = tree.size();
    let (width, height) = pixels(size.width().into(), size.height().into())?;
    let (width, height) = (width as u32, height as u32);
    let encode = |error: png::EncodingError| PngError::Encode(error.to_string());
    let mut encoder = png::Encoder::new(out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(encode)?;
    let mut stream = writer.stream_writer().map_err(encode)?;
    let strip_rows = (strip_bytes / (u64::from(width) * 4)).clamp(1, u64::from(height)) as u32;
    let mut row = Vec::with_capacity(width as usize * 4);
    let mut top = 0;
    while top < height {
        let rows = strip_rows.min(height - top);
        let mut pixmap = tiny_skia::Pixmap::new(width, rows).ok_or(PngError::TooLarge {
            width: width.into(),
            height: height.into(),
            scale,
        })?;
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(scale, scale).post_translate(0.0, -(top as f32)),
            &mut pixmap.as_mut(),
        );
        // The pixmap holds premultiplied colours; PNG wants them straight.
        for line in pixmap.pixels().chunks(width as usize) {
            row.clear();
            for pixel in line {
                let c = pixel.demultiply();
                row.extend_from_slice(&[c.red(), c.green(), c.blue(), c.alpha()]);
            }
            stream
                .write_all(&row)
                .map_err(|error| PngError::Encode(error.to_string()))?;
        }
        top += rows;
    }
    stream.finish().map_err(encode)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"200\"><rect width=\"300\" height=\"200\" fill=\"#ffffff\"/><rect x=\"10\" y=\"150\" width=\"50\" height=\"40\" fill=\"#c62828\"/></svg>";

    #[test]
    fn strips_draw_the_same_picture_as_one_pixmap() {
        // Seven rows at a time: the box's edges fall inside strips and on their borders.
        let mut png = Vec::new();
        in_strips(SVG, 2.0, &mut png, 600 * 4 * 7).unwrap();
        let whole = {
            let tree = usvg::Tree::from_str(SVG, options()).unwrap();
            let mut pixmap = tiny_skia::Pixmap::new(600, 400).unwrap();
            resvg::render(
                &tree,
                tiny_skia::Transform::from_scale(2.0, 2.0),
                &mut pixmap.as_mut(),
            );
            pixmap
        };
        let decoder = png::Decoder::new(std::io::Cursor::new(&png));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        assert_eq!((reader.info().width, reader.info().height), (600, 400));
        assert_eq!(pixels, whole.data(), "opaque pixels need no demultiplying");
        // The red box at the bottom left: x 20..120, y 300..380.
        let at = |x: usize, y: usize| &pixels[(y * 600 + x) * 4..][..4];
        assert_eq!(at(50, 350), [0xc6, 0x28, 0x28, 255]);
        assert_eq!(at(200, 350), [255, 255, 255, 255]);
    }

    #[test]
    fn a_picture_past_the_pixel_limit_says_its_size_and_the_way_out() {
        let huge = SVG.replace(
            "width=\"300\" height=\"200\"",
            "width=\"3652\" height=\"50320\"",
        );
        let error = svg_to_png(&huge, 2.0).unwrap_err().to_string();
        assert_eq!(
            error,
            "the PNG would be 7,304 x 100,640 pixels at scale 2 (735 million pixels), more than the 100 million vsm draws; pass `--scale 0.73` for a smaller PNG, or write SVG or PDF (`-o map.svg`, `-o map.pdf`), which have no pixel limit"
        );
        // At the scale it names, it fits.
        let fits = 0.73_f64;
        assert!((3652.0 * fits).ceil() * (50320.0 * fits).ceil() <= MAX_PIXELS as f64);
    }
}
