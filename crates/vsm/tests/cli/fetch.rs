//! `vsm fetch git` on the real history of panjf2000/ants: the counts it prints, a second run
//! that changes nothing, its errors, and runs killed at any instant.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{repo_root, stderr, stdout, vsm_command, vsm_fails_in, vsm_ok_in};

/// A folder with a clone of testdata/git/ants.bundle in `ants`.
pub(crate) fn ants() -> (tempfile::TempDir, PathBuf) {
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

pub(crate) fn dump(path: &Path) -> String {
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

pub(crate) fn git_text(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .current_dir(repo)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}");
    stdout(&output).trim().to_string()
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

/// The `deployed_by` links of the store, by deployment: how many commits each first shipped.
pub(crate) fn shipped_by(store: &Path) -> std::collections::BTreeMap<String, usize> {
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

/// The numbers of a row of the counts table.
pub(crate) fn counted(table: &str, label: &str) -> Vec<usize> {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("{label} ")))
        .unwrap_or_else(|| panic!("no row `{label}` in\n{table}"));
    line[label.len()..]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}
