//! `vsm check`: the map's numbers (its latest snapshot, or measured now) against its targets,
//! as JSON and for people.

use serde::Serialize;
use vsm_core::check::TargetResult;
use vsm_core::model::TargetKind;

use crate::json::SCHEMA_VERSION;

/// The JSON of `vsm check`.
#[derive(Debug, Serialize)]
pub struct CheckReport<'a> {
    pub schema_version: u32,
    pub passed: bool,
    pub failed: usize,
    pub targets: Vec<TargetReport<'a>>,
}

/// One target and the value it was checked against.
#[derive(Debug, Serialize)]
pub struct TargetReport<'a> {
    pub metric: &'static str,
    pub step: Option<&'a str>,
    /// `seconds` or `percent`: the unit of `actual`, `min` and `max`.
    pub unit: &'static str,
    pub actual: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub passed: bool,
    /// Where the value comes from, for people.
    pub source: &'a str,
}

impl<'a> CheckReport<'a> {
    pub fn new(results: &'a [TargetResult]) -> Self {
        let failed = results.iter().filter(|r| !r.passed).count();
        CheckReport {
            schema_version: SCHEMA_VERSION,
            passed: failed == 0,
            failed,
            targets: results
                .iter()
                .map(|r| {
                    // Durations are kept in milliseconds.
                    let (unit, name) = match r.metric.kind() {
                        TargetKind::Duration => (0.001, "seconds"),
                        TargetKind::Percent => (1.0, "percent"),
                        TargetKind::Rate => (1.0, "per_day"),
                    };
                    TargetReport {
                        metric: r.metric.as_str(),
                        step: r.step.as_deref(),
                        unit: name,
                        actual: r.actual.map(|v| v * unit),
                        min: r.min.map(|v| v * unit),
                        max: r.max.map(|v| v * unit),
                        passed: r.passed,
                        source: &r.source,
                    }
                })
                .collect(),
        }
    }
}

/// The check as pretty JSON.
pub fn json(results: &[TargetResult]) -> String {
    crate::json::to_string(&CheckReport::new(results))
}

fn show_target_value(metric: vsm_core::model::TargetMetric, value: f64) -> String {
    match metric.kind() {
        TargetKind::Duration => vsm_core::Duration::from_millis(value.max(0.0) as u64).human(),
        TargetKind::Percent => vsm_core::format_percent(value),
        TargetKind::Rate => format!("{}/day", vsm_core::format_number(value, 2)),
    }
}

/// The check for people: `map` is the map file as the user named it, `time` its working time
/// (durations are told in the days it counts, and the last line says which).
pub fn text(map: &str, results: &[TargetResult], time: &vsm_core::WorkingTime) -> String {
    let mut out = vsm_core::in_working_days(time.told_day(), || text_told(map, results));
    if results
        .iter()
        .any(|r| r.metric.kind() == TargetKind::Duration)
    {
        out.push_str(&format!("Days: {}.\n", time.convention()));
    }
    out
}

fn text_told(map: &str, results: &[TargetResult]) -> String {
    if results.is_empty() {
        return format!(
            "{map}: no targets to check; add `targets:` to the map (see docs/map-format.md)\n"
        );
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    let mut out = if failed == 0 {
        format!("{map}: all {} targets met\n", results.len())
    } else {
        format!("{map}: {failed} of {} targets failed\n", results.len())
    };
    for r in results {
        let what = match &r.step {
            Some(step) => format!("{} of `{step}`", r.metric.as_str()),
            None => r.metric.as_str().to_string(),
        };
        let Some(value) = r.actual else {
            // Kept without a value (nothing to recover from): the reason is the line.
            if r.passed {
                out.push_str(&format!("  ok   {what}: {}\n", r.source));
            } else {
                out.push_str(&format!("  FAIL {what}: no value ({})\n", r.source));
            }
            continue;
        };
        let actual = show_target_value(r.metric, value);
        let bound = match (r.min, r.max, r.passed) {
            (Some(min), _, false) if value < min => {
                format!("below the minimum {}", show_target_value(r.metric, min))
            }
            (_, Some(max), false) => {
                format!("above the maximum {}", show_target_value(r.metric, max))
            }
            (Some(min), Some(max), true) => format!(
                "within {} to {}",
                show_target_value(r.metric, min),
                show_target_value(r.metric, max)
            ),
            (Some(min), None, true) => format!("at least {}", show_target_value(r.metric, min)),
            (None, Some(max), true) => format!("at most {}", show_target_value(r.metric, max)),
            _ => String::new(),
        };
        let mark = if r.passed { "ok  " } else { "FAIL" };
        out.push_str(&format!(
            "  {mark} {what}: {actual}, {bound} ({})\n",
            r.source
        ));
    }
    out
}
