//! The computation: production deployments, changes and incidents first (each a fact with the
//! times it was measured from), then the figures of any span and service over those facts.
//! The changes and the incidents have their own files (`changes.rs`, `incidents.rs`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::Timestamp;

use super::period::{days_between, midnight};
use super::{
    Bucket, ChangeFact, Config, Coverage, Delivery, Deployment, DeploymentFact, Figures,
    IncidentFact, LeftOut, Outcome, PeriodFigures, Report, ServiceFigures, Window, outcome,
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
    let changes = super::changes::changes(delivery, config, &production, window, &mut left_out);
    let incidents =
        super::incidents::incidents(delivery, config, window, &production, &mut left_out);
    let mut deployments = deployment_facts(&production, &changes, &incidents);
    let in_window = |at: Timestamp| window.from <= at && at < window.to;
    deployments.retain(|d| in_window(d.at));
    let littles_law = super::littles_law::check(&changes, window.from, window.to);
    for c in &changes {
        if let Some(why) = &c.no_lead_time
            && c.deployed.is_some_and(in_window)
        {
            left_out.add("change", why, &c.id);
        }
    }
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
    // The incidents that started in the window, and those that made one of its deployments
    // fail from after it (the window's last deployment, an incident the day after).
    let window_deployments: BTreeSet<&str> = deployments.iter().map(|d| d.id.as_str()).collect();
    let incidents: Vec<IncidentFact> = incidents
        .into_iter()
        .map(|(i, _)| i)
        .filter(|i| {
            in_window(i.started)
                || i.deployment
                    .as_deref()
                    .is_some_and(|d| window_deployments.contains(d))
        })
        .collect();
    let started: Vec<&IncidentFact> = incidents.iter().filter(|i| in_window(i.started)).collect();
    let coverage = Coverage {
        changes_merged,
        changes_deployed,
        deployments: deployments.len(),
        deployments_with_change_set: deployments.iter().filter(|d| d.change_set_known).count(),
        incidents: started.len(),
        incidents_attributed: started.iter().filter(|i| i.deployment.is_some()).count(),
    };
    let facts = Facts {
        deployments: &deployments,
        changes: &changes,
        incidents: &incidents,
    };
    // The services of the window's deployments, and of incidents attributed to a deployment
    // before it: each figure of all services is in one service's.
    let services: BTreeSet<&str> = deployments
        .iter()
        .map(|d| d.service.as_str())
        .chain(
            incidents
                .iter()
                .filter(|i| i.deployment.is_some())
                .filter_map(|i| i.service.as_deref()),
        )
        .collect();
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
pub(super) struct LeftOuts(BTreeMap<(String, String), (usize, String)>);

impl LeftOuts {
    pub(super) fn add(&mut self, what: &str, reason: &str, id: &str) {
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

pub(super) fn is_production(config: &Config, environment: &str) -> bool {
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

/// From `from` to `to`, none when `to` is earlier.
pub(super) fn between(from: Timestamp, to: Timestamp) -> Duration {
    Duration::from_millis(u64::try_from(to.as_millisecond() - from.as_millisecond()).unwrap_or(0))
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
            if facts[n].rework.is_none() {
                facts[n].rework = fix_reason(change);
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

/// Why a change is an unplanned fix, naming what decided it and quoting it: its title, else
/// a pull request's branch (`hotfix/...`).
fn fix_reason(change: &ChangeFact) -> Option<String> {
    let shipped = format!("it ships `{}` (`{}`)", change.title, change.id);
    if let Some(kind) = fix_kind(&change.title) {
        return Some(format!("{shipped}, whose title says it is a {kind}"));
    }
    let branch = change.branch.as_deref()?;
    let kind = fix_kind(branch)?;
    Some(format!(
        "{shipped}, whose branch `{branch}` says it is a {kind}"
    ))
}

/// `revert` when a title or branch starts with `revert`, `hotfix` when it names one (`hotfix`,
/// `hot-fix`, `hot fix`), without case.
fn fix_kind(text: &str) -> Option<&'static str> {
    let text = text.to_lowercase();
    if text.starts_with("revert") {
        Some("revert")
    } else if ["hotfix", "hot-fix", "hot fix"]
        .iter()
        .any(|w| text.contains(w))
    {
        Some("hotfix")
    } else {
        None
    }
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
        // A change with no lead time (deployed before its first commit) is in no part of it.
        let (deployed, without_lead_time): (Vec<&ChangeFact>, Vec<&ChangeFact>) = self
            .changes
            .iter()
            .filter(|c| c.deployed.is_some_and(in_span) && of_service(c.service.as_deref()))
            .partition(|c| c.lead_time.is_some());
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
        // Recovery is from failures of deployments: failed deployments and the incidents
        // attributed to one. An unattributed incident is counted apart, in no figure, so that
        // every service's figures and all services' are over the same failures.
        let (attributed, unattributed): (Vec<&IncidentFact>, Vec<&IncidentFact>) =
            incidents.iter().partition(|i| i.deployment.is_some());
        let recoveries: Vec<Option<Duration>> = deployments
            .iter()
            .filter(|d| d.outcome == Outcome::Failed)
            .map(|d| d.recovery)
            .chain(attributed.iter().map(|i| i.recovery))
            .collect();
        let rework = successful.iter().filter(|d| d.rework.is_some()).count();
        let ratio = |part: usize, whole: usize| (whole > 0).then(|| part as f64 / whole as f64);
        Figures {
            deployments: successful.len(),
            bucket: Bucket::of(successful.len(), days_between(from, to)),
            lead_time,
            changes_without_lead_time: without_lead_time.len(),
            coding: part(|c| Some(c.first_commit), |c| c.opened),
            pickup: part(|c| c.opened, |c| c.first_review),
            review: part(|c| c.first_review, |c| Some(c.merged)),
            deploy: part(|c| Some(c.merged), |c| c.deployed),
            production_deployments: deployments.len(),
            deployments_with_failures: failed,
            change_failure_rate: ratio(failed, deployments.len()),
            recovery: distribution(recoveries.iter().copied()),
            unrecovered: recoveries.iter().filter(|r| r.is_none()).count(),
            incidents_attributed: attributed.len(),
            incidents_unattributed: unattributed.len(),
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
