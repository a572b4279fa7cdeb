//! `vsm fetch git --deployments FILE` on the real history of panjf2000/ants: the commits each
//! deployment first ships, a corrected row, and what a deployments file is told.

use crate::fetch::{ants, counted, dump, git_text, shipped_by};
use crate::{stderr, stdout, vsm_fails_in, vsm_ok_in};

#[test]
fn a_store_whose_only_deployment_failed_says_no_commits_were_first_shipped() {
    // It said "first shipped: 0 of the store's 1 deployments () first shipped 0 commits".
    let (dir, repo) = ants();
    let v211 = git_text(&repo, &["rev-parse", "v2.11.0^{commit}"]);
    std::fs::write(
        dir.path().join("failed.csv"),
        format!(
            "id,environment,status,started,finished,commit\n\
             d2,production,failure,2024-01-02T10:00:00Z,,{v211}\n"
        ),
    )
    .unwrap();
    let said = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "git", "ants", "--deployments", "failed.csv"],
    ));
    assert!(
        said.contains(
            "first shipped: no commits (the store has 1 deployment; none first shipped a commit)\n  deployments whose status is not a success ship nothing: 1 (failure 1)\n"
        ),
        "{said}"
    );
}

#[test]
fn a_deployment_first_ships_its_commit_and_the_ancestors_no_earlier_one_shipped_to_its_environment()
{
    let (dir, repo) = ants();
    let commit = |rev: &str| git_text(&repo, &["rev-parse", &format!("{rev}^{{commit}}")]);
    let count = |range: &str| -> usize {
        git_text(&repo, &["rev-list", "--count", range])
            .parse()
            .unwrap()
    };
    let (v210, v211) = (commit("v2.10.0"), commit("v2.11.0"));
    // Production gets v2.10.0, a failed v2.11.0, then v2.11.0; staging got v2.11.0 first.
    let rows = format!(
        "id,environment,status,started,finished,commit\n\
         d1,production,success,2024-01-01T10:00:00Z,2024-01-01T10:05:00Z,{v210}\n\
         d2,production,failure,2024-01-02T10:00:00Z,,{v211}\n\
         d3,production,success,2024-01-03T10:00:00Z,2024-01-03T10:04:00Z,{v211}\n\
         s1,staging,success,2023-12-31T10:00:00Z,,{}\n",
        &v211[..12]
    );
    std::fs::write(dir.path().join("deploys.csv"), &rows).unwrap();
    let args = ["fetch", "git", "ants", "--deployments", "deploys.csv"];
    let first = stdout(&vsm_ok_in(dir.path(), &args));
    let store = dir.path().join(".vsm/events.sqlite");
    let expected = std::collections::BTreeMap::from([
        ("deploy:ants:production:d1".to_string(), count("v2.10.0")),
        (
            "deploy:ants:production:d3".to_string(),
            count("v2.10.0..v2.11.0"),
        ),
        ("deploy:ants:staging:s1".to_string(), count("v2.11.0")),
    ]);
    // 674, 19 and 693 commits: the failed d2 ships nothing.
    assert_eq!(shipped_by(&store), expected);
    let links: usize = expected.values().sum();
    assert!(
        first.contains(&format!(
            "relation deployed_by         {links:>5}     {links:>4}        0          0        0"
        )),
        "{first}"
    );
    assert!(
        first.contains(&format!(
            "first shipped: 3 of the store's 4 deployments first shipped commits, per environment: production 2 deployments, {all} commits; staging 1 deployment, {all} commits\n  deployments whose status is not a success ship nothing: 1 (failure 1)\n",
            all = count("v2.11.0")
        )),
        "{first}"
    );

    // Again: nothing changes, the links are not added twice.
    let before = dump(&store);
    let again = stdout(&vsm_ok_in(dir.path(), &args));
    assert!(
        again.contains(&format!(
            "relation deployed_by         {links:>5}        0        0       {links:>4}        0"
        )),
        "{again}"
    );
    assert_eq!(dump(&store), before);

    // The same deployments from a file of another name are the same deployments.
    std::fs::write(dir.path().join("renamed.csv"), &rows).unwrap();
    vsm_ok_in(
        dir.path(),
        &["fetch", "git", "ants", "--deployments", "renamed.csv"],
    );
    assert_eq!(shipped_by(&store), expected);
    assert_eq!(
        vsm_events::Store::open(&store)
            .unwrap()
            .deployments()
            .unwrap()
            .len(),
        4
    );

    // An earlier deployment to production, read later, takes the older commits from d1.
    std::fs::write(
        dir.path().join("earlier.csv"),
        format!(
            "id,environment,status,started,finished,commit\n\
             d0,production,success,2023-06-01T10:00:00Z,,{}\n",
            commit("v2.9.0")
        ),
    )
    .unwrap();
    let earlier = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "git", "ants", "--deployments", "earlier.csv"],
    ));
    let shipped = shipped_by(&store);
    assert_eq!(shipped["deploy:ants:production:d0"], count("v2.9.0"));
    assert_eq!(
        shipped["deploy:ants:production:d1"],
        count("v2.9.0..v2.10.0"),
        "{earlier}"
    );
    assert!(
        earlier.contains(&format!(
            "  {} deployed_by links taken away: another deployment shipped those commits first",
            count("v2.9.0")
        )),
        "{earlier}"
    );
    assert_eq!(
        vsm_events::Store::open(&store).unwrap().problems().unwrap(),
        Vec::<String>::new()
    );
}

/// A deployments file corrected (a row's commit changed) replaces the deployment's `deploys`
/// link and its events' commit: before, the deployment deployed both commits.
#[test]
fn a_corrected_deployment_row_replaces_its_commit() {
    let (dir, repo) = ants();
    let head = git_text(&repo, &["rev-parse", "HEAD"]);
    let parent = git_text(&repo, &["rev-parse", "HEAD~1"]);
    let file = dir.path().join("deploys.csv");
    let write = |commit: &str| {
        std::fs::write(
            &file,
            format!("id,environment,status,started,finished,commit\nd1,production,success,2024-01-01T00:00:00Z,2024-01-01T00:10:00Z,{commit}\n"),
        )
        .unwrap();
    };
    let fetch = || {
        vsm_ok_in(
            dir.path(),
            &["fetch", "git", "ants", "--deployments", "deploys.csv"],
        )
    };
    write(&parent);
    fetch();
    write(&head);
    let output = fetch();
    assert_eq!(
        counted(&stdout(&output), "relation deploys"),
        [1, 1, 0, 0, 0, 1]
    );
    let store = dir.path().join(".vsm/events.sqlite");
    let deploys = vsm_events::Store::open(&store)
        .unwrap()
        .relations("deploys")
        .unwrap();
    assert_eq!(
        deploys,
        [(
            "deploy:ants:production:d1".to_string(),
            format!("git:{head}")
        )]
    );
    let dumped = dump(&store);
    let stale: Vec<&str> = dumped
        .lines()
        // (d1 first ships the parent too, as an ancestor of its commit: `deployed_by`.)
        .filter(|l| {
            l.contains("deploy:ants:production:d1")
                && l.contains(&parent)
                && !l.contains("deployed_by")
        })
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
    let before = dump(&store);
    let again = fetch();
    assert!(!stdout(&again).contains("removed"), "{}", stdout(&again));
    assert_eq!(dump(&store), before);
}

/// A deployments file: a 6-character hash is told the 7 it needs (not "the full 40"), a header
/// row alone is said, and `Production` beside `production` is said (two environments).
#[test]
fn a_deployments_file_says_a_short_hash_no_rows_and_an_environment_in_two_spellings() {
    let (dir, repo) = ants();
    let head = git_text(&repo, &["rev-parse", "HEAD"]);
    let parent = git_text(&repo, &["rev-parse", "HEAD~1"]);
    let file = dir.path().join("deploys.csv");
    let header = "id,environment,status,started,finished,commit\n";
    let fetch = || -> Vec<&str> { vec!["fetch", "git", "ants", "--deployments", "deploys.csv"] };
    std::fs::write(
        &file,
        format!(
            "{header}d1,production,success,2024-01-01T00:00:00Z,,{}\n",
            &head[..6]
        ),
    )
    .unwrap();
    let short = vsm_fails_in(dir.path(), &fetch());
    assert!(
        short.contains(&format!(
            "row 2, field `commit`: `{}` is too short to name one commit; give at least 7 characters of the hash",
            &head[..6]
        )),
        "{short}"
    );
    std::fs::write(&file, header).unwrap();
    let empty = vsm_ok_in(dir.path(), &fetch());
    assert!(
        stderr(&empty).contains("the deployments file `deploys.csv` holds no deployments (a header row only, or empty lines): none read"),
        "{}",
        stderr(&empty)
    );
    std::fs::write(
        &file,
        format!("{header}d1,Production,success,2024-01-01T00:00:00Z,,{parent}\nd2,production,success,2024-01-02T00:00:00Z,,{head}\n"),
    )
    .unwrap();
    let spelled = vsm_ok_in(dir.path(), &fetch());
    assert!(
        stderr(&spelled).contains("`deploys.csv` spells one environment in several ways, `Production` (1 row), `production` (1 row): each is an environment of its own"),
        "{}",
        stderr(&spelled)
    );
}

/// A one-commit repository `syn` (folder and name), committed at `time`.
fn one_commit_repository(dir: &std::path::Path, time: &str) -> String {
    let repo = dir.join("syn");
    std::fs::create_dir(&repo).unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=S", "-c", "user.email=s@example.com"])
            .args(args)
            .current_dir(&repo)
            .env("GIT_AUTHOR_DATE", time)
            .env("GIT_COMMITTER_DATE", time)
            .status()
            .unwrap();
        assert!(status.success());
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["commit", "-q", "--allow-empty", "-m", "one"]);
    git_text(&repo, &["rev-parse", "HEAD"])
}

/// Two repositories' deployments files both numbering their rows from 1 fill one store: each
/// keeps its deployments (the id names the repository). It was `deploy:production:1` for both,
/// and the second fetch replaced the first repository's deployment. A store written with the
/// old ids gets the new ones on the next fetch, the old taken away.
#[test]
fn two_repositories_deployments_with_the_same_ids_are_two_and_old_ids_are_replaced() {
    let (dir, repo) = ants();
    let v211 = git_text(&repo, &["rev-parse", "v2.11.0^{commit}"]);
    let syn = one_commit_repository(dir.path(), "2024-01-01T10:00:00Z");
    let header = "id,environment,status,started,finished,commit\n";
    std::fs::write(
        dir.path().join("ants.csv"),
        format!("{header}1,production,success,2024-01-02T10:00:00Z,,{v211}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("syn.csv"),
        format!("{header}1,production,success,2024-01-02T12:00:00Z,,{syn}\n"),
    )
    .unwrap();
    let store = dir.path().join(".vsm/events.sqlite");
    // A store as an earlier vsm wrote it: ants' row 1 without the repository in its id.
    let mut old = vsm_events::Store::open(&store).unwrap();
    old.write(&vsm_events::Batch {
        objects: vec![vsm_events::Object {
            id: "deploy:production:1".into(),
            kind: vsm_events::ObjectType::Deployment,
            attributes: vec![(
                "environment".into(),
                vsm_events::Value::Text("production".into()),
            )],
        }],
        relations: vec![vsm_events::Relation {
            source: "deploy:production:1".into(),
            target: format!("git:{v211}"),
            qualifier: "deploys".into(),
        }],
        ..Default::default()
    })
    .unwrap();
    drop(old);
    let fetched = vsm_ok_in(
        dir.path(),
        &["fetch", "git", "ants", "--deployments", "ants.csv"],
    );
    assert_eq!(
        counted(&stdout(&fetched), "object deployment"),
        [1, 1, 0, 0, 0, 1],
        "the old id taken away"
    );
    vsm_ok_in(
        dir.path(),
        &["fetch", "git", "syn", "--deployments", "syn.csv"],
    );
    let deploys = vsm_events::Store::open(&store)
        .unwrap()
        .relations("deploys")
        .unwrap();
    assert_eq!(
        deploys,
        [
            (
                "deploy:ants:production:1".to_string(),
                format!("git:{v211}")
            ),
            ("deploy:syn:production:1".to_string(), format!("git:{syn}")),
        ]
    );
    let shipped = shipped_by(&store);
    assert_eq!(shipped["deploy:syn:production:1"], 1);
    assert!(shipped["deploy:ants:production:1"] > 600, "{shipped:?}");
}

/// A deployment still running (or queued) when the file was written ships nothing: the later
/// successful deployment of the same commit first ships it. The running one claimed the commits
/// before, and the success shipped nothing ("never deployed" in `vsm dora`).
#[test]
fn only_a_successful_deployment_ships_its_commits_not_a_running_or_queued_one() {
    let (dir, repo) = ants();
    let v211 = git_text(&repo, &["rev-parse", "v2.11.0^{commit}"]);
    let v210 = git_text(&repo, &["rev-parse", "v2.10.0^{commit}"]);
    std::fs::write(
        dir.path().join("deploys.csv"),
        format!(
            "id,environment,status,started,finished,commit\n\
             1,production,success,2024-01-01T00:00:00Z,2024-01-01T00:10:00Z,{v210}\n\
             2,production,running,2024-01-02T00:00:00Z,,{v211}\n\
             3,production,success,2024-01-03T00:00:00Z,2024-01-03T00:10:00Z,{v211}\n\
             4,production,queued,2024-01-04T00:00:00Z,,{v211}\n"
        ),
    )
    .unwrap();
    let said = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "git", "ants", "--deployments", "deploys.csv"],
    ));
    assert!(
        said.contains(
            "deployments whose status is not a success ship nothing: 2 (queued 1, running 1)"
        ),
        "{said}"
    );
    let shipped = shipped_by(&dir.path().join(".vsm/events.sqlite"));
    let count = |range: &str| -> usize {
        git_text(&repo, &["rev-list", "--count", range])
            .parse()
            .unwrap()
    };
    assert_eq!(
        shipped,
        std::collections::BTreeMap::from([
            ("deploy:ants:production:1".to_string(), count("v2.10.0")),
            (
                "deploy:ants:production:3".to_string(),
                count("v2.10.0..v2.11.0")
            ),
        ])
    );
}
