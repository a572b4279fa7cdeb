//! GitLab's REST responses: merge requests, their notes (approvals) and commits, pipelines and
//! deployments.
//!
//! `project` is the project as the user names it (`group/project` or its number); ids are
//! `gitlab:PROJECT/merge_requests/IID`, `gitlab:PROJECT/pipelines/ID`,
//! `gitlab:PROJECT/deployments/ID`, and commits `git:<hash>`. See `docs/sources.md`.

mod webhook;

pub use webhook::{USED as WEBHOOK_EVENTS, webhook};

use std::path::Path;

use jiff::Timestamp;
use serde::Deserialize;
use vsm_events::{Batch, EventType, ObjectType};

use crate::collect::{Collector, Page, Report, integer, text};
use crate::decode::{ParseError, optional_time, parse, time};
use crate::http::{Client, FetchError, Paging, Progress, encode};
use crate::live::{Cursor, Fetch, Times, numbers};
use crate::saved::{Listed, Saved, check_owner, each_page};
use crate::{CommitSeen, PullSeen, commit, commit_named, pull_request, pull_request_named, review};

#[derive(Deserialize)]
struct User {
    username: Option<String>,
}

#[derive(Deserialize)]
struct MergeRequest {
    iid: u64,
    title: Option<String>,
    description: Option<String>,
    state: Option<String>,
    web_url: Option<String>,
    author: Option<User>,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
    #[serde(default, deserialize_with = "optional_time")]
    merged_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_time")]
    closed_at: Option<Timestamp>,
    merge_commit_sha: Option<String>,
    squash_commit_sha: Option<String>,
    source_branch: Option<String>,
    target_branch: Option<String>,
    draft: Option<bool>,
}

#[derive(Deserialize)]
struct Note {
    id: u64,
    body: Option<String>,
    author: Option<User>,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
    system: Option<bool>,
}

#[derive(Deserialize)]
struct Commit {
    id: String,
    message: Option<String>,
    title: Option<String>,
    author_name: Option<String>,
    #[serde(default, deserialize_with = "optional_time")]
    authored_date: Option<Timestamp>,
    committer_name: Option<String>,
    #[serde(default, deserialize_with = "optional_time")]
    committed_date: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Pipeline {
    id: u64,
    iid: Option<u64>,
    status: Option<String>,
    #[serde(rename = "ref")]
    branch: Option<String>,
    sha: Option<String>,
    source: Option<String>,
    web_url: Option<String>,
    #[serde(default, deserialize_with = "optional_time")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_time")]
    updated_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct Environment {
    name: Option<String>,
}

/// The job that ran a deployment.
#[derive(Deserialize)]
struct Job {
    #[serde(default, deserialize_with = "optional_time")]
    started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "optional_time")]
    finished_at: Option<Timestamp>,
    pipeline: Option<Pipeline>,
    commit: Option<Commit>,
}

#[derive(Deserialize)]
struct Deployment {
    id: u64,
    iid: Option<u64>,
    status: Option<String>,
    #[serde(rename = "ref")]
    branch: Option<String>,
    sha: Option<String>,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
    #[serde(default, deserialize_with = "optional_time")]
    updated_at: Option<Timestamp>,
    user: Option<User>,
    environment: Option<Environment>,
    deployable: Option<Job>,
}

fn merge_request_id(project: &str, iid: u64) -> String {
    format!("gitlab:{project}/merge_requests/{iid}")
}

fn username(user: Option<&User>) -> Option<&str> {
    user.and_then(|u| u.username.as_deref())
}

/// A page of `GET /projects/ID/merge_requests`: each merge request (a `pull_request` object),
/// opened, merged (with its merge or squash commit) or closed, linked to the issues its title,
/// source branch or description names.
pub fn merge_requests(page: &[u8], project: &str) -> Result<Page, ParseError> {
    let requests: Vec<MergeRequest> = parse(
        page,
        "GitLab's merge request list (/projects/ID/merge_requests)",
    )?;
    let mut into = Collector::for_page(requests.len());
    let issues = format!("gitlab:{project}/issues");
    for request in &requests {
        let id = merge_request_id(project, request.iid);
        let seen = PullSeen {
            id: &id,
            number: request.iid,
            repository: project,
            title: request.title.as_deref(),
            body: request.description.as_deref(),
            url: request.web_url.as_deref(),
            author: username(request.author.as_ref()),
            state: request.state.as_deref(),
            branch: request.source_branch.as_deref(),
            target_branch: request.target_branch.as_deref(),
            draft: request.draft,
            opened: request.created_at,
            merged: request.merged_at,
            merge_commit: request
                .merge_commit_sha
                .as_deref()
                .or(request.squash_commit_sha.as_deref()),
            closed: request.closed_at,
            issues: &issues,
        };
        pull_request(&mut into, &seen);
    }
    Ok(into.into_page())
}

/// A page of one merge request's items (`what` names the endpoint for errors): the items, a
/// collector for them holding the merge request, and the merge request's id.
fn of_merge_request<T: serde::de::DeserializeOwned>(
    page: &[u8],
    what: &str,
    project: &str,
    iid: u64,
) -> Result<(Vec<T>, Collector, String), ParseError> {
    let items: Vec<T> = parse(page, what)?;
    let mut into = Collector::for_page(items.len());
    let request = merge_request_id(project, iid);
    pull_request_named(&mut into, &request, iid);
    Ok((items, into, request))
}

/// A page of `GET /projects/ID/merge_requests/IID/notes`: "approved this merge request" is a
/// review (state `approved`) and an approval, "unapproved this merge request" a review with state
/// `dismissed`, "requested changes" a review (`changes_requested`) and a change request, a
/// person's comment a review with state `commented`. Other system notes (assignments, pushes,
/// "merged") are skipped and counted.
pub fn merge_request_notes(page: &[u8], project: &str, iid: u64) -> Result<Page, ParseError> {
    let (notes, mut into, request) = of_merge_request::<Note>(
        page,
        "GitLab's merge request notes (/projects/ID/merge_requests/IID/notes)",
        project,
        iid,
    )?;
    for note in &notes {
        let body = note.body.as_deref().unwrap_or_default().trim();
        let state = match (note.system.unwrap_or(false), body) {
            (true, "approved this merge request") => "approved",
            (true, "unapproved this merge request") => "dismissed",
            (true, "requested changes") => "changes_requested",
            (true, _) => {
                into.skip("a system note that is not an approval (assignment, push, merge...)");
                continue;
            }
            (false, _) => "commented",
        };
        let id = format!("{request}/notes/{}", note.id);
        review(
            &mut into,
            &request,
            &id,
            note.created_at,
            state,
            username(note.author.as_ref()),
        );
    }
    Ok(into.into_page())
}

fn add_commit(into: &mut Collector, item: &Commit) -> Option<String> {
    let seen = CommitSeen {
        sha: &item.id,
        message: item.message.as_deref().or(item.title.as_deref()),
        author: item.author_name.as_deref(),
        authored: item.authored_date,
        committer: item.committer_name.as_deref(),
        committed: item.committed_date,
    };
    commit(into, &seen)
}

/// A page of `GET /projects/ID/merge_requests/IID/commits`: each commit (`git:<hash>`) with its
/// authored and committed events, contained in the merge request.
pub fn merge_request_commits(page: &[u8], project: &str, iid: u64) -> Result<Page, ParseError> {
    let (commits, mut into, request) = of_merge_request::<Commit>(
        page,
        "GitLab's merge request commits (/projects/ID/merge_requests/IID/commits)",
        project,
        iid,
    )?;
    for item in &commits {
        if let Some(id) = add_commit(&mut into, item) {
            into.relation(&request, &id, "contains");
        }
    }
    Ok(into.into_page())
}

/// A pipeline's conclusion in the words GitHub uses (success, failure, cancelled, skipped); none
/// while it has not finished.
fn conclusion(status: &str) -> Option<&'static str> {
    match status {
        "success" => Some("success"),
        "failed" => Some("failure"),
        "canceled" => Some("cancelled"),
        "skipped" => Some("skipped"),
        _ => None,
    }
}

/// Adds a pipeline, queued and (if finished) finished, linked to its commit; returns its id.
fn add_pipeline(into: &mut Collector, project: &str, pipeline: &Pipeline) -> String {
    let id = format!("gitlab:{project}/pipelines/{}", pipeline.id);
    into.object(
        &id,
        ObjectType::PipelineRun,
        vec![
            ("number", pipeline.iid.and_then(integer)),
            ("trigger", text(pipeline.source.as_deref())),
            ("branch", text(pipeline.branch.as_deref())),
            ("commit", text(pipeline.sha.as_deref())),
            ("status", text(pipeline.status.as_deref())),
            ("url", text(pipeline.web_url.as_deref())),
        ],
    );
    let objects = vec![(id.as_str(), "pipeline_run")];
    if let Some(queued) = pipeline.created_at {
        into.event(
            format!("{id}/queued"),
            EventType::PipelineQueued,
            queued,
            Vec::new(),
            objects.clone(),
        );
    }
    let finished = pipeline.status.as_deref().and_then(conclusion);
    if let (Some(conclusion), Some(time)) = (finished, pipeline.updated_at) {
        let attributes = vec![("conclusion", text(Some(conclusion)))];
        into.event(
            format!("{id}/finished"),
            EventType::PipelineFinished,
            time,
            attributes,
            objects,
        );
    }
    if let Some(commit) = pipeline
        .sha
        .as_deref()
        .and_then(|sha| commit_named(into, sha))
    {
        into.relation(&id, &commit, "builds");
    }
    id
}

/// A page of `GET /projects/ID/pipelines`: each pipeline queued (`created_at`) and, once its
/// status is final, finished (`updated_at`, attribute `conclusion`: success, failure, cancelled,
/// skipped); the list has no start time.
pub fn pipelines(page: &[u8], project: &str) -> Result<Page, ParseError> {
    let pipelines: Vec<Pipeline> = parse(page, "GitLab's pipeline list (/projects/ID/pipelines)")?;
    let mut into = Collector::for_page(pipelines.len());
    for pipeline in &pipelines {
        add_pipeline(&mut into, project, pipeline);
    }
    Ok(into.into_page())
}

/// A page of `GET /projects/ID/deployments`: each deployment started (its job's `started_at`, or
/// `created_at`) and, when its status is success, failed or canceled, finished (`updated_at`),
/// both with attributes `environment` and `status`; linked to the pipeline that ran it (`run_by`,
/// the pipeline read from the deployment too) and to the commit it deployed (`deploys`).
pub fn deployments(page: &[u8], project: &str) -> Result<Page, ParseError> {
    let deployments: Vec<Deployment> =
        parse(page, "GitLab's deployment list (/projects/ID/deployments)")?;
    let mut into = Collector::for_page(deployments.len());
    for deployment in &deployments {
        let id = format!("gitlab:{project}/deployments/{}", deployment.id);
        let environment = deployment
            .environment
            .as_ref()
            .and_then(|e| e.name.as_deref());
        let status = deployment.status.as_deref();
        into.object(
            &id,
            ObjectType::Deployment,
            vec![
                ("number", deployment.iid.and_then(integer)),
                ("environment", text(environment)),
                ("status", text(status)),
                ("branch", text(deployment.branch.as_deref())),
                ("commit", text(deployment.sha.as_deref())),
                ("author", text(username(deployment.user.as_ref()))),
            ],
        );
        let job = deployment.deployable.as_ref();
        let attributes = vec![("environment", text(environment)), ("status", text(status))];
        let objects = vec![(id.as_str(), "deployment")];
        let started = job
            .and_then(|j| j.started_at)
            .unwrap_or(deployment.created_at);
        into.event(
            format!("{id}/started"),
            EventType::DeploymentStarted,
            started,
            attributes.clone(),
            objects.clone(),
        );
        let finished = deployment.updated_at.or(job.and_then(|j| j.finished_at));
        if let (Some("success" | "failed" | "canceled"), Some(time)) = (status, finished) {
            into.event(
                format!("{id}/finished"),
                EventType::DeploymentFinished,
                time,
                attributes,
                objects,
            );
        }
        if let Some(pipeline) = job.and_then(|j| j.pipeline.as_ref()) {
            let run = add_pipeline(&mut into, project, pipeline);
            into.relation(&id, &run, "run_by");
        }
        let commit = match job.and_then(|j| j.commit.as_ref()) {
            Some(item) => add_commit(&mut into, item),
            None => deployment
                .sha
                .as_deref()
                .and_then(|sha| commit_named(&mut into, sha)),
        };
        if let Some(commit) = commit {
            into.relation(&id, &commit, "deploys");
        }
    }
    Ok(into.into_page())
}

/// Reads a folder of saved GitLab responses laid out as the recorded data: `merge_requests/`,
/// `merge_request_notes/`, `merge_request_commits/`, `pipeline/` and `deployments/`, each of
/// `page-NNN.json` files; the merge request of a notes or commits page comes from its request
/// path in `api-pages.json` (see [`crate::INDEX`]). Merge requests and pipelines of another
/// project than `project` (by `project_id` for a number, by the `web_url`'s path for a path) are
/// an error naming both; a notes or commits page of a merge request that no merge request page
/// holds is skipped and counted.
pub fn from_dir(dir: &Path, project: &str) -> Result<(Batch, Report), ParseError> {
    let project = &crate::github::repo_key(project);
    let saved = Saved::open(dir)?;
    let owned = |page: &_| {
        check_owner(page, "project", project, |item| {
            project_named(item, project)
        })
    };
    let mut into = Collector::new();
    let mut listed = Listed::new("merge request !");
    each_page(&saved, "merge_requests", &mut into, |page| {
        owned(page)?;
        let parsed = merge_requests(&page.bytes, project)?;
        listed.add(&parsed);
        Ok(parsed)
    })?;
    type PerRequest = fn(&[u8], &str, u64) -> Result<Page, ParseError>;
    let per_request: [(&str, PerRequest, &str); 2] = [
        ("merge_request_notes", merge_request_notes, "a note"),
        ("merge_request_commits", merge_request_commits, "a commit"),
    ];
    for (endpoint, parse_page, item) in per_request {
        each_page(&saved, endpoint, &mut into, |page| {
            let iid = page.number_after("merge_requests", "merge request")?;
            Ok(listed.keep(parse_page(&page.bytes, project, iid)?, iid, item))
        })?;
    }
    each_page(&saved, "pipeline", &mut into, |page| {
        owned(page)?;
        pipelines(&page.bytes, project)
    })?;
    each_page(&saved, "deployments", &mut into, |page| {
        deployments(&page.bytes, project)
    })?;
    Ok(into.finish())
}

/// The project a saved merge request or pipeline names, as `asked` names projects: its
/// `project_id` for a number, else the path of its `web_url` (`GROUP/PROJECT` before `/-/`).
fn project_named(item: &serde_json::Value, asked: &str) -> Option<String> {
    if asked.bytes().all(|b| b.is_ascii_digit()) {
        return item["project_id"].as_u64().map(|id| id.to_string());
    }
    let url = item["web_url"].as_str()?;
    let path = url.split_once("://")?.1.split_once('/')?.1;
    path.split_once("/-/")
        .map(|(project, _)| project.to_string())
}

/// GitLab's API: `https://gitlab.com/api/v4` (a self-managed one's is `https://HOST/api/v4`).
pub const API_URL: &str = "https://gitlab.com/api/v4";

/// Fetches `project` (`group/project` or its number) from GitLab: merge requests, each one's
/// notes and commits, pipelines and deployments, every page of each. With `since` (the
/// [`Cursor`] of the last run), merge requests, pipelines and deployments are asked with
/// `updated_after=` (a changed merge request's notes and commits in full).
pub fn fetch(
    client: &Client,
    project: &str,
    since: Option<Timestamp>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Batch, Report, Cursor), FetchError> {
    // GitLab's paths are case-insensitive too: one spelling in ids.
    let project = &crate::github::repo_key(project);
    let mut run = Fetch::new(client, since, progress);
    let base = format!("/projects/{}", encode(project));
    let after = since.map_or(String::new(), |since| {
        format!("&updated_after={}", encode(&since.to_string()))
    });
    let updated = Some(Times::UPDATED_AT);
    let mut requested = Vec::new();
    let path = format!("{base}/merge_requests?page=1&per_page=100&sort=asc&with_stats=true{after}");
    run.endpoint(&path, Paging::NextPage, updated, None, |bytes| {
        let page = merge_requests(bytes, project)?;
        requested.extend(numbers(&page));
        Ok(page)
    })?;
    requested.dedup();
    let per_request = "page=1&per_page=100&sort=asc&with_stats=true";
    for &iid in &requested {
        let path = format!("{base}/merge_requests/{iid}/notes?{per_request}");
        run.endpoint(&path, Paging::NextPage, None, None, |bytes| {
            merge_request_notes(bytes, project, iid)
        })?;
    }
    for &iid in &requested {
        let path = format!("{base}/merge_requests/{iid}/commits?{per_request}");
        run.endpoint(&path, Paging::NextPage, None, None, |bytes| {
            merge_request_commits(bytes, project, iid)
        })?;
    }
    let path = format!("{base}/pipelines?page=1&per_page=100&sort=asc&with_stats=true{after}");
    run.endpoint(&path, Paging::NextPage, updated, None, |bytes| {
        pipelines(bytes, project)
    })?;
    let path =
        format!("{base}/deployments?order_by=updated_at&page=1&per_page=100&sort=asc{after}");
    run.endpoint(&path, Paging::NextPage, updated, None, |bytes| {
        deployments(bytes, project)
    })?;
    Ok(run.finish())
}
