//! `measure`: a map's steps measured from its event log, checked by hand.

use crate::{by_id, entry, json_ok, json_ok_in, repo_root, stderr, stdout, vsm, vsm_ok};

/// What `vsm measure MAP --format json` prints, which must succeed.
fn measure_json(map: &str) -> serde_json::Value {
    json_ok(&["measure", map])
}

/// What `vsm measure MAP --explain STEP` lists, which must succeed.
fn explain(map: &str, step: &str) -> String {
    stdout(&vsm_ok(&["measure", map, "--explain", step]))
}

/// The line of `listing` about the item `C1`.
fn c1_line(listing: &str) -> &str {
    listing
        .lines()
        .find(|line| line.starts_with("C1 "))
        .unwrap()
}

/// Seconds of a duration written the way users write them.
fn seconds(text: &str) -> f64 {
    text.parse::<vsm_core::Duration>().unwrap().as_secs_f64()
}

#[test]
fn measure_a_log_of_completions_by_hand() {
    // testdata/measure/claims.yaml on the six cases of running-example.xes. Decide's waits, from
    // the later of examine's and check's completions to decide's first completion:
    // 30m, 20h 6m, 21h 19m, 2d 2h 6m, 5d 21h 6m, 6d 16h 44m.
    let measured = measure_json("testdata/measure/claims.yaml");
    let decide = by_id(&measured["steps"], "decide");
    assert_eq!(decide["completed"], 6);
    let wait = &decide["wait_time"];
    assert_eq!(wait["count"], 6);
    assert_eq!(wait["min_seconds"].as_f64().unwrap(), seconds("30m"));
    assert_eq!(wait["p50_seconds"].as_f64().unwrap(), seconds("21h 19m"));
    assert_eq!(wait["p85_seconds"].as_f64().unwrap(), seconds("6d 16h 44m"));
    assert_eq!(wait["max_seconds"].as_f64().unwrap(), seconds("6d 16h 44m"));
    // Completions only: no process time is measured.
    assert_eq!(decide["process_time"]["count"], 0);
    // Cases 3 and 5 came back to examine after leaving it; case 5 went back to check first.
    let examine = by_id(&measured["steps"], "examine");
    assert_eq!(
        (examine["left"].as_u64(), examine["returned"].as_u64()),
        (Some(6), Some(2))
    );
    let check = by_id(&measured["steps"], "check");
    assert_eq!(check["returned"], 1);
    assert_eq!(decide["returned"], 0);
    assert_eq!(
        measured["coverage"]["unmatched"][0]["activity"],
        "reinitiate request"
    );
    assert_eq!(measured["coverage"]["unmatched"][0]["count"], 3);

    // analyze uses the measured numbers and says which are measured.
    let report = json_ok(&["analyze", "testdata/measure/claims.yaml"]);
    assert_eq!(report["summary"]["provenance"], "mixed");
    let step = &report["steps"][3];
    assert_eq!(step["id"], "decide");
    assert_eq!(step["provenance"]["process_time"], "estimated");
    assert_eq!(step["provenance"]["wait_time"], "mixed");
    assert_eq!(step["provenance"]["complete_accurate"], "measured");
    // The mean of the six leads above (2d 17h 38m 30s) less the estimated hour of work.
    assert_eq!(
        step["wait_time_seconds"].as_f64().unwrap(),
        seconds("2d 16h 38m 30s")
    );
    assert_eq!(
        step["estimate"]["wait_time_seconds"].as_f64().unwrap(),
        seconds("2d")
    );
    assert_eq!(
        report["steps"][1]["complete_accurate_percent"]
            .as_f64()
            .unwrap(),
        66.67
    );
}

#[test]
fn measure_an_interval_log_and_explain_a_step() {
    let measured = measure_json("testdata/measure/orders.yaml");
    let order = &measured["steps"][0];
    assert_eq!(order["completed"], 1266);
    assert_eq!(order["process_time"]["count"], 1266);
    assert!(order["process_time"]["p50_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(measured["coverage"]["items"], 1266);
    // Each distribution is ordered.
    for step in measured["steps"].as_array().unwrap() {
        for kind in ["process_time", "wait_time", "lead_time"] {
            let d = &step[kind];
            let at = |k: &str| d[k].as_f64().unwrap();
            assert!(
                at("min_seconds") <= at("p50_seconds") && at("p50_seconds") <= at("p85_seconds")
            );
            assert!(
                at("p85_seconds") <= at("p95_seconds") && at("p95_seconds") <= at("max_seconds")
            );
        }
    }
    // `analyze --explain` says the measured numbers are measured, not estimated.
    let told = stdout(&vsm_ok(&[
        "analyze",
        "testdata/measure/orders.yaml",
        "--explain",
        "invoice",
    ]));
    let line = |start: &str| {
        told.lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` line: {told}"))
            .to_string()
    };
    for start in ["Process time", "Wait time"] {
        let said = line(start);
        assert!(
            said.contains("measured: from the event log") && !said.contains("estimated"),
            "{said}"
        );
    }

    // The first order, C1: 2015-01-05 09:00:07 to 09:02:50, 2m 43s of work.
    let listing = explain("testdata/measure/orders.yaml", "order");
    let c1 = c1_line(&listing);
    assert!(
        c1.contains("2015-01-05 09:00:07  2015-01-05 09:02:50"),
        "{c1}"
    );
    assert!(c1.contains("2m 43s"), "{c1}");
    assert_eq!(
        listing.lines().filter(|line| line.starts_with('C')).count(),
        1266
    );
    let unknown = vsm(&[
        "measure",
        "testdata/measure/orders.yaml",
        "--explain",
        "ship",
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains(
        "there is no step `ship`; the steps are `order`, `invoice`, `pay`, `prepare`, `deliver`"
    ));
}

#[test]
fn measure_in_working_hours() {
    // C1 was ordered Monday 2015-01-05 09:02:50 and invoiced from Wednesday 09:21:32 to 09:28:55:
    // the wait is 7h 57m 10s on Monday, 8h on Tuesday and 21m 32s on Wednesday, 16h 18m 42s.
    let listing = explain("testdata/measure/orders-working-hours.yaml", "invoice");
    let c1 = c1_line(&listing);
    assert!(c1.contains("7m 23s") && c1.contains("16h 19m"), "{c1}");
    let calendar_days = measure_json("testdata/measure/orders.yaml");
    let working = measure_json("testdata/measure/orders-working-hours.yaml");
    let p50 = |m: &serde_json::Value| m["steps"][1]["wait_time"]["p50_seconds"].as_f64().unwrap();
    assert!(p50(&working) < p50(&calendar_days));
}

#[test]
fn measure_by_an_event_attribute_from_csv_and_xes_alike() {
    // The receipt log in both encodings, steps read from the `org:group` attribute.
    let csv = measure_json("testdata/measure/receipt-groups-receipt.yaml");
    let xes = measure_json("testdata/measure/receipt-groups-08_receipt.yaml");
    assert_eq!(csv["steps"], xes["steps"]);
    assert_eq!(csv["coverage"], xes["coverage"]);
    let group_1 = &csv["steps"][0];
    assert!(group_1["completed"].as_u64().unwrap() > 400, "{group_1}");
    assert!(group_1["process_time"]["count"].as_u64().unwrap() > 400);
    // Events with `EMPTY` as their group are in no step, and are said to be.
    assert!(
        csv["coverage"]["unmatched"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["count"].as_u64().unwrap())
            .sum::<u64>()
            > 1000
    );
}

#[test]
fn work_resumed_in_sessions_is_not_rework_when_the_map_says_so() {
    // BPI Challenge 2012: loan work items are often done in several start/complete sessions.
    let resumed = measure_json("testdata/measure/loans.yaml");
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(repo_root().join("testdata/measure/loans.yaml"))
        .unwrap()
        .replace("  reentry: resume\n", "")
        .replace(
            "../xes/bpic2012.xes.gz",
            repo_root()
                .join("testdata/xes/bpic2012.xes.gz")
                .to_str()
                .unwrap(),
        );
    std::fs::write(dir.path().join("loans.yaml"), source).unwrap();
    let as_rework = json_ok_in(dir.path(), &["measure", "loans.yaml"]);
    let complete = |json: &serde_json::Value| {
        let step = &json["steps"][1];
        assert_eq!(step["id"], "complete");
        (
            step["returned"].as_u64().unwrap(),
            step["left"].as_u64().unwrap(),
        )
    };
    // Of 7367 applications completed, 4420 had a second session (counted as rework by
    // default); 23 came back after reaching a later step.
    assert_eq!(complete(&as_rework), (4420, 7367));
    assert_eq!(complete(&resumed), (23, 7367));
}

#[test]
fn an_interval_log_counts_each_event_once() {
    // interval_event_log.csv has 8109 rows, 141 of them `cancel order`; each row has a start
    // timestamp, which vsm reads as the start of the same event.
    let measured = measure_json("testdata/measure/orders.yaml");
    assert_eq!(measured["coverage"]["events"], 8109);
    let cancel = entry(
        &measured["coverage"]["unmatched"],
        "activity",
        "cancel order",
    );
    assert_eq!(cancel["count"], 141);
}

#[test]
fn measure_says_where_each_wait_is_measured_from() {
    // The pay step of the orders: every finished item that paid has a wait, and the measure
    // output says how many were measured from the step before it and how many from elsewhere.
    let measured = measure_json("testdata/measure/orders.yaml");
    let pay = &measured["steps"][2];
    let visited = pay["visited"].as_u64().unwrap();
    assert_eq!(pay["wait_time"]["count"].as_u64().unwrap(), visited);
    let counted: u64 = pay["wait_measured_from"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(counted, visited, "{}", pay["wait_measured_from"]);
    let text = stdout(&vsm(&["measure", "testdata/measure/orders.yaml"]));
    assert!(text.contains("wait of "), "{text}");
    let listing = explain("testdata/measure/orders.yaml", "pay");
    assert!(
        listing.contains("counted items: from the end of a step it follows"),
        "{listing}"
    );
}
