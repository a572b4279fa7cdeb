//! GitLab's webhook deliveries (`X-Gitlab-Event`): `Merge Request Hook`, `Pipeline Hook` and
//! `Deployment Hook`. Their payloads are not the REST objects (`object_attributes` names
//! fields its own way, times may read `2013-12-03 17:23:34 UTC`), so each is first put in the
//! shape the REST list gives and then read by that list's parser: the ids, attributes and
//! links are those `vsm fetch gitlab` writes. The project is `project.path_with_namespace`, in
//! lower case. Other events (`Push Hook`, `Note Hook`...) are not used.

use serde_json::{Value as Json, json};

use super::{deployments, merge_requests, pipelines};
use crate::decode::ParseError;
use crate::github::repo_key;
use crate::hook::{Hook, as_page, envelope, list, named, text_at, value_at};

/// The events read.
pub const USED: [&str; 3] = ["Merge Request Hook", "Pipeline Hook", "Deployment Hook"];

/// Reads one delivery of GitLab's event `event` (its `X-Gitlab-Event` header) with body
/// `body`; see [`crate::github::webhook`].
pub fn webhook(event: &str, body: &[u8]) -> Result<Hook, ParseError> {
    if !USED.contains(&event) {
        return Ok(Hook::not_used(format!(
            "GitLab's `{}` events are not used (vsm reads {})",
            named(event),
            USED.join(", ")
        )));
    }
    let what = format!("GitLab's `{event}` payload");
    let body = envelope(body, &what)?;
    let project = repo_key(text_at(&body, "project.path_with_namespace", &what)?);
    let project = project.as_str();
    let page = match event {
        "Merge Request Hook" => {
            let request = merge_request(&body, &what)?;
            as_page(&request, "object_attributes", list, |page| {
                merge_requests(page, project)
            })?
        }
        "Pipeline Hook" => {
            let pipeline = pipeline(&body, &what)?;
            as_page(&pipeline, "object_attributes", list, |page| {
                pipelines(page, project)
            })?
        }
        _ => {
            let deployment = deployment(&body, &what)?;
            as_page(&deployment, "deployment", list, |page| {
                deployments(page, project)
            })?
        }
    };
    Ok(Hook::Used(page))
}

/// A time as GitLab's hooks write it (`2013-12-03T17:23:34Z`, `2013-12-03 17:23:34 UTC`,
/// `2021-04-28 21:50:00 +0200`) as RFC 3339; anything else as it is (the parser then names it).
fn time(value: &Json) -> Json {
    let Some(text) = value.as_str() else {
        return value.clone();
    };
    if text.parse::<jiff::Timestamp>().is_ok() {
        return value.clone();
    }
    let spelled = text.replace(" UTC", " +0000");
    match jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", &spelled)
        .and_then(|parsed| parsed.to_timestamp())
    {
        Ok(at) => Json::String(at.to_string()),
        Err(_) => value.clone(),
    }
}

/// The merge request as `GET /projects/ID/merge_requests` lists it: `url` is `web_url`; the
/// author is the hook's `user` when it opened the request; `merged_at` and `closed_at`, when the
/// hook has none, are its `updated_at` in that state.
fn merge_request(body: &Json, what: &str) -> Result<Json, ParseError> {
    let attributes = value_at(body, "object_attributes", what)?;
    let field = |name: &str| attributes.get(name).cloned().unwrap_or(Json::Null);
    let state = attributes["state"].as_str().unwrap_or_default();
    let updated = time(&field("updated_at"));
    let when = |name: &str, in_state: &str| match time(&field(name)) {
        Json::Null if state == in_state => updated.clone(),
        found => found,
    };
    let author = match attributes["action"].as_str() {
        Some("open") => json!({ "username": body["user"]["username"] }),
        _ => Json::Null,
    };
    let draft = attributes
        .get("draft")
        .or(attributes.get("work_in_progress"))
        .cloned()
        .unwrap_or(Json::Null);
    Ok(json!({
        "iid": field("iid"),
        "title": field("title"),
        "description": field("description"),
        "state": state,
        "web_url": field("url"),
        "author": author,
        "created_at": time(&field("created_at")),
        "merged_at": when("merged_at", "merged"),
        "closed_at": when("closed_at", "closed"),
        "merge_commit_sha": field("merge_commit_sha"),
        "squash_commit_sha": field("squash_commit_sha"),
        "source_branch": field("source_branch"),
        "target_branch": field("target_branch"),
        "draft": draft,
    }))
}

/// The pipeline as `GET /projects/ID/pipelines` lists it: its `finished_at` is the list's
/// `updated_at` (the time a final status is read at).
fn pipeline(body: &Json, what: &str) -> Result<Json, ParseError> {
    let attributes = value_at(body, "object_attributes", what)?;
    let field = |name: &str| attributes.get(name).cloned().unwrap_or(Json::Null);
    let finished = match time(&field("finished_at")) {
        Json::Null => time(&field("updated_at")),
        found => found,
    };
    Ok(json!({
        "id": field("id"),
        "iid": field("iid"),
        "status": field("status"),
        "ref": field("ref"),
        "sha": field("sha"),
        "source": field("source"),
        "web_url": field("url"),
        "created_at": time(&field("created_at")),
        "updated_at": finished,
    }))
}

/// The deployment as `GET /projects/ID/deployments` lists it: `id` is `deployment_id`, the
/// commit the end of `commit_url`, and both its creation and its update `status_changed_at`
/// (a running status starts it, a final one ends it; [`crate::settle`] keeps the first of each
/// over the deliveries of one deployment).
fn deployment(body: &Json, what: &str) -> Result<Json, ParseError> {
    let id = value_at(body, "deployment_id", what)?;
    let changed = time(value_at(body, "status_changed_at", what)?);
    let sha = body["commit_url"]
        .as_str()
        .and_then(|url| url.rsplit('/').next())
        .map_or(Json::Null, |sha| Json::String(sha.to_string()));
    Ok(json!({
        "id": id,
        "status": body["status"],
        "ref": body["ref"],
        "sha": sha,
        "created_at": changed,
        "updated_at": changed,
        "user": { "username": body["user"]["username"] },
        "environment": { "name": body["environment"] },
    }))
}
