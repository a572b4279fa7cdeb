//! The DORA metrics of a delivery: deployment frequency, lead time for changes, change failure
//! rate, failed deployment recovery time and rework rate, per period and per service, with the
//! items behind every figure and what was left out.
//!
//! Pure: the caller reads the deployments, commits, pull requests and issues (from the event
//! store) into a [`Delivery`], and gets a [`Report`]. The definitions are in `docs/dora.md`;
//! each function here says which rule it applies. Tools that users trust least get these wrong
//! in known ways (change failure rate over incidents, squash merges breaking lead time, one
//! hard-coded production environment, deployments with no new changes dropped): the tests in
//! `tests.rs` are named after each.

mod changes;
mod compute;
mod history;
mod incidents;
mod littles_law;
mod period;
mod services;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_data_quality;

use jiff::Timestamp;

use crate::Duration;
use crate::measure::Distribution;

pub use compute::report;
pub use littles_law::{LittlesLaw, TOLERANCE as LITTLES_LAW_TOLERANCE};
pub use period::{Bucket, Period, days_between, midnight as period_midnight, per_day};
pub use services::{FullNames, Service, name_services, service_choices};

/// Everything the store says about a delivery.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Delivery {
    pub deployments: Vec<Deployment>,
    pub commits: Vec<Commit>,
    pub pull_requests: Vec<PullRequest>,
    pub issues: Vec<Issue>,
    /// Deployments the caller could not read into a [`Deployment`] (no environment, no time),
    /// counted with the reason.
    pub left_out: Vec<LeftOut>,
}

/// A deployment, or a release tag standing for a production deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub id: String,
    pub service: String,
    pub environment: String,
    /// As the source gives it: `success`, `failure`, `error`... (`None` for a release).
    pub status: Option<String>,
    pub started: Timestamp,
    pub finished: Option<Timestamp>,
    /// The commits it shipped first to its environment (the store's `deployed_by` links, or
    /// `released_in` for a release).
    pub shipped: Vec<String>,
    /// Whether the store holds its commit's git history, so that `shipped` is its whole change
    /// set (without it, only the deployed commit is known).
    pub change_set_known: bool,
    /// The commit(s) it deploys (its `deploys` links), whatever its status: what a deployment
    /// that did not succeed would have shipped.
    pub deploys: Vec<String>,
    /// A release tag taken as a successful production deployment.
    pub release: bool,
}

impl Deployment {
    /// When it counts as happened: when it finished, else when it started.
    pub fn at(&self) -> Timestamp {
        self.finished.unwrap_or(self.started)
    }
}

/// A commit, with what tells a change's start and a rebased copy.
#[derive(Clone, Debug, PartialEq)]
pub struct Commit {
    pub id: String,
    pub service: Option<String>,
    pub title: String,
    pub authored: Option<Timestamp>,
    pub committed: Option<Timestamp>,
    /// Whether git's history of it (its parents) is in the store.
    pub in_history: bool,
    /// Its parents, first parent first, where git's history gave them.
    pub parents: Vec<String>,
}

/// A pull request (GitHub) or merge request (GitLab).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PullRequest {
    pub id: String,
    pub service: Option<String>,
    pub title: String,
    pub branch: Option<String>,
    pub opened: Option<Timestamp>,
    pub first_review: Option<Timestamp>,
    pub merged: Option<Timestamp>,
    /// The commit it was merged as (`merged_as`): a merge commit, a squash commit or the last
    /// rebased commit.
    pub merge_commit: Option<String>,
    /// Its commits (`contains`), as they were on its branch.
    pub commits: Vec<String>,
}

/// An issue of a tracker, an incident when its labels or type say so.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Issue {
    pub id: String,
    pub service: Option<String>,
    pub title: String,
    pub labels: Vec<String>,
    /// Jira's issue type.
    pub kind: Option<String>,
    pub created: Option<Timestamp>,
    /// Closed, or moved to a done status.
    pub resolved: Option<Timestamp>,
    /// An incident whatever its labels or type (one of an incidents file).
    pub incident: bool,
    /// The deployment the incident names (an incidents file's `deployment` column): it is
    /// attributed to that one, not to the one before it.
    pub deployment: Option<String>,
}

/// What counts as production and as a failure.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Production environments: names or `*` patterns, compared without case.
    pub production: Vec<String>,
    /// Issues with one of these labels are incidents (compared without case).
    pub incident_labels: Vec<String>,
    /// Jira issues of one of these types are incidents (compared without case).
    pub incident_types: Vec<String>,
    /// An incident is attributed to the last successful production deployment of its service
    /// at most this long before it started.
    pub attribution_window: Duration,
    /// Whether a production deployment that failed is a failure (the default). Off, failed
    /// deployments are left out, as runs that never reached production.
    pub failed_deployments: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            production: vec!["production".into(), "prod".into()],
            incident_labels: vec!["incident".into()],
            incident_types: vec!["Incident".into()],
            attribution_window: Duration::from_days(7),
            failed_deployments: true,
        }
    }
}

/// A map's `dora:` section: where the delivery data is, what counts as production and as a
/// failure, and which repositories make one service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    /// The event store, relative to the map file (`None`: found from the map's folder up).
    pub store: Option<String>,
    /// A file of incidents (CSV or JSON Lines), relative to the map file.
    pub incidents: Option<String>,
    pub config: Config,
    /// Take each release (tag) as a successful production deployment.
    pub releases_as_deployments: bool,
    /// The periods figures are given for; a snapshot keeps the last full one.
    pub period: Period,
    pub services: Vec<Service>,
}

/// What to compute: the window `[from, to)`, its periods and, optionally, one service.
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
    pub period: Period,
    pub service: Option<String>,
}

impl Window {
    /// The most periods a report holds: over 13 years of days, a century of weeks.
    pub const MOST_PERIODS: u64 = 5_000;

    /// How many periods the window spans, at least (a day, 7 days, 28 days each).
    pub fn periods(&self) -> u64 {
        let days = (self.to.as_second() - self.from.as_second()).max(0) / 86_400;
        let per = match self.period {
            Period::Day => 1,
            Period::Week => 7,
            Period::Month => 28,
        };
        u64::try_from(days / per).unwrap_or(u64::MAX)
    }
}

/// The metrics, the items behind them and what was left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub window: Window,
    /// All services together.
    pub overall: Figures,
    pub services: Vec<ServiceFigures>,
    /// Production deployments that happened in the window, in time order.
    pub deployments: Vec<DeploymentFact>,
    /// Changes deployed in the window, then changes merged in it and not deployed.
    pub changes: Vec<ChangeFact>,
    /// Incidents that started in the window, and those attributed to a deployment of the window
    /// that started after it (they make it a failed deployment, and are in no other figure).
    pub incidents: Vec<IncidentFact>,
    pub coverage: Coverage,
    pub left_out: Vec<LeftOut>,
    /// Little's law over the window's changes: a mismatch means changes are missing.
    pub littles_law: Option<LittlesLaw>,
}

/// One service's figures over the window and per period.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceFigures {
    pub service: String,
    pub total: Figures,
    pub periods: Vec<PeriodFigures>,
}

/// One period's figures: `[start, end)`, whole UTC days.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodFigures {
    pub start: jiff::civil::Date,
    pub end: jiff::civil::Date,
    pub figures: Figures,
}

/// The five metrics over a span of time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// Successful production deployments (deployment frequency).
    pub deployments: usize,
    pub bucket: Option<Bucket>,
    /// Per change deployed in the span: first commit to its first successful production
    /// deployment.
    pub lead_time: Distribution,
    /// Changes deployed in the span with no lead time (deployed before their first commit, a
    /// time in the data being wrong): in no lead time figure.
    pub changes_without_lead_time: usize,
    /// Of pull requests: first commit to opened.
    pub coding: Distribution,
    /// Opened to first review.
    pub pickup: Distribution,
    /// First review to merged.
    pub review: Distribution,
    /// Merged to deployed.
    pub deploy: Distribution,
    /// Production deployments, successful or failed: the change failure rate's denominator.
    pub production_deployments: usize,
    /// Production deployments with at least one failure: their own (a failed deployment) or
    /// an incident attributed to them. Not the failed deployments alone.
    pub deployments_with_failures: usize,
    /// `deployments_with_failures / production_deployments` (a fraction), when there is one.
    pub change_failure_rate: Option<f64>,
    /// Failure to recovery, over the failures that started in the span: the failed deployments
    /// that happened in it (to the next successful production deployment of their service) and
    /// the incidents that started in it attributed to a deployment, of any time (to their
    /// resolution). An incident attributed to no deployment is none of them.
    pub recovery: Distribution,
    /// Of those failures, the ones not recovered from by the end of the data (a failed
    /// deployment with no later success, an incident not resolved): in no figure of `recovery`.
    pub unrecovered: usize,
    /// Incidents that started in the span attributed to a deployment (of any time): among the
    /// recovery's failures.
    pub incidents_attributed: usize,
    /// Incidents that started in the span attributed to no deployment: in no figure.
    pub incidents_unattributed: usize,
    /// Successful production deployments that were fixes of an earlier one.
    pub rework: usize,
    /// `rework / deployments`, when there is a deployment.
    pub rework_rate: Option<f64>,
}

/// Whether a production deployment succeeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failed,
}

/// The words of a successful deployment's status (in any case).
pub const SUCCESS_STATUSES: &[&str] = &[
    "success",
    "succeeded",
    "successful",
    "ok",
    "done",
    "completed",
    "complete",
    "deployed",
    "passed",
];

/// The words of a failed deployment's status (in any case).
pub const FAILURE_STATUSES: &[&str] = &["failure", "failed", "error", "errored"];

/// Whether a deployment's status says it succeeded, failed, or neither (running, queued,
/// cancelled, none...): the one definition the metrics and the first-shipped links
/// (`vsm fetch`) share, so a deployment that ships commits is one the metrics count a success.
pub fn outcome(status: &str) -> Option<Outcome> {
    let status = status.to_ascii_lowercase();
    if SUCCESS_STATUSES.contains(&status.as_str()) {
        Some(Outcome::Success)
    } else if FAILURE_STATUSES.contains(&status.as_str()) {
        Some(Outcome::Failed)
    } else {
        None
    }
}

/// A production deployment and what the metrics took from it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeploymentFact {
    pub id: String,
    pub service: String,
    pub environment: String,
    pub at: Timestamp,
    pub outcome: Outcome,
    pub release: bool,
    /// Changes it was the first successful production deployment of.
    pub changes: usize,
    pub change_set_known: bool,
    /// Its failures: `deployment failed`, or the incidents attributed to it.
    pub failures: Vec<String>,
    /// For a failed deployment: the next successful production deployment of its service.
    pub restored_by: Option<String>,
    pub recovery: Option<Duration>,
    /// Why it is rework (it restored a failed deployment; a change is a revert or a hotfix).
    pub rework: Option<String>,
}

/// How a change's commits were found in the deployment that shipped it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// A commit of the pull request, as on its branch.
    Commits,
    /// Its merge commit (a merge, or a squash).
    MergeCommit,
    /// A rebased copy of one of its commits (same author time and title).
    RebasedCopy,
    /// A commit no pull request holds: the change is the commit.
    Commit,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Commits => "commits",
            Via::MergeCommit => "merge_commit",
            Via::RebasedCopy => "rebased_copy",
            Via::Commit => "commit",
        }
    }
}

/// A change: a merged pull request or a commit no pull request holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeFact {
    pub id: String,
    pub pull_request: bool,
    pub service: Option<String>,
    pub title: String,
    /// A pull request's branch.
    pub branch: Option<String>,
    pub first_commit: Timestamp,
    pub opened: Option<Timestamp>,
    pub first_review: Option<Timestamp>,
    /// Merged (a commit: committed).
    pub merged: Timestamp,
    pub deployment: Option<String>,
    pub deployed: Option<Timestamp>,
    pub via: Option<Via>,
    /// From its first commit to its deployment; none when the deployment happened before the
    /// first commit (see `no_lead_time`).
    pub lead_time: Option<Duration>,
    /// Why a deployed change has no lead time: it was deployed before its first commit.
    pub no_lead_time: Option<String>,
    /// Why it has no deployment.
    pub not_deployed: Option<String>,
}

/// An incident and the deployment it is attributed to.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentFact {
    pub id: String,
    /// Its deployment's service, else the issue's.
    pub service: Option<String>,
    pub title: String,
    pub started: Timestamp,
    pub resolved: Option<Timestamp>,
    pub deployment: Option<String>,
    /// Why it is attributed to no deployment.
    pub unattributed: Option<String>,
    pub recovery: Option<Duration>,
}

/// The share of what the figures could use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Changes merged in the window, and those of them a production deployment shipped.
    pub changes_merged: usize,
    pub changes_deployed: usize,
    /// Production deployments in the window, and those whose change set is known.
    pub deployments: usize,
    pub deployments_with_change_set: usize,
    /// Incidents that started in the window, and those attributed to a deployment.
    pub incidents: usize,
    pub incidents_attributed: usize,
}

/// Items left out of every figure, with why: `count` of `what`, e.g. one `example` id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeftOut {
    pub what: String,
    pub reason: String,
    pub count: usize,
    pub example: String,
}

/// Whether two service names are one: equal, or one is the other's last path part
/// (`ants` and `panjf2000/ants`: git names a repository by its folder, GitHub by its owner).
pub fn same_service(a: &str, b: &str) -> bool {
    a == b
        || a.strip_suffix(b).is_some_and(|rest| rest.ends_with('/'))
        || b.strip_suffix(a).is_some_and(|rest| rest.ends_with('/'))
}
