//! `vsm check`: the map's numbers (its latest snapshot, or measured now) against its targets.

use std::path::Path;

use vsm_core::check::TargetResult;

fn show_target_value(metric: vsm_core::model::TargetMetric, value: f64) -> String {
    if metric.is_duration() {
        vsm_core::Duration::from_millis(value.max(0.0) as u64).human()
    } else {
        vsm_core::format_percent(value)
    }
}

pub fn text(file: &Path, results: &[TargetResult]) -> String {
    if results.is_empty() {
        return format!(
            "{}: no targets to check; add `targets:` to the map (see docs/map-format.md)\n",
            file.display()
        );
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    let mut out = if failed == 0 {
        format!("{}: all {} targets met\n", file.display(), results.len())
    } else {
        format!(
            "{}: {failed} of {} targets failed\n",
            file.display(),
            results.len()
        )
    };
    for r in results {
        let what = match &r.step {
            Some(step) => format!("{} of `{step}`", r.metric.as_str()),
            None => r.metric.as_str().to_string(),
        };
        let Some(value) = r.actual else {
            out.push_str(&format!("  FAIL {what}: no value ({})\n", r.source));
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

pub fn json(results: &[TargetResult]) -> String {
    let items: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let unit = if r.metric.is_duration() { 0.001 } else { 1.0 };
            serde_json::json!({
                "metric": r.metric.as_str(),
                "step": r.step,
                "unit": if r.metric.is_duration() { "seconds" } else { "percent" },
                "actual": r.actual.map(|v| v * unit),
                "min": r.min.map(|v| v * unit),
                "max": r.max.map(|v| v * unit),
                "passed": r.passed,
                "source": r.source,
            })
        })
        .collect();
    let failed = results.iter().filter(|r| !r.passed).count();
    let mut text = serde_json::to_string_pretty(
        &serde_json::json!({ "passed": failed == 0, "failed": failed, "targets": items }),
    )
    .expect("serializes");
    text.push('\n');
    text
}
