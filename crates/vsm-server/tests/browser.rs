//! The server in headless Chromium (Debian's `chromium` package), used as a person would: open
//! `/` and be sent to sign in, type a name and password, click a value stream, click its lead
//! time to see the steps behind it with their numbers, go to the plan and move an improvement to
//! another column with its button. Along the way: no console error, no request to another origin,
//! every form control labelled; at the end, the move is a new version by the signed-in person.
//!
//! Screenshots of each page (light and dark) land in `target/tmp/screenshots/server-*.png` for a
//! person to look at. Skipped (saying so) without Chromium, failed without it when
//! `VSM_REQUIRE_BROWSER_TESTS=1`, as vsm-render's browser test is (see `support/chromium.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use headless_chrome::Tab;
use headless_chrome::protocol::cdp::Page;
use vsm_server::store::NewVersion;

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/server.rs"]
mod server;

use server::{Server, click, color_scheme, json, text, wait_until};

/// The example map the stream is made of.
const FEATURE_DELIVERY: &str = include_str!("../../../examples/feature-delivery.yaml");

/// The form controls of the page a person uses that have no label: no `<label>`, no
/// `aria-label` or `aria-labelledby`, and for a button, no text.
const UNLABELLED: &str = r#"(() => {
  const controls = [...document.querySelectorAll('input, select, textarea, button')]
    .filter(c => c.type !== 'hidden');
  const unlabelled = controls
    .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
      && !c.getAttribute('aria-labelledby') && !(c.tagName === 'BUTTON' && c.textContent.trim()))
    .map(c => c.outerHTML);
  return JSON.stringify({ controls: controls.length, unlabelled });
})()"#;

/// Checks the page a person sees now, named `name`: every control labelled; then screenshots
/// of the whole page, light and dark, whose backgrounds must differ. Answers how many controls
/// it checked.
fn look_at(tab: &Tab, name: &str, shots: &Path) -> u64 {
    let controls = json(tab, UNLABELLED);
    assert_eq!(
        controls["unlabelled"],
        serde_json::json!([]),
        "{name}: controls without a label"
    );
    let mut backgrounds = Vec::new();
    for scheme in ["light", "dark"] {
        color_scheme(tab, scheme);
        // Back to a window's size first: the page's height is at least the viewport's.
        chromium::viewport(tab, 1280, 800);
        backgrounds.push(text(tab, "getComputedStyle(document.body).backgroundColor"));
        let height = tab
            .evaluate("document.documentElement.scrollHeight", false)
            .unwrap()
            .value
            .and_then(|v| v.as_f64())
            .unwrap();
        // A viewport as tall as the page, so that the screenshot holds all of it.
        chromium::viewport(tab, 1280, height as u32);
        let png = tab
            .capture_screenshot(Page::CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        let suffix = if scheme == "dark" { "-dark" } else { "" };
        std::fs::write(shots.join(format!("server-{name}{suffix}.png")), png).unwrap();
    }
    color_scheme(tab, "light");
    assert_ne!(backgrounds[0], backgrounds[1], "{name}: no dark mode");
    controls["controls"].as_u64().unwrap()
}

#[test]
fn a_person_signs_in_follows_a_number_to_its_steps_and_moves_an_improvement() {
    let test = "a_person_signs_in_follows_a_number_to_its_steps_and_moves_an_improvement";
    let Some(chromium) = chromium::chromium(test, "the server's pages used in headless Chromium")
    else {
        return;
    };
    let server = Server::start();
    let store = Arc::clone(&server.store);
    // An operator makes the admin who signs in; another person pushed the map, so that the
    // version the move saves is told apart by its author.
    let password = server
        .runtime
        .block_on(async {
            vsm_server::accounts::create_admin(store.as_ref(), "ops").await?;
            vsm_server::accounts::create_admin(store.as_ref(), "ada").await
        })
        .unwrap();
    let parsed = vsm_core::parse_map(FEATURE_DELIVERY)
        .stream
        .expect("the example map reads");
    server.runtime.block_on(async {
        let ops = store.user_by_name("ops").await.unwrap().unwrap();
        let first = NewVersion {
            name: &parsed.name,
            yaml: FEATURE_DELIVERY,
            author: &ops,
            message: "pushed",
            now: vsm_server::now(),
        };
        store.create_stream("web-shop", &first).await.unwrap();
    });

    let profile = tempfile::tempdir().unwrap();
    let browser = chromium::launch(chromium, profile.path());
    let shots: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let tab = browser.new_tab().unwrap();
    let origin = server.url("/");
    let stays = origin.clone();
    let problems = chromium::watch(&tab, move |url| url.starts_with(&stays));

    // Opening the site sends a person to sign in, and back to where they were going.
    server::to_sign_in(&tab, &server, "/");
    assert_eq!(
        look_at(&tab, "signin", &shots),
        3,
        "the name, the password and the button are checked for labels"
    );
    server::fill_sign_in(&tab, &server, "/", "ada", &password);
    wait_until(
        &tab,
        "!!document.querySelector('table.streams')",
        "the list of streams",
    );
    assert_eq!(tab.get_url(), origin);
    assert_eq!(
        text(&tab, "document.querySelector('nav .who').textContent"),
        "ada (server admin)"
    );
    look_at(&tab, "streams", &shots);

    // The stream, and its lead time followed to the steps behind it.
    click(
        &tab,
        "a[href='/streams/web-shop']",
        "!!document.querySelector('a.number')",
    );
    let shown = text(
        &tab,
        "document.querySelector('a.number[href*=\"/explain/lead_time\"] .value').textContent",
    );
    let analysis = vsm_core::analyze(&parsed);
    assert_eq!(shown, analysis.summary.lead_time.human());
    look_at(&tab, "stream", &shots);
    // In a window 1280 px wide, the map fits: the page does not scroll sideways to show it.
    chromium::viewport(&tab, 1280, 900);
    let fits = json(
        &tab,
        "JSON.stringify((f => [f.scrollWidth, f.clientWidth])(document.querySelector('figure.map')))",
    );
    assert_eq!(fits[0], fits[1], "the map's figure scrolls: {fits}");
    click(
        &tab,
        "a.number[href*='/explain/lead_time']",
        "!!document.querySelector('table.explain')",
    );
    assert!(
        text(&tab, "document.querySelector('h1').textContent")
            .starts_with(&format!("Lead time: {shown}")),
        "the explanation is of the number clicked"
    );
    let rows = json(
        &tab,
        r#"JSON.stringify([...document.querySelectorAll('table.explain tr[id^="step-"]')].map(row =>
            [row.id.slice(5), ...[...row.cells].slice(1, 4).map(cell => cell.textContent.trim())]))"#,
    );
    let expected: Vec<[String; 4]> = parsed
        .steps
        .iter()
        .zip(&analysis.steps)
        .map(|(step, metrics)| {
            [
                step.id.clone(),
                metrics.wait_time.human(),
                metrics.process_time.human(),
                metrics.lead_time.human(),
            ]
        })
        .collect();
    assert_eq!(
        rows,
        serde_json::json!(expected),
        "every step with its wait, process and lead time"
    );
    // The arithmetic adds up the lead times of the critical path to the number.
    let path: Vec<String> = analysis
        .critical_path
        .iter()
        .map(|&i| analysis.steps[i].lead_time.human())
        .collect();
    assert_eq!(
        text(&tab, "document.querySelector('.arithmetic').textContent"),
        format!("{} = {shown}", path.join(" + "))
    );
    look_at(&tab, "explain", &shots);

    // The plan: move an improvement from planned to in progress with its button.
    click(
        &tab,
        "nav.tabs a[href='/streams/web-shop/plan']",
        "!!document.querySelector('.board')",
    );
    let column_of =
        "document.getElementById('card-auto-regression').closest('section').querySelector('h2').id";
    assert_eq!(text(&tab, column_of), "column-planned");
    click(
        &tab,
        "#card-auto-regression button[value=in_progress]",
        &format!("{column_of} === 'column-in_progress'"),
    );
    assert!(
        tab.get_url()
            .ends_with("/streams/web-shop/plan#card-auto-regression")
    );
    assert_eq!(
        text(
            &tab,
            "document.querySelector('.meta').textContent.slice(0, 32)"
        ),
        "Improvement plan of version 2, a"
    );
    // Each move button says which card it moves, for those who hear the page.
    let names = json(
        &tab,
        "JSON.stringify([...document.querySelectorAll('form.move button')].map(b => b.textContent.trim()))",
    );
    let names: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|name| name.as_str())
        .collect();
    assert_eq!(names.len(), 3 * 3, "three cards, three buttons each");
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "buttons named alike: {names:?}");
    assert!(
        names.contains(&"→ Done: Automate the regression suite and run it in the pipeline"),
        "{names:?}"
    );
    look_at(&tab, "plan", &shots);
    let versions = server.runtime.block_on(store.versions("web-shop")).unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.number, v.author.as_str(), v.message.as_str()))
            .collect::<Vec<_>>(),
        [
            (2, "ada", "Moved auto-regression to in_progress"),
            (1, "ops", "pushed")
        ]
    );

    // The stream's other pages and the tokens page, each reached by its link.
    for (link, then, name) in [
        (
            "nav.tabs a[href='/streams/web-shop/trends']",
            "main svg",
            "trends",
        ),
        (
            "nav.tabs a[href='/streams/web-shop/simulate']",
            "main table",
            "simulate",
        ),
        (
            "nav.tabs a[href='/streams/web-shop/versions']",
            "main table",
            "versions",
        ),
        ("nav a[href='/tokens']", "main input[name=name]", "tokens"),
        ("a[href='/']", "table.streams", "streams-after"),
        ("a[href='/streams/web-shop']", "a.number", "stream-after"),
        // The comparison is `vsm compare`'s HTML report with the stream's tabs on top.
        (
            "nav.tabs a[href^='/streams/web-shop/compare']",
            "svg",
            "compare",
        ),
    ] {
        let path = text(
            &tab,
            &format!("document.querySelector(\"{link}\").getAttribute('href')"),
        );
        click(
            &tab,
            link,
            &format!(
                "location.href === {:?} && !!document.querySelector('{then}')",
                server.url(&path)
            ),
        );
        look_at(&tab, name, &shots);
    }

    let seen = problems.lock().unwrap().clone();
    assert!(seen.is_empty(), "the browser saw: {seen:#?}");

    // The watch still listens: a page that is not there is seen as an error.
    tab.navigate_to(&server.url("/streams/web-shop/explain/speed"))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    wait_until(
        &tab,
        "document.title.startsWith('Not found') || !!document.querySelector('.problem')",
        "the page saying there is no such number",
    );
    std::thread::sleep(Duration::from_millis(300));
    let seen = problems.lock().unwrap().clone();
    assert!(
        seen.iter().any(|problem| problem.contains("404")),
        "a 404 goes unseen: {seen:#?}"
    );
    eprintln!("screenshots in {}", shots.display());
}
