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

/// The value checked, with as many more digits than [`show_target_value`] gives as it takes to
/// differ from each bound it is not equal to: `23.62d` against a maximum of `23.6d`, `0.0138%`
/// against a minimum of `0.0139%`, never the same text on both sides of "above". `day` is the
/// working day durations are told in (`None`: calendar days).
fn show_actual(
    metric: vsm_core::model::TargetMetric,
    value: f64,
    bounds: &[f64],
    day: Option<vsm_core::Duration>,
) -> String {
    let shown = |v: f64, extra: usize| match metric.kind() {
        TargetKind::Duration => {
            let duration = vsm_core::Duration::from_millis(v.max(0.0) as u64);
            match day {
                Some(day) if duration >= day => format!(
                    "{}d",
                    vsm_core::format_number(v / day.as_millis() as f64, 1 + extra)
                ),
                // The rounded form, then the exact one (every unit down to milliseconds).
                _ if extra == 0 => duration.human(),
                _ => duration.to_string(),
            }
        }
        TargetKind::Percent => format!(
            "{}%",
            vsm_core::format_number(v, vsm_core::percent::percent_decimals(v) + extra)
        ),
        TargetKind::Rate => format!("{}/day", vsm_core::format_number(v, 2 + extra)),
    };
    let differs = |extra: usize| {
        bounds
            .iter()
            .all(|&b| (b - value).abs() < 1e-9 || shown(value, extra) != shown(b, extra))
    };
    let extra = (0..=8).find(|&extra| differs(extra)).unwrap_or(8);
    shown(value, extra)
}

/// A bound as the map wrote it (`23.6d`, `0.0139%`), else as reports show it.
fn show_bound(metric: vsm_core::model::TargetMetric, value: f64, written: Option<&str>) -> String {
    written.map_or_else(|| show_target_value(metric, value), str::to_string)
}

/// The check for people: `map` is the map file as the user named it, `time` its working time
/// (durations are told in the days it counts, and the last line says which).
pub fn text(map: &str, results: &[TargetResult], time: &vsm_core::WorkingTime) -> String {
    let day = time
        .told_day()
        .filter(|day| *day != vsm_core::Duration::from_days(1));
    let mut out = vsm_core::in_working_days(time.told_day(), || text_told(map, results, day));
    if results
        .iter()
        .any(|r| r.metric.kind() == TargetKind::Duration)
    {
        out.push_str(&format!("Days: {}.\n", time.convention()));
    }
    out
}

fn text_told(map: &str, results: &[TargetResult], day: Option<vsm_core::Duration>) -> String {
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
        let bounds: Vec<f64> = r.min.into_iter().chain(r.max).collect();
        let actual = show_actual(r.metric, value, &bounds, day);
        let min = |min| show_bound(r.metric, min, r.written.min.as_deref());
        let max = |max| show_bound(r.metric, max, r.written.max.as_deref());
        let bound = match (r.min, r.max, r.passed) {
            (Some(low), _, false) if value < low => format!("below the minimum {}", min(low)),
            (_, Some(high), false) => format!("above the maximum {}", max(high)),
            (Some(low), Some(high), true) => format!("within {} to {}", min(low), max(high)),
            (Some(low), None, true) => format!("at least {}", min(low)),
            (None, Some(high), true) => format!("at most {}", max(high)),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Learning to See's Acme Stamping with targets right at its numbers (the reviewer's).
    fn checked(targets: &str) -> String {
        let source = format!(
            "{}\ntargets:\n{targets}",
            include_str!("../../../examples/textbook-acme-stamping.yaml")
        );
        let stream = vsm_core::parse_map(&source).stream.unwrap();
        let analysis = vsm_core::analyze(&stream);
        let metrics = vsm_core::metrics::of(&stream, &analysis, None);
        let results = vsm_core::check::check(
            &stream,
            &metrics,
            vsm_core::check::Basis::Live { provenance: &[] },
            "",
        );
        text("acme.yaml", &results, &stream.working_time)
    }

    #[test]
    fn a_value_just_past_its_bound_is_shown_with_the_digits_that_tell_them_apart() {
        // Was `23.6d, above the maximum 23.6d` and `0.014%, below the minimum 0.014%`.
        let out = checked(
            "  lead_time: { max: 23.6d }\n  activity_ratio: { min: 0.0139% }\n  process_time: { max: 188s }\n",
        );
        assert!(
            out.contains("FAIL lead_time: 23.62d, above the maximum 23.6d"),
            "{out}"
        );
        assert!(
            out.contains("FAIL activity_ratio: 0.0138%, below the minimum 0.0139%"),
            "{out}"
        );
        // Equal to its bound: met, both shown alike.
        assert!(
            out.contains("ok   process_time: 3m 8s, at most 188s"),
            "{out}"
        );
        // Far from its bound: the usual rounding.
        let out = checked("  lead_time: { max: 30d }\n");
        assert!(out.contains("ok   lead_time: 23.6d, at most 30d"), "{out}");
    }
}
