//! Services: a name the user gives several repositories (`payments: [org/pay-api,
//! org/pay-web]`), so that their deployments, changes and incidents count together.

use std::collections::BTreeSet;

use super::{Delivery, same_service};
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
    let guess = did_you_mean(wanted, services.iter().copied())
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

    #[test]
    fn a_service_name_not_found_is_answered_with_a_guess_and_one_name_per_service() {
        let services = ["panjf2000/ants", "ants", "shop"];
        assert_eq!(
            service_choices("ant", services, "its services are", 20),
            "did you mean `ants`? its services are `ants`, `shop`"
        );
        assert_eq!(
            service_choices("zzz", services, "the services are", 1),
            "the services are `ants` and 1 more"
        );
    }
}
