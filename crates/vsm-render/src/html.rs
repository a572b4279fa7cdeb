//! The self-contained HTML report: the map, the summary, the steps, the ranked bottlenecks and
//! the improvement plan in one file that works offline, prints on one landscape A3 page, and
//! reads in light and dark mode. No script, no request leaves the page.

use std::fmt::Write as _;

use askama::Template;
use vsm_core::analysis::Analysis;
use vsm_core::measure::Measurement;
use vsm_core::model::{ImprovementStatus, ValueStream};
use vsm_core::{Percent, format_number};

const PAGE_STYLE: &str = include_str!("../templates/report.css");

/// Dark-mode colours for the map's classes (the standalone SVG stays light, for print). The
/// `html` prefix outweighs the SVG's own stylesheet, which comes later in the page.
const MAP_DARK_STYLE: &str = "
@media (prefers-color-scheme: dark) {
  html .vsm-map .vsm-bg { fill: #18181b; }
  html .vsm-map text { fill: #e8e8ec; }
  html .vsm-map .vsm-subtitle, html .vsm-map .vsm-muted { fill: #a8a8b0; }
  html .vsm-map .vsm-box, html .vsm-map .vsm-header { fill: #232328; stroke: #d0d0d6; }
  html .vsm-map .vsm-automated { fill: #1d2a38; }
  html .vsm-map .vsm-bottleneck { fill: #3a1d1d; stroke: #ff6b60; }
  html .vsm-map .vsm-data, html .vsm-map .vsm-system { fill: #1f1f24; stroke: #7a7a84; }
  html .vsm-map .vsm-line, html .vsm-map .vsm-push, html .vsm-map .vsm-ladder { stroke: #d0d0d6; }
  html .vsm-map .vsm-info, html .vsm-map .vsm-info-manual { stroke: #7fb2ff; }
  html .vsm-map .vsm-info-label { fill: #7fb2ff; }
  html .vsm-map .vsm-rework { stroke: #ff8a80; }
  html .vsm-map .vsm-rework-label { fill: #ff8a80; }
  html .vsm-map .vsm-queue { fill: #4a3d12; stroke: #e0c050; }
  html .vsm-map .vsm-summary { fill: #1b2a1c; stroke: #66bb6a; }
  html .vsm-map .vsm-halo { stroke: #18181b; }
  html .vsm-map .vsm-badge-text { fill: #ffffff; }
  html .vsm-map .vsm-on-light { fill: #18181b; }
  html .vsm-map .vsm-queue-mark .vsm-on-light { fill: #f5e6a8; }
  html .vsm-map .vsm-arrowhead { fill: #d0d0d6; }
  html .vsm-map .vsm-arrowhead-info { fill: #7fb2ff; }
  html .vsm-map .vsm-arrowhead-rework { fill: #ff8a80; }
  html .vsm-map .vsm-bottleneck-medium { fill: #3a2e14; stroke: #ffb74d; }
  html .vsm-map .vsm-push-stripe { stroke: #18181b; }
  html .vsm-map .vsm-ladder-end { fill: #232328; stroke: #d0d0d6; }
  html .vsm-map .vsm-fifo { stroke: #e0c050; }
  html .vsm-map .vsm-fifo-text { fill: #e0c050; }
  html .vsm-map .vsm-measured { fill: #4db6ac; }
  html .vsm-map .vsm-mark-measured { fill: #4db6ac; stroke: #4db6ac; }
  html .vsm-map .vsm-mark-mixed { fill: #18181b; stroke: #4db6ac; }
  html .vsm-map .vsm-mark-designed { fill: #18181b; stroke: #ce93d8; }
}
@media print { html .vsm-map .vsm-bg { fill: #ffffff; } }
";

struct Card {
    label: &'static str,
    value: String,
    note: String,
}

struct StepRow {
    number: usize,
    id: String,
    name: String,
    team: String,
    kind: &'static str,
    process: String,
    wait: String,
    lead: String,
    complete_accurate: String,
    share: String,
    share_value: String,
    critical: bool,
    bottleneck: bool,
}

struct DistributionRow {
    name: String,
    id: String,
    completed: u64,
    in_progress: u64,
    /// An inline SVG chart of the process, wait and lead time percentiles.
    chart: String,
    summary: String,
}

/// A line of the measured ladder: the part, the share of items, means, and per item.
struct LadderRow {
    label: String,
    share: String,
    wait: String,
    process: String,
    per_item: String,
}

struct BottleneckRow {
    id: String,
    name: String,
    score: String,
    /// (code, sentence)
    reasons: Vec<(&'static str, String)>,
}

struct PlanRow {
    step: String,
    action: String,
    owner: String,
    due: String,
    status: String,
    status_class: &'static str,
    target: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    version: &'static str,
    /// The day convention, stated in the footer.
    days: String,
    name: &'a str,
    description: Option<&'a str>,
    customer: Option<&'a str>,
    scope_start: Option<&'a str>,
    scope_end: Option<&'a str>,
    page_style: &'static str,
    map_style: &'static str,
    svg: String,
    /// Measured distributions, one row per measured step (empty for an unmeasured map).
    distributions: Vec<DistributionRow>,
    /// One chart per metric over the map's snapshots (empty without a history).
    trend: Vec<crate::trend::TrendRow>,
    trend_note: String,
    measured_from: Option<String>,
    cards: Vec<Card>,
    /// Where a measured map's mean lead time goes (empty for an estimated map).
    ladder: Vec<LadderRow>,
    ladder_total: String,
    ladder_untimed: bool,
    steps: Vec<StepRow>,
    bottlenecks: Vec<BottleneckRow>,
    plan: Vec<PlanRow>,
    /// (from, back to, share, one pass, expected extra)
    rework: Vec<(String, String, String, String, String)>,
    /// (team, steps, people, process, wait, share of work)
    teams: Vec<(String, usize, String, String, String, String)>,
    /// The DORA figures, for a map with a `dora:` section.
    dora: Option<&'a crate::dora::HtmlSection>,
}

/// A reason for a bottleneck in the reader's words (the code is for machines: JSON, `--format`).
fn reason_words(code: vsm_core::bottleneck::ReasonCode) -> &'static str {
    use vsm_core::bottleneck::ReasonCode;
    match code {
        ReasonCode::LongWait => "Long wait",
        ReasonCode::LongProcessTime => "Long process time",
        ReasonCode::LowCompleteAccurate => "Low %C&A",
        ReasonCode::Rework => "Rework",
        ReasonCode::ManualOnCriticalPath => "Manual on the critical path",
        ReasonCode::SlowerThanTakt => "Slower than takt",
    }
}

fn pct(value: f64) -> String {
    vsm_core::format_percent(value)
}

/// Renders the report page.
pub fn render(stream: &ValueStream, analysis: &Analysis) -> String {
    render_measured(stream, analysis, None, None, None)
}

/// One small chart per measured step: for process, wait and lead time, a line from the
/// minimum to p95, a box from p50 to p85 and a mark at p50, on a scale shared by all steps so
/// that steps compare at a glance.
fn distribution_rows(stream: &ValueStream, measurement: &Measurement) -> Vec<DistributionRow> {
    let scale = measurement
        .steps
        .iter()
        .map(|s| {
            s.lead_time
                .p95
                .max(s.process_time.p95)
                .max(s.wait_time.p95)
                .as_millis()
        })
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    const WIDTH: f64 = 320.0;
    let x = |d: vsm_core::Duration| format_number(d.as_millis() as f64 / scale * WIDTH, 1);
    measurement
        .steps
        .iter()
        .map(|step| {
            let mut chart = format!(
                "<svg class=\"dist\" width=\"{}\" height=\"54\" viewBox=\"0 0 {} 54\" role=\"img\" aria-label=\"distributions of {}\">",
                WIDTH + 60.0,
                WIDTH + 60.0,
                crate::svg::text::escape(&stream.steps[step.step].name)
            );
            for (row, (label, d)) in [("process", &step.process_time), ("wait", &step.wait_time), ("lead", &step.lead_time)].into_iter().enumerate() {
                let y = 9 + row * 18;
                let _ = write!(chart, "<text x=\"0\" y=\"{}\" class=\"dist-label\">{label}</text>", y + 4);
                if d.count == 0 {
                    let _ = write!(chart, "<text x=\"56\" y=\"{}\" class=\"dist-label\">no samples</text>", y + 4);
                    continue;
                }
                let _ = write!(
                    chart,
                    "<g transform=\"translate(56,0)\"><title>{label}: p50 {}, p85 {}, p95 {}, min {}, max {} (n={})</title><line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" class=\"dist-range\"/><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"8\" class=\"dist-box\"/><line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" class=\"dist-median\"/></g>",
                    d.p50.human(),
                    d.p85.human(),
                    d.p95.human(),
                    d.min.human(),
                    d.max.human(),
                    d.count,
                    x(d.min),
                    x(d.p95),
                    x(d.p50),
                    y - 4,
                    format_number((d.p85.as_millis() as f64 - d.p50.as_millis() as f64).max(0.0) / scale * WIDTH, 1),
                    x(d.p50),
                    x(d.p50),
                    y - 6,
                    y + 6
                );
            }
            chart.push_str("</svg>");
            let summary = format!(
                "lead p50 {}, p85 {}; {}",
                step.lead_time.p50.human(),
                step.lead_time.p85.human(),
                step.complete_accurate.map_or_else(|| "no %C&A".to_string(), |ca| format!("%C&A {ca}"))
            );
            DistributionRow {
                name: stream.steps[step.step].name.clone(),
                id: stream.steps[step.step].id.clone(),
                completed: step.completed,
                in_progress: step.work_in_progress,
                chart,
                summary,
            }
        })
        .collect()
}

/// Renders the report page, with the measured distributions and the trend over the map's
/// snapshots where given.
pub fn render_measured(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&Measurement, &str)>,
    trend: Option<&crate::trend::Trend>,
    dora: Option<&crate::dora::HtmlSection>,
) -> String {
    stream.told(|| render_told(stream, analysis, measured, trend, dora))
}

fn render_told(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&Measurement, &str)>,
    trend: Option<&crate::trend::Trend>,
    dora: Option<&crate::dora::HtmlSection>,
) -> String {
    let s = &analysis.summary;
    let rework_extra = s
        .lead_time_with_rework
        .checked_sub(s.lead_time)
        .unwrap_or_default();
    let headline = analysis.measured.as_ref();
    let mut cards = vec![
        Card {
            label: "Lead time",
            value: s.lead_time.human(),
            note: match headline {
                Some(m) if m.projected_change_millis.is_some() => format!(
                    "projected mean; measured {} over {} items",
                    m.items.mean.human(),
                    m.items.count
                ),
                Some(m) => format!("mean of {} measured items", m.items.count),
                None => match analysis.unfinished {
                    Some(in_progress) => {
                        format!("no item finished yet ({in_progress} in progress): estimates")
                    }
                    None => format!(
                        "{} steps on the critical path",
                        analysis.critical_path.len()
                    ),
                },
            },
        },
        Card {
            label: "Process time",
            value: s.process_time.human(),
            note: if headline.is_some() {
                "hands-on, per item".into()
            } else {
                "hands-on, critical path".into()
            },
        },
        Card {
            label: "Activity ratio",
            value: pct(s.activity_ratio_percent),
            note: "process time / lead time".into(),
        },
        Card {
            label: "Rolled %C&A",
            value: pct(s.rolled_complete_accurate_percent),
            note: "items with no rework".into(),
        },
        Card {
            label: "Lead time with rework",
            value: s.lead_time_with_rework.human(),
            note: if rework_extra.is_zero() {
                "no added time".into()
            } else {
                format!("+{} expected", rework_extra.human())
            },
        },
        Card {
            label: "Work content",
            value: s.work_content.human(),
            note: format!("{} manual", pct(s.manual_share_percent)),
        },
    ];
    // A measured map: the items' p85 in place of the expected lead time with rework, which
    // their times already hold.
    if let Some(m) = headline.filter(|m| m.projected_change_millis.is_none()) {
        cards[4] = Card {
            label: "Lead time p85",
            value: m.items.p85.human(),
            note: format!("p50 {}, p95 {}", m.items.p50.human(), m.items.p95.human()),
        };
    }
    if let [(_, takt, takt_note), (_, demand, demand_note)] =
        &crate::report::demand_rows(stream, analysis)[..]
    {
        cards.push(Card {
            label: "Takt time",
            value: takt.clone(),
            note: takt_note.clone(),
        });
        cards.push(Card {
            label: "Demand",
            value: demand.clone(),
            note: demand_note.clone(),
        });
    }
    let ladder_untimed = headline.is_some_and(|m| m.ladder.iter().any(|r| !r.timed));
    let ladder: Vec<LadderRow> = headline
        .map(|m| {
            crate::ladder::rungs(stream, m)
                .into_iter()
                .map(|rung| {
                    let [share, wait, process, per_item] = rung.cells();
                    LadderRow {
                        label: rung.label,
                        share,
                        wait,
                        process,
                        per_item,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let steps = stream
        .steps
        .iter()
        .zip(&analysis.steps)
        .enumerate()
        .map(|(index, (step, metrics))| StepRow {
            number: index + 1,
            id: step.id.clone(),
            name: step.name.clone(),
            team: step.team.clone().unwrap_or_default(),
            kind: if step.automated {
                "automated"
            } else {
                "manual"
            },
            process: metrics.process_time.human(),
            wait: match &step.queue {
                Some(_) => format!(
                    "{} ({} waiting)",
                    crate::report::wait_cell(step, metrics.wait_time),
                    crate::report::queue_cell(step)
                ),
                None => crate::report::wait_cell(step, metrics.wait_time),
            },
            lead: metrics.lead_time.human(),
            complete_accurate: metrics.complete_accurate.to_string(),
            share: pct(metrics.lead_time_share_percent),
            share_value: format_number(metrics.lead_time_share_percent.min(100.0), 1),
            critical: metrics.on_critical_path,
            bottleneck: analysis.bottlenecks.iter().any(|b| b.step == index),
        })
        .collect();
    let bottlenecks = analysis
        .bottlenecks
        .iter()
        .map(|b| BottleneckRow {
            id: stream.steps[b.step].id.clone(),
            name: stream.steps[b.step].name.clone(),
            score: format_number(b.score, 1),
            // Backticks mark ids in terminal text; the page shows names plainly.
            reasons: b
                .reasons
                .iter()
                .map(|r| (reason_words(r.code), r.message.replace('`', "")))
                .collect(),
        })
        .collect();
    let plan = stream
        .improvements
        .iter()
        .map(|item| {
            let mut target = Vec::new();
            if let Some(value) = item.target.process_time {
                target.push(format!("process {}", value.human()));
            }
            if let Some(value) = item.target.wait_time {
                target.push(format!("wait {}", value.human()));
            }
            if let Some(value) = item.target.lead_time {
                target.push(format!("lead {}", value.human()));
            }
            if let Some(value) = item.target.complete_accurate {
                target.push(format!("%C&A {}", Percent::to_string(&value)));
            }
            PlanRow {
                step: stream.steps[item.step].name.clone(),
                action: item.action.clone(),
                owner: item.owner.clone().unwrap_or_default(),
                due: item.due.map(|d| d.to_string()).unwrap_or_default(),
                status: item.status.as_str().replace('_', " "),
                status_class: match item.status {
                    ImprovementStatus::Planned => "planned",
                    ImprovementStatus::InProgress => "in-progress",
                    ImprovementStatus::Done => "done",
                    ImprovementStatus::Dropped => "dropped",
                },
                target: target.join(", "),
            }
        })
        .collect();
    let rework = analysis
        .rework
        .iter()
        .map(|r| {
            (
                stream.steps[r.from].name.clone(),
                stream.steps[r.to].name.clone(),
                r.share.to_string(),
                r.loop_lead_time.human(),
                r.expected_extra_time.human(),
            )
        })
        .collect();
    let teams = analysis
        .teams
        .iter()
        .map(|t| {
            (
                t.team.clone().unwrap_or_else(|| "(no team)".into()),
                t.steps,
                crate::people(t),
                t.process_time.human(),
                t.wait_time.human(),
                pct(t.work_content_share_percent),
            )
        })
        .collect();
    let page = ReportPage {
        version: env!("CARGO_PKG_VERSION"),
        days: stream.working_time.convention(),
        name: &stream.name,
        description: stream.description.as_deref(),
        customer: stream.customer.as_deref(),
        scope_start: stream.scope.start.as_deref(),
        scope_end: stream.scope.end.as_deref(),
        page_style: PAGE_STYLE,
        map_style: MAP_DARK_STYLE,
        svg: match measured {
            Some((measurement, _)) => crate::svg::render_marked(
                stream,
                analysis,
                Some(&vsm_core::measure::provenance(stream, measurement)),
            ),
            None => crate::svg::render(stream, analysis),
        },
        distributions: measured
            .map(|(m, _)| distribution_rows(stream, m))
            .unwrap_or_default(),
        measured_from: measured.map(|(_, log)| log.to_string()),
        trend: trend.map(crate::trend::rows).unwrap_or_default(),
        trend_note: trend.map_or_else(String::new, |t| {
            let day = |s: Option<&String>| s.map_or("", |s| s.get(..10).unwrap_or(s)).to_string();
            format!(
                "{} snapshots from {} to {}; hover a dot for its value.",
                t.taken_at.len(),
                day(t.taken_at.first()),
                day(t.taken_at.last())
            )
        }),
        cards,
        ladder,
        ladder_total: s.lead_time.human(),
        ladder_untimed,
        steps,
        bottlenecks,
        plan,
        rework,
        teams,
        dora,
    };
    page.render().expect("the report template renders")
}
