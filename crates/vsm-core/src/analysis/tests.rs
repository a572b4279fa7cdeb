//! Expected values computed by hand from the definitions in DESIGN.md.
#![allow(clippy::float_cmp)] // exact values are the point of these tests

use super::*;
use crate::bottleneck::ReasonCode;
use crate::parse_map;

fn stream(yaml: &str) -> ValueStream {
    let parsed = parse_map(yaml);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    parsed.stream.unwrap()
}

fn hours(h: f64) -> Duration {
    Duration::from_secs_f64(h * 3600.0)
}

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

const LINEAR: &str = "
name: Linear
steps:
  - { id: refine, team: Product, people: 2, process_time: 2h, wait_time: 4d, complete_accurate: 75% }
  - { id: develop, team: Dev, people: 3, process_time: 16h, wait_time: 3d, complete_accurate: 85% }
  - { id: deploy, team: Dev, automated: true, process_time: 15m, wait_time: 2d }
";

#[test]
fn linear_stream() {
    let analysis = analyze(&stream(LINEAR));
    let s = &analysis.summary;
    // LT: refine 98h, develop 88h, deploy 48.25h.
    assert_eq!(s.lead_time, hours(234.25));
    assert_eq!(s.process_time, hours(18.25));
    assert_eq!(s.wait_time, hours(216.0));
    assert_eq!(s.work_content, hours(18.25));
    close(s.activity_ratio_percent, 18.25 / 234.25 * 100.0);
    close(s.rolled_complete_accurate_percent, 0.75 * 0.85 * 100.0);
    assert_eq!(s.lead_time_with_rework, s.lead_time);
    assert_eq!(s.manual_process_time, hours(18.0));
    assert_eq!(s.automated_process_time, hours(0.25));
    close(s.manual_share_percent, 18.0 / 18.25 * 100.0);
    assert_eq!(analysis.critical_path, vec![0, 1, 2]);
    close(
        analysis.steps[0].lead_time_share_percent,
        98.0 / 234.25 * 100.0,
    );
    assert!(analysis.steps.iter().all(|step| step.on_critical_path));

    assert_eq!(analysis.teams.len(), 2);
    let dev = &analysis.teams[1];
    assert_eq!(dev.team.as_deref(), Some("Dev"));
    assert_eq!((dev.steps, dev.people), (2, 3));
    assert_eq!(dev.process_time, hours(16.25));
    assert_eq!(dev.lead_time, hours(136.25));

    // refine: wait 96h = 40.98% of LT + lowest %C&A (25 points) = 66.0
    // develop: wait 72h = 30.74%, PT 16h = 87.7% of critical PT (6.83 twice: long and manual) = 44.4
    // deploy: wait 48h = 20.49% = 20.5
    let ranked: Vec<(usize, f64)> = analysis
        .bottlenecks
        .iter()
        .map(|b| (b.step, b.score))
        .collect();
    assert_eq!(ranked, vec![(0, 66.0), (1, 44.4), (2, 20.5)]);
    let refine = &analysis.bottlenecks[0].reasons;
    assert_eq!(refine[0].code, ReasonCode::LongWait);
    assert_eq!(
        refine[0].message,
        "waits 4d before starting: 40.98% of total lead time, the longest wait on the critical path"
    );
    assert_eq!(refine[1].message, "%C&A 75%: lowest in the stream");
    let develop: Vec<ReasonCode> = analysis.bottlenecks[1]
        .reasons
        .iter()
        .map(|r| r.code)
        .collect();
    assert_eq!(
        develop,
        vec![
            ReasonCode::LongWait,
            ReasonCode::LongProcessTime,
            ReasonCode::ManualOnCriticalPath
        ]
    );
}

#[test]
fn parallel_branches_join() {
    // a -> (b | c) -> d. b: LT 26h, c: LT 52h, so the critical path runs through c.
    let analysis = analyze(&stream(
        "
name: Parallel
steps:
  - { id: a, process_time: 1h }
  - { id: b, process_time: 2h, wait_time: 1d, complete_accurate: 90% }
  - { id: c, after: a, process_time: 4h, wait_time: 2d, complete_accurate: 95% }
  - { id: d, after: [b, c], process_time: 1h, wait_time: 4h }
",
    ));
    let s = &analysis.summary;
    assert_eq!(analysis.critical_path, vec![0, 2, 3]);
    assert_eq!(s.lead_time, hours(58.0));
    assert_eq!(s.process_time, hours(6.0));
    assert_eq!(s.work_content, hours(8.0));
    close(s.activity_ratio_percent, 6.0 / 58.0 * 100.0);
    close(s.rolled_complete_accurate_percent, 0.90 * 0.95 * 100.0);
    assert!(!analysis.steps[1].on_critical_path);
    close(
        analysis.steps[1].lead_time_share_percent,
        26.0 / 58.0 * 100.0,
    );
    // b waits a day but is off the critical path: not a wait bottleneck, only the lowest %C&A.
    let b = analysis.bottlenecks.iter().find(|b| b.step == 1).unwrap();
    assert_eq!(b.reasons.len(), 1);
    assert_eq!(b.reasons[0].code, ReasonCode::LowCompleteAccurate);
}

/// Steps a (1h + 1h, 80% %C&A), b (2h + 2h) and c (1h + 3h) with the `rework:` entries given.
fn three_steps_reworked(rework: &str) -> ValueStream {
    stream(&format!(
        "
name: Rework
steps:
  - {{ id: a, process_time: 1h, wait_time: 1h, complete_accurate: 80% }}
  - {{ id: b, process_time: 2h, wait_time: 2h }}
  - {{ id: c, process_time: 1h, wait_time: 3h }}
rework:
{rework}"
    ))
}

#[test]
fn rework_loop_adds_expected_passes() {
    // b finds problems in 20% of a's output (1 - a's 80% %C&A) and sends those items back to a.
    // One pass a..b takes 2h + 4h = 6h; extra passes 0.2 / 0.8 = 0.25; extra 1.5h.
    let analysis = analyze(&three_steps_reworked("  - { from: b, to: a }\n"));
    let s = &analysis.summary;
    assert_eq!(s.lead_time, hours(10.0));
    assert_eq!(s.lead_time_with_rework, hours(11.5));
    let loop_ = &analysis.rework[0];
    assert_eq!(loop_.loop_lead_time, hours(6.0));
    close(loop_.expected_extra_passes, 0.25);
    assert_eq!(loop_.expected_extra_time, hours(1.5));
    assert_eq!(analysis.steps[0].rework_time, hours(1.5));
    let a = analysis.bottlenecks.iter().find(|b| b.step == 0).unwrap();
    let rework = a
        .reasons
        .iter()
        .find(|r| r.code == ReasonCode::Rework)
        .unwrap();
    assert_eq!(
        rework.message,
        "20% of its items come back from `b`: adds 1h 30m to the expected lead time (15% more)"
    );
}

#[test]
fn nested_rework_counts_the_inner_loop_in_the_outer_pass() {
    // Inner b -> a (20%): extra 1.5h, so b's expected LT is 5.5h.
    // Outer c -> b (50%, declared): one pass b..c = 5.5h + 4h = 9.5h; extra passes 1; extra 9.5h.
    let analysis = analyze(&three_steps_reworked(
        "  - { from: b, to: a }\n  - { from: c, to: b, share: 50% }\n",
    ));
    assert_eq!(analysis.rework[1].loop_lead_time, hours(9.5));
    assert_eq!(analysis.rework[1].expected_extra_time, hours(9.5));
    assert_eq!(analysis.summary.lead_time_with_rework, hours(21.0));
}

#[test]
fn rework_on_a_side_branch_can_move_the_critical_path() {
    // b (LT 3h) is off the critical path (c: LT 4h) until its self-loop of 50% adds 3h.
    let analysis = analyze(&stream(
        "
name: Side loop
steps:
  - { id: a, process_time: 1h }
  - { id: b, process_time: 1h, wait_time: 2h }
  - { id: c, after: a, process_time: 4h }
  - { id: d, after: [b, c], process_time: 1h }
rework:
  - { from: b, to: b, share: 50% }
",
    ));
    assert_eq!(analysis.critical_path, vec![0, 2, 3]);
    assert_eq!(analysis.summary.lead_time, hours(6.0));
    assert_eq!(analysis.critical_path_with_rework, vec![0, 1, 3]);
    assert_eq!(analysis.summary.lead_time_with_rework, hours(8.0));
}

#[test]
fn equal_input_gives_equal_ranking() {
    let yaml = "
name: Ties
steps:
  - { id: a, process_time: 1h, wait_time: 1d, complete_accurate: 70% }
  - { id: b, process_time: 1h, wait_time: 1d, complete_accurate: 70% }
";
    let first = analyze(&stream(yaml));
    assert_eq!(first.bottlenecks[0].score, first.bottlenecks[1].score);
    assert_eq!(
        first.bottlenecks.iter().map(|b| b.step).collect::<Vec<_>>(),
        vec![0, 1]
    );
    assert_eq!(first, analyze(&stream(yaml)));
}

#[test]
fn zero_lead_time_gives_zero_ratios_not_nan() {
    let analysis = analyze(&stream(
        "name: Empty times\nsteps:\n  - { id: a, process_time: 0 }\n",
    ));
    assert_eq!(analysis.summary.activity_ratio_percent, 0.0);
    assert_eq!(analysis.steps[0].lead_time_share_percent, 0.0);
}

#[test]
fn measured_totals_past_the_longest_duration_are_an_error_not_a_wrapped_number() {
    // Numbers set after reading (as measurement does) are checked by `try_analyze`: the sum of
    // 400 steps near the limit once wrapped (debug builds panicked in the longest path).
    let mut stream = stream("name: M\nsteps:\n  - { id: a }\n  - { id: b }\n  - { id: c }\n");
    for step in &mut stream.steps {
        step.process_time = Duration::MAX;
    }
    let error = try_analyze(&stream).unwrap_err();
    assert_eq!(error.at, TooLongAt::Step(1));
    assert_eq!(error.millis, 2 * u128::from(Duration::MAX.as_millis()));
    assert!(error.to_string().contains("up to step `b` is about 1,901,324 years, more than the longest duration vsm holds (about 950,662 years)"), "{error}");
    // At the limit exactly, every total is right.
    stream.steps[0].process_time = Duration::from_millis(Duration::MAX.as_millis() - 2);
    stream.steps[1].process_time = Duration::from_millis(1);
    stream.steps[2].process_time = Duration::from_millis(1);
    let analysis = try_analyze(&stream).unwrap();
    assert_eq!(analysis.summary.lead_time, Duration::MAX);
    assert_eq!(analysis.summary.work_content, Duration::MAX);
}

#[test]
fn measured_rework_past_the_longest_duration_is_an_error_at_the_loop() {
    let mut stream = stream(
        "name: M\nsteps:\n  - { id: a }\n  - { id: b }\nrework:\n  - { from: b, to: a, share: 90% }\n",
    );
    stream.steps[0].wait_time = Duration::from_millis(Duration::MAX.as_millis() / 4);
    let error = try_analyze(&stream).unwrap_err();
    assert_eq!(error.at, TooLongAt::Rework(0));
    assert!(
        error
            .to_string()
            .contains("rework loop from `b` to `a` (9 extra passes"),
        "{error}"
    );
}

#[test]
fn a_loop_counts_only_the_steps_on_its_paths_not_others_between_them_in_order() {
    // a -> b -> d with a side branch b -> e and an unrelated c after a; e and c sit between b
    // and d in topological order but lie on no path from b to d.
    let stream = stream(
        "name: L
steps:
  - { id: a, process_time: 1h }
  - { id: b, process_time: 2h }
  - { id: c, after: a, process_time: 100h }
  - { id: e, after: b, process_time: 200h }
  - { id: d, after: b, process_time: 4h }
rework:
  - { from: d, to: b, share: 50% }
",
    );
    let analysis = analyze(&stream);
    assert_eq!(analysis.rework[0].loop_lead_time, hours(6.0));
    assert_eq!(analysis.rework[0].expected_extra_time, hours(6.0));
}
