//! `discover`: the directly-follows graph of an event log, held against pm4py, and the map it
//! proposes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

use tempfile::TempDir;

use crate::{
    folder_with, json_of, json_ok, json_ok_in, repo_root, simulate_json_in, stderr, stdout, vsm,
    vsm_fails_in, vsm_in, vsm_ok, vsm_ok_in,
};

/// The directly-follows edges of `discover --format json` (or of pm4py's), by their two ends.
fn edges(json: &serde_json::Value) -> BTreeMap<(String, String), serde_json::Value> {
    json["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                (
                    e["from"].as_str().unwrap().to_string(),
                    e["to"].as_str().unwrap().to_string(),
                ),
                e.clone(),
            )
        })
        .collect()
}

/// Runs `vsm discover LOG -o map.yaml` in a new temporary folder, for a log in the repository.
fn discover_into_folder(log: &str) -> (TempDir, PathBuf, Output) {
    let dir = tempfile::tempdir().unwrap();
    let log = repo_root().join(log);
    let output = vsm_in(
        dir.path(),
        &["discover", log.to_str().unwrap(), "-o", "map.yaml"],
    );
    (dir, log, output)
}

#[test]
fn discover_matches_pm4py_on_bpic2012() {
    let output = vsm_ok(&[
        "discover",
        "testdata/xes/bpic2012.xes.gz",
        "--format",
        "json",
    ]);
    assert_eq!(
        stderr(&output),
        "testdata/xes/bpic2012.xes.gz: read 262200 events (XES); used 262200 events in 13087 items; skipped 0\n"
    );
    let ours = json_of(&output);
    // Python wrote `NaN` for the deviation of one-sample edges; JSON has no NaN.
    let oracle_text =
        std::fs::read_to_string(repo_root().join("testdata/xes/bpic2012.pm4py-dfg.json")).unwrap();
    let oracle: serde_json::Value =
        serde_json::from_str(&oracle_text.replace("NaN", "null")).unwrap();
    assert_eq!(ours["events"], oracle["events"]);
    assert_eq!(ours["items"], oracle["cases"]);
    let (ours, theirs) = (edges(&ours), edges(&oracle));
    assert_eq!(ours.len(), theirs.len(), "the same directly-follows pairs");
    for (key, edge) in &theirs {
        let found = &ours[key];
        assert_eq!(found["count"], edge["count"], "{key:?}");
        for (mine, pm4py) in [
            ("mean_seconds", "mean"),
            ("median_seconds", "median"),
            ("min_seconds", "min"),
            ("max_seconds", "max"),
        ] {
            let difference = (found[mine].as_f64().unwrap() - edge[pm4py].as_f64().unwrap()).abs();
            assert!(
                difference <= 0.001,
                "{key:?} {mine}: {} vs {}",
                found[mine],
                edge[pm4py]
            );
        }
    }
}

#[test]
fn discover_proposes_a_map_that_analyzes() {
    let (dir, log, output) = discover_into_folder("testdata/xes/02_teleclaims.xes.gz");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("wrote the proposed map to map.yaml"));
    assert!(stdout(&output).starts_with("46138 events in 3512 items"));
    let map = std::fs::read_to_string(dir.path().join("map.yaml")).unwrap();
    assert!(map.contains(
        "# Proposed by `vsm discover` from 02_teleclaims.xes.gz: 46138 events in 3512 items."
    ));
    // Teleclaims has start/complete pairs: process times are measured, and the map says the
    // means `vsm analyze` measures.
    assert!(
        map.contains(
            "    process_time: 8m 34s 677ms    # mean of the 1425 finished items that visited it\n"
        ),
        "{map}"
    );
    vsm_ok_in(dir.path(), &["validate", "map.yaml"]);
    // Each step is measured from the log it came from, named from the map's folder.
    assert!(
        map.contains(
            "    measure: { activity: \"S check if sufficient information is available\" }\n"
        ),
        "{map}"
    );
    assert!(
        map.contains(&format!("measure:\n  log: \"{}\"\n", log.display())),
        "{map}"
    );
    let analysis = json_ok_in(dir.path(), &["analyze", "map.yaml"]);
    // Measured; the steps without start events keep the proposed process time of 0 (mixed).
    assert_eq!(analysis["summary"]["provenance"], "mixed");
    // And simulating it reproduces the lead times of all 3512 finished claims, straight from
    // discovery (calibrated from the log).
    let simulated = simulate_json_in(dir.path(), &["map.yaml", "--items", "50000"]);
    let validation = &simulated["validation"];
    assert_eq!(validation["items"], 3512);
    assert_eq!(validation["within"], true, "{validation}");
}

#[test]
fn discover_stops_at_a_bad_event_and_says_how_to_go_on() {
    let text =
        std::fs::read_to_string(repo_root().join("testdata/csv/interval_event_log.csv")).unwrap();
    let dir = folder_with(&[(
        "log.csv",
        text.replacen("2015-01-05 10:54:11+00:00", "soon", 1),
    )]);
    insta::assert_snapshot!(vsm_fails_in(dir.path(), &["discover", "log.csv"]), @r"
    error: log.csv:3, field `time:timestamp`: `soon` is not a timestamp
      help: write timestamps as RFC 3339 (`2024-03-01T14:30:00Z`, `2024-03-01 14:30:00.250+01:00`) or epoch seconds or milliseconds, or pass --skip-invalid to leave such rows out
    ");
    let output = vsm_ok_in(
        dir.path(),
        &["discover", "log.csv", "--skip-invalid", "--format", "json"],
    );
    insta::assert_snapshot!(stderr(&output), @r"
    log.csv: read 8109 events (CSV); used 8108 events in 1266 items; skipped 1
      skipped log.csv:3, field `time:timestamp`: `soon` is not a timestamp
    ");
}

#[test]
fn discover_writes_the_numbers_analyze_shows_and_the_schema_it_names() {
    let (dir, _, output) = discover_into_folder("testdata/xes/helpdesk.xes.gz");
    assert!(output.status.success(), "{}", stderr(&output));
    let map = std::fs::read_to_string(dir.path().join("map.yaml")).unwrap();
    assert!(map.starts_with("# yaml-language-server: $schema=vsm-map.schema.json"));
    let schema = std::fs::read_to_string(dir.path().join("vsm-map.schema.json")).unwrap();
    assert_eq!(
        schema,
        stdout(&vsm(&["schema"])),
        "the schema the map names"
    );
    // No loop that no item takes.
    assert!(!map.contains("share: 0%"), "{map}");
    let written = vsm_core::parse_map(&map).stream.unwrap();
    let analysis = json_ok_in(dir.path(), &["analyze", "map.yaml"]);
    for (step, shown) in written
        .steps
        .iter()
        .zip(analysis["steps"].as_array().unwrap())
    {
        assert_eq!(shown["id"], step.id.as_str());
        for (field, value) in [
            ("wait_time_seconds", step.wait_time),
            ("process_time_seconds", step.process_time),
        ] {
            assert_eq!(
                shown[field].as_f64().unwrap(),
                value.as_secs_f64(),
                "{}: {field}",
                step.id
            );
        }
    }
}

#[test]
fn discover_matches_pm4py_on_an_interval_log() {
    // pm4py, given the start timestamp column, orders events by start and measures an edge from
    // the end of one event to the start of the next (0 when they overlap):
    // testdata/csv/interval_event_log.pm4py-dfg.json says what pm4py 2.7 computes.
    let ours = json_ok(&["discover", "testdata/csv/interval_event_log.csv"]);
    let oracle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root().join("testdata/csv/interval_event_log.pm4py-dfg.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let (ours, theirs) = (edges(&ours), edges(&oracle));
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        theirs.keys().collect::<Vec<_>>()
    );
    for (key, edge) in &theirs {
        assert_eq!(ours[key]["count"], edge["count"], "{key:?}");
        for field in [
            "mean_seconds",
            "median_seconds",
            "min_seconds",
            "max_seconds",
        ] {
            let difference =
                (ours[key][field].as_f64().unwrap() - edge[field].as_f64().unwrap()).abs();
            assert!(difference < 0.001, "{key:?} {field}: {difference}");
        }
    }
}

#[test]
fn discover_refuses_to_propose_a_map_from_a_log_without_completions() {
    // BPI Challenge 2013's lifecycle values are statuses (`In Progress`, `Awaiting Assignment`),
    // never `complete`: no path to propose, said as such, and no empty map written.
    let (dir, _, output) = discover_into_folder("testdata/xes/07_bpic2013_incidents.xes.gz");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("completes an activity, so there is no path to propose"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("map.yaml").exists());
}
