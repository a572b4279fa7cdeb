//! Opens the HTML report of each example in headless Chromium (Debian's `chromium` package) and
//! checks what a reader would see: no console error, no request leaving the page, the map drawn,
//! every step's name visible, no box overlapping another, no text overflowing its box, the
//! timeline ladder lined up with the boxes; and printed (`print`), the map alone on a first sheet
//! it fills, the rest on the sheets promised, no text under 3 mm.
//!
//! Screenshots (light and dark) land in `target/tmp/screenshots/` for a person to look at.
//! Without Chromium the test is skipped and says so on the terminal; `.ci/run` installs Chromium
//! and sets `VSM_REQUIRE_BROWSER_TESTS=1` so that CI always runs it. Set
//! `VSM_SKIP_BROWSER_TESTS=1` to skip it on purpose.

use std::path::{Path, PathBuf};

use headless_chrome::Browser;
use headless_chrome::protocol::cdp::{Emulation, Page};
use vsm_render::Paper;
use vsm_render::paper::Fit;

#[path = "browser/print.rs"]
mod print;

// Finding, launching and watching Chromium, shared with the server's browser test.
#[path = "../../vsm-server/tests/support/chromium.rs"]
mod chromium;

use chromium::{chromium, launch, viewport, watch};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A browser for a test, with its profile (removed when dropped) and where its screenshots go.
struct Session {
    browser: Browser,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Session {
    /// Chromium launched for `test`, or `None` when it is skipped (see [`chromium`]).
    fn open(test: &str) -> Option<Session> {
        let path = chromium(test, "the HTML reports opened in headless Chromium")?;
        let profile = tempfile::tempdir().unwrap();
        let browser = launch(path, profile.path());
        let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Some(Session {
            browser,
            shots,
            _profile: profile,
        })
    }
}

/// The report of a map (with the maps it extends), its numbers of steps and of information flow lines,
/// and how its map prints, as `vsm report --paper` writes it: measured from the log it names when `measure` is set, from
/// its estimates otherwise (the examples' stores are not in the repository). The first example
/// and the claims map (which has targets) come with a history of snapshots.
fn report(map: &Path, measure: bool, paper: Option<Paper>) -> (String, usize, usize, Fit) {
    let files = vsm_app::files::FileSystem::default();
    let checked = vsm_app::load::check(&files, map).unwrap();
    let trend = history(map);
    if measure {
        let loaded = vsm_app::load::measure(&files, map, checked, None).unwrap();
        let measured = loaded.measured.as_ref().expect("the map names a log");
        let log = vsm_app::paths::relative_to_map(map, Path::new(&measured.log));
        let (html, fit) = vsm_render::html_report_on_paper(
            &loaded.stream,
            &loaded.analysis,
            Some((&measured.measurement, &log.display().to_string())),
            trend.as_ref(),
            None,
            paper,
        )
        .unwrap();
        return (
            html,
            loaded.stream.steps.len(),
            flow_lines(&loaded.stream.flows),
            fit,
        );
    }
    let stream = checked.stream;
    let analysis = vsm_core::analyze(&stream);
    let (html, fit) =
        vsm_render::html_report_on_paper(&stream, &analysis, None, trend.as_ref(), None, paper)
            .unwrap();
    (html, stream.steps.len(), flow_lines(&stream.flows), fit)
}

/// The lines of information flows a map draws: one for the flows of a kind between two places.
fn flow_lines(flows: &[vsm_core::model::Flow]) -> usize {
    let mut lines: Vec<&vsm_core::model::Flow> = Vec::new();
    for flow in flows {
        if !lines
            .iter()
            .any(|l| l.from == flow.from && l.to == flow.to && l.kind == flow.kind)
        {
            lines.push(flow);
        }
    }
    lines.len()
}

/// Six weekly snapshots for the first example (one of them before the activity ratio was
/// recorded) and for the claims map (its items' p85 against its target of at most 3 weeks).
fn history(map: &Path) -> Option<vsm_render::trend::Trend> {
    let taken_at = (1..=6)
        .map(|week| format!("2026-10-{:02}T00:00:00Z", week * 4))
        .collect();
    let days = |values: [f64; 6]| values.map(|d| Some(d * 86_400.0)).to_vec();
    let series = if map.ends_with("examples/feature-delivery.yaml") {
        vec![
            (
                "lead_time".into(),
                days([30.0, 29.5, 28.0, 26.0, 25.5, 24.0]),
            ),
            (
                "activity_ratio".into(),
                vec![None, Some(5.1), Some(5.4), Some(6.0), Some(6.1), Some(7.2)],
            ),
            ("rolled_complete_accurate".into(), vec![Some(35.5); 6]),
        ]
    } else if map.ends_with("testdata/measure/claims.yaml") {
        vec![
            (
                "items.lead_time.p85".into(),
                days([26.0, 24.0, 22.5, 21.0, 19.0, 18.5]),
            ),
            (
                "lead_time".into(),
                days([12.0, 11.5, 11.0, 11.0, 10.5, 11.0]),
            ),
        ]
    } else {
        return None;
    };
    Some(vsm_render::trend::Trend { taken_at, series })
}

/// The maps the browser opens: the examples, the maps measured from real logs, one `vsm
/// discover` proposes (written to `dir`), and the test maps; (map, measured).
fn maps(dir: &Path) -> Vec<(String, bool)> {
    let mut maps: Vec<(String, bool)> = [
        "feature-delivery",
        "feature-delivery-future",
        "feature-delivery-overlay",
        "platform-change",
        "regulated-release",
        "jira-board",
        "pull-requests-ants",
        // Derived waits (`≈`) under the triangles and the summary box's line of days.
        "textbook-acme-stamping",
    ]
    .iter()
    .map(|name| (format!("examples/{name}.yaml"), false))
    .collect();
    for name in [
        "claims",
        "loans",
        "orders",
        "orders-working-hours",
        "receipt-groups-receipt",
        "receipt-groups-08_receipt",
    ] {
        maps.push((format!("testdata/measure/{name}.yaml"), true));
    }
    let discovered = discovered_map("testdata/xes/03_repairExample.xes.gz", dir);
    maps.push((discovered.to_str().unwrap().to_string(), true));
    for name in ["long-stream", "wrapped-flows", "unicode", "two-steps"] {
        maps.push((format!("crates/vsm-render/tests/data/{name}.yaml"), false));
    }
    // More flows into one step than its top edge holds ends: they share ends, in bundles.
    maps.push(("testdata/render/manyflows.yaml".into(), false));
    // Twelve flows from one system to six steps, and twelve out of one step: labels beside
    // their lines, none on another line.
    maps.push(("testdata/render/fanout-system.yaml".into(), false));
    maps.push(("testdata/render/manyflows-out.yaml".into(), false));
    // A flow each way between one system and each of six steps.
    maps.push(("testdata/render/both-ways.yaml".into(), false));
    maps
}

/// The map `vsm discover` proposes for a real log, written to `dir` (it names the log by its
/// absolute path, so it measures itself from there).
fn discovered_map(log: &str, dir: &Path) -> PathBuf {
    let files = vsm_app::files::FileSystem::default();
    let log = repo().join(log);
    let options = vsm_ingest::ReadOptions::default();
    let found = vsm_app::discover::run(&files, &log, None, &options).unwrap();
    let output = dir.join("discovered.yaml");
    let reading = vsm_app::discover::LogReading {
        options: &options,
        format: None,
        zone: None,
    };
    let map = vsm_app::discover::propose(&files, &log, &found, Some(&output), reading).unwrap();
    std::fs::write(&output, map).unwrap();
    output
}

/// Runs in the page before [`CHECK_PAGE`]: `checkLabels(svg)` lists, from the elements' boxes,
/// every text cut with an ellipsis, every two labels that overlap, every label over a mark (a
/// kaizen burst, a bottleneck badge, a queue triangle), every text that leaves its box or the
/// picture, and every line (push, information, rework, ladder) that runs through a label.
const CHECK_LABELS: &str = r#"
function checkLabels(svg) {
  const problems = [];
  // A label's box, shrunk by a pixel so that neighbours that only touch pass.
  const boxOf = (el, shrink) => {
    const r = el.getBoundingClientRect();
    return { left: r.left + shrink, right: r.right - shrink, top: r.top + shrink, bottom: r.bottom - shrink };
  };
  const overlap = (a, b) => Math.min(a.right, b.right) > Math.max(a.left, b.left) && Math.min(a.bottom, b.bottom) > Math.max(a.top, b.top);
  const inside = (t, b) => t.left >= b.left - 1 && t.right <= b.right + 1 && t.top >= b.top - 1 && t.bottom <= b.bottom + 1;
  const name = (el) => '"' + el.textContent + '"';
  const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim() !== '' && t.getBoundingClientRect().width > 0);
  const labels = texts.map(t => ({ el: t, r: boxOf(t, 1), mark: t.closest('.vsm-kaizen-burst, .vsm-queue-mark, .vsm-badge-group') }));
  const picture = svg.getBoundingClientRect();
  // The boxes no line may cross: steps, data boxes, the header's systems and factories, the
  // ladder's totals and the summary (shrunk by a pixel: a line may end on an edge).
  const boxes = [...svg.querySelectorAll('rect.vsm-box, rect.vsm-data, rect.vsm-system, path.vsm-header, rect.vsm-ladder-end, rect.vsm-summary')]
    .filter(b => !b.closest('.vsm-legend'))
    .map(b => {
      const owner = b.closest('[data-step]') || b.closest('g');
      const title = owner && owner.querySelector('title');
      return { r: boxOf(b, 1), what: 'the box of ' + (owner && owner.dataset && owner.dataset.step ? owner.dataset.step : (title ? '"' + title.textContent.split('\n')[0] + '"' : b.getAttribute('class'))) };
    });
  for (const l of labels) {
    if (l.el.textContent.includes('…')) problems.push('text ' + name(l.el) + ' is cut short');
    if (!inside(l.r, picture)) problems.push('text ' + name(l.el) + ' leaves the picture');
  }
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
    if (overlap(labels[i].r, labels[j].r)) problems.push('text ' + name(labels[i].el) + ' overlaps text ' + name(labels[j].el));
  }
  // Marks: a label may sit on its own mark (the burst's number, the triangle's I, the FIFO lane's
  // word), not on another; nor on a measured number's dot.
  for (const mark of svg.querySelectorAll('.vsm-kaizen, .vsm-badge, .vsm-queue, .vsm-fifo, .vsm-supermarket, .vsm-pull, .vsm-provenance > *')) {
    const m = boxOf(mark, 1);
    const group = mark.closest('.vsm-kaizen-burst, .vsm-queue-mark, .vsm-badge-group, .vsm-provenance');
    for (const l of labels) {
      if (l.mark && l.mark === group) continue;
      if (mark.classList.contains('vsm-badge') && l.el.classList.contains('vsm-badge-text')) continue;
      if (overlap(l.r, m)) problems.push('text ' + name(l.el) + ' lies on a ' + mark.getAttribute('class').replace('vsm-', '') + ' mark');
    }
  }
  // Texts in a box stay in it: the header's factories and systems, the summary.
  const containers = [
    ['.vsm-trigger, .vsm-customer', 'path.vsm-header'],
    ['.vsm-system-node', 'rect.vsm-system'],
    ['.vsm-summary-box', 'rect.vsm-summary'],
    ['.vsm-ladder-total', 'rect.vsm-ladder-end'],
  ];
  for (const [groups, shape] of containers) for (const group of svg.querySelectorAll(groups)) {
    const b = group.querySelector(shape).getBoundingClientRect();
    for (const t of group.querySelectorAll('text')) if (!inside(boxOf(t, 1), b)) problems.push('text ' + name(t) + ' leaves its box');
  }
  // Lines: the straight segments of every path (M, L, H, V), in page coordinates.
  const lines = svg.querySelectorAll('path.vsm-push, path.vsm-info, path.vsm-info-manual, path.vsm-rework, path.vsm-ladder, path.vsm-ladder-skip');
  for (const path of lines) {
    if (path.closest('.vsm-legend')) continue;
    const m = path.getScreenCTM();
    const tokens = path.getAttribute('d').match(/[MLHVZ]|-?[0-9.]+/g) || [];
    const points = [];
    let x = 0, y = 0, command = 'M';
    for (let k = 0; k < tokens.length;) {
      if (/[MLHVZ]/.test(tokens[k])) { command = tokens[k++]; if (command === 'Z') continue; }
      if (command === 'M' || command === 'L') { x = +tokens[k++]; y = +tokens[k++]; }
      else if (command === 'H') x = +tokens[k++];
      else if (command === 'V') y = +tokens[k++];
      else { k++; continue; }
      const p = new DOMPoint(x, y).matrixTransform(m);
      points.push({ x: p.x, y: p.y, move: command === 'M' });
    }
    const owner = path.closest('g.vsm-flow, g.vsm-rework-loop');
    const what = (owner && owner.querySelector('title') ? owner.querySelector('title').textContent : path.getAttribute('class'));
    for (let k = 1; k < points.length; k++) {
      if (points[k].move) continue;
      const a = points[k - 1], b = points[k];
      for (const l of labels) {
        if (crosses(a, b, l.r)) problems.push('a line (' + what + ') crosses text ' + name(l.el));
      }
      for (const box of boxes) {
        if (crosses(a, b, box.r)) problems.push('a line (' + what + ') crosses ' + box.what);
      }
    }
  }
  // Wrapped rows keep every line a line: no note stands for a line cut short.
  for (const l of labels) {
    if (/^\s*[↑↓⇡⇣↩↪]\s*(to|from|back|returns)\b|^from \S+$/.test(l.el.textContent)) problems.push('text ' + name(l.el) + ' stands for a line');
  }
  for (const flow of svg.querySelectorAll('g.vsm-flow')) {
    if (!flow.querySelector('path.vsm-info, path.vsm-info-manual')) problems.push('information flow "' + flow.querySelector('title').textContent + '" has no line');
  }
  return [...new Set(problems)];
}

// Whether the segment from a to b passes through the rectangle r (Liang-Barsky clipping).
function crosses(a, b, r) {
  let t0 = 0, t1 = 1;
  const dx = b.x - a.x, dy = b.y - a.y;
  const edges = [[-dx, a.x - r.left], [dx, r.right - a.x], [-dy, a.y - r.top], [dy, r.bottom - a.y]];
  for (const [p, q] of edges) {
    if (p === 0) { if (q < 0) return false; continue; }
    const t = q / p;
    if (p < 0) { if (t > t1) return false; if (t > t0) t0 = t; }
    else { if (t < t0) return false; if (t < t1) t1 = t; }
  }
  return t1 - t0 > 1e-6;
}
"#;

/// Runs in the page: returns a JSON string with what a reader would notice.
const CHECK_PAGE: &str = r#"
(() => {
  const problems = [];
  const svg = document.querySelector('.map svg');
  if (!svg) return JSON.stringify({ problems: ['no map on the page'] });
  const mapBox = svg.getBoundingClientRect();
  if (mapBox.width < 100 || mapBox.height < 100) problems.push('map is drawn too small: ' + mapBox.width + 'x' + mapBox.height);
  const visible = (el) => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0;
  };
  const boxes = [];
  for (const step of svg.querySelectorAll('g.vsm-step')) {
    const id = step.dataset.step;
    const rect = step.querySelector('rect.vsm-box');
    const data = step.querySelector('rect.vsm-data');
    const r = rect.getBoundingClientRect();
    boxes.push({ id: id + ' box', r }, { id: id + ' data', r: data.getBoundingClientRect() });
    const name = [...step.querySelectorAll('text.vsm-name')];
    if (name.length === 0 || !name.every(visible)) problems.push('step ' + id + ' has no visible name');
    const shown = name.map(t => t.textContent).join(' ');
    const full = step.querySelector('title').textContent.split('\n')[0];
    // Lines break at spaces or inside long words: compare without white space.
    const squeeze = (s) => s.replace(/\s/g, '');
    if (!squeeze(full).startsWith(squeeze(shown.replace(/…$/, '')))) problems.push('step ' + id + ' shows "' + shown + '" for "' + full + '"');
    for (const text of step.querySelectorAll('text')) {
      const t = text.getBoundingClientRect();
      const inside = (b) => t.left >= b.left - 1 && t.right <= b.right + 1 && t.top >= b.top - 1 && t.bottom <= b.bottom + 1;
      const overlapsBox = t.bottom > r.top && t.top < r.bottom + data.getBoundingClientRect().height;
      if (text.closest('.vsm-kaizen-burst') || text.classList.contains('vsm-badge-text')) continue;
      if (overlapsBox && !(inside(r) || inside(data.getBoundingClientRect())))
        problems.push('text "' + text.textContent + '" overflows the box of ' + id);
    }
  }
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].r, b = boxes[j].r;
    const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
    if (overlap) problems.push(boxes[i].id + ' overlaps ' + boxes[j].id);
  }
  // The ladder's lower rung spans exactly the width of its step's box.
  let rungs = 0;
  for (const rung of svg.querySelectorAll('path.vsm-ladder[data-step]')) {
    const step = svg.querySelector('g.vsm-step[data-step="' + CSS.escape(rung.dataset.step) + '"] rect.vsm-box');
    const a = rung.getBoundingClientRect(), b = step.getBoundingClientRect();
    if (Math.abs(a.right - b.right) > 1.5) problems.push('ladder of ' + rung.dataset.step + ' ends at ' + a.right + ', its box at ' + b.right);
    rungs++;
  }
  if (rungs === 0) problems.push('no timeline ladder');
  // Trend charts: a line and a dot per value, inside their card.
  for (const chart of document.querySelectorAll('svg.trend')) {
    const card = chart.closest('.trend-card').getBoundingClientRect();
    const c = chart.getBoundingClientRect();
    if (c.right > card.right + 1) problems.push('trend chart ' + chart.getAttribute('aria-label') + ' overflows its card');
    const line = chart.querySelector('path.trend-line').getBoundingClientRect();
    if (line.width < 50) problems.push('trend chart ' + chart.getAttribute('aria-label') + ' has no line');
    for (const dot of chart.querySelectorAll('circle')) {
      const d = dot.getBoundingClientRect();
      if (d.top < c.top - 0.5 || d.bottom > c.bottom + 0.5) problems.push('a dot of ' + chart.getAttribute('aria-label') + ' is outside the chart');
    }
  }
  problems.push(...checkLabels(svg));
  const trendDots = document.querySelectorAll('svg.trend circle').length;
  return JSON.stringify({ problems, steps: boxes.length / 2, rungs, trendDots, background: getComputedStyle(document.body).backgroundColor });
})()
"#;

#[derive(Debug)]
struct PageReport {
    problems: Vec<String>,
    steps: u64,
    trend_dots: u64,
    background: String,
}

fn check(browser: &Browser, map: &str, html: &str, shots: &Path) -> PageReport {
    let name = Path::new(map)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.html"));
    std::fs::write(&file, html).unwrap();
    let url = format!("file://{}", file.display());

    let tab = browser.new_tab().unwrap();
    let page_url = url.clone();
    let seen = watch(&tab, move |request| request == page_url);
    tab.navigate_to(&url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    let result = tab
        .evaluate(&format!("{CHECK_LABELS}\n{CHECK_PAGE}"), false)
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(result.value.unwrap().as_str().unwrap()).unwrap();
    let mut problems: Vec<String> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();

    let screenshot = |suffix: &str| {
        let height = tab
            .evaluate("document.documentElement.scrollHeight", false)
            .unwrap()
            .value
            .unwrap()
            .as_f64()
            .unwrap();
        // A viewport as tall as the page, so the screenshot holds all of it.
        viewport(&tab, 1680, height as u32);
        let png = tab
            .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        std::fs::write(shots.join(format!("{name}{suffix}.png")), png).unwrap();
    };
    screenshot("");
    tab.call_method(Emulation::SetEmulatedMedia {
        media: None,
        features: Some(vec![Emulation::MediaFeature {
            name: "prefers-color-scheme".into(),
            value: "dark".into(),
        }]),
    })
    .unwrap();
    let dark = tab
        .evaluate(
            "getComputedStyle(document.body).backgroundColor + ' ' + getComputedStyle(document.querySelector('.vsm-bg')).fill",
            false,
        )
        .unwrap();
    screenshot("-dark");
    problems.extend(seen.lock().unwrap().iter().cloned());
    tab.close(true).unwrap();
    PageReport {
        problems,
        steps: json["steps"].as_u64().unwrap(),
        trend_dots: json["trendDots"].as_u64().unwrap(),
        background: dark.value.unwrap().as_str().unwrap().to_string(),
    }
}

#[test]
fn reports_render_cleanly_in_chromium() {
    let Some(Session {
        browser,
        shots,
        _profile,
    }) = Session::open("reports_render_cleanly_in_chromium")
    else {
        return;
    };
    let discovered = tempfile::tempdir().unwrap();
    let maps = maps(discovered.path());
    let mut failures = Vec::new();
    for (map, measure) in &maps {
        let (map, measure) = (map.as_str(), *measure);
        let (html, steps, flows, _) = report(&repo().join(map), measure, None);
        let report = check(&browser, map, &html, &shots);
        assert_eq!(report.steps, steps as u64, "{map}: a box per step");
        assert_eq!(
            html.matches("<g class=\"vsm-flow ").count(),
            flows,
            "{map}: a line per information flow"
        );
        // A measured map marks its measured numbers, and says so in its legend.
        assert_eq!(
            html.contains("class=\"vsm-mark-measured\"") && html.contains("measured from the log"),
            measure,
            "{map}: measured numbers marked"
        );
        let dots = if map.ends_with("examples/feature-delivery.yaml") {
            17
        } else if map.ends_with("testdata/measure/claims.yaml") {
            12
        } else {
            0
        };
        assert_eq!(
            report.trend_dots, dots,
            "{map}: a dot per value of the trend"
        );
        assert!(
            !report.background.contains("rgb(255, 255, 255)"),
            "{map}: no dark mode: {}",
            report.background
        );
        for problem in report.problems {
            failures.push(format!("{map}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("screenshots in {}", shots.display());
}
