//! The top-level `dora:` section: where the event store is, what counts as production and as a
//! failure, and which repositories make one service (see docs/dora.md).

use saphyr::YamlData;

use super::fields;
use super::nodes::{Node, Reader};
use super::values::{checked, one_or_many};
use crate::diagnostic::{Diagnostic, shorten};
use crate::dora::{Config, Service, Settings};

/// The `dora:` section; `None` when a field could not be read (every problem is reported).
pub(super) fn read_dora(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Settings> {
    let fields = reader.object(node, &fields::DORA)?;
    let defaults = Config::default();
    let store = fields.get("store").map(|node| reader.text(node));
    let incidents = fields.get("incidents").map(|node| reader.text(node));
    let production = fields
        .get("production")
        .map(|node| read_patterns(reader, node));
    let window = fields
        .get("attribution_window")
        .map(|node| reader.duration(node));
    let releases = fields
        .get("releases_as_deployments")
        .map(|node| reader.boolean(node));
    let period = fields
        .get("period")
        .map(|node| reader.choice(node, "period", &fields::PERIODS));
    let services = fields
        .get("services")
        .map(|node| read_services(reader, node));
    let failures = fields
        .get("failures")
        .map(|node| read_failures(reader, node));
    let (incident_labels, incident_types, failed_deployments) =
        checked(failures)?.unwrap_or((None, None, None));
    Some(Settings {
        store: checked(store)?,
        incidents: checked(incidents)?,
        config: Config {
            production: checked(production)?.unwrap_or(defaults.production),
            incident_labels: incident_labels.unwrap_or(defaults.incident_labels),
            incident_types: incident_types.unwrap_or(defaults.incident_types),
            attribution_window: checked(window)?.unwrap_or(defaults.attribution_window),
            failed_deployments: failed_deployments.unwrap_or(defaults.failed_deployments),
        },
        releases_as_deployments: checked(releases)?.unwrap_or(false),
        period: checked(period)?.unwrap_or_default(),
        services: checked(services)?.unwrap_or_default(),
    })
}

/// What `failures:` gives: incident labels, incident types, failed deployments on or off.
type Failures = (Option<Vec<String>>, Option<Vec<String>>, Option<bool>);

fn read_failures(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Failures> {
    let fields = reader.object(node, &fields::DORA_FAILURES)?;
    let labels = fields
        .get("incident_labels")
        .map(|node| read_names(reader, node, "incident_labels"));
    let types = fields
        .get("incident_types")
        .map(|node| read_names(reader, node, "incident_types"));
    let failed = fields
        .get("failed_deployments")
        .map(|node| reader.boolean(node));
    Some((checked(labels)?, checked(types)?, checked(failed)?))
}

/// A list of names, none of them empty.
fn read_names(reader: &mut Reader<'_>, node: &Node<'_>, field: &str) -> Option<Vec<String>> {
    let mut names = Vec::new();
    let mut ok = true;
    for item in one_or_many(node) {
        match reader.text(item) {
            Some(text) if text.trim().is_empty() => {
                reader.report_at(
                    item,
                    Diagnostic::error("empty_name", format!("an empty name in `{field}`"))
                        .help("write the name, or remove the empty entry"),
                );
                ok = false;
            }
            Some(text) => names.push(text.trim().to_string()),
            None => ok = false,
        }
    }
    ok.then_some(names)
}

/// Production environments: names or `*` patterns. A pattern written as a regular expression
/// (`prod.*`, `prod|live`) would match no environment: it is an error that shows the glob.
fn read_patterns(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Vec<String>> {
    let items = one_or_many(node);
    let names = read_names(reader, node, "production")?;
    let mut ok = true;
    for (item, name) in items.into_iter().zip(&names) {
        if let Some(glob) = regex_like(name) {
            reader.report_at(
                item,
                Diagnostic::error(
                    "invalid_pattern",
                    format!("`{}` is not an environment pattern: patterns use only `*`", shorten(name)),
                )
                .help(match glob {
                    Some(glob) => format!("write `{glob}`, or list each environment by name"),
                    None => "list each environment by name, or use `*` for any run of characters, e.g. `prod-*`".into(),
                }),
            );
            ok = false;
        }
    }
    ok.then_some(names)
}

/// For a name that looks like a regular expression: the glob it probably means, when there is
/// an obvious one (`prod.*` → `prod*`).
#[allow(clippy::option_option)] // not a pattern; a pattern with or without a suggestion
fn regex_like(name: &str) -> Option<Option<String>> {
    if !name.contains(['|', '(', ')', '[', ']', '?', '+', '^', '$', '\\', '{', '}'])
        && !name.contains(".*")
    {
        return None;
    }
    let glob = name
        .trim_start_matches('^')
        .trim_end_matches('$')
        .replace(".*", "*")
        .replace(".+", "*");
    let plain = !glob.contains(['|', '(', ')', '[', ']', '?', '+', '^', '$', '\\', '{', '}']);
    Some(plain.then_some(glob))
}

/// `services: { NAME: [repository, ...] }`: each service's repositories, in the file's order.
fn read_services(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Vec<Service>> {
    let YamlData::Mapping(mapping) = &node.data else {
        reader.type_error(
            node,
            "a mapping of services to their repositories",
            "write one `NAME: [OWNER/REPO, ...]` line per service",
        );
        return None;
    };
    let mut services: Vec<Service> = Vec::new();
    let mut ok = true;
    for (key, value) in mapping {
        let Some(name) = reader.text(key) else {
            ok = false;
            continue;
        };
        let name = name.trim().to_string();
        if services.iter().any(|s| s.name == name) {
            reader.report_at(
                key,
                Diagnostic::error(
                    "duplicate_service",
                    format!("service `{}` is named twice", shorten(&name)),
                )
                .help("list all its repositories under one name"),
            );
            ok = false;
            continue;
        }
        match read_names(reader, value, "services") {
            Some(repositories) if repositories.is_empty() => {
                reader.report_at(
                    value,
                    Diagnostic::error(
                        "no_repositories",
                        format!("service `{}` lists no repository", shorten(&name)),
                    )
                    .help(format!(
                        "write `{name}: [OWNER/REPO]`, or remove the service"
                    )),
                );
                ok = false;
            }
            Some(repositories) => {
                if let Some((other, repository)) = services.iter().find_map(|s| {
                    repositories
                        .iter()
                        .find(|r| s.repositories.contains(r))
                        .map(|r| (s.name.clone(), r.clone()))
                }) {
                    reader.report_at(
                        value,
                        Diagnostic::error(
                            "repository_in_two_services",
                            format!(
                                "repository `{}` is in service `{other}` and in `{}`",
                                shorten(&repository),
                                shorten(&name)
                            ),
                        )
                        .help("a repository belongs to one service: remove it from one of them"),
                    );
                    ok = false;
                }
                services.push(Service { name, repositories });
            }
            None => ok = false,
        }
    }
    ok.then_some(services)
}
