//! `render`: the map as a picture or a diagram, in the format its file name asks for.

use crate::{repo_root, stderr, stdout, vsm_fails_in, vsm_in};

#[test]
fn render_picks_the_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/platform-change.yaml");
    let map = map.to_str().unwrap();
    for (file, starts) in [
        ("map.svg", &b"<svg xmlns"[..]),
        ("map.png", &b"\x89PNG"[..]),
        ("map.html", &b"<!DOCTYPE html>"[..]),
        ("map.mmd", &b"---\ntitle:"[..]),
        ("map.dot", &b"digraph value_stream"[..]),
    ] {
        let output = vsm_in(dir.path(), &["render", map, "-o", file]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        assert_eq!(stderr(&output), format!("wrote {file}\n"));
        let written = std::fs::read(dir.path().join(file)).unwrap();
        assert!(written.starts_with(starts), "{file}");
    }
    // Without -o the text formats go to standard output.
    let output = vsm_in(dir.path(), &["render", map, "--format", "mermaid"]);
    assert!(stdout(&output).contains("flowchart LR"));
    assert_eq!(
        vsm_fails_in(dir.path(), &["render", map, "-o", "map.pdf"]),
        "error: cannot tell the format from `map.pdf`; use an extension .svg, .png, .html, .mmd or .dot, or pass --format\n"
    );
    assert_eq!(
        vsm_fails_in(dir.path(), &["render", map, "--format", "png"]),
        "error: a PNG needs a file to go to; pass `-o map.png`\n"
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
