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
                "7000 · 7.6d",
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
