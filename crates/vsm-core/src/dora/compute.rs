//! The computation: production deployments, changes and incidents first (each a fact with the
//! times it was measured from), then the figures of any span and service over those facts.
//!
//! Over 600 lines on purpose: `report` and the facts it computes, then the figures over them, are one computation.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;

use super::period::{days_between, midnight};
use super::{
    Bucket, ChangeFact, Config, Coverage, Delivery, Deployment, DeploymentFact, Figures,
    IncidentFact, Issue, LeftOut, Outcome, PeriodFigures, Report, ServiceFigures, Via, Window,
    same_service,
};
use crate::Duration;
use crate::measure::{Distribution, Pattern};

/// The metrics of `delivery` over `window`, as `config` defines production and failures.
pub fn report(delivery: &Delivery, config: &Config, window: &Window) -> Report {
    let mut left_out = LeftOuts::default();
    for item in &delivery.left_out {
        left_out.add_many(&item.what, &item.reason, item.count, &item.example);
    }
    let production = production(delivery, config, window, &mut left_out);
    let changes = changes(delivery, &production, window, &mut left_out);
    let incidents = incidents(delivery, config, window, &production, &mut left_out);
    let mut deployments = deployment_facts(&production, &changes, &incidents);
    let in_window = |at: Timestamp| window.from <= at && at < window.to;
    deployments.retain(|d| in_window(d.at));
    let littles_law = super::littles_law::check(&changes, window.from, window.to);
    let merged: Vec<&ChangeFact> = changes.iter().filter(|c| in_window(c.merged)).collect();
    let changes_merged = merged.len();
    let changes_deployed = merged.iter().filter(|c| c.deployed.is_some()).count();
    let changes: Vec<ChangeFact> = {
        let (mut deployed, mut waiting): (Vec<ChangeFact>, Vec<ChangeFact>) = changes
            .into_iter()
            .filter(|c| c.deployed.is_some_and(in_window) || in_window(c.merged))
            .partition(|c| c.deployed.is_some_and(in_window));
        deployed.sort_by(|a, b| (a.deployed, &a.id).cmp(&(b.deployed, &b.id)));
        waiting.retain(|c| c.deployed.is_none());
        waiting.sort_by(|a, b| (a.merged, &a.id).cmp(&(b.merged, &b.id)));
        deployed.extend(waiting);
        deployed
    };
    let incidents: Vec<IncidentFact> = incidents
        .into_iter()
        .filter(|(i, _)| in_window(i.started))
        .map(|(i, _)| i)
        .collect();
    let coverage = Coverage {
        changes_merged,
        changes_deployed,
        deployments: deployments.len(),
        deployments_with_change_set: deployments.iter().filter(|d| d.change_set_known).count(),
        incidents: incidents.len(),
        incidents_attributed: incidents.iter().filter(|i| i.deployment.is_some()).count(),
    };
    let facts = Facts {
        deployments: &deployments,
        changes: &changes,
        incidents: &incidents,
    };
    let services: BTreeSet<&str> = deployments.iter().map(|d| d.service.as_str()).collect();
    let services = services
        .into_iter()
        .map(|service| ServiceFigures {
            service: service.to_string(),
            total: facts.figures(window.from, window.to, Some(service)),
            periods: window
                .period
                .spans(window.from, window.to)
                .into_iter()
                .map(|(start, end)| PeriodFigures {
                    start,
                    end,
                    figures: facts.figures(
                        midnight(start).max(window.from),
                        midnight(end).min(window.to),
                        Some(service),
                    ),
                })
                .collect(),
        })
        .collect();
    Report {
        window: window.clone(),
        overall: facts.figures(window.from, window.to, None),
        services,
        deployments,
        changes,
        incidents,
        coverage,
        left_out: left_out.into_vec(),
        littles_law,
    }
}

/// Left-out items by what and why, with a count and the first id as an example.
#[derive(Default)]
struct LeftOuts(BTreeMap<(String, String), (usize, String)>);

impl LeftOuts {
    fn add(&mut self, what: &str, reason: &str, id: &str) {
        self.add_many(what, reason, 1, id);
    }

    fn add_many(&mut self, what: &str, reason: &str, count: usize, id: &str) {
        let entry = self
            .0
            .entry((what.to_string(), reason.to_string()))
            .or_insert_with(|| (0, id.to_string()));
        entry.0 += count;
    }

    fn into_vec(self) -> Vec<LeftOut> {
        self.0
            .into_iter()
            .map(|((what, reason), (count, example))| LeftOut {
                what,
                reason,
                count,
                example,
            })
            .collect()
    }
}

/// Whether a status says the deployment succeeded, failed, or neither (running, cancelled...).
fn outcome(status: &str) -> Option<Outcome> {
    match status.to_ascii_lowercase().as_str() {
        "success" | "succeeded" | "successful" | "ok" | "done" => Some(Outcome::Success),
        "failure" | "failed" | "error" | "errored" => Some(Outcome::Failed),
        _ => None,
    }
}

fn is_production(config: &Config, environment: &str) -> bool {
    let environment = environment.to_lowercase();
    config
        .production
        .iter()
        .any(|p| Pattern(p.to_lowercase()).matches(&environment))
}

/// The production deployments of the window's service (all time: a change's first deployment
/// and an incident's deployment may be before the window), in time order, with their outcome.
fn production<'a>(
    delivery: &'a Delivery,
    config: &Config,
    window: &Window,
    left_out: &mut LeftOuts,
) -> Vec<(&'a Deployment, Outcome)> {
    let in_window = |at: Timestamp| window.from <= at && at < window.to;
    let mut found = Vec::new();
    for d in &delivery.deployments {
        if let Some(service) = &window.service
            && !same_service(&d.service, service)
        {
            continue;
        }
        let outcome = if d.release {
            Some(Outcome::Success)
        } else if !is_production(config, &d.environment) {
            if in_window(d.at()) {
                left_out.add(
                    "deployment",
                    &format!("its environment `{}` is not production", d.environment),
                    &d.id,
                );
            }
            continue;
        } else {
            d.status.as_deref().and_then(outcome)
        };
        if outcome == Some(Outcome::Failed) && !config.failed_deployments {
            if in_window(d.at()) {
                left_out.add(
                    "deployment",
                    "it failed, and failed deployments are no failures here (`failed_deployments: false`)",
                    &d.id,
                );
            }
            continue;
        }
        match outcome {
            Some(outcome) => found.push((d, outcome)),
            None if in_window(d.at()) => left_out.add(
                "deployment",
                &match &d.status {
                    Some(status) => format!("its status `{status}` is neither success nor failure"),
                    None => "it has no status".into(),
                },
                &d.id,
            ),
            None => {}
        }
    }
    found.sort_by(|a, b| (a.0.at(), &a.0.id).cmp(&(b.0.at(), &b.0.id)));
    found
}

/// Every change (merged pull request, or commit no pull request holds) with the first
/// successful production deployment that shipped any of its commits.
fn changes(
    delivery: &Delivery,
    production: &[(&Deployment, Outcome)],
    window: &Window,
    left_out: &mut LeftOuts,
) -> Vec<ChangeFact> {
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
    let mut held: BTreeSet<&str> = BTreeSet::new();
    for pr in &delivery.pull_requests {
        held.extend(pr.commits.iter().map(String::as_str));
        held.extend(pr.merge_commit.as_deref());
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
        let mut candidates: Vec<(&str, Via)> = pr
            .commits
            .iter()
            .map(|c| (c.as_str(), Via::Commits))
            .collect();
        candidates.extend(pr.merge_commit.as_deref().map(|c| (c, Via::MergeCommit)));
        candidates.extend(
            rebased
                .get(&n)
                .into_iter()
                .flatten()
                .map(|c| (*c, Via::RebasedCopy)),
        );
        let authored = |id: &str| commits.get(id).and_then(|c| c.authored);
        let first_commit = pr
            .commits
            .iter()
            .filter_map(|c| authored(c))
            .min()
            // Without its commits, a merge commit's author time is the merge's: the opening
            // is earlier.
            .or_else(|| {
                let merge = pr.merge_commit.as_deref().and_then(authored);
                merge.into_iter().chain(pr.opened).min()
            })
            .unwrap_or(merged);
        let fact = change(
            ChangeFact {
                id: pr.id.clone(),
                pull_request: true,
                service: pr.service.clone(),
                title: pr.title.clone(),
                branch: pr.branch.clone(),
                first_commit,
                opened: pr.opened,
                first_review: pr.first_review,
                merged,
                deployment: None,
                deployed: None,
                via: None,
                lead_time: None,
                not_deployed: None,
            },
            &candidates,
            &first_deployed,
            production,
            &commits,
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
            ChangeFact {
                id: c.id.clone(),
                pull_request: false,
                service: c.service.clone(),
                title: c.title.clone(),
                branch: None,
                first_commit,
                opened: None,
                first_review: None,
                merged,
                deployment: None,
                deployed: None,
                via: None,
                lead_time: None,
                not_deployed: None,
            },
            &[(c.id.as_str(), Via::Commit)],
            &first_deployed,
            production,
            &commits,
        );
        if wanted(fact.service.as_deref()) {
            found.push(fact);
        }
    }
    found
}

/// `fact` deployed by the earliest first deployment of any of `candidates`.
fn change(
    mut fact: ChangeFact,
    candidates: &[(&str, Via)],
    first_deployed: &HashMap<&str, usize>,
    production: &[(&Deployment, Outcome)],
    commits: &HashMap<&str, &super::Commit>,
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
            fact.lead_time = Some(between(fact.first_commit, deployment.at()));
        }
        None => {
            let in_history = candidates
                .iter()
                .any(|(c, _)| commits.get(c).is_some_and(|c| c.in_history));
            fact.not_deployed = Some(if in_history {
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

/// From `from` to `to`, none when `to` is earlier.
fn between(from: Timestamp, to: Timestamp) -> Duration {
    Duration::from_millis(u64::try_from(to.as_millisecond() - from.as_millisecond()).unwrap_or(0))
}

fn is_incident(config: &Config, issue: &Issue) -> bool {
    let has = |list: &[String], value: &str| list.iter().any(|l| l.eq_ignore_ascii_case(value));
    issue.incident
        || issue
            .labels
            .iter()
            .any(|label| has(&config.incident_labels, label))
        || issue
            .kind
            .as_deref()
            .is_some_and(|kind| has(&config.incident_types, kind))
}

/// Every incident (all time), each with the production deployment (its index) it is attributed
/// to: the last successful one of its service at most the attribution window before it started.
fn incidents(
    delivery: &Delivery,
    config: &Config,
    window: &Window,
    production: &[(&Deployment, Outcome)],
    left_out: &mut LeftOuts,
) -> Vec<(IncidentFact, Option<usize>)> {
    let mut found = Vec::new();
    for issue in &delivery.issues {
        if !is_incident(config, issue) {
            continue;
        }
        if let (Some(wanted), Some(service)) = (&window.service, &issue.service)
            && !same_service(wanted, service)
        {
            continue;
        }
        let Some(started) = issue.created else {
            left_out.add("incident", "it has no creation time", &issue.id);
            continue;
        };
        // An incident of a service no deployment names (a tracker's project) may follow any.
        let service = issue
            .service
            .as_deref()
            .filter(|s| production.iter().any(|(d, _)| same_service(&d.service, s)));
        // An incident that names its deployment is that deployment's, wherever it is.
        let attributed = match &issue.deployment {
            Some(named) => production.iter().position(|(d, _)| &d.id == named),
            None => production
                .iter()
                .enumerate()
                .filter(|(_, (d, outcome))| {
                    *outcome == Outcome::Success
                        && d.at() <= started
                        && between(d.at(), started) <= config.attribution_window
                        && service.is_none_or(|s| same_service(&d.service, s))
                })
                .map(|(n, _)| n)
                .next_back(),
        };
        let fact = IncidentFact {
            id: issue.id.clone(),
            service: attributed
                .map(|n| production[n].0.service.clone())
                .or_else(|| issue.service.clone()),
            title: issue.title.clone(),
            started,
            resolved: issue.resolved,
            deployment: attributed.map(|n| production[n].0.id.clone()),
            unattributed: attributed.is_none().then(|| match &issue.deployment {
                Some(named) => {
                    format!("its deployment `{named}` is no production deployment of the store")
                }
                None => format!(
                    "no successful production deployment in the {} before it started",
                    config.attribution_window.human()
                ),
            }),
            recovery: issue.resolved.map(|r| between(started, r)),
        };
        found.push((fact, attributed));
    }
    found
}

/// The facts of each production deployment: its changes, failures, recovery and rework.
fn deployment_facts(
    production: &[(&Deployment, Outcome)],
    changes: &[ChangeFact],
    incidents: &[(IncidentFact, Option<usize>)],
) -> Vec<DeploymentFact> {
    let mut facts: Vec<DeploymentFact> = production
        .iter()
        .map(|(d, outcome)| DeploymentFact {
            id: d.id.clone(),
            service: d.service.clone(),
            environment: d.environment.clone(),
            at: d.at(),
            outcome: *outcome,
            release: d.release,
            changes: 0,
            change_set_known: d.change_set_known,
            failures: if *outcome == Outcome::Failed {
                vec!["deployment failed".into()]
            } else {
                Vec::new()
            },
            restored_by: None,
            recovery: None,
            rework: None,
        })
        .collect();
    let index: HashMap<&str, usize> = production
        .iter()
        .enumerate()
        .map(|(n, (d, _))| (d.id.as_str(), n))
        .collect();
    for change in changes {
        if let Some(&n) = change.deployment.as_deref().and_then(|d| index.get(d)) {
            facts[n].changes += 1;
            let fix = is_fix(&change.title) || change.branch.as_deref().is_some_and(is_fix);
            if facts[n].rework.is_none() && fix {
                facts[n].rework = Some(format!("it ships `{}`, a revert or hotfix", change.title));
            }
        }
    }
    for (incident, attributed) in incidents {
        if let Some(n) = attributed {
            facts[*n].failures.push(incident.id.clone());
        }
    }
    for n in 0..facts.len() {
        if facts[n].outcome != Outcome::Failed {
            continue;
        }
        let restored = (n + 1..facts.len()).find(|&m| {
            facts[m].outcome == Outcome::Success
                && facts[m].at > facts[n].at
                && facts[m].service == facts[n].service
        });
        if let Some(m) = restored {
            facts[n].restored_by = Some(facts[m].id.clone());
            facts[n].recovery = Some(between(facts[n].at, facts[m].at));
            facts[m].rework = Some(format!(
                "it restored the failed deployment `{}`",
                facts[n].id
            ));
        }
    }
    facts
}

/// Whether a change's title says it is a revert or a hotfix.
fn is_fix(title: &str) -> bool {
    let title = title.to_lowercase();
    title.starts_with("revert")
        || ["hotfix", "hot-fix", "hot fix"]
            .iter()
            .any(|w| title.contains(w))
}

/// The facts of the window, to take figures of any span and service from.
struct Facts<'a> {
    deployments: &'a [DeploymentFact],
    changes: &'a [ChangeFact],
    incidents: &'a [IncidentFact],
}

impl Facts<'_> {
    fn figures(&self, from: Timestamp, to: Timestamp, service: Option<&str>) -> Figures {
        let in_span = |at: Timestamp| from <= at && at < to;
        let of_service = |s: Option<&str>| match (service, s) {
            (None, _) => true,
            (Some(wanted), Some(s)) => same_service(wanted, s),
            (Some(_), None) => false,
        };
        let deployments: Vec<&DeploymentFact> = self
            .deployments
            .iter()
            .filter(|d| in_span(d.at) && of_service(Some(&d.service)))
            .collect();
        let successful: Vec<&&DeploymentFact> = deployments
            .iter()
            .filter(|d| d.outcome == Outcome::Success)
            .collect();
        let deployed: Vec<&ChangeFact> = self
            .changes
            .iter()
            .filter(|c| c.deployed.is_some_and(in_span) && of_service(c.service.as_deref()))
            .collect();
        let lead_time = distribution(deployed.iter().map(|c| c.lead_time));
        let pulls = || deployed.iter().filter(|c| c.pull_request);
        let part = |from: fn(&ChangeFact) -> Option<Timestamp>,
                    to: fn(&ChangeFact) -> Option<Timestamp>| {
            distribution(pulls().map(|c| Some(between(from(c)?, to(c)?))))
        };
        let failed = deployments
            .iter()
            .filter(|d| !d.failures.is_empty())
            .count();
        let incidents: Vec<&IncidentFact> = self
            .incidents
            .iter()
            .filter(|i| in_span(i.started) && of_service(i.service.as_deref()))
            .collect();
        let recoveries: Vec<Option<Duration>> = deployments
            .iter()
            .filter(|d| d.outcome == Outcome::Failed)
            .map(|d| d.recovery)
            .chain(incidents.iter().map(|i| i.recovery))
            .collect();
        let rework = successful.iter().filter(|d| d.rework.is_some()).count();
        let ratio = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
        Figures {
            deployments: successful.len(),
            bucket: Bucket::of(successful.len(), days_between(from, to)),
            lead_time,
            coding: part(|c| Some(c.first_commit), |c| c.opened),
            pickup: part(|c| c.opened, |c| c.first_review),
            review: part(|c| c.first_review, |c| Some(c.merged)),
            deploy: part(|c| Some(c.merged), |c| c.deployed),
            production_deployments: deployments.len(),
            failed_deployments: failed,
            change_failure_rate: ratio(failed, deployments.len()),
            recovery: distribution(recoveries.iter().copied()),
            unrecovered: recoveries.iter().filter(|r| r.is_none()).count(),
            rework,
            rework_rate: ratio(rework, successful.len()),
        }
    }
}

fn distribution(durations: impl Iterator<Item = Option<Duration>>) -> Distribution {
    let mut samples: Vec<i64> = durations
        .flatten()
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .collect();
    Distribution::of(&mut samples)
}
