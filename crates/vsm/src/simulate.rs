//! `vsm simulate`'s flags read, and what it shows: the what-if simulation of a map, and how it
//! compares with the measured log.

use std::fmt::Write as _;

use serde_json::json;
use vsm_core::simulate::{ConstraintReason, Durations, Interval, Projection, StepModel};
use vsm_core::{Duration, ValueStream};

use vsm_app::simulate::{TOLERANCE_PERCENT, Validation, WipLimit};

/// An arrival rate as written on the command line: `30/week`, `4/day`, `0.5/h`.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let help = "write a number of items per hour, day or week, e.g. `30/week`, `4/day` or `0.5/h`";
    let (count, unit) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not a rate: {help}"))?;
    let count: f64 = count
        .trim()
        .parse()
        .map_err(|_| format!("`{count}` is not a number: {help}"))?;
    let per_week = match unit.trim() {
        "h" | "hour" => 168.0,
        "d" | "day" => 7.0,
        "w" | "week" => 1.0,
        other => return Err(format!("`{other}` is not a unit of time here: {help}")),
    };
    if !count.is_finite() || count <= 0.0 {
        return Err(format!("`{text}` is not a positive rate: {help}"));
    }
    Ok(count * per_week)
}

/// `STEP=N` on the command line.
pub fn parse_setting(text: &str) -> Result<(String, u32), String> {
    let help = "write the step id and a whole number of at least 1, e.g. `review=2`";
    let (step, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` has no `=`: {help}"))?;
    let value: u32 = value
        .trim()
        .parse()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| format!("`{value}` is not a whole number of at least 1: {help}"))?;
    Ok((step.trim().to_string(), value))
}

/// `N` or `STEP=N` on the command line.
pub fn parse_wip_limit(text: &str) -> Result<WipLimit, String> {
    if text.contains('=') {
        let (step, n) = parse_setting(text)?;
        return Ok(WipLimit::Step(step, n));
    }
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .map(WipLimit::Stream)
        .ok_or_else(|| {
            format!("`{text}` is not a WIP limit: write a whole number of at least 1 for the whole stream (`20`), or a step and one (`review=3`)")
        })
}

fn durations_source(model: &StepModel) -> String {
    let source = match &model.durations {
        Durations::Measured(pairs) => {
            let scaled = match model.scaled {
                (true, true) => ", wait and process scaled to the design",
                (true, false) => ", wait scaled to the design",
                (false, true) => ", process scaled to the design",
                (false, false) => "",
            };
            format!("measured ({} items){scaled}", pairs.len())
        }
        Durations::Estimated { .. } => "estimated".to_string(),
    };
    if model.capacity.is_some() {
        // The drawn wait is not used: it comes from the queue.
        format!("{source}; wait from the queue")
    } else {
        source
    }
}

fn with_interval(value: Duration, interval: Option<Interval>) -> String {
    match interval {
        Some(i) => format!(
            "{} ({} to {})",
            value.human(),
            i.low.human(),
            i.high.human()
        ),
        None => value.human(),
    }
}

pub struct Report<'a> {
    pub stream: &'a ValueStream,
    pub models: &'a [StepModel],
    pub projection: &'a Projection,
    pub arrivals_source: &'a str,
    pub wip_limit: Option<u32>,
    pub validation: Option<&'a Validation>,
}

pub fn text(report: &Report<'_>) -> String {
    let (stream, models, p) = (report.stream, report.models, report.projection);
    let mut out = format!(
        "Simulation of {}: {} items, seed {}, {} replications\n",
        stream.name, p.items, p.seed, p.replications
    );
    let _ = writeln!(
        out,
        "  arrivals {:.1} per week ({})",
        p.arrivals_per_week, report.arrivals_source
    );
    if let Some(limit) = report.wip_limit {
        let _ = writeln!(
            out,
            "  WIP limit {limit} items in the stream; mean wait to enter {}",
            p.mean_entry_wait.human()
        );
    }
    let _ = writeln!(out, "\nLead time (95% confidence interval in brackets)");
    for (name, value, interval) in p.percentiles() {
        let _ = writeln!(out, "  {name}  {}", with_interval(value, interval));
    }
    let _ = writeln!(
        out,
        "  mean {}   min {}   max {}",
        p.lead_time.mean.human(),
        p.lead_time.min.human(),
        p.lead_time.max.human()
    );
    let _ = writeln!(
        out,
        "Throughput {:.1} items per week",
        p.throughput_per_week
    );
    let _ = writeln!(
        out,
        "\n{:<24} {:>8} {:>10} {:>10} {:>8} {:>7} {:>7}  durations",
        "Step", "passes", "wait", "process", "util.", "queue", "in work"
    );
    for ((step, model), s) in stream.steps.iter().zip(models).zip(&p.steps) {
        let utilization = s
            .utilization
            .map_or_else(|| "-".to_string(), |u| format!("{:.0}%", u * 100.0));
        let mut name = step.id.clone();
        if let Some(capacity) = model.capacity {
            let _ = write!(name, " [cap {capacity}]");
        }
        if model.batch_size > 1 {
            let _ = write!(name, " [batch {}]", model.batch_size);
        }
        if let Some(limit) = model.wip_limit {
            let _ = write!(name, " [wip {limit}]");
        }
        let _ = writeln!(
            out,
            "{:<24} {:>8} {:>10} {:>10} {:>8} {:>7.1} {:>7.1}  {}",
            name,
            s.passes,
            s.mean_wait.human(),
            s.mean_process.human(),
            utilization,
            s.mean_queue_length,
            s.mean_in_work,
            durations_source(model)
        );
    }
    if let Some((index, reason)) = p.constraint {
        let step = &stream.steps[index];
        let why = match reason {
            ConstraintReason::Utilization => format!(
                "the busiest step with a capacity ({:.0}% busy)",
                p.steps[index].utilization.unwrap_or(0.0) * 100.0
            ),
            ConstraintReason::TimeInStep => {
                "no step has a capacity; items spend the longest here".to_string()
            }
        };
        let _ = writeln!(out, "\nConstraint: {} ({}): {why}", step.name, step.id);
    }
    for (step, s) in stream.steps.iter().zip(&p.steps) {
        if s.utilization.is_some_and(|u| u > 0.98) {
            let _ = writeln!(
                out,
                "warning: {} is busy {:.0}% of the time: items arrive faster than it works, so its queue grows for as long as the run lasts",
                step.id,
                s.utilization.unwrap_or(0.0) * 100.0
            );
        }
    }
    if let Some(v) = report.validation {
        let [d50, d85, d95] = v.difference_percent;
        let _ = writeln!(
            out,
            "\nAgainst the log: {} items passed every step: p50 {}, p85 {}, p95 {}",
            v.measured.count,
            v.measured.p50.human(),
            v.measured.p85.human(),
            v.measured.p95.human()
        );
        let _ = writeln!(
            out,
            "  simulated differs by {d50:+.1}%, {d85:+.1}%, {d95:+.1}%: {} the ±{TOLERANCE_PERCENT}% tolerance",
            if v.within { "within" } else { "OUTSIDE" }
        );
    }
    out
}

fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

pub fn json(report: &Report<'_>) -> String {
    let (stream, models, p) = (report.stream, report.models, report.projection);
    let steps: Vec<serde_json::Value> = stream
        .steps
        .iter()
        .zip(models)
        .zip(&p.steps)
        .map(|((step, model), s)| {
            json!({
                "id": step.id,
                "name": step.name,
                "capacity": model.capacity,
                "batch_size": model.batch_size,
                "wip_limit": model.wip_limit,
                "durations": durations_source(model),
                "passes": s.passes,
                "mean_wait_seconds": seconds(s.mean_wait),
                "mean_process_seconds": seconds(s.mean_process),
                "utilization": s.utilization,
                "mean_queue_length": s.mean_queue_length,
                "mean_in_work": s.mean_in_work,
            })
        })
        .collect();
    let mut lead_time = serde_json::Map::new();
    for (name, value, interval) in p.percentiles() {
        lead_time.insert(name.into(), json!(seconds(value)));
        lead_time.insert(
            format!("{name}_interval"),
            vsm_render::json::interval(interval),
        );
    }
    for (name, value) in [
        ("mean", p.lead_time.mean),
        ("min", p.lead_time.min),
        ("max", p.lead_time.max),
    ] {
        lead_time.insert(name.into(), json!(seconds(value)));
    }
    let value = json!({
        "map": stream.name,
        "items": p.items,
        "seed": p.seed,
        "replications": p.replications,
        "arrivals_per_week": p.arrivals_per_week,
        "arrivals_source": report.arrivals_source,
        "wip_limit": report.wip_limit,
        "mean_entry_wait_seconds": seconds(p.mean_entry_wait),
        "lead_time_seconds": lead_time,
        "throughput_per_week": p.throughput_per_week,
        "steps": steps,
        "constraint": p.constraint.map(|(index, reason)| json!({
            "step": stream.steps[index].id,
            "reason": match reason {
                ConstraintReason::Utilization => "utilization",
                ConstraintReason::TimeInStep => "time_in_step",
            },
        })),
        "validation": report.validation.map(|v| json!({
            "items": v.measured.count,
            "measured_seconds": {
                "p50": seconds(v.measured.p50),
                "p85": seconds(v.measured.p85),
                "p95": seconds(v.measured.p95),
            },
            "difference_percent": {
                "p50": v.difference_percent[0],
                "p85": v.difference_percent[1],
                "p95": v.difference_percent[2],
            },
            "tolerance_percent": TOLERANCE_PERCENT,
            "within": v.within,
        })),
    });
    let mut text = serde_json::to_string_pretty(&value).expect("serializes");
    text.push('\n');
    text
}
