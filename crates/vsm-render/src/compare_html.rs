//! `vsm compare --format html`: the comparison as a page of real tables (summary, measured
//! items, steps, simulation), then both maps one above the other with the steps that changed
//! outlined on each: changed on both, removed on the current map, added on the future one.

use std::fmt::Write as _;

use crate::compare::simulated;
use crate::compare::{
    Comparison, Row, STEP_ROWS, Side, StepComparison, field, show_change, step_cell, summary_rows,
};
use crate::svg::text::escape;

/// The fields of a step that its map sets (the rest follow from them and from other steps).
const DESIGN_FIELDS: [(&str, &str); 10] = [
    ("name", "name"),
    ("team", "team"),
    ("people", "people"),
    ("automated", "automated"),
    ("after", "follows"),
    ("process_time_seconds", "process time"),
    ("wait_time_seconds", "wait time"),
    ("complete_accurate_percent", "%C&A"),
    ("artifacts_in", "artifacts in"),
    ("artifacts_out", "artifacts out"),
];

/// What changed in a step present on both maps, in the reader's words (empty: nothing).
pub fn changed(step: &StepComparison) -> Vec<&'static str> {
    DESIGN_FIELDS
        .iter()
        .filter(|(key, _)| {
            step.fields
                .get(key)
                .is_some_and(|delta| delta.before != delta.after)
        })
        .map(|(_, words)| *words)
        .collect()
}

/// Whether lower is better for a summary metric (`None`: neither).
fn lower_is_better(key: &str) -> Option<bool> {
    match key {
        "lead_time_seconds"
        | "wait_time_seconds"
        | "lead_time_with_rework_seconds"
        | "items_p50_seconds"
        | "items_p85_seconds"
        | "items_p95_seconds" => Some(true),
        "activity_ratio_percent" | "rolled_complete_accurate_percent" => Some(false),
        _ => None,
    }
}

/// A change's cell: `better` or `worse` where the metric has a direction.
fn change_cell(key: &str, change: Option<f64>) -> String {
    let class = match (lower_is_better(key), change) {
        (Some(lower), Some(c)) if c != 0.0 => {
            if (c < 0.0) == lower {
                " better"
            } else {
                " worse"
            }
        }
        _ => "",
    };
    format!(
        "<td class=\"num{class}\">{}</td>",
        escape(&show_change(key, change))
    )
}

const STYLE: &str = "
:root { color-scheme: light dark; --text: #1d1d1f; --muted: #5f5f66; --bg: #ffffff; --line: #d8d8de; --good: #2e7d32; --bad: #c62828; --changed: #7b1fa2; --changed-bg: #f3e5f5; }
@media (prefers-color-scheme: dark) {
  :root { --text: #e8e8ec; --muted: #a8a8b0; --bg: #18181b; --line: #3a3a42; --good: #66bb6a; --bad: #ff6b60; --changed: #ce93d8; --changed-bg: #3a2440; }
}
body { font: 14px/1.45 system-ui, 'DejaVu Sans', sans-serif; margin: 24px auto; max-width: 1680px; padding: 0 24px; color: var(--text); background: var(--bg); }
h1 { font-size: 24px; margin: 0 0 8px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: var(--muted); font-size: 0.9em; }
.better { color: var(--good); font-weight: 600; }
.worse { color: var(--bad); font-weight: 600; }
td.differs { background: var(--changed-bg); }
tr.step-changed td:first-child { box-shadow: inset 4px 0 0 var(--changed); }
tr.step-added td:first-child { box-shadow: inset 4px 0 0 var(--good); }
tr.step-removed td:first-child { box-shadow: inset 4px 0 0 var(--bad); }
tr.step-removed td { color: var(--muted); }
.mark { font-weight: 600; white-space: nowrap; }
.mark-changed { color: var(--changed); }
.mark-added { color: var(--good); }
.mark-removed { color: var(--bad); }
figure { margin: 24px 0; }
figure svg { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; }
figcaption { margin-bottom: 6px; }
.key { display: inline-block; width: 26px; height: 0; vertical-align: middle; margin: 0 4px 0 12px; border-top: 4px dashed; }
@media print { body { margin: 0; max-width: none; } figure { break-inside: avoid; } tr { break-inside: avoid; } }
";

/// The page: the tables, then both maps with their changed steps outlined.
pub fn page(before: Side<'_>, after: Side<'_>) -> String {
    let compared = Comparison::new(before, after);
    let title = format!("{} → {}", before.stream.name, after.stream.name);
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<link rel=\"icon\" href=\"data:,\">\n",
    );
    let _ = writeln!(page, "<title>{}</title>", escape(&title));
    let _ = write!(
        page,
        "<style>{STYLE}{}{}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        crate::html::MAP_DARK_STYLE,
        outlines(&compared),
        escape(&title)
    );
    page.push_str("<h2>Summary</h2>\n");
    rows_table(&mut page, summary_rows(&compared));
    let _ = writeln!(
        page,
        "<p class=\"muted\">{}</p>",
        escape(&crate::compare::days_line(before.stream, after.stream))
    );
    steps(&mut page, &compared, before, after);
    if let Some(simulation) = &compared.simulation {
        simulation_section(&mut page, simulation);
    }
    for (label, side) in [("Before", before), ("After", after)] {
        map(&mut page, &compared, label, side);
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// A table of rows with their changes, coloured where the metric has a direction.
fn rows_table(page: &mut String, rows: Vec<Row>) {
    page.push_str("<table>\n<thead><tr><th>Metric</th><th class=\"num\">Before</th><th class=\"num\">After</th><th class=\"num\">Change</th></tr></thead>\n<tbody>\n");
    for row in rows {
        let change = if row.key.is_empty() {
            "<td></td>".to_string()
        } else {
            change_cell(row.key, row.change)
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{change}</tr>",
            escape(row.label),
            escape(&row.before),
            escape(&row.after)
        );
    }
    page.push_str("</tbody>\n</table>\n");
}

/// The simulations side by side: what ran, the table (change, noise and whether the change is
/// more than noise), what those columns mean, and what a calibrated future state changes.
fn simulation_section(page: &mut String, simulation: &simulated::SimulationComparison<'_>) {
    let section = simulated::section(simulation);
    let _ = write!(
        page,
        "<h2>Simulated</h2>\n<p class=\"muted\">{}</p>\n<table>\n<thead><tr>",
        escape(&section.note)
    );
    for (index, column) in simulated::COLUMNS.iter().enumerate() {
        let class = if index == 0 { "" } else { " class=\"num\"" };
        let _ = write!(page, "<th{class}>{}</th>", escape(column));
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    for row in &section.rows {
        page.push_str("<tr>");
        for (index, cell) in row.iter().enumerate() {
            let class = match (index, cell.as_str()) {
                (0, _) => "",
                (5, "yes") => " class=\"num better\"",
                _ => " class=\"num\"",
            };
            let _ = write!(page, "<td{class}>{}</td>", escape(cell));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n");
    let _ = writeln!(
        page,
        "<p class=\"muted\">{}</p>",
        escape(&section.meaning).replace('\n', "<br>")
    );
    if let Some(future) = &section.future {
        page.push_str("<p>What the future state changes in the calibrated current state (the log's items, moved only by these):</p>\n<ul>\n");
        for line in future {
            let _ = writeln!(page, "<li>{}</li>", escape(line));
        }
        page.push_str("</ul>\n");
    }
}

fn steps(page: &mut String, compared: &Comparison<'_>, before: Side<'_>, after: Side<'_>) {
    page.push_str("<h2>Steps</h2>\n<p class=\"muted\">A step is changed when the future map sets it differently (name, team, people, automation, what it follows, process or wait time, %C&amp;A, artifacts); the cells that differ are shaded.</p>\n<table class=\"steps\">\n<thead><tr><th>Step</th><th>On the maps</th>");
    for (_, label) in STEP_ROWS {
        let _ = write!(
            page,
            "<th class=\"num\">{label} before</th><th class=\"num\">{label} after</th>"
        );
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    let name_of = |id: &str| {
        [after, before]
            .iter()
            .find_map(|side| side.stream.steps.iter().find(|s| s.id == id))
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    for (id, step) in &compared.steps.0 {
        let (class, mark) = match step.presence {
            "added" => (
                "step-added",
                "<span class=\"mark mark-added\">added</span>".to_string(),
            ),
            "removed" => (
                "step-removed",
                "<span class=\"mark mark-removed\">removed</span>".to_string(),
            ),
            _ => {
                let what = changed(step);
                if what.is_empty() {
                    (
                        "step-same",
                        "<span class=\"muted\">unchanged</span>".to_string(),
                    )
                } else {
                    (
                        "step-changed",
                        format!(
                            "<span class=\"mark mark-changed\">changed</span> <span class=\"muted\">{}</span>",
                            escape(&what.join(", "))
                        ),
                    )
                }
            }
        };
        let _ = write!(
            page,
            "<tr class=\"{class}\" data-step=\"{}\"><td><b>{}</b> <span class=\"muted\">{}</span></td><td>{mark}</td>",
            escape(id),
            escape(&name_of(id)),
            escape(id)
        );
        for (key, _) in STEP_ROWS {
            let cell = step.fields.get(key);
            let (b, a) = (field(cell, |d| &d.before), field(cell, |d| &d.after));
            let differs = if step.presence == "both" && b != a {
                " differs"
            } else {
                ""
            };
            let _ = write!(
                page,
                "<td class=\"num{differs}\">{}</td><td class=\"num{differs}\">{}</td>",
                escape(&step_cell(step, key, |d| &d.before)),
                escape(&step_cell(step, key, |d| &d.after))
            );
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody>\n</table>\n");
    if crate::compare::any_derived(compared) {
        page.push_str("<p class=\"muted\">≈ wait derived from the queue by Little&#39;s law: queue / throughput (<code>vsm analyze --explain STEP</code> shows the arithmetic).</p>\n");
    }
}

/// The steps outlined on a map, by its label: changed ones on both, removed ones on the current
/// map and added ones on the future map; (step id, class).
fn marked<'a>(compared: &'a Comparison<'_>, label: &str) -> Vec<(&'a str, &'static str)> {
    compared
        .steps
        .0
        .iter()
        .filter_map(|(id, step)| {
            let class = match (step.presence, label) {
                ("removed", "Before") => "removed",
                ("added", "After") => "added",
                ("both", _) if !changed(step).is_empty() => "changed",
                _ => return None,
            };
            Some((id.as_str(), class))
        })
        .collect()
}

/// The style that outlines the marked steps' boxes on each map: a thick dashed border in the
/// mark's colour (violet changed, green added, red removed), whatever the box's own style.
fn outlines(compared: &Comparison<'_>) -> String {
    let mut style = String::new();
    for label in ["Before", "After"] {
        for (id, class) in marked(compared, label) {
            let colour = match class {
                "changed" => "var(--changed)",
                "added" => "var(--good)",
                _ => "var(--bad)",
            };
            let _ = writeln!(
                style,
                "#{}-map .vsm-map g.vsm-step[data-step=\"{}\"] rect.vsm-box {{ stroke: {colour}; stroke-width: 5; stroke-dasharray: 10 4; }}",
                label.to_lowercase(),
                id.replace('\\', "\\\\").replace('"', "\\\"")
            );
        }
    }
    style
}

fn map(page: &mut String, compared: &Comparison<'_>, label: &str, side: Side<'_>) {
    // The maps' element ids get a prefix so that two maps can share the page (the arrow
    // markers are the same in both and may stay shared).
    let prefix = label.to_lowercase();
    let mut svg = crate::svg::render(side.stream, side.analysis);
    for id in ["vsm-title", "vsm-desc", "vsm-step-", "vsm-rework-"] {
        svg = svg.replace(&format!("id=\"{id}"), &format!("id=\"{prefix}-{id}"));
    }
    let svg = svg.replace(
        "aria-labelledby=\"vsm-title vsm-desc\"",
        &format!("aria-labelledby=\"{prefix}-vsm-title {prefix}-vsm-desc\""),
    );
    let marks = marked(compared, label);
    let names = |class: &str| {
        marks
            .iter()
            .filter(|(_, c)| *c == class)
            .filter_map(|(id, _)| side.stream.steps.iter().find(|s| s.id == *id))
            .map(|s| escape(&s.name))
            .collect::<Vec<_>>()
    };
    let mut key = String::new();
    for (class, words) in [
        ("changed", "changed"),
        ("added", "added"),
        ("removed", "removed"),
    ] {
        let steps = names(class);
        if !steps.is_empty() {
            let _ = write!(
                key,
                "<span class=\"key mark-{class}\"></span><span class=\"mark mark-{class}\">{words}</span>: {}",
                steps.join(", ")
            );
        }
    }
    if key.is_empty() {
        key = " <span class=\"muted\">(no step changed)</span>".into();
    }
    let _ = writeln!(
        page,
        "<figure id=\"{prefix}-map\"><figcaption><b>{label}</b>: {}{key}</figcaption>\n{svg}</figure>",
        escape(&side.stream.name)
    );
}
