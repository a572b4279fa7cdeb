//! `vsm fetch git` on the real history of panjf2000/ants: the counts it prints, a second run
//! that changes nothing, its errors, and runs killed at any instant.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{repo_root, stderr, stdout, vsm_command, vsm_fails_in, vsm_ok_in};

/// A folder with a clone of testdata/git/ants.bundle in `ants`.
fn ants() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("ants");
    let status = Command::new("git")
        .args(["-c", "init.defaultBranch=main", "clone", "-q"])
        .arg(repo_root().join("testdata/git/ants.bundle"))
        .arg(&repo)
        .status()
        .unwrap();
    assert!(status.success());
    (dir, repo)
}

fn dump(path: &Path) -> String {
    vsm_events::Store::open(path).unwrap().dump().unwrap()
}

#[test]
fn fetching_a_repository_prints_the_counts_and_a_second_run_changes_nothing() {
    let (dir, _) = ants();
    let first = vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    assert_eq!(
        stdout(&first),
        "                           read      new  updated  unchanged  skipped
object commit               712      712        0          0        0
object release               48       48        0          0        0
event commit_authored       712      712        0          0        0
event commit_committed      712      712        0          0        0
event tag_created            48       48        0          0        0
relation released_in        712      712        0          0        0
Fetched `ants` into `.vsm/events.sqlite`.
"
    );
    let store = dir.path().join(".vsm/events.sqlite");
    let before = dump(&store);
    let second = vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    assert!(
        stdout(&second)
            .contains("object commit               712        0        0        712        0"),
        "{}",
        stdout(&second)
    );
    assert_eq!(dump(&store), before);
}

#[test]
fn fetch_errors_name_the_problem_and_the_way_out() {
    let (dir, _) = ants();
    let not_a_repo = vsm_fails_in(dir.path(), &["fetch", "git", "."]);
    assert!(
        not_a_repo.contains("`.` is not a git repository"),
        "{not_a_repo}"
    );
    let pattern = vsm_fails_in(dir.path(), &["fetch", "git", "ants", "--tags", "v[1"]);
    assert!(
        pattern.contains("the tag pattern `v[1` opens a `[` set it does not close"),
        "{pattern}"
    );
    std::fs::write(dir.path().join("deploys.csv"), "id,environment,status,started,finished,commit\nd1,prod,success,2024-01-01T00:00:00Z,,nope\n").unwrap();
    let row = vsm_fails_in(
        dir.path(),
        &["fetch", "git", "ants", "--deployments", "deploys.csv"],
    );
    assert!(row.contains("deploys.csv, row 2, field `commit`: `nope` is not a commit hash; give the full 40-character hash"), "{row}");
    assert!(
        !dir.path().join(".vsm/events.sqlite").exists(),
        "nothing written"
    );
}

#[test]
fn a_fetch_killed_at_any_instant_and_run_again_ends_as_one_clean_run() {
    let (dir, repo) = ants();
    // With deployments, whose first-shipped links are computed after the batches.
    let head = git_text(&repo, &["rev-parse", "HEAD"]);
    std::fs::write(
        dir.path().join("deploys.csv"),
        format!("id,environment,status,started,finished,commit\nd1,production,success,2024-01-01T10:00:00Z,,{head}\n"),
    )
    .unwrap();
    let run = |store: &str| -> Vec<String> {
        [
            "fetch",
            "git",
            "ants",
            "--deployments",
            "deploys.csv",
            "-o",
            store,
        ]
        .map(ToString::to_string)
        .to_vec()
    };
    let (clean, killed) = (run("clean.sqlite"), run("killed.sqlite"));
    let clean: Vec<&str> = clean.iter().map(String::as_str).collect();
    let killed: Vec<&str> = killed.iter().map(String::as_str).collect();
    let clean = vsm_ok_in(dir.path(), &clean);
    assert!(stderr(&clean).is_empty(), "{}", stderr(&clean));
    let expected = dump(&dir.path().join("clean.sqlite"));
    crate::killed_and_run_again(
        dir.path(),
        &killed,
        &dir.path().join("killed.sqlite"),
        |store| {
            assert_eq!(dump(store), expected);
        },
    );
    assert_eq!(shipped_by(&dir.path().join("killed.sqlite")).len(), 1);
}

fn git_text(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(repo)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}");
    stdout(&output).trim().to_string()
}

/// The `deployed_by` links of the store, by deployment: how many commits each first shipped.
fn shipped_by(store: &Path) -> std::collections::BTreeMap<String, usize> {
    let mut shipped = std::collections::BTreeMap::new();
    for (_, deployment) in vsm_events::Store::open(store)
        .unwrap()
        .relations("deployed_by")
        .unwrap()
    {
        *shipped.entry(deployment).or_default() += 1;
    }
    shipped
}

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
            "first shipped: no commits (the store has 1 deployment; none first shipped a commit)\n  failed deployments ship nothing: 1\n"
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
        ("deploy:production:d1".to_string(), count("v2.10.0")),
        (
            "deploy:production:d3".to_string(),
            count("v2.10.0..v2.11.0"),
        ),
        ("deploy:staging:s1".to_string(), count("v2.11.0")),
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
            "first shipped: 3 of the store's 4 deployments (production 2, staging 1) first shipped {links} commits\n  failed deployments ship nothing: 1\n"
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
    assert_eq!(shipped["deploy:production:d0"], count("v2.9.0"));
    assert_eq!(
        shipped["deploy:production:d1"],
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

#[test]
fn a_closed_port_fails_at_once_naming_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let said = vsm_command(dir.path(), &["fetch", "github", "o/r", "--api-url", &url])
        .env("GITHUB_TOKEN", "ghp_closed-port-secret")
        .output()
        .unwrap();
    assert_eq!(said.status.code(), Some(1));
    let said = stderr(&said);
    assert!(
        said.contains(&format!("cannot connect to {url}/repos/o/r/pulls")),
        "{said}"
    );
    assert!(
        !said.contains("retrying") && !said.contains("ghp_closed"),
        "{said}"
    );
    assert!(!dir.path().join(".vsm").exists());
}

#[test]
fn a_retry_is_said_on_stderr_when_piped() {
    use std::io::{BufRead as _, BufReader, Write as _};
    // A server that answers its first request 502, then every list empty.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let runs = line.contains("/actions/runs");
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                    break;
                }
            }
            let (status, body) = match (n, runs) {
                (0, _) => (502, ""),
                (_, true) => (200, r#"{"workflow_runs": []}"#),
                _ => (200, "[]"),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let said = vsm_command(dir.path(), &["fetch", "github", "o/r", "--api-url", &url])
        .env("GITHUB_TOKEN", "ghp_retry-secret")
        .output()
        .unwrap();
    assert!(said.status.success(), "{}", stderr(&said));
    let err = stderr(&said);
    assert!(
        err.contains("github: retrying in 1 s (attempt 2 of 5): ")
            && err.contains("the server answered 502"),
        "{err}"
    );
    // Every list was empty: said, not a silent success.
    assert!(
        err.contains("warning: the github responses held no items (5 pages read): check the repository and the API URL"),
        "{err}"
    );
}

#[test]
fn a_jira_edition_that_is_neither_cloud_nor_server_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let output = vsm_command(
        dir.path(),
        &[
            "fetch",
            "jira",
            "--jql",
            "project = EE",
            "--edition",
            "saas",
        ],
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let said = stderr(&output);
    assert!(
        said.contains("`saas` is not a Jira edition: give `cloud`"),
        "{said}"
    );
}

#[test]
fn saved_responses_of_another_repository_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_root().join("testdata/api/github");
    let said = vsm_fails_in(
        dir.path(),
        &[
            "fetch",
            "github",
            "someone/else",
            "--from",
            &from.display().to_string(),
        ],
    );
    assert!(
        said.contains(
            "these saved responses are of the repository `panjf2000/ants`, not `someone/else`"
        ),
        "{said}"
    );
    assert!(!dir.path().join(".vsm").exists());
}

/// `/proc` cannot be written, not even by root (for whom a `chmod`ed folder still can).
#[cfg(target_os = "linux")]
#[test]
fn a_store_that_cannot_be_written_says_so_not_that_it_cannot_be_read() {
    let (dir, _) = ants();
    let said = vsm_fails_in(
        dir.path(),
        &["fetch", "git", "ants", "-o", "/proc/vsm-events.sqlite"],
    );
    assert!(
        said.contains("cannot open or create the event store `/proc/vsm-events.sqlite`")
            && said.contains("that you may write in it, or give a writable place with -o"),
        "{said}"
    );
    assert!(!said.contains("may read"), "{said}");
}

#[test]
fn a_tag_pattern_matching_no_tag_and_a_repository_without_commits_are_said() {
    let (dir, _) = ants();
    let output = vsm_ok_in(dir.path(), &["fetch", "git", "ants", "--tags", "x*"]);
    assert_eq!(
        stderr(&output),
        "warning: no tag matches `x*` (48 tags, e.g. v2.11.4): no releases read\n"
    );
    let empty = dir.path().join("empty");
    let status = Command::new("git")
        .args(["init", "-q"])
        .arg(&empty)
        .status()
        .unwrap();
    assert!(status.success());
    let output = vsm_ok_in(dir.path(), &["fetch", "git", "empty", "-o", "empty.sqlite"]);
    assert_eq!(
        stderr(&output),
        "warning: the repository `empty` has no commits: nothing to read\n"
    );
    // The default pattern says nothing when there are no tags, and is the usual case.
    let output = vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

/// A commit has one first release per repository: a deleted tag, or a `--tags` that no longer
/// matches, takes its release away with its event and links (727 links for 712 commits, and
/// #189 shipped in v2.4.7, before).
#[test]
fn a_deleted_tag_or_a_narrower_tag_pattern_takes_its_releases_and_links_away() {
    let (dir, repo) = ants();
    let store = dir.path().join(".vsm/events.sqlite");
    let released = || {
        vsm_events::Store::open(&store)
            .unwrap()
            .relations("released_in")
            .unwrap()
    };
    vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    git_text(&repo, &["tag", "-d", "v2.4.7"]);
    let output = vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    let said = stdout(&output);
    assert!(said.contains("skipped  removed\n"), "{said}");
    // The 15 commits v2.4.7 first shipped are v2.4.8's now.
    assert_eq!(counted(&said, "object release"), [47, 0, 0, 47, 0, 1]);
    assert_eq!(counted(&said, "event tag_created"), [47, 0, 0, 47, 0, 1]);
    assert_eq!(
        counted(&said, "relation released_in"),
        [712, 15, 0, 697, 0, 15]
    );
    let links = released();
    assert_eq!(links.len(), 712);
    assert!(
        links
            .iter()
            .all(|(_, release)| release != "git:ants/tag/v2.4.7")
    );
    let before = dump(&store);
    let again = vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    assert!(!stdout(&again).contains("removed"), "{}", stdout(&again));
    assert_eq!(dump(&store), before);
    vsm_ok_in(dir.path(), &["fetch", "git", "ants", "--tags", "v2.*"]);
    vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    assert_eq!(released().len(), 712);
    assert_eq!(dump(&store), before);
    let problems = vsm_events::Store::open(&store).unwrap().problems().unwrap();
    assert!(problems.is_empty(), "{problems:?}");
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
        [("deploy:production:d1".to_string(), format!("git:{head}"))]
    );
    let dumped = dump(&store);
    let stale: Vec<&str> = dumped
        .lines()
        // (d1 first ships the parent too, as an ancestor of its commit: `deployed_by`.)
        .filter(|l| {
            l.contains("deploy:production:d1") && l.contains(&parent) && !l.contains("deployed_by")
        })
        .collect();
    assert!(stale.is_empty(), "{stale:?}");
    let before = dump(&store);
    let again = fetch();
    assert!(!stdout(&again).contains("removed"), "{}", stdout(&again));
    assert_eq!(dump(&store), before);
}

/// Release ids name the repository by its `origin` remote (here the bundle: `ants`), not by the
/// clone's folder: two clones give one set of releases. `--name` sets it.
#[test]
fn two_clones_of_one_repository_give_one_set_of_releases() {
    let (dir, _) = ants();
    let status = Command::new("git")
        .args(["clone", "-q", "ants", "other-folder"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    // The second clone's origin is the first clone's folder, `ants`.
    vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    let second = vsm_ok_in(dir.path(), &["fetch", "git", "other-folder"]);
    assert_eq!(
        counted(&stdout(&second), "object release"),
        [48, 0, 0, 48, 0]
    );
    let named = vsm_ok_in(
        dir.path(),
        &[
            "fetch",
            "git",
            "ants",
            "--name",
            "panjf2000/ants",
            "-o",
            "named.sqlite",
        ],
    );
    assert_eq!(
        counted(&stdout(&named), "object release"),
        [48, 48, 0, 0, 0]
    );
    let released = vsm_events::Store::open(&dir.path().join("named.sqlite"))
        .unwrap()
        .relations("released_in")
        .unwrap();
    assert!(
        released
            .iter()
            .all(|(_, r)| r.starts_with("git:panjf2000/ants/tag/v")),
        "{released:?}"
    );
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

/// The numbers of a row of the counts table.
fn counted(table: &str, label: &str) -> Vec<usize> {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("{label} ")))
        .unwrap_or_else(|| panic!("no row `{label}` in\n{table}"));
    line[label.len()..]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}
