//! Services: a name the user gives several repositories (`payments: [org/pay-api,
//! org/pay-web]`), so that their deployments, changes and incidents count together.

use std::collections::{BTreeMap, BTreeSet};

use super::{Delivery, Report, same_service};
use crate::diagnostic::{backticked, did_you_mean};

/// A service and the repositories (or GitLab projects) it is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub repositories: Vec<String>,
}

/// The service `repository` belongs to: the first whose repositories name it (as
/// [`same_service`] compares names), else the repository itself.
fn service_of<'a>(services: &'a [Service], repository: &'a str) -> &'a str {
    services
        .iter()
        .find(|s| s.repositories.iter().any(|r| same_service(r, repository)))
        .map_or(repository, |s| s.name.as_str())
}

/// The services a name was looked for among, for a message: a guess at the one meant (`did
/// you mean `ants`? `), then `these_are` and the services, one name each (`ants`, not also
/// `panjf2000/ants`), sorted, at most `limit`. Written once for every message that refuses a
/// service name.
pub fn service_choices<'a>(
    wanted: &str,
    services: impl IntoIterator<Item = &'a str>,
    these_are: &str,
    limit: usize,
) -> String {
    let services: BTreeSet<&str> = services.into_iter().collect();
    // A name close to a whole name, else to the last part of one (`antz` to
    // `panjf2000/ants`).
    let guess = did_you_mean(wanted, services.iter().copied())
        .or_else(|| {
            let close = did_you_mean(last_part(wanted), services.iter().map(|s| last_part(s)))?;
            services.iter().copied().find(|s| last_part(s) == close)
        })
        .map(|close| format!("did you mean `{close}`? "))
        .unwrap_or_default();
    // One name per service: the shortest.
    let mut shortest: Vec<&str> = services.iter().copied().collect();
    shortest.sort_by_key(|s| s.len());
    let mut listed: Vec<&str> = Vec::new();
    for name in shortest {
        if !listed.iter().any(|l| same_service(l, name)) {
            listed.push(name);
        }
    }
    listed.sort_unstable();
    format!("{guess}{these_are} {}", backticked(listed, limit))
}

/// The store's own `OWNER/NAME` of each bare repository name it holds: `ants` (a clone
/// `vsm fetch git` read) is `panjf2000/ants` when that is the one full name of the store whose
/// last part is `ants` (GitHub's fetch of the same repository). With it, a name that differs
/// in its owner (an incidents file's `someoneelse/ants`) is another service, not `ants` by
/// its last part; a bare name still matches the store's full name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FullNames(BTreeMap<String, String>);

impl FullNames {
    /// The full names of the store's bare names, from what `delivery` holds (read before the
    /// names of incidents files are added, so that a file cannot name the store's owner).
    pub fn of(delivery: &Delivery) -> FullNames {
        let names: BTreeSet<&str> = every_service(delivery).map(String::as_str).collect();
        let mut full: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for name in &names {
            if let Some((_, last)) = name.rsplit_once('/') {
                full.entry(last).or_default().push(name);
            }
        }
        FullNames(
            names
                .iter()
                .filter(|name| !name.contains('/'))
                .filter_map(|bare| match full.get(bare).map(Vec::as_slice) {
                    Some([one]) => Some((bare.to_string(), one.to_string())),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Writes every bare name of `delivery` that has a full name as that full name.
    pub fn apply(&self, delivery: &mut Delivery) {
        if self.0.is_empty() {
            return;
        }
        let deployed = delivery
            .deployments
            .iter_mut()
            .map(|d| Some(&mut d.service));
        let commits = delivery.commits.iter_mut().map(|c| c.service.as_mut());
        let pulls = delivery
            .pull_requests
            .iter_mut()
            .map(|p| p.service.as_mut());
        let issues = delivery.issues.iter_mut().map(|i| i.service.as_mut());
        for name in deployed.chain(commits).chain(pulls).chain(issues).flatten() {
            if let Some(full) = self.0.get(name.as_str()) {
                *name = full.clone();
            }
        }
    }

    /// The store's full name of `name`, else `name`.
    pub fn full<'a>(&'a self, name: &'a str) -> &'a str {
        self.0.get(name).map_or(name, String::as_str)
    }

    /// The name the store shows for `name`: its bare name when `name` is the full name of
    /// one, else `name`.
    pub fn shown<'a>(&'a self, name: &'a str) -> &'a str {
        self.0
            .iter()
            .find(|(_, full)| *full == name)
            .map_or(name, |(bare, _)| bare.as_str())
    }

    /// Shows the report's services by the store's names again (`ants`, as `vsm fetch git`
    /// named the clone), once [`FullNames::apply`] has made them one.
    pub fn show(&self, report: &mut Report) {
        if self.0.is_empty() {
            return;
        }
        let mut names: Vec<&mut String> = Vec::new();
        names.extend(report.services.iter_mut().map(|s| &mut s.service));
        names.extend(report.deployments.iter_mut().map(|d| &mut d.service));
        names.extend(report.changes.iter_mut().filter_map(|c| c.service.as_mut()));
        names.extend(
            report
                .incidents
                .iter_mut()
                .filter_map(|i| i.service.as_mut()),
        );
        for name in names {
            let shown = self.shown(name);
            if shown != name.as_str() {
                *name = shown.to_string();
            }
        }
    }
}

/// The service names of everything `delivery` holds.
fn every_service(delivery: &Delivery) -> impl Iterator<Item = &String> {
    let deployed = delivery.deployments.iter().map(|d| Some(&d.service));
    let committed = delivery.commits.iter().map(|c| c.service.as_ref());
    let pulls = delivery.pull_requests.iter().map(|p| p.service.as_ref());
    let issues = delivery.issues.iter().map(|i| i.service.as_ref());
    deployed
        .chain(committed)
        .chain(pulls)
        .chain(issues)
        .flatten()
}

/// The last part of a repository's name: `ants` of `panjf2000/ants`.
fn last_part(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Renames every repository of `delivery` that a service lists to that service's name.
pub fn name_services(delivery: &mut Delivery, services: &[Service]) {
    if services.is_empty() {
        return;
    }
    let rename = |name: &mut String| {
        let service = service_of(services, name);
        if service != name {
            *name = service.to_string();
        }
    };
    for d in &mut delivery.deployments {
        rename(&mut d.service);
    }
    let commits = delivery.commits.iter_mut().map(|c| &mut c.service);
    let pulls = delivery.pull_requests.iter_mut().map(|p| &mut p.service);
    let issues = delivery.issues.iter_mut().map(|i| &mut i.service);
    for service in commits.chain(pulls).chain(issues).flatten() {
        rename(service);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dora::{Commit, Issue};

    #[test]
    fn repositories_a_service_lists_take_its_name_and_others_keep_theirs() {
        let services = [Service {
            name: "payments".into(),
            repositories: vec!["org/pay-api".into(), "pay-web".into()],
        }];
        let commit = |repository: &str| Commit {
            id: repository.into(),
            service: Some(repository.into()),
            title: String::new(),
            authored: None,
            committed: None,
            in_history: true,
            parents: Vec::new(),
        };
        let mut delivery = Delivery {
            commits: vec![commit("pay-api"), commit("org/pay-web"), commit("org/shop")],
            issues: vec![Issue::default()],
            ..Delivery::default()
        };
        name_services(&mut delivery, &services);
        let named: Vec<Option<&str>> = delivery
            .commits
            .iter()
            .map(|c| c.service.as_deref())
            .collect();
        assert_eq!(
            named,
            [Some("payments"), Some("payments"), Some("org/shop")]
        );
        assert_eq!(delivery.issues[0].service, None);
    }

    /// A clone's `ants` is the store's `panjf2000/ants`: another owner's `ants` is then no
    /// longer the same service by its last part, and the report shows `ants` again.
    #[test]
    fn a_bare_name_takes_the_stores_one_full_name_of_it() {
        let deployment = |service: &str| crate::dora::Deployment {
            id: service.into(),
            service: service.into(),
            environment: "production".into(),
            status: None,
            started: jiff::Timestamp::UNIX_EPOCH,
            finished: None,
            shipped: Vec::new(),
            change_set_known: false,
            deploys: Vec::new(),
            release: false,
        };
        let mut delivery = Delivery {
            deployments: vec![
                deployment("ants"),
                deployment("panjf2000/ants"),
                deployment("shop"),
                deployment("a/web"),
                deployment("b/web"),
                deployment("web"),
            ],
            ..Delivery::default()
        };
        let full = FullNames::of(&delivery);
        full.apply(&mut delivery);
        let named: Vec<&str> = delivery
            .deployments
            .iter()
            .map(|d| d.service.as_str())
            .collect();
        // `web` has two owners in the store: which one it is, is not known.
        assert_eq!(
            named,
            [
                "panjf2000/ants",
                "panjf2000/ants",
                "shop",
                "a/web",
                "b/web",
                "web"
            ]
        );
        assert!(!same_service("someoneelse/ants", full.full("ants")));
        assert!(same_service("ants", full.full("ants")));
        assert_eq!(full.shown("panjf2000/ants"), "ants");
        assert_eq!(full.shown("someoneelse/ants"), "someoneelse/ants");
    }

    #[test]
    fn a_service_name_not_found_is_answered_with_a_guess_and_one_name_per_service() {
        let services = ["panjf2000/ants", "ants", "shop"];
        assert_eq!(
            service_choices("ant", services, "its services are", 20),
            "did you mean `ants`? its services are `ants`, `shop`"
        );
        assert_eq!(
            service_choices("antz", ["panjf2000/ants"], "the services are", 5),
            "did you mean `panjf2000/ants`? the services are `panjf2000/ants`"
        );
        assert_eq!(
            service_choices("zzz", services, "the services are", 1),
            "the services are `ants` and 1 more"
        );
    }
}
