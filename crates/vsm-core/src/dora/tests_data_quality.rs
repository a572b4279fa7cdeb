//! Wrong numbers found on real data, each as a small delivery built here: a merge commit's
//! branch counted again as separate changes, commits of a pull request closed unmerged that
//! reached the history dropped, recovery over different failures per service and overall, an
//! incident moved to another service, a lead time of zero for a deployment before its first
//! commit, and a rework reason naming what did not decide it.

use super::tests::{at, commit, deployment, hours, incident, pull, run};
use super::*;

/// A commit of `shop` with its parents.
fn child(id: &str, title: &str, hour: i64, parents: &[&str]) -> Commit {
    Commit {
        parents: parents.iter().map(ToString::to_string).collect(),
        ..commit(id, title, hour)
    }
}

#[test]
fn a_pull_request_merged_through_a_merge_commit_without_its_commit_list_is_one_change() {
    // o ─────────── m        pr1's merge commit m brought in b1 and b2; the store has no
    //  ╲ b1 ─ b2 ─╱          `contains` links for pr1 (as for ants #13, #14, #15 and #19).
    let delivery = Delivery {
        commits: vec![
            child("o", "start", 0, &[]),
            child("b1", "one", 2, &["o"]),
            child("b2", "two", 4, &["b1"]),
            child("m", "Merge pull request #1", 10, &["o", "b2"]),
        ],
        pull_requests: vec![pull("pr1", &[], 5, 10, "m")],
        deployments: vec![
            deployment("d0", "production", "success", 1, &["o"]),
            deployment("d1", "production", "success", 20, &["b1", "b2", "m"]),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    let shipped: Vec<&str> = report
        .changes
        .iter()
        .filter(|c| c.deployment.as_deref() == Some("d1"))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(
        shipped,
        ["pr1"],
        "b1 and b2 are pr1's, not changes of their own"
    );
    let change = &report.changes[1];
    // From b1, the branch's first commit, not the opening (5) nor the merge (10).
    assert_eq!(change.first_commit, at(2));
    assert_eq!(change.lead_time, Some(hours(18)));
    assert_eq!(report.overall.coding.p50, hours(3));
    assert_eq!(report.deployments[1].changes, 1);
    assert_eq!(report.coverage.changes_merged, 2, "o and pr1");
}

#[test]
fn commits_of_a_pull_request_closed_unmerged_that_reached_the_history_are_changes() {
    // pr1 was closed without a merge, but a and b reached the mainline by hand (ants #11's
    // fourteen commits did); c, only on its branch, is in no history and is no change.
    let closed = PullRequest {
        merged: None,
        merge_commit: None,
        ..pull("pr1", &["a", "b", "c"], 1, 2, "")
    };
    let delivery = Delivery {
        commits: vec![
            commit("a", "one", 0),
            commit("b", "two", 1),
            Commit {
                in_history: false,
                ..commit("c", "three", 1)
            },
        ],
        pull_requests: vec![closed],
        deployments: vec![deployment("d1", "production", "success", 10, &["a", "b"])],
        ..Delivery::default()
    };
    let report = run(&delivery);
    let ids: Vec<&str> = report.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(report.overall.lead_time.count, 2);
}

#[test]
fn recovery_is_over_the_same_failures_for_each_service_and_for_all() {
    let window = Window {
        from: at(0),
        to: at(14 * 24),
        period: Period::Week,
        service: None,
    };
    let delivery = Delivery {
        deployments: vec![
            // Before the window: its incident in the window is still a failure of `shop`.
            deployment("d0", "production", "success", -10, &[]),
            deployment("d1", "production", "success", 30, &[]),
        ],
        issues: vec![
            incident("early", 2, 6),
            incident("after-d1", 31, 33),
            // Nine days after d1, past the seven-day window: attributed to no deployment.
            incident("late", 30 + 9 * 24, 30 + 9 * 24 + 1),
        ],
        ..Delivery::default()
    };
    let report = report(&delivery, &Config::default(), &window);
    let shop = &report.services[0];
    assert_eq!(report.services.len(), 1);
    assert_eq!(report.overall.recovery, shop.total.recovery);
    assert_eq!(
        report.overall.recovery.count, 2,
        "4h and 2h, not the unattributed 1h"
    );
    assert_eq!(report.overall.recovery.p50, hours(2));
    assert_eq!(report.overall.incidents_attributed, 2);
    assert_eq!(report.overall.incidents_unattributed, 1);
    assert_eq!(shop.periods[0].figures.recovery.count, 2);
    assert_eq!(shop.periods[1].figures.recovery.count, 0);
    // Over the first day alone no deployment happened, but the incident of d0 did: `shop` is
    // listed with it, as all services' figures have it.
    let day = Window {
        to: at(24),
        period: Period::Day,
        ..window
    };
    let report = super::report(&delivery, &Config::default(), &day);
    assert_eq!(report.services.len(), 1, "{:?}", report.services);
    assert_eq!(report.services[0].total.recovery, report.overall.recovery);
    assert_eq!(report.overall.recovery.p50, hours(4));
}

#[test]
fn an_incident_of_a_service_no_deployment_has_is_left_out_and_named_not_moved() {
    let of = |id: &str, service: Option<&str>, deployment: Option<&str>| Issue {
        service: service.map(Into::into),
        deployment: deployment.map(Into::into),
        ..incident(id, 12, 13)
    };
    let delivery = Delivery {
        deployments: vec![deployment("d1", "production", "success", 10, &[])],
        issues: vec![
            of("typo", Some("shpo"), None),
            of("named", Some("other"), Some("d1")),
            of("anywhere", None, None),
            of("shop", Some("org/shop"), None),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.deployments[0].failures, ["anywhere", "shop"]);
    let ids: Vec<&str> = report.incidents.iter().map(|i| i.id.as_str()).collect();
    // `typo` is still one of the window's incidents, unattributed with its reason: the
    // coverage counts it (it said 1 of 3 attributed).
    assert_eq!(ids, ["typo", "named", "anywhere", "shop"]);
    assert_eq!(
        (
            report.coverage.incidents,
            report.coverage.incidents_attributed
        ),
        (4, 2)
    );
    assert!(
        report.incidents[0]
            .unattributed
            .as_deref()
            .is_some_and(|why| why.starts_with("its service `shpo` is the service of no")),
        "{:?}",
        report.incidents[0]
    );
    assert_eq!(
        report.incidents[1].unattributed.as_deref(),
        Some("its deployment `d1` is of the service `shop`, not of its service `other`")
    );
    let left = &report.left_out[0];
    assert_eq!((left.what.as_str(), left.count), ("incident", 1));
    assert_eq!(left.example, "typo");
    assert_eq!(
        left.reason,
        "its service `shpo` is the service of no production deployment (did you mean `shop`? \
         the services of production deployments are `shop`); correct the name, or list it \
         among a service's repositories in the map's `dora: services:`"
    );
}

#[test]
fn a_change_deployed_before_its_first_commit_has_no_lead_time_and_is_left_out() {
    let delivery = Delivery {
        // c1's author time is after the deployment that shipped it: bad data, not a lead time
        // of zero.
        commits: vec![commit("c0", "good", 0), commit("c1", "skewed", 20)],
        deployments: vec![deployment("d1", "production", "success", 10, &["c0", "c1"])],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(report.overall.lead_time.count, 1);
    assert_eq!(report.overall.lead_time.p50, hours(10));
    let skewed = report.changes.iter().find(|c| c.id == "c1").unwrap();
    assert_eq!(skewed.lead_time, None);
    assert_eq!(skewed.deployment.as_deref(), Some("d1"));
    assert!(
        skewed
            .no_lead_time
            .as_deref()
            .is_some_and(|why| why.contains("deployed before its first commit"))
    );
    let left = &report.left_out[0];
    assert_eq!((left.what.as_str(), left.count), ("change", 1));
    assert_eq!(left.example, "c1");
    assert!(left.reason.contains("deployed before its first commit"));
    assert_eq!(
        report.deployments[0].changes, 2,
        "it was shipped all the same"
    );
    let law = report.littles_law.unwrap();
    assert!(
        (law.throughput_per_day - 1.0 / 14.0).abs() < 1e-9,
        "{law:?}"
    );
}

#[test]
fn a_rework_reason_names_and_quotes_what_decided_it() {
    let hotfix = PullRequest {
        title: "Possible memory leak because of Ticker".into(),
        branch: Some("hotfix/tickerStop".into()),
        ..pull("pr1", &["a"], 1, 2, "a")
    };
    let revert = PullRequest {
        title: "Revert \"pool: faster\"".into(),
        branch: Some("main-2".into()),
        ..pull("pr2", &["b"], 11, 12, "b")
    };
    let delivery = Delivery {
        commits: vec![commit("a", "a", 0), commit("b", "b", 10)],
        pull_requests: vec![hotfix, revert],
        deployments: vec![
            deployment("d1", "production", "success", 5, &["a"]),
            deployment("d2", "production", "success", 15, &["b"]),
        ],
        ..Delivery::default()
    };
    let report = run(&delivery);
    assert_eq!(
        report.deployments[0].rework.as_deref(),
        Some(
            "it ships `Possible memory leak because of Ticker` (`pr1`), whose branch \
             `hotfix/tickerStop` says it is a hotfix"
        )
    );
    assert_eq!(
        report.deployments[1].rework.as_deref(),
        Some("it ships `Revert \"pool: faster\"` (`pr2`), whose title says it is a revert")
    );
}
