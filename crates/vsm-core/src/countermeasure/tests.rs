//! Each proposal fits its reasons, reads back through the map reader, and its effect is the
//! overlay's analysis; the expected lead times are worked out by hand.

use super::*;
use crate::{analyze, parse_map};

const FEATURE_DELIVERY: &str = include_str!("../../../../examples/feature-delivery.yaml");
const ACME: &str = include_str!("../../../../examples/textbook-acme-stamping.yaml");

fn stream(yaml: &str) -> ValueStream {
    let parsed = parse_map(yaml);
    assert!(!parsed.has_errors(), "{:#?}", parsed.diagnostics);
    parsed.stream.unwrap()
}

fn hours(h: u64) -> Duration {
    Duration::from_hours(h)
}

fn minutes(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

fn of_kind(proposals: &[Countermeasure], kind: Kind) -> Vec<&Countermeasure> {
    proposals.iter().filter(|p| p.kind == kind).collect()
}

/// A manual approval of 30 minutes after a 6-day wait, as in the web shop's change board.
const APPROVAL: &str = "
name: Approval
steps:
  - { id: build, automated: true, process_time: 1h, wait_time: 1h }
  - { id: test, team: QA, process_time: 4h, wait_time: 1d }
  - { id: cab, name: Change advisory board, team: Ops, process_time: 30m, wait_time: 6d }
  - { id: deploy, team: Ops, automated: true, process_time: 20m, wait_time: 1d }
";

#[test]
fn a_long_wait_before_a_short_manual_check_is_an_approval_to_automate_or_move() {
    let map = stream(APPROVAL);
    let proposals = propose(&map, &analyze(&map), "approval.yaml");
    let cab = map.step_index("cab").unwrap();
    let automate = of_kind(&proposals, Kind::AutomateApproval);
    assert_eq!(automate.len(), 1, "{proposals:#?}");
    let automate = automate[0];
    assert_eq!(automate.step, cab);
    let fields: Vec<(&str, &str)> = automate
        .changes
        .iter()
        .map(|c| (c.field, c.to.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("automated", "true"),
            ("process_time", "15m"),
            ("wait_time", "3d")
        ]
    );
    // Before: 2h + 1d 4h + 6d 30m + 1d 20m = 8d 6h 50m; after: 3 days and 15 minutes less.
    assert_eq!(
        analyze(&map).summary.lead_time,
        minutes(120 + 1680 + 8670 + 1460)
    );
    assert_eq!(automate.effect.lead_time, minutes(120 + 1680 + 4335 + 1460));
    assert!(automate.overlay.contains("extends: approval.yaml\n"));

    // Moved beside `test`: cab follows `build` and deploy follows both; the longer branch is
    // the approval's (6d 30m against test's 1d 4h).
    let moved = of_kind(&proposals, Kind::MoveApproval);
    assert_eq!(moved.len(), 1, "{proposals:#?}");
    let after: Vec<(&str, &str)> = moved[0]
        .changes
        .iter()
        .map(|c| (c.step.as_str(), c.to.as_str()))
        .collect();
    assert_eq!(after, [("cab", "[build]"), ("deploy", "[cab, test]")]);
    assert_eq!(moved[0].effect.lead_time, minutes(120 + 8670 + 1460));
}

#[test]
fn every_overlay_reads_back_to_the_effect_it_states() {
    for source in [FEATURE_DELIVERY, ACME, APPROVAL] {
        let map = stream(source);
        let proposals = propose(&map, &analyze(&map), "map.yaml");
        assert!(!proposals.is_empty());
        for proposal in &proposals {
            let parsed = crate::parse_map_extending(&proposal.overlay, &map);
            assert!(
                parsed.diagnostics.is_empty(),
                "{}\n{:#?}",
                proposal.overlay,
                parsed.diagnostics
            );
            let after = analyze(&parsed.stream.unwrap());
            assert_eq!(after.summary.lead_time, proposal.effect.lead_time);
            assert_eq!(
                after.summary.lead_time_with_rework,
                proposal.effect.lead_time_with_rework
            );
        }
    }
}

#[test]
fn low_complete_accurate_shifts_checks_left_and_shortens_the_rework() {
    let map = stream(FEATURE_DELIVERY);
    let analysis = analyze(&map);
    let proposals = propose(&map, &analysis, "feature-delivery.yaml");
    let refine = map.step_index("refine").unwrap();
    let shifted: Vec<_> = of_kind(&proposals, Kind::ShiftChecksLeft)
        .into_iter()
        .filter(|p| p.step == refine)
        .collect();
    assert_eq!(shifted.len(), 1);
    let change = &shifted[0].changes[0];
    assert_eq!(
        (change.field, change.from.as_deref(), change.to.as_str()),
        ("complete_accurate", Some("70%"), "95%")
    );
    // The loop from develop back to refine takes its share from refine's %C&A: 30% sent back
    // gives 0.3/0.7 extra passes, 5% gives 0.05/0.95. The lead time without rework stays.
    let effect = &shifted[0].effect;
    assert_eq!(effect.lead_time, analysis.summary.lead_time);
    assert!(effect.lead_time_with_rework < analysis.summary.lead_time_with_rework);
    assert!(
        effect.rolled_complete_accurate_percent > analysis.summary.rolled_complete_accurate_percent
    );
}

#[test]
fn a_counted_queue_is_halved_rather_than_a_wait_written_over_it() {
    // Acme's weld-1 waits for its queue of 7000 by Little's law.
    let map = stream(ACME);
    let weld = map.step_index("weld-1").unwrap();
    let step = &map.steps[weld];
    let changes = halve_wait(step, step.wait_time, map.working_time.wait_day());
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].field, "queue");
    assert_eq!(changes[0].to, "{ left: 2300, right: 1200 }");
}

#[test]
fn batches_and_shared_teams_get_smaller_batches_and_a_wip_limit() {
    let map = stream(
        "
name: Release train
steps:
  - { id: develop, team: Dev, people: 3, process_time: 2d, wait_time: 1d }
  - { id: review, team: Dev, people: 3, process_time: 1h, wait_time: 5d }
  - { id: release, automated: true, batch_size: 10, process_time: 1h, wait_time: 10d }
",
    );
    let proposals = propose(&map, &analyze(&map), "train.yaml");
    let batches = of_kind(&proposals, Kind::SmallerBatches);
    assert_eq!(batches.len(), 1, "{proposals:#?}");
    let fields: Vec<(&str, &str)> = batches[0]
        .changes
        .iter()
        .map(|c| (c.field, c.to.as_str()))
        .collect();
    assert_eq!(fields, [("batch_size", "5"), ("wait_time", "5d")]);
    assert_eq!(
        batches[0].effect.lead_time,
        analyze(&map)
            .summary
            .lead_time
            .checked_sub(hours(5 * 24))
            .unwrap()
    );
    // `review` is Dev's second step and its 5d wait is over a fifth of the lead time: a WIP
    // limit of its three people, the wait halved.
    let wip = of_kind(&proposals, Kind::WipLimit);
    assert_eq!(wip.len(), 1, "{proposals:#?}");
    assert_eq!(wip[0].step, map.step_index("review").unwrap());
    let fields: Vec<(&str, &str)> = wip[0]
        .changes
        .iter()
        .map(|c| (c.field, c.to.as_str()))
        .collect();
    assert_eq!(fields, [("wip_limit", "3"), ("wait_time", "2d 12h")]);
}

#[test]
fn a_step_slower_than_takt_gets_the_capacity_it_needs_and_is_no_longer_flagged_for_it() {
    let map = stream(
        "
name: Takt
demand: 8/day
steps:
  - { id: pack, process_time: 5h, wait_time: 1h }
",
    );
    // Takt: 24h / 8 = 3h; 5h an item needs two at once.
    let analysis = analyze(&map);
    let proposals = propose(&map, &analysis, "takt.yaml");
    let capacity = of_kind(&proposals, Kind::AddCapacity);
    assert_eq!(capacity.len(), 1, "{proposals:#?}");
    assert_eq!(capacity[0].changes[0].to, "2");
    assert_eq!(capacity[0].effect.lead_time, analysis.summary.lead_time);
    let before = analysis.bottlenecks[0].score;
    assert!(capacity[0].effect.score.is_none_or(|after| after < before));
}

#[test]
fn durations_are_written_in_the_days_the_field_is_read_in() {
    assert_eq!(written(hours(60), Duration::from_days(1)), "2d 12h");
    assert_eq!(written(hours(20), hours(8)), "2d 4h");
    assert_eq!(
        written(Duration::from_millis(90_061_001), Duration::from_days(1)),
        "1d 1h 1m 1s 1ms"
    );
    assert_eq!(written(Duration::ZERO, hours(8)), "0");
}

#[test]
fn ids_that_are_not_plain_scalars_are_quoted() {
    assert_eq!(yaml_key("weld-1"), "weld-1");
    assert_eq!(yaml_key("yes"), "\"yes\"");
    assert_eq!(yaml_key("12"), "\"12\"");
    assert_eq!(yaml_key("a: b"), "\"a: b\"");
    assert_eq!(yaml_key("say \"hi\""), "\"say \\\"hi\\\"\"");
}

#[test]
fn only_a_step_that_says_it_approves_is_an_approval() {
    // The same shape as `cab` (30m after 6d), named for a customer's payment: not an approval.
    let map = stream(&APPROVAL.replace(
        "id: cab, name: Change advisory board",
        "id: pay, name: Customer pays",
    ));
    let proposals = propose(&map, &analyze(&map), "approval.yaml");
    assert!(of_kind(&proposals, Kind::AutomateApproval).is_empty());
    assert!(of_kind(&proposals, Kind::MoveApproval).is_empty());
    let named = |name: &str| Step {
        name: name.into(),
        ..map.steps[0].clone()
    };
    for name in [
        "Release board",
        "Approve change",
        "Security sign-off",
        "Quality gate",
    ] {
        assert!(says_approval(&named(name)), "{name}");
    }
    for name in ["Design review", "Customer pays", "Signing keys", "Cabling"] {
        assert!(!says_approval(&named(name)), "{name}");
    }
}

#[test]
fn proposals_stop_at_the_first_bottlenecks() {
    // Twelve steps of 50% %C&A, each flagged: proposals for the ten ranked first only.
    let mut yaml = String::from("name: Many\nsteps:\n");
    for i in 0..12 {
        yaml.push_str(&format!(
            "  - {{ id: s{i}, process_time: 1h, wait_time: 1h, complete_accurate: 50% }}\n"
        ));
    }
    let map = stream(&yaml);
    let analysis = analyze(&map);
    assert_eq!(analysis.bottlenecks.len(), 12);
    let proposals = propose(&map, &analysis, "many.yaml");
    let ranked: Vec<usize> = analysis.bottlenecks.iter().map(|b| b.step).collect();
    let mut proposed: Vec<usize> = proposals.iter().map(|p| p.step).collect();
    proposed.dedup();
    assert_eq!(proposed, ranked[..MAX_BOTTLENECKS]);
}
