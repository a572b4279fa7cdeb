//! GitHub's webhook deliveries, read by the parsers of the REST pages their payloads embed (see
//! [`crate::hook`]): `pull_request` (the pull request as the list gives it),
//! `pull_request_review` (a review, as the pull request's reviews page), `issues` (the issue),
//! `workflow_run` (the run), `deployment` (the deployment) and `deployment_status` (the
//! deployment and one of its statuses), and `release` (a release object named as git's tags
//! are). Other events (`ping`, `push`, `star`...) are not used.

use jiff::Timestamp;
use serde_json::Value as Json;
use vsm_events::{EventType, ObjectType};

use super::deployments::{Status, deployment_id, deployments, environment_of, status_events};
use super::{issues, pull_reviews, pulls, repo_key, runs};
use crate::collect::{Collector, Page, text};
use crate::decode::ParseError;
use crate::hook::{Hook, as_page, envelope, list, named, text_at, value_at};

/// The events read, with what each gives.
pub const USED: [&str; 7] = [
    "pull_request",
    "pull_request_review",
    "issues",
    "workflow_run",
    "deployment",
    "deployment_status",
    "release",
];

/// Reads one delivery of GitHub's event `event` (its `X-GitHub-Event` header) with body
/// `body`. Pure: the same delivery gives the same page. An event vsm does not read is
/// [`Hook::NotUsed`], never an error; a body that is not the event's payload is an error naming
/// the place and the value.
pub fn webhook(event: &str, body: &[u8]) -> Result<Hook, ParseError> {
    if !USED.contains(&event) {
        return Ok(Hook::not_used(format!(
            "GitHub's `{}` events are not used (vsm reads {})",
            named(event),
            USED.join(", ")
        )));
    }
    let what = format!("GitHub's `{event}` webhook payload");
    let body = envelope(body, &what)?;
    let repo = repo_key(text_at(&body, "repository.full_name", &what)?);
    let repo = repo.as_str();
    let page = match event {
        "pull_request" => as_page(
            value_at(&body, "pull_request", &what)?,
            "pull_request",
            list,
            |page| pulls(page, repo),
        )?,
        "pull_request_review" => {
            let number = value_at(&body, "pull_request.number", &what)?
                .as_u64()
                .ok_or_else(|| not_a_number("pull_request.number", &what))?;
            as_page(value_at(&body, "review", &what)?, "review", list, |page| {
                pull_reviews(page, repo, number)
            })?
        }
        "issues" => {
            if body["issue"].get("pull_request").is_some() {
                return Ok(Hook::not_used(
                    "an `issues` event of a pull request (read from `pull_request` events)",
                ));
            }
            as_page(value_at(&body, "issue", &what)?, "issue", list, |page| {
                issues(page, repo)
            })?
        }
        "workflow_run" => as_page(
            value_at(&body, "workflow_run", &what)?,
            "workflow_run",
            |run| serde_json::json!({ "workflow_runs": [run] }),
            |page| runs(page, repo),
        )?,
        "deployment" => as_page(
            value_at(&body, "deployment", &what)?,
            "deployment",
            list,
            |page| deployments(page, repo),
        )?,
        "deployment_status" => deployment_status(&body, repo, &what)?,
        _ => release(&body, repo, &what)?,
    };
    Ok(Hook::Used(page))
}

fn not_a_number(path: &str, what: &str) -> ParseError {
    ParseError {
        file: None,
        place: format!("at {path}"),
        problem: format!("{what} has no number at `{path}`"),
        fix: "check that the delivery is GitHub's payload itself".into(),
    }
}

/// The deployment (as the deployments list gives it) and its one status (as a statuses page),
/// each deployment's statuses arriving one delivery at a time: see [`settle`] for how the
/// deliveries of one deployment add up to what its statuses pages give.
fn deployment_status(body: &Json, repo: &str, what: &str) -> Result<Page, ParseError> {
    let deployment = value_at(body, "deployment", what)?;
    let listed = as_page(deployment, "deployment", list, |page| {
        deployments(page, repo)
    })?;
    let number = value_at(body, "deployment.id", what)?
        .as_u64()
        .ok_or_else(|| not_a_number("deployment.id", what))?;
    let status: Status = serde_json::from_value(value_at(body, "deployment_status", what)?.clone())
        .map_err(|e| ParseError {
            file: None,
            place: "at deployment_status".into(),
            problem: format!("{what} has a `deployment_status` that is not a status: {e}"),
            fix: "check that the delivery is GitHub's payload itself".into(),
        })?;
    let environment =
        environment_of(&listed.batch, &deployment_id(repo, number)).map(str::to_string);
    let mut into = Collector::new();
    into.add(listed);
    into.add(Collector::for_page(1).into_page());
    into.add(status_events(
        repo,
        number,
        vec![status],
        environment.as_deref(),
    ));
    Ok(into.into_page())
}

/// A release (`action` published, created, released, edited...): the `release` object git's
/// tags make, `git:OWNER/REPO/tag/TAG` (`tag`, `repository`), and its `tag_created` event at
/// `published_at` (else `created_at`). A deleted release is not used. Which commits it
/// released first comes from git's history (`vsm fetch git`).
fn release(body: &Json, repo: &str, what: &str) -> Result<Page, ParseError> {
    if body["action"].as_str() == Some("deleted") {
        let mut into = Collector::for_page(1);
        into.skip("a deleted release");
        return Ok(into.into_page());
    }
    let tag = text_at(body, "release.tag_name", what)?;
    let time = ["release.published_at", "release.created_at"]
        .iter()
        .find_map(|path| text_at(body, path, what).ok())
        .ok_or_else(|| ParseError {
            file: None,
            place: "at release.published_at".into(),
            problem: format!("{what} has no `published_at` or `created_at`"),
            fix: "check that the delivery is GitHub's payload itself".into(),
        })?;
    let time: Timestamp = time.parse().map_err(|e| ParseError {
        file: None,
        place: "at release.published_at".into(),
        problem: format!("`{}` is not a time ({e})", named(time)),
        fix: "GitHub writes times as 2019-08-20T10:55:19Z".into(),
    })?;
    let mut into = Collector::for_page(1);
    let id = format!("git:{repo}/tag/{tag}");
    into.object(
        &id,
        ObjectType::Release,
        vec![("tag", text(Some(tag))), ("repository", text(Some(repo)))],
    );
    into.event(
        format!("{id}/created"),
        EventType::TagCreated,
        time,
        Vec::new(),
        vec![(&id, "release")],
    );
    Ok(into.into_page())
}
