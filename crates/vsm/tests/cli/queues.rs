//! Queues, demand and takt time in every output: Learning to See's Acme Stamping map gives the
//! book's production lead time (23.6 days), processing time (188 s) and takt time (60 s).

use super::*;

const ACME: &str = "examples/textbook-acme-stamping.yaml";

#[test]
fn the_textbook_map_gives_the_books_numbers_in_every_output() {
    for format in ["text", "markdown"] {
        let text = stdout(&vsm_ok(&["analyze", ACME, "--format", format]));
        for expected in [
            "23.6d",
            "3m 8s (188s)",
            "Takt time",
            "1m (60s)",
            "920/day",
            "4600 left + 2400 right",
            "≈7.6d",
            "Activity ratio",
            "0.014%",
            "Days: process time in working days of 16h (5 a week), waits in the same working days.",
            "takes 1m 2s an item, over the takt time of 1m (3.33% more)",
        ] {
            assert!(
                text.contains(expected),
                "{format}: no `{expected}` in\n{text}"
            );
        }
    }
    let json = json_of(&vsm_ok(&["analyze", ACME, "--format", "json"]));
    let summary = &json["summary"];
    assert_eq!(summary["process_time_seconds"], 188.0);
    assert_eq!(summary["takt_time_seconds"], 60.0);
    // Estimates with waits derived from the queues, nothing measured: not `mixed`.
    assert_eq!(summary["provenance"], "derived");
    assert_eq!(
        format!("{:.1}", summary["lead_time_days"].as_f64().unwrap()),
        "23.6"
    );
    assert_eq!(summary["demand"]["per_day"], 920.0);
    assert_eq!(json["working_time"]["wait_days"], "working");
    let weld = by_id(&json["steps"], "weld-1");
    assert_eq!(weld["wait_time_source"], "derived");
    assert_eq!(weld["queue"]["items"], 7000.0);
    assert_eq!(weld["queue"]["by_type"][0]["type"], "left");
    assert_eq!(
        by_id(&json["steps"], "stamping")["wait_time_source"],
        "estimated"
    );

    let dir = tempfile::tempdir().unwrap();
    for (file, expected) in [
        (
            "map.svg",
            vec![
                "7000 · ≈7.6d",
                "Takt time 1m (60s) · demand 920/day",
                ">23.6d<",
                ">3m 8s<",
            ],
        ),
        (
            "map.html",
            vec![
                "23.6d",
                "1m (60s)",
                "920/day",
                "≈7.6d (4600 left + 2400 right waiting)",
                "3m 8s",
            ],
        ),
        (
            "map.mmd",
            vec![
                "lead time 23.6d",
                "process time 3m 8s",
                "takt time 1m (60s)",
                "queue 4600 left + 2400 right",
            ],
        ),
        (
            "map.dot",
            vec![
                "lead time 23.6d",
                "process time 3m 8s",
                "takt time 1m (60s)",
            ],
        ),
    ] {
        let path = dir.path().join(file);
        vsm_ok(&["render", ACME, "-o", path.to_str().unwrap()]);
        let drawn = std::fs::read_to_string(&path).unwrap();
        for expected in expected {
            assert!(drawn.contains(expected), "{file}: no `{expected}`");
        }
    }
}

#[test]
fn explain_shows_the_little_law_arithmetic_per_item_type() {
    let text = stdout(&vsm_ok(&["analyze", ACME, "--explain", "weld-1"]));
    for expected in [
        "Wait time     7.6d (derived from the queue by Little's law: wait = queue / throughput)",
        "4600 left / 600 a day (the stream's demand) = 7.67 working days",
        "2400 right / 320 a day (the stream's demand) = 7.5 working days",
        "all items: 7000 / 920 a day = 7.61 working days",
        "Takt time     1m = 15h 20m available a day / 920 a day",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }
    assert_eq!(
        vsm_fails(&["analyze", ACME, "--explain", "welding"]),
        "error: the map has no step `welding`; its steps are `stamping`, `weld-1`, `weld-2`, `assembly-1`, `assembly-2`, `shipping`\n"
    );
}

#[test]
fn a_measured_real_log_has_queues_that_satisfy_littles_law() {
    // The interval log (testdata/csv/interval_event_log.csv): 1,266 web orders, all finished.
    let json = json_of(&vsm_ok(&[
        "measure",
        "testdata/measure/orders.yaml",
        "--format",
        "json",
    ]));
    let steps = json["steps"].as_array().unwrap();
    let mut checked = 0;
    for step in steps {
        let queue = &step["queue"];
        assert_eq!(queue["provenance"], "measured");
        assert_eq!(queue["tolerance_percent"], 10.0);
        if queue["gap_percent"].is_null() {
            continue;
        }
        let (mean, little) = (
            queue["mean"].as_f64().unwrap(),
            queue["littles_law"].as_f64().unwrap(),
        );
        assert!(
            (mean - little).abs() <= 0.1 * mean.max(little),
            "{}: {queue}",
            step["id"]
        );
        assert_eq!(queue["consistent"], true);
        assert!(queue["p85"].as_u64().unwrap() as f64 >= mean.floor());
        checked += 1;
    }
    assert_eq!(checked, 4, "every step but the first has a queue");
    // Customer pays: about 53 orders wait for payment, 4.2 a day for 12.5 days each.
    let pay = by_id(&json["steps"], "pay");
    assert_eq!(pay["queue"]["p85"], 64);
    let text = stdout(&vsm_ok(&["measure", "testdata/measure/orders.yaml"]));
    assert!(
        text.contains("queue   mean 52.6 waiting, p85 64, max 81; Little's law: 4.196/day x 12.53d = 52.6 (0% apart, within 10%)"),
        "{text}"
    );
}

#[test]
fn simulation_arrives_at_the_maps_demand() {
    let dir = tempfile::tempdir().unwrap();
    vsm_ok_in(dir.path(), &["init"]);
    let json = json_of(&vsm_ok_in(
        dir.path(),
        &["simulate", "vsm.yaml", "--items", "50", "--format", "json"],
    ));
    // The starter's `demand: 6/week`.
    assert_eq!(json["arrivals_per_week"], 6.0);
    assert_eq!(
        json["arrivals_source"],
        "the map's demand, 6/week: 1.2 a working day x 5 working days a week"
    );
    // --arrivals still wins.
    let json = json_of(&vsm_ok_in(
        dir.path(),
        &[
            "simulate",
            "vsm.yaml",
            "--items",
            "50",
            "--arrivals",
            "3/week",
            "--format",
            "json",
        ],
    ));
    assert_eq!(json["arrivals_per_week"], 3.0);
}

/// The textbook map with a target and an improvement, so that `vsm check` and `vsm plan` have
/// durations to tell: a folder holding it as `acme.yaml`.
fn acme_with_targets() -> TempDir {
    let source = std::fs::read_to_string(repo_root().join(ACME)).unwrap();
    let map = format!(
        "{source}\ntargets:\n  lead_time: {{ max: 25d }}\nimprovements:\n  - {{ id: supermarket, step: weld-1, action: Pull from a supermarket, target: {{ wait_time: 2d }} }}\n"
    );
    folder_with(&[("acme.yaml", map)])
}

#[test]
fn every_command_tells_the_textbook_map_in_its_working_days() {
    // One map, three lead times: `analyze` said 23.6d, `compare` 15d 18h (the same 377.6 hours
    // in 24-hour days) and `simulate` 3d, because only some outputs told days as the map counts
    // them. Now each states the convention and tells its durations in it.
    let dir = acme_with_targets();
    let days = "process time in working days of 16h (5 a week), waits in the same working days";
    let run = |args: &[&str]| stdout(&vsm_ok_in(dir.path(), args));

    let analyze = run(&["analyze", "acme.yaml"]);
    assert!(analyze.contains(&format!("Days: {days}.")), "{analyze}");
    assert!(analyze.contains("23.6d"), "{analyze}");

    let compare = run(&["compare", "acme.yaml", "acme.yaml"]);
    assert!(compare.contains(&format!("Days: {days}.")), "{compare}");
    let lead = compare
        .lines()
        .find(|l| l.contains("Lead time ") && !l.contains("rework"))
        .unwrap();
    assert!(lead.contains("23.6d"), "{compare}");
    assert!(!compare.contains("15d 18h"), "{compare}");

    let simulate = run(&["simulate", "acme.yaml", "--items", "2000"]);
    assert!(
        simulate.contains(&format!("  days: {days}\n")),
        "{simulate}"
    );
    assert!(
        simulate.contains(
            "  clock: working time only: every hour of the run is a working hour, a day of it 16h"
        ),
        "{simulate}"
    );
    // Shipping's derived wait (4,140 pieces at 920 a day: 4.5 working days) is most of it.
    let p50 = simulate.lines().find(|l| l.starts_with("  p50")).unwrap();
    assert!(p50.contains('.') && p50.contains('d'), "{simulate}");
    assert!(!p50.contains("3d"), "told in 24-hour days: {simulate}");

    let plan = run(&["plan", "acme.yaml", "--today", "2026-01-01"]);
    assert!(plan.contains(&format!("Days: {days}.")), "{plan}");
    // Weld 1's wait now: 7,000 pieces at 920 a day, derived from the queue.
    assert!(plan.contains("now 7.6d"), "{plan}");
    assert!(plan.contains("(derived)"), "{plan}");

    let check = run(&["check", "acme.yaml", "--live"]);
    assert!(
        check.contains("ok   lead_time: 23.6d, at most 25d"),
        "{check}"
    );
    assert!(check.contains(&format!("Days: {days}.")), "{check}");
}

#[test]
fn a_simulation_says_what_its_arrivals_and_clock_are_and_when_it_is_too_short_for_a_throughput() {
    // 10,000 items at the textbook's 4,600 a week arrive within a day and a half per
    // replication, and each item takes days: the throughput window stayed empty, silently.
    let text = stdout(&vsm_ok(&["simulate", ACME]));
    for expected in [
        "  arrivals 4600.0 per week (the map's demand, left 12000/month + right 6400/month: 920 a working day x 5 working days a week)",
        "  clock: working time only: every hour of the run is a working hour, a day of it 16h and a week 5 such days (80h)",
        "The map's waits before the 5 steps with a capacity (19.1d in all: stamping 5d, weld-1 7.6d,",
        "warning: the throughput is not the stream's pace: each replication's 1000 items arrive within",
        "Run more items, e.g. --items",
        // The capacity steps' waits: the simulated queue, and which wait of the map it replaces.
        "estimated; waits only in the queue for its capacity of 1, not the map's 7.6d wait",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }
    assert!(!text.contains("wait from the queue"), "{text}");
    let json = json_of(&vsm_ok(&["simulate", ACME, "--format", "json"]));
    assert_eq!(json["throughput_steady"], false);
    // Long enough: no warning.
    let long = stdout(&vsm_ok(&[
        "simulate",
        "testdata/measure/orders.yaml",
        "--items",
        "2000",
    ]));
    assert!(!long.contains("warning: the throughput"), "{long}");
}

#[test]
fn hostile_demand_and_queues_are_errors_at_the_field_not_panics() {
    let dir = folder_with(&[
        (
            "tiny.yaml",
            "name: H\ndemand: 1e-300/day\nsteps:\n  - { id: a, process_time: 1h, queue: 1e300 }\n",
        ),
        (
            "huge.yaml",
            "name: H\ndemand: 1/day\nsteps:\n  - { id: a, process_time: 1h, queue: 1e300 }\n",
        ),
        (
            "zero.yaml",
            "name: Z\ndemand: 0/day\nsteps:\n  - { id: a, process_time: 1h }\n",
        ),
    ]);
    let said = vsm_fails_in(dir.path(), &["analyze", "tiny.yaml"]);
    assert!(said.contains("tiny.yaml:2:9"), "{said}");
    assert!(
        said.contains("`demand: 1e-300/day` is 1e-300 items a working day, outside what vsm takes"),
        "{said}"
    );
    assert!(!said.contains("panicked"), "{said}");
    let said = vsm_fails_in(dir.path(), &["analyze", "huge.yaml"]);
    assert!(said.contains("huge.yaml:4:39"), "{said}");
    assert!(
        said.contains("a queue of 1e300 at 1 a day waits 1e300 working days, longer than the longest wait vsm holds"),
        "{said}"
    );
    let said = vsm_fails_in(dir.path(), &["simulate", "zero.yaml"]);
    assert!(said.contains("zero.yaml:2:9"), "{said}");
    assert!(
        said.contains("`demand: 0/day` is zero: the customer asks for nothing"),
        "{said}"
    );
}

#[test]
fn a_measured_maps_queues_are_shown_by_analyze_and_report() {
    // `vsm measure` measured the queue before each step, and `vsm analyze` of the same map
    // showed none: no Queue column, no count under the triangles, `queue: null` in JSON.
    let json = json_of(&vsm_ok(&[
        "analyze",
        "testdata/measure/orders.yaml",
        "--format",
        "json",
    ]));
    let pay = by_id(&json["steps"], "pay");
    assert_eq!(pay["queue"]["items"], 52.6);
    assert_eq!(pay["queue"]["provenance"], "measured");
    assert_eq!(
        format!("{:.2}", pay["queue"]["days"].as_f64().unwrap()),
        "12.53"
    );
    let text = stdout(&vsm_ok(&["analyze", "testdata/measure/orders.yaml"]));
    assert!(text.contains("Queue"), "{text}");
    assert!(text.contains("52.6"), "{text}");
    assert!(
        text.contains("Queue of a measured step: the mean number of items waiting"),
        "{text}"
    );
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("orders.html");
    vsm_ok(&[
        "report",
        "testdata/measure/orders.yaml",
        "-o",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("52.6 · 12d 13h"),
        "no triangle count in the report"
    );
    assert!(
        html.contains("(52.6 waiting)"),
        "no queue in the steps table"
    );
}

/// The reviewer's map: 8 items a working day of 8 h, step `c` takes 3 h an item on one place
/// (three times takt), `side` 5 h on a parallel branch, `d` a second over takt.
const TOO_SLOW: &str = "name: K\nworking_day: 8h\nwait_days: working\ndemand: 8/day\nsteps:\n  - { id: a, process_time: 10m }\n  - { id: b, process_time: 30m, after: a }\n  - { id: c, process_time: 3h, capacity: 1, after: b }\n  - { id: side, process_time: 5h, after: a }\n  - { id: d, process_time: 1h 0m 1s, after: [c, side] }\n";

#[test]
fn a_map_of_working_days_simulates_on_working_time_and_agrees_with_takt() {
    // The run kept no working hours: 40 items a week spread over 168 hours kept `c` 81% busy
    // and delivered all 40, while the analysis said `c` cannot keep up with the demand.
    let dir = folder_with(&[("k.yaml", TOO_SLOW)]);
    let analysis = stdout(&vsm_ok_in(dir.path(), &["analyze", "k.yaml"]));
    assert!(
        analysis.contains("takes 3h an item, over the takt time of 1h (200% more)"),
        "{analysis}"
    );
    let json = json_of(&vsm_ok_in(
        dir.path(),
        &["simulate", "k.yaml", "--items", "4000", "--format", "json"],
    ));
    assert_eq!(json["arrivals_per_week"], 40.0);
    // `c` works 40 hours a week of about 3h 24m an item: about 12 a week, busy all the time.
    let throughput = json["throughput_per_week"].as_f64().unwrap();
    assert!((9.0..15.0).contains(&throughput), "{throughput}");
    let c = by_id(&json["steps"], "c");
    assert!(c["utilization"].as_f64().unwrap() > 0.95, "{c}");
    assert_eq!(json["constraint"]["step"], "c");
    // Every step off the critical path that is slower than takt is flagged too: `side`.
    let bottlenecks = json_of(&vsm_ok_in(
        dir.path(),
        &["analyze", "k.yaml", "--format", "json"],
    ))["bottlenecks"]
        .clone();
    let slow: Vec<&str> = bottlenecks
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| {
            b["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["code"] == "slower_than_takt")
        })
        .map(|b| b["step"].as_str().unwrap())
        .collect();
    for step in ["c", "side", "d"] {
        assert!(slow.contains(&step), "{step}: {bottlenecks}");
    }
}

#[test]
fn a_map_that_says_nothing_of_working_time_has_24_hour_days_for_its_demand_and_queues() {
    // It had an 8-hour takt day and 5-day weeks while saying its days are 24 hours.
    let map = "name: N\ndemand: 10/day\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, process_time: 1h, queue: 10 }\n";
    let dir = folder_with(&[("n.yaml", map)]);
    let json = json_of(&vsm_ok_in(
        dir.path(),
        &["analyze", "n.yaml", "--format", "json"],
    ));
    assert_eq!(json["summary"]["takt_time_seconds"], 8640.0, "{json}");
    assert_eq!(json["steps"][1]["wait_time_seconds"], 86400.0, "{json}");
    // Its days are days: no "1 working days x 7/7 calendar days each".
    let explain = stdout(&vsm_ok_in(
        dir.path(),
        &["analyze", "n.yaml", "--explain", "b"],
    ));
    assert!(
        explain.contains("  10 / 10 a day (the stream's demand) = 1 day\n  1 day = 1d (the map sets no working time: every day is 24 h, 7 a week)"),
        "{explain}"
    );
    let simulated = json_of(&vsm_ok_in(
        dir.path(),
        &["simulate", "n.yaml", "--items", "20", "--format", "json"],
    ));
    assert_eq!(simulated["arrivals_per_week"], 70.0);
}

#[test]
fn compare_tells_a_map_of_calendar_waits_in_the_current_maps_working_days() {
    // Acme with `wait_days: calendar` waits 5 calendar days and 18.6 working days stretched
    // over the weekends: 31.07 calendar days, which are 22.2 working days of 16 h on 5-day
    // weeks. Compare took them for 46.6 working days (31.07 x 24 h / 16 h), "+23d".
    let acme = std::fs::read_to_string(repo_root().join(ACME)).unwrap();
    let calendar = acme.replace("wait_days: working", "wait_days: calendar");
    assert_ne!(acme, calendar);
    let dir = folder_with(&[("acme.yaml", acme), ("calendar.yaml", calendar)]);
    let output = vsm_ok_in(dir.path(), &["compare", "acme.yaml", "calendar.yaml"]);
    let text = stdout(&output);
    let lead = text
        .lines()
        .find(|l| l.starts_with("Lead time ") && !l.contains("rework"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "));
    assert_eq!(
        lead.as_deref(),
        Some("Lead time 23.6d 22.2d -1.4d"),
        "{text}"
    );
    assert!(
        stderr(&output).contains("note: `calendar.yaml` counts process time in working days of 16h (5 a week), waits in calendar days (24h); its waits are re-expressed"),
        "{}",
        stderr(&output)
    );
    // Each alone is what analyze says of it: 31d 2h in calendar days.
    let alone = stdout(&vsm_ok_in(dir.path(), &["analyze", "calendar.yaml"]));
    assert!(alone.contains("31d 2h"), "{alone}");
}

#[test]
fn a_takt_time_under_a_millisecond_is_an_error_and_available_past_the_day_a_warning() {
    let dir = folder_with(&[
        (
            "zero.yaml",
            "name: Z\navailable: 1ms/day\ndemand: 5/day\nsteps:\n  - { id: a, process_time: 10m }\n",
        ),
        (
            "long.yaml",
            "name: L\nworking_day: 8h\navailable: 10h/day\ndemand: 5/day\nsteps:\n  - { id: a, process_time: 10m }\n",
        ),
    ]);
    let error = vsm_fails_in(dir.path(), &["analyze", "zero.yaml"]);
    assert!(
        error.contains("error[takt_too_short]: 5 items a day in 1ms give a takt time of 0.2 ms"),
        "{error}"
    );
    let output = vsm_ok_in(dir.path(), &["analyze", "long.yaml"]);
    assert!(
        stderr(&output)
            .contains("`available: 10h/day` is more time a day than the working day of 8h"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn compare_shows_takt_and_demand_marks_derived_waits_and_keeps_small_changes() {
    // The reviewer's future state: more demand, a tenth of weld 1's queue, assembly 1 at 55 s.
    let source = std::fs::read_to_string(repo_root().join(ACME)).unwrap();
    let future = source
        .replace("left: 12000/month", "left: 14000/month")
        .replace(
            "queue: { left: 4600, right: 2400 }",
            "queue: { left: 460, right: 240 }",
        )
        .replace("process_time: 62s", "process_time: 55s");
    assert_ne!(future, source);
    let dir = folder_with(&[("acme.yaml", source.as_str()), ("future.yaml", &future)]);
    let text = stdout(&vsm_ok_in(
        dir.path(),
        &["compare", "acme.yaml", "future.yaml"],
    ));
    let row = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no `{label}` row in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("Takt time"), "Takt time 1m (60s) 54s -6s", "{text}");
    assert_eq!(row("Demand"), "Demand 920/day 1020/day +100/day", "{text}");
    // 0.0138% → 0.0201%: +0.0063 points, not `+0.01 pts` nor the rounded reports' `+0.006`.
    assert!(row("Activity ratio").ends_with("+0.0063 pts"), "{text}");
    assert!(row("weld-1").contains("≈7.6d ≈10h 59m"), "{text}");
    assert!(row("stamping").contains(" 5d 5d "), "{text}");
    assert!(text.contains("≈ wait derived from the queue"), "{text}");
}
