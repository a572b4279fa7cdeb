//! Simulation speed: `cargo bench -p vsm-core`. The target: a million items in a few seconds.

use vsm_core::simulate::{self, Config, Durations, Projection};

fn main() {
    divan::main();
}

const EXAMPLE: &str = include_str!("../../../examples/feature-delivery.yaml");

fn config(arrivals_per_week: f64) -> Config {
    Config {
        items: 1_000_000,
        seed: 1,
        arrivals_per_week,
        wip_limit: None,
        replications: 10,
    }
}

/// The 9-step example with its two rework loops, estimated durations (log-normal draws), and
/// queues at two steps with a capacity.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn million_items_9_steps_with_rework_and_queues() -> Projection {
    let stream = vsm_core::parse_map(EXAMPLE).stream.expect("a valid map");
    let mut models = simulate::models(&stream, None);
    models[5].capacity = Some(2);
    models[7].batch_size = 5;
    simulate::simulate(&stream, &models, &config(10.0))
}

/// Five steps drawing from 1,000 measured items each (bootstrap), no capacity limits.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn million_items_5_measured_steps() -> Projection {
    let stream = vsm_core::parse_map(
        "name: M\nsteps:\n  - { id: a }\n  - { id: b }\n  - { id: c }\n  - { id: d }\n  - { id: e }\n",
    )
    .stream
    .expect("a valid map");
    let mut models = simulate::models(&stream, None);
    for (index, model) in models.iter_mut().enumerate() {
        let pairs = (0..1_000_i64)
            .map(|i| (i * 3_600_000 * (index as i64 + 1), i * 60_000))
            .collect();
        model.durations = Durations::Measured(pairs);
    }
    simulate::simulate(&stream, &models, &config(30.0))
}
