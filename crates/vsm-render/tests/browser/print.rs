//! The reports printed: each one on A3 (what `vsm report` prints on by default) and, where its
//! map's text comes out under 3 mm on A3, on the smallest sheet that prints it at 3 mm or more
//! (what `vsm report --paper` promises). Checked from the elements' sizes under print media and
//! from the PDF Chromium prints: the map alone on the first sheet, as large as the sheet allows;
//! the rest of the report on at most the sheets promised; no text of the rest under 3 mm, and
//! none of the map's under 3 mm on its sheet. The PDFs land beside the screenshots.

use headless_chrome::types::PrintToPdfOptions;

use super::*;

/// The most sheets a report of a map of up to 12 steps prints on: the map's, then one for an
/// estimated map's tables, two for a measured map's (which add the ladder and a chart per step).
/// Longer maps' tables may take a sheet more.
fn promised_pages(measured: bool, steps: usize) -> usize {
    2 + usize::from(measured) + usize::from(steps > 12)
}

/// Millimetres in a CSS pixel.
const MM: f64 = 25.4 / 96.0;

/// Runs in the page under print media: the map's place and printed size, and the smallest text
/// of the map and of the rest (SVG text scaled by its picture), in millimetres.
const CHECK_PRINT: &str = r#"
(() => {
  const mm = 25.4 / 96;
  const svg = document.querySelector('.map svg');
  const box = svg.getBoundingClientRect();
  const smallest = { map: [Infinity, ''], rest: [Infinity, ''] };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    // Tooltips (an SVG's title and desc) are not printed.
    if (!node.textContent.trim() || el.closest('title, desc, style')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    let size = parseFloat(getComputedStyle(el).fontSize);
    const picture = el.closest('svg');
    if (picture) size *= el.getScreenCTM().a;
    size *= mm;
    const side = picture === svg ? smallest.map : smallest.rest;
    if (size < side[0]) { side[0] = size; side[1] = node.textContent.trim().slice(0, 40); }
  }
  const header = document.querySelector('header').getBoundingClientRect();
  return JSON.stringify({
    width: box.width * mm,
    height: box.height * mm,
    mapFirst: box.bottom <= header.top,
    map: smallest.map,
    rest: smallest.rest,
  });
})()
"#;

/// What went wrong with the report of `map` printed with `fit` (`paper` as passed to it).
fn print_problems(
    browser: &Browser,
    map: &str,
    (html, steps, _, fit): &(String, usize, usize, Fit),
    measured: bool,
    shots: &Path,
) -> Vec<String> {
    let name = Path::new(map)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let sheet = fit.paper.name();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.html"));
    std::fs::write(&file, html).unwrap();
    let tab = browser.new_tab().unwrap();
    let (room_width, room_height) = fit.paper.printable_mm();
    // As wide as the sheet's printable area, so the page lays out as it prints.
    viewport(
        &tab,
        (room_width / MM).floor() as u32,
        (room_height / MM).floor() as u32,
    );
    tab.navigate_to(&format!("file://{}", file.display()))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    tab.call_method(Emulation::SetEmulatedMedia {
        media: Some("print".into()),
        features: None,
    })
    .unwrap();
    let result = tab.evaluate(CHECK_PRINT, false).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(result.value.unwrap().as_str().unwrap()).unwrap();
    let mut problems = Vec::new();
    let number = |key: &str| json[key].as_f64().unwrap();
    let smallest = |side: &str| {
        (
            json[side][0].as_f64().unwrap_or(f64::INFINITY),
            json[side][1].as_str().unwrap_or("").to_string(),
        )
    };
    if !json["mapFirst"].as_bool().unwrap() {
        problems.push(format!(
            "on {sheet} the map is not on the first sheet, before the rest"
        ));
    }
    // The map is drawn at the size its fit says, filling the sheet one way.
    let (width, height) = (number("width"), number("height"));
    if (width - fit.width_mm).abs() > 0.2 || (height - fit.height_mm).abs() > 0.2 {
        problems.push(format!(
            "on {sheet} the map prints at {width:.1} x {height:.1} mm, not {:.1} x {:.1} mm",
            fit.width_mm, fit.height_mm
        ));
    }
    if (room_width - width).abs() > 0.5 && (room_height - height).abs() > 0.5 {
        problems.push(format!(
            "on {sheet} the map ({width:.1} x {height:.1} mm) fills neither the sheet's width ({room_width} mm) nor its height ({room_height} mm)"
        ));
    }
    let (map_text, map_which) = smallest("map");
    if (map_text - fit.smallest_text_mm).abs() > 0.05 {
        problems.push(format!(
            "on {sheet} the map's smallest text (\"{map_which}\") prints at {map_text:.2} mm, not the {:.2} mm its fit says",
            fit.smallest_text_mm
        ));
    }
    if fit.is_readable() && map_text < vsm_render::paper::MIN_TEXT_MM - 0.01 {
        problems.push(format!(
            "on {sheet} the map's text \"{map_which}\" prints at {map_text:.2} mm, under 3 mm"
        ));
    }
    let (rest_text, rest_which) = smallest("rest");
    if rest_text < vsm_render::paper::MIN_TEXT_MM - 0.01 {
        problems.push(format!(
            "on {sheet} the text \"{rest_which}\" prints at {rest_text:.2} mm, under 3 mm"
        ));
    }
    let pdf = tab
        .print_to_pdf(Some(PrintToPdfOptions {
            prefer_css_page_size: Some(true),
            print_background: Some(true),
            ..Default::default()
        }))
        .unwrap();
    std::fs::write(shots.join(format!("{name}-{sheet}.pdf")), &pdf).unwrap();
    let pages = count_pdf_pages(&pdf);
    let promised = promised_pages(measured, *steps);
    if !(2..=promised).contains(&pages) {
        problems.push(format!(
            "on {sheet} it prints on {pages} pages, not the map's and at most {} more",
            promised - 1
        ));
    }
    // Straight to the terminal, for `--nocapture`-free runs to show what printed.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "printed {name} on {sheet}: {pages} pages, the map {width:.0} x {height:.0} mm, its smallest text {map_text:.2} mm, the rest's {rest_text:.2} mm"
    );
    tab.close(true).unwrap();
    problems
}

/// Pages in a PDF: objects of `/Type /Page` (not `/Pages`).
fn count_pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    let alternative = b"/Type/Page";
    let mut count = 0;
    for pattern in [&needle[..], &alternative[..]] {
        count += pdf
            .windows(pattern.len() + 1)
            .filter(|w| &w[..pattern.len()] == pattern && w[pattern.len()] != b's')
            .count();
    }
    count
}

#[test]
fn reports_print_on_their_sheets() {
    let Some(Session {
        browser,
        shots,
        _profile,
    }) = Session::open("reports_print_on_their_sheets")
    else {
        return;
    };
    let discovered = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut on_a3 = 0;
    for (map, measured) in maps(discovered.path()) {
        let path = repo().join(&map);
        let printed = report(&path, measured, None);
        let (html, _, _, fit) = &printed;
        assert_eq!(fit.paper, Paper::A3, "{map}: A3 unless asked");
        let mut problems = print_problems(&browser, &map, &printed, measured, &shots);
        if fit.is_readable() {
            on_a3 += 1;
        } else {
            // The sheet `vsm report` names in its note, where the text comes to 3 mm.
            let map_svg = &html[html.find("<svg").unwrap()..];
            let map_svg = &map_svg[..map_svg.find("</svg>").unwrap()];
            let picture = vsm_render::paper::Picture::of_svg(map_svg).unwrap();
            let Some(larger) = vsm_render::paper::smallest_readable(picture) else {
                // The long test maps (forty steps; rows of routed lines): `vsm render -o map.pdf`
                // draws them on a page of their own size.
                if !(map.ends_with("long-stream.yaml") || map.ends_with("wrapped-flows.yaml")) {
                    failures.push(format!("{map}: no sheet up to A1 prints its map at 3 mm"));
                }
                failures.extend(problems.into_iter().map(|p| format!("{map}: {p}")));
                continue;
            };
            let printed = report(&path, measured, Some(larger.paper));
            assert_eq!(printed.3, larger, "{map}");
            problems.extend(print_problems(&browser, &map, &printed, measured, &shots));
        }
        failures.extend(problems.into_iter().map(|p| format!("{map}: {p}")));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Not every map needs a larger sheet: the check of A3 at 3 mm ran too.
    assert!(on_a3 > 0, "no map fits A3 at 3 mm");
    eprintln!("printed PDFs in {}", shots.display());
}
