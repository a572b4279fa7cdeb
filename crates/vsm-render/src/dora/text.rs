//! `vsm dora` for people: text, or Markdown, each service's figures and periods, the coverage,
//! then the items behind one metric (`--explain`).

use std::fmt::Write as _;

use vsm_core::dora::{Figures, Report};

use super::{
    Explain, PERIOD_COLUMNS, counted, coverage_sentence, duration, explain::explain_text,
    left_out_line, littles_law_sentence, period_row, rate, recovery_counted, short, table,
};
use crate::report::push_table as push;

/// One service's (or all services') figures, for people.
fn summary(out: &mut String, f: &Figures) {
    let _ = writeln!(
        out,
        "  deployment frequency   {} ({})",
        counted(f.deployments, "successful production deployment"),
        f.bucket.map_or("-", |b| b.label())
    );
    let without = match f.changes_without_lead_time {
        0 => String::new(),
        n => format!(
            "; {} deployed before {} first commit, with no lead time",
            counted(n, "more change"),
            if n == 1 { "its" } else { "their" }
        ),
    };
    let _ = writeln!(
        out,
        "  lead time for changes  median {}, p85 {} ({}{without})",
        duration(&f.lead_time, |d| d.p50),
        duration(&f.lead_time, |d| d.p85),
        counted(f.lead_time.count as usize, "change")
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
        "  change failure rate    {} ({} of {} had a failure)",
        rate(f.change_failure_rate),
        f.deployments_with_failures,
        counted(f.production_deployments, "production deployment")
    );
    let _ = writeln!(
        out,
        "  recovery time          median {}, p85 {} ({})",
        duration(&f.recovery, |d| d.p50),
        duration(&f.recovery, |d| d.p85),
        recovery_counted(f)
    );
    let _ = writeln!(
        out,
        "  rework rate            {} ({} of {})",
        rate(f.rework_rate),
        f.rework,
        counted(f.deployments, "deployment")
    );
}

fn period_table(
    markdown: bool,
    period: vsm_core::dora::Period,
    service: &vsm_core::dora::ServiceFigures,
) -> comfy_table::Table {
    let mut rows = table(markdown, &PERIOD_COLUMNS);
    for p in &service.periods {
        rows.add_row(period_row(period, p));
    }
    rows
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

/// Whether the figures of all services are shown apart from each service's: with several
/// services, and with one when they differ from its own (an incident of no service, attributed
/// to no deployment, is counted in all services' figures only), so that the text says what the
/// JSON's `overall` says.
fn shows_all_services(report: &Report) -> bool {
    match &report.services[..] {
        [] => report.overall.incidents_unattributed > 0,
        [only] => only.total != report.overall,
        _ => true,
    }
}

/// The report for people: text, or Markdown with `markdown`. `releases` says whether releases
/// counted as deployments (the hint for an empty report names the flag only when they did not).
pub fn text(
    store: &str,
    report: &Report,
    explain: Option<Explain>,
    markdown: bool,
    releases: bool,
) -> String {
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
    if let Some(note) = super::releases_with_deployments(report) {
        let _ = writeln!(out, "Note: {note}.\n");
    }
    if report.services.is_empty() {
        let releases = if releases {
            "releases counted as deployments, and none was in the window"
        } else {
            "releases count with --releases-as-deployments"
        };
        let _ = writeln!(
            out,
            "No production deployment in the window. Production is the environments the \
             configuration names (see docs/dora.md); {releases}.\n"
        );
    }
    for service in &report.services {
        let _ = if markdown {
            writeln!(out, "## {}", crate::markdown::inline(&service.service))
        } else {
            writeln!(out, "{}", service.service)
        };
        if markdown {
            out.push_str("\n```text\n");
        }
        summary(&mut out, &service.total);
        if markdown {
            out.push_str("```\n");
        }
        out.push('\n');
        push(&mut out, &period_table(markdown, w.period, service));
        out.push('\n');
    }
    if shows_all_services(report) {
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
