//! Which deployment first shipped each commit, over everything a store holds: the deployments of
//! every source (a deployments file, GitHub, GitLab) and the commit graph git's history gave.
//!
//! Per environment, deployments in the order they started (then by id), each claims its commit
//! and the commit's ancestors that no earlier deployment to that environment claimed. Only a
//! deployment whose status is a success ([`vsm_core::dora::outcome`], the words the metrics count
//! a success) ships: a failed, cancelled, running, queued or pending one, or one with no status,
//! ships nothing, so a later successful deployment of the same commits is the one that ships
//! them. Each claim is a `deployed_by` link from
//! the commit to the deployment. Without git's history of a deployed commit (no `parents` in the
//! store: GitHub and GitLab name commits without them), only that commit is claimed, and the
//! deployment is counted in [`Shipping::without_history`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use vsm_events::{StoredCommit, StoredDeployment};

use crate::git::first_reached_in;

/// The qualifier of the links this computes.
pub const DEPLOYED_BY: &str = "deployed_by";

/// The links, and what the computation could and could not use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shipping {
    /// (commit, deployment) for every commit a deployment first shipped.
    pub links: BTreeSet<(String, String)>,
    /// Deployments that shipped, per environment.
    pub shipped: BTreeMap<String, usize>,
    /// Commits first shipped, per environment.
    pub commits: BTreeMap<String, usize>,
    /// Deployments whose status is not a success (they ship nothing), per status (as written,
    /// in lower case; `none` for no status).
    pub not_succeeded: BTreeMap<String, usize>,
    /// Deployments whose commit has no history in the store: only that commit is linked.
    pub without_history: Vec<String>,
    /// Deployments left out, by reason (no environment, no start, no commit).
    pub left_out: BTreeMap<&'static str, usize>,
}

/// Whether a deployment's status says it succeeded: only then did it ship its commits.
pub fn succeeded(status: Option<&str>) -> bool {
    status.and_then(vsm_core::dora::outcome) == Some(vsm_core::dora::Outcome::Success)
}

/// The `deployed_by` links of the store's deployments over its commits.
pub fn first_shipped(commits: &[StoredCommit], deployments: &[StoredDeployment]) -> Shipping {
    let index: HashMap<&str, usize> = commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let parents: Vec<Vec<usize>> = commits
        .iter()
        .map(|c| {
            c.parents
                .iter()
                .flatten()
                .filter_map(|p| index.get(p.as_str()).copied())
                .collect()
        })
        .collect();
    let mut shipping = Shipping::default();
    let mut by_environment: BTreeMap<&str, Vec<(&StoredDeployment, jiff::Timestamp, usize)>> =
        BTreeMap::new();
    for deployment in deployments {
        if !succeeded(deployment.status.as_deref()) {
            let status = deployment
                .status
                .as_deref()
                .map_or_else(|| "none".to_string(), str::to_ascii_lowercase);
            *shipping.not_succeeded.entry(status).or_default() += 1;
            continue;
        }
        let Some(environment) = deployment.environment.as_deref() else {
            *shipping
                .left_out
                .entry("it has no environment")
                .or_default() += 1;
            continue;
        };
        let Some(started) = deployment.started else {
            *shipping
                .left_out
                .entry("it has no start, creation or finish event")
                .or_default() += 1;
            continue;
        };
        let commit = deployment
            .commits
            .iter()
            .find_map(|c| index.get(c.as_str()).copied());
        let Some(commit) = commit else {
            *shipping
                .left_out
                .entry("it deploys no commit of the store")
                .or_default() += 1;
            continue;
        };
        if commits[commit].parents.is_none() {
            shipping.without_history.push(deployment.id.clone());
        }
        by_environment
            .entry(environment)
            .or_default()
            .push((deployment, started, commit));
    }
    for (environment, mut shipped) in by_environment {
        shipped.sort_by(|a, b| (a.1, &a.0.id).cmp(&(b.1, &b.0.id)));
        let tips: Vec<Option<usize>> = shipped.iter().map(|s| Some(s.2)).collect();
        let mut linked = 0;
        for (commit, first) in first_reached_in(&parents, &tips).into_iter().enumerate() {
            if let Some(n) = first {
                linked += 1;
                shipping
                    .links
                    .insert((commits[commit].id.clone(), shipped[n].0.id.clone()));
            }
        }
        shipping.commits.insert(environment.to_string(), linked);
        shipping
            .shipped
            .insert(environment.to_string(), shipped.len());
    }
    shipping
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(id: &str, parents: Option<&[&str]>) -> StoredCommit {
        StoredCommit {
            id: id.into(),
            parents: parents.map(|p| p.iter().map(ToString::to_string).collect()),
        }
    }

    fn deployment(
        id: &str,
        environment: &str,
        status: &str,
        hour: i64,
        c: &str,
    ) -> StoredDeployment {
        StoredDeployment {
            id: id.into(),
            environment: Some(environment.into()),
            status: Some(status.into()),
            started: Some(jiff::Timestamp::from_second(hour * 3600).unwrap()),
            commits: vec![c.into()],
        }
    }

    /// a <- b <- c, and x known only by its hash.
    #[test]
    fn each_environment_ships_a_commit_once_and_only_successes_ship() {
        let commits = [
            commit("a", Some(&[])),
            commit("b", Some(&["a"])),
            commit("c", Some(&["b"])),
            commit("x", None),
        ];
        let deployments = [
            deployment("p2", "production", "success", 2, "c"),
            deployment("p1", "production", "success", 1, "a"),
            deployment("p0", "production", "failure", 0, "c"),
            deployment("q0", "production", "running", 0, "c"),
            deployment("s1", "staging", "success", 1, "b"),
            deployment("s2", "staging", "success", 3, "x"),
        ];
        let shipping = first_shipped(&commits, &deployments);
        let links: Vec<(&str, &str)> = shipping
            .links
            .iter()
            .map(|(c, d)| (c.as_str(), d.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                ("a", "p1"),
                ("a", "s1"),
                ("b", "p2"),
                ("b", "s1"),
                ("c", "p2"),
                ("x", "s2")
            ]
        );
        assert_eq!(
            shipping.not_succeeded,
            BTreeMap::from([("failure".into(), 1), ("running".into(), 1)])
        );
        assert_eq!(
            shipping.commits,
            BTreeMap::from([("production".into(), 3), ("staging".into(), 3)])
        );
        assert_eq!(shipping.without_history, ["s2"]);
        assert_eq!(
            shipping.shipped,
            BTreeMap::from([("production".into(), 2), ("staging".into(), 2)])
        );
    }
}
