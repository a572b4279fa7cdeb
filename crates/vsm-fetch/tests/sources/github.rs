use serde_json::Value as Json;
use vsm_fetch::github;

use super::*;

const REPO: &str = "panjf2000/ants";

/// The merged pull requests and their merge commits, as the pull request page gives them. All but
/// #41's are in the ants history (testdata's source, `ants.bundle`); #41's, faef79b7, is not.
const MERGED: [(u64, &str); 26] = [
    (4, "3ddd58c390b0f928a5782c235f90ad0c9c21312c"),
    (13, "9a3b5cd25344822bca7684f87d9e123890a7bf59"),
    (14, "29730bb70343924a2f56a13a9799611dd1cd27fd"),
    (15, "c10f80f7b760ba68bef1759f6e7921ba5e34b889"),
    (19, "639f55c4c94407632a1c5e34cd71784524de0757"),
    (23, "9158bd37025ccdd29d6346a6639a282e0060c7e2"),
    (30, "dec04010834ccd3691eb1776045ce3b9310ce26c"),
    (39, "21a109c7f0873c8f466d6710de23474968940011"),
    (40, "3e1c7a03a512a7de8c9049d56237e5d2de2f30eb"),
    (41, "faef79b7d8a4876da8a215d7794cce20c710aaa2"),
    (48, "d5eded45bffe827e5a64a3376c4b94f08b641031"),
    (51, "d6cd5a7e726c9bb8578e7aabdbf3488dc8d080b6"),
    (53, "f0e23928f4388661a8e0f6f5ff93f8f9514a1762"),
    (79, "d8cb0361988bf8a0a2a5bee93a06f9c4e1b65e61"),
    (89, "88b5a85d64e3aa487f157dc6266472a7a14eeb0d"),
    (100, "0a7be73d35726850863a80432dec0ac5c78cdfb4"),
    (107, "ef6017217221e20416d886c0231dd5134752ef4e"),
    (114, "94a7a7f1cb3a11fcaaf9608c94fe1dc0bcd98ab0"),
    (172, "63489606efd8498bdd76c375b2913e7decaa1e63"),
    (174, "cfb27797a83ff7ea787acf1c6627657ac174dca3"),
    (184, "f62e8ab1e0a951ab278ac794979b27ebd89ab0b5"),
    (185, "61d120b6f086998184f402a83ace485a036d4c7d"),
    (186, "3f9c4cd54898e7149c7f6d072213b8fdbd0036d8"),
    (189, "76ce0ce24f21b1dd13050e0c84b07ce55e68f111"),
    (206, "1bd4304727b2ea62ec243f3145389d6ffe3607cf"),
    (210, "fbd17036dbf5ae677ba9e41326745a65e655232f"),
];

fn json(path: &str) -> Json {
    serde_json::from_slice(&page(path)).expect("recorded JSON")
}

fn pull(number: u64) -> String {
    format!("github:{REPO}/pull/{number}")
}

fn time_of(item: &Json, field: &str) -> jiff::Timestamp {
    item[field]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no time {field}"))
}

#[test]
fn the_pull_request_page_holds_49_pull_requests_in_50_items() {
    let parsed = github::pulls(&page("github/pull_requests/page-001.json"), REPO).unwrap();
    let (batch, report) = (&parsed.batch, &parsed.report);
    assert_eq!((report.pages, report.items), (1, 50));
    assert_eq!(objects_of(batch, ObjectType::PullRequest).len(), 49);
    // #4 twice: one object, its opening and merge read twice and kept once.
    assert_eq!(
        report.duplicates,
        BTreeMap::from([("pr_merged".into(), 1), ("pr_opened".into(), 1)])
    );
    let merged_items = json("github/pull_requests/page-001.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["merged_at"].is_null())
        .count();
    assert_eq!(merged_items, 27);
    assert_eq!(events_of(batch, EventType::PrMerged).len(), 26);
    assert_eq!(events_of(batch, EventType::PrClosed).len(), 19);
    assert_eq!(events_of(batch, EventType::PrOpened).len(), 49);
    assert_consistent(batch);
}

#[test]
fn merged_pull_requests_name_their_merge_commits_as_git_commits() {
    let batch = github::pulls(&page("github/pull_requests/page-001.json"), REPO)
        .unwrap()
        .batch;
    let mut merged: Vec<(u64, String)> = Vec::new();
    for event in events_of(&batch, EventType::PrMerged) {
        let number = event.objects[0]
            .0
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(event.objects[1].1, "merge_commit");
        assert_eq!(
            linked(&batch, &event.objects[0].0, "merged_as"),
            [event.objects[1].0.as_str()]
        );
        assert_eq!(object(&batch, &event.objects[1].0).kind, ObjectType::Commit);
        merged.push((number, event.objects[1].0.clone()));
    }
    merged.sort();
    let expected: Vec<(u64, String)> = MERGED
        .iter()
        .map(|(n, sha)| (*n, format!("git:{sha}")))
        .collect();
    assert_eq!(merged, expected);
}

#[test]
fn reviews_count_by_state_and_a_pull_request_reads_opened_reviewed_merged() {
    let (batch, report) = github::from_dir(&recorded("github"), REPO).unwrap();
    let states = tally(&events_of(&batch, EventType::ReviewSubmitted), "state");
    assert_eq!(
        states,
        BTreeMap::from([("changes_requested", 3), ("commented", 27)])
    );
    assert_eq!(events_of(&batch, EventType::PrChangesRequested).len(), 3);
    assert!(
        events_of(&batch, EventType::PrApproved).is_empty(),
        "no review in the recorded data approves"
    );
    // Review 277027723 is on the page twice.
    assert_eq!(report.duplicates.get("review_submitted"), Some(&1));

    let id = pull(53);
    let mut life: Vec<&Event> = batch
        .events
        .iter()
        .filter(|e| e.objects[0].0 == id)
        .collect();
    life.sort_by_key(|e| e.time);
    let kinds: Vec<&str> = life.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds[..3],
        ["pr_opened", "review_submitted", "pr_changes_requested"]
    );
    assert_eq!(kinds.last(), Some(&"pr_merged"));
    assert_eq!(kinds.len(), 2 + 15 + 3);
    let pulls = json("github/pull_requests/page-001.json");
    let recorded_pull = pulls
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 53)
        .unwrap();
    let reviews = json("github/pull_request_reviews/page-003.json");
    assert_eq!(life[0].time, time_of(recorded_pull, "created_at"));
    assert_eq!(life[1].time, time_of(&reviews[0], "submitted_at"));
    assert_eq!(
        attribute(&life[1].attributes, "reviewer"),
        Some("panjf2000")
    );
    assert_eq!(
        life.last().unwrap().time,
        time_of(recorded_pull, "merged_at")
    );
}

#[test]
fn pull_request_commits_are_git_commits_the_pull_request_contains() {
    let parsed =
        github::pull_commits(&page("github/pull_request_commits/page-002.json"), REPO, 11).unwrap();
    let batch = parsed.batch;
    let recorded = json("github/pull_request_commits/page-002.json");
    let contained = linked(&batch, &pull(11), "contains");
    assert_eq!(contained.len(), 14);
    for (commit, item) in contained.iter().zip(recorded.as_array().unwrap()) {
        assert_eq!(*commit, format!("git:{}", item["sha"].as_str().unwrap()));
        let authored = batch
            .events
            .iter()
            .find(|e| e.id == format!("{commit}/authored"))
            .unwrap();
        assert_eq!(authored.time, time_of(&item["commit"]["author"], "date"));
    }
    assert_eq!(
        attribute(&object(&batch, contained[0]).attributes, "title"),
        Some("Merge branch 'develop'")
    );
}

#[test]
fn a_commits_committed_event_names_its_committer_not_its_author() {
    // Commit ec5d1f3b of pull request #30 was authored by Sarath Sadasivan Pillai and committed
    // by GitHub (a change made on the web); the committed event said "Sarath…".
    let parsed =
        github::pull_commits(&page("github/pull_request_commits/page-003.json"), REPO, 30).unwrap();
    let id = "git:ec5d1f3b8107265cb53536975504c7cda4f6d68f";
    let event = |what: &str| {
        let id = format!("{id}/{what}");
        let event = parsed.batch.events.iter().find(|e| e.id == id).unwrap();
        event.attributes.clone()
    };
    let committed = event("committed");
    assert_eq!(attribute(&committed, "committer"), Some("GitHub"));
    assert_eq!(attribute(&committed, "author"), None);
    let authored = event("authored");
    assert_eq!(
        attribute(&authored, "author"),
        Some("Sarath Sadasivan Pillai")
    );
    let commit = object(&parsed.batch, id);
    assert_eq!(attribute(&commit.attributes, "committer"), Some("GitHub"));
}

#[test]
fn issues_events_and_runs() {
    let (batch, report) = github::from_dir(&recorded("github"), REPO).unwrap();
    assert_consistent(&batch);
    assert_eq!(report.pages, 50);
    // The issue list holds 16 pull request items; the 26 issues are read, and 15 more from events.
    assert_eq!(
        report
            .skipped
            .get("a pull request in the issue list (read from the pull request list)"),
        Some(&16)
    );
    assert_eq!(objects_of(&batch, ObjectType::Issue).len(), 41);
    assert_eq!(events_of(&batch, EventType::IssueCreated).len(), 26);
    assert_eq!(events_of(&batch, EventType::IssueLabeled).len(), 18);
    assert_eq!(report.skipped.get("issue event `assigned`"), Some(&10));
    // Closing event 6774117135 is on the page twice.
    assert_eq!(report.duplicates.get("issue_closed"), Some(&1));
    let closed = batch
        .events
        .iter()
        .find(|e| e.id == format!("github:{REPO}/issues/228/closed/1654738931"))
        .unwrap();
    assert_eq!(closed.time.to_string(), "2022-06-09T01:42:11Z");
    let ready = events_of(&batch, EventType::PrReadyForReview);
    assert_eq!(
        (ready.len(), ready[0].objects[0].0.as_str()),
        (1, pull(211).as_str())
    );
    // Issue 157 was closed by a commit.
    assert_eq!(
        linked(&batch, &format!("github:{REPO}/issues/157"), "closed_by").len(),
        1,
        "the closing commit is linked"
    );

    let mut links: Vec<(&str, &str)> = mentioning(&batch)
        .into_iter()
        .map(|(issue, pull_request)| {
            (
                issue.rsplit('/').next().unwrap(),
                pull_request.rsplit('/').next().unwrap(),
            )
        })
        .collect();
    links.sort_by_key(|(issue, _)| issue.parse::<u64>().unwrap());
    assert_eq!(
        links,
        [
            ("3", "4"),
            ("22", "23"),
            ("113", "114"),
            ("185", "186"),
            ("191", "192"),
            ("205", "210")
        ]
    );

    let runs = objects_of(&batch, ObjectType::PipelineRun);
    assert_eq!(runs.len(), 35);
    assert_eq!(events_of(&batch, EventType::PipelineQueued).len(), 35);
    assert_eq!(events_of(&batch, EventType::PipelineStarted).len(), 35);
    // Runs without a conclusion (in progress, queued, waiting...) have not finished.
    let finished = events_of(&batch, EventType::PipelineFinished);
    assert_eq!(finished.len(), 28);
    let rerun = batch
        .events
        .iter()
        .find(|e| e.id == format!("github:{REPO}/actions/runs/2589885628/started"))
        .unwrap();
    assert_eq!(rerun.time.to_string(), "2022-07-01T13:34:14Z");
    let odd = object(&batch, &format!("github:{REPO}/actions/runs/2559400722"));
    assert_eq!(attribute(&odd.attributes, "status"), Some("completed"));
    let recorded_runs = json("github/runs/page-001.json");
    let head = recorded_runs["workflow_runs"][0]["head_sha"]
        .as_str()
        .unwrap();
    let run = format!(
        "github:{REPO}/actions/runs/{}",
        recorded_runs["workflow_runs"][0]["id"]
    );
    assert_eq!(linked(&batch, &run, "builds"), [format!("git:{head}")]);
}

/// GitHub's documentation examples (testdata/api/github-deployments): deployment 1 of
/// octocat/example, and a status of deployment 42, which the list does not hold.
#[test]
fn deployments_and_their_statuses_become_deployments_with_their_events_and_commit() {
    let example = "octocat/example";
    let (batch, report) = github::from_dir(&recorded("github-deployments"), example).unwrap();
    assert_consistent(&batch);
    assert_eq!((report.pages, report.items), (2, 2));
    let listed = json("github-deployments/deployments/page-001.json");
    let id = "github:octocat/example/deployments/1";
    let deployment = object(&batch, id);
    let sha = listed[0]["commit_sha"].as_str().unwrap();
    for (name, value) in [
        ("environment", "production"),
        ("branch", "topic-branch"),
        ("commit", sha),
        ("task", "deploy"),
        (
            "url",
            "https://api.github.com/repos/octocat/example/deployments/1",
        ),
        ("author", "octocat"),
    ] {
        assert_eq!(
            attribute(&deployment.attributes, name),
            Some(value),
            "{name}"
        );
    }
    assert_eq!(linked(&batch, id, "deploys"), [format!("git:{sha}")]);
    let created = events_of(&batch, EventType::DeploymentCreated);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].time, time_of(&listed[0], "created_at"));
    assert_eq!(
        attribute(&created[0].attributes, "environment"),
        Some("production")
    );
    // Deployment 42's one status is final: it finished, and never reported running.
    let statuses = json("github-deployments/deployment_statuses/page-001.json");
    let finished = events_of(&batch, EventType::DeploymentFinished);
    assert_eq!(finished.len(), 1);
    assert_eq!(
        finished[0].id,
        "github:octocat/example/deployments/42/finished"
    );
    assert_eq!(finished[0].time, time_of(&statuses[0], "created_at"));
    assert_eq!(tally(&finished, "status"), BTreeMap::from([("success", 1)]));
    assert_eq!(
        tally(&finished, "environment"),
        BTreeMap::from([("production", 1)])
    );
    assert!(events_of(&batch, EventType::DeploymentStarted).is_empty());
    let other = object(&batch, "github:octocat/example/deployments/42");
    assert_eq!(attribute(&other.attributes, "status"), Some("success"));
    // Its log is not an Actions run's page: no run.
    assert!(batch.relations.iter().all(|r| r.qualifier != "run_by"));
    // The recorded ants responses hold no deployments: none, and nothing else changes.
    let ants = github::from_dir(&recorded("github"), REPO).unwrap().0;
    assert!(objects_of(&ants, ObjectType::Deployment).is_empty());
}
