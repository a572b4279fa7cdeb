//! Each known failure of other DORA tools, as a small delivery built here.

use jiff::Timestamp;

use super::*;

/// Hours after Monday 2024-01-01 00:00 UTC.
pub(super) fn at(hours: i64) -> Timestamp {
    Timestamp::from_second(1_704_067_200 + hours * 3600).unwrap()
}

pub(super) fn hours(n: u64) -> Duration {
    Duration::from_hours(n)
}

pub(super) fn deployment(
    id: &str,
    environment: &str,
    status: &str,
    hour: i64,
    shipped: &[&str],
) -> Deployment {
    Deployment {
        id: id.into(),
        service: "shop".into(),
        environment: environment.into(),
        status: Some(status.into()),
        started: at(hour),
        finished: None,
        shipped: shipped.iter().map(ToString::to_string).collect(),
        change_set_known: true,
        deploys: shipped.iter().map(ToString::to_string).collect(),
        release: false,
    }
}

pub(super) fn commit(id: &str, title: &str, hour: i64) -> Commit {
    Commit {
        id: id.into(),
        service: Some("shop".into()),
        title: title.into(),
        authored: Some(at(hour)),
        committed: Some(at(hour)),
        in_history: true,
        parents: Vec::new(),
    }
}

pub(super) fn pull(
    id: &str,
    commits: &[&str],
    opened: i64,
    merged: i64,
    merge_commit: &str,
) -> PullRequest {
    PullRequest {
        id: id.into(),
        service: Some("shop".into()),
        title: id.into(),
        opened: Some(at(opened)),
        merged: Some(at(merged)),
        merge_commit: Some(merge_commit.into()),
        commits: commits.iter().map(ToString::to_string).collect(),
        ..PullRequest::default()
    }
}

pub(super) fn incident(id: &str, hour: i64, resolved: i64) -> Issue {
    Issue {
        id: id.into(),
        labels: vec!["Incident".into()],
        created: Some(at(hour)),
        resolved: Some(at(resolved)),
        ..Issue::default()
    }
}

/// Two weeks from the Monday.
pub(super) fn window() -> Window {
    Window {
        from: at(0),
        to: at(14 * 24),
        period: Period::Week,
        service: None,
    }
}

pub(super) fn run(delivery: &Delivery) -> Report {
    report(delivery, &Config::default(), &window())
}

#[test]
fn change_failure_rate_counts_deployments_not_incidents() {
    let delivery = Delivery {
        deployments: vec![
            deployment("d1", "production", "success", 10, &[]),
            deployment("d2", "production", "success", 30, &[]),
            deployment("d3", "production", "success", 50, &[]),
            deployment("d4", "production", "success", 70, &[]),
        ],
        // Three incidents after one deployment: one failed deployment of four, not three
        // failures (nor three incidents over some other count).
        issues: vec![
            incident("i1", 31, 33),
            incident("i2", 32, 34),
            incident("i3", 40, 41),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.overall.production_deployments, 4);
    assert_eq!(report.overall.deployments_with_failures, 1);
    assert_eq!(report.overall.change_failure_rate, Some(0.25));
    assert_eq!(report.deployments[1].failures, ["i1", "i2", "i3"]);
    // Recovery per incident: 2h, 2h, 1h.
    assert_eq!(report.overall.recovery.count, 3);
    assert_eq!(report.overall.recovery.p50, hours(2));
    assert_eq!(report.coverage.incidents_attributed, 3);
}

#[test]
fn a_deployment_with_no_new_changes_counts_and_adds_no_lead_time() {
    let delivery = Delivery {
        commits: vec![commit("c1", "feature", 0)],
        deployments: vec![
            deployment("d1", "production", "success", 10, &["c1"]),
            // A redeploy of the same commit: nothing new shipped.
            deployment("d2", "production", "success", 20, &[]),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.overall.deployments, 2);
    assert_eq!(report.overall.lead_time.count, 1);
    assert_eq!(report.overall.lead_time.p50, hours(10));
    assert_eq!(report.deployments[1].changes, 0);
}

#[test]
fn a_squash_merged_pull_request_is_followed_through_its_merge_commit() {
    // The branch's commits a and b are in no deployment: the squash commit s is.
    let delivery = Delivery {
        commits: vec![
            commit("a", "start", 0),
            commit("b", "finish", 5),
            commit("s", "feature (#1)", 20),
        ],
        pull_requests: vec![pull("pr1", &["a", "b"], 6, 20, "s")],
        deployments: vec![deployment("d1", "production", "success", 30, &["s"])],
        ..Delivery::default()
    };
    let report = run(&delivery);
    let change = &report.changes[0];
    assert_eq!(
        (change.id.as_str(), change.via),
        ("pr1", Some(Via::MergeCommit))
    );
    // From a's author time, not the squash commit's.
    assert_eq!(change.lead_time, Some(hours(30)));
    assert_eq!(report.changes.len(), 1, "{:?}", report.changes);
    assert_eq!(report.overall.coding.p50, hours(6));
    assert_eq!(report.overall.deploy.p50, hours(10));
}

#[test]
fn a_rebase_merged_pull_request_is_followed_through_its_rebased_commits() {
    // Rebasing copies a and b as a2 and b2 (same author time and title); GitHub's merge
    // commit is the last copy, b2. A deployment of a2 alone still deploys the pull request.
    let copy = |id: &str, of: &Commit| Commit {
        id: id.into(),
        committed: Some(at(20)),
        ..of.clone()
    };
    let a = commit("a", "start", 0);
    let b = commit("b", "finish", 5);
    let delivery = Delivery {
        commits: vec![copy("a2", &a), copy("b2", &b), a, b],
        pull_requests: vec![pull("pr1", &["a", "b"], 6, 20, "b2")],
        deployments: vec![
            deployment("d1", "production", "success", 25, &["a2"]),
            deployment("d2", "production", "success", 30, &["b2"]),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.changes.len(), 1, "{:?}", report.changes);
    let change = &report.changes[0];
    assert_eq!(change.via, Some(Via::RebasedCopy));
    assert_eq!(change.deployment.as_deref(), Some("d1"));
    assert_eq!(change.lead_time, Some(hours(25)));
}

#[test]
fn two_production_environments_both_count_and_a_change_ships_once() {
    let delivery = Delivery {
        commits: vec![commit("c1", "feature", 0)],
        deployments: vec![
            deployment("eu", "prod-eu", "success", 10, &["c1"]),
            deployment("us", "prod-us", "success", 12, &["c1"]),
            deployment("st", "staging", "success", 5, &["c1"]),
        ],
        ..Delivery::default()
    };
    let config = Config {
        production: vec!["prod-*".into()],
        ..Config::default()
    };
    let report = report(&delivery, &config, &window());
    assert_eq!(report.overall.deployments, 2);
    // Staging's earlier deployment is not production; the first production one is.
    assert_eq!(report.overall.lead_time.count, 1);
    assert_eq!(report.overall.lead_time.p50, hours(10));
    let staging = &report.left_out[0];
    assert_eq!(
        (staging.reason.as_str(), staging.count),
        ("its environment `staging` is not production", 1)
    );
}

#[test]
fn an_incident_outside_the_attribution_window_is_not_a_failure() {
    let delivery = Delivery {
        deployments: vec![deployment("d1", "production", "success", 0, &[])],
        // Eight days later, with a seven-day window.
        issues: vec![incident("late", 8 * 24, 8 * 24 + 1)],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.overall.deployments_with_failures, 0);
    assert_eq!(report.overall.change_failure_rate, Some(0.0));
    assert_eq!(report.coverage.incidents, 1);
    assert_eq!(report.coverage.incidents_attributed, 0);
    assert_eq!(
        report.incidents[0].unattributed.as_deref(),
        Some("no successful production deployment in the 7d before it started")
    );
}

#[test]
fn a_pull_request_merged_and_never_deployed_is_in_coverage_not_in_lead_time() {
    let delivery = Delivery {
        commits: vec![
            commit("a", "one", 0),
            commit("m1", "merge", 10),
            commit("b", "two", 20),
            commit("m2", "merge", 30),
        ],
        pull_requests: vec![
            pull("pr1", &["a"], 1, 10, "m1"),
            pull("pr2", &["b"], 21, 30, "m2"),
        ],
        deployments: vec![deployment("d1", "production", "success", 15, &["a", "m1"])],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.overall.lead_time.count, 1);
    assert_eq!(
        (
            report.coverage.changes_merged,
            report.coverage.changes_deployed
        ),
        (2, 1)
    );
    let waiting = &report.changes[1];
    assert_eq!(waiting.id, "pr2");
    assert_eq!(
        waiting.not_deployed.as_deref(),
        Some("no successful production deployment has shipped it")
    );
}

#[test]
fn a_failed_deployment_fails_recovers_at_the_next_success_which_is_rework() {
    let delivery = Delivery {
        commits: vec![commit("c1", "feature", 0), commit("c2", "fix", 12)],
        deployments: vec![
            deployment("bad", "production", "failure", 10, &[]),
            deployment("good", "production", "success", 13, &["c1", "c2"]),
            deployment("later", "production", "success", 40, &[]),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.overall.deployments, 2);
    assert_eq!(report.overall.production_deployments, 3);
    assert_eq!(report.overall.deployments_with_failures, 1);
    assert_eq!(report.overall.recovery.p50, hours(3));
    assert_eq!(report.overall.rework, 1);
    assert_eq!(report.overall.rework_rate, Some(0.5));
    assert_eq!(report.deployments[0].restored_by.as_deref(), Some("good"));
    // A failed deployment ships nothing: c1's lead time runs to the success.
    assert_eq!(report.overall.lead_time.p85, hours(13));
}

#[test]
fn periods_split_the_window_and_each_has_its_bucket() {
    let delivery = Delivery {
        deployments: (0..10)
            .map(|n| deployment(&format!("d{n}"), "production", "success", n * 3, &[]))
            .collect(),
        ..Delivery::default()
    };
    let report = run(&delivery);
    let shop = &report.services[0];
    assert_eq!(shop.periods.len(), 2);
    assert_eq!(shop.periods[0].figures.deployments, 10);
    assert_eq!(shop.periods[0].figures.bucket, Some(Bucket::OnDemand));
    assert_eq!(shop.periods[1].figures.deployments, 0);
    assert_eq!(shop.total.bucket, Some(Bucket::Daily));
    assert_eq!(shop.periods[1].start.to_string(), "2024-01-08");
}

#[test]
fn buckets_follow_the_written_thresholds() {
    assert_eq!(Bucket::of(8, 7.0), Some(Bucket::OnDemand));
    assert_eq!(Bucket::of(7, 7.0), Some(Bucket::Daily));
    assert_eq!(Bucket::of(1, 7.0), Some(Bucket::Daily));
    assert_eq!(Bucket::of(1, 30.0), Some(Bucket::Weekly));
    assert_eq!(Bucket::of(1, 31.0), Some(Bucket::Monthly));
    assert_eq!(Bucket::of(1, 183.0), Some(Bucket::FewerThanMonthly));
    assert_eq!(Bucket::of(0, 0.0), None);
}

#[test]
fn services_match_by_their_last_path_part() {
    assert!(same_service("ants", "panjf2000/ants"));
    assert!(same_service("panjf2000/ants", "ants"));
    assert!(!same_service("ants", "pants"));
}

#[test]
fn failed_deployments_off_leaves_them_out_of_the_rate_and_says_so() {
    let delivery = Delivery {
        deployments: vec![
            deployment("d1", "production", "success", 10, &[]),
            deployment("d2", "production", "failure", 20, &[]),
        ],
        ..Delivery::default()
    };
    let config = Config {
        failed_deployments: false,
        ..Config::default()
    };
    let report = report(&delivery, &config, &window());
    assert_eq!(report.overall.production_deployments, 1);
    assert_eq!(report.overall.change_failure_rate, Some(0.0));
    assert_eq!(report.left_out[0].example, "d2");
    assert!(
        report.left_out[0]
            .reason
            .contains("failed_deployments: false")
    );
}

#[test]
fn an_incident_that_names_its_deployment_is_attributed_to_it_not_to_the_last_one() {
    let named = |id: &str, deployment: &str| Issue {
        id: id.into(),
        created: Some(at(40)),
        incident: true,
        deployment: Some(deployment.into()),
        ..Issue::default()
    };
    let delivery = Delivery {
        deployments: vec![
            deployment("d1", "production", "success", 10, &[]),
            deployment("d2", "production", "success", 30, &[]),
        ],
        // No label: an incidents file's rows are incidents whatever they say.
        issues: vec![named("i1", "d1"), named("i2", "d9")],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.deployments[0].failures, ["i1"]);
    assert!(report.deployments[1].failures.is_empty());
    assert_eq!(
        report.incidents[1].unattributed.as_deref(),
        Some("its deployment `d9` is no production deployment of the store")
    );
}

#[test]
fn statuses_read_in_the_words_ci_tools_use_and_others_are_left_out_by_name() {
    let delivery = Delivery {
        deployments: vec![
            deployment("d1", "production", "Completed", 10, &[]),
            deployment("d2", "production", "deployed", 20, &[]),
            deployment("d3", "production", "ERRORED", 30, &[]),
            deployment("d4", "production", "undeployed", 40, &[]),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.overall.production_deployments, 3);
    assert_eq!(report.overall.deployments_with_failures, 1);
    let reasons: Vec<&str> = report.left_out.iter().map(|l| l.reason.as_str()).collect();
    assert_eq!(
        reasons,
        ["its status `undeployed` is neither success nor failure"]
    );
}
