//! `compare`, and future states: maps that extend another, analyzed, simulated and compared
//! with it.

use crate::{
    by_id, entry, folder_with, history_fixture, json_of, json_ok, json_ok_in, simulate_json_in,
    stderr, stdout, vsm, vsm_fails_in, vsm_in, vsm_ok, vsm_ok_in,
};

#[test]
fn compare_the_current_and_the_future_state() {
    let maps = [
        "compare",
        "examples/feature-delivery.yaml",
        "examples/feature-delivery-future.yaml",
    ];
    let output = vsm_ok(&maps);
    insta::assert_snapshot!("compare-feature-delivery-text", stdout(&output));
    let compared = json_ok(&maps);
    // Every summary field of `analyze --format json`, as {before, after, change}.
    let analyzed = json_ok(&["analyze", "examples/feature-delivery.yaml"]);
    for key in analyzed["summary"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "provenance")
    {
        let field = &compared["summary"][key];
        assert!(
            field.get("before").is_some()
                && field.get("after").is_some()
                && field.get("change").is_some(),
            "{key}"
        );
    }
    let lead = &compared["summary"]["lead_time_seconds"];
    assert_eq!(lead["before"], analyzed["summary"]["lead_time_seconds"]);
    assert_eq!(
        lead["change"].as_f64().unwrap(),
        lead["after"].as_f64().unwrap() - lead["before"].as_f64().unwrap()
    );
    // Steps by id; a step only in the future map has null before.
    let qa = &compared["steps"]["qa"];
    assert_eq!(qa["presence"], "both");
    assert_eq!(
        (
            qa["process_time_seconds"]["before"].as_f64(),
            qa["process_time_seconds"]["after"].as_f64()
        ),
        (Some(21600.0), Some(3600.0))
    );
    let canary = &compared["steps"]["canary"];
    assert_eq!(canary["presence"], "added");
    assert!(
        canary["lead_time_seconds"]["before"].is_null()
            && canary["lead_time_seconds"]["change"].is_null()
    );
    // HTML: both maps on one page, their element ids kept apart.
    let mut html_args = maps.to_vec();
    html_args.extend(["--format", "html"]);
    let page = stdout(&vsm(&html_args));
    assert_eq!(page.matches("<svg xmlns").count(), 2);
    assert!(page.contains("id=\"before-vsm-title\"") && page.contains("id=\"after-vsm-title\""));
    // Real tables, not preformatted text.
    assert!(!page.contains("<pre>"));
    assert_eq!(
        page.matches("<table").count(),
        2,
        "the summary and the steps"
    );
    assert!(
        page.contains("<tr><td>Lead time</td><td class=\"num\">28d 14h</td><td class=\"num\">14d 19h</td><td class=\"num better\">-13d 19h</td></tr>"),
        "the lead time, shorter and so better"
    );
    // The steps that changed, in the table and outlined on both maps; the one added on the
    // future map only.
    assert!(page.contains("<tr class=\"step-changed\" data-step=\"refine\"><td><b>Refine and estimate</b> <span class=\"muted\">refine</span></td><td><span class=\"mark mark-changed\">changed</span> <span class=\"muted\">wait time, %C&amp;A</span></td>"));
    assert!(page.contains("<tr class=\"step-same\" data-step=\"intake\">"));
    for map in ["before", "after"] {
        assert!(page.contains(&format!("#{map}-map .vsm-map g.vsm-step[data-step=\"refine\"] rect.vsm-box {{ stroke: var(--changed);")));
        assert!(!page.contains(&format!(
            "#{map}-map .vsm-map g.vsm-step[data-step=\"intake\"]"
        )));
    }
    assert!(page.contains(
        "#after-map .vsm-map g.vsm-step[data-step=\"canary\"] rect.vsm-box { stroke: var(--good);"
    ));
    assert!(!page.contains("#before-map .vsm-map g.vsm-step[data-step=\"canary\"]"));
    assert!(page.contains("<span class=\"mark mark-added\">added</span>: Canary release"));
}

#[test]
fn a_map_that_extends_another_gives_the_same_numbers_as_the_full_map() {
    // examples/feature-delivery-overlay.yaml writes examples/feature-delivery-future.yaml as
    // changes to examples/feature-delivery.yaml.
    let output = vsm_ok(&["validate", "examples/feature-delivery-overlay.yaml"]);
    assert_eq!(
        stdout(&output),
        "examples/feature-delivery-overlay.yaml: valid (10 steps)\n"
    );
    let summary = |future: &str| {
        json_ok(&["compare", "examples/feature-delivery.yaml", future])["summary"].clone()
    };
    assert_eq!(
        summary("examples/feature-delivery-overlay.yaml"),
        summary("examples/feature-delivery-future.yaml")
    );
    // A base that does not exist is named, with the map that asked for it.
    let dir = folder_with(&[("future.yaml", "extends: current.yaml\n")]);
    let said = vsm_fails_in(dir.path(), &["analyze", "future.yaml"]);
    assert!(
        said.starts_with(
            "error: `future.yaml` extends `current.yaml`: `current.yaml` does not exist"
        ),
        "{said}"
    );
}

#[test]
fn a_future_state_of_a_measured_map_keeps_its_design_and_the_measured_rest() {
    let (dir, _) = history_fixture();
    std::fs::write(
        dir.path().join("future.yaml"),
        "extends: orders.yaml\nname: Web orders with payment reminders\nsteps:\n  - { id: pay, wait_time: 5d }\n",
    )
    .unwrap();
    let analysis = json_ok_in(dir.path(), &["analyze", "future.yaml"]);
    let pay = &analysis["steps"][2];
    assert_eq!(pay["wait_time_seconds"], 5.0 * 86_400.0, "the design stays");
    assert_eq!(pay["provenance"]["wait_time"], "designed");
    assert_eq!(pay["provenance"]["process_time"], "measured");
    assert_eq!(analysis["steps"][3]["provenance"]["wait_time"], "measured");

    // A future state runs on the calibrated current state: the log's items, with pay's waits
    // scaled so that their mean is the design (12d 13h in the log).
    let now = simulate_json_in(dir.path(), &["orders.yaml", "--items", "20000"]);
    let future = simulate_json_in(dir.path(), &["future.yaml", "--items", "20000"]);
    assert_eq!(future["model"], "calibrated");
    assert_eq!(
        future["steps"][2]["durations"],
        "measured (1125 items), wait scaled to the design; capacity: p95 of the log's items at once"
    );
    assert!(
        future["validation"].is_null(),
        "a future state is not held against the log"
    );
    let change = &future["future"]["steps"][0];
    assert_eq!(change["id"], "pay");
    let log_wait = now["validation"]["steps"][2]["wait_seconds"]["measured"]
        .as_f64()
        .unwrap();
    let declared = change["wait_seconds"]["measured"].as_f64().unwrap();
    assert!(
        (declared - log_wait).abs() < 1.0,
        "{declared} vs {log_wait}"
    );
    assert_eq!(change["wait_seconds"]["simulated"], 5.0 * 86_400.0);
    assert_eq!(future["future"]["removed"], serde_json::json!([]));
    // The other steps draw the same measured items, and keep their times.
    assert_eq!(
        now["steps"][3]["durations"],
        future["steps"][3]["durations"]
    );
    assert_eq!(
        now["steps"][3]["mean_process_seconds"],
        future["steps"][3]["mean_process_seconds"]
    );
    let p50 = |json: &serde_json::Value| json["lead_time_seconds"]["p50"].as_f64().unwrap();
    assert!(
        p50(&now) - p50(&future) > 5.0 * 86_400.0,
        "about 6 days shorter"
    );

    // compare --simulate: both maps with the same items, seed and replications, side by side,
    // and each change against the noise between the paired replications.
    let compare = [
        "compare",
        "orders.yaml",
        "future.yaml",
        "--simulate",
        "--items",
    ];
    let compared = json_ok_in(dir.path(), &[&compare[..], &["20000"]].concat());
    let simulated = &compared["simulation"];
    assert_eq!(simulated["items"], 20000);
    assert_eq!(simulated["replications"], 10);
    assert_eq!(simulated["model"]["after"], "calibrated");
    assert_eq!(simulated["arrivals_per_week"], now["arrivals_per_week"]);
    let lead = &simulated["lead_time_seconds"];
    assert_eq!(lead["p50"]["before"], now["lead_time_seconds"]["p50"]);
    assert_eq!(lead["p50"]["after"], future["lead_time_seconds"]["p50"]);
    assert!(lead["p85"]["change"].as_f64().unwrap() < -5.0 * 86_400.0);
    let interval = &lead["p85"]["before_interval"];
    assert!(interval["low"].as_f64().unwrap() <= interval["high"].as_f64().unwrap());
    // The mean moves by what the design takes from pay's wait, times the share of items that
    // pay (88.9%): the same items, so the noise is a small part of it.
    let difference = &lead["mean"]["difference"];
    let expected = -(log_wait - 5.0 * 86_400.0) * 1125.0 / 1266.0;
    let mean = difference["mean"].as_f64().unwrap();
    assert!((mean / expected - 1.0).abs() < 0.03, "{mean} vs {expected}");
    assert!(difference["noise"].as_f64().unwrap() < 0.05 * mean.abs());
    assert_eq!(difference["within_noise"], false);
    for p in ["p50", "p85", "p95"] {
        assert_eq!(lead[p]["difference"]["within_noise"], false, "{p}");
        let d = &lead[p]["difference"];
        assert!(d["low"].as_f64().unwrap() <= d["mean"].as_f64().unwrap());
        assert!(d["mean"].as_f64().unwrap() <= d["high"].as_f64().unwrap());
    }
    // The same items arrive: throughput does not move beyond noise.
    assert_eq!(
        simulated["throughput_per_week"]["difference"]["within_noise"], true,
        "{simulated}"
    );
    assert_eq!(simulated["future"]["steps"][0]["id"], "pay");
    let text = stdout(&vsm_in(dir.path(), &[&compare[..], &["2000"]].concat()));
    assert!(text.contains("\nSimulated\n---------\n\n2000 items through each map in 10 replications, seed 1, arrivals 33.1 per week (calibrated → calibrated); 95% intervals in brackets.\n"), "{text}");
    assert!(text.contains("Lead time p85"), "{text}");
    assert!(text.contains("± noise   Is it the change?"), "{text}");
    assert!(
        text.contains("- pay: first-pass wait × 0.40: the mean of its items 12d 13h → 5d; 88.9% of the items pass it"),
        "{text}"
    );
    let markdown = stdout(&vsm_in(
        dir.path(),
        &[&compare[..], &["2000", "--format", "markdown"]].concat(),
    ));
    assert!(
        markdown.contains("| ± noise | Is it the change? |"),
        "{markdown}"
    );
    let html = stdout(&vsm_in(
        dir.path(),
        &[&compare[..], &["2000", "--format", "html"]].concat(),
    ));
    assert!(html.contains("Is it the change?"), "{html}");

    // A future state that changes nothing: the same items at the same instants, so every
    // difference is 0 and within noise; the text says the future changes nothing.
    std::fs::write(
        dir.path().join("same.yaml"),
        "extends: orders.yaml\nname: Web orders, unchanged\n",
    )
    .unwrap();
    let same = json_ok_in(
        dir.path(),
        &[
            "compare",
            "orders.yaml",
            "same.yaml",
            "--simulate",
            "--items",
            "20000",
        ],
    );
    let lead = &same["simulation"]["lead_time_seconds"];
    for p in ["p50", "p85", "p95", "mean"] {
        assert_eq!(lead[p]["difference"]["within_noise"], true, "{p}: {lead}");
        assert_eq!(lead[p]["difference"]["mean"], 0.0, "{p}");
    }
    assert_eq!(lead["p50"]["after"], now["lead_time_seconds"]["p50"]);
    assert_eq!(same["simulation"]["future"]["steps"], serde_json::json!([]));
}

#[test]
fn a_future_state_that_removes_and_adds_steps_is_projected_from_the_measured_map() {
    // The future state drops the customer's payment (measured) and adds an automatic check
    // (2d 1h, estimated): the items never skipped the one nor passed the other, so the mean
    // moves by exactly those two, and the future map lives in another folder than its base.
    let (dir, _) = history_fixture();
    let elsewhere = dir.path().join("future");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("future.yaml"),
        "extends: ../orders.yaml\nname: Pay on order\nsteps:\n  - { id: autocheck, after: invoice, process_time: 1h, wait_time: 2d }\n  - { id: prepare, after: autocheck }\nremove: [pay]\n",
    )
    .unwrap();
    let now = json_ok_in(dir.path(), &["analyze", "orders.yaml"]);
    let output = vsm_ok_in(&elsewhere, &["analyze", "future.yaml", "--format", "json"]);
    assert!(
        !stderr(&output).contains("names no event log"),
        "{}",
        stderr(&output)
    );
    let future = json_of(&output);
    let ms = |v: &serde_json::Value| (v.as_f64().unwrap() * 1000.0).round() as i64;
    let pay = entry(&now["measured"]["ladder"], "step", "pay");
    let pay_per_item = ms(&pay["per_item_wait_seconds"]) + ms(&pay["per_item_process_seconds"]);
    let expected = ms(&now["summary"]["lead_time_seconds"]) - pay_per_item + (49 * 3_600_000);
    let got = ms(&future["summary"]["lead_time_seconds"]);
    assert!((got - expected).abs() <= 1, "{got} vs {expected}");
    assert_eq!(
        future["measured"]["items"], now["measured"]["items"],
        "the items measured"
    );
    assert!(!future["measured"]["projected_change_seconds"].is_null());
    // Prepare keeps its own measured wait: pay's time does not move into it.
    let wait = |report: &serde_json::Value| {
        by_id(&report["steps"], "prepare")["wait_time_seconds"].clone()
    };
    assert_eq!(wait(&future), wait(&now));

    // Simulated on the calibrated current state: pay leaves every item's route with its time,
    // and every item passes the check, drawn from its estimates (a log-normal around each: its
    // mean 1.133 times the estimate).
    let now = simulate_json_in(dir.path(), &["orders.yaml", "--items", "20000"]);
    let simulated = simulate_json_in(&elsewhere, &["future.yaml", "--items", "20000"]);
    assert_eq!(simulated["model"], "calibrated");
    let changes = &simulated["future"];
    assert_eq!(changes["removed"][0]["id"], "pay");
    let share = changes["removed"][0]["visit_share"].as_f64().unwrap();
    assert!((share - 1125.0 / 1266.0).abs() < 1e-9, "{share}");
    let check = &changes["steps"][0];
    assert_eq!(
        (&check["id"], &check["added"]),
        (&"autocheck".into(), &true.into())
    );
    assert_eq!(check["visit_share"], 1.0);
    assert_eq!(
        by_id(&simulated["steps"], "autocheck")["durations"],
        "estimated"
    );
    let mean = |json: &serde_json::Value| json["lead_time_seconds"]["mean"].as_f64().unwrap();
    let expected = pay_per_item as f64 / 1000.0 - 1.1331 * 49.0 * 3600.0;
    let drop = mean(&now) - mean(&simulated);
    assert!((drop / expected - 1.0).abs() < 0.03, "{drop} vs {expected}");
}

#[test]
fn a_future_of_a_future_runs_on_the_calibrated_current_state_and_more_places_queue_less() {
    // orders.yaml ← reminders.yaml (pay waits 5d) ← packers.yaml (two people deliver): the last
    // is measured through orders.yaml and calibrated from its log, with both changes applied.
    let (dir, _) = history_fixture();
    std::fs::write(
        dir.path().join("reminders.yaml"),
        "extends: orders.yaml\nname: Reminders\nsteps:\n  - { id: pay, wait_time: 5d }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("packers.yaml"),
        "extends: reminders.yaml\nname: Reminders and two packers\nsteps:\n  - { id: deliver, capacity: 2 }\n",
    )
    .unwrap();
    let reminders = simulate_json_in(dir.path(), &["reminders.yaml", "--items", "20000"]);
    let packers = simulate_json_in(dir.path(), &["packers.yaml", "--items", "20000"]);
    assert_eq!(packers["model"], "calibrated");
    let changes = packers["future"]["steps"].as_array().unwrap();
    let ids: Vec<&str> = changes.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["pay", "deliver"]);
    assert_eq!(changes[0]["wait_seconds"]["simulated"], 5.0 * 86_400.0);
    assert_eq!(
        changes[0]["wait_seconds"],
        reminders["future"]["steps"][0]["wait_seconds"]
    );

    // deliver: the log's p95 at once is 1; at the log's load (its utilization in the current
    // state) M/M/1 queueing is a part of the mean wait, M/M/2 less, and the mean drops by the
    // difference.
    let queueing = &changes[1]["capacity_queueing"];
    assert_eq!(queueing["capacity_before"], 1);
    assert_eq!(queueing["capacity_before_from_log"], true);
    assert_eq!(queueing["capacity_after"], 2);
    let f = |v: &serde_json::Value| v.as_f64().unwrap();
    let load = f(&queueing["load"]);
    let (now, then) = (
        f(&queueing["queueing_seconds"]["measured"]),
        f(&queueing["queueing_seconds"]["simulated"]),
    );
    let service = f(&queueing["time_in_step_seconds"]);
    assert!((0.05..0.2).contains(&load), "{queueing}");
    assert!(
        (now - service * load / (1.0 - load)).abs() < 0.01,
        "M/M/1: {queueing}"
    );
    assert!(then < now && then > 0.0, "{queueing}");
    let (wait, moved) = (
        f(&queueing["wait_seconds"]["measured"]),
        f(&queueing["wait_seconds"]["simulated"]),
    );
    assert!((wait - moved - (now - then)).abs() < 0.01, "{queueing}");
    let deliver_wait =
        |run: &serde_json::Value| f(&by_id(&run["steps"], "deliver")["mean_wait_seconds"]);
    assert!(
        deliver_wait(&packers) < deliver_wait(&reminders),
        "{} vs {}",
        deliver_wait(&packers),
        deliver_wait(&reminders)
    );
    assert_eq!(
        by_id(&packers["steps"], "deliver")["durations"],
        "measured (1125 items); each item waits its own wait, then queues for the map's capacity of 2"
    );
    let text = stdout(&vsm_ok_in(
        dir.path(),
        &["simulate", "packers.yaml", "--items", "20000"],
    ));
    assert!(
        text.contains(
            "deliver: capacity 1 (the p95 of the log's items in it at once) → 2: at the log's load ("
        ),
        "{text}"
    );
}

/// Saves each countermeasure `vsm analyze` proposes for `map` (in `dir`) beside it and runs
/// `vsm compare` on it: the proposal's numbers are compare's. Returns how many there were.
fn countermeasures_reproduce_in_compare(dir: &std::path::Path, map: &str) -> usize {
    let analyzed = json_ok_in(dir, &["analyze", map]);
    let mut count = 0;
    for bottleneck in analyzed["bottlenecks"].as_array().unwrap() {
        for proposal in bottleneck["countermeasures"].as_array().unwrap() {
            count += 1;
            let overlay = format!("try-{count}.yaml");
            std::fs::write(dir.join(&overlay), proposal["overlay"].as_str().unwrap()).unwrap();
            let compared = json_ok_in(dir, &["compare", map, &overlay]);
            let summary = &compared["summary"];
            for (field, change) in [
                ("lead_time_seconds", "lead_time_change_seconds"),
                (
                    "lead_time_with_rework_seconds",
                    "lead_time_with_rework_change_seconds",
                ),
            ] {
                assert_eq!(
                    summary[field]["after"], proposal[field],
                    "{field} of {}",
                    proposal["overlay"]
                );
                assert_eq!(summary[field]["change"], proposal[change], "{field}");
            }
            assert_eq!(
                summary["rolled_complete_accurate_percent"]["after"],
                proposal["rolled_complete_accurate_percent"]
            );
        }
    }
    count
}

#[test]
fn every_countermeasure_of_an_estimated_map_gives_its_numbers_in_compare() {
    let map =
        std::fs::read(crate::common::repo_root().join("examples/feature-delivery.yaml")).unwrap();
    let dir = folder_with(&[("feature-delivery.yaml", map)]);
    // cab's approval (automate, move), refine's and develop's %C&A, qa's and develop's
    // hands-on work, and more: every one checked.
    let count = countermeasures_reproduce_in_compare(dir.path(), "feature-delivery.yaml");
    assert!(count >= 5, "{count}");
}

#[test]
fn every_countermeasure_of_a_measured_map_gives_its_numbers_in_compare() {
    // testdata/measure/orders.yaml with its interval log beside it.
    let root = crate::common::repo_root();
    let map = std::fs::read_to_string(root.join("testdata/measure/orders.yaml"))
        .unwrap()
        .replace("../csv/interval_event_log.csv", "interval_event_log.csv");
    let log = std::fs::read(root.join("testdata/csv/interval_event_log.csv")).unwrap();
    let dir = folder_with(&[
        ("orders.yaml", map.into_bytes()),
        ("interval_event_log.csv", log),
    ]);
    let count = countermeasures_reproduce_in_compare(dir.path(), "orders.yaml");
    assert!(count >= 1, "{count}");
}
