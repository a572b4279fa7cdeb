//! Text in a diagram: escaping, measuring, and fitting names into boxes.
//!
//! The room a text takes on the page (which lines and labels keep clear of) is measured with the
//! bundled font's advance widths. Names are wrapped into boxes by display columns (a CJK
//! character counts two, each about 0.6 em).

use unicode_width::UnicodeWidthStr as _;

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Display columns of `text`.
pub fn columns(text: &str) -> usize {
    text.width()
}

/// Width in pixels at `font_size`, regular or `bold`, from the advance widths of the bundled
/// DejaVu Sans (the font the PNG and PDF are set in, and the first the SVG asks for); a
/// character it lacks counts 0.6 em a column. Rounded up.
pub fn width_px(text: &str, font_size: i64, bold: bool) -> i64 {
    use skrifa::MetadataProvider as _;
    use skrifa::instance::{LocationRef, Size};
    let data = if bold {
        crate::png::BOLD
    } else {
        crate::png::REGULAR
    };
    let Ok(font) = skrifa::FontRef::new(data) else {
        return (columns(text) as i64 * font_size * 3 + 4) / 5;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(font_size as f32), LocationRef::default());
    let width: f32 = text
        .chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|glyph| metrics.advance_width(glyph))
                .unwrap_or_else(|| {
                    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) as f32
                        * font_size as f32
                        * 0.6
                })
        })
        .sum();
    width.ceil() as i64
}

/// How many columns fit in `width` pixels at `font_size`.
pub const fn columns_for(width: i64, font_size: i64) -> usize {
    let columns = width * 5 / (font_size * 3);
    if columns < 1 { 1 } else { columns as usize }
}

/// Splits `text` into at most `max_lines` lines of at most `max_columns` columns, breaking at
/// spaces where it can and inside long words where it must. Returns the lines and whether
/// anything was cut (the last line then ends in `…`).
pub fn wrap(text: &str, max_columns: usize, max_lines: usize) -> (Vec<String>, bool) {
    let mut pieces: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        if columns(word) <= max_columns {
            pieces.push(word.to_string());
            continue;
        }
        let mut chunk = String::new();
        for c in word.chars() {
            let mut candidate = chunk.clone();
            candidate.push(c);
            if columns(&candidate) > max_columns && !chunk.is_empty() {
                pieces.push(std::mem::take(&mut chunk));
                chunk.push(c);
            } else {
                chunk = candidate;
            }
        }
        if !chunk.is_empty() {
            pieces.push(chunk);
        }
    }
    let mut lines: Vec<String> = Vec::new();
    for piece in pieces {
        match lines.last_mut() {
            Some(line) if columns(line) + 1 + columns(&piece) <= max_columns => {
                line.push(' ');
                line.push_str(&piece);
            }
            _ => lines.push(piece),
        }
    }
    if lines.len() <= max_lines {
        return (lines, false);
    }
    lines.truncate(max_lines);
    let last = lines.last_mut().expect("at least one line");
    while columns(last) + 1 > max_columns {
        last.pop();
    }
    let trimmed = last.trim_end().to_string();
    *last = format!("{trimmed}…");
    (lines, true)
}

/// `text` cut to `max_columns` with `…` when longer.
pub fn ellipsize(text: &str, max_columns: usize) -> (String, bool) {
    if columns(text) <= max_columns {
        return (text.to_string(), false);
    }
    let mut out = String::new();
    for c in text.chars() {
        let mut candidate = out.clone();
        candidate.push(c);
        if columns(&candidate) + 1 > max_columns {
            break;
        }
        out = candidate;
    }
    (format!("{}…", out.trim_end()), true)
}

#[cfg(test)]
mod tests {

    #[test]
    fn widths_are_the_fonts_own() {
        // Bold capitals take about 0.75 em, more than the 0.6 em a column was reckoned at.
        let capitals = width_px("MANUAL REGRESSION", 13, true);
        assert!(capitals > 17 * 13 * 7 / 10, "{capitals}");
        assert!(capitals > width_px("MANUAL REGRESSION", 13, false));
        // Narrow letters take less.
        assert!(width_px("illicit", 11, false) < 7 * 11 * 4 / 10);
        // A character the font lacks counts 0.6 em a column (two for a CJK one).
        assert_eq!(width_px("漢", 10, false), 12);
    }
    use super::*;

    #[test]
    fn wraps_at_spaces_and_ellipsizes_the_rest() {
        assert_eq!(
            wrap("Refine and estimate", 18, 2),
            (vec!["Refine and".into(), "estimate".into()], false)
        );
        let (lines, cut) = wrap("Security review and penetration test of the release", 18, 2);
        assert!(cut);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(lines.iter().all(|line| columns(line) <= 18));
    }

    #[test]
    fn breaks_long_words_and_counts_wide_characters() {
        // Eight CJK characters are sixteen columns.
        let (lines, cut) = wrap("安全审查和渗透测试", 8, 2);
        assert_eq!(lines, vec!["安全审查".to_string(), "和渗透…".to_string()]);
        assert!(cut);
        assert_eq!(ellipsize("Beoordeling", 6), ("Beoor…".to_string(), true));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("R&D <team> \"x\""),
            "R&amp;D &lt;team&gt; &quot;x&quot;"
        );
    }
}
