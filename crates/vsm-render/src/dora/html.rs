//! The DORA section of the HTML report: the figures of all services, each service's periods,
//! the coverage, Little's law and what was left out, as the report's template shows them.

use vsm_core::dora::Report;

use super::{
    PERIOD_COLUMNS, counted, coverage_sentence, duration, left_out_line, littles_law_sentence,
    period_row, rate, recovery_counted, short, verb,
};

/// The DORA section of the HTML report: the figures of all services over the window, the
/// periods, and the coverage.
#[derive(Clone, Debug, PartialEq)]
pub struct HtmlSection {
    /// Where the figures come from and over what.
    pub note: String,
    /// (metric, value, what it is made of)
    pub figures: Vec<(String, String, String)>,
    pub period_columns: Vec<&'static str>,
    /// Each service with its figures per period.
    pub services: Vec<(String, Vec<Vec<String>>)>,
    pub coverage: String,
    pub littles_law: Option<String>,
    pub left_out: Vec<String>,
}

/// The report's DORA section for the figures of `report`, read from `store`.
pub fn html_section(store: &str, report: &Report) -> HtmlSection {
    let f = &report.overall;
    let w = &report.window;
    let figures = vec![
        (
            "Deployment frequency".to_string(),
            f.bucket.map_or("-", |b| b.label()).to_string(),
            counted(f.deployments, "successful production deployment"),
        ),
        (
            "Lead time for changes".to_string(),
            duration(&f.lead_time, |d| d.p50),
            format!(
                "median; p85 {} over {}",
                duration(&f.lead_time, |d| d.p85),
                counted(f.lead_time.count as usize, "change")
            ),
        ),
        (
            "Change failure rate".to_string(),
            rate(f.change_failure_rate),
            format!(
                "{} of {} had a failure",
                f.deployments_with_failures,
                counted(f.production_deployments, "production deployment")
            ),
        ),
        (
            "Failed deployment recovery time".to_string(),
            duration(&f.recovery, |d| d.p50),
            format!("median; {}", recovery_counted(f)),
        ),
        (
            "Rework rate".to_string(),
            rate(f.rework_rate),
            format!(
                "{} of {} {}",
                f.rework,
                counted(f.deployments, "deployment"),
                verb((f.rework, f.deployments), "was a fix", "were fixes")
            ),
        ),
    ];
    let services = report
        .services
        .iter()
        .map(|s| {
            (
                s.service.clone(),
                s.periods.iter().map(|p| period_row(w.period, p)).collect(),
            )
        })
        .collect();
    HtmlSection {
        note: format!(
            "From {store}, {} to {} (UTC): all services together, then each by {}; the definitions are in docs/dora.md.",
            short(w.from),
            short(w.to),
            w.period.as_str()
        ),
        figures,
        period_columns: PERIOD_COLUMNS.to_vec(),
        services,
        coverage: coverage_sentence(&report.coverage),
        littles_law: report.littles_law.as_ref().map(littles_law_sentence),
        left_out: report.left_out.iter().map(left_out_line).collect(),
    }
}
