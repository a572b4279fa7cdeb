//! `vsm simulate`'s flags as written on the command line: rates, `STEP=N` settings, WIP limits.

use vsm_app::simulate::{Model, WipLimit};

/// The model `--model` picks.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ModelArg {
    Calibrated,
    Fitted,
}

impl From<ModelArg> for Model {
    fn from(model: ModelArg) -> Model {
        match model {
            ModelArg::Calibrated => Model::Calibrated,
            ModelArg::Fitted => Model::Fitted,
        }
    }
}

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
    let value = at_least_one(value)
        .ok_or_else(|| format!("`{value}` is not a whole number of at least 1: {help}"))?;
    Ok((step.trim().to_string(), value))
}

/// `N` or `STEP=N` on the command line.
pub fn parse_wip_limit(text: &str) -> Result<WipLimit, String> {
    if text.contains('=') {
        let (step, n) = parse_setting(text)?;
        return Ok(WipLimit::Step(step, n));
    }
    at_least_one(text).map(WipLimit::Stream).ok_or_else(|| {
        format!("`{text}` is not a WIP limit: write a whole number of at least 1 for the whole stream (`20`), or a step and one (`review=3`)")
    })
}

/// A whole number of at least 1, spaces around it allowed.
fn at_least_one(text: &str) -> Option<u32> {
    text.trim().parse().ok().filter(|n| *n >= 1)
}
