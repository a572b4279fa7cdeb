//! `vsm dora`, `vsm check` and `vsm report` on what users give them: stores that are not stores,
//! services the store lacks, dates in other forms, windows that cut periods, and the words for
//! one of a thing. The real ants data as in `dora.rs` (the bundle fetched with `vsm fetch git`,
//! GitHub's saved responses with `vsm fetch github`).

use std::path::Path;

use crate::store_log::fetched;
use crate::{json_ok_in, stderr, stdout, vsm_fails_in, vsm_in, vsm_ok_in};

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
        error.contains("there is no event store at `missing/events.sqlite`; make one with"),
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
        "0% (0 of 1 production deployment had a failure)",
        "(0 failures: 0 failed deployments, 0 incidents attributed to a deployment; 0 unrecovered)",
        "0% (0 of 1 deployment)",
        "1 of 1 production deployment has a known change set",
    ] {
        assert!(text.contains(said), "{said}: {text}");
    }
    // A window with no tag: the hint does not ask for the flag the run was given.
    let empty = dora_text(dir.path(), &["--from", "2015-01-01", "--to", "2015-02-01"]);
    assert!(
        empty.contains("releases counted as deployments, and none was in the window")
            && !empty.contains("releases count with --releases-as-deployments"),
        "{empty}"
    );
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
            "ok   recovery_time: no failed deployment or incident attributed to one to recover from in {month}\n"
        )),
        "{text}"
    );
}

/// `vsm` with `args` in `dir`, which clap must refuse (exit 2): what it said.
fn refused(dir: &Path, args: &[&str]) -> String {
    let output = vsm_in(dir, args);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    stderr(&output)
}

/// `--from 2024-03-10T05:00:00Z` printed jiff's "cannot parse civil date/time from string with
/// a Zulu offset, parse as a `jiff::Timestamp` first": a time with its offset is now a bound,
/// and anything else is refused in vsm's words, quoting it, with both forms.
#[test]
fn a_window_bound_is_a_day_or_a_time_with_its_offset_and_anything_else_is_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let forms = "give a day as YYYY-MM-DD (e.g. `2024-03-10`, from midnight UTC) or a time as RFC 3339 with its offset (e.g. `2024-03-10T05:00:00Z`)";
    for (value, said) in [
        ("2024-3-1", "`2024-3-1` is neither a day nor a time; "),
        ("yesterday", "`yesterday` is neither a day nor a time; "),
        ("2024-02-30", "`2024-02-30` is not a day of the calendar; "),
        (
            "2024-03-10T05:00:00",
            "`2024-03-10T05:00:00` is a time without an offset; add one (`Z` for UTC, or e.g. `+02:00`), or ",
        ),
    ] {
        for command in ["dora", "report"] {
            let args = match command {
                "dora" => vec!["dora", "--from", value],
                _ => vec!["report", "vsm.yaml", "--to", value],
            };
            let error = refused(dir.path(), &args);
            assert!(error.contains(&format!("{said}{forms}")), "{error}");
            assert!(
                !error.contains("jiff") && !error.contains("parse"),
                "{error}"
            );
        }
    }
    // Accepted: the window starts at that instant (and no store is there to read).
    for value in ["2024-03-10T05:00:00Z", "2024-03-10T07:00:00+02:00"] {
        let error = vsm_fails_in(dir.path(), &["dora", "--from", value, "--to", "2024-03-10"]);
        assert!(
            error.contains(
                "--from 2024-03-10T05:00:00Z is not before --to 2024-03-10; the window is [from, to)"
            ),
            "{error}"
        );
    }
}

/// `vsm dora --from 2099-01-01` said "--from 2099-01-01 is not before --to 2025-...", naming a
/// `--to` the user never gave: the end it meant is the default one, and is named as such.
#[test]
fn a_from_after_today_names_the_default_end_not_a_to_never_given() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vsm.yaml"),
        "name: T\nsteps:\n  - { id: a, process_time: 1h }\ndora: {}\n",
    )
    .unwrap();
    for args in [
        &["dora", "--from", "2099-01-01"][..],
        &["report", "vsm.yaml", "--from", "2099-01-01"],
    ] {
        let error = vsm_fails_in(dir.path(), args);
        assert!(
            error.contains(
                "--from 2099-01-01 is after today: without --to the window ends with today (UTC), at "
            ) && error.contains("; give an earlier --from, or a --to after it"),
            "{error}"
        );
        assert!(!error.contains("is not before --to"), "{error}");
    }
}

/// A service the store lacks said "no production deployment"; it is refused with the ones it
/// has, one name each (`ants` is also `panjf2000/ants`), and the closest.
#[test]
fn a_service_the_store_lacks_is_refused_with_the_ones_it_has() {
    let dir = fetched(None);
    let error = vsm_fails_in(dir.path(), &["dora", "--service", "foo"]);
    assert!(
        error.contains(
            "there is no service `foo` in the event store `.vsm/events.sqlite`; its services are `ants` ("
        ),
        "{error}"
    );
    let error = vsm_fails_in(dir.path(), &["dora", "--service", "ant"]);
    assert!(error.contains("did you mean `ants`?"), "{error}");
    for service in ["ants", "panjf2000/ants"] {
        let text = dora_text(
            dir.path(),
            &[
                "--from",
                "2024-03-10",
                "--to",
                "2024-04-01",
                "--service",
                service,
            ],
        );
        assert!(text.contains("\nants\n"), "{text}");
    }
}

/// A repository of one of the map's `dora: services:` was refused as "no service `ants`" with
/// `platform` among the store's services: it is named as that service's, with the flag to give.
#[test]
fn a_repository_of_a_maps_service_is_answered_with_that_service() {
    let dir = fetched(None);
    std::fs::write(
        dir.path().join("vsm.yaml"),
        "name: S\nsteps:\n  - { id: a, process_time: 1h }\ndora:\n  services: { platform: [ants, syn] }\n",
    )
    .unwrap();
    let error = vsm_fails_in(
        dir.path(),
        &["dora", "--map", "vsm.yaml", "--service", "ants"],
    );
    assert!(
        error.contains(
            "`ants` is a repository of the service `platform` (the map's `dora: services:` counts \
             `ants`, `syn` together); give `--service platform`"
        ),
        "{error}"
    );
    let text = stdout(&vsm_ok_in(
        dir.path(),
        &[
            "dora",
            "--map",
            "vsm.yaml",
            "--service",
            "platform",
            "--releases-as-deployments",
            "--from",
            "2024-03-01",
            "--to",
            "2024-04-01",
        ],
    ));
    assert!(text.contains("\nplatform\n"), "{text}");
}

/// An incident of `someoneelse/ants` counted as the store's `ants` (the clone `vsm fetch git`
/// named) by its last part, though the store knows `ants` as `panjf2000/ants`: an owner that
/// differs is another service; a bare `ants` and the full name still are the store's.
#[test]
fn an_incident_of_another_owners_repository_of_the_same_name_is_not_the_stores() {
    let dir = fetched(None);
    // v2.9.1 was tagged on 2024-03-26; all three incidents follow it.
    std::fs::write(
        dir.path().join("incidents.csv"),
        "id,started,resolved,service\n\
         S1,2024-03-27T10:00:00Z,2024-03-27T12:00:00Z,panjf2000/ants\n\
         S2,2024-03-27T10:00:00Z,2024-03-27T12:00:00Z,someoneelse/ants\n\
         S4,2024-03-27T10:00:00Z,2024-03-27T12:00:00Z,ants\n",
    )
    .unwrap();
    let args = [
        "dora",
        "--releases-as-deployments",
        "--incidents",
        "incidents.csv",
        "--from",
        "2024-03-01",
        "--to",
        "2024-04-01",
        "--explain",
        "recovery-time",
    ];
    let json = json_ok_in(dir.path(), &args);
    let incidents = json["explain"]["incidents"].as_array().unwrap();
    let attributed: Vec<(&str, bool)> = incidents
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["deployment"].is_string()))
        .collect();
    assert_eq!(
        attributed,
        [
            ("incident:S1", true),
            ("incident:S2", false),
            ("incident:S4", true)
        ],
        "{json}"
    );
    let left_out = json["left_out"].as_array().unwrap();
    let other = left_out.iter().find(|l| l["what"] == "incident").unwrap();
    assert_eq!(other["example"], "incident:S2", "{json}");
    assert!(
        other["reason"].as_str().unwrap().starts_with(
            "its service `someoneelse/ants` is the service of no production deployment"
        ),
        "{other}"
    );
    // The service is still shown as the store names it, once.
    let services: Vec<&str> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["ants"], "{json}");
    // `--service ants` counts S1 and S4, not S2.
    let json = json_ok_in(dir.path(), &[&args[..], &["--service", "ants"]].concat());
    assert_eq!(json["coverage"]["incidents"], 2, "{json}");
    assert_eq!(json["overall"]["recovery_time"]["count"], 2, "{json}");
}

/// A valid RFC 3339 time past vsm's last day was "not a time", a day its month lacks too, and
/// `--attribution-window 1y` said only "unknown unit `y`": each says what is wrong, as `--to
/// 9999-12-31` does, and the units vsm reads.
#[test]
fn a_time_past_the_last_day_a_day_the_month_lacks_and_a_unit_are_named() {
    let dir = fetched(None);
    std::fs::write(
        dir.path().join("late.csv"),
        "id,started\nX,9999-12-31T00:00:00Z\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("feb.csv"),
        "id,started\nX,2024-02-30T10:00:00Z\n",
    )
    .unwrap();
    let error = vsm_fails_in(dir.path(), &["dora", "--incidents", "late.csv"]);
    assert!(
        error.contains(
            "late.csv, row 2, field `started`: `9999-12-31T00:00:00Z` is past the last day vsm \
             can count time to (9999-12-30); give an earlier time"
        ),
        "{error}"
    );
    let error = vsm_fails_in(dir.path(), &["dora", "--incidents", "feb.csv"]);
    assert!(
        error.contains(
            "`2024-02-30T10:00:00Z` is not a time: 2024-02 has no day 30 (it has 29 days)"
        ),
        "{error}"
    );
    // A deployments file reads its times the same way.
    let commit = crate::dora::git(&dir.path().join("ants"), &["rev-parse", "HEAD"]);
    std::fs::write(
        dir.path().join("late-deploys.csv"),
        format!(
            "id,environment,status,started,finished,commit\n1,production,success,9999-12-31T23:59:59+01:00,,{}\n",
            commit.trim()
        ),
    )
    .unwrap();
    let error = vsm_fails_in(
        dir.path(),
        &[
            "fetch",
            "git",
            "ants",
            "--deployments",
            "late-deploys.csv",
            "-o",
            "d.sqlite",
        ],
    );
    assert!(
        error.contains("is past the last day vsm can count time to (9999-12-30)"),
        "{error}"
    );
    // `-` for standard input is named with the path that reads it.
    let error = vsm_fails_in(dir.path(), &["dora", "--incidents", "-"]);
    assert!(error.contains("give `--incidents /dev/stdin`"), "{error}");
    let output = vsm_in(dir.path(), &["dora", "--attribution-window", "1y"]);
    assert_eq!(output.status.code(), Some(2));
    let error = stderr(&output);
    assert!(
        error.contains("unknown unit `y`; use ms, s, m, h, d or w, e.g. `90m`"),
        "{error}"
    );
}

/// `vsm report` had no window, so the DORA section of a store whose data is from 2021 was
/// empty.
#[test]
fn the_report_takes_the_window_of_its_dora_section() {
    let dir = fetched(None);
    std::fs::write(dir.path().join("vsm.yaml"), DORA_MAP).unwrap();
    let (this, _) = this_and_last_month(jiff::Timestamp::now());
    // 2021, by month: the tags of 2021, counted by git.
    let clone = dir.path().join("ants");
    let tags = std::process::Command::new("git")
        .args(["for-each-ref", "--format=%(creatordate:unix)", "refs/tags"])
        .current_dir(&clone)
        .output()
        .unwrap();
    let (from, to) = (
        "2021-01-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap(),
        "2022-01-01T00:00:00Z".parse::<jiff::Timestamp>().unwrap(),
    );
    let in_2021 = stdout(&tags)
        .lines()
        .map(|line| jiff::Timestamp::from_second(line.parse().unwrap()).unwrap())
        .filter(|at| (from..to).contains(at))
        .count();
    assert!(in_2021 > 1, "{in_2021}");
    let note = "From .vsm/events.sqlite, 2021-01-01 00:00 to 2022-01-01 00:00 (UTC)";
    let figure = format!("<td>{in_2021} successful production deployments</td>");
    for window in [
        &["--from", "2021-01-01", "--to", "2022-01-01"][..],
        // `--to` alone: the twelve months before it.
        &["--to", "2022-01-01"],
    ] {
        let args = [&["report", "vsm.yaml", "-o", "r.html"][..], window].concat();
        vsm_ok_in(dir.path(), &args);
        let page = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
        assert!(page.contains(note) && page.contains(&figure), "{window:?}");
    }
    // Without a window, as before: the twelve full months before this one.
    vsm_ok_in(dir.path(), &["report", "vsm.yaml", "-o", "r.html"]);
    let page = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    let year_before = this.checked_sub(jiff::Span::new().years(1)).unwrap();
    assert!(
        page.contains(&format!(
            "From .vsm/events.sqlite, {year_before} 00:00 to {this} 00:00 (UTC)"
        )),
        "the default window"
    );
    // A map without `dora:` has no window to choose.
    std::fs::write(
        dir.path().join("plain.yaml"),
        "name: P\nsteps:\n  - { id: a, process_time: 1h }\n",
    )
    .unwrap();
    let error = vsm_fails_in(
        dir.path(),
        &["report", "plain.yaml", "--from", "2021-01-01"],
    );
    assert!(
        error.contains("`plain.yaml` has no `dora:` section"),
        "{error}"
    );
}

/// `vsm dora deploys.csv` (a deployments file given as the store) suggested `vsm fetch git
/// REPOSITORY -o deploys.csv`: a write aimed at the user's data. It says how the file is read.
#[test]
fn a_csv_given_as_the_store_says_how_a_deployments_file_is_read_not_to_write_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "id,environment,status,started,finished,commit\n";
    std::fs::write(dir.path().join("deploys.csv"), csv).unwrap();
    let error = vsm_fails_in(dir.path(), &["dora", "deploys.csv"]);
    assert!(
        error.contains("`deploys.csv` is a CSV file, not a vsm event store (")
            && error
                .contains("`vsm fetch git REPO --deployments deploys.csv -o .vsm/events.sqlite`")
            && !error.contains("-o deploys.csv"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("deploys.csv")).unwrap(),
        csv
    );
}
