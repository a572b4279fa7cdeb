//! The JSON of `vsm dora`: the figures per service and period, the coverage, what was left out,
//! and the items behind one metric (`--explain`).

use serde::Serialize;
use vsm_core::Duration;
use vsm_core::dora::{
    ChangeFact, Coverage, DeploymentFact, Figures, IncidentFact, LITTLES_LAW_TOLERANCE, LittlesLaw,
    Report,
};
use vsm_core::measure::Distribution;

use super::{Explain, explained, outcome};
use crate::json::SCHEMA_VERSION;

/// The JSON of `vsm dora`. Durations are in seconds, rates are fractions (0.25).
#[derive(Debug, Serialize)]
pub struct DoraReport<'a> {
    pub schema_version: u32,
    pub from: String,
    pub to: String,
    pub period: &'static str,
    pub service: Option<&'a str>,
    /// A warning about the figures: releases counted as deployments in a service that has
    /// deployments too (see `releases_with_deployments`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub overall: FiguresJson,
    pub services: Vec<ServiceJson<'a>>,
    pub coverage: &'a CoverageJson,
    pub left_out: Vec<LeftOutJson<'a>>,
    /// Little's law over the window's changes (none when no change was deployed in it).
    pub littles_law: Option<LittlesLawJson>,
    /// With `--explain`: the metric and its items.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<ExplainJson<'a>>,
}

/// Little's law: `work_in_progress` (changes, on average) against `throughput_per_day ×
/// flow_time_days`; `holds` false means changes are missing from the data.
#[derive(Debug, Serialize)]
pub struct LittlesLawJson {
    pub work_in_progress: f64,
    pub throughput_per_day: f64,
    pub flow_time_days: f64,
    pub expected_work_in_progress: f64,
    pub mismatch: f64,
    pub tolerance: f64,
    pub holds: bool,
}

impl From<&LittlesLaw> for LittlesLawJson {
    fn from(l: &LittlesLaw) -> Self {
        LittlesLawJson {
            work_in_progress: l.work_in_progress,
            throughput_per_day: l.throughput_per_day,
            flow_time_days: l.flow_time_days,
            expected_work_in_progress: l.expected_work_in_progress,
            mismatch: l.mismatch,
            tolerance: LITTLES_LAW_TOLERANCE,
            holds: l.holds(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ServiceJson<'a> {
    pub service: &'a str,
    pub total: FiguresJson,
    pub periods: Vec<PeriodJson>,
}

#[derive(Debug, Serialize)]
pub struct PeriodJson {
    pub start: String,
    pub end: String,
    #[serde(flatten)]
    pub figures: FiguresJson,
}

/// A distribution of durations: how many, median and 85th percentile (nearest rank), seconds.
#[derive(Debug, Serialize)]
pub struct DistributionJson {
    pub count: u64,
    pub median: Option<f64>,
    pub p85: Option<f64>,
}

impl From<&Distribution> for DistributionJson {
    fn from(d: &Distribution) -> Self {
        let seconds = |d: Duration| (d.as_millis() / 1000) as f64;
        DistributionJson {
            count: d.count,
            median: (d.count > 0).then(|| seconds(d.p50)),
            p85: (d.count > 0).then(|| seconds(d.p85)),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FiguresJson {
    pub deployments: usize,
    pub deployment_frequency: Option<&'static str>,
    pub lead_time: DistributionJson,
    /// Changes deployed in the span with no lead time (deployed before their first commit).
    pub changes_without_lead_time: usize,
    pub coding: DistributionJson,
    pub pickup: DistributionJson,
    pub review: DistributionJson,
    pub deploy: DistributionJson,
    pub production_deployments: usize,
    /// Production deployments with at least one failure: their own (status `failed`) or an
    /// incident attributed to them. The change failure rate's numerator.
    pub deployments_with_failures: usize,
    pub change_failure_rate: Option<f64>,
    /// Over failed deployments and incidents attributed to a deployment.
    pub recovery_time: DistributionJson,
    pub unrecovered: usize,
    /// Incidents attributed to a deployment: among the recovery's failures.
    pub incidents_attributed: usize,
    /// Incidents attributed to no deployment: in no figure.
    pub incidents_unattributed: usize,
    pub rework: usize,
    pub rework_rate: Option<f64>,
}

impl From<&Figures> for FiguresJson {
    fn from(f: &Figures) -> Self {
        FiguresJson {
            deployments: f.deployments,
            deployment_frequency: f.bucket.map(vsm_core::dora::Bucket::as_str),
            lead_time: (&f.lead_time).into(),
            changes_without_lead_time: f.changes_without_lead_time,
            coding: (&f.coding).into(),
            pickup: (&f.pickup).into(),
            review: (&f.review).into(),
            deploy: (&f.deploy).into(),
            production_deployments: f.production_deployments,
            deployments_with_failures: f.deployments_with_failures,
            change_failure_rate: f.change_failure_rate,
            recovery_time: (&f.recovery).into(),
            unrecovered: f.unrecovered,
            incidents_attributed: f.incidents_attributed,
            incidents_unattributed: f.incidents_unattributed,
            rework: f.rework,
            rework_rate: f.rework_rate,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CoverageJson {
    pub changes_merged: usize,
    pub changes_deployed: usize,
    pub deployments: usize,
    pub deployments_with_change_set: usize,
    pub incidents: usize,
    pub incidents_attributed: usize,
}

impl From<&Coverage> for CoverageJson {
    fn from(c: &Coverage) -> Self {
        CoverageJson {
            changes_merged: c.changes_merged,
            changes_deployed: c.changes_deployed,
            deployments: c.deployments,
            deployments_with_change_set: c.deployments_with_change_set,
            incidents: c.incidents,
            incidents_attributed: c.incidents_attributed,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LeftOutJson<'a> {
    pub what: &'a str,
    pub reason: &'a str,
    pub count: usize,
    pub example: &'a str,
}

#[derive(Debug, Serialize)]
pub struct ExplainJson<'a> {
    pub metric: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<DeploymentJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ChangeJson<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub incidents: Vec<IncidentJson<'a>>,
}

#[derive(Debug, Serialize)]
pub struct DeploymentJson<'a> {
    pub id: &'a str,
    pub service: &'a str,
    pub environment: &'a str,
    pub at: String,
    pub outcome: &'static str,
    pub release: bool,
    pub changes: usize,
    pub change_set_known: bool,
    pub failures: &'a [String],
    pub restored_by: Option<&'a str>,
    pub recovery_time: Option<f64>,
    pub rework: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ChangeJson<'a> {
    pub id: &'a str,
    pub kind: &'static str,
    pub service: Option<&'a str>,
    pub title: &'a str,
    pub first_commit: String,
    pub opened: Option<String>,
    pub first_review: Option<String>,
    pub merged: String,
    pub deployment: Option<&'a str>,
    pub deployed: Option<String>,
    pub via: Option<&'static str>,
    pub lead_time: Option<f64>,
    /// Why a deployed change has no lead time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_lead_time: Option<&'a str>,
    pub not_deployed: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct IncidentJson<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub started: String,
    pub resolved: Option<String>,
    pub deployment: Option<&'a str>,
    pub unattributed: Option<&'a str>,
    pub recovery_time: Option<f64>,
}

fn time(at: jiff::Timestamp) -> String {
    at.to_string()
}

fn seconds(d: Option<Duration>) -> Option<f64> {
    d.map(|d| (d.as_millis() / 1000) as f64)
}

fn deployment_json(d: &DeploymentFact) -> DeploymentJson<'_> {
    DeploymentJson {
        id: &d.id,
        service: &d.service,
        environment: &d.environment,
        at: time(d.at),
        outcome: outcome(d.outcome),
        release: d.release,
        changes: d.changes,
        change_set_known: d.change_set_known,
        failures: &d.failures,
        restored_by: d.restored_by.as_deref(),
        recovery_time: seconds(d.recovery),
        rework: d.rework.as_deref(),
    }
}

fn change_json(c: &ChangeFact) -> ChangeJson<'_> {
    ChangeJson {
        id: &c.id,
        kind: if c.pull_request {
            "pull_request"
        } else {
            "commit"
        },
        service: c.service.as_deref(),
        title: &c.title,
        first_commit: time(c.first_commit),
        opened: c.opened.map(time),
        first_review: c.first_review.map(time),
        merged: time(c.merged),
        deployment: c.deployment.as_deref(),
        deployed: c.deployed.map(time),
        via: c.via.map(vsm_core::dora::Via::as_str),
        lead_time: seconds(c.lead_time),
        no_lead_time: c.no_lead_time.as_deref(),
        not_deployed: c.not_deployed.as_deref(),
    }
}

fn incident_json(i: &IncidentFact) -> IncidentJson<'_> {
    IncidentJson {
        id: &i.id,
        title: &i.title,
        started: time(i.started),
        resolved: i.resolved.map(time),
        deployment: i.deployment.as_deref(),
        unattributed: i.unattributed.as_deref(),
        recovery_time: seconds(i.recovery),
    }
}

/// The report as pretty JSON, with the items of `explain`.
pub fn json(report: &Report, explain: Option<Explain>) -> String {
    let coverage = CoverageJson::from(&report.coverage);
    let explained = explain.map(|metric| {
        let (deployments, changes, incidents) = explained(report, metric);
        ExplainJson {
            metric: metric.name(),
            deployments: deployments.into_iter().map(deployment_json).collect(),
            changes: changes.into_iter().map(change_json).collect(),
            incidents: incidents.into_iter().map(incident_json).collect(),
        }
    });
    crate::json::to_string(&DoraReport {
        schema_version: SCHEMA_VERSION,
        from: time(report.window.from),
        to: time(report.window.to),
        period: report.window.period.as_str(),
        service: report.window.service.as_deref(),
        note: super::releases_with_deployments(report),
        overall: (&report.overall).into(),
        services: report
            .services
            .iter()
            .map(|s| ServiceJson {
                service: &s.service,
                total: (&s.total).into(),
                periods: s
                    .periods
                    .iter()
                    .map(|p| PeriodJson {
                        start: p.start.to_string(),
                        end: p.end.to_string(),
                        figures: (&p.figures).into(),
                    })
                    .collect(),
            })
            .collect(),
        coverage: &coverage,
        left_out: report
            .left_out
            .iter()
            .map(|l| LeftOutJson {
                what: &l.what,
                reason: &l.reason,
                count: l.count,
                example: &l.example,
            })
            .collect(),
        littles_law: report.littles_law.as_ref().map(Into::into),
        explain: explained,
    })
}
