//! The analysis as a document for people: plain text for the terminal, or Markdown for a wiki
//! page or a merge request. Both share one layout; only headings and table borders differ.

use std::fmt::Write as _;

use comfy_table::{CellAlignment, ContentArrangement, LineStyle, Table, TableStyle, presets};
use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;
use vsm_core::worktime::WaitSource;
use vsm_core::{Duration, format_number};

/// How the document is marked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Text,
    Markdown,
}

fn pct(value: f64) -> String {
    vsm_core::format_percent(value)
}

/// For [`table`]: no column aligned right.
pub(crate) const NOT_ALIGNED: usize = usize::MAX;

/// A table in `style` under `header`; the columns from `right_aligned_from` on (numbers) are
/// aligned right.
pub(crate) fn table(style: Style, header: &[&str], right_aligned_from: usize) -> Table {
    let mut table = Table::new();
    table
        .load_style(match style {
            // No borders; a dashed line under the header.
            Style::Text => {
                TableStyle::new().header_separator(LineStyle::none().fill('-').junction(' '))
            }
            Style::Markdown => presets::ASCII_MARKDOWN,
        })
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for index in right_aligned_from..header.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// Tables printed with trailing spaces trimmed, so output diffs cleanly.
pub(crate) fn push_table(out: &mut String, table: &Table) {
    for line in table.to_string().lines() {
        let line = line.trim_end();
        // Text tables use no outer border: drop the leading space comfy-table keeps for it.
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
}

pub(crate) fn heading(out: &mut String, style: Style, level: usize, title: &str) {
    match style {
        Style::Markdown => {
            let _ = writeln!(out, "{} {title}\n", "#".repeat(level));
        }
        Style::Text if level == 1 => {
            let _ = writeln!(out, "{title}\n{}\n", "=".repeat(title.chars().count()));
        }
        Style::Text => {
            let _ = writeln!(out, "{title}\n{}\n", "-".repeat(title.chars().count()));
        }
    }
}

/// User text as shown: as written in the terminal, escaped for Markdown (one line, no markup).
pub(crate) fn cell(style: Style, text: &str) -> String {
    match style {
        Style::Text => text.to_string(),
        Style::Markdown => crate::markdown::inline(text),
    }
}

fn path_names(stream: &ValueStream, path: &[usize]) -> String {
    path.iter()
        .map(|&i| stream.steps[i].id.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

pub fn render(stream: &ValueStream, analysis: &Analysis, style: Style) -> String {
    stream.told(|| render_told(stream, analysis, style))
}

fn render_told(stream: &ValueStream, analysis: &Analysis, style: Style) -> String {
    let mut out = String::new();
    heading(
        &mut out,
        style,
        1,
        &format!("{}: value stream analysis", cell(style, &stream.name)),
    );
    if let Some(description) = &stream.description {
        let description = match style {
            Style::Text => description.clone(),
            Style::Markdown => crate::markdown::block(description),
        };
        let _ = writeln!(out, "{description}\n");
    }
    let mut context = Vec::new();
    if let Some(customer) = crate::given(stream.customer.as_ref()) {
        context.push(format!("Customer: {}", cell(style, customer)));
    }
    let (start, end) = (
        crate::given(stream.scope.start.as_ref()).map(|s| cell(style, s)),
        crate::given(stream.scope.end.as_ref()).map(|s| cell(style, s)),
    );
    match (start, end) {
        (Some(start), Some(end)) => context.push(format!("Scope: {start} → {end}")),
        (Some(start), None) => context.push(format!("Starts at: {start}")),
        (None, Some(end)) => context.push(format!("Delivers: {end}")),
        (None, None) => {}
    }
    if !context.is_empty() {
        let separator = if style == Style::Markdown {
            "  \n"
        } else {
            "\n"
        };
        let _ = write!(out, "{}\n\n", context.join(separator));
    }

    summary_section(&mut out, stream, analysis, style);
    ladder_section(&mut out, stream, analysis, style);
    steps_section(&mut out, stream, analysis, style);
    bottlenecks_section(&mut out, stream, analysis, style);
    rework_section(&mut out, stream, analysis, style);
    teams_section(&mut out, analysis, style);
    plan_section(&mut out, stream, style);
    out
}

fn summary_section(out: &mut String, stream: &ValueStream, analysis: &Analysis, style: Style) {
    let s = &analysis.summary;
    heading(out, style, 2, "Summary");
    let rework_note = if s.lead_time_with_rework > s.lead_time {
        let extra = s
            .lead_time_with_rework
            .checked_sub(s.lead_time)
            .unwrap_or(Duration::ZERO);
        format!(
            "+{} expected from {} rework loop{}",
            extra.human(),
            analysis.rework.len(),
            if analysis.rework.len() == 1 { "" } else { "s" }
        )
    } else if analysis.rework.is_empty() {
        "no rework loops declared".to_string()
    } else {
        "declared loops add no time".to_string()
    };
    let measured = analysis.measured.as_ref();
    // A note for a measured map's per-item means, or for the sums along the critical path.
    let measured_or_path =
        |per_item: &str, path: &str| if measured.is_some() { per_item } else { path }.to_string();
    let lead_rows = crate::ladder::lead_time_rows(stream, analysis).unwrap_or_else(|| {
        vec![(
            "Lead time".to_string(),
            s.lead_time.human(),
            format!(
                "critical path: {}",
                path_names(stream, &analysis.critical_path)
            ),
        )]
    });
    let leads = lead_rows.len();
    let mut rows: Vec<(String, String, String)> = lead_rows;
    let others: Vec<(&str, String, String)> = vec![
        (
            "Process time",
            if stream.demand.is_some() {
                with_seconds(s.process_time)
            } else {
                s.process_time.human()
            },
            measured_or_path(
                "hands-on time per item: each step's mean, weighted by the share of items in it",
                "hands-on time along the critical path",
            ),
        ),
        (
            "Wait time",
            s.wait_time.human(),
            measured_or_path(
                "queue time per item before and between the steps' first passes, weighted the same way",
                "queue time along the critical path",
            ),
        ),
        (
            "Work content",
            s.work_content.human(),
            "process time of all steps".into(),
        ),
        (
            "Activity ratio",
            pct(s.activity_ratio_percent),
            "process time / lead time".into(),
        ),
        (
            "Rolled %C&A",
            pct(s.rolled_complete_accurate_percent),
            "items that pass every step without rework".into(),
        ),
        (
            "Lead time with rework",
            s.lead_time_with_rework.human(),
            if measured.is_some() {
                "measured: the items' lead time already holds their rework".into()
            } else {
                rework_note
            },
        ),
        (
            "Manual / automated",
            format!(
                "{} / {}",
                pct(s.manual_share_percent),
                pct(s.automated_share_percent)
            ),
            "share of work content".into(),
        ),
    ];
    rows.extend(
        others
            .into_iter()
            .map(|(metric, value, note)| (metric.to_string(), value, note)),
    );
    rows.extend(demand_rows(stream, analysis));
    if let Some(measured) = measured {
        rows.insert(
            leads + 2,
            (
                "Rework".into(),
                measured.rework.human(),
                "per item, in steps' later passes and the waits before them".into(),
            ),
        );
        rows.insert(
            leads + 3,
            (
                "Unnamed activities".into(),
                measured.unnamed.human(),
                "per item, in activities the map does not name".into(),
            ),
        );
    }
    let mut summary = table(style, &["Metric", "Value", "Notes"], NOT_ALIGNED);
    if let Some(column) = summary.column_mut(1) {
        column.set_cell_alignment(CellAlignment::Right);
    }
    for (metric, value, note) in rows {
        summary.add_row(vec![metric, value, cell(style, &note)]);
    }
    push_table(out, &summary);
    let _ = writeln!(out, "\nDays: {}.", stream.working_time.convention());
    out.push('\n');
}

/// The summary's takt time and demand rows, when the map gives its demand.
pub(crate) fn demand_rows(
    stream: &ValueStream,
    analysis: &Analysis,
) -> Vec<(String, String, String)> {
    let (Some(demand), Some(takt)) = (&stream.demand, analysis.summary.takt_time) else {
        return Vec::new();
    };
    let per_day = vsm_core::worktime::format_count(demand.total.per_day);
    vec![
        (
            "Takt time".into(),
            with_seconds(takt),
            format!(
                "available {} a day / demand {per_day} a day",
                working_hours(stream.available_per_day())
            ),
        ),
        (
            "Demand".into(),
            format!("{per_day}/day"),
            format!("{}, per working day", demand.total.written),
        ),
    ]
}

/// A duration of one to sixty minutes with its seconds, as production figures are written:
/// `3m 8s (188s)`; others as they are.
pub(crate) fn with_seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if (60.0..3600.0).contains(&seconds) {
        format!("{} ({}s)", duration.human(), format_number(seconds, 1))
    } else {
        duration.human()
    }
}

/// Hours of a working day, told in hours and minutes whatever day reports tell durations in.
pub(crate) fn working_hours(duration: Duration) -> String {
    vsm_core::in_working_days(None, || duration.human())
}

/// Where a measured map's mean lead time goes: the rungs add up to it.
fn ladder_section(out: &mut String, stream: &ValueStream, analysis: &Analysis, style: Style) {
    let Some(measured) = &analysis.measured else {
        return;
    };
    heading(out, style, 2, "Where the lead time goes");
    let _ = writeln!(
        out,
        "Per item, on average: each step's mean wait and process time over the items that visited it, weighted by their share. The lines add up to the mean lead time.\n"
    );
    let mut ladder = table(style, &["Part", "Items", "Wait", "Process", "Per item"], 1);
    let rungs = crate::ladder::rungs(stream, measured);
    let untimed = rungs.iter().any(|r| r.untimed);
    for rung in &rungs {
        let mut row = vec![cell(style, &rung.label)];
        row.extend(rung.cells());
        ladder.add_row(row);
    }
    ladder.add_row(vec![
        "Mean lead time".to_string(),
        String::new(),
        String::new(),
        String::new(),
        analysis.summary.lead_time.human(),
    ]);
    push_table(out, &ladder);
    if untimed {
        out.push_str("\n* the log does not time the work (no start events, or the rule says `span: wait`): the step's measured lead time, split into the map's estimated process time and the rest waiting.\n");
    }
    out.push('\n');
}

fn steps_section(out: &mut String, stream: &ValueStream, analysis: &Analysis, style: Style) {
    heading(out, style, 2, "Steps");
    let queues = stream.steps.iter().any(|step| step.queue.is_some());
    let mut header = vec![
        "#",
        "Step",
        "Team",
        "Kind",
        "Process",
        "Wait",
        "Lead",
        "%C&A",
        "Share of LT",
        "Critical",
    ];
    if queues {
        header.insert(5, "Queue");
    }
    let mut steps = table(style, &header, 4);
    for (index, (step, metrics)) in stream.steps.iter().zip(&analysis.steps).enumerate() {
        let mut row = vec![
            (index + 1).to_string(),
            cell(style, &crate::step_name(step)),
            cell(style, step.team.as_deref().unwrap_or("-")),
            if step.automated {
                "automated"
            } else {
                "manual"
            }
            .to_string(),
            metrics.process_time.human(),
            wait_cell(step, metrics.wait_time),
            metrics.lead_time.human(),
            metrics.complete_accurate.to_string(),
            pct(metrics.lead_time_share_percent),
            if metrics.on_critical_path { "yes" } else { "" }.to_string(),
        ];
        if queues {
            row.insert(5, queue_cell(step));
        }
        steps.add_row(row);
    }
    push_table(out, &steps);
    if stream
        .steps
        .iter()
        .any(|s| s.wait_source == WaitSource::Derived)
    {
        out.push_str("\n≈ wait derived from the queue by Little's law: queue / throughput (`vsm analyze --explain STEP` shows the arithmetic).\n");
    }
    if stream
        .steps
        .iter()
        .any(|s| s.queue.as_ref().is_some_and(|q| q.measured))
    {
        out.push_str("\nQueue of a measured step: the mean number of items waiting before it over the log's span (`vsm measure` checks it against Little's law).\n");
    }
    out.push('\n');
}

/// A step's wait, marked `≈` when derived from its queue.
pub(crate) fn wait_cell(step: &vsm_core::model::Step, wait: Duration) -> String {
    match step.wait_source {
        WaitSource::Derived => format!("≈{}", wait.human()),
        WaitSource::Estimated => wait.human(),
    }
}

/// A step's queue: `7000` or `4600 left + 2400 right`; `-` without one.
pub(crate) fn queue_cell(step: &vsm_core::model::Step) -> String {
    let Some(queue) = &step.queue else {
        return "-".into();
    };
    if queue.by_type.is_empty() {
        return vsm_core::worktime::format_count(queue.total);
    }
    queue
        .by_type
        .iter()
        .map(|(name, count)| format!("{} {name}", vsm_core::worktime::format_count(*count)))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn bottlenecks_section(out: &mut String, stream: &ValueStream, analysis: &Analysis, style: Style) {
    heading(out, style, 2, "Bottlenecks");
    if analysis.bottlenecks.is_empty() {
        out.push_str("No step stands out: no long waits, low %C&A or heavy manual work on the critical path.\n\n");
    }
    for (rank, bottleneck) in analysis.bottlenecks.iter().enumerate() {
        let step = &stream.steps[bottleneck.step];
        let title = if step.name == step.id {
            format!("`{}`", step.id)
        } else {
            format!("{} (`{}`)", cell(style, &step.name), step.id)
        };
        let title = match style {
            Style::Markdown => title,
            Style::Text => title.replace('`', ""),
        };
        let _ = writeln!(
            out,
            "{}. {title}, score {}",
            rank + 1,
            format_number(bottleneck.score, 1)
        );
        for reason in &bottleneck.reasons {
            let _ = writeln!(out, "   - {}", reason.message);
        }
        for countermeasure in &bottleneck.countermeasures {
            countermeasure_lines(out, analysis, countermeasure, style);
        }
    }
    if analysis
        .bottlenecks
        .iter()
        .any(|b| !b.countermeasures.is_empty())
    {
        out.push_str("\nEach \"try\" is a proposal, not a promise: its numbers are the map analyzed again with that change, under the assumption given. `vsm analyze --format json` has each one's overlay: save it beside the map and run `vsm compare` to see every number.");
        if analysis.bottlenecks.len() > vsm_core::countermeasure::MAX_BOTTLENECKS {
            let _ = write!(
                out,
                " Proposals are made for the first {} bottlenecks.",
                vsm_core::countermeasure::MAX_BOTTLENECKS
            );
        }
        out.push('\n');
    }
    if !analysis.bottlenecks.is_empty() {
        out.push('\n');
    }
}

/// One proposal under its bottleneck: the change, its effect and its assumption.
fn countermeasure_lines(
    out: &mut String,
    analysis: &Analysis,
    countermeasure: &vsm_core::countermeasure::Countermeasure,
    style: Style,
) {
    let changes = crate::countermeasure::changes(countermeasure);
    let effect = crate::countermeasure::effect(analysis, countermeasure);
    match style {
        Style::Text => {
            let _ = writeln!(
                out,
                "   try: {} ({changes})\n        → {effect}\n        assumes {}",
                countermeasure.action, countermeasure.assumption
            );
        }
        Style::Markdown => {
            let _ = writeln!(
                out,
                "   - *try:* {} ({}) → {}; assumes {}",
                cell(style, &countermeasure.action),
                cell(style, &changes),
                cell(style, &effect),
                cell(style, &countermeasure.assumption)
            );
        }
    }
}

fn rework_section(out: &mut String, stream: &ValueStream, analysis: &Analysis, style: Style) {
    if !analysis.rework.is_empty() {
        heading(out, style, 2, "Rework");
        let mut rework = table(
            style,
            &[
                "From",
                "Back to",
                "Share",
                "One pass",
                "Extra passes",
                "Expected extra",
            ],
            2,
        );
        for loop_ in &analysis.rework {
            rework.add_row(vec![
                cell(style, &stream.steps[loop_.from].id),
                cell(style, &stream.steps[loop_.to].id),
                loop_.share.to_string(),
                loop_.loop_lead_time.human(),
                format_number(loop_.expected_extra_passes, 2),
                loop_.expected_extra_time.human(),
            ]);
        }
        push_table(out, &rework);
        out.push('\n');
    }
}

fn teams_section(out: &mut String, analysis: &Analysis, style: Style) {
    heading(out, style, 2, "Teams");
    let mut teams = table(
        style,
        &[
            "Team",
            "Steps",
            "People",
            "Process",
            "Wait",
            "Lead",
            "Share of work",
        ],
        1,
    );
    for team in &analysis.teams {
        teams.add_row(vec![
            cell(style, team.team.as_deref().unwrap_or("(no team)")),
            team.steps.to_string(),
            crate::people(team),
            team.process_time.human(),
            team.wait_time.human(),
            team.lead_time.human(),
            pct(team.work_content_share_percent),
        ]);
    }
    push_table(out, &teams);
}

fn plan_section(out: &mut String, stream: &ValueStream, style: Style) {
    if !stream.improvements.is_empty() {
        out.push('\n');
        heading(out, style, 2, "Improvement plan");
        let mut plan = table(
            style,
            &["Improvement", "Step", "Action", "Owner", "Due", "Status"],
            NOT_ALIGNED,
        );
        for improvement in &stream.improvements {
            plan.add_row(vec![
                cell(style, &improvement.id),
                cell(style, &stream.steps[improvement.step].id),
                cell(style, &improvement.action),
                cell(style, improvement.owner.as_deref().unwrap_or("-")),
                improvement
                    .due
                    .map_or_else(|| "-".to_string(), |d| d.to_string()),
                improvement.status.as_str().replace('_', " "),
            ]);
        }
        push_table(out, &plan);
    }
}
