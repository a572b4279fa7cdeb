//! Two maps side by side: the current state and a future state, every summary metric and every
//! step with before, after and the change.
//!
//! The comparison is built from the two analyses' JSON reports, so it covers exactly the fields
//! `vsm analyze --format json` has, and stays in step with them as fields are added.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;
use vsm_core::simulate::Projection;
use vsm_core::{Duration, format_number};

/// One map and its analysis (and, for `vsm compare --simulate`, its simulation).
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    pub stream: &'a ValueStream,
    pub analysis: &'a Analysis,
    pub simulated: Option<&'a Projection>,
}

/// Both simulations side by side: lead time percentiles (with intervals), throughput and the
/// constraint.
fn simulation(before: Side<'_>, after: Side<'_>) -> Option<Value> {
    let (b, a) = (before.simulated?, after.simulated?);
    let seconds = |d: Duration| json!(d.as_secs_f64());
    let mut lead_time = Map::new();
    for ((name, before, before_ci), (_, after, after_ci)) in
        b.percentiles().into_iter().zip(a.percentiles())
    {
        let mut value = delta(Some(&seconds(before)), Some(&seconds(after)));
        value["before_interval"] = crate::json::interval(before_ci);
        value["after_interval"] = crate::json::interval(after_ci);
        lead_time.insert(name.to_string(), value);
    }
    lead_time.insert(
        "mean".into(),
        delta(
            Some(&seconds(b.lead_time.mean)),
            Some(&seconds(a.lead_time.mean)),
        ),
    );
    let constraint = |side: Side<'_>, p: &Projection| {
        p.constraint
            .map_or(Value::Null, |(index, _)| json!(side.stream.steps[index].id))
    };
    Some(json!({
        "items": b.items,
        "seed": b.seed,
        "arrivals_per_week": b.arrivals_per_week,
        "lead_time_seconds": lead_time,
        "throughput_per_week": delta(Some(&json!(b.throughput_per_week)), Some(&json!(a.throughput_per_week))),
        "constraint": { "before": constraint(before, b), "after": constraint(after, a) },
    }))
}

fn report(side: Side<'_>) -> Value {
    serde_json::to_value(crate::json::Report::new(side.stream, side.analysis))
        .expect("the report serializes")
}

/// `{before, after, change}`: change is `after - before` for numbers, `null` otherwise.
fn delta(before: Option<&Value>, after: Option<&Value>) -> Value {
    let change = match (
        before.and_then(Value::as_f64),
        after.and_then(Value::as_f64),
    ) {
        (Some(b), Some(a)) => json!(((a - b) * 1000.0).round() / 1000.0),
        _ => Value::Null,
    };
    json!({ "before": before.cloned().unwrap_or(Value::Null), "after": after.cloned().unwrap_or(Value::Null), "change": change })
}

/// The comparison as a JSON value: `summary` and `steps` (by step id) of `{before, after, change}`.
pub fn value(before: Side<'_>, after: Side<'_>) -> Value {
    let (old, new) = (report(before), report(after));
    let mut summary = Map::new();
    if let (Some(b), Some(a)) = (old["summary"].as_object(), new["summary"].as_object()) {
        for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
            summary.insert(key.clone(), delta(b.get(key), a.get(key)));
        }
    }
    let by_id = |report: &Value| -> Vec<(String, Map<String, Value>)> {
        report["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .filter_map(|s| Some((s["id"].as_str()?.to_string(), s.as_object()?.clone())))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old_steps, new_steps) = (by_id(&old), by_id(&new));
    let mut ids: Vec<String> = old_steps.iter().map(|(id, _)| id.clone()).collect();
    ids.extend(
        new_steps
            .iter()
            .map(|(id, _)| id.clone())
            .filter(|id| !old_steps.iter().any(|(o, _)| o == id)),
    );
    let mut steps = Map::new();
    for id in ids {
        let b = old_steps.iter().find(|(o, _)| *o == id).map(|(_, s)| s);
        let a = new_steps.iter().find(|(n, _)| *n == id).map(|(_, s)| s);
        let mut fields = Map::new();
        let keys: Vec<&String> = b.into_iter().chain(a).flat_map(Map::keys).collect();
        for key in keys {
            if key == "id" || fields.contains_key(key) {
                continue;
            }
            fields.insert(
                key.clone(),
                delta(b.and_then(|s| s.get(key)), a.and_then(|s| s.get(key))),
            );
        }
        fields.insert(
            "presence".into(),
            json!(match (b, a) {
                (Some(_), Some(_)) => "both",
                (Some(_), None) => "removed",
                _ => "added",
            }),
        );
        steps.insert(id, Value::Object(fields));
    }
    let mut compared = json!({
        "before": { "name": before.stream.name },
        "after": { "name": after.stream.name },
        "summary": summary,
        "steps": steps,
    });
    if old["measured"].is_object() || new["measured"].is_object() {
        compared["measured"] = measured(&old, &new);
    }
    if let Some(simulated) = simulation(before, after) {
        compared["simulation"] = simulated;
    }
    compared
}

/// What each side's lead time is (`measured`: its items' mean; `projected`: a future state's
/// design applied to the measured ladder; `estimated`: the path arithmetic), and the measured
/// items' percentiles side by side.
fn measured(old: &Value, new: &Value) -> Value {
    let basis = |report: &Value| {
        let measured = &report["measured"];
        if !measured.is_object() {
            "estimated"
        } else if measured["projected_change_seconds"].is_null() {
            "measured"
        } else {
            "projected"
        }
    };
    let mut value = json!({ "basis": { "before": basis(old), "after": basis(new) } });
    for key in [
        "count",
        "mean_seconds",
        "p50_seconds",
        "p85_seconds",
        "p95_seconds",
    ] {
        // Percentiles are the measured items'; a projection has only a mean.
        let side = |report: &Value| {
            let items = &report["measured"]["items"];
            (basis(report) == "measured").then(|| items[key].clone())
        };
        value[format!("items_{key}")] = delta(side(old).as_ref(), side(new).as_ref());
    }
    value
}

/// The comparison as pretty JSON.
pub fn json(before: Side<'_>, after: Side<'_>) -> String {
    let mut text = serde_json::to_string_pretty(&value(before, after)).expect("serializes");
    text.push('\n');
    text
}

/// A number of a field named `*_seconds` or `*_percent`, as people read it.
fn show(key: &str, value: &Value) -> String {
    match value.as_f64() {
        None if value.is_null() => "-".into(),
        None => value.to_string(),
        Some(number) if key.ends_with("_seconds") => Duration::from_secs_f64(number.abs()).human(),
        Some(number) if key.ends_with("_percent") => vsm_core::format_percent(number),
        Some(number) => format_number(number, 2),
    }
}

fn show_change(key: &str, change: &Value) -> String {
    let Some(number) = change.as_f64() else {
        return String::new();
    };
    if number == 0.0 {
        return "=".into();
    }
    let sign = if number < 0.0 { "-" } else { "+" };
    let body = if key.ends_with("_percent") {
        format!("{} pts", format_number(number.abs(), 2))
    } else {
        show(key, &json!(number.abs()))
    };
    format!("{sign}{body}")
}

const SUMMARY_ROWS: [(&str, &str); 8] = [
    ("lead_time_seconds", "Lead time"),
    ("process_time_seconds", "Process time"),
    ("wait_time_seconds", "Wait time"),
    ("work_content_seconds", "Work content"),
    ("activity_ratio_percent", "Activity ratio"),
    ("rolled_complete_accurate_percent", "Rolled %C&A"),
    ("lead_time_with_rework_seconds", "Lead time with rework"),
    ("manual_share_percent", "Manual share of work"),
];

const STEP_ROWS: [(&str, &str); 4] = [
    ("process_time_seconds", "Process"),
    ("wait_time_seconds", "Wait"),
    ("lead_time_seconds", "Lead"),
    ("complete_accurate_percent", "%C&A"),
];

/// The comparison for people: `markdown` selects Markdown tables over plain text.
pub fn text(before: Side<'_>, after: Side<'_>, markdown: bool) -> String {
    let compared = value(before, after);
    let mut out = String::new();
    let name = |stream: &ValueStream| {
        if markdown {
            crate::markdown::inline(&stream.name)
        } else {
            stream.name.clone()
        }
    };
    let title = format!("{} → {}", name(before.stream), name(after.stream));
    if markdown {
        let _ = writeln!(out, "# {title}\n\n## Summary\n");
    } else {
        let _ = writeln!(
            out,
            "{title}\n{}\n\nSummary\n-------\n",
            "=".repeat(title.chars().count())
        );
    }
    let mut summary = table(markdown, &["Metric", "Before", "After", "Change"]);
    for (key, label) in SUMMARY_ROWS {
        let row = &compared["summary"][key];
        summary.add_row(vec![
            label.to_string(),
            show(key, &row["before"]),
            show(key, &row["after"]),
            show_change(key, &row["change"]),
        ]);
    }
    let measured = &compared["measured"];
    if measured.is_object() {
        let said = |side: &str| match measured["basis"][side].as_str() {
            Some("measured") => "mean of the measured items",
            Some("projected") => "projected from the measured ladder",
            _ => "path arithmetic of estimates",
        };
        summary.add_row(vec![
            "Lead time is".to_string(),
            said("before").to_string(),
            said("after").to_string(),
            String::new(),
        ]);
        for (key, label) in [
            ("items_p50_seconds", "Items' lead time p50"),
            ("items_p85_seconds", "Items' lead time p85"),
            ("items_p95_seconds", "Items' lead time p95"),
        ] {
            let row = &measured[key];
            summary.add_row(vec![
                label.to_string(),
                show(key, &row["before"]),
                show(key, &row["after"]),
                show_change(key, &row["change"]),
            ]);
        }
    }
    push(&mut out, &summary);
    out.push_str(if markdown {
        "\n## Steps\n\n"
    } else {
        "\nSteps\n-----\n\n"
    });
    let mut header = vec!["Step".to_string(), "Presence".to_string()];
    for (_, label) in STEP_ROWS {
        header.push(format!("{label} before"));
        header.push(format!("{label} after"));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut steps = table(markdown, &header_refs);
    if let Some(all) = compared["steps"].as_object() {
        for (id, fields) in all {
            let mut row = vec![
                id.clone(),
                fields["presence"].as_str().unwrap_or_default().to_string(),
            ];
            for (key, _) in STEP_ROWS {
                row.push(show(key, &fields[key]["before"]));
                row.push(show(key, &fields[key]["after"]));
            }
            steps.add_row(row);
        }
    }
    push(&mut out, &steps);
    let simulated = &compared["simulation"];
    if !simulated.is_null() {
        let _ = write!(
            out,
            "{}",
            if markdown {
                "\n## Simulated\n\n"
            } else {
                "\nSimulated\n---------\n\n"
            }
        );
        let _ = writeln!(
            out,
            "{} items through each map, seed {}, arrivals {} per week; 95% intervals in brackets.\n",
            simulated["items"],
            simulated["seed"],
            format_number(simulated["arrivals_per_week"].as_f64().unwrap_or(0.0), 1)
        );
        let mut rows = table(markdown, &["Metric", "Before", "After", "Change"]);
        let with_interval = |value: &Value, interval: &Value| {
            let shown = show("_seconds", value);
            match (interval["low"].as_f64(), interval["high"].as_f64()) {
                (Some(low), Some(high)) => format!(
                    "{shown} ({} to {})",
                    Duration::from_secs_f64(low).human(),
                    Duration::from_secs_f64(high).human()
                ),
                _ => shown,
            }
        };
        for (key, label) in [
            ("p50", "Lead time p50"),
            ("p85", "Lead time p85"),
            ("p95", "Lead time p95"),
            ("mean", "Lead time mean"),
        ] {
            let row = &simulated["lead_time_seconds"][key];
            rows.add_row(vec![
                label.to_string(),
                with_interval(&row["before"], &row["before_interval"]),
                with_interval(&row["after"], &row["after_interval"]),
                show_change("_seconds", &row["change"]),
            ]);
        }
        let throughput = &simulated["throughput_per_week"];
        let per_week = |v: &Value| format!("{}/week", format_number(v.as_f64().unwrap_or(0.0), 1));
        rows.add_row(vec![
            "Throughput".to_string(),
            per_week(&throughput["before"]),
            per_week(&throughput["after"]),
            String::new(),
        ]);
        let name = |v: &Value| v.as_str().unwrap_or("-").to_string();
        rows.add_row(vec![
            "Constraint".to_string(),
            name(&simulated["constraint"]["before"]),
            name(&simulated["constraint"]["after"]),
            String::new(),
        ]);
        push(&mut out, &rows);
    }
    out
}

fn table(markdown: bool, header: &[&str]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_style(if markdown {
            comfy_table::presets::ASCII_MARKDOWN
        } else {
            comfy_table::TableStyle::new()
                .header_separator(comfy_table::LineStyle::none().fill('-').junction(' '))
        })
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.to_vec());
    table
}

fn push(out: &mut String, table: &comfy_table::Table) {
    for line in table.to_string().lines() {
        let line = line.trim_end();
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
}

/// A self-contained page: the comparison tables, then both maps drawn one above the other.
pub fn html(before: Side<'_>, after: Side<'_>) -> String {
    let escape = crate::svg::text::escape;
    let tables = text(before, after, false);
    let mut page = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<link rel=\"icon\" href=\"data:,\">\n",
    );
    let _ = writeln!(
        page,
        "<title>{} → {}</title>",
        escape(&before.stream.name),
        escape(&after.stream.name)
    );
    let _ = writeln!(
        page,
        "<style>body{{font:14px/1.45 system-ui,'DejaVu Sans',sans-serif;margin:24px auto;max-width:1680px;padding:0 24px}}pre{{font:12px/1.4 'DejaVu Sans Mono',monospace;overflow-x:auto}}figure{{margin:24px 0}}figure svg{{width:100%;height:auto;border:1px solid #d8d8de;border-radius:8px}}@media (prefers-color-scheme: dark){{body{{background:#18181b;color:#e8e8ec}}}}</style>\n</head>\n<body>"
    );
    let _ = writeln!(
        page,
        "<h1>{} → {}</h1>\n<pre>{}</pre>",
        escape(&before.stream.name),
        escape(&after.stream.name),
        escape(&tables)
    );
    for (label, side) in [("Before", before), ("After", after)] {
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
        let _ = writeln!(
            page,
            "<figure><figcaption><b>{label}</b>: {}</figcaption>\n{svg}</figure>",
            escape(&side.stream.name)
        );
    }
    page.push_str("</body>\n</html>\n");
    page
}
