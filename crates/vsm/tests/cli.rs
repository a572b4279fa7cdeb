//! Runs the real `vsm` binary for each command, with snapshots of what it prints.
#![allow(clippy::float_cmp)] // durations in whole seconds compare exactly

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// Runs `vsm` from the repository root, so paths in messages are short and stable.
fn vsm(args: &[&str]) -> Output {
    vsm_in(&repo_root(), args)
}

/// As a user who installed vsm runs it: not under cargo, with `vsm` on the PATH.
fn vsm_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vsm"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CARGO")
        .env("PATH", installed_path())
        .output()
        .unwrap()
}

/// The PATH with the built `vsm` first.
fn installed_path() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_vsm")).parent().unwrap();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

const EXAMPLES: [&str; 3] = ["feature-delivery", "platform-change", "regulated-release"];

#[test]
fn demo_prints_the_analysis_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let output = vsm_in(dir.path(), &["demo"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let demo = stdout(&output);
    // The demo is the analysis of the first example, as a user would get it with `analyze`.
    let analyze = stdout(&vsm(&["analyze", "examples/feature-delivery.yaml"]));
    assert_eq!(demo, analyze);
    let said = stderr(&output);
    assert!(
        said.contains("its HTML report is in vsm-demo-report.html"),
        "{said}"
    );
    assert!(said.contains("vsm init --template feature-delivery"));
    let report = std::fs::read_to_string(dir.path().join("vsm-demo-report.html")).unwrap();
    assert!(report.contains("<h1>Web shop feature delivery</h1>"));
}

#[test]
fn render_picks_the_format_from_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/platform-change.yaml");
    let map = map.to_str().unwrap();
    for (file, starts) in [
        ("map.svg", &b"<svg xmlns"[..]),
        ("map.png", &b"\x89PNG"[..]),
        ("map.html", &b"<!DOCTYPE html>"[..]),
        ("map.mmd", &b"---\ntitle:"[..]),
        ("map.dot", &b"digraph value_stream"[..]),
    ] {
        let output = vsm_in(dir.path(), &["render", map, "-o", file]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        assert_eq!(stderr(&output), format!("wrote {file}\n"));
        let written = std::fs::read(dir.path().join(file)).unwrap();
        assert!(written.starts_with(starts), "{file}");
    }
    // Without -o the text formats go to standard output.
    let output = vsm_in(dir.path(), &["render", map, "--format", "mermaid"]);
    assert!(stdout(&output).contains("flowchart LR"));
    let output = vsm_in(dir.path(), &["render", map, "-o", "map.pdf"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: cannot tell the format from `map.pdf`; use an extension .svg, .png, .html, .mmd or .dot, or pass --format\n"
    );
    let output = vsm_in(dir.path(), &["render", map, "--format", "png"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: a PNG needs a file to go to; pass `-o map.png`\n"
    );
}

#[test]
fn report_writes_a_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("examples/regulated-release.yaml");
    let output = vsm_in(dir.path(), &["report", map.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "wrote regulated-release.html (open it in a browser; it works offline)\n"
    );
    let page = std::fs::read_to_string(dir.path().join("regulated-release.html")).unwrap();
    assert!(page.contains("Threat-model at design review"));
    let output = vsm_in(
        dir.path(),
        &["report", map.to_str().unwrap(), "-o", "wall.html"],
    );
    assert!(output.status.success());
    assert!(dir.path().join("wall.html").exists());
}

#[test]
fn analyze_examples_as_text_markdown_and_json() {
    for example in EXAMPLES {
        let path = format!("examples/{example}.yaml");
        for format in ["text", "markdown", "json"] {
            let output = vsm(&["analyze", &path, "--format", format]);
            assert!(
                output.status.success(),
                "{path} {format}: {}",
                stderr(&output)
            );
            assert_eq!(stderr(&output), "", "{path} {format} warns");
            insta::assert_snapshot!(format!("analyze-{example}-{format}"), stdout(&output));
        }
    }
}

#[test]
fn json_output_holds_the_documented_contract() {
    let output = vsm(&[
        "analyze",
        "examples/regulated-release.yaml",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    for key in [
        "lead_time_seconds",
        "process_time_seconds",
        "work_content_seconds",
        "activity_ratio_percent",
        "rolled_complete_accurate_percent",
        "lead_time_with_rework_seconds",
    ] {
        assert!(report["summary"][key].is_number(), "summary.{key}");
    }
    let steps = report["steps"].as_array().unwrap();
    let ids: Vec<&str> = steps.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids[..3],
        ["requirements", "design-review", "implement"],
        "map order"
    );
    for step in steps {
        for key in [
            "id",
            "name",
            "team",
            "automated",
            "process_time_seconds",
            "wait_time_seconds",
            "lead_time_seconds",
            "complete_accurate_percent",
            "lead_time_share_percent",
            "on_critical_path",
        ] {
            assert!(step.get(key).is_some(), "steps[].{key}");
        }
        let lead = step["lead_time_seconds"].as_f64().unwrap();
        let sum = step["wait_time_seconds"].as_f64().unwrap()
            + step["process_time_seconds"].as_f64().unwrap();
        assert!((lead - sum).abs() < 1e-9);
    }
    let bottleneck = &report["bottlenecks"][0];
    assert!(bottleneck["step"].is_string() && bottleneck["score"].is_number());
    let reason = &bottleneck["reasons"][0];
    assert!(
        reason["code"].is_string() && reason["message"].is_string() && reason["value"].is_number()
    );
    assert!(
        report["teams"]
            .as_array()
            .is_some_and(|teams| !teams.is_empty())
    );
}

#[test]
fn validate_accepts_the_examples() {
    let mut args = vec!["validate"];
    let paths: Vec<String> = EXAMPLES
        .iter()
        .map(|e| format!("examples/{e}.yaml"))
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let output = vsm(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @r"
    examples/feature-delivery.yaml: valid (9 steps)
    examples/platform-change.yaml: valid (9 steps)
    examples/regulated-release.yaml: valid (9 steps)
    ");
}

#[test]
fn validate_reports_every_problem_with_its_place() {
    let dir = repo_root().join("crates/vsm/tests/data/invalid");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert!(names.len() >= 8);
    for name in names {
        let path = format!("crates/vsm/tests/data/invalid/{name}");
        let output = vsm(&["validate", &path]);
        assert_eq!(output.status.code(), Some(1), "{name} must fail");
        assert_eq!(stdout(&output), "", "{name}");
        let name = name.trim_end_matches(".yaml");
        insta::assert_snapshot!(format!("validate-{name}"), stderr(&output));
        // `analyze` refuses the same file with the same report.
        let analyze = vsm(&["analyze", &path]);
        assert_eq!(analyze.status.code(), Some(1));
        assert_eq!(stdout(&analyze), "");
    }
}

#[test]
fn missing_files_and_directories_get_one_line() {
    let output = vsm(&["analyze", "no/such/map.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: `no/such/map.yaml` does not exist; check the path, or create a map with `vsm init no/such/map.yaml`\n"
    );
    let output = vsm(&["validate", "examples"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: `examples` is a directory, not a map file; pass a YAML map file, e.g. `examples/feature-delivery-future.yaml`\n"
    );
}

#[test]
fn a_binary_file_is_refused_with_its_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("map.yaml"), b"name: x\n\xff\xfe\x00").unwrap();
    let output = vsm_in(dir.path(), &["validate", "map.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: `map.yaml` is not a text file: invalid UTF-8 at byte 8; a map file is YAML text (UTF-8)\n"
    );
}

#[test]
fn init_writes_a_map_that_validates_and_analyzes() {
    let dir = tempfile::tempdir().unwrap();
    let output = vsm_in(dir.path(), &["init"]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @r"
    wrote vsm.yaml
    wrote vsm-map.schema.json (editors use it for completion and checking)
    next: edit it, then run `vsm validate vsm.yaml` and `vsm analyze vsm.yaml`
    ");
    let schema = std::fs::read_to_string(dir.path().join("vsm-map.schema.json")).unwrap();
    assert_eq!(
        schema,
        std::fs::read_to_string(repo_root().join("schema/vsm-map.schema.json")).unwrap()
    );
    let validate = vsm_in(dir.path(), &["validate", "vsm.yaml"]);
    assert!(validate.status.success(), "{}", stderr(&validate));
    assert_eq!(stderr(&validate), "");
    let analyze = vsm_in(dir.path(), &["analyze", "vsm.yaml"]);
    assert!(analyze.status.success());
    assert!(stdout(&analyze).contains("My team's feature delivery"));

    // A second init does not overwrite the user's work.
    let again = vsm_in(dir.path(), &["init"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        stderr(&again),
        "error: `vsm.yaml` already exists; pass --force to overwrite it, or give another file name\n"
    );
    assert!(vsm_in(dir.path(), &["init", "--force"]).status.success());
}

#[test]
fn init_templates_are_the_examples_pointing_at_the_local_schema() {
    let list = stdout(&vsm(&["init", "--list"]));
    for example in EXAMPLES {
        assert!(list.contains(example), "{list}");
        let dir = tempfile::tempdir().unwrap();
        let output = vsm_in(
            dir.path(),
            &["init", "map.yaml", "--template", example, "--no-schema"],
        );
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(!dir.path().join("vsm-map.schema.json").exists());
        let written = std::fs::read_to_string(dir.path().join("map.yaml")).unwrap();
        let original =
            std::fs::read_to_string(repo_root().join(format!("examples/{example}.yaml"))).unwrap();
        assert_eq!(written, original.replace("$schema=../schema/", "$schema="));
        assert!(
            vsm_in(dir.path(), &["validate", "map.yaml"])
                .status
                .success()
        );
    }
    let unknown = vsm(&["init", "--template", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown)
            .contains("[possible values: feature-delivery, platform-change, regulated-release]")
    );
}

#[test]
fn committed_schema_matches_the_code() {
    let output = vsm(&["schema"]);
    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(repo_root().join("schema/vsm-map.schema.json")).unwrap();
    assert_eq!(
        stdout(&output),
        committed,
        "schema/vsm-map.schema.json is stale: run `cargo run -- schema -o schema/vsm-map.schema.json`"
    );
}

#[test]
fn analyze_writes_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.md");
    let output = vsm(&[
        "analyze",
        "examples/platform-change.yaml",
        "-f",
        "markdown",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    assert_eq!(stdout(&output), "");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.starts_with("# Platform infrastructure change: value stream analysis"));
}

#[test]
fn the_documented_example_map_is_valid() {
    let doc = std::fs::read_to_string(repo_root().join("docs/map-format.md")).unwrap();
    let start = doc.find("## A full example").unwrap();
    let block = &doc[start..];
    let body_start = block.find("```yaml\n").unwrap() + "```yaml\n".len();
    let body = &block[body_start..body_start + block[body_start..].find("```").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("map.yaml"), body).unwrap();
    let output = vsm_in(dir.path(), &["validate", "map.yaml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "", "the documented example warns");
    assert_eq!(stdout(&output), "map.yaml: valid (5 steps)\n");
}

#[test]
fn discover_matches_pm4py_on_bpic2012() {
    let output = vsm(&[
        "discover",
        "testdata/xes/bpic2012.xes.gz",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "testdata/xes/bpic2012.xes.gz: read 262200 events (XES); used 262200 events in 13087 items; skipped 0\n"
    );
    let ours: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Python wrote `NaN` for the deviation of one-sample edges; JSON has no NaN.
    let oracle_text =
        std::fs::read_to_string(repo_root().join("testdata/xes/bpic2012.pm4py-dfg.json")).unwrap();
    let oracle: serde_json::Value =
        serde_json::from_str(&oracle_text.replace("NaN", "null")).unwrap();
    assert_eq!(ours["events"], oracle["events"]);
    assert_eq!(ours["items"], oracle["cases"]);
    let key = |edge: &serde_json::Value| {
        (
            edge["from"].as_str().unwrap().to_string(),
            edge["to"].as_str().unwrap().to_string(),
        )
    };
    let ours: std::collections::HashMap<_, _> = ours["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (key(e), e.clone()))
        .collect();
    let theirs = oracle["edges"].as_array().unwrap();
    assert_eq!(ours.len(), theirs.len(), "the same directly-follows pairs");
    for edge in theirs {
        let found = &ours[&key(edge)];
        assert_eq!(found["count"], edge["count"], "{:?}", key(edge));
        for (mine, pm4py) in [
            ("mean_seconds", "mean"),
            ("median_seconds", "median"),
            ("min_seconds", "min"),
            ("max_seconds", "max"),
        ] {
            let difference = (found[mine].as_f64().unwrap() - edge[pm4py].as_f64().unwrap()).abs();
            assert!(
                difference <= 0.001,
                "{:?} {mine}: {} vs {}",
                key(edge),
                found[mine],
                edge[pm4py]
            );
        }
    }
}

#[test]
fn discover_proposes_a_map_that_analyzes() {
    let dir = tempfile::tempdir().unwrap();
    let log = repo_root().join("testdata/xes/02_teleclaims.xes.gz");
    let output = vsm_in(
        dir.path(),
        &["discover", log.to_str().unwrap(), "-o", "map.yaml"],
    );
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
    let validate = vsm_in(dir.path(), &["validate", "map.yaml"]);
    assert!(validate.status.success(), "{}", stderr(&validate));
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
    let analyze = vsm_in(dir.path(), &["analyze", "map.yaml", "--format", "json"]);
    assert!(analyze.status.success(), "{}", stderr(&analyze));
    // Measured; the steps without start events keep the proposed process time of 0 (mixed).
    assert_eq!(json_of(&analyze)["summary"]["provenance"], "mixed");
    // And simulating it reproduces the claims' lead times, straight from discovery: 968 claims
    // went through every step of the proposed path.
    let simulated = simulate_json_in(dir.path(), &["map.yaml", "--items", "50000"]);
    let validation = &simulated["validation"];
    assert_eq!(validation["items"], 968);
    assert_eq!(validation["within"], true, "{validation}");
}

#[test]
fn discover_stops_at_a_bad_event_and_says_how_to_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(repo_root().join("testdata/csv/interval_event_log.csv")).unwrap();
    std::fs::write(
        dir.path().join("log.csv"),
        text.replacen("2015-01-05 10:54:11+00:00", "soon", 1),
    )
    .unwrap();
    let output = vsm_in(dir.path(), &["discover", "log.csv"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output), @r"
    error: log.csv:3, field `time:timestamp`: `soon` is not a timestamp
      help: write timestamps as RFC 3339 (`2024-03-01T14:30:00Z`, `2024-03-01 14:30:00.250+01:00`) or epoch seconds or milliseconds, or pass --skip-invalid to leave such rows out
    ");
    let output = vsm_in(
        dir.path(),
        &["discover", "log.csv", "--skip-invalid", "--format", "json"],
    );
    assert!(output.status.success());
    insta::assert_snapshot!(stderr(&output), @r"
    log.csv: read 8109 events (CSV); used 8108 events in 1266 items; skipped 1
      skipped log.csv:3, field `time:timestamp`: `soon` is not a timestamp
    ");
}

fn measure_json(map: &str) -> serde_json::Value {
    let output = vsm(&["measure", map, "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
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
    let decide = measured["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "decide")
        .unwrap();
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
    let examine = measured["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "examine")
        .unwrap();
    assert_eq!(
        (examine["left"].as_u64(), examine["returned"].as_u64()),
        (Some(6), Some(2))
    );
    let check = measured["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "check")
        .unwrap();
    assert_eq!(check["returned"], 1);
    assert_eq!(decide["returned"], 0);
    assert_eq!(
        measured["coverage"]["unmatched"][0]["activity"],
        "reinitiate request"
    );
    assert_eq!(measured["coverage"]["unmatched"][0]["count"], 3);

    // analyze uses the measured numbers and says which are measured.
    let output = vsm(&[
        "analyze",
        "testdata/measure/claims.yaml",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
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
    // The first order, C1: 2015-01-05 09:00:07 to 09:02:50, 2m 43s of work.
    let output = vsm(&[
        "measure",
        "testdata/measure/orders.yaml",
        "--explain",
        "order",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listing = stdout(&output);
    let c1 = listing
        .lines()
        .find(|line| line.starts_with("C1 "))
        .unwrap();
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
    let output = vsm(&[
        "measure",
        "testdata/measure/orders-working-hours.yaml",
        "--explain",
        "invoice",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listing = stdout(&output);
    let c1 = listing
        .lines()
        .find(|line| line.starts_with("C1 "))
        .unwrap();
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
fn compare_the_current_and_the_future_state() {
    let maps = [
        "compare",
        "examples/feature-delivery.yaml",
        "examples/feature-delivery-future.yaml",
    ];
    let output = vsm(&maps);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("compare-feature-delivery-text", stdout(&output));
    let mut json_args = maps.to_vec();
    json_args.extend(["--format", "json"]);
    let compared: serde_json::Value = serde_json::from_slice(&vsm(&json_args).stdout).unwrap();
    // Every summary field of `analyze --format json`, as {before, after, change}.
    let analyzed: serde_json::Value = serde_json::from_slice(
        &vsm(&[
            "analyze",
            "examples/feature-delivery.yaml",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
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
}

#[test]
fn the_report_of_a_measured_map_charts_its_distributions() {
    let dir = tempfile::tempdir().unwrap();
    let map = repo_root().join("testdata/measure/orders.yaml");
    let output = vsm_in(
        dir.path(),
        &["report", map.to_str().unwrap(), "-o", "orders.html"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let page = std::fs::read_to_string(dir.path().join("orders.html")).unwrap();
    assert!(page.contains("<h2 id=\"distributions-heading\">Measured distributions</h2>"));
    assert_eq!(page.matches("<svg class=\"dist\"").count(), 5);
    assert!(
        page.contains("<title>process: p50 9m 28s, p85 2h 2m"),
        "the place-order process time"
    );
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
fn plan_checks_due_dates_and_targets() {
    let output = vsm(&[
        "plan",
        "examples/feature-delivery.yaml",
        "--today",
        "2027-02-10",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!("plan-feature-delivery", stdout(&output));
    let json = vsm(&[
        "plan",
        "examples/feature-delivery.yaml",
        "--today",
        "2027-02-10",
        "--format",
        "json",
    ]);
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let first = &plan["improvements"][0];
    assert_eq!(
        (
            first["id"].as_str(),
            first["overdue"].as_bool(),
            first["days_left"].as_i64()
        ),
        (Some("ready-definition"), Some(true), Some(-26))
    );
    assert_eq!(first["targets"][1]["current"]["percent"], 70.0);
    assert_eq!(first["targets"][1]["met"], false);
    // A measured map checks targets against the measured values.
    let measured = vsm(&[
        "plan",
        "testdata/measure/claims.yaml",
        "--today",
        "2027-02-10",
        "--format",
        "json",
    ]);
    assert!(measured.status.success(), "{}", stderr(&measured));
}

#[test]
fn a_map_that_extends_another_gives_the_same_numbers_as_the_full_map() {
    // examples/feature-delivery-overlay.yaml writes examples/feature-delivery-future.yaml as
    // changes to examples/feature-delivery.yaml.
    let output = vsm(&["validate", "examples/feature-delivery-overlay.yaml"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "examples/feature-delivery-overlay.yaml: valid (10 steps)\n"
    );
    let summary = |future: &str| {
        let output = vsm(&[
            "compare",
            "examples/feature-delivery.yaml",
            future,
            "--format",
            "json",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        let compared: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        compared["summary"].clone()
    };
    assert_eq!(
        summary("examples/feature-delivery-overlay.yaml"),
        summary("examples/feature-delivery-future.yaml")
    );
    // A base that does not exist is named, with the map that asked for it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("future.yaml"), "extends: current.yaml\n").unwrap();
    let output = vsm_in(dir.path(), &["analyze", "future.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with(
            "error: `future.yaml` extends `current.yaml`: `current.yaml` does not exist"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_fails_with_the_list_of_broken_targets() {
    let output = vsm(&["check", "testdata/measure/claims.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("check-claims", stdout(&output));
    let json: serde_json::Value = serde_json::from_slice(
        &vsm(&["check", "testdata/measure/claims.yaml", "--format", "json"]).stdout,
    )
    .unwrap();
    assert_eq!(
        (json["passed"].as_bool(), json["failed"].as_u64()),
        (Some(false), Some(1))
    );
    // The lead time is the p85 of the six cases' lead times: 18d 6h, within 3 weeks.
    assert_eq!(json["targets"][0]["metric"], "lead_time");
    assert_eq!(json["targets"][0]["passed"], true);
    // A map whose targets hold exits 0.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ok.yaml"),
        "name: Fine\nsteps:\n  - { id: a, process_time: 1d, wait_time: 1d }\ntargets:\n  lead_time: { max: 5d }\n  activity_ratio: { min: 15% }\n",
    )
    .unwrap();
    let output = vsm_in(dir.path(), &["check", "ok.yaml"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).starts_with("ok.yaml: all 2 targets met"));
}

fn simulate_json(args: &[&str]) -> serde_json::Value {
    simulate_json_in(&repo_root(), args)
}

#[test]
fn simulating_the_measured_orders_reproduces_their_lead_times() {
    // The interval log's 1125 orders that went through every step: p50 21d 23h, p85 29d 16h,
    // p95 37d 23h. Steps drawn from the log's own items must give the same percentiles within
    // the stated tolerance (10%).
    let json = simulate_json(&["testdata/measure/orders.yaml", "--items", "100000"]);
    let validation = &json["validation"];
    assert_eq!(validation["items"], 1125);
    assert_eq!(validation["tolerance_percent"], 10.0);
    for p in ["p50", "p85", "p95"] {
        let simulated = json["lead_time_seconds"][p].as_f64().unwrap();
        let measured = validation["measured_seconds"][p].as_f64().unwrap();
        let difference = (simulated - measured) / measured * 100.0;
        assert!(difference.abs() <= 10.0, "{p}: {simulated} vs {measured}");
        assert!((validation["difference_percent"][p].as_f64().unwrap() - difference).abs() < 1e-9);
        let interval = &json["lead_time_seconds"][format!("{p}_interval")];
        assert!(interval["low"].as_f64().unwrap() <= simulated);
        assert!(simulated <= interval["high"].as_f64().unwrap());
    }
    assert_eq!(validation["within"], true);
    // Arrivals at the log's rate: 1266 orders over 38.3 weeks.
    let arrivals = json["arrivals_per_week"].as_f64().unwrap();
    assert!((arrivals - 33.1).abs() < 0.1, "{arrivals}");
    assert_eq!(json["steps"][2]["durations"], "measured (1117 items)");
    assert_eq!(json["constraint"]["step"], "pay");
    assert_eq!(json["constraint"]["reason"], "time_in_step");
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
    let output = vsm(&[
        "simulate",
        "examples/feature-delivery.yaml",
        "--capacity",
        "qa=2",
    ]);
    assert!(!output.status.success());
    insta::assert_snapshot!(stderr(&output), @"error: the simulation has a capacity, a batch size or a WIP limit, so queues depend on how fast items arrive: give the rate with `--arrivals 10/week` (or measure the map from an event log)");
    let output = vsm(&[
        "simulate",
        "examples/feature-delivery.yaml",
        "--arrivals",
        "3/fortnight",
    ]);
    assert!(!output.status.success());
    insta::assert_snapshot!(stderr(&output), @r#"
    error: invalid value '3/fortnight' for '--arrivals <RATE>': `fortnight` is not a unit of time here: write a number of items per hour, day or week, e.g. `30/week`, `4/day` or `0.5/h`

    For more information, try '--help'.
    "#);
    let output = vsm(&[
        "simulate",
        "examples/feature-delivery.yaml",
        "--arrivals",
        "1/d",
        "--capacity",
        "qaa=2",
    ]);
    assert!(!output.status.success());
    insta::assert_snapshot!(stderr(&output), @"error: --capacity qaa=2: the map has no step `qaa`; did you mean `qa`? its steps are intake, refine, develop, review, ci, qa, cab, deploy, verify");
    let output = vsm(&[
        "simulate",
        "examples/feature-delivery.yaml",
        "--arrivals",
        "1/d",
        "--wip-limit",
        "5",
        "--wip-limit",
        "8",
    ]);
    insta::assert_snapshot!(stderr(&output), @"error: --wip-limit 5 and --wip-limit 8: give one limit for the whole stream (per step: `--wip-limit STEP=N`)");
    let output = vsm(&[
        "simulate",
        "examples/feature-delivery.yaml",
        "--wip-limit",
        "lots",
    ]);
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

/// The interval log's orders as a team would have measured them at three moments: the events up
/// to 1 February and 1 April 2015 (cut from the real log), then the whole log.
fn history_fixture(dir: &Path) -> PathBuf {
    let log = repo_root().join("testdata/csv/interval_event_log.csv");
    let text = std::fs::read_to_string(&log).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    for (name, cutoff) in [("jan.csv", "2015-02-01"), ("mar.csv", "2015-04-01")] {
        let mut cut = format!("{header}\n");
        for row in rows
            .lines()
            .filter(|row| row.split(',').nth(2).unwrap() < cutoff)
        {
            cut.push_str(row);
            cut.push('\n');
        }
        std::fs::write(dir.join(name), cut).unwrap();
    }
    let map = dir.join("orders.yaml");
    let source = std::fs::read_to_string(repo_root().join("testdata/measure/orders.yaml"))
        .unwrap()
        .replace("../csv/interval_event_log.csv", log.to_str().unwrap())
        + "targets:\n  lead_time: { max: 30d }\n  complete_accurate: { min: 80% }\nimprovements:\n  - { id: remind, step: pay, action: Send payment reminders sooner, target: { wait_time: 7d } }\n  - { id: daily, step: prepare, action: Prepare deliveries daily, started: 2015-03-01, status: in_progress, target: { wait_time: 2d } }\n";
    std::fs::write(&map, source).unwrap();
    map
}

fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(output), stderr(output)))
}

#[test]
fn snapshots_over_time_feed_trend_check_plan_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let map = history_fixture(dir.path());
    let run = |args: &[&str]| vsm_in(dir.path(), args);
    let no_history = run(&["trend", "orders.yaml"]);
    assert!(!no_history.status.success());
    assert!(
        stderr(&no_history).contains("there is no history yet (.vsm/history.db does not exist); take a snapshot with `vsm snapshot orders.yaml`"),
        "{}",
        stderr(&no_history)
    );

    let first = run(&[
        "snapshot",
        "orders.yaml",
        "--events",
        "jan.csv",
        "--at",
        "2015-02-01T00:00:00Z",
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).starts_with("stored snapshot #1 of `Web orders` (2015-02-01T00:00:00Z; "),
        "{}",
        stdout(&first)
    );
    assert!(
        stderr(&first).contains("jan.csv: read "),
        "the import is reported"
    );
    // The team starts on the reminders: the map now says so.
    let source = std::fs::read_to_string(&map).unwrap();
    std::fs::write(
        &map,
        source.replace(
            "target: { wait_time: 7d } }",
            "status: in_progress, target: { wait_time: 7d } }",
        ),
    )
    .unwrap();
    let second = run(&[
        "snapshot",
        "orders.yaml",
        "--events",
        "mar.csv",
        "--at",
        "2015-04-01T00:00:00Z",
    ]);
    assert!(second.status.success(), "{}", stderr(&second));
    let third = run(&["snapshot", "orders.yaml", "--at", "2015-10-01T00:00:00Z"]);
    assert!(third.status.success(), "{}", stderr(&third));
    assert!(dir.path().join(".vsm/history.db").exists());

    // Trend: three points per metric, more items measured each time.
    let trend = json_of(&run(&[
        "trend",
        "orders.yaml",
        "--format",
        "json",
        "--metric",
        "items.count",
        "--metric",
        "items.lead_time.p85",
        "--metric",
        "steps.pay.wait_time",
        "--metric",
        "steps.prepare.wait_time",
    ]));
    let taken: Vec<&str> = trend["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["taken_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        taken,
        [
            "2015-02-01T00:00:00Z",
            "2015-04-01T00:00:00Z",
            "2015-10-01T00:00:00Z"
        ]
    );
    let values = |name: &str| -> Vec<f64> {
        trend["metrics"][name]["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let counts = values("items.count");
    assert!(counts[0] < counts[1] && counts[1] < counts[2], "{counts:?}");
    assert_eq!(counts[2], 1266.0, "the whole log");
    assert_eq!(trend["metrics"]["items.lead_time.p85"]["unit"], "seconds");
    let text = stdout(&run(&["trend", "orders.yaml"]));
    assert!(text.starts_with("Trend of Web orders: 3 snapshots, 2015-02-01T00:00:00Z to 2015-10-01T00:00:00Z (.vsm/history.db)\n"), "{text}");
    assert!(text.contains("  items.lead_time.p85  "), "{text}");
    assert!(text.chars().any(|c| ('▁'..='█').contains(&c)), "{text}");

    // Check reads the latest snapshot; --live measures the same log now: the same numbers.
    let stored = run(&["check", "orders.yaml", "--format", "json"]);
    assert!(
        stderr(&stored).contains("checking snapshot #3 of 2015-10-01T00:00:00Z (")
            && stderr(&stored)
                .contains(" days old) in .vsm/history.db (--live measures now instead)"),
        "{}",
        stderr(&stored)
    );
    let live = run(&["check", "orders.yaml", "--format", "json", "--live"]);
    assert_eq!(stored.status.code(), live.status.code());
    let (stored, live) = (json_of(&stored), json_of(&live));
    for (a, b) in stored["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(live["targets"].as_array().unwrap())
    {
        assert_eq!(a["actual"], b["actual"], "{a} vs {b}");
        assert_eq!(a["passed"], b["passed"]);
    }
    assert_eq!(
        stored["targets"][0]["source"],
        "p85 of 1266 measured items, snapshot #3 of 2015-10-01T00:00:00Z"
    );

    // The plan: each improvement's targets at its start. `daily` started on 1 March: the
    // snapshot before is #1; `remind` has no date: the first snapshot with it in progress (#2).
    let plan = json_of(&run(&[
        "plan",
        "orders.yaml",
        "--today",
        "2015-10-02",
        "--format",
        "json",
    ]));
    let by_id = |id: &str| {
        plan["improvements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()
            .clone()
    };
    let (remind, daily) = (by_id("remind"), by_id("daily"));
    assert_eq!(remind["baseline"], "#2 of 2015-04-01T00:00:00Z");
    assert_eq!(daily["baseline"], "#1 of 2015-02-01T00:00:00Z");
    assert_eq!(
        remind["targets"][0]["at_start"]["seconds"]
            .as_f64()
            .unwrap(),
        values("steps.pay.wait_time")[1]
    );
    assert_eq!(
        daily["targets"][0]["at_start"]["seconds"].as_f64().unwrap(),
        values("steps.prepare.wait_time")[0]
    );
    assert_eq!(
        remind["targets"][0]["current"]["seconds"].as_f64().unwrap(),
        values("steps.pay.wait_time")[2]
    );
    let plan_text = stdout(&run(&["plan", "orders.yaml", "--today", "2015-10-02"]));
    assert!(
        plan_text.contains("    at start: snapshot #2 of 2015-04-01T00:00:00Z\n"),
        "{plan_text}"
    );

    // The report charts the history.
    let report = run(&["report", "orders.yaml", "-o", "report.html"]);
    assert!(report.status.success(), "{}", stderr(&report));
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<h2 id=\"trend-heading\">Trend</h2>"));
    assert!(html.contains("3 snapshots from 2015-02-01 to 2015-10-01"));
    assert_eq!(
        html.matches("<svg class=\"trend\"").count(),
        8,
        "the summary and the items' p85"
    );
}

#[test]
fn snapshots_record_the_maps_git_commit() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    git(&["init", "-q"]);
    git(&["add", "orders.yaml"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-qm",
        "map",
    ]);
    let commit = git(&["rev-parse", "HEAD"]);
    let db = format!("sqlite://{}", dir.path().join("h.db").display());
    let clean = vsm_in(
        dir.path(),
        &[
            "snapshot",
            "orders.yaml",
            "--db",
            &db,
            "--at",
            "2015-10-01T00:00:00Z",
        ],
    );
    assert!(
        stdout(&clean).contains(&format!("(2015-10-01T00:00:00Z, commit {}; ", &commit[..7])),
        "{}",
        stdout(&clean)
    );
    std::fs::write(
        dir.path().join("orders.yaml"),
        std::fs::read_to_string(dir.path().join("orders.yaml")).unwrap() + "# edited\n",
    )
    .unwrap();
    let dirty = vsm_in(dir.path(), &["snapshot", "orders.yaml", "--db", &db]);
    assert!(
        stdout(&dirty).contains("with uncommitted changes"),
        "{}",
        stdout(&dirty)
    );
    let trend = json_of(&vsm_in(
        dir.path(),
        &["trend", "orders.yaml", "--db", &db, "--format", "json"],
    ));
    assert_eq!(trend["snapshots"][0]["commit"], commit.trim());
    assert_eq!(trend["snapshots"][1]["dirty"], true);
}

#[test]
fn history_databases_it_cannot_use_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    std::fs::write(
        dir.path().join("notes.txt"),
        "meeting notes, not a database; ".repeat(20),
    )
    .unwrap();
    let output = vsm_in(
        dir.path(),
        &["snapshot", "orders.yaml", "--db", "notes.txt"],
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output).lines().last().unwrap(), @"error: `notes.txt` is not a vsm history database (file is not a database); give another path with --db, or move the file away");
    let output = vsm_in(
        dir.path(),
        &["check", "orders.yaml", "--db", "postgres://ci@db/vsm"],
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&output), @"error: `postgres://ci@db/vsm`: postgres databases are not supported yet; use a SQLite file (a path, or sqlite://path)");
    let output = vsm_in(dir.path(), &["trend", "orders.yaml", "--db", "missing.db"]);
    insta::assert_snapshot!(stderr(&output), @"error: there is no history database at `missing.db`; take a snapshot first with `vsm snapshot MAP --db missing.db`");
    assert!(
        !dir.path().join("missing.db").exists(),
        "reading never creates a database"
    );
}

#[test]
fn a_database_password_in_db_never_reaches_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    for command in ["snapshot", "trend", "check", "plan", "report"] {
        let output = vsm_in(
            dir.path(),
            &[
                command,
                "orders.yaml",
                "--db",
                "postgres://ci:secret@db/vsm",
            ],
        );
        assert_eq!(output.status.code(), Some(1), "{command}");
        let shown = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!shown.contains("secret"), "{command}: {shown}");
        assert!(
            shown.contains("`postgres://ci:***@db/vsm`: postgres databases are not supported yet"),
            "{command}: {shown}"
        );
    }
}

#[test]
fn a_future_state_of_a_measured_map_keeps_its_design_and_the_measured_rest() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    std::fs::write(
        dir.path().join("future.yaml"),
        "extends: orders.yaml\nname: Web orders with payment reminders\nsteps:\n  - { id: pay, wait_time: 5d }\n",
    )
    .unwrap();
    let run = |args: &[&str]| vsm_in(dir.path(), args);
    let analysis = json_of(&run(&["analyze", "future.yaml", "--format", "json"]));
    let pay = &analysis["steps"][2];
    assert_eq!(pay["wait_time_seconds"], 5.0 * 86_400.0, "the design stays");
    assert_eq!(pay["provenance"]["wait_time"], "designed");
    assert_eq!(pay["provenance"]["process_time"], "measured");
    assert_eq!(analysis["steps"][3]["provenance"]["wait_time"], "measured");

    let now = simulate_json_in(dir.path(), &["orders.yaml", "--items", "20000"]);
    let future = simulate_json_in(dir.path(), &["future.yaml", "--items", "20000"]);
    assert_eq!(
        future["steps"][2]["durations"],
        "measured (1117 items), wait scaled to the design"
    );
    assert!(
        future["validation"].is_null(),
        "a future state is not held against the log"
    );
    // The pay step's measured waits, scaled so their median is 5 days: the mean moves by about
    // the same factor (11d 8h median today).
    let wait = |json: &serde_json::Value| json["steps"][2]["mean_wait_seconds"].as_f64().unwrap();
    let factor = wait(&future) / wait(&now);
    assert!(
        (factor - 5.0 / (11.0 + 8.0 / 24.0)).abs() < 0.03,
        "{factor}"
    );
    let p50 = |json: &serde_json::Value| json["lead_time_seconds"]["p50"].as_f64().unwrap();
    assert!(
        p50(&now) - p50(&future) > 5.0 * 86_400.0,
        "about 6 days shorter"
    );
    // The other steps draw the same measured items.
    assert_eq!(
        now["steps"][3]["durations"],
        future["steps"][3]["durations"]
    );

    // compare --simulate: both maps with the same arrivals and seed, side by side.
    let compared = json_of(&run(&[
        "compare",
        "orders.yaml",
        "future.yaml",
        "--simulate",
        "--items",
        "20000",
        "--format",
        "json",
    ]));
    let simulated = &compared["simulation"];
    assert_eq!(simulated["items"], 20000);
    assert_eq!(simulated["arrivals_per_week"], now["arrivals_per_week"]);
    assert_eq!(
        simulated["lead_time_seconds"]["p50"]["before"],
        now["lead_time_seconds"]["p50"]
    );
    assert_eq!(
        simulated["lead_time_seconds"]["p50"]["after"],
        future["lead_time_seconds"]["p50"]
    );
    assert!(
        simulated["lead_time_seconds"]["p85"]["change"]
            .as_f64()
            .unwrap()
            < -5.0 * 86_400.0
    );
    let interval = &simulated["lead_time_seconds"]["p85"]["before_interval"];
    assert!(interval["low"].as_f64().unwrap() <= interval["high"].as_f64().unwrap());
    assert_eq!(simulated["constraint"]["before"], "pay");
    // Steady flow out: the arrival rate, within a few percent.
    let throughput = simulated["throughput_per_week"]["after"].as_f64().unwrap();
    let arrivals = simulated["arrivals_per_week"].as_f64().unwrap();
    assert!(
        (throughput / arrivals - 1.0).abs() < 0.05,
        "{throughput} vs {arrivals}"
    );
    let text = stdout(&run(&[
        "compare",
        "orders.yaml",
        "future.yaml",
        "--simulate",
        "--items",
        "2000",
    ]));
    assert!(text.contains("\nSimulated\n---------\n\n2000 items through each map, seed 1, arrivals 33.1 per week; 95% intervals in brackets.\n"), "{text}");
    assert!(text.contains("Lead time p85"), "{text}");
}

fn simulate_json_in(dir: &Path, args: &[&str]) -> serde_json::Value {
    json_of(&vsm_in(
        dir,
        &[&["simulate", "--format", "json"][..], args].concat(),
    ))
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
    let output = vsm_in(dir.path(), &["measure", "loans.yaml", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let as_rework = json_of(&output);
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
fn two_snapshots_taken_at_once_are_both_stored() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    // Both start on a database that does not exist yet.
    let spawn = |at: &str| {
        Command::new(env!("CARGO_BIN_EXE_vsm"))
            .args(["snapshot", "orders.yaml", "--at", at])
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children = [spawn("2015-10-01T00:00:00Z"), spawn("2015-10-02T00:00:00Z")];
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }
    assert_eq!(
        vsm_store::verify(&dir.path().join(".vsm/history.db")),
        Ok(2)
    );
    let trend = json_of(&vsm_in(
        dir.path(),
        &["trend", "orders.yaml", "--format", "json"],
    ));
    assert_eq!(trend["snapshots"].as_array().unwrap().len(), 2);
}

#[test]
fn an_interval_log_counts_each_event_once() {
    // interval_event_log.csv has 8109 rows, 141 of them `cancel order`; each row has a start
    // timestamp, which vsm reads as the start of the same event.
    let measured = measure_json("testdata/measure/orders.yaml");
    assert_eq!(measured["coverage"]["events"], 8109);
    let cancel = measured["coverage"]["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["activity"] == "cancel order")
        .unwrap();
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
    let explain = stdout(&vsm(&[
        "measure",
        "testdata/measure/orders.yaml",
        "--explain",
        "pay",
    ]));
    assert!(
        explain.contains("counted items: from the end of a step it follows"),
        "{explain}"
    );
}

#[test]
fn discover_writes_the_numbers_analyze_shows_and_the_schema_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let log = repo_root().join("testdata/xes/helpdesk.xes.gz");
    let output = vsm_in(
        dir.path(),
        &["discover", log.to_str().unwrap(), "-o", "map.yaml"],
    );
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
    let analysis = json_of(&vsm_in(
        dir.path(),
        &["analyze", "map.yaml", "--format", "json"],
    ));
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
fn a_snapshot_to_a_database_url_that_names_no_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    for url in ["sqlite://", "", "sqlite::memory:", ":memory:", "  "] {
        let output = vsm_in(
            dir.path(),
            &[
                "snapshot",
                "orders.yaml",
                "--events",
                "jan.csv",
                "--db",
                url,
            ],
        );
        assert_eq!(output.status.code(), Some(1), "--db {url:?}");
        assert!(!stdout(&output).contains("stored"), "{}", stdout(&output));
        let message = stderr(&output);
        assert!(
            message.contains("names no database file, so nothing would be kept")
                && message.contains("leave out --db for the default `.vsm/history.db`"),
            "--db {url:?}: {message}"
        );
    }
    let output = vsm_in(
        dir.path(),
        &["snapshot", "orders.yaml", "--events", "jan.csv", "--db", ""],
    );
    insta::assert_snapshot!(stderr(&output).lines().last().unwrap(), @"error: the history database URL is empty: it names no database file, so nothing would be kept (an unset variable?); give a file, e.g. `--db .vsm/history.db` or `--db sqlite://.vsm/history.db`, or leave out --db for the default `.vsm/history.db`");
    assert!(!dir.path().join(".vsm").exists());
}

/// Runs `vsm` as a user who cannot write what `dir` holds: ourselves when we are not root
/// (file modes stop us), otherwise the unprivileged user 65534 (`nobody`), for whom root's
/// files with their write bits cleared are read-only as they are for anyone. The binary is
/// copied into `dir` so that it can be run whatever the modes of the folders above the build.
fn vsm_unprivileged(dir: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::MetadataExt as _;
    use std::os::unix::process::CommandExt as _;
    let root = std::fs::metadata(dir).unwrap().uid() == 0;
    let mut command = if root {
        let copy = dir.join("bin/vsm");
        if !copy.exists() {
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            std::fs::copy(env!("CARGO_BIN_EXE_vsm"), &copy).unwrap();
        }
        let mut command = Command::new(copy);
        command.uid(65_534).gid(65_534);
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_vsm"))
    };
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn trend_check_plan_and_report_read_a_history_in_a_read_only_folder() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let map = history_fixture(dir.path());
    // The map measures from a copy of its log in the folder, readable by anyone.
    let log = repo_root().join("testdata/csv/interval_event_log.csv");
    std::fs::copy(&log, dir.path().join("all.csv")).unwrap();
    let source = std::fs::read_to_string(&map)
        .unwrap()
        .replace(log.to_str().unwrap(), "all.csv");
    std::fs::write(&map, source).unwrap();
    for (events, at) in [
        ("jan.csv", "2015-02-01T00:00:00Z"),
        ("mar.csv", "2015-04-01T00:00:00Z"),
    ] {
        let output = vsm_in(
            dir.path(),
            &["snapshot", "orders.yaml", "--events", events, "--at", at],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let db = dir.path().join(".vsm/history.db");
    // The last writer closed the write-ahead log: a reader would have to create it.
    assert!(!dir.path().join(".vsm/history.db-shm").exists());
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    mode(&out, 0o777);
    mode(dir.path(), 0o755);
    mode(&db, 0o444);
    mode(&dir.path().join(".vsm"), 0o555);
    let before = std::fs::read(&db).unwrap();

    let trend = vsm_unprivileged(dir.path(), &["trend", "orders.yaml", "--format", "json"]);
    assert!(trend.status.success(), "{}", stderr(&trend));
    assert_eq!(json_of(&trend)["snapshots"].as_array().unwrap().len(), 2);
    let check = vsm_unprivileged(dir.path(), &["check", "orders.yaml"]);
    assert!(
        stderr(&check).contains("checking snapshot #2"),
        "{}",
        stderr(&check)
    );
    let plan = vsm_unprivileged(
        dir.path(),
        &["plan", "orders.yaml", "--today", "2015-04-02"],
    );
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert!(stdout(&plan).contains("snapshot #1"), "{}", stdout(&plan));
    let report = vsm_unprivileged(dir.path(), &["report", "orders.yaml", "-o", "out/r.html"]);
    assert!(report.status.success(), "{}", stderr(&report));
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "a reader changed the file"
    );

    // A writer is told what to do, once.
    let snapshot = vsm_unprivileged(
        dir.path(),
        &["snapshot", "orders.yaml", "--events", "jan.csv"],
    );
    assert_eq!(snapshot.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&snapshot).lines().last().unwrap(), @"error: cannot write to the history database `.vsm/history.db`: it or its folder is read-only; make both writable (`chmod u+w`), or give a writable place with --db");
    mode(&dir.path().join(".vsm"), 0o755);
}

#[test]
fn a_damaged_history_is_named_once_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    for at in [
        "2015-02-01T00:00:00Z",
        "2015-03-01T00:00:00Z",
        "2015-04-01T00:00:00Z",
    ] {
        let output = vsm_in(
            dir.path(),
            &["snapshot", "orders.yaml", "--events", "mar.csv", "--at", at],
        );
        assert!(output.status.success(), "{}", stderr(&output));
    }
    let db = dir.path().join(".vsm/history.db");
    let mut bytes = std::fs::read(&db).unwrap();
    for (i, byte) in bytes.iter_mut().enumerate().skip(4096) {
        *byte = (i * 31 % 251) as u8;
    }
    std::fs::write(&db, bytes).unwrap();
    let output = vsm_in(dir.path(), &["trend", "orders.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.matches("malformed").count(), 1, "{message}");
    insta::assert_snapshot!(message.lines().last().unwrap(), @"error: the history database `.vsm/history.db` is damaged (database disk image is malformed); restore it from a backup, or save what is left with `sqlite3 .vsm/history.db .recover | sqlite3 recovered.db` and use --db recovered.db");
}

#[test]
fn demo_and_init_hints_name_a_command_that_runs_under_cargo() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_vsm"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            // As `cargo run -- demo` starts it, before anything put `vsm` on the PATH.
            .env("CARGO", "cargo")
            .env("CARGO_PKG_NAME", "vsm")
            .env("PATH", "/usr/bin:/bin")
            .output()
            .unwrap()
    };
    let demo = run(&["demo"]);
    assert!(demo.status.success(), "{}", stderr(&demo));
    assert!(
        stderr(&demo).contains(
            "Run `cargo run -- init --template feature-delivery` to get a copy to edit (or put `vsm` on your PATH first: `cargo install --path crates/vsm`)."
        ),
        "{}",
        stderr(&demo)
    );
    let init = run(&["init"]);
    assert!(
        stdout(&init).contains("next: edit it, then run `cargo run -- validate vsm.yaml` and `cargo run -- analyze vsm.yaml`"),
        "{}",
        stdout(&init)
    );
}

#[test]
fn the_starter_has_targets_to_check_and_takes_the_readmes_parallel_step() {
    let dir = tempfile::tempdir().unwrap();
    assert!(vsm_in(dir.path(), &["init"]).status.success());
    let check = vsm_in(dir.path(), &["check", "vsm.yaml"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let checked = stdout(&check);
    assert!(
        checked.starts_with("vsm.yaml: all 6 targets met"),
        "{checked}"
    );
    assert!(
        checked.contains("ok   lead_time: 13d 6h, at most 15d"),
        "{checked}"
    );

    // Step 2 of the README, followed literally: paste the new step after `develop`, and give
    // `deploy` the `after:` the README shows.
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let blocks: Vec<&str> = readme
        .split("```yaml\n")
        .skip(1)
        .map(|block| block.split_once("```").unwrap().0)
        .collect();
    let unindent = |block: &str| -> String {
        block
            .lines()
            .map(|line| line.get(3..).unwrap_or("").to_string() + "\n")
            .collect()
    };
    let step = blocks
        .iter()
        .find(|b| b.contains("- id: security-review"))
        .map(|b| unindent(b))
        .unwrap();
    let deploy = blocks
        .iter()
        .find(|b| b.contains("- id: deploy"))
        .map(|b| unindent(b))
        .unwrap();
    let join = deploy
        .lines()
        .find(|l| l.trim_start().starts_with("after:"))
        .unwrap();
    let starter = std::fs::read_to_string(dir.path().join("vsm.yaml")).unwrap();
    let deploy_after = starter
        .lines()
        .skip_while(|l| !l.contains("- id: deploy"))
        .find(|l| l.trim_start().starts_with("after:"))
        .unwrap();
    let edited = starter
        .replace("  - id: test\n", &format!("{step}\n  - id: test\n"))
        .replace(deploy_after, join);
    std::fs::write(dir.path().join("vsm.yaml"), &edited).unwrap();
    let analyzed = vsm_in(dir.path(), &["analyze", "vsm.yaml", "--format", "json"]);
    assert!(analyzed.status.success(), "{}{edited}", stderr(&analyzed));
    let json = json_of(&analyzed);
    let step = |id: &str| {
        json["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no step {id} in {edited}"))
            .clone()
    };
    assert_eq!(
        step("security-review")["after"],
        serde_json::json!(["develop"])
    );
    assert_eq!(step("test")["after"], serde_json::json!(["develop"]));
    assert_eq!(
        step("deploy")["after"],
        serde_json::json!(["test", "security-review"])
    );
    // Side by side: the longer branch (the review's week) is critical, QA is not.
    assert_eq!(step("security-review")["on_critical_path"], true);
    assert_eq!(step("test")["on_critical_path"], false);
}

#[test]
fn a_map_extending_a_text_file_quotes_only_its_first_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("passwd"),
        "root:x:0:0:root:/root:/bin/bash\nci:x:1000:1000:token=s3cr3t:/home/ci:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("future.yaml"),
        "extends: passwd\nname: Future\n",
    )
    .unwrap();
    let output = vsm_in(dir.path(), &["validate", "future.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(!said.contains("s3cr3t"), "{said}");
    assert!(
        said.contains("found the text `root:x:0:0:root:/root:/bin/bash…`"),
        "{said}"
    );
}

// ---- Hostile and unusual input (issue 10): pipes, standard input, limits, UTF-16 ----

/// Runs `vsm` in `dir` with `input` on its standard input.
fn vsm_with_stdin(dir: &Path, args: &[&str], input: Vec<u8>) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vsm"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Written from a thread: the pipe holds only so much before vsm reads it.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

#[test]
fn discover_reads_a_log_from_standard_input_and_from_a_fifo() {
    let root = repo_root();
    for log in [
        "testdata/xes/running-example.xes",
        "testdata/xes/03_repairExample.xes.gz",
        "testdata/csv/interval_event_log.csv",
    ] {
        let from_file = vsm(&["discover", log, "--format", "json"]);
        assert!(from_file.status.success(), "{}", stderr(&from_file));
        let bytes = std::fs::read(root.join(log)).unwrap();
        // `-` and `/dev/stdin`: the bytes looked at to tell the format are not lost.
        for name in ["-", "/dev/stdin"] {
            let piped = vsm_with_stdin(
                &root,
                &["discover", name, "--format", "json"],
                bytes.clone(),
            );
            assert!(
                piped.status.success(),
                "{log} as {name}: {}",
                stderr(&piped)
            );
            assert_eq!(stdout(&piped), stdout(&from_file), "{log} as {name}");
        }
        let said = stderr(&vsm_with_stdin(&root, &["discover", "-"], bytes.clone()));
        assert!(said.starts_with("standard input: read "), "{said}");
        // A named pipe, as `<(zcat log.gz)` gives.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("log-pipe");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, bytes).unwrap())
        };
        let piped = vsm(&["discover", fifo.to_str().unwrap(), "--format", "json"]);
        writer.join().unwrap();
        assert!(
            piped.status.success(),
            "{log} from a FIFO: {}",
            stderr(&piped)
        );
        assert_eq!(stdout(&piped), stdout(&from_file), "{log} from a FIFO");
    }
    // A map proposed from standard input names no log to measure from: it cannot be read again.
    let bytes = std::fs::read(root.join("testdata/xes/running-example.xes")).unwrap();
    let map = vsm_with_stdin(&root, &["discover", "-", "--format", "yaml"], bytes);
    assert!(map.status.success(), "{}", stderr(&map));
    assert!(!stdout(&map).contains("\nmeasure:"), "{}", stdout(&map));
}

#[test]
fn snapshot_measures_from_events_on_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    let log = std::fs::read(repo_root().join("testdata/csv/interval_event_log.csv")).unwrap();
    let output = vsm_with_stdin(
        dir.path(),
        &["snapshot", "orders.yaml", "--events", "-", "--db", "h.db"],
        log,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("standard input: read 8109 events"),
        "{}",
        stderr(&output)
    );
    let trend = vsm_in(
        dir.path(),
        &["trend", "orders.yaml", "--db", "h.db", "--format", "json"],
    );
    assert!(trend.status.success(), "{}", stderr(&trend));
}

#[test]
fn utf16_maps_are_said_to_be_utf16() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name: x\nsteps:\n  - id: a\n";
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [
        ("bom.yaml", [&[0xff, 0xfe][..], &little].concat()),
        ("le.yaml", little),
        ("be.yaml", big),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let output = vsm_in(dir.path(), &["validate", name]);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(
            stderr(&output),
            format!(
                "error: `{name}` is UTF-16 text: save it as UTF-8 (a map file is YAML text in UTF-8)\n"
            )
        );
    }
}

#[test]
fn a_map_or_log_that_never_ends_is_refused_not_read_forever() {
    let dir = tempfile::tempdir().unwrap();
    // The map itself, a map it extends, and the log it measures from: all `/dev/zero`.
    let output = vsm_in(dir.path(), &["validate", "/dev/zero"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: `/dev/zero` is larger than 16 MiB, the most vsm reads as a map file; check that it is the map you meant, or raise the limit with VSM_MAX_MAP_SIZE=64MiB\n"
    );
    std::fs::write(
        dir.path().join("future.yaml"),
        "extends: /dev/zero\nname: x\n",
    )
    .unwrap();
    let output = vsm_in(dir.path(), &["analyze", "future.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`/dev/zero` is larger than 16 MiB"),
        "{}",
        stderr(&output)
    );
    std::fs::write(
        dir.path().join("measured.yaml"),
        "name: x\nsteps:\n  - { id: a, measure: { activity: a } }\nmeasure:\n  log: /dev/zero\n",
    )
    .unwrap();
    let output = vsm_in(dir.path(), &["analyze", "measured.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("/dev/zero:1: the content is binary data, not an event log"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn log_limits_are_raised_and_lowered_with_environment_variables() {
    let log = "testdata/csv/interval_event_log.csv";
    let with = |variable: &str, value: &str| {
        Command::new(env!("CARGO_BIN_EXE_vsm"))
            .args(["discover", log])
            .current_dir(repo_root())
            .env("NO_COLOR", "1")
            .env(variable, value)
            .output()
            .unwrap()
    };
    let output = with("VSM_MAX_FIELD_SIZE", "40");
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(
        said.starts_with(&format!("error: {log}:1: one row is longer than 40 bytes")),
        "{said}"
    );
    assert!(said.contains("help: if the log really holds one row this long, raise the limit: set VSM_MAX_FIELD_SIZE=160"), "{said}");
    assert!(with("VSM_MAX_FIELD_SIZE", "1KiB").status.success());
    let output = with("VSM_MAX_TRACE_SIZE", "lots");
    assert_eq!(
        stderr(&output),
        "error: VSM_MAX_TRACE_SIZE is `lots`, which is not a size; write it like `256MiB`, `4GiB` or a number of bytes\n"
    );
}

#[test]
fn discover_matches_pm4py_on_an_interval_log() {
    // pm4py, given the start timestamp column, orders events by start and measures an edge from
    // the end of one event to the start of the next (0 when they overlap):
    // testdata/csv/interval_event_log.pm4py-dfg.json says what pm4py 2.7 computes.
    let output = vsm(&[
        "discover",
        "testdata/csv/interval_event_log.csv",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let ours: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let oracle: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root().join("testdata/csv/interval_event_log.pm4py-dfg.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let edges = |json: &serde_json::Value| -> std::collections::BTreeMap<(String, String), serde_json::Value> {
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
    };
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
fn names_with_terminal_escapes_are_shown_not_obeyed() {
    // A step name that would turn a terminal red and clear it, and a misspelled field on a line
    // that carries the same escape: no control character reaches the output.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("map.yaml"),
        "name: \"Esc \\e[31mred\\e[2J\"\nsteps:\n  - { id: a, name: \"\\e]0;title\\a A\", process_time: 1h }\n",
    )
    .unwrap();
    for format in ["text", "markdown"] {
        let output = vsm_in(dir.path(), &["analyze", "map.yaml", "--format", format]);
        assert!(output.status.success(), "{}", stderr(&output));
        let text = stdout(&output);
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{format}: {text:?}"
        );
        if format == "text" {
            assert!(text.contains(r"\u{1b}[31mred"), "{text}");
        }
    }
    std::fs::write(
        dir.path().join("bad.yaml"),
        "name: B\nsteps:\n  - { id: a, proces_time: 1h }  # \u{1b}[2J\n",
    )
    .unwrap();
    let output = vsm_in(dir.path(), &["validate", "bad.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(!said.contains('\u{1b}'), "{said:?}");
    assert!(said.contains("proces_time"), "{said}");
}

#[test]
fn discover_refuses_to_propose_a_map_from_a_log_without_completions() {
    // BPI Challenge 2013's lifecycle values are statuses (`In Progress`, `Awaiting Assignment`),
    // never `complete`: no path to propose, said as such, and no empty map written.
    let dir = tempfile::tempdir().unwrap();
    let log = repo_root().join("testdata/xes/07_bpic2013_incidents.xes.gz");
    let output = vsm_in(
        dir.path(),
        &["discover", log.to_str().unwrap(), "-o", "map.yaml"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("completes an activity, so there is no path to propose"),
        "{}",
        stderr(&output)
    );
    assert!(!dir.path().join("map.yaml").exists());
}

#[test]
fn a_future_state_that_removes_and_adds_steps_is_projected_from_the_measured_map() {
    // The future state drops the customer's payment (measured) and adds an automatic check
    // (2d 1h, estimated): the items never skipped the one nor passed the other, so the mean
    // moves by exactly those two, and the future map lives in another folder than its base.
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    let elsewhere = dir.path().join("future");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("future.yaml"),
        "extends: ../orders.yaml\nname: Pay on order\nsteps:\n  - { id: autocheck, after: invoice, process_time: 1h, wait_time: 2d }\n  - { id: prepare, after: autocheck }\nremove: [pay]\n",
    )
    .unwrap();
    let now = json_of(&vsm_in(
        dir.path(),
        &["analyze", "orders.yaml", "--format", "json"],
    ));
    let output = vsm_in(&elsewhere, &["analyze", "future.yaml", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("names no event log"),
        "{}",
        stderr(&output)
    );
    let future = json_of(&output);
    let ms = |v: &serde_json::Value| (v.as_f64().unwrap() * 1000.0).round() as i64;
    let pay = now["measured"]["ladder"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["step"] == "pay")
        .unwrap();
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
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "prepare")
            .unwrap()["wait_time_seconds"]
            .clone()
    };
    assert_eq!(wait(&future), wait(&now));
}

#[test]
fn plan_states_the_measured_lead_time_it_is_to_move() {
    let dir = tempfile::tempdir().unwrap();
    history_fixture(dir.path());
    let analysis = json_of(&vsm_in(
        dir.path(),
        &["analyze", "orders.yaml", "--format", "json"],
    ));
    let text = stdout(&vsm_in(dir.path(), &["plan", "orders.yaml"]));
    assert!(text.contains("Lead time now: "), "{text}");
    let plan = json_of(&vsm_in(
        dir.path(),
        &["plan", "orders.yaml", "--format", "json"],
    ));
    assert_eq!(
        plan["lead_time_now"]["items"],
        analysis["measured"]["items"]
    );
}
