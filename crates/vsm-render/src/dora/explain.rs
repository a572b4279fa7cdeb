//! `vsm dora --explain METRIC` for people: the deployments, changes and incidents behind one
//! metric, as tables.

use std::fmt::Write as _;

use vsm_core::Duration;
use vsm_core::dora::Report;

use super::{Explain, counted, explained, outcome, short, table, verb};
use crate::report::push_table as push;

/// A row's cells as the table shows them: in Markdown, escaped (a title with `|` or `<script>`
/// is text in its cell, not a column or a tag).
fn row(markdown: bool, cells: Vec<String>) -> Vec<String> {
    if markdown {
        cells.iter().map(|c| crate::markdown::inline(c)).collect()
    } else {
        cells
    }
}

/// Why the change failure rate's explanation lists no incident: none started in the window, or
/// those that did are attributed to a deployment outside it, or to none.
fn no_incident(report: &Report) -> String {
    let c = &report.coverage;
    if c.incidents == 0 {
        return "No incident made a deployment of the window fail: no incident started in it \
                (incidents are issues with an incident label or Jira type, and the rows of an \
                incidents file; see docs/dora.md)."
            .into();
    }
    format!(
        "No incident made a deployment of the window fail: of the {} that started in it, {} \
         {} attributed to a deployment outside the window and {} to none (`--explain \
         recovery-time` lists them, with why).",
        counted(c.incidents, "incident"),
        c.incidents_attributed,
        verb((c.incidents_attributed, c.incidents), "is", "are"),
        c.incidents - c.incidents_attributed
    )
}

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
            rows.add_row(row(
                markdown,
                vec![
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
                ],
            ));
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
            rows.add_row(row(
                markdown,
                vec![
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
                ],
            ));
        }
        out.push('\n');
        push(out, &rows);
    }
    if incidents.is_empty() && metric == Explain::ChangeFailureRate {
        let _ = writeln!(out, "\n{}", no_incident(report));
    }
    if !incidents.is_empty() {
        let mut rows = table(
            markdown,
            &["incident", "started", "resolved", "deployment", "recovery"],
        );
        for i in incidents {
            rows.add_row(row(
                markdown,
                vec![
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
                ],
            ));
        }
        out.push('\n');
        push(out, &rows);
    }
}

#[cfg(test)]
mod tests {
    use vsm_core::dora::{Commit, Config, Deployment, Issue, Period, PullRequest, Window};

    use super::*;

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    fn report() -> Report {
        report_with(true)
    }

    /// One production deployment of a hotfix pull request whose title and branch hold `|` and
    /// HTML, with (`incident`) an incident the day after the window's end.
    fn report_with(incident: bool) -> Report {
        let commit = Commit {
            id: "c1".into(),
            service: Some("shop".into()),
            title: "a | b <script>alert(1)</script>".into(),
            authored: Some(at("2024-03-01T09:00:00Z")),
            committed: Some(at("2024-03-01T09:00:00Z")),
            in_history: true,
            parents: Vec::new(),
        };
        let pull = PullRequest {
            id: "pr/1".into(),
            service: Some("shop".into()),
            title: "Faster | <img src=x onerror=alert(1)>".into(),
            branch: Some("hotfix/<b>|x".into()),
            opened: Some(at("2024-03-01T10:00:00Z")),
            merged: Some(at("2024-03-01T11:00:00Z")),
            merge_commit: Some("c1".into()),
            commits: vec!["c1".into()],
            ..PullRequest::default()
        };
        let deployment = Deployment {
            id: "deploy:production:1".into(),
            service: "shop".into(),
            environment: "production".into(),
            status: Some("success".into()),
            started: at("2024-03-31T12:00:00Z"),
            finished: None,
            shipped: vec!["c1".into()],
            change_set_known: true,
            deploys: vec!["c1".into()],
            release: false,
        };
        let incident = incident.then(|| Issue {
            id: "incident:INC-1".into(),
            service: Some("shop".into()),
            title: "Checkout down".into(),
            created: Some(at("2024-04-01T09:00:00Z")),
            incident: true,
            ..Issue::default()
        });
        let delivery = vsm_core::dora::Delivery {
            deployments: vec![deployment],
            commits: vec![commit],
            pull_requests: vec![pull],
            issues: incident.into_iter().collect(),
            left_out: Vec::new(),
        };
        let window = Window {
            from: at("2024-03-01T00:00:00Z"),
            to: at("2024-04-01T00:00:00Z"),
            period: Period::Month,
            service: None,
        };
        vsm_core::dora::report(&delivery, &Config::default(), &window)
    }

    /// A title or branch with `|` split the Markdown table's row into more columns, and one
    /// with `<script>` put a tag into the page that shows it.
    #[test]
    fn markdown_explain_tables_escape_titles_and_branches() {
        let mut out = String::new();
        explain_text(&mut out, &report(), Explain::ReworkRate, true);
        assert!(!out.contains('<'), "{out}");
        let columns = |line: &str| line.replace("\\|", "").matches('|').count();
        let table: Vec<&str> = out.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(table.len(), 3, "{out}");
        assert!(
            table.iter().all(|l| columns(l) == columns(table[0])),
            "{out}"
        );
        assert!(out.contains("hotfix/&lt;b&gt;\\|x"), "{out}");
        // The terminal shows the text as it is.
        let mut text = String::new();
        explain_text(&mut text, &report(), Explain::ReworkRate, false);
        assert!(text.contains("`hotfix/<b>|x`"), "{text}");
    }

    /// `--explain change-failure-rate` listed the incidents that started in the window, not
    /// those that made its deployments fail: an incident the day after the window's last
    /// deployment made it fail and was in no table.
    #[test]
    fn the_change_failure_rates_incidents_are_those_behind_each_failed_deployment() {
        let report = report();
        assert_eq!(report.overall.change_failure_rate, Some(1.0));
        let mut out = String::new();
        explain_text(&mut out, &report, Explain::ChangeFailureRate, false);
        let incident_rows: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with("incident:INC-1"))
            .collect();
        assert_eq!(incident_rows.len(), 1, "{out}");
        assert!(incident_rows[0].contains("deploy:production:1"), "{out}");
        // The recovery time lists the incidents that started in the window: none.
        let mut recovery = String::new();
        explain_text(&mut recovery, &report, Explain::RecoveryTime, false);
        assert!(!recovery.contains("incident:INC-1"), "{recovery}");
    }

    /// With no incident behind a failure, the table was left out without a word: it says none,
    /// and why.
    #[test]
    fn no_incident_behind_the_change_failure_rate_is_said_with_why() {
        let report = report_with(false);
        assert_eq!(report.overall.change_failure_rate, Some(0.0));
        let mut out = String::new();
        explain_text(&mut out, &report, Explain::ChangeFailureRate, false);
        assert!(
            out.contains(
                "No incident made a deployment of the window fail: no incident started in it"
            ),
            "{out}"
        );
    }
}
