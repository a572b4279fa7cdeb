//! `simulate`: the map as a queueing simulation, held against the measured items.

use crate::{repo_root, simulate_json_in, stderr, stdout, vsm};

/// What `vsm simulate ARGS --format json` prints from the repository root, which must succeed.
fn simulate_json(args: &[&str]) -> serde_json::Value {
    simulate_json_in(&repo_root(), args)
}

/// The simulated lead time percentiles, and their difference from the validation's measured
/// ones, checked against each other; returns the differences.
fn differences(json: &serde_json::Value) -> [f64; 3] {
    let validation = &json["validation"];
    ["p50", "p85", "p95"].map(|p| {
        let simulated = json["lead_time_seconds"][p].as_f64().unwrap();
        let measured = validation["measured_seconds"][p].as_f64().unwrap();
        let difference = (simulated - measured) / measured * 100.0;
        assert!((validation["difference_percent"][p].as_f64().unwrap() - difference).abs() < 1e-9);
        difference
    })
}

#[test]
fn simulating_the_measured_orders_reproduces_their_lead_times() {
    // All 1266 finished orders of the interval log: p50 21d 5h, p85 28d 18h, p95 36d 22h.
    let json = simulate_json(&["testdata/measure/orders.yaml", "--items", "100000"]);
    let validation = &json["validation"];
    assert_eq!(validation["items"], 1266);
    assert_eq!(validation["tolerance_percent"], 10.0);
    for (p, difference) in ["p50", "p85", "p95"].into_iter().zip(differences(&json)) {
        assert!(difference.abs() <= 10.0, "{p}: {difference}");
        let simulated = json["lead_time_seconds"][p].as_f64().unwrap();
        let interval = &json["lead_time_seconds"][format!("{p}_interval")];
        assert!(interval["low"].as_f64().unwrap() <= simulated);
        assert!(simulated <= interval["high"].as_f64().unwrap());
    }
    assert_eq!(validation["within"], true);
    assert!(validation["worst_step"].is_null());
    assert!(validation["distance_percent"].as_f64().unwrap() < 5.0);
    assert_eq!(json["model"], "calibrated");
    assert_eq!(json["calibration"]["finished_items"], 1266);
    // Arrivals replayed from the log: 1266 orders over 38.3 weeks.
    let arrivals = json["arrivals_per_week"].as_f64().unwrap();
    assert!((arrivals - 33.1).abs() < 0.1, "{arrivals}");
    // Every finished order that went through the step, whichever way it came; the log had at
    // most this many in it at once 95% of the time.
    assert_eq!(
        json["steps"][2]["durations"],
        "measured (1125 items); capacity: p95 of the log's items at once"
    );
    assert!(json["steps"][2]["capacity"].as_u64().unwrap() >= 1);
    // The fitted model, kept for comparison, draws from the items that came the map's way.
    let fitted = simulate_json(&["testdata/measure/orders.yaml", "--model", "fitted"]);
    assert_eq!(fitted["model"], "fitted");
    assert!(fitted["calibration"].is_null());
    assert_eq!(fitted["validation"]["items"], 1266);
    assert_eq!(fitted["steps"][2]["durations"], "measured (1117 items)");
}

/// Every measured map in testdata and the maps `vsm discover` proposes for the real logs, with
/// the calibrated model: within ±10% of the log's p50, p85 and p95, or the output says why not
/// (the numbers, and the step that differs most). Pinned so that a change shows.
///
/// Each simulated item is one of the log's, whole, so the helpdesk log's tails (an item slow at
/// one step is slow at the next) are within: −0.4 / −0.1 / −0.1% (they were −2.6 / +19.0 /
/// +27.1% with each step's time drawn on its own).
#[test]
fn the_calibrated_current_state_reproduces_every_measured_log_or_says_why_not() {
    let dir = tempfile::tempdir().unwrap();
    for log in [
        "helpdesk",
        "bpic2012",
        "02_teleclaims",
        "03_repairExample",
        "08_receipt",
    ] {
        let path = repo_root().join(format!("testdata/xes/{log}.xes.gz"));
        let map = dir.path().join(format!("{log}.yaml"));
        let output = vsm(&[
            "discover",
            path.to_str().unwrap(),
            "-o",
            map.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let discovered = |log: &str| dir.path().join(format!("{log}.yaml")).display().to_string();
    let cases: Vec<(String, Option<bool>)> = vec![
        ("testdata/measure/orders.yaml".into(), Some(true)),
        ("testdata/measure/loans.yaml".into(), Some(true)),
        // Six claims: within, but the output says that six items say little.
        ("testdata/measure/claims.yaml".into(), Some(true)),
        (
            "testdata/measure/receipt-groups-receipt.yaml".into(),
            Some(true),
        ),
        (
            "testdata/measure/receipt-groups-08_receipt.yaml".into(),
            Some(true),
        ),
        // Working time: not held against the log's clock, and said so.
        ("testdata/measure/orders-working-hours.yaml".into(), None),
        (discovered("helpdesk"), Some(true)),
        // The p50 falls where the log has few items (13h 43m, between the applications decided
        // in minutes and those that take days): off in time by −22%, the log's p49.5 in rank,
        // and said so. With 100,000 items it is within (+1.4%).
        (discovered("bpic2012"), Some(false)),
        (discovered("02_teleclaims"), Some(true)),
        (discovered("03_repairExample"), Some(true)),
        (discovered("08_receipt"), Some(true)),
    ];
    let mut seen = String::new();
    for (map, expected) in &cases {
        let args = [map.as_str(), "--items", "20000"];
        let json = simulate_json(&args);
        assert_eq!(json["model"], "calibrated", "{map}");
        let validation = &json["validation"];
        let Some(within) = expected else {
            assert!(validation.is_null(), "{map}");
            assert!(json["unchecked"].as_str().unwrap().contains("working time"));
            continue;
        };
        let [d50, d85, d95] = differences(&json);
        let _ = std::fmt::Write::write_fmt(
            &mut seen,
            format_args!("{map}: {d50:+.1}% {d85:+.1}% {d95:+.1}%\n"),
        );
        assert_eq!(validation["within"], *within, "{map}: {seen}");
        assert_eq!(
            *within,
            [d50, d85, d95].iter().all(|d| d.abs() <= 10.0),
            "{map}"
        );
        if validation["items"] == 6 {
            let text = stdout(&vsm(&[&["simulate"][..], &args[..]].concat()));
            assert!(
                text.contains("only 6 finished items: the simulation sends these items again"),
                "{text}"
            );
        }
        if !within {
            // It names the step to look at first, with its share of the mean lead time, and a
            // percentile that is off in time but not in rank.
            let worst = &validation["worst_step"];
            assert!(worst["step"].is_string(), "{map}: {validation}");
            let text = stdout(&vsm(&[&["simulate"][..], &args[..]].concat()));
            assert!(text.contains("OUTSIDE the ±10% tolerance"), "{text}");
            let rank = validation["rank_percent"]["p50"].as_f64().unwrap();
            assert!((rank - 50.0).abs() <= 2.0, "{map}: {validation}");
            assert!(
                text.contains(&format!(
                    "p50 is off in time, not in rank: the simulated p50 is the log's p{rank:.1}"
                )),
                "{text}"
            );
            assert!(
                text.contains(&format!(
                    "differs most at {}",
                    worst["step"].as_str().unwrap()
                )),
                "{text}"
            );
        }
    }
}

#[test]
fn simulation_is_deterministic_and_tries_capacity_and_batches() {
    let args = [
        "examples/feature-delivery.yaml",
        "--items",
        "5000",
        "--arrivals",
        "10/week",
        "--capacity",
        "qa=1",
        "--batch",
        "deploy=5",
    ];
    let one = simulate_json(&args);
    assert_eq!(one, simulate_json(&args), "same seed, same result");
    let other = simulate_json(&[&args[..], &["--seed", "2"]].concat());
    assert_ne!(one["lead_time_seconds"], other["lead_time_seconds"]);
    let qa = &one["steps"][5];
    assert_eq!(
        (qa["id"].as_str(), qa["capacity"].as_u64()),
        (Some("qa"), Some(1))
    );
    let utilization = qa["utilization"].as_f64().unwrap();
    assert!(
        (0.0..=1.0).contains(&utilization) && utilization > 0.4,
        "{utilization}"
    );
    assert!(
        one["steps"][0]["utilization"].is_null(),
        "no capacity, no utilization"
    );
    assert_eq!(one["steps"][7]["batch_size"], 5);
    assert!(one["steps"][5]["mean_queue_length"].as_f64().unwrap() > 0.0);
    assert_eq!(one["constraint"]["step"], "qa");
    assert!(
        one["validation"].is_null(),
        "an estimated map has no log to hold it against"
    );
    // A better future: more capacity at QA, shorter waits.
    let relieved =
        simulate_json(&[&args[..5], &["--capacity", "qa=3", "--batch", "deploy=5"]].concat());
    let qa_wait =
        |json: &serde_json::Value| json["steps"][5]["mean_wait_seconds"].as_f64().unwrap();
    assert!(
        qa_wait(&relieved) * 5.0 < qa_wait(&one),
        "{} vs {}",
        qa_wait(&relieved),
        qa_wait(&one)
    );
}

#[test]
fn simulate_explains_what_it_cannot_do() {
    let simulate =
        |args: &[&str]| vsm(&[&["simulate", "examples/feature-delivery.yaml"][..], args].concat());
    let output = simulate(&["--capacity", "qa=2"]);
    assert!(!output.status.success());
    insta::assert_snapshot!(stderr(&output), @"error: the simulation has a capacity, a batch size or a WIP limit, so queues depend on how fast items arrive: give the rate with `--arrivals 10/week` (or measure the map from an event log)");
    let output = simulate(&["--arrivals", "3/fortnight"]);
    assert!(!output.status.success());
    insta::assert_snapshot!(stderr(&output), @r#"
    error: invalid value '3/fortnight' for '--arrivals <RATE>': `fortnight` is not a unit of time here: write a number of items per hour, day or week, e.g. `30/week`, `4/day` or `0.5/h`

    For more information, try '--help'.
    "#);
    let output = simulate(&["--arrivals", "1/d", "--capacity", "qaa=2"]);
    assert!(!output.status.success());
    insta::assert_snapshot!(stderr(&output), @"error: --capacity qaa=2: the map has no step `qaa`; did you mean `qa`? its steps are intake, refine, develop, review, ci, qa, cab, deploy, verify");
    let output = simulate(&["--arrivals", "1/d", "--wip-limit", "5", "--wip-limit", "8"]);
    insta::assert_snapshot!(stderr(&output), @"error: --wip-limit 5 and --wip-limit 8: give one limit for the whole stream (per step: `--wip-limit STEP=N`)");
    let output = simulate(&["--wip-limit", "lots"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("`lots` is not a WIP limit: write a whole number of at least 1 for the whole stream (`20`), or a step and one (`review=3`)"), "{}", stderr(&output));
}

#[test]
fn wip_limits_for_the_stream_and_for_a_step() {
    let base = [
        "examples/feature-delivery.yaml",
        "--items",
        "5000",
        "--arrivals",
        "5/week",
        "--capacity",
        "develop=2",
    ];
    let free = simulate_json(&base);
    let limited = simulate_json(
        &[
            &base[..],
            &["--wip-limit", "develop=2", "--wip-limit", "12"],
        ]
        .concat(),
    );
    assert_eq!(limited["wip_limit"], 12);
    let develop = &limited["steps"][2];
    assert_eq!(
        (develop["id"].as_str(), develop["wip_limit"].as_u64()),
        (Some("develop"), Some(2))
    );
    // At most 12 items in the stream: fewer wait for develop, the others wait to enter.
    assert!(
        develop["mean_queue_length"].as_f64().unwrap()
            < free["steps"][2]["mean_queue_length"].as_f64().unwrap()
    );
    assert!(
        limited["mean_entry_wait_seconds"].as_f64().unwrap() > 0.0,
        "the stream limit holds items at the entry"
    );
    let text = stdout(&vsm(&[
        &["simulate"][..],
        &base[..],
        &["--wip-limit", "develop=2"],
    ]
    .concat()));
    assert!(text.contains("develop [cap 2] [wip 2]"), "{text}");
}
