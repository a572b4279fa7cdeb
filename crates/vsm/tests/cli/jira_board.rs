//! examples/jira-board.yaml measured from the store `vsm fetch jira` builds from the recorded
//! responses of one Jira board (testdata/api/jira), checked against the responses themselves.

use crate::{repo_root, stdout, vsm_ok_in};

/// Seconds between two Jira times (`2020-06-12T14:22:49.352+0800`), to the millisecond.
fn seconds_between(from: &str, to: &str) -> f64 {
    let parse = |text: &str| {
        jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.f%z", text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    };
    let span = parse(to).duration_since(parse(from));
    span.as_millis() as f64 / 1000.0
}

#[test]
fn the_jira_example_is_measured_from_the_boards_status_changes() {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_root().join("testdata/api/jira");
    vsm_ok_in(
        dir.path(),
        &[
            "fetch",
            "jira",
            "--board",
            "8",
            "--from",
            from.to_str().unwrap(),
            "-o",
            ".vsm/jira.sqlite",
        ],
    );
    std::fs::create_dir(dir.path().join("examples")).unwrap();
    std::fs::copy(
        repo_root().join("examples/jira-board.yaml"),
        dir.path().join("examples/jira-board.yaml"),
    )
    .unwrap();
    let output = vsm_ok_in(
        dir.path(),
        &["measure", "examples/jira-board.yaml", "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    // The longest lead time, from Jira's own JSON: the issue created first and closed last, of
    // the issue pages api-pages.json says are board 8's.
    let index = std::fs::read_to_string(from.join("..").join("api-pages.json")).unwrap();
    let index: serde_json::Value = serde_json::from_str(&index).unwrap();
    let board_pages: Vec<&str> = index
        .as_array()
        .unwrap()
        .iter()
        .filter(|page| {
            page["request"]
                .as_str()
                .unwrap()
                .starts_with("/rest/agile/1.0/board/8/issue?")
        })
        .map(|page| page["file"].as_str().unwrap())
        .collect();
    assert_eq!(board_pages, ["jira/issues/page-001.json"]);
    let mut issues = 0;
    let mut longest: Option<(f64, String)> = None;
    for page in board_pages {
        let text = std::fs::read_to_string(from.join("..").join(page)).unwrap();
        let page: serde_json::Value = serde_json::from_str(&text).unwrap();
        for issue in page["issues"].as_array().unwrap() {
            issues += 1;
            let created = issue["fields"]["created"].as_str().unwrap();
            let closes = issue["changelog"]["histories"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|history| {
                    history["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|item| item["field"] == "status" && item["toString"] == "Closed")
                })
                .map(|history| seconds_between(created, history["created"].as_str().unwrap()));
            for lead in closes {
                if longest.as_ref().is_none_or(|(most, _)| lead > *most) {
                    longest = Some((lead, issue["key"].as_str().unwrap().to_string()));
                }
            }
        }
    }
    // Board 8's issues, and no other board's nor the changelog pages' of issues on no board.
    assert_eq!(issues, 30);
    assert_eq!(json["coverage"]["items"], issues, "{json}");
    let (lead, key) = longest.unwrap();
    assert_eq!(key, "EE-2");
    assert_eq!(json["item_lead_time"]["max_seconds"], lead, "{json}");
    // Reopened issues are rework of the step they return to; the 30 moves to the renamed Done
    // status (已完成) are no step, and are reported as such.
    let resolve = &json["steps"][2];
    assert_eq!(resolve["id"], "resolve");
    assert!(resolve["returned"].as_u64().unwrap() > 0, "{resolve}");
    let said = crate::stderr(&output);
    assert!(said.contains("events matched no step"), "{said}");
}
