//! PNG from the SVG, rendered in-process with resvg.
//!
//! The text is set in DejaVu Sans, bundled in the binary, so a PNG looks the same on every
//! machine. Characters DejaVu Sans lacks (Chinese, for instance) fall back to the machine's
//! fonts where it has any: resvg would drop them otherwise.

use std::sync::OnceLock;

use resvg::{tiny_skia, usvg};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

/// Why a picture could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the SVG could not be read: {0}")]
    Svg(#[from] usvg::Error),
    #[error("the picture is too large to render ({width} x {height} pixels at scale {scale})")]
    TooLarge { width: u32, height: u32, scale: f32 },
    #[error("the PNG could not be encoded: {0}")]
    Encode(String),
}

fn options() -> &'static usvg::Options<'static> {
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
    let tree = usvg::Tree::from_str(svg, options())?;
    let size = tree.size();
    let (width, height) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(width, height).ok_or(PngError::TooLarge {
        width,
        height,
        scale,
    })?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|error| PngError::Encode(error.to_string()))
}
