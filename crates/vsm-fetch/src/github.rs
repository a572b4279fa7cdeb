//! GitHub's REST responses: pull requests, their reviews and commits, issues, issue events,
//! Actions workflow runs, deployments and their statuses.
//!
//! `repo` is `OWNER/NAME`; ids are `github:OWNER/NAME/pull/N`, `github:OWNER/NAME/issues/N`,
//! `github:OWNER/NAME/actions/runs/ID`, `github:OWNER/NAME/deployments/ID`, and commits
//! `git:<hash>`, with `OWNER/NAME` in lower case ([`repo_key`]). See `docs/sources.md`.
//!
//! Over 600 lines on purpose: one response reader per endpoint, sharing the id scheme above (deployments already live in `github/`).

mod deployments;
mod webhook;

pub use deployments::{deployment_statuses, deployments};
pub use webhook::{USED as WEBHOOK_EVENTS, webhook};

use std::path::Path;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::IgnoredAny;
use vsm_events::{Batch, EventType, ObjectType};

use crate::collect::{Collector, Page, Report, integer, text};
use crate::decode::{ParseError, optional_time, parse, time};
use crate::http::{Client, FetchError, Paging, Progress, encode};
use crate::live::{Cursor, Fetch, Times, numbers};
use crate::saved::{Listed, Saved, check_owner, each_page, url_path};
use crate::{CommitSeen, PullSeen, commit, commit_named, pull_request, pull_request_named, review};

#[derive(Deserialize)]
struct User {
    login: Option<String>,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(rename = "ref")]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Label {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Pull {
    number: u64,
    title: Option<String>,
    body: Option<String>,
    state: Option<String>,
    html_url: Option<String>,
    user: Option<User>,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
    #[serde(default, deserialize_with = "optional_time")]
    closed_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_time")]
    merged_at: Option<Timestamp>,
    merge_commit_sha: Option<String>,
    draft: Option<bool>,
    head: Option<Branch>,
    base: Option<Branch>,
}

#[derive(Deserialize)]
struct Review {
    id: u64,
    user: Option<User>,
    state: Option<String>,
    #[serde(default, deserialize_with = "optional_time")]
    submitted_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct PullCommit {
    sha: String,
    commit: Option<CommitDetail>,
}

#[derive(Deserialize)]
struct CommitDetail {
    message: Option<String>,
    author: Option<Signature>,
    committer: Option<Signature>,
}

#[derive(Deserialize)]
struct Signature {
    name: Option<String>,
    #[serde(default, deserialize_with = "optional_time")]
    date: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Issue {
    number: u64,
    title: Option<String>,
    state: Option<String>,
    html_url: Option<String>,
    user: Option<User>,
    #[serde(default, deserialize_with = "optional_time")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_time")]
    closed_at: Option<Timestamp>,
    #[serde(default)]
    labels: Vec<Label>,
    /// Present when the issue is a pull request.
    pull_request: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct IssueEvent {
    id: u64,
    event: String,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
    actor: Option<User>,
    commit_id: Option<String>,
    label: Option<Label>,
    issue: Option<Issue>,
}

#[derive(Deserialize)]
struct Runs {
    workflow_runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    id: u64,
    name: Option<String>,
    event: Option<String>,
    status: Option<String>,
    conclusion: Option<String>,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
    #[serde(default, rename = "run_started_at", deserialize_with = "optional_time")]
    started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_time")]
    updated_at: Option<Timestamp>,
    head_branch: Option<String>,
    head_sha: Option<String>,
    html_url: Option<String>,
    #[serde(rename = "run_attempt")]
    attempt: Option<u64>,
}

/// The repository as ids spell it: GitHub's names are case-insensitive (`Panjf2000/Ants` is
/// `panjf2000/ants`), so ids use one spelling, lower case, however the user typed it.
pub fn repo_key(repo: &str) -> String {
    repo.to_ascii_lowercase()
}

fn pull_id(repo: &str, number: u64) -> String {
    format!("github:{repo}/pull/{number}")
}

fn issue_id(repo: &str, number: u64) -> String {
    format!("github:{repo}/issues/{number}")
}

fn login(user: Option<&User>) -> Option<&str> {
    user.and_then(|u| u.login.as_deref())
}

/// A page of `GET /repos/OWNER/REPO/pulls?state=all`: each pull request, opened, merged (with its
/// merge commit) or closed, linked to the issues its title, branch or body names.
pub fn pulls(page: &[u8], repo: &str) -> Result<Page, ParseError> {
    let pulls: Vec<Pull> = parse(page, "GitHub's pull request list (/repos/OWNER/REPO/pulls)")?;
    let mut into = Collector::for_page(pulls.len());
    let issues = format!("github:{repo}/issues");
    for pull in &pulls {
        let id = pull_id(repo, pull.number);
        let seen = PullSeen {
            id: &id,
            number: pull.number,
            repository: repo,
            title: pull.title.as_deref(),
            body: pull.body.as_deref(),
            url: pull.html_url.as_deref(),
            author: login(pull.user.as_ref()),
            state: pull.state.as_deref(),
            branch: pull.head.as_ref().and_then(|b| b.name.as_deref()),
            target_branch: pull.base.as_ref().and_then(|b| b.name.as_deref()),
            draft: pull.draft,
            opened: pull.created_at,
            merged: pull.merged_at,
            merge_commit: pull.merge_commit_sha.as_deref(),
            closed: pull.closed_at,
            issues: &issues,
        };
        pull_request(&mut into, &seen);
    }
    Ok(into.into_page())
}

/// A page of `GET /repos/OWNER/REPO/pulls/NUMBER/reviews`: each submitted review with its state,
/// and an approval or a change request as its own event too. Pending reviews (not submitted) are
/// skipped and counted.
pub fn pull_reviews(page: &[u8], repo: &str, number: u64) -> Result<Page, ParseError> {
    let reviews: Vec<Review> = parse(
        page,
        "GitHub's review list (/repos/OWNER/REPO/pulls/N/reviews)",
    )?;
    let mut into = Collector::for_page(reviews.len());
    let pull = pull_id(repo, number);
    pull_request_named(&mut into, &pull, number);
    for item in &reviews {
        let Some(submitted) = item.submitted_at else {
            into.skip("a review not submitted yet (pending)");
            continue;
        };
        let state = item
            .state
            .as_deref()
            .unwrap_or("commented")
            .to_ascii_lowercase();
        let id = format!("{pull}/reviews/{}", item.id);
        review(
            &mut into,
            &pull,
            &id,
            submitted,
            &state,
            login(item.user.as_ref()),
        );
    }
    Ok(into.into_page())
}

/// A page of `GET /repos/OWNER/REPO/pulls/NUMBER/commits`: each commit (`git:<hash>`) with its
/// authored and committed events, contained in the pull request.
pub fn pull_commits(page: &[u8], repo: &str, number: u64) -> Result<Page, ParseError> {
    let commits: Vec<PullCommit> = parse(
        page,
        "GitHub's pull request commits (/repos/OWNER/REPO/pulls/N/commits)",
    )?;
    let mut into = Collector::for_page(commits.len());
    let pull = pull_id(repo, number);
    pull_request_named(&mut into, &pull, number);
    for item in &commits {
        let detail = item.commit.as_ref();
        let author = detail.and_then(|d| d.author.as_ref());
        let committer = detail.and_then(|d| d.committer.as_ref());
        let seen = CommitSeen {
            sha: &item.sha,
            message: detail.and_then(|d| d.message.as_deref()),
            author: author.and_then(|a| a.name.as_deref()),
            authored: author.and_then(|a| a.date),
            committer: committer.and_then(|c| c.name.as_deref()),
            committed: committer.and_then(|c| c.date),
        };
        if let Some(id) = commit(&mut into, &seen) {
            into.relation(&pull, &id, "contains");
        }
    }
    Ok(into.into_page())
}

/// Adds an issue (not a pull request) and returns its id.
fn add_issue(into: &mut Collector, repo: &str, issue: &Issue) -> String {
    let id = issue_id(repo, issue.number);
    let labels: Vec<&str> = issue
        .labels
        .iter()
        .filter_map(|l| l.name.as_deref())
        .collect();
    into.object(
        &id,
        ObjectType::Issue,
        vec![
            ("number", integer(issue.number)),
            ("title", text(issue.title.as_deref())),
            ("url", text(issue.html_url.as_deref())),
            ("repository", text(Some(repo))),
            ("author", text(login(issue.user.as_ref()))),
            ("state", text(issue.state.as_deref())),
            ("labels", text(Some(&labels.join(", ")))),
        ],
    );
    id
}

/// The id of an issue's closing or reopening: the issue, what happened and when, so that the
/// issue list's `closed_at` and the issue events' `closed` are one event.
fn state_change_id(issue: &str, what: &str, time: Timestamp) -> String {
    format!("{issue}/{what}/{}", time.as_second())
}

/// A page of `GET /repos/OWNER/REPO/issues?state=all`: each issue, created and (if so) closed.
/// The list holds pull requests too; those are skipped and counted (the pull request list has
/// them).
pub fn issues(page: &[u8], repo: &str) -> Result<Page, ParseError> {
    let issues: Vec<Issue> = parse(page, "GitHub's issue list (/repos/OWNER/REPO/issues)")?;
    let mut into = Collector::for_page(issues.len());
    for issue in &issues {
        if issue.pull_request.is_some() {
            into.skip("a pull request in the issue list (read from the pull request list)");
            continue;
        }
        let id = add_issue(&mut into, repo, issue);
        let objects = vec![(id.as_str(), "issue")];
        let author = vec![("author", text(login(issue.user.as_ref())))];
        if let Some(created) = issue.created_at {
            into.event(
                format!("{id}/created"),
                EventType::IssueCreated,
                created,
                author,
                objects.clone(),
            );
        }
        if let Some(closed) = issue.closed_at {
            into.event(
                state_change_id(&id, "closed", closed),
                EventType::IssueClosed,
                closed,
                Vec::new(),
                objects,
            );
        }
    }
    Ok(into.into_page())
}

/// A page of `GET /repos/OWNER/REPO/issues/events`: on issues, `labeled` (attribute `label`),
/// `closed` (with the closing commit, if any, linked `closed_by`) and `reopened`; on pull
/// requests, `ready_for_review` and `reopened` (their opening, merging and closing come from the
/// pull request list). Other events are skipped and counted by kind.
pub fn issue_events(page: &[u8], repo: &str) -> Result<Page, ParseError> {
    let events: Vec<IssueEvent> = parse(
        page,
        "GitHub's issue events (/repos/OWNER/REPO/issues/events)",
    )?;
    let mut into = Collector::for_page(events.len());
    for event in &events {
        let Some(issue) = &event.issue else {
            into.skip("an issue event without its issue");
            continue;
        };
        let own_id = format!("github:{repo}/issues/events/{}", event.id);
        let actor = vec![("actor", text(login(event.actor.as_ref())))];
        if issue.pull_request.is_some() {
            let kind = match event.event.as_str() {
                "ready_for_review" => EventType::PrReadyForReview,
                "reopened" => EventType::PrReopened,
                other => {
                    into.skip(format!(
                        "pull request event `{}`",
                        crate::decode::bounded(other)
                    ));
                    continue;
                }
            };
            let pull = pull_id(repo, issue.number);
            pull_request_named(&mut into, &pull, issue.number);
            into.event(
                own_id,
                kind,
                event.created_at,
                actor,
                vec![(&pull, "pull_request")],
            );
            continue;
        }
        let id = add_issue(&mut into, repo, issue);
        let time = event.created_at;
        match event.event.as_str() {
            "labeled" => {
                let label = text(event.label.as_ref().and_then(|l| l.name.as_deref()));
                let attributes = vec![("label", label), actor[0].clone()];
                into.event(
                    own_id,
                    EventType::IssueLabeled,
                    time,
                    attributes,
                    vec![(&id, "issue")],
                );
            }
            "closed" => {
                let closing = event
                    .commit_id
                    .as_deref()
                    .and_then(|sha| commit_named(&mut into, sha));
                let mut objects = vec![(id.as_str(), "issue")];
                if let Some(commit) = &closing {
                    objects.push((commit, "commit"));
                    into.relation(&id, commit, "closed_by");
                }
                into.event(
                    state_change_id(&id, "closed", time),
                    EventType::IssueClosed,
                    time,
                    actor,
                    objects,
                );
            }
            "reopened" => {
                let objects = vec![(id.as_str(), "issue")];
                into.event(
                    state_change_id(&id, "reopened", time),
                    EventType::IssueReopened,
                    time,
                    actor,
                    objects,
                );
            }
            other => into.skip(format!("issue event `{}`", crate::decode::bounded(other))),
        }
    }
    Ok(into.into_page())
}

/// A page of `GET /repos/OWNER/REPO/actions/runs`: each workflow run queued (`created_at`),
/// started (`run_started_at`) and, once it has a conclusion, finished (`updated_at`, attribute
/// `conclusion`); linked to its head commit (`builds`).
pub fn runs(page: &[u8], repo: &str) -> Result<Page, ParseError> {
    let runs: Runs = parse(
        page,
        "GitHub's workflow runs (/repos/OWNER/REPO/actions/runs)",
    )?;
    let mut into = Collector::for_page(runs.workflow_runs.len());
    for run in &runs.workflow_runs {
        let id = format!("github:{repo}/actions/runs/{}", run.id);
        let status = run.status.as_deref().map(str::to_ascii_lowercase);
        let conclusion = run
            .conclusion
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(str::to_ascii_lowercase);
        into.object(
            &id,
            ObjectType::PipelineRun,
            vec![
                ("name", text(run.name.as_deref())),
                ("trigger", text(run.event.as_deref())),
                ("branch", text(run.head_branch.as_deref())),
                ("commit", text(run.head_sha.as_deref())),
                ("status", text(status.as_deref())),
                ("conclusion", text(conclusion.as_deref())),
                ("url", text(run.html_url.as_deref())),
                ("attempt", run.attempt.and_then(integer)),
            ],
        );
        let objects = vec![(id.as_str(), "pipeline_run")];
        into.event(
            format!("{id}/queued"),
            EventType::PipelineQueued,
            run.created_at,
            Vec::new(),
            objects.clone(),
        );
        if let Some(started) = run.started_at {
            into.event(
                format!("{id}/started"),
                EventType::PipelineStarted,
                started,
                Vec::new(),
                objects.clone(),
            );
        }
        if let (Some(conclusion), Some(finished)) = (&conclusion, run.updated_at) {
            let attributes = vec![("conclusion", text(Some(conclusion)))];
            into.event(
                format!("{id}/finished"),
                EventType::PipelineFinished,
                finished,
                attributes,
                objects,
            );
        }
        if let Some(commit) = run
            .head_sha
            .as_deref()
            .and_then(|sha| commit_named(&mut into, sha))
        {
            into.relation(&id, &commit, "builds");
        }
    }
    Ok(into.into_page())
}

/// The repository a saved item names: a pull request's `base.repo.full_name`, a run's
/// `repository.full_name`, or the `OWNER/REPO` of its (or its issue's) `html_url`.
fn repository_named(item: &serde_json::Value) -> Option<String> {
    let full_name = |value: &serde_json::Value| value["full_name"].as_str().map(str::to_string);
    full_name(&item["base"]["repo"])
        .or_else(|| full_name(&item["repository"]))
        .or_else(|| url_path(item["html_url"].as_str()?, 2))
        .or_else(|| url_path(item["issue"]["html_url"].as_str()?, 2))
}

/// Reads a folder of saved GitHub responses laid out as the recorded data: `pull_requests/`,
/// `pull_request_reviews/`, `pull_request_commits/`, `issues/`, `events/`, `runs/`,
/// `deployments/` and `deployment_statuses/`, each of `page-NNN.json` files (a folder may be
/// absent); the pull request of a reviews or commits page, and the deployment of a statuses
/// page, come from its request path in `api-pages.json` (see [`crate::INDEX`]). Responses of
/// another repository than `repo` are an error naming both; a reviews or commits page of a pull
/// request that no pull request page holds is skipped and counted, not made into a bare pull
/// request.
pub fn from_dir(dir: &Path, repo: &str) -> Result<(Batch, Report), ParseError> {
    let repo = &repo_key(repo);
    let saved = Saved::open(dir)?;
    let owned = |page: &_| check_owner(page, "repository", repo, repository_named);
    let mut into = Collector::new();
    let mut listed = Listed::new("pull request #");
    each_page(&saved, "pull_requests", &mut into, |page| {
        owned(page)?;
        let parsed = pulls(&page.bytes, repo)?;
        listed.add(&parsed);
        Ok(parsed)
    })?;
    type PerPull = fn(&[u8], &str, u64) -> Result<Page, ParseError>;
    let per_pull: [(&str, PerPull, &str); 2] = [
        ("pull_request_reviews", pull_reviews, "a review"),
        ("pull_request_commits", pull_commits, "a commit"),
    ];
    for (endpoint, parse_page, item) in per_pull {
        each_page(&saved, endpoint, &mut into, |page| {
            let number = page.number_after("pulls", "pull request")?;
            owned(page)?;
            Ok(listed.keep(parse_page(&page.bytes, repo, number)?, number, item))
        })?;
    }
    each_page(&saved, "issues", &mut into, |page| {
        owned(page)?;
        issues(&page.bytes, repo)
    })?;
    each_page(&saved, "events", &mut into, |page| {
        owned(page)?;
        issue_events(&page.bytes, repo)
    })?;
    each_page(&saved, "runs", &mut into, |page| {
        owned(page)?;
        runs(&page.bytes, repo)
    })?;
    deployments::from_saved(&saved, repo, &mut into)?;
    Ok(into.finish())
}

/// GitHub's API: `https://api.github.com` (an Enterprise server's is `https://HOST/api/v3`).
pub const API_URL: &str = "https://api.github.com";

/// Fetches `repo` (`OWNER/NAME`) from GitHub: pull requests, each one's reviews and commits,
/// issues, issue events, Actions runs, deployments and each one's statuses, every page of each.
/// With `since` (the [`Cursor`] of the last run), only what changed since: pull requests
/// newest-updated first until one before `since` (their reviews and commits in full), issues
/// with `since=`, issue events newest first until one before `since`, runs created since,
/// deployments (newest first) until one updated a day before `since` (the statuses of each in
/// full). Items just before `since` may be read again; they have the same ids, so nothing is
/// duplicated.
pub fn fetch(
    client: &Client,
    repo: &str,
    since: Option<Timestamp>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Batch, Report, Cursor), FetchError> {
    let repo = &repo_key(repo);
    let mut run = Fetch::new(client, since, progress);
    let base = format!(
        "/repos/{}",
        repo.split('/').map(encode).collect::<Vec<_>>().join("/")
    );
    let updated = Some(Times::UPDATED_AT);
    let mut pulled = Vec::new();
    let query = match since {
        None => "direction=asc&page=1&per_page=100&state=all",
        Some(_) => "direction=desc&per_page=100&sort=updated&state=all",
    };
    run.endpoint(
        &format!("{base}/pulls?{query}"),
        Paging::Link,
        updated,
        since,
        |bytes| {
            let page = pulls(bytes, repo)?;
            pulled.extend(numbers(&page));
            Ok(page)
        },
    )?;
    pulled.dedup();
    let per_pull = "direction=asc&page=1&per_page=100&state=all";
    for &number in &pulled {
        let path = format!("{base}/pulls/{number}/reviews?{per_pull}");
        run.endpoint(&path, Paging::Link, None, None, |bytes| {
            pull_reviews(bytes, repo, number)
        })?;
    }
    for &number in &pulled {
        let path = format!("{base}/pulls/{number}/commits?{per_pull}");
        run.endpoint(&path, Paging::Link, None, None, |bytes| {
            pull_commits(bytes, repo, number)
        })?;
    }
    let mut path = format!("{base}/issues?direction=asc&page=1&per_page=100&state=all");
    if let Some(since) = since {
        path.push_str(&format!("&since={}", encode(&since.to_string())));
    }
    run.endpoint(&path, Paging::Link, updated, None, |bytes| {
        issues(bytes, repo)
    })?;
    let path = format!("{base}/issues/events?direction=asc&page=1&per_page=100&state=all");
    let created = Some(Times {
        list: None,
        field: &["created_at"],
    });
    run.endpoint(&path, Paging::Link, created, since, |bytes| {
        issue_events(bytes, repo)
    })?;
    let mut path = format!("{base}/actions/runs?page=1&per_page=100");
    if let Some(since) = since {
        path.push_str(&format!("&created={}", encode(&format!(">={since}"))));
    }
    let runs_updated = Some(Times {
        list: Some("workflow_runs"),
        field: &["updated_at"],
    });
    run.endpoint(&path, Paging::Link, runs_updated, None, |bytes| {
        runs(bytes, repo)
    })?;
    // The list cannot filter by time: newest first, until a page reaches back a day before
    // `since` (a deployment running across `since` gets its final status read).
    let reach_back = since.map(|since| {
        since
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .unwrap_or(since)
    });
    let mut listed = Vec::new();
    let path = format!("{base}/deployments?page=1&per_page=100");
    run.endpoint(&path, Paging::Link, updated, reach_back, |bytes| {
        let (page, numbers) = deployments::deployments_listed(bytes, repo)?;
        listed.extend(numbers);
        Ok(page)
    })?;
    listed.dedup();
    for number in listed {
        let mut statuses = Vec::new();
        let path = format!("{base}/deployments/{number}/statuses?page=1&per_page=100");
        run.endpoint(&path, Paging::Link, None, None, |bytes| {
            let read = deployments::read_statuses(bytes)?;
            let counted = Collector::for_page(read.len()).into_page();
            statuses.extend(read);
            Ok(counted)
        })?;
        let id = deployments::deployment_id(repo, number);
        let environment = deployments::environment_of(run.into.batch(), &id).map(str::to_string);
        let page = deployments::status_events(repo, number, statuses, environment.as_deref());
        run.into.add(page);
    }
    Ok(run.finish())
}
