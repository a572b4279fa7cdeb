//! `vsm dora`, `vsm check` and `vsm report` on what users give them: stores that are not stores,
//! services the store lacks, dates in other forms, windows that cut periods, and the words for
//! one of a thing. The real ants data as in `dora.rs` (the bundle fetched with `vsm fetch git`,
//! GitHub's saved responses with `vsm fetch github`).

use std::path::Path;

use crate::store_log::fetched;
use crate::{json_ok_in, stdout, vsm_fails_in, vsm_in, vsm_ok_in};

/// The files in `dir`, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// `vsm dora` on an empty file wrote the store's schema into it (73 kB) and reported an empty
/// window: reading must change nothing, and say what the file is and how to make a store.
#[test]
fn a_file_that_is_no_store_is_left_as_it_is_and_named_with_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.sqlite"), "").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a database\n").unwrap();
    let error = vsm_fails_in(dir.path(), &["dora", "empty.sqlite"]);
    assert!(
        error.contains(
            "`empty.sqlite` is not a vsm event store (it is empty); make one with `vsm fetch git REPOSITORY -o empty.sqlite`"
        ),
        "{error}"
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("empty.sqlite"))
            .unwrap()
            .len(),
        0
    );
    let error = vsm_fails_in(dir.path(), &["dora", "notes.txt"]);
    assert!(
        error.contains("`notes.txt` is not a vsm event store (file is not a database)"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "not a database\n"
    );
    // A missing store is not made, nor its folder; a map's `store:` is read the same way.
    let error = vsm_fails_in(dir.path(), &["dora", "missing/events.sqlite"]);
    assert!(
        error.contains("there is no event store at `missing/events.sqlite`; fetch one with"),
        "{error}"
    );
    std::fs::write(
        dir.path().join("vsm.yaml"),
        "name: T\nsteps:\n  - { id: a, process_time: 1h }\ndora: { store: empty.sqlite }\n",
    )
    .unwrap();
    let error = vsm_fails_in(dir.path(), &["report", "vsm.yaml", "-o", "r.html"]);
    assert!(
        error.contains("`empty.sqlite` is not a vsm event store (it is empty)"),
        "{error}"
    );
    assert_eq!(names(dir.path()), ["empty.sqlite", "notes.txt", "vsm.yaml"]);
    assert_eq!(
        std::fs::metadata(dir.path().join("empty.sqlite"))
            .unwrap()
            .len(),
        0
    );
}

/// `vsm dora` over the window of `args` (after `--releases-as-deployments`), in `dir`: what it
/// printed.
fn dora_text(dir: &Path, args: &[&str]) -> String {
    let all = [&["dora", "--releases-as-deployments"][..], args].concat();
    stdout(&vsm_ok_in(dir, &all))
}

/// The first week of `--from 2024-03-10` was labelled 2024-03-04, before the window, and one
/// deployment was "1 successful production deployments".
#[test]
fn periods_are_cut_to_the_window_and_one_of_a_thing_is_singular() {
    let dir = fetched(None);
    let dora = |args: &[&str]| {
        dora_text(
            dir.path(),
            &[&["--from", "2024-03-10", "--to", "2024-04-01"][..], args].concat(),
        )
    };
    // March 10th 2024 is a Sunday: the first week is that one day, and says so; the window's
    // one tag (v2.9.1) is one deployment, said in the singular.
    let text = dora(&[]);
    assert!(text.contains("\n2024-03-10 (1 of 7 days) "), "{text}");
    assert!(!text.contains("2024-03-04"), "{text}");
    for said in [
        "1 successful production deployment (weekly)",
        "0% (0 of 1 production deployment)",
        "(0 failures, 0 unrecovered)",
        "0% (0 of 1 deployment)",
        "1 of 1 production deployment has a known change set",
    ] {
        assert!(text.contains(said), "{said}: {text}");
    }
    let markdown = dora(&["--format", "markdown"]);
    assert!(
        markdown.contains("1 successful production deployment (weekly)")
            && markdown.contains("| 2024-03-10 (1 of 7 days) "),
        "{markdown}"
    );
    let json = json_ok_in(
        dir.path(),
        &[
            "dora",
            "--releases-as-deployments",
            "--from",
            "2024-03-15",
            "--to",
            "2024-06-20",
            "--period",
            "month",
        ],
    );
    let periods = json["services"][0]["periods"].as_array().unwrap();
    let spans: Vec<(&str, &str)> = periods
        .iter()
        .map(|p| (p["start"].as_str().unwrap(), p["end"].as_str().unwrap()))
        .collect();
    assert_eq!(
        spans,
        [
            ("2024-03-15", "2024-04-01"),
            ("2024-04-01", "2024-05-01"),
            ("2024-05-01", "2024-06-01"),
            ("2024-06-01", "2024-06-20"),
        ]
    );
}

/// A map with a `dora:` section (releases as deployments, by month) and DORA targets.
const DORA_MAP: &str = "name: Ants delivery\nsteps:\n  - { id: build, process_time: 1h }\ndora:\n  releases_as_deployments: true\n  period: month\ntargets:\n  deployment_frequency: { min: 1/day }\n  recovery_time: { max: 1d }\n";

/// The first day of the month `at` falls in (UTC), and of the one before.
fn this_and_last_month(at: jiff::Timestamp) -> (jiff::civil::Date, jiff::civil::Date) {
    let this = jiff::tz::Offset::UTC
        .to_datetime(at)
        .date()
        .first_of_month();
    (this, this.checked_sub(jiff::Span::new().months(1)).unwrap())
}

/// `vsm check --live` over a month with no deployment and no incident failed `recovery_time`
/// with "no value" (the docs say it passes) and named no month.
#[test]
fn check_keeps_a_recovery_bound_with_nothing_to_recover_from_and_names_the_period() {
    let dir = fetched(None);
    std::fs::write(dir.path().join("vsm.yaml"), DORA_MAP).unwrap();
    // The ants data ends in 2025: the last full month before now is quiet.
    let (this, last) = this_and_last_month(jiff::Timestamp::now());
    let month = format!("the month {last} to {}", this.yesterday().unwrap());
    let output = vsm_in(dir.path(), &["check", "vsm.yaml", "--live"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("1 of 2 targets failed"), "{text}");
    assert!(
        text.contains(&format!(
            "FAIL deployment_frequency: 0/day, below the minimum 1/day (the DORA figures of {month})"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "ok   recovery_time: no failed deployment or incident to recover from in {month}\n"
        )),
        "{text}"
    );
}
