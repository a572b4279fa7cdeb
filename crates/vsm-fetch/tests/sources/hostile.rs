//! Parsing twice gives the same batch; broken or hostile responses give located errors or bounded
//! values, never a panic.

use std::fs;

use serde_json::Value as Json;
use vsm_fetch::{MAX_TEXT, github, gitlab, jira};

use super::*;

#[test]
fn reading_a_folder_twice_gives_the_same_batch() {
    let github = || github::from_dir(&recorded("github"), "panjf2000/ants").unwrap();
    assert_eq!(github(), github());
    let gitlab = || gitlab::from_dir(&recorded("gitlab"), "12345678").unwrap();
    assert_eq!(gitlab(), gitlab());
    let jira = || jira::from_dir(&recorded("jira"), &jira::Query::Board(8)).unwrap();
    assert_eq!(jira(), jira());
}

#[test]
fn a_truncated_page_says_so_and_where() {
    let whole = page("github/pull_requests/page-001.json");
    let error = github::pulls(&whole[..whole.len() / 2], "o/r").unwrap_err();
    assert!(error.fix.contains("truncated"), "{error}");
    assert!(error.place.starts_with("line "), "{error}");
    assert!(error.place.contains(", at [26].head"), "{error}");
    // Cut anywhere, a page is an error, never a panic.
    let small = page("gitlab/pipeline/page-001.json");
    for end in (0..small.len() - 1).step_by(97) {
        assert!(
            gitlab::pipelines(&small[..end], "p").is_err(),
            "cut at {end}"
        );
    }
}

#[test]
fn a_number_where_a_string_belongs_names_the_item_field_and_value() {
    let mut pulls: Json =
        serde_json::from_slice(&page("github/pull_requests/page-001.json")).unwrap();
    pulls[3]["title"] = Json::from(5);
    let error = github::pulls(&serde_json::to_vec_pretty(&pulls).unwrap(), "o/r").unwrap_err();
    assert!(error.place.ends_with("at [3].title"), "{error}");
    assert!(
        error.problem.contains("integer `5`") && error.problem.contains("expected a string"),
        "{error}"
    );
    assert!(error.fix.contains("/repos/OWNER/REPO/pulls"), "{error}");

    let mut issues: Json = serde_json::from_slice(&page("jira/issues/page-002.json")).unwrap();
    issues["issues"][1]["changelog"]["histories"][0]["created"] = Json::from("last tuesday");
    let error = jira::issues(
        &serde_json::to_vec(&issues).unwrap(),
        &jira::Statuses::default(),
    )
    .unwrap_err();
    assert!(
        error
            .place
            .ends_with("at .issues[1].changelog.histories[0].created"),
        "{error}"
    );
    assert!(
        error.problem.contains("`last tuesday` is not a time"),
        "{error}"
    );
}

#[test]
fn a_ten_megabyte_title_is_cut() {
    let mut pulls: Json =
        serde_json::from_slice(&page("github/pull_requests/page-001.json")).unwrap();
    let title = format!("{} #7 PROJ-9", "x".repeat(10 << 20));
    pulls[5]["title"] = Json::from(title);
    pulls[5]["body"] = Json::from("#1 ".repeat(1 << 20));
    let batch = github::pulls(&serde_json::to_vec(&pulls).unwrap(), "o/r")
        .unwrap()
        .batch;
    let kept = attribute(&object(&batch, "github:o/r/pull/13").attributes, "title").unwrap();
    assert_eq!(kept.chars().count(), MAX_TEXT + 1);
    assert!(kept.ends_with('…'));
    // Its mentions are still found, once each.
    assert_eq!(
        linked(&batch, "github:o/r/issues/7", "implemented_by"),
        ["github:o/r/pull/13"]
    );
    assert_eq!(
        linked(&batch, "jira:PROJ-9", "implemented_by"),
        ["github:o/r/pull/13"]
    );
}

#[test]
fn a_folder_that_cannot_be_read_says_what_to_do() {
    let error = github::from_dir(&recorded("no-such-folder"), "o/r").unwrap_err();
    assert!(error.to_string().contains("is not a folder"), "{error}");

    // A commits page the index does not list cannot be placed.
    let dir = std::env::temp_dir().join(format!("vsm-fetch-unindexed-{}", std::process::id()));
    fs::create_dir_all(dir.join("pull_request_commits")).unwrap();
    fs::write(
        dir.join("pull_request_commits/page-001.json"),
        page("github/pull_request_commits/page-001.json"),
    )
    .unwrap();
    let error = github::from_dir(&dir, "o/r").unwrap_err();
    fs::remove_dir_all(&dir).unwrap();
    assert!(
        error
            .file
            .as_deref()
            .is_some_and(|f| f.ends_with("page-001.json")),
        "{error}"
    );
    assert!(error.problem.contains("which pull request"), "{error}");
    assert!(error.fix.contains("api-pages.json"), "{error}");
}

#[test]
fn saved_responses_of_another_repository_or_project_are_refused_naming_both() {
    let error = github::from_dir(&recorded("github"), "someone/else").unwrap_err();
    assert!(error.to_string().contains("pull_requests/page-001.json"));
    assert_eq!(
        error.problem,
        "these saved responses are of the repository `panjf2000/ants`, not `someone/else`"
    );
    assert!(error.fix.contains("fetch `panjf2000/ants`"), "{error}");
    // Names compare without case, as GitHub's do.
    assert_eq!(
        github::from_dir(&recorded("github"), "PanJF2000/Ants")
            .unwrap()
            .1
            .pages,
        github::from_dir(&recorded("github"), "panjf2000/ants")
            .unwrap()
            .1
            .pages
    );
    // `vsm fetch github panjf2000/ants --from testdata/api/github-deployments` filed
    // octocat/example's deployment as ants'.
    let error = github::from_dir(&recorded("github-deployments"), "panjf2000/ants").unwrap_err();
    assert!(
        error.to_string().contains("deployments/page-001.json"),
        "{error}"
    );
    assert_eq!(
        error.problem,
        "these saved responses are of the repository `octocat/example`, not `panjf2000/ants`"
    );
    // A statuses page is checked too (its `repository_url`), even without its deployments page.
    let dir = tempfile::tempdir().unwrap();
    let statuses = dir.path().join("github/deployment_statuses");
    fs::create_dir_all(&statuses).unwrap();
    fs::write(
        statuses.join("page-001.json"),
        page("github-deployments/deployment_statuses/page-001.json"),
    )
    .unwrap();
    fs::write(
        dir.path().join(vsm_fetch::INDEX),
        r#"[{"file": "github/deployment_statuses/page-001.json", "request": "/repos/panjf2000/ants/deployments/42/statuses?page=1&per_page=100"}]"#,
    )
    .unwrap();
    let error = github::from_dir(&dir.path().join("github"), "panjf2000/ants").unwrap_err();
    assert!(error.problem.contains("`octocat/example`"), "{error}");
    assert!(
        github::from_dir(&dir.path().join("github"), "Octocat/Example").is_ok(),
        "names compare without case"
    );
    let error = gitlab::from_dir(&recorded("gitlab"), "1").unwrap_err();
    assert_eq!(
        error.problem,
        "these saved responses are of the project `12345678`, not `1`"
    );
    // By path, the merge requests' web_url says the project.
    let error = gitlab::from_dir(&recorded("gitlab"), "group/other").unwrap_err();
    assert!(
        error
            .problem
            .contains("`gitlab-data/snowflake_spend`, not `group/other`"),
        "{error}"
    );
}

#[test]
fn a_reviews_page_of_a_pull_request_no_pull_request_page_holds_is_skipped_not_made_up() {
    let dir = std::env::temp_dir().join(format!("vsm-fetch-unknown-pull-{}", std::process::id()));
    fs::create_dir_all(dir.join("github/pull_requests")).unwrap();
    fs::create_dir_all(dir.join("github/pull_request_reviews")).unwrap();
    fs::write(
        dir.join("github/pull_requests/page-001.json"),
        page("github/pull_requests/page-001.json"),
    )
    .unwrap();
    fs::write(
        dir.join("github/pull_request_reviews/page-001.json"),
        page("github/pull_request_reviews/page-001.json"),
    )
    .unwrap();
    // The index places the reviews (of #41) under a pull request the list does not hold.
    fs::write(
        dir.join("api-pages.json"),
        r#"[{"file": "github/pull_request_reviews/page-001.json",
             "request": "/repos/panjf2000/ants/pulls/9999/reviews?page=1"}]"#,
    )
    .unwrap();
    let read = github::from_dir(&dir.join("github"), "panjf2000/ants");
    fs::remove_dir_all(&dir).unwrap();
    let (batch, report) = read.unwrap();
    assert!(
        !batch
            .objects
            .iter()
            .any(|o| o.id == "github:panjf2000/ants/pull/9999"),
        "no bare pull request is made up"
    );
    assert_eq!(
        report.skipped["a review of pull request #9999, which no saved pull request page holds"],
        13
    );
    assert!(events_of(&batch, EventType::ReviewSubmitted).is_empty());
}
