//! `vsm fetch github|gitlab|jira` from the recorded responses in testdata/api (Apache DevLake's
//! fixtures; see testdata/README.md): the counts, a second run that changes nothing, the join
//! with the git history, and what a fetch without a token or with a wrong one says.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;

use crate::{repo_root, stderr, stdout, vsm_command, vsm_fails_in, vsm_ok_in};

fn api(system: &str) -> String {
    repo_root()
        .join("testdata/api")
        .join(system)
        .display()
        .to_string()
}

fn store(dir: &Path) -> vsm_events::Store {
    vsm_events::Store::open(&dir.join(".vsm/events.sqlite")).unwrap()
}

/// The row of `label` in the printed counts: read, new, updated, unchanged, skipped.
fn row(printed: &str, label: &str) -> [u64; 5] {
    let line = printed
        .lines()
        .find(|line| line.starts_with(&format!("{label} ")))
        .unwrap_or_else(|| panic!("no `{label}` in\n{printed}"));
    let numbers: Vec<u64> = line[label.len()..]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    numbers.try_into().unwrap()
}

#[test]
fn each_hosted_source_fetches_from_saved_responses_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runs: [(&str, &[&str], &str, [u64; 5]); 3] = [
        (
            "github",
            &["panjf2000/ants"],
            "object pull_request",
            [49, 49, 0, 0, 0],
        ),
        (
            "gitlab",
            &["12345678"],
            "object pull_request",
            [18, 18, 0, 0, 0],
        ),
        (
            "jira",
            &["--board", "8"],
            "event issue_status_changed",
            [165, 165, 0, 0, 0],
        ),
    ];
    for (system, what, label, first) in runs {
        let from = api(system);
        let args: Vec<&str> = ["fetch", system]
            .into_iter()
            .chain(what.iter().copied())
            .chain(["--from", from.as_str()])
            .collect();
        let output = stdout(&vsm_ok_in(dir.path(), &args));
        assert_eq!(row(&output, label), first, "{output}");
        assert!(
            output.ends_with(&format!("Fetched {system} into `.vsm/events.sqlite`.\n")),
            "{output}"
        );
        let before = store(dir.path()).dump().unwrap();
        let again = stdout(&vsm_ok_in(dir.path(), &args));
        let [read, new, updated, unchanged, skipped] = row(&again, label);
        assert_eq!(
            (new, updated, unchanged, skipped),
            (0, 0, read, 0),
            "{again}"
        );
        assert_eq!(store(dir.path()).dump().unwrap(), before, "{system}");
    }
    // All three in one store, which keeps the OCEL 2.0 rules.
    assert_eq!(store(dir.path()).problems().unwrap(), Vec::<String>::new());
}

#[test]
fn what_the_responses_held_twice_or_could_not_use_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let from = api("github");
    let output = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "github", "panjf2000/ants", "--from", &from],
    ));
    // Pull request #4 is on the recorded page twice.
    assert!(
        output.contains("  1 pr_opened read twice, kept once"),
        "{output}"
    );
    assert!(
        output.contains("  skipped 10: issue event `assigned`"),
        "{output}"
    );
    // A link to an issue that was not fetched is counted and shown, not dropped.
    assert!(
        output.contains("skipped 5 relation implemented_by: the issue a pull request mentions is not in the store (yet: fetch its tracker and the link is made)"),
        "{output}"
    );
    let jira = api("jira");
    let output = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "jira", "--board", "8", "--from", &jira],
    ));
    assert!(
        output.contains("is not in the site's status list")
            && output.contains("category `unknown`"),
        "{output}"
    );
    // The changelog pages of issues on no page of board 8 are counted, not made into issues.
    assert!(
        output.contains(
            "  skipped 100: changelog entries of issue 13383, which no saved issue page of board 8 holds"
        ),
        "{output}"
    );
}

#[test]
fn a_jira_board_or_query_the_saved_pages_are_not_of_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let jira = api("jira");
    let said = vsm_fails_in(
        dir.path(),
        &["fetch", "jira", "--board", "999", "--from", &jira],
    );
    assert!(
        said.contains(
            "holds no saved issue page of board 999; its issue pages are of board 8, board 93"
        ),
        "{said}"
    );
    let said = vsm_fails_in(
        dir.path(),
        &["fetch", "jira", "--jql", "project = NOPE", "--from", &jira],
    );
    assert!(
        said.contains("JQL cannot be run on saved responses") && said.contains("`--board 8`"),
        "{said}"
    );
    assert!(!dir.path().join(".vsm").exists());
}

#[test]
fn pull_requests_join_the_git_history_and_its_releases() {
    let dir = tempfile::tempdir().unwrap();
    crate::store_log::clone_ants(&dir.path().join("ants"));
    vsm_ok_in(dir.path(), &["fetch", "git", "ants"]);
    let from = api("github");
    let output = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "github", "panjf2000/ants", "--from", &from],
    ));
    // The commits GitHub names that the history has are the same objects, not new ones.
    let [read, new, ..] = row(&output, "object commit");
    assert!(read - new >= 40, "{output}");
    let store = store(dir.path());
    let released: std::collections::BTreeSet<String> = store
        .relations("released_in")
        .unwrap()
        .into_iter()
        .map(|(commit, _)| commit)
        .collect();
    // What git knows of a commit's events (the committer) stays when GitHub names them too:
    // fetching the history again changes nothing.
    let again = stdout(&vsm_ok_in(dir.path(), &["fetch", "git", "ants"]));
    for label in ["event commit_authored", "event commit_committed"] {
        let [read, _, updated, unchanged, _] = row(&again, label);
        assert_eq!((updated, unchanged), (0, read), "{again}");
    }
    let merged = store.relations("merged_as").unwrap();
    assert_eq!(merged.len(), 26);
    // 25 of the 26 merged pull requests have their merge commit in the history (all but #41's),
    // and so a first release.
    let shipped: Vec<&(String, String)> = merged
        .iter()
        .filter(|(_, commit)| released.contains(commit))
        .collect();
    assert_eq!(shipped.len(), 25);
    assert!(
        !shipped
            .iter()
            .any(|(pull, _)| pull == "github:panjf2000/ants/pull/41")
    );
}

#[test]
fn a_live_fetch_without_a_token_names_the_variable_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let said = vsm_command(dir.path(), &["fetch", "github", "panjf2000/ants"])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(said.status.code(), Some(1));
    assert!(stderr(&said).contains("GITHUB_TOKEN"), "{}", stderr(&said));
    assert!(!dir.path().join(".vsm").exists());
    let said = vsm_fails_in(dir.path(), &["fetch", "jira", "--jql", "project = X"]);
    assert!(said.contains("--api-url"), "{said}");
    // Saved responses of another system are not an empty fetch.
    let gitlab = api("gitlab");
    let said = vsm_fails_in(
        dir.path(),
        &["fetch", "github", "panjf2000/ants", "--from", &gitlab],
    );
    assert!(
        said.contains("holds no saved github responses")
            && said.contains("pull_requests/page-001.json"),
        "{said}"
    );
    assert!(!dir.path().join(".vsm").exists());
}

#[test]
fn a_wrong_token_is_refused_with_the_variable_and_without_the_secret() {
    // A server that refuses every request, as an API does a bad token.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        for stream in listener.incoming().take(1) {
            let mut stream = stream.unwrap();
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = r#"{"message":"Bad credentials"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let secret = "ghp_not-a-real-token-0123456789";
    let output = vsm_command(
        dir.path(),
        &[
            "fetch",
            "github",
            "panjf2000/ants",
            "--api-url",
            &format!("http://{address}"),
            "--token-env",
            "VSM_TEST_TOKEN",
        ],
    )
    .env("VSM_TEST_TOKEN", secret)
    .output()
    .unwrap();
    server.join().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let said = format!("{}{}", stdout(&output), stderr(&output));
    assert!(said.contains("VSM_TEST_TOKEN"), "{said}");
    assert!(!said.contains(secret), "{said}");
    assert!(
        !dir.path().join(".vsm/events.sqlite").exists(),
        "nothing half-written"
    );
}

#[test]
fn a_hosted_fetch_killed_at_any_instant_and_run_again_ends_as_one_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let from = api("github");
    let args = |store: &str| -> Vec<String> {
        [
            "fetch",
            "github",
            "panjf2000/ants",
            "--from",
            &from,
            "-o",
            store,
        ]
        .map(ToString::to_string)
        .to_vec()
    };
    let clean = args("clean.sqlite");
    let clean: Vec<&str> = clean.iter().map(String::as_str).collect();
    vsm_ok_in(dir.path(), &clean);
    let expected = vsm_events::Store::open(&dir.path().join("clean.sqlite"))
        .unwrap()
        .dump()
        .unwrap();
    let killed = args("killed.sqlite");
    let killed: Vec<&str> = killed.iter().map(String::as_str).collect();
    crate::killed_and_run_again(
        dir.path(),
        &killed,
        &dir.path().join("killed.sqlite"),
        |store| {
            let store = vsm_events::Store::open(store).unwrap();
            assert_eq!(store.dump().unwrap(), expected);
            assert_eq!(store.problems().unwrap(), Vec::<String>::new());
        },
    );
}

/// GitLab's recorded deployments (March 2019) and GitHub's documented one deploy commits the
/// store has no history of: each links only its own commit, and the fetch says how many.
#[test]
fn deployments_without_the_git_history_link_only_their_commit_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let gitlab = api("gitlab");
    let args = ["fetch", "gitlab", "12345678", "--from", gitlab.as_str()];
    let output = stdout(&vsm_ok_in(dir.path(), &args));
    let deployments: Vec<serde_json::Value> = serde_json::from_slice(
        &std::fs::read(repo_root().join("testdata/api/gitlab/deployments/page-001.json")).unwrap(),
    )
    .unwrap();
    // Only a successful deployment ships: `success` and `completed`; failed, canceled, created,
    // running, blocked and undeployed ship nothing (created, running, blocked and undeployed
    // shipped their commits before, so a later success of them shipped nothing).
    let succeeded = |d: &serde_json::Value| {
        d["status"].as_str().and_then(vsm_core::dora::outcome)
            == Some(vsm_core::dora::Outcome::Success)
    };
    let shipping = deployments.iter().filter(|d| succeeded(d)).count();
    assert_eq!((deployments.len(), shipping), (8, 2));
    assert!(
        output.contains(&format!(
            "  {shipping} deployments deploy a commit whose git history is not in the store: only that commit is linked"
        )) && output.contains(
            "  deployments whose status is not a success ship nothing: 6 (blocked 1, canceled 1, created 1, failed 1, running 1, undeployed 1)\n"
        ),
        "{output}"
    );
    let store = store(dir.path());
    let links = store.relations("deployed_by").unwrap();
    // Each links its own commit, unless an earlier one to its environment deployed it too.
    let commits: std::collections::BTreeSet<(&str, &str)> = deployments
        .iter()
        .filter(|d| succeeded(d))
        .map(|d| {
            (
                d["environment"]["name"].as_str().unwrap(),
                d["sha"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(links.len(), commits.len(), "{links:?}");
    let again = stdout(&vsm_ok_in(dir.path(), &args));
    let [read, new, updated, unchanged, _] = row(&again, "relation deployed_by");
    assert_eq!((new, updated, unchanged), (0, 0, read), "{again}");

    let github = api("github-deployments");
    let output = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "github", "octocat/example", "--from", &github],
    ));
    // GitHub's documented deployment 1 has no status (the list gives none): it ships nothing,
    // as a running one; its status example (deployment 42) deploys no commit of the store.
    assert!(
        output.contains(&format!(
            "  {shipping} deployments deploy a commit whose git history"
        )) && output.contains("ship nothing: 7 (blocked 1, canceled 1, created 1, failed 1, none 1, running 1, undeployed 1)")
            && output.contains("  1 deployment left out: it deploys no commit of the store"),
        "{output}"
    );
    assert!(
        !store
            .relations("deployed_by")
            .unwrap()
            .iter()
            .any(|(_, d)| d == "github:octocat/example/deployments/1")
    );
    assert_eq!(store.problems().unwrap(), Vec::<String>::new());
}

/// GitHub's names are case-insensitive: `Panjf2000/Ants` after `panjf2000/ants` is the same
/// repository, not 98 pull requests.
#[test]
fn a_repository_named_in_other_case_is_the_same_repository() {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_root().join("testdata/api/github");
    let from = from.display().to_string();
    vsm_ok_in(
        dir.path(),
        &["fetch", "github", "panjf2000/ants", "--from", &from],
    );
    let second = vsm_ok_in(
        dir.path(),
        &["fetch", "github", "Panjf2000/Ants", "--from", &from],
    );
    let said = stdout(&second);
    let row = said
        .lines()
        .find(|l| l.starts_with("object pull_request "))
        .unwrap_or_else(|| panic!("{said}"));
    let numbers: Vec<&str> = row.split_whitespace().skip(2).collect();
    assert_eq!(numbers[1], "0", "no new pull request: {row}");
    let store = vsm_events::Store::open(&dir.path().join(".vsm/events.sqlite")).unwrap();
    let dumped = store.dump().unwrap();
    assert!(!dumped.contains("github:Panjf2000"), "ids use one spelling");
}

/// Copies a folder of saved responses, file by file.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of the recorded GitHub responses in `dir/api/github`, with the index of their
/// request paths, to change before fetching them: gives `dir/api`.
fn copied_github(dir: &Path) -> std::path::PathBuf {
    let saved = dir.join("api");
    copy_folder(
        &repo_root().join("testdata/api/github"),
        &saved.join("github"),
    );
    std::fs::copy(
        repo_root().join("testdata/api/api-pages.json"),
        saved.join("api-pages.json"),
    )
    .unwrap();
    saved
}

/// A pull request naming `EE-1` fetched before the Jira issue gets its link once the issue is
/// fetched (before, the link was skipped for ever: "source object is not in the store").
#[test]
fn a_pull_request_fetched_before_the_issue_it_names_is_linked_once_the_issue_is_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let saved = copied_github(dir.path());
    let page = saved.join("github/pull_requests/page-001.json");
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("\"title\": \"fix goroutine leak\""));
    std::fs::write(
        &page,
        text.replace(
            "\"title\": \"fix goroutine leak\"",
            "\"title\": \"EE-1 fix goroutine leak\"",
        ),
    )
    .unwrap();
    let github = saved.join("github").display().to_string();
    let first = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "github", "panjf2000/ants", "--from", &github],
    ));
    assert!(
        first.contains("skipped 6 relation implemented_by: the issue a pull request mentions is not in the store"),
        "{first}"
    );
    let jira = stdout(&vsm_ok_in(
        dir.path(),
        &["fetch", "jira", "--board", "8", "--from", &api("jira")],
    ));
    assert!(
        jira.contains("skipped 5 relation implemented_by: the issue a pull request mentions"),
        "{jira}"
    );
    let store = dir.path().join(".vsm/events.sqlite");
    let links = vsm_events::Store::open(&store)
        .unwrap()
        .relations("implemented_by")
        .unwrap();
    let from_jira: Vec<&(String, String)> = links
        .iter()
        .filter(|(issue, _)| issue == "jira:EE-1")
        .collect();
    assert_eq!(from_jira.len(), 1, "{links:?}");
    assert!(from_jira[0].1.starts_with("github:panjf2000/ants/pull/"));
    // Nothing changes on a second run of either.
    let before = vsm_events::Store::open(&store).unwrap().dump().unwrap();
    vsm_ok_in(
        dir.path(),
        &["fetch", "github", "panjf2000/ants", "--from", &github],
    );
    vsm_ok_in(
        dir.path(),
        &["fetch", "jira", "--board", "8", "--from", &api("jira")],
    );
    let after = vsm_events::Store::open(&store).unwrap().dump().unwrap();
    assert_eq!(before, after);
}

/// An issue labelled `incident` records an incident, opened and resolved when the issue was
/// created and closed (GitHub's own times); with the label taken away and the responses fetched
/// again, the incident is gone from the store.
#[test]
fn an_issue_labelled_incident_records_an_incident_until_the_label_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let saved = copied_github(dir.path());
    let page = saved.join("github/issues/page-001.json");
    let recorded = std::fs::read_to_string(&page).unwrap();
    let mut issues: Vec<serde_json::Value> = serde_json::from_str(&recorded).unwrap();
    let issue = issues
        .iter_mut()
        .find(|i| i["number"] == 6 && i["closed_at"].is_string())
        .expect("issue #6 is closed in the recording");
    issue["labels"][0]["name"] = "incident".into();
    let (created, closed) = (
        issue["created_at"].as_str().unwrap().to_string(),
        issue["closed_at"].as_str().unwrap().to_string(),
    );
    std::fs::write(&page, serde_json::to_string(&issues).unwrap()).unwrap();
    let github = saved.join("github").display().to_string();
    let fetch = [
        "fetch",
        "github",
        "panjf2000/ants",
        "--from",
        github.as_str(),
    ];
    let printed = stdout(&vsm_ok_in(dir.path(), &fetch));
    assert!(printed.contains("object incident"), "{printed}");
    let dump = store(dir.path()).dump().unwrap();
    let incident = "incident:github:panjf2000/ants/issues/6";
    assert_eq!(
        store(dir.path()).relations("records").unwrap(),
        [(
            "github:panjf2000/ants/issues/6".to_string(),
            incident.to_string()
        )]
    );
    let at = |text: &str| vsm_events::time::to_text(text.parse().unwrap());
    for (event, time) in [("opened", &created), ("resolved", &closed)] {
        let line = format!("{incident}/{event}");
        assert!(
            dump.lines()
                .any(|l| l.contains(&line) && l.contains(&at(time))),
            "{line} at {time}:\n{dump}"
        );
    }
    // A second run changes nothing; without the label, the incident is taken away.
    let again = stdout(&vsm_ok_in(dir.path(), &fetch));
    assert_eq!(row(&again, "object incident"), [1, 0, 0, 1, 0], "{again}");
    std::fs::write(&page, recorded).unwrap();
    vsm_ok_in(dir.path(), &fetch);
    let store = store(dir.path());
    assert!(store.relations("records").unwrap().is_empty());
    assert!(!store.dump().unwrap().contains(incident));
}
