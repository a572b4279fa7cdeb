//! Snapshots of the pictures of the examples, and the properties every picture keeps.

use std::path::{Path, PathBuf};

use vsm_core::{Analysis, ValueStream};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(map: &str) -> (ValueStream, Analysis) {
    let source = std::fs::read_to_string(repo().join(map)).unwrap();
    let parsed = vsm_core::parse_map(&source);
    assert!(!parsed.has_errors(), "{map}: {:?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    (stream, analysis)
}

const EXAMPLES: [&str; 3] = ["feature-delivery", "platform-change", "regulated-release"];
const ALL_MAPS: [&str; 7] = [
    "examples/feature-delivery.yaml",
    "examples/platform-change.yaml",
    "examples/regulated-release.yaml",
    "crates/vsm-render/tests/data/long-stream.yaml",
    "crates/vsm-render/tests/data/wrapped-flows.yaml",
    "crates/vsm-render/tests/data/unicode.yaml",
    "crates/vsm-render/tests/data/two-steps.yaml",
];

#[test]
fn snapshots_of_the_examples() {
    for example in EXAMPLES {
        let (stream, analysis) = load(&format!("examples/{example}.yaml"));
        insta::assert_snapshot!(
            format!("{example}.svg"),
            vsm_render::svg(&stream, &analysis)
        );
        insta::assert_snapshot!(
            format!("{example}.mmd"),
            vsm_render::mermaid(&stream, &analysis)
        );
        insta::assert_snapshot!(
            format!("{example}.dot"),
            vsm_render::dot(&stream, &analysis)
        );
    }
}

#[test]
fn the_same_map_gives_the_same_bytes() {
    for map in ALL_MAPS {
        let (stream, analysis) = load(map);
        let (again, again_analysis) = load(map);
        assert_eq!(
            vsm_render::svg(&stream, &analysis),
            vsm_render::svg(&again, &again_analysis),
            "{map}"
        );
        assert_eq!(
            vsm_render::html(&stream, &analysis),
            vsm_render::html(&again, &again_analysis),
            "{map}"
        );
    }
}

/// The rectangles of one class in an SVG, as (x, y, width, height).
fn rects(svg: &str, class: &str) -> Vec<(i64, i64, i64, i64)> {
    let attribute = |tag: &str, name: &str| -> i64 {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[start..start + tag[start..].find('"').unwrap()]
            .parse()
            .unwrap()
    };
    svg.split("<rect ")
        .skip(1)
        .map(|rest| &rest[..rest.find("/>").unwrap()])
        .filter(|tag| tag.starts_with(&format!("class=\"{class}")))
        .map(|tag| {
            (
                attribute(tag, "x"),
                attribute(tag, "y"),
                attribute(tag, "width"),
                attribute(tag, "height"),
            )
        })
        .collect()
}

#[test]
fn boxes_never_overlap_and_stay_on_the_page() {
    for map in ALL_MAPS {
        let (stream, analysis) = load(map);
        let svg = vsm_render::svg(&stream, &analysis);
        let mut boxes = rects(&svg, "vsm-box");
        boxes.extend(rects(&svg, "vsm-data"));
        assert_eq!(boxes.len(), 2 * stream.steps.len(), "{map}");
        let page = rects(&svg, "vsm-bg")[0];
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.0 >= 0 && a.1 >= 0 && a.0 + a.2 <= page.2 && a.1 + a.3 <= page.3,
                "{map}: {a:?} off the page"
            );
            for b in &boxes[i + 1..] {
                let overlap =
                    a.0 < b.0 + b.2 && b.0 < a.0 + a.2 && a.1 < b.1 + b.3 && b.1 < a.1 + a.3;
                assert!(!overlap, "{map}: {a:?} overlaps {b:?}");
            }
        }
    }
}

#[test]
fn the_svg_is_accessible_and_names_every_step() {
    let (stream, analysis) = load("crates/vsm-render/tests/data/unicode.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    assert!(svg.contains("role=\"img\" aria-labelledby=\"vsm-title vsm-desc\""));
    assert!(svg.contains("<title id=\"vsm-title\">Levering van functionaliteit 功能交付流程: value stream map</title>"));
    assert!(svg.contains("<desc id=\"vsm-desc\">5 steps. Lead time 13d 1h"));
    for step in &stream.steps {
        // Each step's full name is in its tooltip, whatever the box had room for.
        assert!(
            svg.contains(&format!("<title>{}", step.name)),
            "{}",
            step.name
        );
    }
    // Long names wrap onto as many lines as they take, and are never cut.
    assert!(svg.contains("<text class=\"vsm-name\""));
    assert!(svg.contains(">prioritering van</text>"), "{svg}");
    assert!(!svg.contains('…'), "{svg}");
}

#[test]
fn bottlenecks_and_kaizen_bursts_are_marked() {
    let (stream, analysis) = load("examples/feature-delivery.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    // Every bottleneck has its numbered badge (and the legend one); the boxes are painted by
    // severity next to the worst: one red, one amber, the others badge only.
    assert_eq!(analysis.bottlenecks.len(), 3);
    assert_eq!(
        svg.matches("<circle class=\"vsm-badge").count(),
        analysis.bottlenecks.len() + 1
    );
    assert_eq!(svg.matches(" vsm-bottleneck\"").count(), 1);
    assert_eq!(svg.matches(" vsm-bottleneck-medium\"").count(), 1);
    assert_eq!(
        svg.matches("<circle class=\"vsm-badge vsm-badge-low\"")
            .count(),
        1
    );
    assert!(svg.contains("Bottleneck #1, score 69.1:\n- waits 6d before starting"));
    // Three open improvements on three steps, each burst numbered by its improvement.
    assert_eq!(svg.matches("class=\"vsm-kaizen-burst\"").count(), 3);
    for n in 1..=3 {
        assert!(svg.contains(&format!("style=\"font-size:10px\">{n}</text></g>")));
    }
    assert!(svg.contains("Kaizen 3: Pre-approve low-risk changes as standard changes (planned, Head of Operations, due 2027-02-01)"), "{svg}");
}

#[test]
fn mermaid_and_dot_colour_bottlenecks_by_the_svgs_severity_and_give_queues_their_days() {
    // Both painted every ranked step red (`class step1,step0,step3,step2,step4 bottleneck` on
    // the textbook map), while the SVG paints one red and one amber.
    let (stream, analysis) = load("examples/textbook-acme-stamping.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    assert_eq!(svg.matches(" vsm-bottleneck\"").count(), 1);
    assert_eq!(svg.matches(" vsm-bottleneck-medium\"").count(), 1);
    let mermaid = vsm_render::mermaid(&stream, &analysis);
    assert!(
        mermaid.contains("    class step1 bottleneck\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("    class step0 bottleneck_medium\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("queue 4600 left + 2400 right (≈7.6d)"),
        "{mermaid}"
    );
    let dot = vsm_render::dot(&stream, &analysis);
    assert_eq!(dot.matches("fillcolor=\"#fdecea\"").count(), 1, "{dot}");
    assert_eq!(dot.matches("fillcolor=\"#fff3e0\"").count(), 1, "{dot}");
    assert!(dot.contains("queue 1100 left + 600 right (≈1.8d)"), "{dot}");
}

#[test]
fn the_svg_marks_derived_waits_and_states_the_days_of_a_map_that_sets_them() {
    // The triangles read `7000 · 7.6d` and the data box `7.6d`, while every table marks the
    // wait derived from the queue `≈7.6d`; nothing on the map said the days are of 16h.
    let (stream, analysis) = load("examples/textbook-acme-stamping.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    assert!(svg.contains(">7000 · ≈7.6d</text>"), "{svg}");
    assert!(svg.contains("text-anchor=\"end\">≈7.6d</text>"), "{svg}");
    // Stamping's wait is written: no mark.
    assert!(svg.contains(">5d</text>") && !svg.contains("≈5d"), "{svg}");
    assert!(
        svg.contains(">Days: working days of 16h (5 a week)</text>"),
        "{svg}"
    );
    // A map that sets no working time keeps its summary box as it was.
    let (stream, analysis) = load("examples/feature-delivery.yaml");
    assert!(!stream.working_time.declared);
    let svg = vsm_render::svg(&stream, &analysis);
    assert!(!svg.contains("vsm-summary-days"));
    assert!(svg.contains("height=\"112\" rx=\"4\""));
}

/// The points of the `d` of every path of `class` in an SVG.
fn paths(svg: &str, class: &str) -> Vec<Vec<(i64, i64)>> {
    svg.split(&format!("<path class=\"{class}\" d=\""))
        .skip(1)
        .map(|rest| {
            rest[..rest.find('"').unwrap()]
                .split(' ')
                .filter(|token| token.starts_with(['M', 'L']))
                .map(|point| {
                    let (x, y) = point[1..].split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect()
}

#[test]
fn wrapped_rows_keep_every_line_a_line() {
    for map in [
        "examples/feature-delivery.yaml",
        "crates/vsm-render/tests/data/wrapped-flows.yaml",
        "crates/vsm-render/tests/data/long-stream.yaml",
    ] {
        let (stream, analysis) = load(map);
        let whole = vsm_render::svg(&stream, &analysis);
        // The map without its legend, whose icons are paths too.
        let svg = &whole[..whole.find("<g class=\"vsm-legend\"").unwrap()];
        // No note stands in for a line cut at the edge of a row.
        for stub in ["↑ to", "⇡ to", "⇣ from", "↩", "↪", ">from "] {
            assert!(!svg.contains(stub), "{map}: {stub:?}");
        }
        // Every information flow is a line, and so is every push arrow from one band to the
        // next: one per step that follows a step on an earlier band (further left, as bands
        // start again at the left).
        let flows = svg.matches("<g class=\"vsm-flow ").count();
        assert_eq!(flows, stream.flows.len(), "{map}");
        assert_eq!(
            paths(svg, "vsm-info").len() + paths(svg, "vsm-info-manual").len(),
            flows,
            "{map}"
        );
        let wraps = svg.matches("<g class=\"vsm-push-wrap\">").count();
        let rows_apart = stream
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, step)| step.after.iter().map(move |&p| (p, i)))
            .filter(|&(p, i)| svg_top(svg, i).0 <= svg_top(svg, p).0)
            .count();
        assert_eq!(wraps, rows_apart, "{map}");
        assert!(wraps > 0, "{map} wraps");
        // Routed lines are orthogonal (but for the zig-zag of electronic information) and stay on
        // the page.
        let page = rects(svg, "vsm-bg")[0];
        for line in paths(svg, "vsm-info-manual")
            .into_iter()
            .chain(paths(svg, "vsm-push"))
            .chain(paths(svg, "vsm-rework"))
        {
            for pair in line.windows(2) {
                assert!(
                    pair[0].0 == pair[1].0 || pair[0].1 == pair[1].1,
                    "{map}: {line:?}"
                );
            }
            for &(x, y) in &line {
                assert!(
                    x > 0 && y > 0 && x < page.2 && y < page.3,
                    "{map}: {line:?}"
                );
            }
        }
        // Every rework loop that sends work back is drawn.
        let loops = analysis
            .rework
            .iter()
            .filter(|l| l.share.value() > 0.0)
            .count();
        assert_eq!(
            svg.matches("<g class=\"vsm-rework-loop\"").count(),
            loops,
            "{map}"
        );
    }
    // The ServiceNow system of feature-delivery has its line to the change advisory board.
    let (stream, analysis) = load("examples/feature-delivery.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    assert!(svg.contains(
        "<title>electronic information: ServiceNow → Change advisory board: change requests</title><path class=\"vsm-info\""
    ));
}

/// Whether the segment from `a` to `b` passes through the inside of the rectangle (x, y, width,
/// height) shrunk by a pixel (a line may end on an edge).
fn segment_crosses(from: (i64, i64), to: (i64, i64), rect: (i64, i64, i64, i64)) -> bool {
    let (left, top) = (rect.0 + 1, rect.1 + 1);
    let (right, bottom) = (rect.0 + rect.2 - 1, rect.1 + rect.3 - 1);
    let steps = (from.0 - to.0).abs().max((from.1 - to.1).abs()).max(1);
    (0..=steps).any(|step| {
        let across = from.0 + (to.0 - from.0) * step / steps;
        let down = from.1 + (to.1 - from.1) * step / steps;
        across > left && across < right && down > top && down < bottom
    })
}

#[test]
fn long_flows_across_many_bands_go_around_every_box() {
    // A stream of 90 steps (13 bands) with flows from the header to far bands, between steps
    // bands apart, back up to the customer, and rework loops across bands.
    let mut map = String::from(
        "name: Long flows\ncustomer: Users\nsystems:\n  - { id: tracker, name: Tracker }\n  - { id: ci, name: CI }\nsteps:\n",
    );
    for i in 0..90 {
        map.push_str(&format!(
            "  - {{ id: s{i:02}, name: Step {i}, process_time: 1h, wait_time: {}d }}\n",
            i % 3
        ));
    }
    map.push_str("flows:\n");
    for (from, to) in [(3, 70), (88, 5), (40, 41), (12, 60), (75, 20)] {
        map.push_str(&format!(
            "  - {{ from: s{from:02}, to: s{to:02}, label: note {from} to {to} }}\n"
        ));
    }
    map.push_str("  - { from: tracker, to: s50, label: tickets }\n  - { from: ci, to: s89, label: builds }\n  - { from: s89, to: customer, kind: manual, label: release notes }\nrework:\n");
    for (from, to) in [(30, 2), (66, 60), (85, 44)] {
        map.push_str(&format!(
            "  - {{ from: s{from:02}, to: s{to:02}, share: 10% }}\n"
        ));
    }
    let parsed = vsm_core::parse_map(&map);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    let whole = vsm_render::svg(&stream, &analysis);
    let svg = &whole[..whole.find("<g class=\"vsm-legend\"").unwrap()];
    let mut boxes = rects(svg, "vsm-box");
    boxes.extend(rects(svg, "vsm-data"));
    boxes.extend(rects(svg, "vsm-system"));
    let lines: Vec<Vec<(i64, i64)>> = ["vsm-info", "vsm-info-manual", "vsm-rework", "vsm-push"]
        .iter()
        .flat_map(|class| paths(svg, class))
        .collect();
    // Every flow is drawn: as a line, or (ends bands apart) as a tagged stub at each end.
    assert_eq!(
        svg.matches("<g class=\"vsm-flow ").count()
            - svg
                .matches("<g class=\"vsm-flow vsm-flow-electronic vsm-far\"")
                .count()
            - svg
                .matches("<g class=\"vsm-flow vsm-flow-manual vsm-far\"")
                .count(),
        stream.flows.len()
    );
    assert!(svg.contains(">from Step 3: note 3 to</text>"), "{svg}");
    for line in &lines {
        for pair in line.windows(2) {
            for b in &boxes {
                assert!(
                    !segment_crosses(pair[0], pair[1], *b),
                    "{:?}-{:?} crosses the box {b:?}",
                    pair[0],
                    pair[1]
                );
            }
        }
    }
}

#[test]
fn flows_to_far_bands_are_tagged_stubs_never_lines_through_boxes() {
    // 400 steps (58 bands) with flows from the header to every fiftieth step and back: no line
    // crosses a box, each step end has a stub tagged with the other end, and each header node
    // one stub for all its far flows. (It took 80 s and drew straight lines across 25 bands.)
    let (stream, analysis) = load("testdata/render/big400-flows.yaml");
    let whole = vsm_render::svg(&stream, &analysis);
    let svg = &whole[..whole.find("<g class=\"vsm-legend\"").unwrap()];
    let mut boxes = rects(svg, "vsm-box");
    boxes.extend(rects(svg, "vsm-data"));
    boxes.extend(rects(svg, "vsm-system"));
    for line in paths(svg, "vsm-info")
        .into_iter()
        .chain(paths(svg, "vsm-info-manual"))
    {
        for pair in line.windows(2) {
            for b in &boxes {
                assert!(!segment_crosses(pair[0], pair[1], *b), "{line:?} {b:?}");
            }
        }
        // A line from the header to a far band would be thousands of pixels tall.
        let (top, bottom) = (
            line.iter().map(|p| p.1).min().unwrap(),
            line.iter().map(|p| p.1).max().unwrap(),
        );
        assert!(bottom - top < 2000, "{line:?}");
    }
    assert!(svg.contains(">from Jira: tickets 350</text>"), "{svg}");
    assert!(svg.contains(">to Git: notes 350</text>"), "{svg}");
    assert!(svg.contains(">⇣ 7 to steps below</text>"), "{svg}");
    assert!(svg.contains(">⇡ 7 from steps below</text>"), "{svg}");
}

#[test]
fn flows_beyond_the_room_of_an_edge_share_ends_in_bundles() {
    // Twelve flows into one step, whose top edge holds about nine ends: three were cut into
    // tagged stubs (`from System 10: data 10` into the step, `to b: data 10` under the system)
    // whose tags lay on other lines, and more room only made the page bigger. Now flows from
    // neighbouring systems share an end: one ends there, the other joins its line at a dot.
    let (stream, analysis) = load("testdata/render/manyflows.yaml");
    let whole = vsm_render::svg(&stream, &analysis);
    let svg = &whole[..whole.find("<g class=\"vsm-legend\"").unwrap()];
    assert!(
        !svg.contains(">from System") && !svg.contains(">to b"),
        "{svg}"
    );
    let flows: Vec<&str> = svg
        .split("<g class=\"vsm-flow ")
        .skip(1)
        .map(|g| &g[..g.find("</g>").unwrap()])
        .collect();
    assert_eq!(flows.len(), 12);
    let step = rects(svg, "vsm-box")[1];
    let mut heads: Vec<(i64, i64)> = Vec::new();
    let mut junctions = Vec::new();
    for flow in &flows {
        let line = &paths(flow, "vsm-info")[0];
        let end = *line.last().unwrap();
        if flow.contains("marker-end=") {
            // An arrowhead on the step's top edge.
            assert_eq!(end.1, step.1, "{flow}");
            assert!(end.0 > step.0 && end.0 < step.0 + step.2, "{flow}");
            heads.push(end);
        } else {
            // No head: it joins another flow's line where its dot is.
            assert!(
                flow.contains(&format!("cx=\"{}\" cy=\"{}\"", end.0, end.1)),
                "{flow}"
            );
            junctions.push(end);
        }
    }
    heads.sort_unstable();
    for pair in heads.windows(2) {
        assert!(pair[1].0 - pair[0].0 >= 16, "{heads:?}");
    }
    assert!(junctions.len() >= 3, "{junctions:?}");
    let lines = paths(svg, "vsm-info");
    for &(x, y) in &junctions {
        let on = |a: (i64, i64), b: (i64, i64)| {
            (a.0 == b.0 && a.0 == x && a.1.min(b.1) < y && y < a.1.max(b.1))
                || (a.1 == b.1 && a.1 == y && a.0.min(b.0) < x && x < a.0.max(b.0))
        };
        assert!(
            lines
                .iter()
                .any(|line| line.windows(2).any(|p| on(p[0], p[1]))),
            "({x}, {y}) is on no line"
        );
    }
}

#[test]
fn a_long_name_is_cut_in_its_box_and_whole_in_its_tooltip() {
    // A name of 20,000 characters made every box 18,000 px tall.
    let name = "Review the change request form and sign it ".repeat(460);
    let team = "Platform engineering and operations guild ".repeat(20);
    let map = format!(
        "name: Long name\nsteps:\n  - {{ id: a, name: \"{name}\", team: \"{team}\", process_time: 1h }}\n  - {{ id: b, process_time: 1h }}\n"
    );
    let parsed = vsm_core::parse_map(&map);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    let svg = vsm_render::svg(&stream, &analysis);
    let box_a = rects(&svg, "vsm-box")[0];
    assert!(box_a.3 < 160, "{box_a:?}");
    let title = &svg[svg.find("id=\"vsm-step-0\"").unwrap()..];
    let title = &title[title.find("<title>").unwrap() + 7..title.find("</title>").unwrap()];
    let head = format!("{name} (a)\n");
    assert!(title.starts_with(&head), "the full name in the tooltip");
    let step = &svg[svg.find("id=\"vsm-step-0\"").unwrap()..];
    let step = &step[..step.find("</g>").unwrap()];
    assert_eq!(
        step.matches("<text class=\"vsm-name\"").count(),
        4,
        "{step}"
    );
    assert!(step.contains("…</text>"), "{step}");
    let picture = vsm_render::paper::Picture::of_svg(&svg).unwrap();
    assert!(picture.height < 1000.0, "{}", picture.height);
}

#[test]
fn a_fifo_lane_sets_no_text_smaller_than_10_px() {
    // The legend's 7 px "FIFO" made a map with a WIP limit print on A2 instead of A3.
    let (stream, analysis) = load("crates/vsm-render/tests/data/wrapped-flows.yaml");
    assert!(stream.steps.iter().any(|s| s.wip_limit.is_some()));
    let svg = vsm_render::svg(&stream, &analysis);
    assert!(svg.contains(">FIFO</text>"));
    let picture = vsm_render::paper::Picture::of_svg(&svg).unwrap();
    assert!(picture.smallest_font >= 10.0, "{}", picture.smallest_font);
}

#[test]
fn blank_names_and_absent_marks_leave_no_empty_words_on_the_map() {
    let map = "name: Blanks\ncustomer: \"\"\nscope: { start: \" \", end: \"\" }\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d }\n  - { id: b, process_time: 2h, wait_time: 2d }\n";
    let parsed = vsm_core::parse_map(map);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    let svg = vsm_render::svg(&stream, &analysis);
    for empty in ["Customer: <", "Customer:  ", "Scope:  →", "Customer: ."] {
        assert!(!svg.contains(empty), "{empty:?}");
    }
    assert!(
        svg.contains(">Customer</text>"),
        "the customer's box keeps its word"
    );
    assert!(!vsm_render::mermaid(&stream, &analysis).contains("Customer: \""));
    // No improvement planned: no kaizen burst in the legend; a burst has its icon when there is.
    let legend = &svg[svg.find("<g class=\"vsm-legend\"").unwrap()..];
    assert!(!legend.contains("kaizen"), "{legend}");
    let (stream, analysis) = load("examples/feature-delivery.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    let legend = &svg[svg.find("<g class=\"vsm-legend\"").unwrap()..];
    assert!(
        legend.contains("<polygon class=\"vsm-kaizen\"") && legend.contains("kaizen burst"),
        "{legend}"
    );
}

/// The SVG of a map given inline, without its legend (whose icons are paths too).
fn map_without_legend(map: &str) -> String {
    let parsed = vsm_core::parse_map(map);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    let mut svg = vsm_render::svg(&stream, &analysis);
    svg.truncate(svg.find("<g class=\"vsm-legend\"").unwrap());
    svg
}

#[test]
fn push_arrows_that_skip_columns_run_on_tracks_of_their_own() {
    let map = "name: Skipping pushes\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, process_time: 1h, after: [a] }\n  - { id: c, process_time: 1h, after: [a, b] }\n  - { id: d, process_time: 1h, after: [b, c] }\n  - { id: e, process_time: 1h, after: [a, d] }\n";
    let svg = &map_without_legend(map);
    // a→c, b→d and a→e run above the band: each at a height of its own.
    let mut corridors: Vec<i64> = paths(svg, "vsm-push")
        .iter()
        .filter(|line| line.len() == 6)
        .map(|line| line[2].1)
        .collect();
    assert_eq!(corridors.len(), 3, "{corridors:?}");
    corridors.sort_unstable();
    corridors.dedup();
    assert_eq!(corridors.len(), 3, "{corridors:?}");
}

#[test]
fn flows_end_under_the_tracks_of_skipping_pushes_and_flows_between_two_places_are_one_line() {
    // s0 → s3 skips s1 and s2 on a track above them: it ran 12 px above their top edges, where
    // the flows into them had their arrowheads and stubs. Two flows from the tracker into s1
    // were two lines side by side (or, on a full edge, a line and a stub).
    let map = "name: Skip over flows\nsystems:\n  - { id: t, name: Tracker }\n  - { id: ci, name: CI }\nsteps:\n  - { id: s0, process_time: 1h }\n  - { id: s1, process_time: 1h }\n  - { id: s2, process_time: 1h }\n  - { id: s3, process_time: 1h, after: [s0, s2] }\nflows:\n  - { from: t, to: s1, label: note 0 }\n  - { from: ci, to: s2, label: note 1 }\n  - { from: t, to: s1, label: note 2 }\n  - { from: ci, to: s2, kind: manual, label: note 3 }\n";
    let svg = &map_without_legend(map);
    // One line from the tracker with both labels; the manual flow from CI a line of its own.
    assert_eq!(svg.matches("<g class=\"vsm-flow ").count(), 3, "{svg}");
    assert!(
        svg.contains("Tracker → s1: note 0; note 2</title>"),
        "{svg}"
    );
    assert!(svg.contains(">note 0</text>") && svg.contains(">note 2</text>"));
    let track = paths(svg, "vsm-push")
        .into_iter()
        .find(|line| line.len() == 6)
        .expect("the skipping push")[2]
        .1;
    let top = rects(svg, "vsm-box")[1].1;
    for line in paths(svg, "vsm-info")
        .into_iter()
        .chain(paths(svg, "vsm-info-manual"))
    {
        let end = *line.last().unwrap();
        assert_eq!(end.1, top, "{line:?}");
        // The stub (12 px) and a far line's tagged stub (30 px) end clear of the broad track.
        assert!(track < top - 30 - 4, "{track} {line:?}");
    }
}

#[test]
fn rework_loops_between_lanes_go_around_boxes_and_end_apart() {
    // Side two → Main one and Main three → Side one: dropped straight from the upper lane they
    // crossed the boxes below, and both ended on one vertical with one arrowhead.
    let (stream, analysis) = load("testdata/render/lanes.yaml");
    let whole = vsm_render::svg(&stream, &analysis);
    let svg = &whole[..whole.find("<g class=\"vsm-legend\"").unwrap()];
    let mut boxes = rects(svg, "vsm-box");
    boxes.extend(rects(svg, "vsm-data"));
    let loops = paths(svg, "vsm-rework");
    assert_eq!(loops.len(), 2, "{loops:?}");
    for line in &loops {
        for pair in line.windows(2) {
            for b in &boxes {
                assert!(
                    !segment_crosses(pair[0], pair[1], *b),
                    "{line:?} crosses {b:?}"
                );
            }
        }
    }
    // No piece of one runs along a piece of the other.
    for p in loops[0].windows(2) {
        for q in loops[1].windows(2) {
            let upright = p[0].0 == p[1].0 && q[0].0 == q[1].0 && p[0].0 == q[0].0;
            let (p_low, p_high) = (p[0].1.min(p[1].1), p[0].1.max(p[1].1));
            let (q_low, q_high) = (q[0].1.min(q[1].1), q[0].1.max(q[1].1));
            assert!(
                !(upright && p_low < q_high && q_low < p_high),
                "{:?} {:?}",
                loops[0],
                loops[1]
            );
        }
    }
}

#[test]
fn dot_lays_the_steps_out_in_the_rows_of_the_svg() {
    // y2 follows y1: the SVG keeps it in y1's lane, DOT put it beside x1.
    let (stream, analysis) = load("testdata/render/lanediff.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    let dot = vsm_render::dot(&stream, &analysis);
    let rows: Vec<Vec<usize>> = dot
        .lines()
        .filter_map(|l| l.trim().strip_prefix("{ rank=same; "))
        .filter(|row| row.starts_with("step"))
        .map(|row| {
            row.trim_end_matches("; }")
                .split("; ")
                .map(|s| s.trim_start_matches("step").parse().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        rows.iter().map(Vec::len).sum::<usize>(),
        stream.steps.len(),
        "{dot}"
    );
    for row in &rows {
        let tops: Vec<i64> = row.iter().map(|&i| svg_top(&svg, i).1).collect();
        assert!(
            tops.iter().all(|&t| t == tops[0]),
            "{row:?} at {tops:?}\n{dot}"
        );
    }
}

#[test]
fn a_measured_timeline_says_what_share_of_items_its_numbers_are_for() {
    // The timeline's numbers are per item (a step's mean times the share of items that visit
    // it), so they did not match the data box above with nothing on paper to say why.
    let map = repo().join("testdata/measure/orders.yaml");
    let files = vsm_app::files::FileSystem::default();
    let checked = vsm_app::load::check(&files, &map).unwrap();
    let loaded = vsm_app::load::measure(&files, &map, checked, None).unwrap();
    let measured = loaded.measured.as_ref().expect("the map names a log");
    let svg = vsm_render::svg_marked(&loaded.stream, &loaded.analysis, &measured.provenance);
    assert!(svg.contains(" · 88.86%</text>"), "the share under the rung");
    assert!(svg.contains(">timeline: mean × share visiting</text>"));
    // A map without such rungs has no such row.
    let (stream, analysis) = load("examples/feature-delivery.yaml");
    assert!(!vsm_render::svg(&stream, &analysis).contains("share visiting"));
}

/// The top-left corner of step `index`'s box.
fn svg_top(svg: &str, index: usize) -> (i64, i64) {
    let group = &svg[svg.find(&format!("id=\"vsm-step-{index}\"")).unwrap()..];
    let r = rects(group, "vsm-box")[0];
    (r.0, r.1)
}

#[test]
fn the_ladder_ends_in_its_totals_on_the_last_row() {
    let (stream, analysis) = load("examples/feature-delivery.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    assert_eq!(svg.matches("class=\"vsm-ladder-end\"").count(), 1);
    let totals = &svg[svg.find("<g class=\"vsm-ladder-total\">").unwrap()..];
    let totals = &totals[..totals.find("</g>").unwrap()];
    assert!(totals.contains(">Lead time</text>"), "{totals}");
    assert!(totals.contains(">28d 14h</text>"), "{totals}");
    assert!(totals.contains(">2d 12h</text>"), "{totals}");
    // Below the last row of boxes, and the ladder goes on from the first band to the second.
    let end = rects(&svg, "vsm-ladder-end")[0];
    let lowest = (0..stream.steps.len())
        .map(|i| svg_top(&svg, i).1)
        .max()
        .unwrap();
    assert!(end.1 > lowest, "{end:?} above {lowest}");
    assert_eq!(svg.matches("vsm-ladder-goes-on").count(), 1);
}

#[test]
fn limits_show_as_a_fifo_lane_and_rows_of_the_data_box() {
    let (stream, analysis) = load("crates/vsm-render/tests/data/wrapped-flows.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    // A FIFO lane with its limit before each step with a WIP limit, in place of the triangle.
    let limited = stream
        .steps
        .iter()
        .filter(|s| s.wip_limit.is_some())
        .count();
    assert_eq!(limited, 2);
    assert_eq!(svg.matches("vsm-fifo-mark").count(), limited);
    assert!(svg.contains(">max 3</text>") && svg.contains(">max 5</text>"));
    assert!(svg.contains("FIFO lane: at most 5 items in Implement feature"));
    // Capacity, WIP limit and batch size in the data box, which grows for them on every step.
    for row in [
        ">Capacity</text>",
        ">4 at once</text>",
        ">WIP limit</text>",
        ">Batch size</text>",
        ">20 items</text>",
    ] {
        assert!(svg.contains(row), "{row}");
    }
    let heights: Vec<i64> = rects(&svg, "vsm-data").iter().map(|r| r.3).collect();
    assert!(heights.iter().all(|&h| h == heights[0] && h > 4 * 16 + 8));
    // Push arrows are striped bands: a stripe over every push arrow.
    assert_eq!(
        svg.matches("<path class=\"vsm-push\"").count(),
        svg.matches("<path class=\"vsm-push-stripe\"").count()
    );
    assert!(svg.contains("FIFO lane, with its WIP limit"));
}

#[test]
fn a_step_that_pulls_has_a_supermarket_and_a_pull_arrow_before_it() {
    let (stream, analysis) = load("crates/vsm-render/tests/data/wrapped-flows.yaml");
    let svg = vsm_render::svg(&stream, &analysis);
    let pulling: Vec<&str> = stream
        .steps
        .iter()
        .filter(|s| s.pull)
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        pulling,
        ["Code review", "Device lab tests", "Monitor crash rate"]
    );
    // In place of the triangle: the supermarket, the step's pull arrow, and the wait under it.
    assert_eq!(svg.matches("vsm-supermarket-mark").count(), 3);
    assert_eq!(svg.matches("<path class=\"vsm-pull\"").count(), 3);
    assert!(svg.contains(
        "<title>Supermarket: Code review pulls its work from stock the step before keeps filled; waits 1d</title>"
    ));
    let marks = svg.matches("class=\"vsm-queue-mark").count();
    let waits = stream
        .steps
        .iter()
        .filter(|s| !s.wait_time.is_zero() || s.wip_limit.is_some() || s.pull)
        .count();
    // One before each step that has one, and the legend's FIFO lane.
    assert_eq!(marks, waits + 1);
    // Work moves into a supermarket on a plain band: no stripes, which mean a push.
    assert_eq!(svg.matches("vsm-push vsm-to-supermarket").count(), 3);
    assert!(svg.contains("supermarket: the step after pulls from it"));
    // A map without one has none, nor its legend row.
    let (plain, analysis) = load("examples/feature-delivery.yaml");
    let svg = vsm_render::svg(&plain, &analysis);
    assert!(!svg.contains("vsm-supermarket-mark") && !svg.contains("the step after pulls"));
}

#[test]
fn measured_numbers_are_marked_with_a_legend() {
    use vsm_core::measure::{Provenance, StepProvenance};
    let (stream, analysis) = load("examples/platform-change.yaml");
    let plain = vsm_render::svg(&stream, &analysis);
    assert!(!plain.contains("class=\"vsm-mark-") && !plain.contains("measured from the log"));
    let mut provenance = vec![StepProvenance::default(); stream.steps.len()];
    provenance[0].wait_time = Provenance::Measured;
    provenance[0].complete_accurate = Provenance::Measured;
    provenance[1].wait_time = Provenance::Mixed;
    let svg = vsm_render::svg_marked(&stream, &analysis, &provenance);
    // Step 0: its wait and %C&A in the data box, and its wait on the ladder; step 1's wait,
    // and the lead times of both (part measured).
    assert_eq!(
        svg.matches("<circle class=\"vsm-mark-measured\"").count(),
        3 + 1
    );
    assert_eq!(
        svg.matches("<circle class=\"vsm-mark-mixed\"").count(),
        4 + 1
    );
    assert!(svg.contains("measured from the log (no mark: estimate)"));
    assert!(svg.contains("part measured, part estimate"));
    assert!(!svg.contains("class=\"vsm-mark-designed"));
}

#[test]
fn png_is_rendered_with_the_bundled_font() {
    let (stream, analysis) = load("examples/platform-change.yaml");
    let png = vsm_render::png(&stream, &analysis).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Width and height (big-endian, in the IHDR chunk) are twice the SVG's.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    let svg = vsm_render::svg(&stream, &analysis);
    let page = rects(&svg, "vsm-bg")[0];
    assert_eq!(
        (i64::from(width), i64::from(height)),
        (page.2 * 2, page.3 * 2)
    );
    // A picture with text is far from blank: a drawn map compresses to tens of kilobytes.
    assert!(png.len() > 50_000, "{} bytes", png.len());
}

#[test]
fn the_report_is_self_contained() {
    for example in EXAMPLES {
        let (stream, analysis) = load(&format!("examples/{example}.yaml"));
        let html = vsm_render::html(&stream, &analysis);
        assert!(html.starts_with("<!DOCTYPE html>"));
        for reference in [
            "src=\"http",
            "href=\"http",
            "url(http",
            "@import",
            "<script",
        ] {
            assert!(!html.contains(reference), "{example}: {reference}");
        }
        assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"vsm-map\""));
        assert!(
            html.contains("@page { size: 420mm 297mm; margin: 10mm; }"),
            "A3 landscape"
        );
        for improvement in &stream.improvements {
            assert!(html.contains(&improvement.action), "{example}: plan");
        }
    }
}

/// A map whose names hold what breaks markup: a trailing backslash, quotes, HTML, a line break
/// and Markdown table syntax.
const HOSTILE_MAP: &str = r#"
name: 'Ship it "now" \'
customer: "<img src=x onerror=alert(1)>"
scope: { start: "Request | urgent", end: "Live\nfor users" }
description: "- not a list\n<script>alert('d')</script>"
steps:
  - id: a
    name: "<script>alert(1)</script>"
    team: "Ops | SRE"
    process_time: 1h
    wait_time: 1d
  - id: b
    name: "Review\nand merge \\N #amp;"
    team: "<b>QA</b>"
    process_time: 2h
    wait_time: 2d
    complete_accurate: 50%
improvements:
  - id: fix
    step: b
    action: "Split\nthe | table"
    owner: "`whoami`"
"#;

fn hostile() -> (ValueStream, Analysis) {
    let parsed = vsm_core::parse_map(HOSTILE_MAP);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    (stream, analysis)
}

#[test]
fn markdown_shows_html_and_line_breaks_in_names_as_text() {
    let (stream, analysis) = hostile();
    for markdown in [
        vsm_render::markdown(&stream, &analysis),
        vsm_render::compare::render(
            vsm_render::compare::Side {
                stream: &stream,
                analysis: &analysis,
                simulated: None,
            },
            vsm_render::compare::Side {
                stream: &stream,
                analysis: &analysis,
                simulated: None,
            },
            vsm_render::Format::Markdown,
        )
        .expect("a format compare writes"),
    ] {
        for raw in [
            "<script",
            "<img",
            "<b>",
            "\nfor users",
            "\nand merge",
            "\nthe |",
        ] {
            assert!(!markdown.contains(raw), "{raw:?} in\n{markdown}");
        }
        // Every row of a table has as many cells as its header: no name split or widened it.
        let cells = |line: &str| line.replace("\\|", "").matches('|').count();
        let mut lines = markdown.lines().peekable();
        while let Some(line) = lines.next() {
            if line.starts_with('|') {
                let width = cells(line);
                while let Some(row) = lines.next_if(|l| l.starts_with('|')) {
                    assert_eq!(cells(row), width, "{row}\nin\n{markdown}");
                }
            }
        }
    }
    let markdown = vsm_render::markdown(&stream, &analysis);
    assert!(
        markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt; (a)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Scope: Request \\| urgent → Live for users"),
        "{markdown}"
    );
    assert!(markdown.contains("\n\\- not a list\n"), "{markdown}");
}

#[test]
fn mermaid_front_matter_and_labels_stay_valid_with_any_name() {
    use saphyr::LoadableYamlNode as _;
    let (stream, analysis) = hostile();
    let mermaid = vsm_render::mermaid(&stream, &analysis);
    let front = mermaid
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .unwrap()
        .0;
    let yaml = saphyr::Yaml::load_from_str(front).unwrap_or_else(|e| panic!("{e}: {front}"));
    assert_eq!(
        yaml[0]["title"].as_str(),
        Some(r#"Ship it "now" \"#),
        "{front}"
    );
    for raw in ["<script", "<img", "<b>QA"] {
        assert!(!mermaid.contains(raw), "{raw:?} in\n{mermaid}");
    }
    // One line per node: a line break in a name is a <br/> inside its label.
    let step_b = mermaid
        .lines()
        .find(|l| l.starts_with("    step1["))
        .unwrap();
    assert!(
        step_b.starts_with(r#"    step1["<b>Review<br/>and merge \N #amp#59;</b>"#)
            && step_b.ends_with("\"]"),
        "{step_b}"
    );
}

#[test]
fn mermaid_and_dot_keep_directives_entities_and_empty_loops_out() {
    let map = "name: Directives\nsteps:\n  - { id: a, name: \"%%{init: {'theme':'dark'}}%% A &lt; B\", process_time: 1h }\n  - { id: b, process_time: 1h }\nrework:\n  - { from: b, to: a, share: 0% }\n";
    let parsed = vsm_core::parse_map(map);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    let mermaid = vsm_render::mermaid(&stream, &analysis);
    assert!(!mermaid.contains("%%{"), "{mermaid}");
    assert!(mermaid.contains("#37;#37;{init"), "{mermaid}");
    // A loop that sends nothing back is not drawn, as on the map and in DOT.
    assert!(!mermaid.contains("rework"), "{mermaid}");
    let dot = vsm_render::dot(&stream, &analysis);
    assert!(dot.contains("A &amp;lt; B"), "{dot}");
    assert!(!dot.contains("A &lt; B"), "{dot}");
}

#[test]
fn dot_strings_stay_closed_with_any_name() {
    let (stream, analysis) = hostile();
    let dot = vsm_render::dot(&stream, &analysis);
    // Each statement on its own line: no name broke a string open or across lines.
    for line in dot.lines().skip(1) {
        let rank = line.starts_with("    { rank=same; ") && line.ends_with("; }");
        assert!(
            line.ends_with(';') || line == "}" || rank,
            "{line:?} in\n{dot}"
        );
    }
    assert!(dot.contains(r#"label="Ship it \"now\" \\\n"#), "{dot}");
    assert!(dot.contains(r#"Review\nand merge \\N #amp;"#), "{dot}");
}

/// A stream of `steps` steps in a chain, each with a team, times and a %C&A.
fn generated(steps: usize) -> (ValueStream, Analysis) {
    let mut map = String::from("name: Generated\ncustomer: Everyone\nsteps:\n");
    for i in 0..steps {
        map.push_str(&format!(
            "  - {{ id: s{i}, name: Step number {i}, team: Team {}, process_time: {}h, wait_time: {}d, complete_accurate: {}% }}\n",
            i % 7,
            1 + i % 5,
            1 + i % 3,
            90 + i % 10
        ));
    }
    let parsed = vsm_core::parse_map(&map);
    let stream = parsed.stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    (stream, analysis)
}

#[test]
fn a_400_step_map_renders_in_bounded_pictures() {
    let (stream, analysis) = generated(400);
    let svg = vsm_render::svg(&stream, &analysis);
    let picture = vsm_render::paper::Picture::of_svg(&svg).unwrap();
    // At the default scale the PNG would pass the pixel limit: refused before it is drawn, with
    // its size and the way out.
    let error = vsm_render::png(&stream, &analysis).unwrap_err().to_string();
    let (width, height) = (
        (picture.width * 2.0).ceil() as u64,
        (picture.height * 2.0).ceil() as u64,
    );
    assert!(
        width * height > vsm_render::MAX_PIXELS,
        "{width} x {height}"
    );
    assert!(error.starts_with("the PNG would be "), "{error}");
    // Known from the layout, before any line is routed: the picture's own size here.
    assert_eq!(
        vsm_render::png_fits(&stream, &analysis, None, 2.0)
            .unwrap_err()
            .to_string(),
        error
    );
    assert!(vsm_render::png_fits(&stream, &analysis, None, 0.25).is_ok());
    assert!(error.contains("write SVG or PDF"), "{error}");
    // The scale it names is the largest that fits, to a hundredth.
    let scale: f64 = error
        .split("--scale ")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap()
        .parse()
        .unwrap();
    let pixels =
        |scale: f64| (picture.width * scale).ceil() as u64 * (picture.height * scale).ceil() as u64;
    assert!(pixels(scale) <= vsm_render::MAX_PIXELS, "{scale}");
    assert!(pixels(scale + 0.01) > vsm_render::MAX_PIXELS, "{scale}");
    // Drawn a strip at a time (three at this size), the picture whole.
    let png = vsm_render::png_of_svg(&svg, 0.25).unwrap();
    let size = |at: usize| u64::from(u32::from_be_bytes(png[at..at + 4].try_into().unwrap()));
    assert_eq!(
        (size(16), size(20)),
        (
            (picture.width * 0.25).ceil() as u64,
            (picture.height * 0.25).ceil() as u64
        )
    );
    // The PDF has no pixels: a page of the map's own size, its smallest text at 3 mm.
    let pdf = vsm_render::pdf_of_svg(&svg, None, "Generated").unwrap();
    let (page_width, page_height) = vsm_render::paper::natural_size_mm(picture);
    let points = |mm: f64| format!("{:.0}", mm * 72.0 / 25.4);
    let text = String::from_utf8_lossy(&pdf[..pdf.len().min(4096)]).into_owned()
        + &String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(4096)..]);
    let media_box = text
        .split("/MediaBox [0 0 ")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("a page size");
    let numbers: Vec<f64> = media_box.split(' ').map(|n| n.parse().unwrap()).collect();
    // Over 14,400 units a side, as PDF readers take no more: counted in units of 2 points.
    assert!(numbers.iter().all(|&n| n <= 14_400.0), "{media_box}");
    let unit: f64 = text
        .split("/UserUnit ")
        .nth(1)
        .and_then(|rest| rest.split(['/', '>', ' ', '\n']).next())
        .expect("a user unit")
        .parse()
        .unwrap();
    assert_eq!(
        (
            format!("{:.0}", numbers[0] * unit),
            format!("{:.0}", numbers[1] * unit)
        ),
        (points(page_width), points(page_height))
    );
}

#[test]
fn the_reports_steps_table_marks_bottlenecks_by_the_maps_severity() {
    // Every ranked step had the same red bar while the map paints one red, one amber and the
    // rest by their number only.
    let (stream, analysis) = load("examples/textbook-acme-stamping.yaml");
    let html = vsm_render::html(&stream, &analysis);
    let marks: Vec<&str> = ["high", "medium", "low"]
        .into_iter()
        .filter(|s| html.contains(&format!("class=\"bottleneck-row bottleneck-{s}\"")))
        .collect();
    assert_eq!(marks, ["high", "medium", "low"]);
    assert_eq!(html.matches("bottleneck-row bottleneck-high").count(), 1);
    assert_eq!(html.matches("bottleneck-row bottleneck-medium").count(), 1);
    assert_eq!(
        html.matches("class=\"bottleneck-row ").count(),
        analysis.bottlenecks.len()
    );
}

/// The boxes of the information flows' labels in an SVG, a line each, as (x, y, width, height),
/// with their texts.
fn flow_labels(svg: &str) -> Vec<((i64, i64, i64, i64), String)> {
    svg.split("<text class=\"vsm-info-label vsm-halo\" x=\"")
        .skip(1)
        .map(|rest| {
            let (x, rest) = rest.split_once("\" y=\"").unwrap();
            let (y, rest) = rest.split_once("\">").unwrap();
            let text = rest[..rest.find("</text>").unwrap()].to_string();
            let (x, y): (i64, i64) = (x.parse().unwrap(), y.parse().unwrap());
            let width = vsm_render::svg::text::width_px(&text, 11, false);
            ((x, y - 11, width, 14), text)
        })
        .collect()
}

#[test]
fn crowded_flows_keep_their_labels_off_every_line_and_each_other() {
    // Twelve flows from one system to six steps (two labels on each line), and twelve flows out
    // of one step: the labels were placed after every line was drawn, found no gap between the
    // packed lines and went over them (9 and 2 crossings). Now each label goes beside its line
    // as the line is drawn, and the lines drawn after it go around it.
    for map in [
        "testdata/render/fanout-system.yaml",
        "testdata/render/manyflows-out.yaml",
        "testdata/render/manyflows.yaml",
        // A line into a system shared its place with one out of it and could not join it: two
        // lines were cut into stubs with tags ("to ERP: status 5") on each other.
        "testdata/render/both-ways.yaml",
    ] {
        let svg = map_without_legend(&std::fs::read_to_string(repo().join(map)).unwrap());
        assert!(
            !svg.contains(">from ") && !svg.contains(">to "),
            "{map}: a line cut into tagged stubs"
        );
        let labels = flow_labels(&svg);
        assert!(labels.len() >= 12, "{map}: {labels:?}");
        let mut lines = paths(&svg, "vsm-info");
        lines.extend(paths(&svg, "vsm-info-manual"));
        for (rect, text) in &labels {
            for line in &lines {
                for pair in line.windows(2) {
                    assert!(
                        !segment_crosses(pair[0], pair[1], *rect),
                        "{map}: {line:?} crosses {text:?} at {rect:?}"
                    );
                }
            }
        }
        for (i, (a, a_text)) in labels.iter().enumerate() {
            for (b, b_text) in &labels[i + 1..] {
                let apart =
                    a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1;
                assert!(apart, "{map}: {a_text:?} {a:?} overlaps {b_text:?} {b:?}");
            }
        }
    }
}

#[test]
fn the_legend_explains_the_junction_dot_where_the_map_has_one() {
    for (map, dots) in [
        ("testdata/render/manyflows.yaml", true),
        ("examples/feature-delivery.yaml", false),
    ] {
        let (stream, analysis) = load(map);
        let svg = vsm_render::svg(&stream, &analysis);
        let (drawing, legend) = svg.split_at(svg.find("<g class=\"vsm-legend\"").unwrap());
        assert_eq!(drawing.contains("class=\"vsm-junction"), dots, "{map}");
        assert_eq!(
            legend.contains("class=\"vsm-junction")
                && legend.contains(">junction: lines join at the dot<"),
            dots,
            "{map}"
        );
    }
}
