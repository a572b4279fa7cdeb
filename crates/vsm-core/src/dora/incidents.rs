//! The incidents: each issue that is one, with the production deployment it is attributed to.

use super::compute::{LeftOuts, between};
use super::{Config, Delivery, Deployment, IncidentFact, Issue, Outcome, Window, same_service};

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
pub(super) fn incidents(
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
