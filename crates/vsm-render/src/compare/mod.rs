//! Two maps side by side: the current state and a future state, every summary metric and every
//! step with before, after and the change.
//!
//! The comparison is built from the two analyses' JSON reports, so it covers exactly the fields
//! `vsm analyze --format json` has, and stays in step with them as fields are added.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;
use vsm_core::{Duration, format_number};

use crate::Format;
use crate::json::SCHEMA_VERSION;
use crate::report::{NOT_ALIGNED, Style, cell, heading, push_table, table};

pub(crate) mod simulated;

pub use simulated::{
    DifferenceReport, SimulatedFigure, SimulatedLeadTime, SimulatedPercentile, SimulatedSide,
    SimulationComparison,
};

/// One map and its analysis (and, for `vsm compare --simulate`, its simulation).
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    pub stream: &'a ValueStream,
    pub analysis: &'a Analysis,
    pub simulated: Option<SimulatedSide<'a>>,
}

/// The JSON of `vsm compare`.
#[derive(Debug, Serialize)]
pub struct Comparison<'a> {
    pub schema_version: u32,
    pub before: Named<'a>,
    pub after: Named<'a>,
    /// Every field of the analyses' summaries, before and after.
    pub summary: Fields,
    /// Every step of either map by id, each field before and after.
    pub steps: Steps,
    /// What each side's lead time is, when one of them is measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<MeasuredComparison>,
    /// Both simulations side by side, for `--simulate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulation: Option<SimulationComparison<'a>>,
}

/// A map's name.
#[derive(Debug, Serialize)]
pub struct Named<'a> {
    pub name: &'a str,
}

/// A value before and after, and the change (`after - before`, for numbers on both sides).
#[derive(Debug, Serialize)]
pub struct Delta<T> {
    pub before: Option<T>,
    pub after: Option<T>,
    pub change: Option<f64>,
}

impl<T> Delta<T> {
    fn new(before: Option<T>, after: Option<T>, number: impl Fn(&T) -> Option<f64>) -> Self {
        let change = match (
            before.as_ref().and_then(&number),
            after.as_ref().and_then(&number),
        ) {
            (Some(b), Some(a)) => Some(round_change(a - b)),
            _ => None,
        };
        Delta {
            before,
            after,
            change,
        }
    }
}

/// A change rounded for the report: to 3 decimals, or below 0.01 to the decimals two
/// significant digits and one more need (`0.0063`, not `0.006`), so that a small change is
/// neither hidden nor overstated, and float noise (`0.006300000000000001`) is gone.
fn round_change(change: f64) -> f64 {
    let decimals = vsm_core::percent::percent_decimals(change).max(2) + 1;
    let scale = 10f64.powi(decimals as i32);
    (change * scale).round() / scale
}

impl Delta<f64> {
    fn numbers(before: f64, after: f64) -> Self {
        Delta::new(Some(before), Some(after), |n| Some(*n))
    }
}

/// Fields of the analysis report by name, in the report's order, each before and after.
#[derive(Debug, Default)]
pub struct Fields(pub Vec<(String, Delta<Value>)>);

impl Fields {
    /// The field `key`, if either side has it.
    pub fn get(&self, key: &str) -> Option<&Delta<Value>> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, d)| d)
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One step of either map: its fields before and after, and whether it is in `both` maps, was
/// `removed` or `added`.
#[derive(Debug, Serialize)]
pub struct StepComparison {
    #[serde(flatten)]
    pub fields: Fields,
    pub presence: &'static str,
}

/// The steps of both maps by id: the current map's first, then those the future map adds.
#[derive(Debug, Default)]
pub struct Steps(pub Vec<(String, StepComparison)>);

impl Serialize for Steps {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// What each side's lead time is (`measured`: its items' mean; `projected`: a future state's
/// design applied to the measured ladder; `estimated`: the path arithmetic), and the measured
/// items' numbers side by side.
#[derive(Debug, Serialize)]
pub struct MeasuredComparison {
    pub basis: BeforeAfter<&'static str>,
    pub items_count: Delta<u64>,
    pub items_mean_seconds: Delta<f64>,
    pub items_p50_seconds: Delta<f64>,
    pub items_p85_seconds: Delta<f64>,
    pub items_p95_seconds: Delta<f64>,
}

/// A value on each side.
#[derive(Debug, Serialize)]
pub struct BeforeAfter<T> {
    pub before: T,
    pub after: T,
}

fn report(side: Side<'_>) -> Value {
    serde_json::to_value(crate::json::Report::new(side.stream, side.analysis))
        .expect("the report serializes")
}

/// A field on each side, as the analysis report has it.
fn delta(before: Option<&Value>, after: Option<&Value>) -> Delta<Value> {
    Delta::new(before.cloned(), after.cloned(), Value::as_f64)
}

impl<'a> Comparison<'a> {
    pub fn new(before: Side<'a>, after: Side<'a>) -> Self {
        let (old, new) = (report(before), report(after));
        let mut summary = Fields::default();
        if let (Some(b), Some(a)) = (old["summary"].as_object(), new["summary"].as_object()) {
            for key in b.keys().chain(a.keys().filter(|k| !b.contains_key(*k))) {
                let mut delta = delta(b.get(key), a.get(key));
                // The reports round percentages (`0.014%`); a change of them is of the
                // analyses' own numbers, or 0.0138 → 0.0201 would read +0.006 pts.
                if let (Some(b), Some(a)) = (
                    exact_percent(before.analysis, key),
                    exact_percent(after.analysis, key),
                ) {
                    delta.change = Some(round_change(a - b));
                }
                summary.0.push((key.clone(), delta));
            }
        }
        let by_id = |report: &Value| -> Vec<(String, Map<String, Value>)> {
            report["steps"]
                .as_array()
                .map(|steps| {
                    steps
                        .iter()
                        .filter_map(|s| {
                            Some((s["id"].as_str()?.to_string(), s.as_object()?.clone()))
                        })
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
        let mut steps = Steps::default();
        for id in ids {
            let b = old_steps.iter().find(|(o, _)| *o == id).map(|(_, s)| s);
            let a = new_steps.iter().find(|(n, _)| *n == id).map(|(_, s)| s);
            let mut fields = Fields::default();
            let keys: Vec<&String> = b.into_iter().chain(a).flat_map(Map::keys).collect();
            for key in keys {
                if key == "id" || fields.get(key).is_some() {
                    continue;
                }
                fields.0.push((
                    key.clone(),
                    delta(b.and_then(|s| s.get(key)), a.and_then(|s| s.get(key))),
                ));
            }
            let presence = match (b, a) {
                (Some(_), Some(_)) => "both",
                (Some(_), None) => "removed",
                _ => "added",
            };
            steps.0.push((id, StepComparison { fields, presence }));
        }
        Comparison {
            schema_version: SCHEMA_VERSION,
            before: Named {
                name: &before.stream.name,
            },
            after: Named {
                name: &after.stream.name,
            },
            summary,
            steps,
            measured: (before.analysis.measured.is_some() || after.analysis.measured.is_some())
                .then(|| measured(before.analysis, after.analysis)),
            simulation: simulated::comparison(before, after),
        }
    }
}

/// A summary percentage of `analysis` as computed, before the report rounds it.
fn exact_percent(analysis: &Analysis, key: &str) -> Option<f64> {
    let s = &analysis.summary;
    Some(match key {
        "activity_ratio_percent" => s.activity_ratio_percent,
        "rolled_complete_accurate_percent" => s.rolled_complete_accurate_percent,
        "manual_share_percent" => s.manual_share_percent,
        "automated_share_percent" => s.automated_share_percent,
        _ => return None,
    })
}

/// What each side's lead time is, and its measured items' numbers (a projection has only a
/// mean, so none).
fn measured(old: &Analysis, new: &Analysis) -> MeasuredComparison {
    let basis = |analysis: &Analysis| match &analysis.measured {
        None => "estimated",
        Some(m) if m.projected_change_millis.is_none() => "measured",
        Some(_) => "projected",
    };
    let items = |analysis: &Analysis| {
        analysis
            .measured
            .as_ref()
            .filter(|m| m.projected_change_millis.is_none())
            .map(|m| crate::json::DistributionReport::of(&m.items))
    };
    let (b, a) = (items(old), items(new));
    let side = |f: fn(&crate::json::DistributionReport) -> f64| {
        Delta::new(b.as_ref().map(f), a.as_ref().map(f), |n| Some(*n))
    };
    MeasuredComparison {
        basis: BeforeAfter {
            before: basis(old),
            after: basis(new),
        },
        items_count: Delta::new(
            b.as_ref().map(|d| d.count),
            a.as_ref().map(|d| d.count),
            |n| Some(*n as f64),
        ),
        items_mean_seconds: side(|d| d.mean_seconds),
        items_p50_seconds: side(|d| d.p50_seconds),
        items_p85_seconds: side(|d| d.p85_seconds),
        items_p95_seconds: side(|d| d.p95_seconds),
    }
}

/// The comparison as pretty JSON.
fn json(before: Side<'_>, after: Side<'_>) -> String {
    crate::json::to_string(&Comparison::new(before, after))
}

/// One side of a report field, as a number (`None` when that side lacks it).
pub(crate) fn field(
    delta: Option<&Delta<Value>>,
    side: impl Fn(&Delta<Value>) -> &Option<Value>,
) -> Option<f64> {
    delta.and_then(|d| side(d).as_ref()?.as_f64())
}

/// A number of a field named `*_seconds`, `*_percent` or `*_per_day`, as people read it.
pub(crate) fn show(key: &str, value: Option<f64>) -> String {
    match value {
        None => "-".into(),
        Some(number) if key.ends_with("_per_day") => {
            format!("{}/day", vsm_core::worktime::format_count(number))
        }
        Some(number) if key.ends_with("_seconds") => Duration::from_secs_f64(number.abs()).human(),
        Some(number) if key.ends_with("_percent") => vsm_core::format_percent(number),
        Some(number) => format_number(number, 2),
    }
}

pub(crate) fn show_change(key: &str, change: Option<f64>) -> String {
    let Some(number) = change else {
        return String::new();
    };
    if number == 0.0 {
        return "=".into();
    }
    if key.ends_with("_percent") {
        return vsm_core::format_points(number);
    }
    let sign = if number < 0.0 { "-" } else { "+" };
    if key.ends_with("_per_day") {
        return format!("{sign}{}/day", format_number(number.abs(), 2));
    }
    format!("{sign}{}", show(key, Some(number.abs())))
}

pub(crate) const SUMMARY_ROWS: [(&str, &str); 8] = [
    ("lead_time_seconds", "Lead time"),
    ("process_time_seconds", "Process time"),
    ("wait_time_seconds", "Wait time"),
    ("work_content_seconds", "Work content"),
    ("activity_ratio_percent", "Activity ratio"),
    ("rolled_complete_accurate_percent", "Rolled %C&A"),
    ("lead_time_with_rework_seconds", "Lead time with rework"),
    ("manual_share_percent", "Manual share of work"),
];

pub(crate) const STEP_ROWS: [(&str, &str); 4] = [
    ("process_time_seconds", "Process"),
    ("wait_time_seconds", "Wait"),
    ("lead_time_seconds", "Lead"),
    ("complete_accurate_percent", "%C&A"),
];

/// The formats a comparison is written in.
pub const FORMATS: [Format; 4] = [Format::Text, Format::Json, Format::Markdown, Format::Html];

/// The comparison in `format` (one of [`FORMATS`]; `None` for another), both maps' durations
/// told in the current map's days, so that a change is one difference.
pub fn render(before: Side<'_>, after: Side<'_>, format: Format) -> Option<String> {
    before.stream.told(|| {
        Some(match format {
            Format::Text => tables(before, after, Style::Text),
            Format::Markdown => tables(before, after, Style::Markdown),
            Format::Json => json(before, after),
            Format::Html => crate::compare_html::page(before, after),
            _ => return None,
        })
    })
}

/// The days both maps are told in, as a sentence (two when the maps count days differently).
pub(crate) fn days_line(before: &ValueStream, after: &ValueStream) -> String {
    let (old, new) = (&before.working_time, &after.working_time);
    if old.told_day() == new.told_day() && old.convention() == new.convention() {
        return format!("Days: {}.", old.convention());
    }
    format!(
        "Days: {} (the current map's; the future map counts {}: both are told in the current map's days here).",
        old.convention(),
        new.convention()
    )
}

/// A row of the comparison's summary for people: a metric, its values as shown, and the change.
pub(crate) struct Row {
    /// The report field it shows, which says how its change reads (`_seconds`, `_percent`);
    /// empty for a row without a change.
    pub key: &'static str,
    pub label: &'static str,
    pub before: String,
    pub after: String,
    pub change: Option<f64>,
}

/// A step's field on one side (`before` or `after`) as people read it; a wait derived from the
/// queue marked `≈`, as `vsm analyze` marks it.
pub(crate) fn step_cell(
    step: &StepComparison,
    key: &str,
    side: fn(&Delta<Value>) -> &Option<Value>,
) -> String {
    let shown = show(key, field(step.fields.get(key), side));
    let derived = step
        .fields
        .get("wait_time_source")
        .and_then(|d| side(d).as_ref()?.as_str())
        == Some("derived");
    if key == "wait_time_seconds" && derived {
        format!("≈{shown}")
    } else {
        shown
    }
}

/// Whether a step of either map has a wait derived from its queue.
pub(crate) fn any_derived(compared: &Comparison<'_>) -> bool {
    compared.steps.0.iter().any(|(_, step)| {
        step.fields.get("wait_time_source").is_some_and(|d| {
            [&d.before, &d.after]
                .iter()
                .any(|v| v.as_ref().and_then(Value::as_str) == Some("derived"))
        })
    })
}

/// The takt time and demand rows, when either map gives a demand: the takt time with its
/// seconds (`1m (60s)`), the demand a working day.
fn demand_rows(compared: &Comparison<'_>) -> Vec<Row> {
    let takt = compared.summary.get("takt_time_seconds");
    let (before, after) = (field(takt, |d| &d.before), field(takt, |d| &d.after));
    if before.is_none() && after.is_none() {
        return Vec::new();
    }
    let shown = |seconds: Option<f64>| {
        seconds.map_or_else(
            || "-".to_string(),
            |s| crate::report::with_seconds(Duration::from_secs_f64(s)),
        )
    };
    let per_day = |side: fn(&Delta<Value>) -> &Option<Value>| {
        compared
            .summary
            .get("demand")
            .and_then(|d| side(d).as_ref()?.get("per_day")?.as_f64())
    };
    let (demand_before, demand_after) = (per_day(|d| &d.before), per_day(|d| &d.after));
    let key = "demand_per_day";
    vec![
        Row {
            key: "takt_time_seconds",
            label: "Takt time",
            before: shown(before),
            after: shown(after),
            change: takt.and_then(|d| d.change),
        },
        Row {
            key,
            label: "Demand",
            before: show(key, demand_before),
            after: show(key, demand_after),
            change: match (demand_before, demand_after) {
                (Some(b), Some(a)) => Some(round_change(a - b)),
                _ => None,
            },
        },
    ]
}

/// The summary's rows, then, when a side is measured, what each side's lead time is and the
/// measured items' percentiles.
pub(crate) fn summary_rows(compared: &Comparison<'_>) -> Vec<Row> {
    let mut rows: Vec<Row> = SUMMARY_ROWS
        .iter()
        .map(|&(key, label)| {
            let row = compared.summary.get(key);
            Row {
                key,
                label,
                before: show(key, field(row, |d| &d.before)),
                after: show(key, field(row, |d| &d.after)),
                change: row.and_then(|d| d.change),
            }
        })
        .collect();
    rows.extend(demand_rows(compared));
    if let Some(measured) = &compared.measured {
        let said = |basis: &str| match basis {
            "measured" => "mean of the measured items",
            "projected" => "projected from the measured ladder",
            _ => "path arithmetic of estimates",
        };
        rows.push(Row {
            key: "",
            label: "Lead time is",
            before: said(measured.basis.before).to_string(),
            after: said(measured.basis.after).to_string(),
            change: None,
        });
        for (key, label, row) in [
            (
                "items_p50_seconds",
                "Items' lead time p50",
                &measured.items_p50_seconds,
            ),
            (
                "items_p85_seconds",
                "Items' lead time p85",
                &measured.items_p85_seconds,
            ),
            (
                "items_p95_seconds",
                "Items' lead time p95",
                &measured.items_p95_seconds,
            ),
        ] {
            rows.push(Row {
                key,
                label,
                before: show(key, row.before),
                after: show(key, row.after),
                change: row.change,
            });
        }
    }
    rows
}

/// The comparison for people, as plain text or Markdown.
fn tables(before: Side<'_>, after: Side<'_>, style: Style) -> String {
    let compared = Comparison::new(before, after);
    let mut out = String::new();
    let name = |stream: &ValueStream| cell(style, &stream.name);
    let title = format!("{} → {}", name(before.stream), name(after.stream));
    heading(&mut out, style, 1, &title);
    heading(&mut out, style, 2, "Summary");
    let mut summary = table(style, &["Metric", "Before", "After", "Change"], NOT_ALIGNED);
    for row in summary_rows(&compared) {
        let change = if row.key.is_empty() {
            String::new()
        } else {
            show_change(row.key, row.change)
        };
        summary.add_row(vec![row.label.to_string(), row.before, row.after, change]);
    }
    push_table(&mut out, &summary);
    let _ = writeln!(out, "\n{}", days_line(before.stream, after.stream));
    out.push('\n');
    heading(&mut out, style, 2, "Steps");
    let mut header = vec!["Step".to_string(), "Presence".to_string()];
    for (_, label) in STEP_ROWS {
        header.push(format!("{label} before"));
        header.push(format!("{label} after"));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut steps = table(style, &header_refs, NOT_ALIGNED);
    for (id, step) in &compared.steps.0 {
        let mut row = vec![id.clone(), step.presence.to_string()];
        for (key, _) in STEP_ROWS {
            row.push(step_cell(step, key, |d| &d.before));
            row.push(step_cell(step, key, |d| &d.after));
        }
        steps.add_row(row);
    }
    push_table(&mut out, &steps);
    if any_derived(&compared) {
        out.push_str("
≈ wait derived from the queue by Little's law: queue / throughput (`vsm analyze --explain STEP` shows the arithmetic).
");
    }
    if let Some(simulated) = &compared.simulation {
        out.push('\n');
        simulated::tables(&mut out, style, simulated);
    }
    out
}
