//! The DORA metrics of an event store: what the store holds about delivery, read into
//! `vsm_core::dora`'s terms (each deployment's service, releases as deployments when asked),
//! and the report over a window.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use vsm_core::dora::{
    self, Commit, Config, Delivery, Deployment, Issue, LeftOut, PullRequest, Service, Settings,
};
use vsm_events::{Store, StoredDelivery};

/// The environment of a release taken as a production deployment.
pub const RELEASE_ENVIRONMENT: &str = "release";

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub config: Config,
    pub window: dora::Window,
    /// Take each release (tag) as a successful production deployment of the commits it released
    /// first.
    pub releases_as_deployments: bool,
    /// Services made of several repositories.
    pub services: Vec<Service>,
    /// A file of incidents (CSV or JSON Lines) besides the store's.
    pub incidents: Option<PathBuf>,
}

impl Request {
    /// What the `dora:` section of the map at `map` asks for, over `window` (its incidents
    /// file is relative to the map).
    pub fn of_settings(map: Option<&Path>, settings: &Settings, window: dora::Window) -> Request {
        let folder = map
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty());
        Request {
            config: settings.config.clone(),
            window,
            releases_as_deployments: settings.releases_as_deployments,
            services: settings.services.clone(),
            incidents: settings
                .incidents
                .as_ref()
                .map(|file| crate::paths::normalize(&folder.unwrap_or(Path::new(".")).join(file))),
        }
    }
}

/// The event store of the map at `map`: its `dora: { store: }` (relative to the map), else
/// the first `.vsm/events.sqlite` in the map's folder or a folder above it (where `vsm fetch`
/// run at the repository's root writes it), else the one in the map's folder (which the
/// report then says is missing).
pub fn store_of(map: &Path, settings: &Settings) -> PathBuf {
    let folder = map.parent().filter(|p| !p.as_os_str().is_empty());
    let folder = folder.unwrap_or(Path::new("."));
    if let Some(store) = &settings.store {
        return crate::paths::normalize(&folder.join(store));
    }
    let absolute = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
    // Walked as `..` steps from the map's folder, so that the path shown stays relative.
    let mut up = folder.to_path_buf();
    for _ in absolute.ancestors() {
        let candidate = crate::paths::normalize(&up.join(vsm_events::DEFAULT_PATH));
        if candidate.is_file() {
            return candidate;
        }
        up.push("..");
    }
    crate::paths::normalize(&folder.join(vsm_events::DEFAULT_PATH))
}

/// The last full period before `at`: it ends at the start of the period `at` falls in.
pub fn last_full_period(period: dora::Period, at: jiff::Timestamp) -> dora::Window {
    let end = period.start_of(at);
    let start = period.start_of(dora::period_midnight(end) - jiff::SignedDuration::from_secs(1));
    dora::Window {
        from: dora::period_midnight(start),
        to: dora::period_midnight(end),
        period,
        service: None,
    }
}

/// The period a window of one period stands for, for people: `the week 2024-06-03 to
/// 2024-06-09`, `the month 2024-05-01 to 2024-05-31`, `the day 2024-06-11`.
pub fn period_name(window: &dora::Window) -> String {
    let day = |at: jiff::Timestamp| jiff::tz::Offset::UTC.to_datetime(at).date();
    let (first, last) = (
        day(window.from),
        day(window.to).yesterday().unwrap_or(day(window.to)),
    );
    let period = window.period.as_str();
    if first >= last {
        format!("the {period} {first}")
    } else {
        format!("the {period} {first} to {last}")
    }
}

/// How far back a window reaches from its end when `--from` is not given, with its name for
/// people.
#[derive(Clone, Copy, Debug)]
pub struct Reach {
    pub span: jiff::Span,
    pub name: &'static str,
}

/// `vsm dora`'s window without `--from`: the 90 days before its end.
pub fn dora_reach() -> Reach {
    use jiff::ToSpan as _;
    Reach {
        span: 90.days(),
        name: "90 days",
    }
}

/// The report's window without `--from`: four weeks of days, twelve weeks, twelve months.
pub fn report_reach(period: dora::Period) -> Reach {
    use jiff::ToSpan as _;
    match period {
        dora::Period::Day => Reach {
            span: 28.days(),
            name: "28 days",
        },
        dora::Period::Week => Reach {
            span: 12.weeks(),
            name: "12 weeks",
        },
        dora::Period::Month => Reach {
            span: 12.months(),
            name: "12 months",
        },
    }
}

/// `span` before `at` (UTC, so that a month is a calendar month); `None` past the calendar.
fn back(at: jiff::Timestamp, span: jiff::Span) -> Option<jiff::Timestamp> {
    let utc = jiff::tz::Offset::UTC;
    utc.to_datetime(at)
        .checked_sub(span)
        .ok()
        .and_then(|earlier| utc.to_timestamp(earlier).ok())
}

/// The report's window: the last full periods before `now` (see [`report_reach`]).
pub fn report_window(period: dora::Period, now: jiff::Timestamp) -> dora::Window {
    let last = last_full_period(period, now);
    let from = back(last.to, report_reach(period).span).unwrap_or(last.from);
    dora::Window { from, ..last }
}

/// A window's bound for people: its day when it is a midnight (UTC), else the time.
pub fn shown(at: jiff::Timestamp) -> String {
    let utc = jiff::tz::Offset::UTC.to_datetime(at);
    if utc.time() == jiff::civil::Time::midnight() {
        utc.date().to_string()
    } else {
        at.to_string()
    }
}

/// The start of the day after the one `now` falls in (UTC): the end of a window up to today.
pub fn tomorrow(now: jiff::Timestamp) -> jiff::Timestamp {
    let today = jiff::tz::Offset::UTC.to_datetime(now).date();
    dora::period_midnight(today.tomorrow().unwrap_or(today))
}

/// What a window is asked to be: either bound, both, or neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    pub from: Option<jiff::Timestamp>,
    pub to: Option<jiff::Timestamp>,
}

/// The window `[from, to)` asked: `to` by default tomorrow (a window up to today), `from` by
/// default `reach` before `to`. An empty window is refused naming the bounds as the user gave
/// them: a `--to` not given is the default's.
pub fn asked_window(
    asked: Asked,
    reach: Reach,
    now: jiff::Timestamp,
    period: dora::Period,
    service: Option<String>,
) -> Result<dora::Window> {
    let to = asked.to.unwrap_or_else(|| tomorrow(now));
    let from = match asked.from {
        Some(from) => from,
        None => back(to, reach.span).ok_or_else(|| {
            anyhow::anyhow!(
                "--to {} leaves no room for the {} before it; give --from too",
                shown(to),
                reach.name
            )
        })?,
    };
    if from >= to {
        match asked.to {
            Some(_) => bail!(
                "--from {} is not before --to {}; the window is [from, to), so give a later --to",
                shown(from),
                shown(to)
            ),
            None => bail!(
                "--from {} is after today: without --to the window ends with today (UTC), at \
                 {}; give an earlier --from, or a --to after it",
                shown(from),
                shown(to)
            ),
        }
    }
    Ok(dora::Window {
        from,
        to,
        period,
        service,
    })
}

/// The report's window as asked: neither bound, the last full periods before `now` (see
/// [`report_window`]); `--to` alone, the [`report_reach`] before it; `--from` alone, up to
/// today.
pub fn asked_report_window(
    period: dora::Period,
    asked: Asked,
    now: jiff::Timestamp,
) -> Result<dora::Window> {
    if asked == Asked::default() {
        return Ok(report_window(period, now));
    }
    asked_window(asked, report_reach(period), now, period, None)
}

/// The DORA section of the report of the map at `map`: the store it reads, and the figures of
/// the window asked (by default the full periods before `now`).
pub fn for_report(
    map: &Path,
    settings: &Settings,
    asked: Asked,
    now: jiff::Timestamp,
) -> Result<(PathBuf, dora::Report)> {
    let store = store_of(map, settings);
    let window = asked_report_window(settings.period, asked, now)?;
    let request = Request::of_settings(Some(map), settings, window);
    let report = report(&store, &request)?;
    Ok((crate::paths::relative_to_map(map, &store), report))
}

/// The DORA figures of a map's last full period before `at`, as named metrics (see
/// `vsm_core::metrics::of_dora`).
pub fn metrics_of_map(
    map: &Path,
    settings: &Settings,
    at: jiff::Timestamp,
) -> Result<Vec<(String, f64)>> {
    let window = last_full_period(settings.period, at);
    let days = dora::days_between(window.from, window.to);
    let request = Request::of_settings(Some(map), settings, window);
    let report = report(&store_of(map, settings), &request)?;
    Ok(vsm_core::metrics::of_dora(&report.overall, days))
}

/// The report of the store at `path`.
pub fn report(path: &Path, request: &Request) -> Result<dora::Report> {
    let window = &request.window;
    if window.periods() > dora::Window::MOST_PERIODS {
        bail!(
            "the window from {} to {} spans {} {}s, more than the {} periods a report holds; \
             give a shorter window (--from, --to) or a longer period (--period week or month)",
            window.from.strftime("%Y-%m-%d"),
            window.to.strftime("%Y-%m-%d"),
            window.periods(),
            window.period.as_str(),
            dora::Window::MOST_PERIODS
        );
    }
    let stored = Store::open_read_only(path)?.delivery()?;
    let mut delivery = delivery(stored, request.releases_as_deployments);
    // The store's names by their full name, before a file's are added: `someoneelse/ants` in
    // an incidents file is then not the store's `ants` when the store knows `ants` as
    // `panjf2000/ants`, and a bare `ants` (a file's, `--service`) still is.
    let full_names = dora::FullNames::of(&delivery);
    full_names.apply(&mut delivery);
    if let Some(file) = &request.incidents {
        let incidents = vsm_fetch::incidents::read(file)?;
        add_incidents(&mut delivery, incidents);
    }
    dora::name_services(&mut delivery, &request.services);
    let mut window = request.window.clone();
    if let Some(wanted) = &request.window.service {
        known_service(&delivery, wanted, path, &request.services, &full_names)?;
        window.service = Some(full_names.full(wanted).to_string());
    }
    let mut report = dora::report(&delivery, &request.config, &window);
    report.window = request.window.clone();
    full_names.show(&mut report);
    Ok(report)
}

/// Refuses a service the store holds nothing of, naming the ones it has (a service of the
/// map's `services:`, else a repository as its deployments, commits, pull requests and
/// incidents name it), and the closest; a repository of one of the map's `services:` is
/// answered with that service.
fn known_service(
    delivery: &Delivery,
    wanted: &str,
    store: &Path,
    grouped: &[Service],
    full_names: &dora::FullNames,
) -> Result<()> {
    let quoted = vsm_core::diagnostic::shorten(wanted);
    let deployed = delivery
        .deployments
        .iter()
        .map(|d| Some(d.service.as_str()));
    let committed = delivery.commits.iter().map(|c| c.service.as_deref());
    let pulls = delivery.pull_requests.iter().map(|p| p.service.as_deref());
    let issues = delivery.issues.iter().map(|i| i.service.as_deref());
    let services: std::collections::BTreeSet<&str> = deployed
        .chain(committed)
        .chain(pulls)
        .chain(issues)
        .flatten()
        .collect();
    if services.iter().any(|s| dora::same_service(wanted, s)) {
        return Ok(());
    }
    if let Some(group) = grouped
        .iter()
        .find(|g| g.repositories.iter().any(|r| dora::same_service(r, wanted)))
    {
        bail!(
            "`{quoted}` is a repository of the service `{name}` (the map's `dora: services:` \
             counts {repositories} together); give `--service {name}`, or take `{quoted}` out \
             of `{name}` in the map to see it alone",
            name = group.name,
            repositories =
                vsm_core::diagnostic::backticked(group.repositories.iter().map(String::as_str), 20),
        );
    }
    if services.is_empty() {
        bail!(
            "there is no service `{quoted}`: the event store `{}` holds no deployment, commit, \
             pull request or issue; fetch some with `vsm fetch git .` (or `vsm fetch github \
             OWNER/REPO`)",
            store.display()
        );
    }
    bail!(
        "there is no service `{quoted}` in the event store `{}`; {} (repositories as `vsm \
         fetch` names them, or the names of the map's `dora: services:`)",
        store.display(),
        dora::service_choices(
            wanted,
            services.into_iter().map(|s| full_names.shown(s)),
            "its services are",
            20
        )
    );
}

/// The store's delivery in the metrics' terms. A deployment's service is its deployed commit's
/// repository, else the repository its id names (`github:OWNER/REPO/deployments/ID`).
pub fn delivery(stored: StoredDelivery, releases_as_deployments: bool) -> Delivery {
    let repository: std::collections::HashMap<&str, (&Option<String>, bool)> = stored
        .commits
        .iter()
        .map(|c| (c.id.as_str(), (&c.repository, c.in_history)))
        .collect();
    let mut left_out: Vec<LeftOut> = Vec::new();
    let mut leave = |reason: &str, id: &str| match left_out.iter_mut().find(|l| l.reason == reason)
    {
        Some(found) => found.count += 1,
        None => left_out.push(LeftOut {
            what: "deployment".into(),
            reason: reason.into(),
            count: 1,
            example: id.into(),
        }),
    };
    let mut deployments = Vec::new();
    for stored in &stored.deployments {
        let d = &stored.deployment;
        let Some(environment) = &d.environment else {
            leave("it has no environment", &d.id);
            continue;
        };
        let Some(started) = d.started.or(stored.finished) else {
            leave("it has no start, creation or finish event", &d.id);
            continue;
        };
        let deployed = d.commits.iter().find_map(|c| repository.get(c.as_str()));
        let service = deployed
            .and_then(|(r, _)| (*r).clone())
            .or_else(|| service_of_id(&d.id))
            .unwrap_or_else(|| "unknown".into());
        deployments.push(Deployment {
            id: d.id.clone(),
            service,
            environment: environment.clone(),
            status: d.status.clone(),
            started,
            finished: stored.finished,
            shipped: stored.shipped.clone(),
            change_set_known: deployed.is_some_and(|(_, in_history)| *in_history),
            deploys: d.commits.clone(),
            release: false,
        });
    }
    if releases_as_deployments {
        for release in &stored.releases {
            let Some(created) = release.created else {
                leave("the release has no tag_created event", &release.id);
                continue;
            };
            deployments.push(Deployment {
                id: release.id.clone(),
                service: release
                    .repository
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
                environment: RELEASE_ENVIRONMENT.into(),
                status: None,
                started: created,
                finished: None,
                shipped: release.shipped.clone(),
                change_set_known: true,
                deploys: Vec::new(),
                release: true,
            });
        }
    }
    let commits = stored
        .commits
        .into_iter()
        .map(|c| Commit {
            id: c.id,
            service: c.repository,
            title: c.title.unwrap_or_default(),
            authored: c.authored,
            committed: c.committed,
            in_history: c.in_history,
            parents: c.parents,
        })
        .collect();
    let pull_requests = stored
        .pull_requests
        .into_iter()
        .map(|p| PullRequest {
            id: p.id,
            service: p.repository,
            title: p.title.unwrap_or_default(),
            branch: p.branch,
            opened: p.opened,
            first_review: p.first_review,
            merged: p.merged,
            merge_commit: p.merge_commit,
            commits: p.commits,
        })
        .collect();
    let issues = stored
        .issues
        .into_iter()
        .map(|i| Issue {
            id: i.id,
            service: i.repository,
            title: i.title.unwrap_or_default(),
            labels: i.labels,
            kind: i.kind,
            created: i.created,
            resolved: i.resolved,
            incident: false,
            deployment: None,
        })
        .collect();
    Delivery {
        deployments,
        commits,
        pull_requests,
        issues,
        left_out,
    }
}

/// Adds the incidents of a file. The deployment an incident names is the store's deployment of
/// that id, else the one whose id ends with it (`7` names `deploy:ants:production:7`, the id a
/// deployments file gave), of the incident's service if it has one and several repositories'
/// ids end so; a name that is neither is kept, and the incident is reported unattributed.
fn add_incidents(delivery: &mut Delivery, incidents: Vec<vsm_fetch::incidents::Incident>) {
    let resolve = |named: String, service: Option<&str>| {
        if delivery.deployments.iter().any(|d| d.id == named) {
            return named;
        }
        let ending: Vec<&Deployment> = delivery
            .deployments
            .iter()
            .filter(|d| {
                d.id.strip_suffix(named.as_str())
                    .is_some_and(|rest| rest.ends_with([':', '/']))
            })
            .collect();
        let of_service: Vec<&Deployment> = ending
            .iter()
            .copied()
            .filter(|d| service.is_some_and(|s| dora::same_service(s, &d.service)))
            .collect();
        match (ending.as_slice(), of_service.as_slice()) {
            ([one], _) | (_, [one]) => one.id.clone(),
            _ => named,
        }
    };
    let issues: Vec<Issue> = incidents
        .into_iter()
        .map(|i| Issue {
            id: format!("incident:{}", i.id),
            deployment: i
                .deployment
                .map(|named| resolve(named, i.service.as_deref())),
            service: i.service,
            title: i.title,
            labels: Vec::new(),
            kind: None,
            created: Some(i.started),
            resolved: i.resolved,
            incident: true,
        })
        .collect();
    delivery.issues.extend(issues);
}

/// The repository (GitHub) or project (GitLab) a deployment's id names.
fn service_of_id(id: &str) -> Option<String> {
    let (_, rest) = id.split_once(':')?;
    let (service, _) = rest.rsplit_once("/deployments/")?;
    Some(service.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_full_period_ends_where_the_current_one_starts() {
        let at: jiff::Timestamp = "2024-06-12T15:00:00Z".parse().unwrap();
        let week = last_full_period(dora::Period::Week, at);
        assert_eq!(
            (week.from.to_string(), week.to.to_string()),
            ("2024-06-03T00:00:00Z".into(), "2024-06-10T00:00:00Z".into())
        );
        let month = last_full_period(dora::Period::Month, at);
        assert_eq!(month.from.to_string(), "2024-05-01T00:00:00Z");
        let day = last_full_period(dora::Period::Day, "2024-06-12T00:00:00Z".parse().unwrap());
        assert_eq!(day.from.to_string(), "2024-06-11T00:00:00Z");
        let report = report_window(dora::Period::Month, at);
        assert_eq!(
            (report.from.to_string(), report.to.to_string()),
            ("2023-06-01T00:00:00Z".into(), "2024-06-01T00:00:00Z".into())
        );
    }

    #[test]
    fn a_deployment_id_names_its_repository() {
        assert_eq!(
            service_of_id("github:octocat/example/deployments/1").as_deref(),
            Some("octocat/example")
        );
        assert_eq!(
            service_of_id("gitlab:group/sub/project/deployments/13").as_deref(),
            Some("group/sub/project")
        );
        assert_eq!(service_of_id("deploy:production:7"), None);
    }
}
