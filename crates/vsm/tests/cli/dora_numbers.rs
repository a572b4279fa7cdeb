//! `vsm dora`'s numbers on the real ants data checked against what git and GitHub's JSON say,
//! derived here without vsm: the changes the first release shipped, and the pull requests
//! merged through a merge commit whose commit list the recorded data lacks (#13, #14, #15,
//! #19), which were counted again as nine changes of their own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::dora::git;
use crate::repo_root;
use crate::store_log::fetched;

/// The JSON of a recorded file under testdata/api.
fn recorded(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(repo_root().join("testdata/api").join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Each merged pull request's number, merge commit and `contains` commits (its commits page,
/// when the recorded data has one).
fn merged_pull_requests() -> BTreeMap<u64, (String, Vec<String>)> {
    let pages = recorded("api-pages.json");
    let commits_page = |number: u64| {
        let wanted = format!("/pulls/{number}/commits");
        pages
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["request"].as_str().unwrap().contains(&wanted))
            .map(|p| p["file"].as_str().unwrap().to_string())
    };
    recorded("github/pull_requests/page-001.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["merged_at"].is_null())
        .map(|p| {
            let number = p["number"].as_u64().unwrap();
            let commits = commits_page(number)
                .map(|page| {
                    recorded(&page)
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["sha"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            let merge = p["merge_commit_sha"].as_str().unwrap().to_string();
            (number, (merge, commits))
        })
        .collect()
}

/// `vsm dora --releases-as-deployments --from FROM --to TO EXTRA` in `dir`: its JSON.
fn releases(dir: &Path, from: &str, to: &str, extra: &[&str]) -> serde_json::Value {
    let window = [
        "dora",
        "--releases-as-deployments",
        "--from",
        from,
        "--to",
        to,
    ];
    crate::json_ok_in(dir, &[&window[..], extra].concat())
}

/// `git rev-list ARGS`: the hashes.
fn rev_list(clone: &Path, args: &[&str]) -> BTreeSet<String> {
    git(clone, &[&["rev-list"][..], args].concat())
        .lines()
        .map(str::to_string)
        .collect()
}

/// Whether the clone has the commit.
fn in_history(clone: &Path, sha: &str) -> bool {
    std::process::Command::new("git")
        .args(["cat-file", "-e", &format!("{sha}^{{commit}}")])
        .current_dir(clone)
        .status()
        .unwrap()
        .success()
}

/// Author time of a commit, in seconds.
fn authored(clone: &Path, sha: &str) -> i64 {
    git(clone, &["log", "-1", "--format=%at", sha])
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_merge_commits_branch_is_its_pull_requests_change_and_the_first_release_ships_what_git_says() {
    let dir = fetched(None);
    let clone = dir.path().join("ants");
    // Up to v1.0.0 (2019-04-14), the first tag: it releases the whole history before it.
    let json = releases(
        dir.path(),
        "2018-01-01",
        "2019-05-01",
        &["--explain", "lead-time"],
    );
    assert_eq!(json["overall"]["deployments"], 1, "{}", json["overall"]);
    let tag = "git:ants/tag/v1.0.0";
    let tagged: i64 = git(&clone, &["log", "-1", "--format=%ct", "v1.0.0"])
        .trim()
        .parse()
        .unwrap();

    // From git and GitHub's JSON: a merged pull request holds its commit list, its merge
    // commit and what its merge commit brought in (`git rev-list M^2 --not M^1`).
    let released = rev_list(&clone, &["v1.0.0"]);
    let mut held: BTreeSet<String> = BTreeSet::new();
    let mut branch_of: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for (&number, (merge, commits)) in &merged_pull_requests() {
        held.insert(merge.clone());
        held.extend(commits.iter().cloned());
        // Some merge commits are not in the bundle's history (#41's, rebased).
        if !in_history(&clone, merge) {
            continue;
        }
        let parents = git(&clone, &["rev-list", "--parents", "-n1", merge]);
        if parents.split_whitespace().count() == 3 {
            let branch = rev_list(
                &clone,
                &[&format!("{merge}^2"), "--not", &format!("{merge}^1")],
            );
            held.extend(branch.iter().cloned());
            branch_of.insert(number, branch);
        }
    }
    let mut expected: BTreeSet<String> = released
        .iter()
        .filter(|c| !held.contains(*c))
        .map(|c| format!("git:{c}"))
        .collect();
    for (&number, (merge, commits)) in &merged_pull_requests() {
        let branch = branch_of.get(&number).into_iter().flatten();
        if released.contains(merge) || commits.iter().chain(branch).any(|c| released.contains(c)) {
            expected.insert(format!("github:panjf2000/ants/pull/{number}"));
        }
    }
    let changes = json["explain"]["changes"].as_array().unwrap();
    let shipped: BTreeSet<String> = changes
        .iter()
        .filter(|c| c["deployment"] == tag)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let counted: Vec<_> = shipped.difference(&expected).collect();
    let missing: Vec<_> = expected.difference(&shipped).collect();
    assert!(
        counted.is_empty() && missing.is_empty(),
        "v1.0.0's changes, as vsm counts them and not git: {counted:?}; as git and not vsm: \
         {missing:?}"
    );
    assert_eq!(json["overall"]["lead_time"]["count"], expected.len());

    // The four pull requests the recorded data has no commit list for: each is one change,
    // from the first commit of its branch (#19's at 02:57:53 UTC) to the tag.
    let pages = recorded("api-pages.json").to_string();
    for number in [13, 14, 15, 19] {
        assert!(
            !pages.contains(&format!("/pulls/{number}/commits")),
            "#{number}"
        );
        let branch = &branch_of[&number];
        let first = branch.iter().map(|c| authored(&clone, c)).min().unwrap();
        let id = format!("github:panjf2000/ants/pull/{number}");
        let change = changes.iter().find(|c| c["id"] == id.as_str()).unwrap();
        assert_eq!(
            change["first_commit"].as_str().unwrap(),
            jiff::Timestamp::from_second(first).unwrap().to_string(),
            "{change}"
        );
        assert_eq!(
            change["lead_time"].as_f64().unwrap(),
            (tagged - first) as f64
        );
        for commit in branch {
            assert!(
                !shipped.contains(&format!("git:{commit}")),
                "#{number}: {commit}"
            );
        }
    }
    let nineteen = changes
        .iter()
        .find(|c| c["id"] == "github:panjf2000/ants/pull/19")
        .unwrap();
    assert_eq!(nineteen["first_commit"], "2018-11-19T02:57:53Z");
    let phantoms: usize = [13, 14, 15, 19].iter().map(|n| branch_of[n].len()).sum();
    assert_eq!(
        phantoms, 9,
        "the nine commits once counted as changes of their own"
    );

    // v1.0.0 is rework because it ships #19, whose branch (not its title) says hotfix.
    let pulls = recorded("github/pull_requests/page-001.json");
    let nineteen = pulls
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 19)
        .unwrap();
    let json = releases(
        dir.path(),
        "2019-04-01",
        "2019-05-01",
        &["--explain", "rework-rate"],
    );
    assert_eq!(
        json["explain"]["deployments"][0]["rework"]
            .as_str()
            .unwrap(),
        format!(
            "it ships `{}` (`github:panjf2000/ants/pull/19`), whose branch `{}` says it is a \
             hotfix",
            nineteen["title"].as_str().unwrap(),
            nineteen["head"]["ref"].as_str().unwrap()
        )
    );

    // Changes merged in 2018: the pull requests merged then and the commits committed then
    // that no pull request holds.
    let json = releases(dir.path(), "2018-01-01", "2019-01-01", &[]);
    let year = |seconds: i64| (1_514_764_800..1_546_300_800).contains(&seconds);
    let commits = git(&clone, &["log", "--all", "--format=%H %ct"])
        .lines()
        .filter(|line| {
            let (sha, committed) = line.split_once(' ').unwrap();
            !held.contains(sha) && year(committed.parse().unwrap())
        })
        .count();
    // By number: the recorded page lists #4 twice, as GitHub's paging can.
    let pulls = recorded("github/pull_requests/page-001.json")
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["merged_at"]
                .as_str()
                .is_some_and(|at| at.starts_with("2018"))
        })
        .map(|p| p["number"].as_u64().unwrap())
        .collect::<BTreeSet<u64>>()
        .len();
    assert_eq!(
        json["coverage"]["changes_merged"],
        commits + pulls,
        "{}",
        json["coverage"]
    );
}

/// Recovery time over the ants deployments from a file: the failed deployment 2 (2h to
/// deployment 3), INC-1 (4h) and INC-2 (1h), both after deployment 3; INC-3, fifteen days after
/// any deployment, is attributed to none; INC-4 names a service no deployment has.
const INCIDENTS: &str = "id,started,resolved,service\n\
    INC-1,2024-03-06T09:00:00Z,2024-03-06T13:00:00Z,\n\
    INC-2,2024-03-07T09:00:00Z,2024-03-07T10:00:00Z,ants\n\
    INC-3,2024-03-20T09:00:00Z,2024-03-20T09:30:00Z,\n\
    INC-4,2024-03-08T09:00:00Z,2024-03-08T09:10:00Z,antz\n";

#[test]
fn recovery_time_is_over_the_same_failures_in_text_json_markdown_and_the_snapshot() {
    let dir = crate::dora::fetched_with_deployments();
    std::fs::write(dir.path().join("incidents.csv"), INCIDENTS).unwrap();
    std::fs::write(
        dir.path().join("vsm.yaml"),
        "name: Ants\nsteps:\n  - { id: build, process_time: 1h }\ndora: { incidents: incidents.csv, period: month }\ntargets:\n  recovery_time: { max: 3h }\n",
    )
    .unwrap();
    let march = [
        "--map",
        "vsm.yaml",
        "--from",
        "2024-03-01",
        "--to",
        "2024-04-01",
    ];
    let json = crate::json_ok_in(dir.path(), &[&["dora"][..], &march].concat());
    let overall = &json["overall"];
    let ants = &json["services"][0];
    assert_eq!(ants["service"], "ants");
    // The median of 1h, 2h and 4h: the same for the service, all services and the month.
    assert_eq!(overall["recovery_time"]["count"], 3, "{overall}");
    assert_eq!(overall["recovery_time"]["median"], 7200.0);
    assert_eq!(ants["total"]["recovery_time"], overall["recovery_time"]);
    assert_eq!(
        ants["periods"][0]["recovery_time"],
        overall["recovery_time"]
    );
    assert_eq!(overall["incidents_attributed"], 2);
    // INC-3 and INC-4 (whose service no deployment has: it was in no count, and the coverage
    // said 2 of 3) are unattributed.
    assert_eq!(overall["incidents_unattributed"], 2);
    assert_eq!(
        (
            &json["coverage"]["incidents"],
            &json["coverage"]["incidents_attributed"]
        ),
        (&4.into(), &2.into())
    );
    // INC-4 is left out with the name it gave, never moved to `ants`.
    let left_out = json["left_out"].as_array().unwrap();
    let unknown = left_out.iter().find(|l| l["what"] == "incident").unwrap();
    assert_eq!(unknown["example"], "incident:INC-4");
    assert!(
        unknown["reason"].as_str().unwrap().starts_with(
            "its service `antz` is the service of no production deployment (did you mean `panjf2000/ants`?"
        ),
        "{unknown}"
    );

    // `--explain recovery-time` lists INC-4 with its reason.
    let explained = crate::json_ok_in(
        dir.path(),
        &[&["dora", "--explain", "recovery-time"][..], &march].concat(),
    );
    let inc4 = explained["explain"]["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "incident:INC-4")
        .unwrap_or_else(|| panic!("{explained}"));
    assert!(
        inc4["unattributed"]
            .as_str()
            .unwrap()
            .starts_with("its service `antz` is the service of no production deployment"),
        "{inc4}"
    );

    let line = "recovery time          median 2h, p85 4h (3 failures: 1 failed deployment, 2 \
                incidents attributed to a deployment; 0 unrecovered)";
    let coverage = "0 of 3 incidents are attributed to a deployment";
    let text = crate::stdout(&crate::vsm_ok_in(
        dir.path(),
        &[&["dora"][..], &march].concat(),
    ));
    assert!(text.contains(line), "{text}");
    assert!(
        text.contains(
            "2 of 4 incidents are attributed to a deployment (unattributed ones count in no \
             change failure rate or recovery time)"
        ),
        "{text}"
    );
    assert!(!text.contains(coverage));
    let markdown = crate::stdout(&crate::vsm_ok_in(
        dir.path(),
        &[&["dora", "--format", "markdown"][..], &march].concat(),
    ));
    assert!(markdown.contains(line), "{markdown}");
    // INC-3 (of no service, attributed to no deployment) and INC-4 (of `antz`) are in all
    // services' figures only:
    // JSON's `overall` counted it and the text said nothing of it. Both say it now.
    assert_eq!(ants["total"]["incidents_unattributed"], 0);
    let all = "All services";
    let not_counted = "0 unrecovered; 2 unattributed incidents not counted)";
    for shown in [&text, &markdown] {
        let after = &shown[shown.find(all).unwrap_or_else(|| panic!("{shown}"))..];
        assert!(after.contains(not_counted), "{shown}");
    }
    // The snapshot of April 2nd keeps March's figures: the same median, and the target holds.
    crate::vsm_ok_in(
        dir.path(),
        &["snapshot", "vsm.yaml", "--at", "2024-04-02T00:00:00Z"],
    );
    let trend = crate::json_ok_in(
        dir.path(),
        &["trend", "vsm.yaml", "--metric", "dora.recovery_time.p50"],
    );
    let values = trend["metrics"]["dora.recovery_time.p50"]["values"]
        .as_array()
        .unwrap();
    assert_eq!(values.last().unwrap().as_f64(), Some(7200.0), "{trend}");
    let check = crate::stdout(&crate::vsm_ok_in(dir.path(), &["check", "vsm.yaml"]));
    assert!(
        check.contains("ok   recovery_time: 2h, at most 3h"),
        "{check}"
    );
}

/// A pull request's pickup ends at its first review by someone other than its author: the
/// author's own comments on #41 (choleraehyq, 09:05) came before panjf2000's first review
/// (09:19:55), and pickup was 20435 s instead of 21328 s.
#[test]
fn the_first_review_is_the_first_by_someone_other_than_the_author() {
    let dir = fetched(None);
    let json = releases(
        dir.path(),
        "2019-08-01",
        "2019-09-01",
        &["--explain", "lead-time"],
    );
    let pull = recorded("github/pull_requests/page-001.json")
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 41)
        .unwrap()
        .clone();
    let author = pull["user"]["login"].as_str().unwrap();
    let reviews = recorded("github/pull_request_reviews/page-001.json");
    let by_others: Vec<jiff::Timestamp> = reviews
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["user"]["login"].as_str() != Some(author))
        .map(|r| r["submitted_at"].as_str().unwrap().parse().unwrap())
        .collect();
    let first = *by_others.iter().min().unwrap();
    let opened: jiff::Timestamp = pull["created_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(first.as_second() - opened.as_second(), 21328);
    let change = json["explain"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "github:panjf2000/ants/pull/41")
        .unwrap();
    assert_eq!(change["first_review"], first.to_string(), "{change}");
}
