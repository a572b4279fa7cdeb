//! Finding and launching headless Chromium, watching a tab for what goes wrong and sizing its
//! viewport, shared by the browser tests (included with `#[path = ...]`, so that every one
//! skips and fails by the same rules).
//!
//! Without Chromium a browser test is skipped, not failed, so that `cargo test --workspace`
//! passes on a fresh machine, and says so on the terminal; `VSM_REQUIRE_BROWSER_TESTS=1` (set by
//! `.ci/run`) makes a missing Chromium a failure, so CI always runs them. `VSM_SKIP_BROWSER_TESTS`
//! skips them on purpose; `VSM_CHROMIUM` names another Chromium than `/usr/bin/chromium`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use headless_chrome::protocol::cdp::types::Event;
use headless_chrome::protocol::cdp::{Emulation, Network};
use headless_chrome::{Browser, LaunchOptions, Tab};

/// The Chromium to run for `test` (which checks `what`), or `None` to skip it, having said so
/// on the terminal.
pub fn chromium(test: &str, what: &str) -> Option<PathBuf> {
    let skip = |why: &str| {
        // Straight to the terminal: libtest hides what a passing test prints with `eprintln!`.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\nSKIPPED browser test `{test}` ({what}): {why}\n"
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

/// Headless Chromium at `path` with its profile in `profile`, a window of 1680 x 1200, and
/// nothing of its own going to the network.
pub fn launch(path: PathBuf, profile: &Path) -> Browser {
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

/// What the browser saw go wrong in `tab` from now on: exceptions, console errors, resources
/// that failed to load, and requests to anywhere `allowed` refuses (`data:` URLs aside).
pub fn watch(
    tab: &Tab,
    allowed: impl Fn(&str) -> bool + Send + Sync + 'static,
) -> Arc<Mutex<Vec<String>>> {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = Arc::clone(&seen);
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
                (level == "Error").then(|| {
                    format!(
                        "log error: {} ({:?})",
                        e.params.entry.text, e.params.entry.url
                    )
                })
            }
            Event::NetworkLoadingFailed(e) => {
                Some(format!("failed request: {}", e.params.error_text))
            }
            Event::NetworkRequestWillBeSent(e) => {
                let request = &e.params.request.url;
                (!allowed(request) && !request.starts_with("data:"))
                    .then(|| format!("request to elsewhere: {request}"))
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
    seen
}

/// Lays the page out in a viewport of `width` x `height` CSS pixels.
pub fn viewport(tab: &Tab, width: u32, height: u32) {
    tab.call_method(Emulation::SetDeviceMetricsOverride {
        width,
        height,
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
}
