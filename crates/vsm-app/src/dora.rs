//! The DORA metrics of an event store: what the store holds about delivery, read into
//! `vsm_core::dora`'s terms (each deployment's service, releases as deployments when asked),
//! and the report over a window.

use std::path::Path;

use anyhow::{Result, bail};
use vsm_core::dora::{self, Commit, Config, Delivery, Deployment, Issue, LeftOut, PullRequest};
use vsm_events::{Store, StoredDelivery};

/// The environment of a release taken as a production deployment.
pub const RELEASE_ENVIRONMENT: &str = "release";

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub config: Config,
    pub window: dora::Window,
    /// Take each release (tag) as a successful production deployment of the commits it released
    /// first.
    pub releases_as_deployments: bool,
}

/// The report of the store at `path`.
pub fn report(path: &Path, request: &Request) -> Result<dora::Report> {
    if !path.is_file() {
        bail!(
            "there is no event store at `{}`; fetch one with `vsm fetch git .` (or `vsm fetch \
             github OWNER/REPO`), or name it as the first argument",
            path.display()
        );
    }
    let stored = Store::open(path)?.delivery()?;
    let delivery = delivery(stored, request.releases_as_deployments);
    Ok(dora::report(&delivery, &request.config, &request.window))
}

/// The store's delivery in the metrics' terms. A deployment's service is its deployed commit's
/// repository, else the repository its id names (`github:OWNER/REPO/deployments/ID`).
pub fn delivery(stored: StoredDelivery, releases_as_deployments: bool) -> Delivery {
    let repository: std::collections::HashMap<&str, (&Option<String>, bool)> = stored
        .commits
        .iter()
        .map(|c| (c.id.as_str(), (&c.repository, c.in_history)))
        .collect();
    let mut left_out: Vec<LeftOut> = Vec::new();
    let mut leave = |reason: &str, id: &str| match left_out.iter_mut().find(|l| l.reason == reason)
    {
        Some(found) => found.count += 1,
        None => left_out.push(LeftOut {
            what: "deployment".into(),
            reason: reason.into(),
            count: 1,
            example: id.into(),
        }),
    };
    let mut deployments = Vec::new();
    for stored in &stored.deployments {
        let d = &stored.deployment;
        let Some(environment) = &d.environment else {
            leave("it has no environment", &d.id);
            continue;
        };
        let Some(started) = d.started.or(stored.finished) else {
            leave("it has no start, creation or finish event", &d.id);
            continue;
        };
        let deployed = d.commits.iter().find_map(|c| repository.get(c.as_str()));
        let service = deployed
            .and_then(|(r, _)| (*r).clone())
            .or_else(|| service_of_id(&d.id))
            .unwrap_or_else(|| "unknown".into());
        deployments.push(Deployment {
            id: d.id.clone(),
            service,
            environment: environment.clone(),
            status: d.status.clone(),
            started,
            finished: stored.finished,
            shipped: stored.shipped.clone(),
            change_set_known: deployed.is_some_and(|(_, in_history)| *in_history),
            release: false,
        });
    }
    if releases_as_deployments {
        for release in &stored.releases {
            let Some(created) = release.created else {
                leave("the release has no tag_created event", &release.id);
                continue;
            };
            deployments.push(Deployment {
                id: release.id.clone(),
                service: release
                    .repository
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
                environment: RELEASE_ENVIRONMENT.into(),
                status: None,
                started: created,
                finished: None,
                shipped: release.shipped.clone(),
                change_set_known: true,
                release: true,
            });
        }
    }
    let commits = stored
        .commits
        .into_iter()
        .map(|c| Commit {
            id: c.id,
            service: c.repository,
            title: c.title.unwrap_or_default(),
            authored: c.authored,
            committed: c.committed,
            in_history: c.in_history,
        })
        .collect();
    let pull_requests = stored
        .pull_requests
        .into_iter()
        .map(|p| PullRequest {
            id: p.id,
            service: p.repository,
            title: p.title.unwrap_or_default(),
            branch: p.branch,
            opened: p.opened,
            first_review: p.first_review,
            merged: p.merged,
            merge_commit: p.merge_commit,
            commits: p.commits,
        })
        .collect();
    let issues = stored
        .issues
        .into_iter()
        .map(|i| Issue {
            id: i.id,
            service: i.repository,
            title: i.title.unwrap_or_default(),
            labels: i.labels,
            kind: i.kind,
            created: i.created,
            resolved: i.resolved,
        })
        .collect();
    Delivery {
        deployments,
        commits,
        pull_requests,
        issues,
        left_out,
    }
}

/// The repository (GitHub) or project (GitLab) a deployment's id names.
fn service_of_id(id: &str) -> Option<String> {
    let (_, rest) = id.split_once(':')?;
    let (service, _) = rest.rsplit_once("/deployments/")?;
    Some(service.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_id_names_its_repository() {
        assert_eq!(
            service_of_id("github:octocat/example/deployments/1").as_deref(),
            Some("octocat/example")
        );
        assert_eq!(
            service_of_id("gitlab:group/sub/project/deployments/13").as_deref(),
            Some("group/sub/project")
        );
        assert_eq!(service_of_id("deploy:production:7"), None);
    }
}
