//! The changes: each merged pull request, or commit no pull request holds, with the first
//! successful production deployment that shipped any of its commits.

use std::collections::{BTreeSet, HashMap, HashSet};

use jiff::Timestamp;

use super::compute::{LeftOuts, between};
use super::history::History;
use super::{ChangeFact, Config, Delivery, Deployment, Outcome, Via, Window, same_service};

/// Why a change deployed before its first commit has no lead time.
pub(super) const DEPLOYED_BEFORE_FIRST_COMMIT: &str =
    "it was deployed before its first commit (a time in the data is wrong): no lead time";

/// Every change (merged pull request, or commit no pull request holds) with the first
/// successful production deployment that shipped any of its commits.
pub(super) fn changes(
    delivery: &Delivery,
    config: &Config,
    production: &[(&Deployment, Outcome)],
    window: &Window,
    left_out: &mut LeftOuts,
) -> Vec<ChangeFact> {
    // The statuses of the production deployments that deployed each commit and did not
    // succeed (cancelled, created, blocked...): why a change only they deployed never reached
    // production.
    let mut unsucceeded: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    for d in &delivery.deployments {
        let status = d.status.as_deref().unwrap_or("none");
        if !d.release
            && super::outcome(status) != Some(Outcome::Success)
            && super::compute::is_production(config, &d.environment)
        {
            for commit in &d.deploys {
                unsucceeded
                    .entry(commit.as_str())
                    .or_default()
                    .insert(status);
            }
        }
    }
    // Production is in time order: the first deployment to claim a commit shipped it first.
    let mut first_deployed: HashMap<&str, usize> = HashMap::new();
    for (n, (d, outcome)) in production.iter().enumerate() {
        if *outcome == Outcome::Success {
            for commit in &d.shipped {
                first_deployed.entry(commit.as_str()).or_insert(n);
            }
        }
    }
    let commits: HashMap<&str, &super::Commit> = delivery
        .commits
        .iter()
        .map(|c| (c.id.as_str(), c))
        .collect();
    // A pull request merged through a merge commit is also what that commit brought in: its
    // branch's commits, whether or not the store holds its commit list.
    let history = History::new(&delivery.commits);
    let branches: Vec<Vec<&str>> = delivery
        .pull_requests
        .iter()
        .map(|pr| match (&pr.merged, &pr.merge_commit) {
            (Some(_), Some(merge)) => history.merged_in(merge),
            _ => Vec::new(),
        })
        .collect();
    // A pull request closed without a merge holds only those of its commits that are not in
    // git's history: those that reached it all the same (merged by hand, pushed) are changes
    // of their own.
    let mut held: BTreeSet<&str> = BTreeSet::new();
    for (pr, branch) in delivery.pull_requests.iter().zip(&branches) {
        if pr.merged.is_none() {
            held.extend(
                pr.commits
                    .iter()
                    .filter(|c| commits.get(c.as_str()).is_none_or(|c| !c.in_history))
                    .map(String::as_str),
            );
            continue;
        }
        held.extend(pr.commits.iter().map(String::as_str));
        held.extend(pr.merge_commit.as_deref());
        held.extend(branch.iter().copied());
    }
    // A rebase merge writes new commits with the author time and title of the branch's: those
    // that no pull request holds are the merged pull request's.
    let mut by_authorship: HashMap<(Timestamp, &str), usize> = HashMap::new();
    for (n, pr) in delivery.pull_requests.iter().enumerate() {
        if pr.merged.is_none() {
            continue;
        }
        for id in &pr.commits {
            if let Some(c) = commits.get(id.as_str())
                && let Some(authored) = c.authored
            {
                by_authorship.insert((authored, c.title.as_str()), n);
            }
        }
    }
    let mut rebased: HashMap<usize, Vec<&str>> = HashMap::new();
    for c in &delivery.commits {
        if held.contains(c.id.as_str()) {
            continue;
        }
        if let Some(&n) = c
            .authored
            .and_then(|at| by_authorship.get(&(at, c.title.as_str())))
        {
            rebased.entry(n).or_default().push(&c.id);
        }
    }
    for copies in rebased.values() {
        held.extend(copies.iter().copied());
    }
    let wanted = |service: Option<&str>| match (&window.service, service) {
        (Some(wanted), Some(service)) => same_service(wanted, service),
        _ => true,
    };
    let mut found = Vec::new();
    for (n, pr) in delivery.pull_requests.iter().enumerate() {
        let Some(merged) = pr.merged else { continue };
        // Its commits: those the store lists, then those its merge commit brought in.
        let mut own: Vec<&str> = pr.commits.iter().map(String::as_str).collect();
        let mut listed: HashSet<&str> = own.iter().copied().collect();
        own.extend(branches[n].iter().copied().filter(|c| listed.insert(*c)));
        let mut candidates: Vec<(&str, Via)> = own.iter().map(|c| (*c, Via::Commits)).collect();
        candidates.extend(pr.merge_commit.as_deref().map(|c| (c, Via::MergeCommit)));
        candidates.extend(
            rebased
                .get(&n)
                .into_iter()
                .flatten()
                .map(|c| (*c, Via::RebasedCopy)),
        );
        let authored = |id: &str| commits.get(id).and_then(|c| c.authored);
        let first_commit = own
            .iter()
            .filter_map(|c| authored(c))
            .min()
            // Without its commits (a squash merge with no commit list), a merge commit's
            // author time is the merge's: the opening is earlier.
            .or_else(|| {
                let merge = pr.merge_commit.as_deref().and_then(authored);
                merge.into_iter().chain(pr.opened).min()
            })
            .unwrap_or(merged);
        let fact = change(
            ChangeFact {
                pull_request: true,
                branch: pr.branch.clone(),
                opened: pr.opened,
                first_review: pr.first_review,
                ..ChangeFact::new(
                    &pr.id,
                    pr.service.as_deref(),
                    &pr.title,
                    first_commit,
                    merged,
                )
            },
            &candidates,
            &first_deployed,
            production,
            &commits,
            &unsucceeded,
        );
        if wanted(fact.service.as_deref()) {
            found.push(fact);
        }
    }
    for c in &delivery.commits {
        if held.contains(c.id.as_str()) {
            continue;
        }
        let (Some(first_commit), Some(merged)) =
            (c.authored.or(c.committed), c.committed.or(c.authored))
        else {
            left_out.add(
                "commit",
                "it has no author or committer time (no fetch read the commit itself)",
                &c.id,
            );
            continue;
        };
        let fact = change(
            ChangeFact::new(&c.id, c.service.as_deref(), &c.title, first_commit, merged),
            &[(c.id.as_str(), Via::Commit)],
            &first_deployed,
            production,
            &commits,
            &unsucceeded,
        );
        if wanted(fact.service.as_deref()) {
            found.push(fact);
        }
    }
    found
}

impl ChangeFact {
    /// A change as a commit is one: no pull request's opening, review or branch, and not yet
    /// joined to a deployment (see [`change`]).
    fn new(
        id: &str,
        service: Option<&str>,
        title: &str,
        first_commit: Timestamp,
        merged: Timestamp,
    ) -> ChangeFact {
        ChangeFact {
            id: id.to_string(),
            pull_request: false,
            service: service.map(str::to_string),
            title: title.to_string(),
            branch: None,
            first_commit,
            opened: None,
            first_review: None,
            merged,
            deployment: None,
            deployed: None,
            via: None,
            lead_time: None,
            no_lead_time: None,
            not_deployed: None,
        }
    }
}

/// `fact` deployed by the earliest first deployment of any of `candidates`.
fn change(
    mut fact: ChangeFact,
    candidates: &[(&str, Via)],
    first_deployed: &HashMap<&str, usize>,
    production: &[(&Deployment, Outcome)],
    commits: &HashMap<&str, &super::Commit>,
    unsucceeded: &HashMap<&str, BTreeSet<&str>>,
) -> ChangeFact {
    let first = candidates
        .iter()
        .filter_map(|(c, via)| first_deployed.get(c).map(|&n| (n, *via)))
        .min_by_key(|(n, _)| *n);
    match first {
        Some((n, via)) => {
            let deployment = production[n].0;
            fact.deployment = Some(deployment.id.clone());
            fact.deployed = Some(deployment.at());
            fact.service = Some(deployment.service.clone());
            fact.via = Some(via);
            // A deployment before the first commit is bad data (a clock, a rewritten author
            // time, a deployment's wrong time): no lead time rather than a lead time of zero.
            if deployment.at() < fact.first_commit {
                fact.no_lead_time = Some(DEPLOYED_BEFORE_FIRST_COMMIT.into());
            } else {
                fact.lead_time = Some(between(fact.first_commit, deployment.at()));
            }
        }
        None => {
            let in_history = candidates
                .iter()
                .any(|(c, _)| commits.get(c).is_some_and(|c| c.in_history));
            let statuses: BTreeSet<&str> = candidates
                .iter()
                .filter_map(|(c, _)| unsucceeded.get(c))
                .flatten()
                .copied()
                .collect();
            fact.not_deployed = Some(if !statuses.is_empty() {
                let said: Vec<String> = statuses.iter().map(|s| format!("`{s}`")).collect();
                format!(
                    "its production deployments did not succeed (status {}): only a successful \
                     one ships its commits",
                    said.join(", ")
                )
            } else if in_history {
                "no successful production deployment has shipped it".into()
            } else {
                "none of its commits is in the store's git history (fetch the repository with \
                 `vsm fetch git`)"
                    .into()
            });
        }
    }
    fact
}
