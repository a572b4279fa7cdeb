//! GitHub's deployments and their statuses: `GET /repos/O/R/deployments` and
//! `GET /repos/O/R/deployments/ID/statuses`.
//!
//! A deployment is asked for (`deployment_created`), then whatever runs it reports statuses:
//! `queued`, `pending`, `in_progress` while it runs, `success`, `failure`, `error` or `inactive`
//! when it ends (a successful deployment also turns `inactive` later, when a newer one replaces
//! it). So its start is its first running status and its end its first final one, which needs
//! every status of the deployment at once: the statuses pages are read first, then turned into
//! events ([`deployment_statuses`]).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use vsm_events::{Batch, EventType, ObjectType, Value};

use super::{User, login};
use crate::collect::{Collector, Page, text};
use crate::commit_named;
use crate::decode::{ParseError, parse, time};
use crate::saved::{Saved, SavedPage, check_owner, each_page};

#[derive(Deserialize)]
struct Deployment {
    id: u64,
    /// `commit_sha` in the API's 2026-03-10 version.
    #[serde(alias = "commit_sha")]
    sha: Option<String>,
    #[serde(rename = "ref")]
    branch: Option<String>,
    task: Option<String>,
    environment: Option<String>,
    url: Option<String>,
    creator: Option<User>,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
}

/// One status of a deployment.
#[derive(Deserialize)]
pub(crate) struct Status {
    id: u64,
    state: Option<String>,
    environment: Option<String>,
    #[serde(deserialize_with = "time")]
    created_at: Timestamp,
    log_url: Option<String>,
    target_url: Option<String>,
}

/// States a deployment is in while it runs, and those that end it.
const RUNNING: [&str; 3] = ["queued", "pending", "in_progress"];
const FINAL: [&str; 4] = ["success", "failure", "error", "inactive"];

pub(crate) fn deployment_id(repo: &str, number: u64) -> String {
    format!("github:{repo}/deployments/{number}")
}

/// A page of `GET /repos/OWNER/REPO/deployments`: each deployment (`environment`, `branch` from
/// `ref`, `commit` from `sha`, `task`, `url`, `author`), asked for at `created_at`
/// (`deployment_created`), linked to the commit it deploys (`deploys`).
pub fn deployments(page: &[u8], repo: &str) -> Result<Page, ParseError> {
    Ok(deployments_listed(page, repo)?.0)
}

/// As [`deployments`], with the numbers of the deployments listed, in order.
pub(crate) fn deployments_listed(page: &[u8], repo: &str) -> Result<(Page, Vec<u64>), ParseError> {
    let listed: Vec<Deployment> = parse(
        page,
        "GitHub's deployment list (/repos/OWNER/REPO/deployments)",
    )?;
    let mut into = Collector::for_page(listed.len());
    for deployment in &listed {
        let id = deployment_id(repo, deployment.id);
        let environment = deployment.environment.as_deref();
        into.object(
            &id,
            ObjectType::Deployment,
            vec![
                ("environment", text(environment)),
                ("branch", text(deployment.branch.as_deref())),
                ("commit", text(deployment.sha.as_deref())),
                ("task", text(deployment.task.as_deref())),
                ("url", text(deployment.url.as_deref())),
                ("author", text(login(deployment.creator.as_ref()))),
            ],
        );
        into.event(
            format!("{id}/created"),
            EventType::DeploymentCreated,
            deployment.created_at,
            vec![("environment", text(environment))],
            vec![(&id, "deployment")],
        );
        if let Some(commit) = deployment
            .sha
            .as_deref()
            .and_then(|sha| commit_named(&mut into, sha))
        {
            into.relation(&id, &commit, "deploys");
        }
    }
    let numbers = listed.iter().map(|d| d.id).collect();
    Ok((into.into_page(), numbers))
}

/// One page of `GET /repos/OWNER/REPO/deployments/ID/statuses`, not yet events.
pub(crate) fn read_statuses(page: &[u8]) -> Result<Vec<Status>, ParseError> {
    parse(
        page,
        "GitHub's deployment statuses (/repos/OWNER/REPO/deployments/ID/statuses)",
    )
}

/// The pages of one deployment's statuses (`GET /repos/OWNER/REPO/deployments/ID/statuses`):
/// its first running status (queued, pending, in_progress) is `deployment_started`, its first
/// final one (success, failure, error, inactive) `deployment_finished`, both with `status` (the
/// state) and `environment` (the status's, else `environment` as the deployment list gave it);
/// the deployment's `status` is the state it finished with, else its latest (and its
/// `environment`, when the list did not give one, the latest its statuses name). A status whose
/// `log_url` or `target_url` is an Actions run's page links the deployment to the run (`run_by`).
pub fn deployment_statuses(
    pages: &[&[u8]],
    repo: &str,
    number: u64,
    environment: Option<&str>,
) -> Result<Page, ParseError> {
    let mut into = Collector::new();
    let mut statuses = Vec::new();
    for page in pages {
        let read = read_statuses(page)?;
        into.add(Collector::for_page(read.len()).into_page());
        statuses.extend(read);
    }
    into.add(status_events(repo, number, statuses, environment));
    Ok(into.into_page())
}

/// The events and links of one deployment's statuses (see [`deployment_statuses`]); counts no
/// page (the pages were counted as they were read).
pub(crate) fn status_events(
    repo: &str,
    number: u64,
    mut statuses: Vec<Status>,
    environment: Option<&str>,
) -> Page {
    let mut into = Collector::new();
    let id = deployment_id(repo, number);
    statuses.sort_by_key(|s| (s.created_at, s.id));
    let state = |s: &Status| s.state.as_deref().map(str::to_ascii_lowercase);
    let first = |states: &[&str]| {
        statuses
            .iter()
            .find(|s| state(s).is_some_and(|st| states.contains(&st.as_str())))
    };
    let (started, finished) = (first(&RUNNING), first(&FINAL));
    let status = finished.or(statuses.last()).and_then(state);
    // A deployment the list did not give takes the environment its statuses name.
    let named = match environment {
        Some(_) => None,
        None => statuses.iter().rev().find_map(|s| s.environment.as_deref()),
    };
    into.object(
        &id,
        ObjectType::Deployment,
        vec![
            ("status", text(status.as_deref())),
            ("environment", text(named)),
        ],
    );
    for (found, kind, what) in [
        (started, EventType::DeploymentStarted, "started"),
        (finished, EventType::DeploymentFinished, "finished"),
    ] {
        let Some(found) = found else { continue };
        let attributes = vec![
            (
                "environment",
                text(found.environment.as_deref().or(environment)),
            ),
            ("status", text(state(found).as_deref())),
        ];
        into.event(
            format!("{id}/{what}"),
            kind,
            found.created_at,
            attributes,
            vec![(&id, "deployment")],
        );
    }
    for status in &statuses {
        let urls = [status.log_url.as_deref(), status.target_url.as_deref()];
        for run in urls
            .into_iter()
            .flatten()
            .filter_map(|u| actions_run(u, repo))
        {
            into.object(&run, ObjectType::PipelineRun, Vec::new());
            into.relation(&id, &run, "run_by");
        }
    }
    into.into_page()
}

/// The store's id of the Actions run a URL shows (`https://github.com/O/R/actions/runs/ID`,
/// with or without `/job/N` or `/attempts/N` after it): `github:O/R/actions/runs/ID`, its
/// repository from the URL (else `repo`).
pub(crate) fn actions_run(url: &str, repo: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').collect();
    let at = segments.windows(3).position(|w| {
        w[0] == "actions"
            && w[1] == "runs"
            && w[2].bytes().all(|b| b.is_ascii_digit())
            && !w[2].is_empty()
    })?;
    let run = segments[at + 2];
    let owner_repo = match at.checked_sub(2).map(|from| &segments[from..at]) {
        Some([owner, name]) if !owner.is_empty() && !name.is_empty() && !owner.contains(':') => {
            format!("{owner}/{name}")
        }
        _ => repo.to_string(),
    };
    Some(format!("github:{owner_repo}/actions/runs/{run}"))
}

/// The environment the batch gives a deployment, if any.
pub(crate) fn environment_of<'a>(batch: &'a Batch, id: &str) -> Option<&'a str> {
    let object = batch.objects.iter().find(|o| o.id == id)?;
    object
        .attributes
        .iter()
        .find_map(|(name, value)| match (name.as_str(), value) {
            ("environment", Value::Text(text)) => Some(text.as_str()),
            _ => None,
        })
}

/// The repository a saved deployment or deployment status names: the `OWNER/REPO` after
/// `/repos/` in its `repository_url` or `url` (`https://api.github.com/repos/OWNER/REPO/...`;
/// on Enterprise `https://HOST/api/v3/repos/...`).
fn repository_named(item: &serde_json::Value) -> Option<String> {
    ["repository_url", "url"].iter().find_map(|field| {
        let url = item[*field].as_str()?;
        let path = url.split(['?', '#']).next()?;
        let (_, rest) = path.split_once("/repos/")?;
        let mut parts = rest.split('/');
        let (owner, name) = (parts.next()?, parts.next()?);
        (!owner.is_empty() && !name.is_empty()).then(|| format!("{owner}/{name}"))
    })
}

/// Reads the saved `deployments/` pages (each checked to be of `repo`, as the pull request pages
/// are), then the `deployment_statuses/` pages (the deployment
/// of each from its request path in the index); either folder may be absent.
pub(crate) fn from_saved(
    saved: &Saved,
    repo: &str,
    into: &mut Collector,
) -> Result<(), ParseError> {
    // GitLab's saved responses have a `deployments/` folder too.
    let another_api = |page: &SavedPage| {
        page.request
            .as_deref()
            .is_some_and(|request| !request.starts_with("/repos/"))
    };
    let skipped = || {
        let mut skipped = Collector::new();
        skipped.skip("a saved page another API answered (its request path is not /repos/...)");
        Ok(skipped.into_page())
    };
    let owned = |page: &SavedPage| check_owner(page, "repository", repo, repository_named);
    each_page(saved, "deployments", into, |page| {
        if another_api(page) {
            return skipped();
        }
        owned(page)?;
        deployments(&page.bytes, repo)
    })?;
    let mut by_deployment: BTreeMap<u64, Vec<Status>> = BTreeMap::new();
    each_page(saved, "deployment_statuses", into, |page| {
        if another_api(page) {
            return skipped();
        }
        let number = page.number_after("deployments", "deployment")?;
        owned(page)?;
        let statuses = read_statuses(&page.bytes)?;
        let counted = Collector::for_page(statuses.len()).into_page();
        by_deployment.entry(number).or_default().extend(statuses);
        Ok(counted)
    })?;
    for (number, statuses) in by_deployment {
        let environment =
            environment_of(into.batch(), &deployment_id(repo, number)).map(str::to_string);
        into.add(status_events(
            repo,
            number,
            statuses,
            environment.as_deref(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actions_run_is_found_in_a_status_url() {
        let repo = "o/r";
        for (url, run) in [
            (
                "https://github.com/octo/app/actions/runs/42",
                Some("github:octo/app/actions/runs/42"),
            ),
            (
                "https://github.com/octo/app/actions/runs/42/job/7?pr=1",
                Some("github:octo/app/actions/runs/42"),
            ),
            ("https://example.com/deployment/42/output", None),
            ("https://github.com/octo/app/actions/runs/", None),
            ("actions/runs/9", Some("github:o/r/actions/runs/9")),
        ] {
            assert_eq!(actions_run(url, repo).as_deref(), run, "{url}");
        }
    }

    /// A deployment that was queued, ran, succeeded and was later replaced: it started when
    /// first queued and finished when it succeeded, whatever order the pages list them in.
    #[test]
    fn the_first_running_and_the_first_final_status_are_the_start_and_the_end() {
        let newest_first = br#"[
          {"id": 4, "state": "inactive", "created_at": "2024-05-02T09:00:00Z"},
          {"id": 3, "state": "success", "created_at": "2024-05-01T10:07:00Z",
           "log_url": "https://github.com/o/r/actions/runs/77/job/1"},
          {"id": 2, "state": "in_progress", "created_at": "2024-05-01T10:01:00Z"}
        ]"#;
        let oldest = br#"[{"id": 1, "state": "queued", "environment": "staging",
          "created_at": "2024-05-01T10:00:00Z"}]"#;
        let page =
            deployment_statuses(&[newest_first, oldest], "o/r", 5, Some("production")).unwrap();
        let events: Vec<_> = page
            .batch
            .events
            .iter()
            .map(|e| {
                (
                    e.id.as_str(),
                    e.kind,
                    e.time.to_string(),
                    e.attributes.clone(),
                )
            })
            .collect();
        let attributes = |environment: &str, status: &str| {
            vec![
                ("environment".to_string(), Value::Text(environment.into())),
                ("status".to_string(), Value::Text(status.into())),
            ]
        };
        assert_eq!(
            events,
            [
                (
                    "github:o/r/deployments/5/started",
                    EventType::DeploymentStarted,
                    "2024-05-01T10:00:00Z".to_string(),
                    attributes("staging", "queued")
                ),
                (
                    "github:o/r/deployments/5/finished",
                    EventType::DeploymentFinished,
                    "2024-05-01T10:07:00Z".to_string(),
                    attributes("production", "success")
                ),
            ]
        );
        assert_eq!(
            page.batch.objects[0].attributes,
            [("status".to_string(), Value::Text("success".into()))]
        );
        assert_eq!(page.batch.relations.len(), 1);
        assert_eq!(page.batch.relations[0].target, "github:o/r/actions/runs/77");
        assert_eq!((page.report.pages, page.report.items), (2, 4));
    }
}
