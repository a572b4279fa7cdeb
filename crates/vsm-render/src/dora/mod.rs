//! `vsm dora`: the DORA metrics per service and period, their coverage and what was left out,
//! as JSON and for people (text, Markdown), and the items behind one metric (`--explain`).

use std::fmt::Write as _;

use serde::Serialize;
use vsm_core::Duration;
use vsm_core::dora::{
    ChangeFact, Coverage, DeploymentFact, Figures, IncidentFact, LITTLES_LAW_TOLERANCE, LeftOut,
    LittlesLaw, Outcome, Report,
};
use vsm_core::measure::Distribution;

use crate::report::{NOT_ALIGNED, Style, push_table as push};

/// A table in the report's style: Markdown or plain text.
fn table(markdown: bool, header: &[&str]) -> comfy_table::Table {
    let style = if markdown {
        Style::Markdown
    } else {
        Style::Text
    };
    crate::report::table(style, header, NOT_ALIGNED)
}
use crate::json::SCHEMA_VERSION;

mod html;
pub use html::{HtmlSection, html_section};

/// The metric whose items `--explain` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Explain {
    DeploymentFrequency,
    LeadTime,
    ChangeFailureRate,
    RecoveryTime,
    ReworkRate,
}

impl Explain {
    pub const ALL: [Explain; 5] = [
        Explain::DeploymentFrequency,
        Explain::LeadTime,
        Explain::ChangeFailureRate,
        Explain::RecoveryTime,
        Explain::ReworkRate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Explain::DeploymentFrequency => "deployment-frequency",
            Explain::LeadTime => "lead-time",
            Explain::ChangeFailureRate => "change-failure-rate",
            Explain::RecoveryTime => "recovery-time",
            Explain::ReworkRate => "rework-rate",
        }
    }

    pub fn from_name(name: &str) -> Option<Explain> {
        Explain::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// The JSON of `vsm dora`. Durations are in seconds, rates are fractions (0.25).
#[derive(Debug, Serialize)]
pub struct DoraReport<'a> {
    pub schema_version: u32,
    pub from: String,
    pub to: String,
    pub period: &'static str,
    pub service: Option<&'a str>,
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
    pub coding: DistributionJson,
    pub pickup: DistributionJson,
    pub review: DistributionJson,
    pub deploy: DistributionJson,
    pub production_deployments: usize,
    pub failed_deployments: usize,
    pub change_failure_rate: Option<f64>,
    pub recovery_time: DistributionJson,
    pub unrecovered: usize,
    pub rework: usize,
    pub rework_rate: Option<f64>,
}

impl From<&Figures> for FiguresJson {
    fn from(f: &Figures) -> Self {
        FiguresJson {
            deployments: f.deployments,
            deployment_frequency: f.bucket.map(vsm_core::dora::Bucket::as_str),
            lead_time: (&f.lead_time).into(),
            coding: (&f.coding).into(),
            pickup: (&f.pickup).into(),
            review: (&f.review).into(),
            deploy: (&f.deploy).into(),
            production_deployments: f.production_deployments,
            failed_deployments: f.failed_deployments,
            change_failure_rate: f.change_failure_rate,
            recovery_time: (&f.recovery).into(),
            unrecovered: f.unrecovered,
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

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::Failed => "failed",
    }
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

type Items<'a> = (
    Vec<&'a DeploymentFact>,
    Vec<&'a ChangeFact>,
    Vec<&'a IncidentFact>,
);

/// The items behind `metric`.
fn explained(report: &Report, metric: Explain) -> Items<'_> {
    let all = || report.deployments.iter();
    match metric {
        Explain::LeadTime => (Vec::new(), report.changes.iter().collect(), Vec::new()),
        Explain::DeploymentFrequency | Explain::ReworkRate => (
            all().filter(|d| d.outcome == Outcome::Success).collect(),
            Vec::new(),
            Vec::new(),
        ),
        Explain::ChangeFailureRate => (
            all().collect(),
            Vec::new(),
            report.incidents.iter().collect(),
        ),
        Explain::RecoveryTime => (
            all().filter(|d| d.outcome == Outcome::Failed).collect(),
            Vec::new(),
            report.incidents.iter().collect(),
        ),
    }
}

pub(crate) fn duration(d: &Distribution, p: fn(&Distribution) -> Duration) -> String {
    if d.count == 0 {
        "-".into()
    } else {
        p(d).human()
    }
}

pub(crate) fn rate(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| vsm_core::format_percent(r * 100.0))
}

pub(crate) fn short(at: jiff::Timestamp) -> String {
    let utc = jiff::tz::Offset::UTC.to_datetime(at);
    format!("{} {:02}:{:02}", utc.date(), utc.hour(), utc.minute())
}

/// One service's (or all services') figures, for people.
fn summary(out: &mut String, f: &Figures) {
    let _ = writeln!(
        out,
        "  deployment frequency   {} successful production deployments ({})",
        f.deployments,
        f.bucket.map_or("-", |b| b.label())
    );
    let _ = writeln!(
        out,
        "  lead time for changes  median {}, p85 {} ({} changes)",
        duration(&f.lead_time, |d| d.p50),
        duration(&f.lead_time, |d| d.p85),
        f.lead_time.count
    );
    let _ = writeln!(
        out,
        "    pull requests, medians: coding {} ({}), pickup {} ({}), review {} ({}), deploy {} ({})",
        duration(&f.coding, |d| d.p50),
        f.coding.count,
        duration(&f.pickup, |d| d.p50),
        f.pickup.count,
        duration(&f.review, |d| d.p50),
        f.review.count,
        duration(&f.deploy, |d| d.p50),
        f.deploy.count,
    );
    let _ = writeln!(
        out,
        "  change failure rate    {} ({} of {} production deployments)",
        rate(f.change_failure_rate),
        f.failed_deployments,
        f.production_deployments
    );
    let _ = writeln!(
        out,
        "  recovery time          median {}, p85 {} ({} failures, {} unrecovered)",
        duration(&f.recovery, |d| d.p50),
        duration(&f.recovery, |d| d.p85),
        f.recovery.count as usize + f.unrecovered,
        f.unrecovered
    );
    let _ = writeln!(
        out,
        "  rework rate            {} ({} of {} deployments)",
        rate(f.rework_rate),
        f.rework,
        f.deployments
    );
}

/// The columns of the table of periods.
pub(crate) const PERIOD_COLUMNS: [&str; 8] = [
    "period",
    "deployments",
    "lead time p50",
    "p85",
    "changes",
    "failure rate",
    "recovery p50",
    "rework",
];

/// One period's line of the table of periods.
pub(crate) fn period_row(p: &vsm_core::dora::PeriodFigures) -> Vec<String> {
    let f = &p.figures;
    vec![
        p.start.to_string(),
        f.deployments.to_string(),
        duration(&f.lead_time, |d| d.p50),
        duration(&f.lead_time, |d| d.p85),
        f.lead_time.count.to_string(),
        rate(f.change_failure_rate),
        duration(&f.recovery, |d| d.p50),
        f.rework.to_string(),
    ]
}

fn period_table(markdown: bool, service: &vsm_core::dora::ServiceFigures) -> comfy_table::Table {
    let mut rows = table(markdown, &PERIOD_COLUMNS);
    for p in &service.periods {
        rows.add_row(period_row(p));
    }
    rows
}

/// What the figures could use, in one sentence.
pub(crate) fn coverage_sentence(c: &Coverage) -> String {
    format!(
        "Coverage: {} of {} changes merged in the window reached production; {} of {} production \
         deployments have a known change set; {} of {} incidents are attributed to a deployment.",
        c.changes_deployed,
        c.changes_merged,
        c.deployments_with_change_set,
        c.deployments,
        c.incidents_attributed,
        c.incidents
    )
}

/// `left out: 2 commits: why (e.g. `id`)`.
pub(crate) fn left_out_line(l: &LeftOut) -> String {
    format!(
        "left out: {} {}{}: {} (e.g. `{}`)",
        l.count,
        l.what,
        if l.count == 1 { "" } else { "s" },
        l.reason,
        l.example
    )
}

/// Little's law for people: the two sides, and, when they disagree, that data is missing.
pub(crate) fn littles_law_sentence(law: &LittlesLaw) -> String {
    let number = |v: f64| vsm_core::format_number(v, 2);
    let sides = format!(
        "Little's law: {} changes in progress on average; throughput {} a day × mean flow time {} days gives {}",
        number(law.work_in_progress),
        number(law.throughput_per_day),
        number(law.flow_time_days),
        number(law.expected_work_in_progress)
    );
    let apart = vsm_core::format_percent(law.mismatch * 100.0);
    let tolerance = vsm_core::format_percent(LITTLES_LAW_TOLERANCE * 100.0);
    if law.holds() {
        format!("{sides} ({apart} apart, within {tolerance}).")
    } else {
        format!(
            "{sides}: {apart} apart, beyond {tolerance}, so data is missing: changes merged and \
             never deployed (or whose commits the store's history lacks), deployments with an \
             unknown change set, or changes started long before the window (a window a few \
             times the lead time settles those)."
        )
    }
}

fn coverage_lines(out: &mut String, report: &Report) {
    let _ = writeln!(out, "{}", coverage_sentence(&report.coverage));
    if let Some(law) = &report.littles_law {
        let _ = writeln!(out, "{}", littles_law_sentence(law));
    }
    for l in &report.left_out {
        let _ = writeln!(out, "  {}", left_out_line(l));
    }
}

/// The report for people: text, or Markdown with `markdown`.
pub fn text(store: &str, report: &Report, explain: Option<Explain>, markdown: bool) -> String {
    let mut out = String::new();
    let w = &report.window;
    let heading = if markdown { "# " } else { "" };
    let _ = writeln!(
        out,
        "{heading}DORA metrics of `{store}`, {} to {} (UTC), by {}\n",
        short(w.from),
        short(w.to),
        w.period.as_str()
    );
    if report.services.is_empty() {
        let _ = writeln!(
            out,
            "No production deployment in the window. Production is the environments the \
             configuration names (see docs/dora.md); releases count with \
             --releases-as-deployments.\n"
        );
    }
    for service in &report.services {
        let _ = writeln!(
            out,
            "{}{}",
            if markdown { "## " } else { "" },
            service.service
        );
        if markdown {
            out.push_str("\n```text\n");
        }
        summary(&mut out, &service.total);
        if markdown {
            out.push_str("```\n");
        }
        out.push('\n');
        push(&mut out, &period_table(markdown, service));
        out.push('\n');
    }
    if report.services.len() > 1 {
        let _ = writeln!(out, "{}All services", if markdown { "## " } else { "" });
        summary(&mut out, &report.overall);
        out.push('\n');
    }
    coverage_lines(&mut out, report);
    if let Some(metric) = explain {
        out.push('\n');
        explain_text(&mut out, report, metric, markdown);
    }
    out
}

fn explain_text(out: &mut String, report: &Report, metric: Explain, markdown: bool) {
    let (deployments, changes, incidents) = explained(report, metric);
    let _ = writeln!(
        out,
        "{}Behind {}",
        if markdown { "## " } else { "" },
        metric.name()
    );
    if !deployments.is_empty() {
        let mut rows = table(
            markdown,
            &[
                "at",
                "deployment",
                "service",
                "outcome",
                "changes",
                "failures",
                "restored by",
                "recovery",
                "rework",
            ],
        );
        for d in deployments {
            rows.add_row(vec![
                short(d.at),
                d.id.clone(),
                d.service.clone(),
                outcome(d.outcome).to_string(),
                if d.change_set_known {
                    d.changes.to_string()
                } else {
                    format!("{}?", d.changes)
                },
                d.failures.join(", "),
                d.restored_by.clone().unwrap_or_default(),
                d.recovery.map(Duration::human).unwrap_or_default(),
                d.rework.clone().unwrap_or_default(),
            ]);
        }
        out.push('\n');
        push(out, &rows);
    }
    if !changes.is_empty() {
        let mut rows = table(
            markdown,
            &[
                "change",
                "first commit",
                "opened",
                "first review",
                "merged",
                "deployed",
                "deployment",
                "lead time",
                "via",
            ],
        );
        let when = |t: Option<jiff::Timestamp>| t.map(short).unwrap_or_default();
        for c in changes {
            rows.add_row(vec![
                c.id.clone(),
                short(c.first_commit),
                when(c.opened),
                when(c.first_review),
                short(c.merged),
                when(c.deployed),
                c.deployment
                    .clone()
                    .or_else(|| c.not_deployed.clone())
                    .unwrap_or_default(),
                c.lead_time.map(Duration::human).unwrap_or_default(),
                c.via.map(|v| v.as_str().to_string()).unwrap_or_default(),
            ]);
        }
        out.push('\n');
        push(out, &rows);
    }
    if !incidents.is_empty() {
        let mut rows = table(
            markdown,
            &["incident", "started", "resolved", "deployment", "recovery"],
        );
        for i in incidents {
            rows.add_row(vec![
                i.id.clone(),
                short(i.started),
                i.resolved.map(short).unwrap_or_default(),
                i.deployment
                    .clone()
                    .or_else(|| i.unattributed.clone())
                    .unwrap_or_default(),
                i.recovery.map(Duration::human).unwrap_or_default(),
            ]);
        }
        out.push('\n');
        push(out, &rows);
    }
}
