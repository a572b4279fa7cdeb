//! `init`, `demo` and `schema`: what a new user starts from.

use crate::{
    EXAMPLES, by_id, json_of, repo_root, stderr, stdout, vsm, vsm_command, vsm_fails_in, vsm_in,
    vsm_ok, vsm_ok_in,
};

#[test]
fn demo_prints_the_analysis_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let output = vsm_ok_in(dir.path(), &["demo"]);
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
fn init_writes_a_map_that_validates_and_analyzes() {
    let dir = tempfile::tempdir().unwrap();
    let output = vsm_ok_in(dir.path(), &["init"]);
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
    let validate = vsm_ok_in(dir.path(), &["validate", "vsm.yaml"]);
    assert_eq!(stderr(&validate), "");
    let analyze = vsm_ok_in(dir.path(), &["analyze", "vsm.yaml"]);
    assert!(stdout(&analyze).contains("My team's feature delivery"));

    // A second init does not overwrite the user's work.
    assert_eq!(
        vsm_fails_in(dir.path(), &["init"]),
        "error: `vsm.yaml` already exists; pass --force to overwrite it, or give another file name\n"
    );
    vsm_ok_in(dir.path(), &["init", "--force"]);
}

#[test]
fn init_templates_are_the_examples_pointing_at_the_local_schema() {
    let list = stdout(&vsm(&["init", "--list"]));
    for example in EXAMPLES {
        assert!(list.contains(example), "{list}");
        let dir = tempfile::tempdir().unwrap();
        vsm_ok_in(
            dir.path(),
            &["init", "map.yaml", "--template", example, "--no-schema"],
        );
        assert!(!dir.path().join("vsm-map.schema.json").exists());
        let written = std::fs::read_to_string(dir.path().join("map.yaml")).unwrap();
        let original =
            std::fs::read_to_string(repo_root().join(format!("examples/{example}.yaml"))).unwrap();
        assert_eq!(written, original.replace("$schema=../schema/", "$schema="));
        vsm_ok_in(dir.path(), &["validate", "map.yaml"]);
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
    let output = vsm_ok(&["schema"]);
    let committed =
        std::fs::read_to_string(repo_root().join("schema/vsm-map.schema.json")).unwrap();
    assert_eq!(
        stdout(&output),
        committed,
        "schema/vsm-map.schema.json is stale: run `cargo run -- schema -o schema/vsm-map.schema.json`"
    );
}

#[test]
fn demo_and_init_hints_name_a_command_that_runs_under_cargo() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        vsm_command(dir.path(), args)
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
    vsm_ok_in(dir.path(), &["init"]);
    let check = vsm_ok_in(dir.path(), &["check", "vsm.yaml"]);
    let checked = stdout(&check);
    assert!(
        checked.starts_with("vsm.yaml: all 6 targets met"),
        "{checked}"
    );
    assert!(
        checked.contains("ok   lead_time: 13d 14h, at most 15d"),
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
    let step = |id: &str| by_id(&json["steps"], id);
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
