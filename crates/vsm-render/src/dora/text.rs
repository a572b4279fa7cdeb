//! `vsm dora` for people: text, or Markdown, each service's figures and periods, the coverage,
//! then the items behind one metric (`--explain`).

use std::fmt::Write as _;

use vsm_core::dora::{Figures, Report};

use super::{
    Explain, PERIOD_COLUMNS, coverage_sentence, duration, explain::explain_text, left_out_line,
    littles_law_sentence, period_row, rate, recovery_counted, short, table,
};
use crate::report::push_table as push;

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
        "  recovery time          median {}, p85 {} ({})",
        duration(&f.recovery, |d| d.p50),
        duration(&f.recovery, |d| d.p85),
        recovery_counted(f)
    );
    let _ = writeln!(
        out,
        "  rework rate            {} ({} of {} deployments)",
        rate(f.rework_rate),
        f.rework,
        f.deployments
    );
}

fn period_table(markdown: bool, service: &vsm_core::dora::ServiceFigures) -> comfy_table::Table {
    let mut rows = table(markdown, &PERIOD_COLUMNS);
    for p in &service.periods {
        rows.add_row(period_row(p));
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
