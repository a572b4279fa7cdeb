//! The event store as a log: `vsm discover` and `vsm measure` / `vsm analyze` of
//! examples/pull-requests-ants.yaml on a store built by `vsm fetch git` (a clone of
//! testdata/git/ants.bundle) and `vsm fetch github --from testdata/api/github`.

use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use crate::{repo_root, stderr, stdout, vsm_command, vsm_in, vsm_ok_in};

/// Clones testdata/git/ants.bundle, the real history of panjf2000/ants, into `into`.
pub(crate) fn clone_ants(into: &Path) {
    let status = std::process::Command::new("git")
        .args(["-c", "init.defaultBranch=main", "clone", "-q"])
        .arg(repo_root().join("testdata/git/ants.bundle"))
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success());
}

/// A folder with the clone in `ants/` and `.vsm/events.sqlite` from git (with `deployments`, a
/// CSV file's text, when given) and GitHub.
pub(crate) fn fetched(deployments: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    clone_ants(&dir.path().join("ants"));
    match deployments {
        Some(csv) => {
            std::fs::write(dir.path().join("deploys.csv"), csv).unwrap();
            vsm_ok_in(
                dir.path(),
                &["fetch", "git", "ants", "--deployments", "deploys.csv"],
            );
        }
        None => {
            vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
        }
    }
    let from = repo_root().join("testdata/api/github");
    vsm_ok_in(
        dir.path(),
        &[
            "fetch",
            "github",
            "panjf2000/ants",
            "--from",
            from.to_str().unwrap(),
        ],
    );
    dir
}

/// [`fetched`], with the example map in `examples/`, where its `log: ../.vsm/events.sqlite`
/// finds the store.
fn fetched_example() -> tempfile::TempDir {
    let dir = fetched(None);
    std::fs::create_dir(dir.path().join("examples")).unwrap();
    std::fs::copy(
        repo_root().join("examples/pull-requests-ants.yaml"),
        dir.path().join("examples/pull-requests-ants.yaml"),
    )
    .unwrap();
    dir
}

/// `git log -1 --format=%ct REV` in the clone: the committer time in seconds.
fn committed(clone: &Path, rev: &str) -> i64 {
    let output = std::process::Command::new("git")
        .args(["log", "-1", "--format=%ct", rev])
        .current_dir(clone)
        .output()
        .unwrap();
    stdout(&output).trim().parse().unwrap()
}

#[test]
fn the_example_map_is_measured_from_the_store_with_links_followed() {
    let dir = fetched_example();
    let output = vsm_ok_in(
        dir.path(),
        &[
            "measure",
            "examples/pull-requests-ants.yaml",
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    // The 49 pull requests are the items; the 25 whose merge commit a tag contains finish.
    assert_eq!(json["coverage"]["items"], 49, "{json}");
    assert_eq!(json["item_lead_time"]["count"], 25, "{json}");
    let release = &json["steps"][2];
    assert_eq!(release["id"], "release");
    assert_eq!(release["completed"], 25);
    // The median of 25 is one pull request's: #189, whose merge commit (from GitHub's JSON)
    // shipped in v2.4.7. Its time from the merge commit to the tag, from git itself:
    let pulls: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root().join("testdata/api/github/pull_requests/page-001.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // The 19 closed without a merge are abandoned (`abandoned: { activity: pr_closed }`):
    // neither finished nor in progress; the 4 open ones and the one merged but in no tag are
    // in progress.
    let unmerged = pulls
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "closed" && p["merged_at"].is_null())
        .map(|p| p["number"].as_u64().unwrap())
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(unmerged.len(), 19);
    assert_eq!(json["coverage"]["items_abandoned"], 19, "{json}");
    assert_eq!(json["coverage"]["items_in_progress"], 5, "{json}");
    let pull = pulls
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 189)
        .unwrap();
    let sha = pull["merge_commit_sha"].as_str().unwrap();
    let clone = dir.path().join("ants");
    let tags = std::process::Command::new("git")
        .args(["tag", "--contains", sha, "--sort=creatordate"])
        .current_dir(&clone)
        .output()
        .unwrap();
    assert_eq!(stdout(&tags).lines().next(), Some("v2.4.7"));
    let expected = committed(&clone, "v2.4.7") - committed(&clone, sha);
    assert_eq!(expected, 3_883_234);
    // The rule times it as waiting (`span: wait`): it is the wait before the release.
    assert_eq!(release["wait_time"]["p50_seconds"], expected as f64);
    assert_eq!(release["timed"], false);
    // The events behind it: #189's merge commit (GitHub's `merge_commit_sha`, reached through
    // `merged_as`) started its step, and the tag of v2.4.7 (reached through `released_in`)
    // ended it; the clone is `ants/`, so the release is `git:ants/tag/v2.4.7`.
    let explained = vsm_ok_in(
        dir.path(),
        &[
            "measure",
            "examples/pull-requests-ants.yaml",
            "--explain",
            "release",
            "--format",
            "json",
        ],
    );
    let explained: serde_json::Value = serde_json::from_str(&stdout(&explained)).unwrap();
    let row = explained["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == "github:panjf2000/ants/pull/189")
        .unwrap();
    assert_eq!(row["started_by"]["activity"], "commit_committed", "{row}");
    assert_eq!(row["started_by"]["object"]["id"], format!("git:{sha}"));
    assert_eq!(row["started_by"]["object"]["type"], "commit");
    assert_eq!(row["ended_by"]["activity"], "tag_created");
    assert_eq!(row["ended_by"]["object"]["id"], "git:ants/tag/v2.4.7");
    assert_eq!(row["ended_by"]["object"]["name"], "v2.4.7");
    assert_eq!(row["wait_seconds"], expected as f64);
    assert_eq!(row["process_seconds"], serde_json::Value::Null);
    let listing = stdout(&vsm_ok_in(
        dir.path(),
        &[
            "measure",
            "examples/pull-requests-ants.yaml",
            "--explain",
            "release",
        ],
    ));
    let line = listing
        .lines()
        .find(|l| l.starts_with("github:panjf2000/ants/pull/189 "))
        .unwrap();
    assert!(
        line.ends_with(&format!(
            "start commit_committed git:{} \"add shopify into user cases (#189)\" · end tag_created git:ants/tag/v2.4.7",
            &sha[..12]
        )),
        "{line}"
    );
    // Every row's columns line up with the header's, the longest item id included.
    let table: Vec<&str> = listing
        .lines()
        .skip_while(|l| !l.starts_with("item "))
        .collect();
    let entered = table[0].find("entered (UTC)").unwrap();
    assert_eq!(table.len(), 26, "{listing}");
    for row in &table[1..] {
        assert!(row[entered..].starts_with("20"), "{row}");
    }
    // `vsm analyze` uses the measured numbers.
    let analyzed = stdout(&vsm_ok_in(
        dir.path(),
        &["analyze", "examples/pull-requests-ants.yaml"],
    ));
    assert!(analyzed.contains("ants pull requests"), "{analyzed}");
}

#[test]
fn discover_reads_the_store_by_its_path_and_not_from_a_pipe() {
    let dir = fetched_example();
    let output = vsm_ok_in(
        dir.path(),
        &[
            "discover",
            ".vsm/events.sqlite",
            "--object-type",
            "pull_request",
        ],
    );
    let said = format!("{}{}", stdout(&output), stderr(&output));
    assert!(said.contains("(OCEL 2.0 SQLite)"), "{said}");
    assert!(said.contains("128 events in 49 items"), "{said}");
    // The events of other objects (commits, releases, issues) are no bad input: one line of
    // counts by type, no line per event.
    assert!(said.contains("skipped 0"), "{said}");
    assert!(
        said.contains("1800 events of other objects not used: commit_authored (787), commit_committed (787), tag_created (48), "),
        "{said}"
    );
    assert!(!said.contains("relates to no"), "{said}");
    let bytes = std::fs::read(dir.path().join(".vsm/events.sqlite")).unwrap();
    let mut child = vsm_command(
        dir.path(),
        &["discover", "-", "--object-type", "pull_request"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // The reader may stop early: a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(&bytes);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("the event store is a SQLite file: give its path"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn discover_follows_links_from_issues_to_their_pull_requests_commits_and_releases() {
    let dir = fetched_example();
    let follow = ["implemented_by", "merged_as", "released_in"].join(",");
    // `vsm discover` of the store's issues with these arguments more.
    let discover = |extra: &[&str]| {
        let mut args = vec!["discover", ".vsm/events.sqlite", "--object-type", "issue"];
        args.extend_from_slice(extra);
        vsm_in(dir.path(), &args)
    };
    let json = |extra: &[&str]| -> serde_json::Value {
        let output = discover(&[extra, &["--format", "json"]].concat());
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).unwrap()
    };
    let count = |json: &serde_json::Value, activity: &str| {
        json["activities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["activity"] == activity)
            .map_or(0, |a| a["count"].as_u64().unwrap())
    };
    let alone = json(&[]);
    let followed = json(&["--follow", &follow]);
    // Issue #22 is fixed by pull request #23 ("Fix #22" in its body: `implemented_by`), merged
    // as 9158bd37025c (`merged_as`), first shipped in v1.0.0 (`released_in`, as
    // `git tag --contains` says): its journey takes their five events.
    assert_eq!(count(&alone, "pr_opened"), 0, "{alone}");
    for activity in [
        "pr_opened",
        "pr_merged",
        "commit_authored",
        "commit_committed",
        "tag_created",
    ] {
        assert_eq!(count(&followed, activity), 1, "{activity}: {followed}");
    }
    let import = |json: &serde_json::Value, field: &str| json["import"][field].as_u64().unwrap();
    assert_eq!(
        import(&followed, "events_used"),
        import(&alone, "events_used") + 5
    );
    assert_eq!(
        import(&followed, "events_of_other_objects") + import(&followed, "events_used"),
        import(&followed, "events_read")
    );
    // The proposed map follows the same links.
    let map = stdout(&discover(&["--follow", &follow, "--format", "yaml"]));
    assert!(
        map.contains("follow: [\"implemented_by\", \"merged_as\", \"released_in\"]"),
        "{map}"
    );
    // A qualifier the store has no link with is an error that lists those it has.
    let unknown = discover(&["--follow", "implemented_by,merged"]);
    assert_eq!(unknown.status.code(), Some(1));
    let said = stderr(&unknown);
    assert!(
        said.contains("there is no object link `merged` in this log to follow"),
        "{said}"
    );
    assert!(said.contains("`merged_as` (26)"), "{said}");
}
