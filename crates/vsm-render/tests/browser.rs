//! Opens the HTML report of each example in headless Chromium (Debian's `chromium` package) and
//! checks what a reader would see: no console error, no request leaving the page, the map drawn,
//! every step's name visible, no box overlapping another, no text overflowing its box, the
//! timeline ladder lined up with the boxes, and one landscape A3 page when printed.
//!
//! Screenshots (light and dark) land in `target/tmp/screenshots/` for a person to look at.
//! Without Chromium the test is skipped and says so on the terminal; `.ci/run` installs Chromium
//! and sets `VSM_REQUIRE_BROWSER_TESTS=1` so that CI always runs it. Set
//! `VSM_SKIP_BROWSER_TESTS=1` to skip it on purpose.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Emulation, Network, Page};
use headless_chrome::types::PrintToPdfOptions;
use headless_chrome::{Browser, LaunchOptions};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Chromium to run, or `None` to skip the browser checks, having said so on the terminal.
///
/// Without Chromium the checks are skipped, not failed, so that `cargo test --workspace` passes on
/// a fresh machine; `VSM_REQUIRE_BROWSER_TESTS=1` (set by `.ci/run`) makes a missing Chromium a
/// failure, so CI always runs them.
fn chromium(test: &str) -> Option<PathBuf> {
    let skip = |why: &str| {
        // Straight to the terminal: libtest hides what a passing test prints with `eprintln!`.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED browser test `{test}` (the HTML reports opened in headless Chromium): {why}\n"
        );
        None
    };
    if std::env::var_os("VSM_SKIP_BROWSER_TESTS").is_some() {
        return skip("VSM_SKIP_BROWSER_TESTS is set");
    }
    if let Some(path) = std::env::var_os("VSM_CHROMIUM").map(PathBuf::from) {
        assert!(
            path.exists(),
            "VSM_CHROMIUM is `{}`, which does not exist; point it at a Chromium binary, or unset it",
            path.display()
        );
        return Some(path);
    }
    let path = PathBuf::from("/usr/bin/chromium");
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("VSM_REQUIRE_BROWSER_TESTS").is_none(),
        "VSM_REQUIRE_BROWSER_TESTS is set but there is no Chromium at /usr/bin/chromium: install it \
         (`apt-get install chromium`) or point VSM_CHROMIUM at one"
    );
    skip(
        "no Chromium at /usr/bin/chromium and VSM_CHROMIUM is not set; install it (`apt-get install chromium`) \
         or point VSM_CHROMIUM at one to run it",
    )
}

fn launch(path: PathBuf, profile: &Path) -> Browser {
    let args: Vec<&std::ffi::OsStr> = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]
    .iter()
    .map(std::ffi::OsStr::new)
    .collect();
    let options = LaunchOptions::default_builder()
        .path(Some(path))
        .headless(true)
        .sandbox(false)
        .window_size(Some((1680, 1200)))
        .user_data_dir(Some(profile.to_path_buf()))
        .args(args)
        .build()
        .unwrap();
    Browser::new(options).unwrap()
}

fn report(map: &Path) -> String {
    let source = std::fs::read_to_string(map).unwrap();
    let stream = vsm_core::parse_map(&source).stream.unwrap();
    let analysis = vsm_core::analyze(&stream);
    if !map.ends_with("feature-delivery.yaml") {
        return vsm_render::html(&stream, &analysis);
    }
    // The first example with a history of six weekly snapshots, one of them before the
    // activity ratio was recorded.
    let taken_at = (1..=6)
        .map(|week| format!("2026-10-{:02}T00:00:00Z", week * 4))
        .collect();
    let trend = vsm_render::trend::Trend {
        taken_at,
        series: vec![
            (
                "lead_time".into(),
                [30.0, 29.5, 28.0, 26.0, 25.5, 24.0]
                    .map(|d| Some(d * 86_400.0))
                    .to_vec(),
            ),
            (
                "activity_ratio".into(),
                vec![None, Some(5.1), Some(5.4), Some(6.0), Some(6.1), Some(7.2)],
            ),
            ("rolled_complete_accurate".into(), vec![Some(35.5); 6]),
        ],
    };
    vsm_render::html_report(&stream, &analysis, None, Some(&trend))
}

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
  for (const rung of svg.querySelectorAll('path.vsm-ladder')) {
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

fn check(browser: &Browser, map: &Path, shots: &Path, one_page: bool) -> PageReport {
    let name = map.file_stem().unwrap().to_string_lossy().into_owned();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.html"));
    std::fs::write(&file, report(map)).unwrap();
    let url = format!("file://{}", file.display());

    let tab = browser.new_tab().unwrap();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let page_url = url.clone();
    tab.add_event_listener(Arc::new(move |event: &Event| {
        let problem = match event {
            Event::RuntimeExceptionThrown(e) => {
                Some(format!("exception: {:?}", e.params.exception_details.text))
            }
            Event::RuntimeConsoleAPICalled(e) => {
                let kind = format!("{:?}", e.params.Type);
                (kind == "Error" || kind == "Assert")
                    .then(|| format!("console {kind}: {:?}", e.params.args))
            }
            Event::LogEntryAdded(e) => {
                let level = format!("{:?}", e.params.entry.level);
                (level == "Error").then(|| format!("log error: {}", e.params.entry.text))
            }
            Event::NetworkLoadingFailed(e) => {
                Some(format!("failed request: {}", e.params.error_text))
            }
            Event::NetworkRequestWillBeSent(e) => {
                let request = &e.params.request.url;
                (request != &page_url && !request.starts_with("data:"))
                    .then(|| format!("request left the page: {request}"))
            }
            _ => None,
        };
        if let Some(problem) = problem {
            sink.lock().unwrap().push(problem);
        }
    }))
    .unwrap();
    tab.enable_runtime().unwrap();
    tab.enable_log().unwrap();
    tab.call_method(Network::Enable {
        max_total_buffer_size: None,
        max_resource_buffer_size: None,
        max_post_data_size: None,
        report_direct_socket_traffic: None,
        enable_durable_messages: None,
    })
    .unwrap();
    tab.navigate_to(&url)
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    let result = tab.evaluate(CHECK_PAGE, false).unwrap();
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
        tab.call_method(Emulation::SetDeviceMetricsOverride {
            width: 1680,
            height: height as u32,
            device_scale_factor: 1.0,
            mobile: false,
            scale: None,
            screen_width: None,
            screen_height: None,
            position_x: None,
            position_y: None,
            dont_set_visible_size: None,
            screen_orientation: None,
            viewport: None,
            display_feature: None,
            device_posture: None,
        })
        .unwrap();
        let png = tab
            .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        std::fs::write(shots.join(format!("{name}{suffix}.png")), png).unwrap();
    };
    screenshot("");
    if one_page {
        let pdf = tab
            .print_to_pdf(Some(PrintToPdfOptions {
                prefer_css_page_size: Some(true),
                print_background: Some(true),
                ..Default::default()
            }))
            .unwrap();
        let pages = count_pdf_pages(&pdf);
        if pages != 1 {
            problems.push(format!("prints on {pages} pages, not one"));
        }
    }
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
fn reports_render_cleanly_in_chromium() {
    let Some(path) = chromium("reports_render_cleanly_in_chromium") else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let browser = launch(path, profile.path());
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let maps = [
        ("examples/feature-delivery.yaml", 9, true),
        ("examples/platform-change.yaml", 9, true),
        ("examples/regulated-release.yaml", 9, true),
        ("crates/vsm-render/tests/data/long-stream.yaml", 40, false),
        ("crates/vsm-render/tests/data/unicode.yaml", 5, false),
        ("crates/vsm-render/tests/data/two-steps.yaml", 2, true),
    ];
    let mut failures = Vec::new();
    for (map, steps, one_page) in maps {
        let report = check(&browser, &repo().join(map), &shots, one_page);
        assert_eq!(report.steps, steps, "{map}");
        let dots = if map.ends_with("feature-delivery.yaml") {
            17
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
