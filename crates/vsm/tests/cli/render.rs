//! `render`: the map as a picture or a diagram, in the format its file name asks for.

use crate::{repo_root, stderr, stdout, vsm_fails_in, vsm_in, vsm_ok_in};

/// The map's picture as `vsm render` draws it: its size in units and its smallest text, which is
/// 10 units.
fn picture(dir: &std::path::Path, map: &str) -> vsm_render::paper::Picture {
    let svg = stdout(&vsm_in(dir, &["render", map]));
    let picture = vsm_render::paper::Picture::of_svg(&svg).unwrap();
    assert_eq!(picture.smallest_font.to_string(), "10", "{map}");
    picture
}

#[test]
fn render_picks_the_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/platform-change.yaml");
    let map = map.to_str().unwrap();
    for (file, starts) in [
        ("map.svg", &b"<svg xmlns"[..]),
        ("map.png", &b"\x89PNG"[..]),
        ("map.pdf", &b"%PDF-"[..]),
        ("map.html", &b"<!DOCTYPE html>"[..]),
        ("map.mmd", &b"---\ntitle:"[..]),
        ("map.dot", &b"digraph value_stream"[..]),
    ] {
        let output = vsm_in(dir.path(), &["render", map, "-o", file]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        let picture = picture(dir.path(), map);
        if file == "map.pdf" {
            // The page of the map's own size: its smallest text (10 units) at 3 mm.
            let mm = |units: f64| format!("{:.0}", units * 0.3);
            assert_eq!(
                stderr(&output),
                format!(
                    "wrote map.pdf (a page of the map's own size, {} x {} mm, its smallest text 3 mm; --paper fits it to a sheet)\n",
                    mm(picture.width),
                    mm(picture.height)
                )
            );
        } else if file == "map.html" {
            // Printed on A3's 400 x 277 mm, wide platform-change prints its text under 2 mm.
            let text = 10.0 * (400.0 / picture.width).min(277.0 / picture.height);
            assert_eq!(
                stderr(&output),
                format!(
                    "note: printed on A3 the map's smallest text comes out at {} mm; `--paper a1` prints it at 3 mm or more\nwrote map.html\n",
                    vsm_core::format_number(text, 1)
                )
            );
        } else {
            assert_eq!(stderr(&output), format!("wrote {file}\n"));
        }
        let written = std::fs::read(dir.path().join(file)).unwrap();
        assert!(written.starts_with(starts), "{file}");
    }
    // Without -o the text formats go to standard output.
    let output = vsm_in(dir.path(), &["render", map, "--format", "mermaid"]);
    assert!(stdout(&output).contains("flowchart LR"));
    assert_eq!(
        vsm_fails_in(dir.path(), &["render", map, "-o", "map.ps"]),
        "error: cannot tell the format from `map.ps`; use an extension .svg, .png, .pdf, .html, .mmd or .dot, or pass --format\n"
    );
    assert_eq!(
        vsm_fails_in(dir.path(), &["render", map, "--format", "png"]),
        "error: a PNG needs a file to go to; pass `-o map.png`\n"
    );
}

#[test]
fn paper_fits_the_map_to_a_sheet_or_names_the_sheet_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/feature-delivery.yaml");
    let map = map.to_str().unwrap();
    // Millimetres a unit on a sheet's printable area (10 mm margins), its text 10 units.
    let picture = picture(dir.path(), map);
    let (width, height) = (picture.width, picture.height);
    let on = |room_width: f64, room_height: f64| (room_width / width).min(room_height / height);
    let (a3, a2) = (on(400.0, 277.0), on(574.0, 400.0));
    assert!(
        10.0 * a3 < 3.0 && 10.0 * a2 >= 3.0,
        "feature-delivery fits A2, not A3"
    );
    let number = vsm_core::format_number;
    let down = |mm: f64| number((mm * 100.0).floor() / 100.0, 2);
    assert_eq!(
        vsm_fails_in(
            dir.path(),
            &["render", map, "-o", "map.pdf", "--paper", "a3"]
        ),
        format!(
            "error: the map does not fit on A3 (420 x 297 mm, landscape) with text of at least 3 mm: it is {width} x {height} units, its smallest text is 10 units, so the sheet prints it at {} mm; use `--paper a2` (text at {} mm)\n",
            down(10.0 * a3),
            number(10.0 * a2, 2)
        )
    );
    assert!(!dir.path().join("map.pdf").exists());
    let output = vsm_in(
        dir.path(),
        &["render", map, "-o", "map.pdf", "--paper", "a2"],
    );
    assert_eq!(
        stderr(&output),
        format!(
            "wrote map.pdf (A2 landscape; the map {} x {} mm, its smallest text {} mm)\n",
            number(width * a2, 0),
            number(height * a2, 0),
            number(10.0 * a2, 1)
        )
    );
    let pdf = std::fs::read(dir.path().join("map.pdf")).unwrap();
    let pdf = String::from_utf8_lossy(&pdf);
    // A2 landscape in points: 594 x 420 mm.
    assert!(pdf.contains("/MediaBox [0 0 1683.7795 1190.5511]"), "{pdf}");
    // An SVG for the sheet: its size in millimetres, the map in the middle of its view.
    let svg = stdout(&vsm_in(dir.path(), &["render", map, "--paper", "a2"]));
    let (view_width, view_height) = (594.0 / a2, 420.0 / a2);
    let root = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vsm-map\" width=\"594mm\" height=\"420mm\" viewBox=\"{} {} {} {}\"",
        number(-(view_width - width) / 2.0, 2),
        number(-(view_height - height) / 2.0, 2),
        number(view_width, 2),
        number(view_height, 2)
    );
    assert!(svg.starts_with(&root), "{root}\n{}", &svg[..200]);
    // The report prints on it: the sheet and the map's size in its print style.
    vsm_ok_in(
        dir.path(),
        &["report", map, "--paper", "a2", "-o", "wall.html"],
    );
    let page = std::fs::read_to_string(dir.path().join("wall.html")).unwrap();
    assert!(
        page.contains("@page { size: 594mm 420mm; margin: 10mm; }"),
        "the sheet"
    );
    let printed = format!(
        ".map svg {{ width: {}mm; height: {}mm; }}",
        down(width * a2),
        down(height * a2)
    );
    assert!(page.contains(&printed), "the map on it: {printed}");
    // Without --paper the report prints on A3 and says the text comes out small there.
    let output = vsm_in(dir.path(), &["report", map, "-o", "a3.html"]);
    assert_eq!(
        stderr(&output),
        format!(
            "note: printed on A3 the map's smallest text comes out at {} mm; `--paper a2` prints it at 3 mm or more\n",
            number(10.0 * a3, 1)
        )
    );
    for (args, error) in [
        (
            &["render", map, "-o", "map.png", "--paper", "a3"][..],
            "error: --paper sizes a printed sheet, and png is not printed as one; use it with SVG, PDF or HTML (`-o map.pdf`)\n",
        ),
        (
            &["render", map, "-o", "map.svg", "--scale", "1"][..],
            "error: --scale sets the pixels of a PNG, and svg has none; leave it out, or write a PNG (`-o map.png`)\n",
        ),
        (
            &["render", map, "--format", "pdf"][..],
            "error: a PDF needs a file to go to; pass `-o map.pdf`\n",
        ),
    ] {
        assert_eq!(vsm_fails_in(dir.path(), args), error, "{args:?}");
    }
    // Refused by the argument parser (exit code 2).
    let wrong = stderr(&vsm_in(
        dir.path(),
        &["render", map, "-o", "map.png", "--scale", "0"],
    ));
    assert!(wrong.contains("`0` is not a scale"), "{wrong}");
    let wrong = stderr(&vsm_in(dir.path(), &["render", map, "--paper", "a4"]));
    assert!(
        wrong.contains("[possible values: letter, a3, a2, a1]"),
        "{wrong}"
    );
}

#[test]
fn a_png_past_the_pixel_limit_names_its_size_and_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/feature-delivery.yaml");
    let map = map.to_str().unwrap();
    // At 9 pixels a unit the picture passes 100 million pixels.
    let picture = picture(dir.path(), map);
    let (width, height) = (
        (picture.width * 9.0).ceil() as u64,
        (picture.height * 9.0).ceil() as u64,
    );
    assert!(width * height > 100_000_000);
    // Thousands apart, as people write them (both sides are 4 or 5 digits here).
    let grouped = |n: u64| format!("{},{:03}", n / 1000, n % 1000);
    let fits = (9.0 * (1e8 / (width * height) as f64).sqrt() * 100.0).floor() / 100.0;
    assert_eq!(
        vsm_fails_in(
            dir.path(),
            &["render", map, "-o", "map.png", "--scale", "9"]
        ),
        format!(
            "error: the PNG would be {} x {} pixels at scale 9 ({} million pixels), more than the 100 million vsm draws; pass `--scale {}` for a smaller PNG, or write SVG or PDF (`-o map.svg`, `-o map.pdf`), which have no pixel limit\n",
            grouped(width),
            grouped(height),
            width * height / 1_000_000,
            vsm_core::format_number(fits, 2)
        )
    );
    assert!(!dir.path().join("map.png").exists());
    let output = vsm_in(
        dir.path(),
        &["render", map, "-o", "small.png", "--scale", "0.5"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let png = std::fs::read(dir.path().join("small.png")).unwrap();
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(
        (u64::from(width), u64::from(height)),
        (
            (picture.width * 0.5).ceil() as u64,
            (picture.height * 0.5).ceil() as u64
        )
    );
}

#[test]
fn a_measured_map_marks_its_measured_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let measured = repo_root().join("testdata/measure/claims.yaml");
    let output = vsm_in(dir.path(), &["render", measured.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let svg = stdout(&output);
    // The log gives %C&A (a dot) and lead times less the estimated process times (a ring); the
    // process times stay estimates, unmarked. The legend says so.
    assert!(svg.contains("<circle class=\"vsm-mark-measured\""), "{svg}");
    assert!(svg.contains("<circle class=\"vsm-mark-mixed\""), "{svg}");
    assert!(svg.contains("measured from the log (no mark: estimate)"));
    let estimated = repo_root().join("examples/platform-change.yaml");
    let output = vsm_in(dir.path(), &["render", estimated.to_str().unwrap()]);
    assert!(!stdout(&output).contains("<circle class=\"vsm-mark-"));
}
