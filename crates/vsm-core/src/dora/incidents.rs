//! The incidents: each issue that is one, with the production deployment it is attributed to.

use super::compute::{LeftOuts, between};
use super::services::service_choices;
use super::{Config, Delivery, Deployment, IncidentFact, Issue, Outcome, Window, same_service};
use crate::diagnostic::shorten;

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
/// to: the one it names, else the last successful one of its service (of any service when it
/// names none) at most the attribution window before it started. One whose service no
/// production deployment has is left out, and counted with its service's name.
pub(super) fn incidents(
    delivery: &Delivery,
    config: &Config,
    window: &Window,
    production: &[(&Deployment, Outcome)],
    left_out: &mut LeftOuts,
) -> Vec<(IncidentFact, Option<usize>)> {
    let mut services: Vec<&str> = production.iter().map(|(d, _)| d.service.as_str()).collect();
    services.sort_unstable();
    services.dedup();
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
        let in_window = window.from <= started && started < window.to;
        // An incident's service must be one a production deployment has: one that is not
        // (a typo, a tracker's project no service lists) is left out and named, never moved
        // to another service. It is still an incident of the window: unattributed, with that
        // reason, so the coverage counts it ("3 of 4 are attributed") and `--explain` lists it.
        if let Some(service) = issue.service.as_deref()
            && issue.deployment.is_none()
            && !services.iter().any(|s| same_service(s, service))
        {
            let why = unknown_service(service, &services);
            if in_window {
                left_out.add("incident", &why, &issue.id);
            }
            let fact = IncidentFact {
                id: issue.id.clone(),
                service: issue.service.clone(),
                title: issue.title.clone(),
                started,
                resolved: issue.resolved,
                deployment: None,
                unattributed: Some(why),
                recovery: issue.resolved.map(|r| between(started, r)),
            };
            found.push((fact, None));
            continue;
        }
        // An incident that names its deployment is that deployment's, wherever it is, when the
        // deployment is of the incident's service.
        let named = issue.deployment.as_ref().map(|named| {
            let found = production.iter().position(|(d, _)| &d.id == named);
            match (found, issue.service.as_deref()) {
                (None, _) => Err(format!(
                    "its deployment `{}` is no production deployment of the store",
                    shorten(named)
                )),
                (Some(n), Some(service)) if !same_service(&production[n].0.service, service) => {
                    Err(format!(
                        "its deployment `{}` is of the service `{}`, not of its service `{}`",
                        shorten(named),
                        production[n].0.service,
                        shorten(service)
                    ))
                }
                (Some(n), _) => Ok(n),
            }
        });
        let attributed = match &named {
            Some(named) => named.as_ref().ok().copied(),
            None => production
                .iter()
                .enumerate()
                .filter(|(_, (d, outcome))| {
                    *outcome == Outcome::Success
                        && d.at() <= started
                        && between(d.at(), started) <= config.attribution_window
                        && issue
                            .service
                            .as_deref()
                            .is_none_or(|s| same_service(&d.service, s))
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
            unattributed: attributed.is_none().then(|| match named {
                Some(Err(why)) => why,
                _ => no_deployment_before(config.attribution_window),
            }),
            recovery: issue.resolved.map(|r| between(started, r)),
        };
        found.push((fact, attributed));
    }
    found
}

/// Why an incident that names no deployment is attributed to none: no successful production
/// deployment of its service in the attribution window before it.
fn no_deployment_before(window: crate::Duration) -> String {
    if window.is_zero() {
        "no successful production deployment at the moment it started (there is no \
         attribution window: it is 0; give one, such as `--attribution-window 7d`)"
            .into()
    } else {
        format!(
            "no successful production deployment in the {} before it started",
            window.human()
        )
    }
}

/// Why an incident of `service` is left out: no production deployment is of that service.
fn unknown_service(service: &str, services: &[&str]) -> String {
    let known = if services.is_empty() {
        "there is no production deployment".to_string()
    } else {
        service_choices(
            service,
            services.iter().copied(),
            "the services of production deployments are",
            5,
        )
    };
    format!(
        "its service `{}` is the service of no production deployment ({known}); correct the \
         name, or list it among a service's repositories in the map's `dora: services:`",
        shorten(service)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The incident's message built its own "did you mean" and listed `ants` and
    /// `panjf2000/ants` as two services; `vsm dora --service` listed one. Both now say it the
    /// same way.
    #[test]
    fn an_unknown_incident_service_is_answered_as_an_unknown_service_option_is() {
        let why = unknown_service("ant", &["ants", "panjf2000/ants"]);
        assert!(
            why.contains(
                "(did you mean `ants`? the services of production deployments are `ants`);"
            ),
            "{why}"
        );
    }

    /// `--attribution-window 0` said "no successful production deployment in the 0 before it
    /// started".
    #[test]
    fn no_attribution_window_is_said_as_such() {
        assert_eq!(
            no_deployment_before(crate::Duration::from_days(7)),
            "no successful production deployment in the 7d before it started"
        );
        let none = no_deployment_before(crate::Duration::from_millis(0));
        assert!(
            none.contains("(there is no attribution window: it is 0; give one"),
            "{none}"
        );
        assert!(!none.contains("in the 0"), "{none}");
    }
}
