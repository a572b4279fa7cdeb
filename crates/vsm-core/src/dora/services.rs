//! Services: a name the user gives several repositories (`payments: [org/pay-api,
//! org/pay-web]`), so that their deployments, changes and incidents count together.

use super::{Delivery, same_service};

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
}
