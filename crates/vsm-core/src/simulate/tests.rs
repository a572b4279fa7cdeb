use super::*;
use crate::{Duration, graph};

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
            capacity_from_log: false,
            batch_size: step.batch_size.unwrap_or(1),
            wip_limit: step.wip_limit,
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
fn a_run_shorter_than_its_lead_time_says_its_throughput_is_not_steady() {
    // 100 items a replication at 4,600 a week arrive within about 2h 11m; each takes 72h, so
    // none has finished when the last arrives: no window of arrivals and completions.
    let s = stream("name: T\nsteps:\n  - { id: a }\n");
    let models = fixed(&s, &[(72, 0)]);
    let short = simulate(&s, &models, &config(1_000, 4_600.0));
    assert!(!short.throughput_steady);
    // A run of weeks has one, and it is the arrival rate.
    let long = simulate(&s, &models, &config(1_000, 10.0));
    assert!(long.throughput_steady);
    close(long.throughput_per_week, 10.0, 0.15);
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
fn a_step_wip_limit_holds_items_before_the_step() {
    // At most one item in review, waiting (1h) or reviewed (1h): the step is a server with a
    // fixed 2h service. Arrivals 0.25 per hour: M/D/1 with rho 0.5, so items wait
    // rho D / (2 (1 - rho)) = 1h to enter, then their 1h: 2h of wait in the step.
    let s = stream("name: K\nsteps:\n  - { id: review, wip_limit: 1 }\n");
    let models = fixed(&s, &[(1, 1)]);
    let projection = simulate(&s, &models, &config(200_000, 0.25 * 168.0));
    close(hours(projection.steps[0].mean_wait), 2.0, 0.05);
    close(hours(projection.lead_time.mean), 3.0, 0.04);
    // Without the limit, no one waits longer than the drawn hour.
    let free = fixed(&stream("name: K\nsteps:\n  - { id: review }\n"), &[(1, 1)]);
    let projection = simulate(&s, &free, &config(10_000, 0.25 * 168.0));
    assert_eq!(projection.lead_time.max, Duration::from_hours(2));
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

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// A random stream: step i follows a subset of the steps before it (`links` picks them).
    fn random_stream(links: &[Vec<bool>], loop_from: Option<(usize, usize, u8)>) -> String {
        let mut yaml = String::from("name: P\nsteps:\n");
        for (i, from) in links.iter().enumerate() {
            let after: Vec<String> = (0..i)
                .filter(|&j| from.get(j).copied().unwrap_or(false))
                .map(|j| format!("s{j}"))
                .collect();
            yaml.push_str(&format!(
                "  - {{ id: s{i}, after: [{}] }}\n",
                after.join(", ")
            ));
        }
        if let Some((from, to, share)) = loop_from {
            let (from, to) = (from.max(to), from.min(to));
            yaml.push_str(&format!(
                "rework:\n  - {{ from: s{from}, to: s{to}, share: {share}% }}\n"
            ));
        }
        yaml
    }

    fn longest_path(stream: &ValueStream, hours: &[(i64, i64)]) -> i64 {
        let mut finish = vec![0_i64; stream.steps.len()];
        for (i, step) in stream.steps.iter().enumerate() {
            let start = step.after.iter().map(|&p| finish[p]).max().unwrap_or(0);
            finish[i] = start + hours[i].0 + hours[i].1;
        }
        finish.into_iter().max().unwrap_or(0)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Without capacity, batches or loops, every item takes the longest path exactly.
        #[test]
        fn fixed_durations_give_the_longest_path(
            links in prop::collection::vec(prop::collection::vec(any::<bool>(), 0..6), 1..7),
            hours in prop::collection::vec((0_i64..5, 0_i64..5), 7),
            items in 1_u64..60,
            seed in any::<u64>(),
        ) {
            let s = stream(&random_stream(&links, None));
            let models = fixed(&s, &hours);
            let projection = simulate(&s, &models, &Config { seed, ..config(items, 50.0) });
            let expected = Duration::from_hours(longest_path(&s, &hours) as u64);
            prop_assert_eq!(projection.lead_time.count, items);
            prop_assert_eq!(projection.lead_time.min, expected);
            prop_assert_eq!(projection.lead_time.max, expected);
            prop_assert!(projection.steps.iter().all(|step| step.passes == items));
        }

        /// Whatever the capacities, batches, WIP limits and rework, every item finishes, each step
        /// outside a loop is passed once per item, and no server is busy more than all the time.
        #[test]
        fn every_item_finishes_under_load(
            links in prop::collection::vec(prop::collection::vec(any::<bool>(), 0..6), 1..7),
            hours in prop::collection::vec((0_i64..3, 1_i64..4), 7),
            capacity in prop::collection::vec(prop::option::of(1_u32..3), 7),
            batch in prop::collection::vec(1_u32..4, 7),
            step_wip in prop::collection::vec(prop::option::of(1_u32..4), 7),
            wip in prop::option::of(1_u32..5),
            rework in prop::option::of((0_usize..7, 0_usize..7, 0_u8..60)),
            items in 1_u64..80,
            seed in any::<u64>(),
        ) {
            let n = links.len();
            // A loop goes back to the step itself or to one upstream of it.
            let plain = stream(&random_stream(&links, None));
            let rework = rework
                .map(|(a, b, share)| ((a % n).max(b % n), (a % n).min(b % n), share))
                .filter(|&(from, to, _)| {
                    from == to || graph::is_upstream(&plain.steps, to, from)
                });
            let s = stream(&random_stream(&links, rework));
            let mut models = fixed(&s, &hours);
            for (i, model) in models.iter_mut().enumerate() {
                model.capacity = capacity[i];
                model.batch_size = batch[i];
                model.wip_limit = step_wip[i];
            }
            let config = Config { seed, wip_limit: wip, ..config(items, 20.0) };
            let projection = simulate(&s, &models, &config);
            prop_assert_eq!(projection.lead_time.count, items);
            let looped: Vec<bool> = match s.rework.first() {
                Some(l) => graph::between(&s.steps, l.to, l.from),
                None => vec![false; n],
            };
            for (i, step) in projection.steps.iter().enumerate() {
                if looped[i] {
                    prop_assert!(step.passes >= items);
                } else {
                    prop_assert_eq!(step.passes, items, "step s{}", i);
                }
                if let Some(u) = step.utilization {
                    prop_assert!((0.0..=1.0 + 1e-9).contains(&u), "utilization {}", u);
                }
            }
            // Deterministic.
            prop_assert_eq!(simulate(&s, &models, &config), projection);
        }
    }
}

/// Found by fuzzing (`fuzz/` target `map`): two parallel branches that both send items back to
/// the step they fork from. An item returned by one branch while the other still held it was
/// told twice that a join step's predecessor was done: the count of predecessors it waits for
/// went below zero (a panic with overflow checks, a lost item without).
#[test]
fn parallel_branches_that_both_send_items_back_lose_no_item() {
    let stream = stream(
        "name: Forked rework
steps:
  - { id: build, process_time: 1h, wait_time: 1h }
  - { id: test, after: build, process_time: 2h, wait_time: 1h }
  - { id: audit, after: build, process_time: 3h, wait_time: 1h }
  - { id: ship, after: [test, audit], process_time: 1h, wait_time: 1h }
rework:
  - { from: test, to: build, share: 50% }
  - { from: audit, to: build, share: 40% }
",
    );
    let models = fixed(&stream, &[(1, 1), (1, 2), (1, 3), (1, 1)]);
    let projection = simulate(&stream, &models, &config(200, 20.0));
    assert_eq!(
        projection.lead_time.count, 200,
        "every item leaves the stream"
    );
}

#[test]
fn validation_compares_the_simulated_percentiles_with_the_measured_items() {
    let s = stream(
        "name: V\nsteps:\n  - { id: a, name: A, process_time: 1h }\n  - { id: b, name: B, process_time: 1h }\n",
    );
    let projection = simulate(&s, &fixed(&s, &[(0, 5), (0, 5)]), &config(100, 3.0));
    // Every item takes 10 hours; measured items took 10 or 11, 5 hours in each step (half of
    // them 6 in b).
    let log = |lead_times: Vec<i64>| Calibration {
        steps: vec![
            StepCalibration {
                samples: vec![(0, 5 * HOUR); lead_times.len()],
                visited: lead_times.len() as u64,
                ..StepCalibration::default()
            },
            StepCalibration {
                samples: lead_times.iter().map(|t| (0, t - 5 * HOUR)).collect(),
                visited: lead_times.len() as u64,
                ..StepCalibration::default()
            },
        ],
        span: 7 * 24 * HOUR,
        lead_times,
        ..Calibration::default()
    };
    let v = validate(
        &projection,
        &log((0..20).map(|i| (10 + i % 2) * HOUR).collect()),
    )
    .expect("items to compare with");
    assert_eq!(v.measured.count, 20);
    assert!(v.difference_percent[0].abs() < 1e-9);
    // Every simulated item takes 10 hours: at most that are the 10 measured ones of 10 hours.
    assert!(v.rank_percent.iter().all(|r| (r - 50.0).abs() < 1e-9));
    assert!(!v.sparse(0) && !v.sparse(1));
    assert!((v.difference_percent[2] - (10.0 - 11.0) * 100.0 / 11.0).abs() < 1e-9);
    // Half the items differ by an hour: half an hour of a 10.5h mean.
    assert!(
        (v.distance_percent - 0.5 * 100.0 / 10.5).abs() < 0.1,
        "{v:?}"
    );
    assert!(v.within, "{v:?}");
    assert_eq!(v.worst_step, None);
    assert_eq!(v.steps[1].visit_share, (1.0, 1.0));
    let slow = validate(&projection, &log(vec![20 * HOUR; 5])).expect("items");
    assert!(!slow.within);
    assert!(slow.rank_percent.iter().all(|r| r.abs() < 1e-9));
    assert!(!slow.sparse(0));
    // Half the items at 1 hour, half at 100: a p50 of 10 hours is 90% off in time, but half of
    // the measured items take at most that: the log is sparse there.
    let gap = validate(
        &projection,
        &log((0..20)
            .map(|i| if i < 10 { HOUR } else { 100 * HOUR })
            .collect()),
    )
    .expect("items");
    assert!(gap.difference_percent[0] > 10.0, "{gap:?}");
    assert!((gap.rank_percent[0] - 50.0).abs() < 1e-9);
    assert!(gap.sparse(0) && !gap.sparse(1), "{gap:?}");
    // b took 15 hours in the log and 5 in the simulation: 10 of the 20 hours.
    let (step, percent) = slow.worst_step.expect("a step to blame");
    assert_eq!(step, 1);
    assert!((percent + 50.0).abs() < 1e-6, "{percent}");
    assert_eq!(validate(&projection, &log(Vec::new())), None);
}

/// 300 items of a log through a → b → c: b's first-pass wait 10 to 59 hours (mean 34.5), a
/// third of the items leave after b.
fn log_of(stream: &ValueStream) -> Calibration {
    let routes: Vec<Route> = (0..300)
        .map(|i| {
            let visit = |step: u32, wait: i64, process: i64| Visit {
                step,
                wait: wait * HOUR,
                process: process * HOUR,
                passes: 1,
                ..Visit::default()
            };
            let mut visits = vec![visit(0, 0, 1 + i % 3), visit(1, 10 + i % 50, 2)];
            if i % 3 != 0 {
                visits.push(visit(2, i % 7, 1));
            }
            Route { visits, outside: 0 }
        })
        .collect();
    let mut calibration = Calibration {
        steps: vec![
            StepCalibration {
                timed: true,
                ..StepCalibration::default()
            };
            stream.steps.len()
        ],
        lead_times: routes.iter().map(Route::lead_time).collect(),
        gaps: vec![HOUR; 299],
        span: 299 * HOUR,
        routes,
        ..Calibration::default()
    };
    calibration.tally();
    calibration
}

#[test]
fn a_future_state_moves_the_calibrated_items_by_its_changes_only() {
    let current = stream(
        "name: C\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, process_time: 2h, wait_time: 1d }\n  - { id: c, process_time: 1h }\n",
    );
    let log = log_of(&current);
    let run = |future: &ValueStream| {
        let (calibration, changes) = for_future(&log, &current, future);
        let models = calibrated_models(future, &calibration, false);
        let projection =
            simulate_calibrated(future, &models, &config(20_000, 10.0), &calibration, true);
        (projection, changes)
    };
    let extending = |overlay: &str| {
        crate::parse_map_extending(overlay, &current)
            .stream
            .expect("a valid overlay")
    };
    let (now, _) = run(&current);
    // Nothing changed: the same items at the same instants, the same projection.
    let (same, changes) = run(&extending("extends: current.yaml\n"));
    assert_eq!(same, now);
    assert!(changes.steps.iter().all(|c| !c.changes()));
    let paired = differences(&now, &same).expect("paired replications");
    assert!(paired.p50.within_noise() && paired.mean.within_noise());
    assert!(paired.mean.noise().abs() < 1e-9);
    // Half of b's wait: every item passes b, so the mean lead time drops by half its mean wait
    // (34.5 hours), and the paired replications say it is the change.
    let (halved, changes) = run(&extending(
        "extends: current.yaml\nsteps:\n  - { id: b, wait_time: 17.25h }\n",
    ));
    let (log_mean, design) = changes.steps[1].wait.expect("b's wait designed");
    close(log_mean / HOUR as f64, 34.5, 1e-9);
    close(design / HOUR as f64, 17.25, 1e-9);
    let drop = hours(now.lead_time.mean) - hours(halved.lead_time.mean);
    close(drop, 17.25, 0.03);
    let paired = differences(&now, &halved).expect("paired replications");
    close(-paired.mean.mean / HOUR as f64, 17.25, 0.03);
    assert!(!paired.mean.within_noise() && !paired.p50.within_noise());
    assert!(
        paired.mean.noise() < 0.1 * paired.mean.mean.abs(),
        "{paired:?}"
    );
}
