//! `vsm simulate`: the what-if simulation of a map, and how it compares with the measured log.

use anyhow::{Result, bail};
use vsm_core::ValueStream;
use vsm_core::simulate::{Projection, StepModel};

use crate::measure::Measured;

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

/// A `--wip-limit`: for the whole stream, or for one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WipLimit {
    Stream(u32),
    Step(String, u32),
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

/// The one stream-wide limit among the `--wip-limit`s.
pub fn stream_wip_limit(limits: &[WipLimit]) -> Result<Option<u32>> {
    let mut stream = limits.iter().filter_map(|w| match w {
        WipLimit::Stream(n) => Some(*n),
        WipLimit::Step(..) => None,
    });
    let first = stream.next();
    if let (Some(a), Some(b)) = (first, stream.next()) {
        bail!(
            "--wip-limit {a} and --wip-limit {b}: give one limit for the whole stream (per step: `--wip-limit STEP=N`)"
        );
    }
    Ok(first)
}

/// Applies `--capacity`, `--batch` and per-step `--wip-limit` to the models.
pub fn override_models(
    stream: &ValueStream,
    models: &mut [StepModel],
    capacity: &[(String, u32)],
    batch: &[(String, u32)],
    wip: &[(String, u32)],
) -> Result<()> {
    for (settings, what) in [
        (capacity, "--capacity"),
        (batch, "--batch"),
        (wip, "--wip-limit"),
    ] {
        for (id, value) in settings {
            let Some(index) = stream.step_index(id) else {
                let ids: Vec<&str> = stream.steps.iter().map(|s| s.id.as_str()).collect();
                let hint = vsm_core::diagnostic::did_you_mean(id, ids.iter().copied())
                    .map_or_else(String::new, |close| format!("did you mean `{close}`? "));
                bail!(
                    "{what} {id}={value}: the map has no step `{id}`; {hint}its steps are {}",
                    ids.join(", ")
                );
            };
            match what {
                "--capacity" => models[index].capacity = Some(*value),
                "--batch" => models[index].batch_size = *value,
                _ => models[index].wip_limit = Some(*value),
            }
        }
    }
    Ok(())
}

/// The arrival rate to use and where it comes from.
pub fn arrivals(
    given: Option<f64>,
    measured: Option<&Measured>,
    models: &[StepModel],
    stream_wip_limit: Option<u32>,
) -> Result<(f64, String)> {
    if let Some(rate) = given {
        return Ok((rate, "--arrivals".to_string()));
    }
    if let Some(measured) = measured
        && let Some((first, last)) = measured.measurement.span
        && last > first
    {
        let items = measured.measurement.coverage.items_used;
        let weeks = (last - first) as f64 / (7.0 * 86_400_000.0);
        return Ok((
            items as f64 / weeks,
            format!("measured: {items} items over {weeks:.1} weeks of the log"),
        ));
    }
    if stream_wip_limit.is_some()
        || models
            .iter()
            .any(|m| m.capacity.is_some() || m.batch_size > 1 || m.wip_limit.is_some())
    {
        bail!(
            "the simulation has a capacity, a batch size or a WIP limit, so queues depend on how fast items arrive: give the rate with `--arrivals 10/week` (or measure the map from an event log)"
        );
    }
    Ok((
        1.0,
        "assumed (no capacity, batch or WIP limit, so it does not change lead times; give --arrivals for throughput)".to_string(),
    ))
}

/// Both maps of a comparison simulated with the same items, seed and arrivals (given, or the
/// current map's log's).
pub fn both(
    before: &crate::Loaded,
    after: &crate::Loaded,
    items: u64,
    seed: u64,
    arrivals_per_week: Option<f64>,
) -> Result<(Projection, Projection)> {
    let models = |loaded: &crate::Loaded| {
        vsm_core::simulate::models(
            &loaded.stream,
            loaded.measured.as_ref().map(|m| &m.measurement),
        )
    };
    let (models_before, models_after) = (models(before), models(after));
    let all: Vec<StepModel> = models_before.iter().chain(&models_after).cloned().collect();
    let (rate, _) = arrivals(arrivals_per_week, before.measured.as_ref(), &all, None)?;
    let config = vsm_core::simulate::Config {
        items,
        seed,
        arrivals_per_week: rate,
        wip_limit: None,
        replications: 10,
    };
    Ok((
        vsm_core::simulate::simulate(&before.stream, &models_before, &config),
        vsm_core::simulate::simulate(&after.stream, &models_after, &config),
    ))
}
