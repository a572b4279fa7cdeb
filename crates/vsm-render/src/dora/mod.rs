//! `vsm dora`: the DORA metrics per service and period, their coverage and what was left out,
//! as JSON and for people (text, Markdown), and the items behind one metric (`--explain`).

use vsm_core::Duration;
pub(crate) use vsm_core::diagnostic::counted;
use vsm_core::dora::{
    ChangeFact, Coverage, DeploymentFact, IncidentFact, LITTLES_LAW_TOLERANCE, LeftOut, LittlesLaw,
    Outcome, Report,
};
use vsm_core::measure::Distribution;

use crate::report::{NOT_ALIGNED, Style};

/// A table in the report's style: Markdown or plain text.
fn table(markdown: bool, header: &[&str]) -> comfy_table::Table {
    let style = if markdown {
        Style::Markdown
    } else {
        Style::Text
    };
    crate::report::table(style, header, NOT_ALIGNED)
}

mod explain;
mod html;
mod json;
mod text;
pub use html::{HtmlSection, html_section};
pub use json::{
    ChangeJson, CoverageJson, DeploymentJson, DistributionJson, DoraReport, ExplainJson,
    FiguresJson, IncidentJson, LeftOutJson, LittlesLawJson, PeriodJson, ServiceJson, json,
};
pub use text::text;

/// The warning when releases counted as deployments (`--releases-as-deployments`) in a service
/// whose deployments the store also holds: a version tagged and deployed counts twice, so the
/// frequency doubles and the failure rate halves. Not refused: another service may have only
/// tags. Names both counts of the window and the way out.
pub fn releases_with_deployments(report: &Report) -> Option<String> {
    let mut by_service = std::collections::BTreeMap::<&str, (usize, usize)>::new();
    for d in &report.deployments {
        let (releases, deployments) = by_service.entry(d.service.as_str()).or_default();
        if d.release {
            *releases += 1;
        } else {
            *deployments += 1;
        }
    }
    let mixed: Vec<String> = by_service
        .iter()
        .filter(|(_, (releases, deployments))| *releases > 0 && *deployments > 0)
        .map(|(service, (releases, deployments))| {
            format!(
                "`{service}` has {} and {} in the window",
                counted(*releases, "release tag"),
                counted(*deployments, "production deployment")
            )
        })
        .collect();
    if mixed.is_empty() {
        return None;
    }
    Some(format!(
        "releases and deployments are counted together: {}; a version both tagged and deployed \
         counts twice. Leave out --releases-as-deployments (or the map's \
         `releases_as_deployments:`) to count the deployments only, or fetch a store without \
         them (`vsm fetch git` with no `--deployments`) to count the releases only",
        mixed.join("; ")
    ))
}

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

type Items<'a> = (
    Vec<&'a DeploymentFact>,
    Vec<&'a ChangeFact>,
    Vec<&'a IncidentFact>,
);

/// The items behind `metric`. The change failure rate's incidents are those that made a
/// deployment of the window fail (wherever they started); the recovery time's, those that
/// started in the window, attributed or not.
fn explained(report: &Report, metric: Explain) -> Items<'_> {
    let all = || report.deployments.iter();
    let w = &report.window;
    let listed: std::collections::HashSet<&str> = all().map(|d| d.id.as_str()).collect();
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
            report
                .incidents
                .iter()
                .filter(|i| i.deployment.as_deref().is_some_and(|d| listed.contains(d)))
                .collect(),
        ),
        Explain::RecoveryTime => (
            all().filter(|d| d.outcome == Outcome::Failed).collect(),
            Vec::new(),
            report
                .incidents
                .iter()
                .filter(|i| w.from <= i.started && i.started < w.to)
                .collect(),
        ),
    }
}

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::Failed => "failed",
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

/// The verb of `part of total ...`: singular when either is one (`1 of 3 deployments was`, `0
/// of 1 deployment was`), else plural (`0 of 3 deployments were`).
pub(crate) fn verb(
    (part, total): (usize, usize),
    singular: &'static str,
    plural: &'static str,
) -> &'static str {
    if part == 1 || total == 1 {
        singular
    } else {
        plural
    }
}

/// A period's label: its first day, with its length when the window cuts it (`2024-03-10 (1
/// of 7 days)`), so that a short period's fewer deployments read as such.
fn period_label(period: vsm_core::dora::Period, p: &vsm_core::dora::PeriodFigures) -> String {
    if period.is_whole(p.start, p.end) {
        return p.start.to_string();
    }
    let days = |from: jiff::civil::Date, to: jiff::civil::Date| {
        from.until(to).map_or(0, |span| span.get_days())
    };
    let whole = days(
        period.start_of(vsm_core::dora::period_midnight(p.start)),
        period.next(period.start_of(vsm_core::dora::period_midnight(p.start))),
    );
    format!("{} ({} of {whole} days)", p.start, days(p.start, p.end))
}

/// One period's line of the table of periods.
pub(crate) fn period_row(
    period: vsm_core::dora::Period,
    p: &vsm_core::dora::PeriodFigures,
) -> Vec<String> {
    let f = &p.figures;
    vec![
        period_label(period, p),
        f.deployments.to_string(),
        duration(&f.lead_time, |d| d.p50),
        duration(&f.lead_time, |d| d.p85),
        f.lead_time.count.to_string(),
        rate(f.change_failure_rate),
        duration(&f.recovery, |d| d.p50),
        f.rework.to_string(),
    ]
}

/// Which failures the recovery time is over: failed deployments and incidents attributed to a
/// deployment, and the unattributed incidents it leaves out.
pub(crate) fn recovery_counted(f: &vsm_core::dora::Figures) -> String {
    let failures = f.recovery.count as usize + f.unrecovered;
    let mut text = format!(
        "{}: {}, {} attributed to a deployment; {} unrecovered",
        counted(failures, "failure"),
        counted(failures - f.incidents_attributed, "failed deployment"),
        counted(f.incidents_attributed, "incident"),
        f.unrecovered
    );
    if f.incidents_unattributed > 0 {
        text.push_str(&format!(
            "; {} not counted",
            counted(f.incidents_unattributed, "unattributed incident")
        ));
    }
    text
}

/// What the figures could use, in one sentence.
pub(crate) fn coverage_sentence(c: &Coverage) -> String {
    let mut text = format!(
        "Coverage: {} of {} merged in the window reached production; {} of {} {} a known change \
         set; {} of {} {} attributed to a deployment.",
        c.changes_deployed,
        counted(c.changes_merged, "change"),
        c.deployments_with_change_set,
        counted(c.deployments, "production deployment"),
        verb(
            (c.deployments_with_change_set, c.deployments),
            "has",
            "have"
        ),
        c.incidents_attributed,
        counted(c.incidents, "incident"),
        verb((c.incidents_attributed, c.incidents), "is", "are"),
    );
    if c.incidents > c.incidents_attributed {
        // Say which incidents the figures take: only failures of a deployment count.
        text.pop();
        text.push_str(" (unattributed ones count in no change failure rate or recovery time).");
    }
    text
}

/// `left out: 2 commits: why (e.g. `id`)`.
pub(crate) fn left_out_line(l: &LeftOut) -> String {
    format!(
        "left out: {}: {} (e.g. `{}`)",
        counted(l.count, &l.what),
        l.reason,
        l.example
    )
}

/// Little's law for people: the two sides, and, when they disagree, that data is missing.
pub(crate) fn littles_law_sentence(law: &LittlesLaw) -> String {
    let number = |v: f64| vsm_core::format_number(v, 2);
    // Two decimals: `1 change` only when it rounds to exactly one.
    let amount = |v: f64, noun: &str| match number(v) {
        one if one == "1" => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    };
    let sides = format!(
        "Little's law: {} in progress on average; throughput {} a day × mean flow time {} gives {}",
        amount(law.work_in_progress, "change"),
        number(law.throughput_per_day),
        amount(law.flow_time_days, "day"),
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

#[cfg(test)]
mod tests {
    use super::*;
    use vsm_core::dora::{Figures, PeriodFigures};

    #[test]
    fn one_of_a_thing_is_singular_and_zero_or_many_plural() {
        let coverage = Coverage {
            changes_merged: 1,
            changes_deployed: 1,
            deployments: 1,
            deployments_with_change_set: 0,
            incidents: 3,
            incidents_attributed: 1,
        };
        assert_eq!(
            coverage_sentence(&coverage),
            "Coverage: 1 of 1 change merged in the window reached production; 0 of 1 production \
             deployment has a known change set; 1 of 3 incidents is attributed to a deployment \
             (unattributed ones count in no change failure rate or recovery time)."
        );
        let none = Coverage::default();
        assert!(
            coverage_sentence(&none).ends_with("0 of 0 incidents are attributed to a deployment."),
            "{}",
            coverage_sentence(&none)
        );
    }

    #[test]
    fn a_period_cut_by_the_window_says_how_many_of_its_days_it_has() {
        let day = |text: &str| text.parse::<jiff::civil::Date>().unwrap();
        let period = |start: &str, end: &str| PeriodFigures {
            start: day(start),
            end: day(end),
            figures: Figures::default(),
        };
        let week = vsm_core::dora::Period::Week;
        assert_eq!(
            period_row(week, &period("2024-03-04", "2024-03-11"))[0],
            "2024-03-04"
        );
        assert_eq!(
            period_row(week, &period("2024-03-10", "2024-03-11"))[0],
            "2024-03-10 (1 of 7 days)"
        );
        assert_eq!(
            period_row(
                vsm_core::dora::Period::Month,
                &period("2024-02-01", "2024-02-10")
            )[0],
            "2024-02-01 (9 of 29 days)"
        );
    }
}
