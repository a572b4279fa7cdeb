//! `validate`: valid maps, and every problem of an invalid one with its place.

use crate::{EXAMPLES, folder_with, repo_root, stderr, stdout, vsm, vsm_fails, vsm_ok, vsm_ok_in};

#[test]
fn validate_accepts_the_examples() {
    let mut args = vec!["validate"];
    let paths: Vec<String> = EXAMPLES
        .iter()
        .map(|e| format!("examples/{e}.yaml"))
        .collect();
    args.extend(paths.iter().map(String::as_str));
    let output = vsm_ok(&args);
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
    assert_eq!(
        vsm_fails(&["analyze", "no/such/map.yaml"]),
        "error: `no/such/map.yaml` does not exist; check the path, or create a map with `vsm init no/such/map.yaml`\n"
    );
    assert_eq!(
        vsm_fails(&["validate", "examples"]),
        "error: `examples` is a directory, not a map file; pass a YAML map file, e.g. `examples/feature-delivery-future.yaml`\n"
    );
}

#[test]
fn the_documented_example_map_is_valid() {
    let doc = std::fs::read_to_string(repo_root().join("docs/map-format.md")).unwrap();
    let start = doc.find("## A full example").unwrap();
    let block = &doc[start..];
    let body_start = block.find("```yaml\n").unwrap() + "```yaml\n".len();
    let body = &block[body_start..body_start + block[body_start..].find("```").unwrap()];
    let dir = folder_with(&[("map.yaml", body)]);
    let output = vsm_ok_in(dir.path(), &["validate", "map.yaml"]);
    assert_eq!(stderr(&output), "", "the documented example warns");
    assert_eq!(stdout(&output), "map.yaml: valid (5 steps)\n");
}
