//! The what-if simulation of a stream's map, as `vsm simulate` runs it with its defaults (10,000
//! items in 10 replications, seed 1): the same seed gives the same numbers on every page load
//! and every replica. Bounded: the items are fixed (fewer for a map of more than 200 steps), and
//! simulations run one per CPU at a time on the blocking threads, so page loads cannot pile up
//! work.

use serde::Serialize;
use vsm_app::Loaded;
use vsm_app::simulate::{Model, Request};

/// `vsm simulate`'s defaults.
pub const ITEMS: u64 = 10_000;
pub const SEED: u64 = 1;
pub const REPLICATIONS: u32 = 10;
/// The most step passes one simulation costs (the default items through 200 steps): a larger
/// map is simulated with fewer items, which the page and the JSON's `items` say.
pub const BUDGET: u64 = ITEMS * 200;

/// The items a map of `steps` steps is simulated with.
pub fn items_for(steps: usize) -> u64 {
    (BUDGET / steps.max(1) as u64).clamp(u64::from(REPLICATIONS) * 10, ITEMS)
}

/// A simulation for the page and the API.
#[derive(Debug)]
pub struct Simulation {
    /// The JSON `vsm simulate --format json` prints.
    pub json: String,
    /// The text `vsm simulate` prints.
    pub text: String,
    pub summary: Summary,
}

/// What the page shows first, told for people.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub items: u64,
    pub seed: u64,
    pub replications: u32,
    pub model: &'static str,
    pub arrivals: String,
    pub arrivals_source: String,
    /// `p50`, `p85`, `p95` with their 95% intervals, and the mean.
    pub lead_time: Vec<(String, String, String)>,
    pub throughput: String,
    pub constraint: Option<String>,
    pub steps: Vec<SimulatedStep>,
}

#[derive(Debug, Serialize)]
pub struct SimulatedStep {
    pub name: String,
    pub wait: String,
    pub process: String,
    pub utilization: String,
    pub queue: String,
    pub constraint: bool,
}

/// Simulates the loaded map as `vsm simulate` does by default; an error says why it cannot.
pub fn run(loaded: &Loaded) -> Result<Simulation, String> {
    let request = Request {
        items: items_for(loaded.stream.steps.len()),
        seed: SEED,
        arrivals: None,
        wip_limits: Vec::new(),
        capacity: Vec::new(),
        batch: Vec::new(),
        replications: REPLICATIONS,
        model: Model::Calibrated,
    };
    let simulated = vsm_app::simulate::simulate(loaded, &request).map_err(|e| format!("{e:#}"))?;
    let report = simulated.report(&loaded.stream);
    let stream = &loaded.stream;
    let (json, text, summary) = stream.told(|| {
        let projection = &simulated.projection;
        let interval = |i: Option<vsm_core::simulate::Interval>| {
            i.map_or_else(String::new, |i| {
                format!("{} to {}", i.low.human(), i.high.human())
            })
        };
        let constraint = projection.constraint.map(|(index, _)| index);
        let lead_time = projection
            .percentiles()
            .into_iter()
            .map(|(percentile, value, range)| {
                (percentile.to_string(), value.human(), interval(range))
            })
            .chain(std::iter::once((
                "mean".to_string(),
                projection.lead_time.mean.human(),
                String::new(),
            )))
            .collect();
        let summary = Summary {
            items: projection.items,
            seed: projection.seed,
            replications: projection.replications,
            model: simulated.model.as_str(),
            arrivals: format!(
                "{}/week",
                vsm_core::format_number(projection.arrivals_per_week, 1)
            ),
            arrivals_source: simulated.arrivals_source.clone(),
            lead_time,
            throughput: format!(
                "{}/week",
                vsm_core::format_number(projection.throughput_per_week, 1)
            ),
            constraint: constraint.map(|index| stream.steps[index].name.clone()),
            steps: stream
                .steps
                .iter()
                .zip(&projection.steps)
                .enumerate()
                .map(|(index, (step, numbers))| SimulatedStep {
                    name: step.name.clone(),
                    wait: numbers.mean_wait.human(),
                    process: numbers.mean_process.human(),
                    utilization: numbers
                        .utilization
                        .map_or_else(|| "–".to_string(), |u| vsm_core::format_percent(u * 100.0)),
                    queue: vsm_core::format_number(numbers.mean_queue_length, 1),
                    constraint: constraint == Some(index),
                })
                .collect(),
        };
        (
            vsm_render::simulate::json(&report),
            vsm_render::simulate::text(&report),
            summary,
        )
    });
    Ok(Simulation {
        json,
        text,
        summary,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_large_map_is_simulated_with_fewer_items() {
        assert_eq!(super::items_for(9), super::ITEMS);
        assert_eq!(super::items_for(400), super::ITEMS / 2);
        assert_eq!(super::items_for(1_000_000), 100);
    }
}
