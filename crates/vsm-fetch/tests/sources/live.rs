//! The live fetchers against the replay server: a full fetch gives what `from_dir` reads from the
//! same pages, and rate limits, server errors, dropped connections, a refused token and an
//! endless body are handled as documented.

use std::time::Duration;

use vsm_events::Batch;
use vsm_fetch::jira::{Edition, Query};
use vsm_fetch::{Client, Cursor, FetchError, Progress, Token, github, gitlab, jira};

use super::replay::{Fault, PAGE, Replay, folder_of};
use super::*;

const REPO: &str = "panjf2000/ants";
const PROJECT: &str = "12345678";
const SECRET: &str = "ghp_replay-secret-0123456789";

/// The batch in a fixed order (objects, events and links by id; attributes by name), since a
/// fetch asks pull requests in list order where `from_dir` reads files in name order.
fn sorted(mut batch: Batch) -> Batch {
    batch.objects.sort_by(|a, b| a.id.cmp(&b.id));
    for object in &mut batch.objects {
        object.attributes.sort_by(|a, b| a.0.cmp(&b.0));
    }
    batch.events.sort_by(|a, b| a.id.cmp(&b.id));
    for event in &mut batch.events {
        event.attributes.sort_by(|a, b| a.0.cmp(&b.0));
    }
    batch.relations.sort();
    batch
}

fn github_client(replay: &Replay, secret: &str) -> Client {
    Client::new(&replay.url, Token::new("GITHUB_TOKEN", secret))
}

/// Fetches the recorded repository from `replay`, with what progress reported.
fn fetch_github(client: &Client) -> (Result<(Batch, Cursor), FetchError>, Vec<Progress>) {
    let mut seen = Vec::new();
    let fetched = github::fetch(client, REPO, None, &mut |p| seen.push(p));
    (fetched.map(|(batch, _, cursor)| (batch, cursor)), seen)
}

fn github_from_dir() -> Batch {
    sorted(github::from_dir(&recorded("github"), REPO).unwrap().0)
}

#[test]
fn a_github_fetch_follows_every_page_and_equals_from_dir() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    let (fetched, progress) = fetch_github(&github_client(&replay, SECRET));
    let (batch, cursor) = fetched.unwrap();
    let recorded_files = std::fs::read_dir(recorded("github"))
        .unwrap()
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum::<usize>();
    assert_eq!(replay.served().len(), recorded_files);
    assert_eq!(sorted(batch), github_from_dir());
    let pull_pages = replay
        .requests()
        .iter()
        .filter(|r| r.starts_with(&format!("/repos/{REPO}/pulls?")))
        .count();
    assert_eq!(
        pull_pages,
        50_usize.div_ceil(PAGE),
        "the Link pages are followed"
    );
    let pages = progress
        .iter()
        .filter(|p| matches!(p, Progress::Page { .. }))
        .count();
    assert_eq!(pages, replay.requests().len());
    assert!(cursor.since.is_some());

    // The next run asks from the cursor: pull requests and events stop after their first page.
    let mut again = Vec::new();
    github::fetch(
        &github_client(&replay, SECRET),
        REPO,
        cursor.since,
        &mut |p| {
            again.push(p);
        },
    )
    .unwrap();
    let asked = replay.requests();
    let second = &asked[asked.len() - again.len()..];
    assert!(second[0].contains("sort=updated"), "{}", second[0]);
    let issues = second.iter().find(|r| r.contains("/issues?")).unwrap();
    assert!(issues.contains("since=20"), "{issues}");
    assert_eq!(second.iter().filter(|r| r.contains("/pulls?")).count(), 1);
}

#[test]
fn a_429_before_the_first_page_is_waited_out() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[Fault::TooMany]);
    let (fetched, progress) = fetch_github(&github_client(&replay, SECRET));
    assert_eq!(sorted(fetched.unwrap().0), github_from_dir());
    assert!(matches!(
        &progress[0],
        Progress::RateLimited { wait, .. } if *wait == Duration::from_secs(1)
    ));
}

#[test]
fn a_502_and_a_dropped_connection_are_retried() {
    for fault in [Fault::BadGateway, Fault::Dropped] {
        let replay = Replay::start(&format!("Bearer {SECRET}"), &[fault]);
        let (fetched, progress) = fetch_github(&github_client(&replay, SECRET));
        assert_eq!(sorted(fetched.unwrap().0), github_from_dir(), "{fault:?}");
        assert!(
            matches!(&progress[0], Progress::Retrying { attempt: 2, .. }),
            "{fault:?}: {progress:?}"
        );
    }
}

#[test]
fn a_refused_token_names_its_variable_and_never_the_secret() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    let wrong = "ghp_wrong-secret-9876543210";
    let (fetched, _) = fetch_github(&github_client(&replay, wrong));
    let error = fetched.unwrap_err();
    assert!(matches!(error, FetchError::Refused { status: 401, .. }));
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(shown.contains("GITHUB_TOKEN"), "{shown}");
        assert!(!shown.contains(wrong) && !shown.contains(SECRET), "{shown}");
    }
    assert_eq!(replay.requests().len(), 1, "a refused token is not retried");
}

#[test]
fn a_page_echoing_the_token_where_a_number_belongs_is_an_error_without_the_token() {
    // The error quoted the value: `invalid type: string "Bearer ghp_...", expected u64`, and a
    // pull kept it in its outcome, shown to the stream's members.
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[Fault::Echo]);
    let error = fetch_github(&github_client(&replay, SECRET)).0.unwrap_err();
    assert!(matches!(error, FetchError::Parse(_)), "{error}");
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(
            shown.contains("<token>") && shown.contains("[0].number"),
            "{shown}"
        );
    }
}

#[test]
fn an_endless_body_is_refused_at_the_limit() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[Fault::Endless]);
    let client = github_client(&replay, SECRET).body_limit(1 << 20);
    let error = fetch_github(&client).0.unwrap_err();
    assert!(
        matches!(error, FetchError::TooLarge { limit, .. } if limit == 1 << 20),
        "{error}"
    );
}

#[test]
fn a_body_dripping_in_slower_than_the_page_time_is_cut_off_and_retried() {
    // Each byte came within the per-read timeout, so the fetch waited as long as the server
    // dripped (a byte a minute: for ever), holding up every pull of the server behind it.
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[Fault::Dripping]);
    let client = github_client(&replay, SECRET).page_time(Duration::from_secs(1));
    let started = std::time::Instant::now();
    let (fetched, progress) = fetch_github(&client);
    assert_eq!(sorted(fetched.unwrap().0), github_from_dir());
    assert!(
        matches!(&progress[0], Progress::Retrying { attempt: 2, reason, .. } if reason.contains("imeout")),
        "{progress:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_rate_limit_resetting_past_the_longest_wait_is_an_error_at_once() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[Fault::ResetLater]);
    let error = fetch_github(&github_client(&replay, SECRET)).0.unwrap_err();
    assert!(matches!(error, FetchError::RateLimited { .. }), "{error}");
    assert!(
        error.to_string().contains("run the fetch again after"),
        "{error}"
    );
}

#[test]
fn a_jira_site_answering_html_names_the_url_and_what_came_back() {
    // It said `line 1, column 1: expected value`, with no URL.
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[Fault::Html]);
    let client = Client::new(&replay.url, Token::new("JIRA_TOKEN", SECRET));
    let error = jira::fetch(
        &client,
        Edition::Server,
        &Query::Board(8),
        None,
        &mut |_| {},
    )
    .unwrap_err();
    let said = error.to_string();
    assert!(matches!(error, FetchError::NotJson { .. }), "{said}");
    assert!(
        said.starts_with(&format!("{}/rest/api/2/status: ", replay.url))
            && said.contains("answered `text/html;charset=UTF-8`, not JSON")
            && said.contains("`<!DOCTYPE html> <html> <head><title>Log in - Jira</title>"),
        "{said}"
    );
    assert!(
        said.contains("--api-url") && !said.contains(SECRET),
        "{said}"
    );
}

#[test]
fn a_gitlab_fetch_equals_from_dir_on_the_pages_it_was_given() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    let api = format!("{}/api/v4", replay.url);
    let client = Client::new(&api, Token::new("GITLAB_TOKEN", SECRET));
    let (batch, _, cursor) = gitlab::fetch(&client, PROJECT, None, &mut |_| {}).unwrap();
    let served = replay.served();
    // The merge requests list 18; notes and commits are recorded for some of them.
    assert_eq!(served.len(), 1 + 3 + 5 + 1 + 1, "{served:?}");
    let dir = folder_of(&served, "live-gitlab");
    let expected = gitlab::from_dir(&dir.join("gitlab"), PROJECT).unwrap().0;
    assert_eq!(sorted(batch), sorted(expected));
    assert!(cursor.since.is_some());
}

#[test]
fn a_jira_cloud_fetch_with_basic_auth_equals_from_dir_on_the_pages_it_was_given() {
    let basic = "Basic bWVAZXhhbXBsZS5jb206Z2hwX3JlcGxheS1zZWNyZXQtMDEyMzQ1Njc4OQ==";
    let replay = Replay::start(basic, &[]);
    let token = Token::new("JIRA_TOKEN", SECRET).with_user("me@example.com");
    let client = Client::new(&replay.url, token);
    let (batch, report, cursor) =
        jira::fetch(&client, Edition::Cloud, &Query::Board(8), None, &mut |_| {}).unwrap();
    let served = replay.served();
    assert_eq!(served.len(), 2, "{served:?}");
    assert_eq!(report.items, 30);
    let dir = folder_of(&served, "live-jira");
    let expected = jira::from_dir(&dir.join("jira"), &Query::Board(8))
        .unwrap()
        .0;
    assert_eq!(sorted(batch), sorted(expected));
    let issues: serde_json::Value =
        serde_json::from_slice(&page("jira/issues/page-001.json")).unwrap();
    let latest = issues["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["fields"]["updated"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
        })
        .max();
    assert_eq!(cursor.since, latest);
}

#[test]
fn a_github_fetch_reads_the_deployments_and_each_ones_statuses() {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    let client = github_client(&replay, SECRET);
    let (batch, report, _) = github::fetch(&client, "octocat/example", None, &mut |_| {}).unwrap();
    let asked = replay.requests();
    let deployments: Vec<&String> = asked
        .iter()
        .filter(|r| r.contains("/deployments"))
        .collect();
    assert_eq!(
        deployments,
        [
            "/repos/octocat/example/deployments?page=1&per_page=100",
            "/repos/octocat/example/deployments/1/statuses?page=1&per_page=100"
        ]
    );
    // Deployment 1 has no recorded statuses: it was asked for, and no more is known.
    assert_eq!(report.items, 1);
    let served = replay.served();
    let dir = folder_of(&served, "live-github-deployments");
    let expected = github::from_dir(&dir.join("github-deployments"), "octocat/example")
        .unwrap()
        .0;
    assert_eq!(sorted(batch), sorted(expected));
    // The ants repository has none: an empty list, nothing more asked.
    let (fetched, _) = fetch_github(&client);
    let (ants, _) = fetched.unwrap();
    assert!(objects_of(&ants, ObjectType::Deployment).is_empty());
}

#[test]
fn a_refused_connection_before_any_answer_is_an_error_at_once_not_retried() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::new(
        &format!("http://127.0.0.1:{port}"),
        Token::new("GITHUB_TOKEN", SECRET),
    );
    let (fetched, progress) = fetch_github(&client);
    let error = fetched.unwrap_err();
    assert!(matches!(error, FetchError::Unreachable { .. }), "{error}");
    let shown = error.to_string();
    assert!(
        shown.contains(&format!("cannot connect to http://127.0.0.1:{port}/repos/")),
        "{shown}"
    );
    assert!(shown.contains("--api-url"), "{shown}");
    assert!(
        !progress
            .iter()
            .any(|p| matches!(p, Progress::Retrying { .. })),
        "{progress:?}"
    );
}

/// Fetches `project = EE` from `edition`'s search on the replay server: what it read, and the
/// search requests it sent.
fn jira_search(edition: Edition) -> (Batch, Vec<String>) {
    let replay = Replay::start(&format!("Bearer {SECRET}"), &[]);
    let client = Client::new(&replay.url, Token::new("JIRA_TOKEN", SECRET));
    let query = Query::Jql("project = EE".into());
    let (batch, report, cursor) = jira::fetch(&client, edition, &query, None, &mut |_| {}).unwrap();
    assert_eq!(report.items, 30, "{edition:?}");
    assert!(
        cursor.since.is_some(),
        "{edition:?}: the cursor reads `updated`"
    );
    let searches = replay
        .requests()
        .into_iter()
        .filter(|r| r.contains("/search"))
        .collect();
    (sorted(batch), searches)
}

#[test]
fn jira_cloud_searches_with_search_jql_and_next_page_tokens() {
    let (batch, searches) = jira_search(Edition::Cloud);
    assert_eq!(searches.len(), 30_usize.div_ceil(PAGE), "{searches:?}");
    assert!(
        searches
            .iter()
            .all(|s| s.starts_with("/rest/api/3/search/jql?") && !s.contains("startAt")),
        "{searches:?}"
    );
    assert!(searches[0].contains("fields=summary,created,updated,status,issuetype,project"));
    assert!(
        searches[1].contains("nextPageToken=page%3A7"),
        "{searches:?}"
    );
    // The same issues and changes as Server's startAt pages give.
    let (server, server_searches) = jira_search(Edition::Server);
    assert!(
        server_searches
            .iter()
            .all(|s| s.starts_with("/rest/api/2/search?") && s.contains("startAt=")),
        "{server_searches:?}"
    );
    assert_eq!(batch, server);
    assert_eq!(objects_of(&batch, ObjectType::Issue).len(), 30);
    assert!(attribute(&object(&batch, "jira:EE-1").attributes, "title").is_some());
}
