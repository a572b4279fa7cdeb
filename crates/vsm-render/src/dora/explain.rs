//! `vsm dora --explain METRIC` for people: the deployments, changes and incidents behind one
//! metric, as tables.

use std::fmt::Write as _;

use vsm_core::Duration;
use vsm_core::dora::Report;

use super::{Explain, explained, outcome, short, table};
use crate::report::push_table as push;

pub(super) fn explain_text(out: &mut String, report: &Report, metric: Explain, markdown: bool) {
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
                c.lead_time
                    .map(Duration::human)
                    .or_else(|| c.no_lead_time.clone())
                    .unwrap_or_default(),
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
                match (i.recovery, &i.deployment) {
                    (Some(d), Some(_)) => d.human(),
                    // Recovery is over failures of deployments: this one is in no figure.
                    (Some(d), None) => format!("{} (not counted: unattributed)", d.human()),
                    (None, _) => String::new(),
                },
            ]);
        }
        out.push('\n');
        push(out, &rows);
    }
}
