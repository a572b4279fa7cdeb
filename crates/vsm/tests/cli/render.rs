//! `render`: the map as a picture or a diagram, in the format its file name asks for.

use crate::{repo_root, stderr, stdout, vsm_fails_in, vsm_in, vsm_ok_in};

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
        if file == "map.pdf" {
            // platform-change is 2074 x 898 units, its smallest text 10: 622 x 269 mm at 3 mm.
            assert_eq!(
                stderr(&output),
                "wrote map.pdf (a page of the map's own size, 622 x 269 mm, its smallest text 3 mm; --paper fits it to a sheet)\n"
            );
        } else if file == "map.html" {
            // Printed on A3 (2074 x 898 units): the width limits, 10 units of text at 1.93 mm.
            assert_eq!(
                stderr(&output),
                "note: printed on A3 the map's smallest text comes out at 1.9 mm; `--paper a1` prints it at 3 mm or more\nwrote map.html\n"
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
    // 1330 x 1099 units, its smallest text 10 units: A3's 277 mm of height give 2.52 mm.
    assert_eq!(
        vsm_fails_in(
            dir.path(),
            &["render", map, "-o", "map.pdf", "--paper", "a3"]
        ),
        "error: the map does not fit on A3 (420 x 297 mm, landscape) with text of at least 3 mm: it is 1330 x 1099 units, its smallest text is 10 units, so the sheet prints it at 2.52 mm; use `--paper a2` (text at 3.64 mm)\n"
    );
    assert!(!dir.path().join("map.pdf").exists());
    let output = vsm_in(
        dir.path(),
        &["render", map, "-o", "map.pdf", "--paper", "a2"],
    );
    assert_eq!(
        stderr(&output),
        "wrote map.pdf (A2 landscape; the map 484 x 400 mm, its smallest text 3.6 mm)\n"
    );
    let pdf = std::fs::read(dir.path().join("map.pdf")).unwrap();
    let pdf = String::from_utf8_lossy(&pdf);
    // A2 landscape in points: 594 x 420 mm.
    assert!(pdf.contains("/MediaBox [0 0 1683.7795 1190.5511]"), "{pdf}");
    // An SVG for the sheet: its size in millimetres, the map centred in its view.
    let svg = stdout(&vsm_in(dir.path(), &["render", map, "--paper", "a2"]));
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vsm-map\" width=\"594mm\" height=\"420mm\" viewBox=\"-151.01 -27.48 1632.02 1153.95\""),
        "{}",
        &svg[..200]
    );
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
    assert!(
        page.contains(".map svg { width: 484.07mm; height: 400mm; }"),
        "the map on it"
    );
    // Without --paper the report prints on A3 and says the text comes out small there.
    let output = vsm_in(dir.path(), &["report", map, "-o", "a3.html"]);
    assert_eq!(
        stderr(&output),
        "note: printed on A3 the map's smallest text comes out at 2.5 mm; `--paper a2` prints it at 3 mm or more\n"
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
    // 1330 x 1099 units at 8 pixels a unit: 10,640 x 8,792, 93.5 million pixels, under the
    // limit; at 9, 11,970 x 9,891 is over it.
    assert_eq!(
        vsm_fails_in(
            dir.path(),
            &["render", map, "-o", "map.png", "--scale", "9"]
        ),
        "error: the PNG would be 11,970 x 9,891 pixels at scale 9 (118 million pixels), more than the 100 million vsm draws; pass `--scale 8.27` for a smaller PNG, or write SVG or PDF (`-o map.svg`, `-o map.pdf`), which have no pixel limit\n"
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
    assert_eq!((width, height), (665, 550));
}
