use super::*;

const HOUR: i64 = 3_600_000;

fn stream(yaml: &str) -> ValueStream {
    crate::parse_map(yaml).stream.expect("a valid map")
}

/// Every step takes exactly these (wait, process) hours.
fn fixed(stream: &ValueStream, hours: &[(i64, i64)]) -> Vec<StepModel> {
    stream
        .steps
        .iter()
        .zip(hours)
        .map(|(step, &(wait, process))| StepModel {
            durations: Durations::Measured(vec![(wait * HOUR, process * HOUR)]),
            capacity: step.capacity,
            batch_size: step.batch_size.unwrap_or(1),
            scaled: (false, false),
        })
        .collect()
}

fn config(items: u64, arrivals_per_week: f64) -> Config {
    Config {
        items,
        seed: 7,
        arrivals_per_week,
        wip_limit: None,
        replications: 10,
    }
}

fn hours(duration: Duration) -> f64 {
    duration.as_secs_f64() / 3_600.0
}

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance * expected.abs(),
        "{actual} is not within {}% of {expected}",
        tolerance * 100.0
    );
}

#[test]
fn fixed_durations_add_up_along_the_longest_branch() {
    // a -> (b, c) -> d: lead time = a + max(b, c) + d, for every item.
    let s = stream(
        "name: J\nsteps:\n  - { id: a }\n  - { id: b, after: a }\n  - { id: c, after: a }\n  - { id: d, after: [b, c] }\n",
    );
    let models = fixed(&s, &[(1, 1), (2, 3), (0, 1), (4, 2)]);
    let projection = simulate(&s, &models, &config(1_000, 10.0));
    assert_eq!(projection.lead_time.count, 1_000);
    assert_eq!(projection.lead_time.min, Duration::from_hours(2 + 5 + 6));
    assert_eq!(projection.lead_time.max, Duration::from_hours(13));
    assert!(projection.steps.iter().all(|s| s.passes == 1_000));
    let interval = projection.p85_interval.unwrap();
    assert_eq!(
        (interval.low, interval.high),
        (Duration::from_hours(13), Duration::from_hours(13))
    );
    // No capacity anywhere: the constraint is where items spend the longest (d: 6h).
    assert_eq!(
        projection.constraint,
        Some((3, ConstraintReason::TimeInStep))
    );
}

#[test]
fn the_same_seed_gives_the_same_projection() {
    let s = stream(
        "name: S\nsteps:\n  - { id: a, process_time: 2h, wait_time: 1d, capacity: 2 }\n  - { id: b, process_time: 1h, wait_time: 4h, complete_accurate: 70% }\nrework:\n  - { from: b, to: a }\n",
    );
    let models = models(&s, None);
    let one = simulate(&s, &models, &config(20_000, 20.0));
    let two = simulate(&s, &models, &config(20_000, 20.0));
    assert_eq!(one, two);
    let other = simulate(
        &s,
        &models,
        &Config {
            seed: 8,
            ..config(20_000, 20.0)
        },
    );
    assert_ne!(one.lead_time, other.lead_time);
}

#[test]
fn a_single_server_queue_matches_queueing_theory() {
    // M/D/1: Poisson arrivals at 0.5 per hour, 1h of work each, one server.
    // Pollaczek-Khinchine: mean wait = rho / (2 mu (1 - rho)) = 0.5h, mean queue = lambda Wq = 0.25.
    let s = stream("name: Q\nsteps:\n  - { id: a, capacity: 1 }\n");
    let models = fixed(&s, &[(99, 1)]);
    let projection = simulate(&s, &models, &config(200_000, 0.5 * 168.0));
    let step = &projection.steps[0];
    close(hours(step.mean_wait), 0.5, 0.05);
    close(step.mean_queue_length, 0.25, 0.05);
    close(step.utilization.unwrap(), 0.5, 0.02);
    close(projection.throughput_per_week, 84.0, 0.02);
    assert_eq!(
        projection.constraint,
        Some((0, ConstraintReason::Utilization))
    );
    // The drawn wait (99h) is ignored: a step with a capacity queues instead.
    assert!(projection.lead_time.p95 < Duration::from_hours(5));
}

#[test]
fn a_wip_limit_holds_items_back_at_the_entry() {
    // The same queue, made by a WIP limit of 1 in front of an unlimited step.
    let s = stream("name: W\nsteps:\n  - { id: a }\n");
    let models = fixed(&s, &[(0, 1)]);
    let limited = Config {
        wip_limit: Some(1),
        ..config(200_000, 0.5 * 168.0)
    };
    let projection = simulate(&s, &models, &limited);
    close(hours(projection.mean_entry_wait), 0.5, 0.05);
    close(hours(projection.lead_time.mean), 1.5, 0.03);
}

#[test]
fn rework_sends_items_around_again() {
    // b fails half the time and sends the item back to a: 2 passes on average; the side branch
    // x after a is not passed again.
    let s = stream(
        "name: R\nsteps:\n  - { id: a }\n  - { id: b, after: a }\n  - { id: x, after: a }\nrework:\n  - { from: b, to: a, share: 50% }\n",
    );
    let models = fixed(&s, &[(0, 1), (0, 1), (0, 1)]);
    let projection = simulate(&s, &models, &config(100_000, 100.0));
    close(projection.steps[0].passes as f64, 200_000.0, 0.01);
    close(projection.steps[1].passes as f64, 200_000.0, 0.01);
    assert_eq!(projection.steps[2].passes, 100_000);
    // Lead time: 2h per pass, 2 passes on average; the expected value the analysis gives.
    close(hours(projection.lead_time.mean), 4.0, 0.02);
}

#[test]
fn a_batch_starts_when_it_is_full() {
    // Items arrive one per hour on average; a batch of 5 waits for 2 more items on average
    // ((5 - 1) / 2 arrivals), then 1h of work covers all five.
    let s = stream("name: B\nsteps:\n  - { id: release, batch_size: 5 }\n");
    let models = fixed(&s, &[(0, 1)]);
    let projection = simulate(&s, &models, &config(100_000, 168.0));
    close(hours(projection.steps[0].mean_wait), 2.0, 0.03);
    close(hours(projection.lead_time.mean), 3.0, 0.03);
    assert_eq!(projection.steps[0].passes, 100_000);
    // The last partial batch still goes: every item finishes.
    assert_eq!(projection.lead_time.count, 100_000);
    let odd = simulate(&s, &models, &config(1_003, 168.0));
    assert_eq!(odd.lead_time.count, 1_003);
}

#[test]
fn estimates_are_drawn_around_their_median() {
    let s = stream("name: E\nsteps:\n  - { id: a, process_time: 2h, wait_time: 10h }\n");
    let projection = simulate(&s, &models(&s, None), &config(100_000, 100.0));
    // The sum of two log-normals with medians 10h and 2h: its median is near 12.5h.
    let p50 = hours(projection.lead_time.p50);
    assert!((11.5..13.5).contains(&p50), "p50 {p50}h");
    let ci = projection.p50_interval.unwrap();
    assert!(ci.low <= projection.lead_time.p50 && projection.lead_time.p50 <= ci.high);
    assert!(hours(ci.high) - hours(ci.low) < 0.5, "{ci:?}");
}
