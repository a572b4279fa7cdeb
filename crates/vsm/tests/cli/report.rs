//! `report`: the self-contained HTML page.

use crate::{repo_root, stdout, vsm, vsm_fails_in, vsm_ok_in};

#[test]
fn report_writes_a_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/regulated-release.yaml");
    let output = vsm_ok_in(dir.path(), &["report", map.to_str().unwrap()]);
    assert_eq!(
        stdout(&output),
        "wrote regulated-release.html (open it in a browser; it works offline)\n"
    );
    let page = std::fs::read_to_string(dir.path().join("regulated-release.html")).unwrap();
    assert!(page.contains("Threat-model at design review"));
    vsm_ok_in(
        dir.path(),
        &["report", map.to_str().unwrap(), "-o", "wall.html"],
    );
    assert!(dir.path().join("wall.html").exists());
}

#[test]
fn the_report_shows_what_to_try_at_each_bottleneck_with_its_effect() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/feature-delivery.yaml");
    vsm_ok_in(
        dir.path(),
        &["report", map.to_str().unwrap(), "-o", "r.html"],
    );
    let page = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    let section = &page[page
        .find("id=\"countermeasures-heading\"")
        .expect("a section of countermeasures")..];
    let section = &section[..section.find("</section>").unwrap()];
    // The change board's approval automated: its overlay halves the 6d wait and takes 15m off
    // its 30m; the lead time of 28d 14h loses 3d (the 15m is under the rounding).
    assert!(
        section.contains("<b>Automate the approval</b><div class=\"muted\">automated false → true, process_time 30m → 15m, wait_time 6d → 3d</div>"),
        "{section}"
    );
    assert!(section.contains("lead time 25d 14h (-3d)"), "{section}");
}

#[test]
fn the_report_of_a_measured_map_charts_its_distributions() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("testdata/measure/orders.yaml");
    vsm_ok_in(
        dir.path(),
        &["report", map.to_str().unwrap(), "-o", "orders.html"],
    );
    let page = std::fs::read_to_string(dir.path().join("orders.html")).unwrap();
    assert!(page.contains("<h2 id=\"distributions-heading\">Measured distributions</h2>"));
    assert_eq!(page.matches("<svg class=\"dist\"").count(), 5);
    assert!(
        page.contains("<title>process: p50 9m 28s, p85 2h 2m"),
        "the place-order process time"
    );
    // Readable on paper: the figures written out, an axis with its unit on every chart.
    assert!(
        page.contains(">p50 9m 28s · p85 2h 2m"),
        "the place-order process time, written"
    );
    assert_eq!(page.matches("<text class=\"chart-tick\"").count() % 5, 0);
    assert!(!page.contains("hover for the numbers"));
    assert!(!page.contains("src=\"http") && !page.contains("<script"));
    // The log as the map names it, not where it lies on this machine.
    assert!(
        page.contains("../csv/interval_event_log.csv"),
        "the log's name"
    );
    let root = repo_root();
    assert!(!page.contains(root.to_str().unwrap()), "an absolute path");
    assert!(!page.contains("measure/../csv"), "a detour");
    // An unmeasured map has no such section.
    let plain = stdout(&vsm(&[
        "render",
        "examples/platform-change.yaml",
        "--format",
        "html",
    ]));
    assert!(!plain.contains("Measured distributions"));
}

#[test]
fn a_log_the_map_names_through_its_parent_folder_is_named_without_the_detour() {
    // The map in maps/ names ../logs/jan.csv: messages say logs/jan.csv.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("maps")).unwrap();
    std::fs::write(
        dir.path().join("maps/vsm.yaml"),
        "name: T\nsteps:\n  - { id: a, process_time: 1h, measure: { activity: a } }\nmeasure:\n  log: ../logs/jan.csv\n",
    )
    .unwrap();
    let error = vsm_fails_in(dir.path(), &["analyze", "maps/vsm.yaml"]);
    assert!(error.contains("cannot read `logs/jan.csv`: "), "{error}");
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(
        dir.path().join("logs/jan.csv"),
        "case,activity,timestamp\n1,a,2026-01-05T10:00:00Z\n2,a,not a time\n",
    )
    .unwrap();
    let error = vsm_fails_in(dir.path(), &["analyze", "maps/vsm.yaml"]);
    assert!(
        error.contains("logs/jan.csv") && !error.contains(".."),
        "{error}"
    );
}
