//! The self-contained HTML report: the map, the summary, the steps, the ranked bottlenecks and
//! the improvement plan in one file that works offline and reads in light and dark mode. Printed,
//! the map has the first landscape sheet to itself, scaled to fill it (see [`crate::paper`]), and
//! the rest follows with no text under 9 pt. No script, no request leaves the page.

use askama::Template;
use vsm_core::analysis::Analysis;
use vsm_core::measure::Measurement;
use vsm_core::model::{ImprovementStatus, ValueStream};
use vsm_core::{Percent, format_number};

use crate::paper::{Fit, Paper, PaperError, Picture};

const PAGE_STYLE: &str = include_str!("../templates/report.css");

/// Dark-mode colours for the map's classes (the standalone SVG stays light, for print). The
/// `html` prefix outweighs the SVG's own stylesheet, which comes later in the page.
pub(crate) const MAP_DARK_STYLE: &str = "
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
  html .vsm-map .vsm-supermarket, html .vsm-map .vsm-pull { stroke: #d0d0d6; }
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
    /// `high`, `medium` or `low` for a bottleneck, as the map colours it.
    bottleneck: Option<&'static str>,
}

struct DistributionRow {
    name: String,
    id: String,
    completed: u64,
    in_progress: u64,
    /// An inline SVG chart of the process, wait and lead time percentiles.
    chart: String,
    complete_accurate: String,
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

/// A countermeasure, in the words of the text report.
struct CountermeasureRow {
    id: String,
    name: String,
    action: String,
    changes: String,
    effect: String,
    assumption: String,
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
    /// The sheet and the map's size on it.
    print_style: String,
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
    /// What to try at each bottleneck, in rank order (empty when none was proposed).
    countermeasures: Vec<CountermeasureRow>,
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

/// "Shift checks left" for a table cell that starts a sentence.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn pct(value: f64) -> String {
    vsm_core::format_percent(value)
}

/// Renders the report page.
pub fn render(stream: &ValueStream, analysis: &Analysis) -> String {
    render_measured(stream, analysis, None, None, None, None)
        .map(|(page, _)| page)
        .expect("a map's own SVG has a size and fonts")
}

/// One small chart per measured step: process, wait and lead time on an axis shared by all
/// steps, with the percentiles written beside each line (see [`crate::charts::distribution`]).
fn distribution_rows(stream: &ValueStream, measurement: &Measurement) -> Vec<DistributionRow> {
    let longest = measurement
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
        .unwrap_or(0);
    let axis = crate::charts::Axis::new(vsm_core::metrics::Unit::Seconds, longest as f64 / 1000.0);
    measurement
        .steps
        .iter()
        .map(|step| {
            let name = &stream.steps[step.step].name;
            DistributionRow {
                name: name.clone(),
                id: stream.steps[step.step].id.clone(),
                completed: step.completed,
                in_progress: step.work_in_progress,
                chart: crate::charts::distribution(
                    name,
                    [
                        ("process", &step.process_time),
                        ("wait", &step.wait_time),
                        ("lead", &step.lead_time),
                    ],
                    &axis,
                ),
                complete_accurate: step
                    .complete_accurate
                    .map_or_else(|| "-".to_string(), |ca| ca.to_string()),
            }
        })
        .collect()
}

/// Renders the report page, with the measured distributions and the trend over the map's
/// snapshots where given.
///
/// Printed, the map has the first sheet to itself, scaled to fill it, and the rest follows.
/// With `paper`, the sheet is that one and the map's text must print at 3 mm or more (else the
/// error names the sheet it needs); without, the sheet is A3 and the map fills it whatever its
/// text comes to. Either way the [`Fit`] says how the map prints.
pub fn render_measured(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&Measurement, &str)>,
    trend: Option<&crate::trend::Trend>,
    dora: Option<&crate::dora::HtmlSection>,
    paper: Option<Paper>,
) -> Result<(String, Fit), PaperError> {
    stream.told(|| render_told(stream, analysis, measured, trend, dora, paper))
}

fn render_told(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<(&Measurement, &str)>,
    trend: Option<&crate::trend::Trend>,
    dora: Option<&crate::dora::HtmlSection>,
    paper: Option<Paper>,
) -> Result<(String, Fit), PaperError> {
    // A measured map marks its measured numbers.
    let svg = match measured {
        Some((measurement, _)) => crate::svg::render_marked(
            stream,
            analysis,
            Some(&vsm_core::measure::provenance(stream, measurement)),
        ),
        None => crate::svg::render(stream, analysis),
    };
    let fit = match paper {
        Some(paper) => crate::paper::fit(paper, &svg)?,
        None => Fit::new(
            DEFAULT_PAPER,
            Picture::of_svg(&svg).ok_or(PaperError::NotAPicture)?,
        ),
    };
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
            bottleneck: crate::severity::of_step(analysis, index).map(|s| match s {
                crate::severity::Severity::High => "high",
                crate::severity::Severity::Medium => "medium",
                crate::severity::Severity::Low => "low",
            }),
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
    let countermeasures = analysis
        .bottlenecks
        .iter()
        .flat_map(|b| &b.countermeasures)
        .map(|c| CountermeasureRow {
            id: stream.steps[c.step].id.clone(),
            name: stream.steps[c.step].name.clone(),
            action: capitalized(&c.action),
            changes: crate::countermeasure::changes(c),
            effect: crate::countermeasure::effect(analysis, c),
            assumption: c.assumption.replace('`', ""),
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
    let trend_rows = trend
        .map(|t| crate::trend::rows(t, &stream.targets))
        .unwrap_or_default();
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
        print_style: print_style(&fit),
        svg,
        distributions: measured
            .map(|(m, _)| distribution_rows(stream, m))
            .unwrap_or_default(),
        measured_from: measured.map(|(_, log)| log.to_string()),
        trend_note: trend.map_or_else(String::new, |t| {
            trend_note(t, trend_rows.iter().any(|row| !row.target.is_empty()))
        }),
        trend: trend_rows,
        cards,
        ladder,
        ladder_total: s.lead_time.human(),
        ladder_untimed,
        steps,
        bottlenecks,
        countermeasures,
        plan,
        rework,
        teams,
        dora,
    };
    Ok((page.render().expect("the report template renders"), fit))
}

/// "6 snapshots from 2026-10-04 to 2026-10-24, a dot each; ...": what the trend charts show.
fn trend_note(trend: &crate::trend::Trend, targets: bool) -> String {
    let day = |s: Option<&String>| s.map_or("", |s| s.get(..10).unwrap_or(s)).to_string();
    format!(
        "{} snapshots from {} to {}, a dot each; {}",
        trend.taken_at.len(),
        day(trend.taken_at.first()),
        day(trend.taken_at.last()),
        if targets {
            "a dashed line is the map's target, a hollow red dot a snapshot that misses it."
        } else {
            "the map sets no target on these metrics (`targets:` in the map draws them here)."
        }
    )
}

/// The sheet a report prints on when none is asked for.
pub const DEFAULT_PAPER: Paper = Paper::A3;

/// The sheet's size and the map's printed size: the first page holds the map alone.
fn print_style(fit: &Fit) -> String {
    let (width, height) = fit.paper.size_mm();
    // Rounded down, so that rounding never pushes the map past its page.
    let mm = |value: f64| format_number((value * 100.0).floor() / 100.0, 2);
    format!(
        "@page {{ size: {}mm {}mm; margin: {}mm; }}\n@media print {{ .map svg {{ width: {}mm; height: {}mm; }} }}\n",
        mm(width),
        mm(height),
        mm(crate::paper::MARGIN_MM),
        mm(fit.width_mm),
        mm(fit.height_mm)
    )
}
