use serde_json::Value as Json;
use vsm_fetch::gitlab;

use super::*;

const PROJECT: &str = "12345678";

fn json(path: &str) -> Json {
    serde_json::from_slice(&page(path)).expect("recorded JSON")
}

fn time_of(item: &Json, field: &str) -> jiff::Timestamp {
    item[field]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no time {field}"))
}

fn merge_request(iid: u64) -> String {
    format!("gitlab:{PROJECT}/merge_requests/{iid}")
}

#[test]
fn merge_requests_open_merge_and_close_with_their_commits_and_issues() {
    let (batch, report) = gitlab::from_dir(&recorded("gitlab"), PROJECT).unwrap();
    assert_consistent(&batch);
    assert_eq!((report.pages, report.items), (17, 118));
    let counts = event_counts(&batch);
    assert_eq!(
        (
            counts["pr_opened"],
            counts["pr_merged"],
            counts["pr_closed"]
        ),
        (18, 10, 3)
    );
    // Merge request 1 was merged as da1d6dea (its squash commit is null), says "Closes #1", and
    // lists five commits.
    let first = merge_request(1);
    assert_eq!(
        linked(&batch, &first, "merged_as"),
        ["git:da1d6dea48f5972ffc683da6cff30934e7d6c52c"]
    );
    assert_eq!(
        linked(
            &batch,
            &format!("gitlab:{PROJECT}/issues/1"),
            "implemented_by"
        ),
        [first.as_str()]
    );
    assert_eq!(linked(&batch, &first, "contains").len(), 5);
    let draft = object(&batch, &merge_request(20));
    assert!(
        draft
            .attributes
            .contains(&("draft".to_string(), Value::Bool(true)))
    );

    // Its life: opened, a comment, merged, at the recorded times.
    let mut life: Vec<&Event> = batch
        .events
        .iter()
        .filter(|e| e.objects[0].0 == first)
        .collect();
    life.sort_by_key(|e| e.time);
    let kinds: Vec<&str> = life.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["pr_opened", "review_submitted", "pr_merged"]);
    let recorded = &json("gitlab/merge_requests/page-001.json")[0];
    let notes = json("gitlab/merge_request_notes/page-001.json");
    assert_eq!(life[0].time, time_of(recorded, "created_at"));
    assert_eq!(life[1].time, time_of(&notes[6], "created_at"));
    assert_eq!(life[2].time, time_of(recorded, "merged_at"));
    assert_eq!(
        report.skipped["a system note that is not an approval (assignment, push, merge...)"],
        16
    );
    // Notes and commits of merge requests the recorded list lacks (!2, !7, !29...) are counted,
    // not made into bare merge requests.
    assert_eq!(
        report.skipped["a note of merge request !37, which no saved merge request page holds"],
        3
    );
    assert_eq!(report.skipped.values().sum::<usize>(), 33);
    assert_eq!(objects_of(&batch, ObjectType::PullRequest).len(), 18);
}

#[test]
fn approval_notes_are_reviews_and_approvals() {
    let notes = page("gitlab/merge_request_notes/page-007.json");
    let batch = gitlab::merge_request_notes(&notes, PROJECT, 37)
        .unwrap()
        .batch;
    let recorded = json("gitlab/merge_request_notes/page-007.json");
    let seen: Vec<(&str, Option<&str>, jiff::Timestamp)> = batch
        .events
        .iter()
        .map(|e| (e.kind.as_str(), attribute(&e.attributes, "state"), e.time))
        .collect();
    let at = |n: usize| time_of(&recorded[n], "created_at");
    assert_eq!(
        seen,
        [
            ("review_submitted", Some("approved"), at(0)),
            ("pr_approved", None, at(0)),
            ("review_submitted", Some("dismissed"), at(1)),
            ("review_submitted", Some("approved"), at(2)),
            ("pr_approved", None, at(2)),
        ]
    );
    assert!(
        batch
            .events
            .iter()
            .all(|e| e.objects == [(merge_request(37), "pull_request".to_string())])
    );
    assert_eq!(
        attribute(&batch.events[0].attributes, "reviewer"),
        Some("basicthinker")
    );
}

#[test]
fn deployments_are_linked_to_their_pipelines_and_commits() {
    let parsed = gitlab::deployments(&page("gitlab/deployments/page-001.json"), PROJECT).unwrap();
    let batch = parsed.batch;
    assert_consistent(&batch);
    let recorded = json("gitlab/deployments/page-001.json");
    let deployments = objects_of(&batch, ObjectType::Deployment);
    assert_eq!(deployments.len(), 8);
    for item in recorded.as_array().unwrap() {
        let id = format!("gitlab:{PROJECT}/deployments/{}", item["id"]);
        let pipeline = format!(
            "gitlab:{PROJECT}/pipelines/{}",
            item["deployable"]["pipeline"]["id"]
        );
        assert_eq!(linked(&batch, &id, "run_by"), [pipeline.as_str()], "{id}");
        assert_eq!(object(&batch, &pipeline).kind, ObjectType::PipelineRun);
        assert_eq!(
            linked(&batch, &id, "deploys"),
            [format!("git:{}", item["sha"].as_str().unwrap())]
        );
        let environment = attribute(&object(&batch, &id).attributes, "environment");
        assert_eq!(environment, item["environment"]["name"].as_str());
    }
    // Started when the job started, finished (success, failed, canceled) when last updated.
    let first = &recorded[0];
    let started = &events_of(&batch, EventType::DeploymentStarted)[0];
    assert_eq!(started.time, time_of(&first["deployable"], "started_at"));
    assert_eq!(
        attribute(&started.attributes, "environment"),
        Some("staging")
    );
    let finished: Vec<&str> = events_of(&batch, EventType::DeploymentFinished)
        .iter()
        .filter_map(|e| attribute(&e.attributes, "status"))
        .collect();
    assert_eq!(finished, ["success", "failed", "canceled"]);
    // The deployed commit comes with its times.
    let commit = format!("git:{}", first["sha"].as_str().unwrap());
    let event = |what: &str| {
        let id = format!("{commit}/{what}");
        batch.events.iter().find(|e| e.id == id).unwrap()
    };
    let recorded = &first["deployable"]["commit"];
    assert_eq!(event("authored").time, time_of(recorded, "authored_date"));
    // Its committed event names the committer (`committer_name`), as git's does.
    let committed = event("committed");
    assert_eq!(
        attribute(&committed.attributes, "committer"),
        recorded["committer_name"].as_str()
    );
    assert_eq!(attribute(&committed.attributes, "author"), None);
}

#[test]
fn the_recorded_deployments_predate_every_merge_request() {
    let (batch, _) = gitlab::from_dir(&recorded("gitlab"), PROJECT).unwrap();
    let deployed: Vec<&str> = batch
        .relations
        .iter()
        .filter(|r| r.qualifier == "deploys")
        .map(|r| r.target.as_str())
        .collect();
    let in_requests = batch
        .relations
        .iter()
        .filter(|r| matches!(r.qualifier.as_str(), "contains" | "merged_as"))
        .filter(|r| deployed.contains(&r.target.as_str()));
    assert_eq!(in_requests.count(), 0);
}

#[test]
fn pipelines_finish_when_their_status_is_final() {
    let parsed = gitlab::pipelines(&page("gitlab/pipeline/page-001.json"), PROJECT).unwrap();
    let batch = parsed.batch;
    assert_eq!(objects_of(&batch, ObjectType::PipelineRun).len(), 29);
    assert_eq!(events_of(&batch, EventType::PipelineQueued).len(), 29);
    let conclusions = tally(
        &events_of(&batch, EventType::PipelineFinished),
        "conclusion",
    );
    assert_eq!(
        conclusions,
        BTreeMap::from([
            ("cancelled", 1),
            ("failure", 17),
            ("skipped", 1),
            ("success", 1)
        ])
    );
}
