//! `analyze`: the analysis of a map as text, Markdown and JSON.

use crate::{EXAMPLES, json_ok, stderr, stdout, vsm, vsm_ok};

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
    let report = json_ok(&["analyze", "examples/regulated-release.yaml"]);
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
fn analyze_writes_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.md");
    let output = vsm_ok(&[
        "analyze",
        "examples/platform-change.yaml",
        "-f",
        "markdown",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(stdout(&output), "");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.starts_with("# Platform infrastructure change: value stream analysis"));
}
