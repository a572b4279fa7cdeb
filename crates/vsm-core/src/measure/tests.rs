use super::*;
use crate::Duration;

#[test]
fn globs_match_names() {
    assert!(Pattern("Review*".into()).matches("Review requested"));
    assert!(Pattern("*approved".into()).matches("Change approved"));
    assert!(Pattern("check ticket".into()).matches("check ticket"));
    assert!(!Pattern("check".into()).matches("check ticket"));
    assert!(Pattern("a*c*e".into()).matches("abcde"));
}

/// Each step's rule, by the step's index.
fn rules_of(stream: &crate::ValueStream) -> Vec<(usize, StepRule)> {
    stream
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.measure.clone().unwrap()))
        .collect()
}

/// A tracker's status changes: ids 0 Open, 1 In Progress, 2 In Review, 3 Done.
fn status(activity: u32, hours: i64) -> LogEvent {
    LogEvent {
        activity,
        timestamp: hours * 3_600_000,
        is_start: false,
        is_complete: true,
        start: None,
    }
}

#[test]
fn a_step_entered_again_before_a_later_one_is_rework_or_resumed_work() {
    let stream = crate::parse_map(
        "name: W\nsteps:\n  - { id: work, measure: { activity: Work } }\n  - { id: check, measure: { activity: Check } }\n",
    )
    .stream
    .unwrap();
    let rules = rules_of(&stream);
    let names = ["Work", "Check"];
    let event = |activity: u32, hours: i64, is_start: bool| LogEvent {
        activity,
        timestamp: hours * 3_600_000,
        is_start,
        is_complete: !is_start,
        start: None,
    };
    // A works 0-1h, stops, works again 3h-4h (a second session), is checked 5h-6h.
    // B is worked, checked, and sent back to work: rework either way.
    // An activity worked from one hour to another: its start and complete events.
    let worked = |activity: u32, from: i64, to: i64| {
        [event(activity, from, true), event(activity, to, false)]
    };
    let a = [worked(0, 0, 1), worked(0, 3, 4), worked(1, 5, 6)].concat();
    let b = [worked(0, 0, 1), worked(1, 2, 3), worked(0, 4, 5)].concat();
    let returns = |reentry| {
        let mut measurer = Measurer::new(&stream.steps, rules.clone()).with_reentry(reentry);
        measurer.add_item("A", &mut a.clone(), |x| names[x as usize], |_, _| None);
        measurer.add_item("B", &mut b.clone(), |x| names[x as usize], |_, _| None);
        let found = measurer.finish();
        let work = &found.steps[0];
        assert_eq!(found.ladder_remainder(), 0, "the parts add up");
        (
            work.returned,
            work.process_time.max,
            work.totals.rework / 3_600_000,
        )
    };
    // As rework, A's second session and the pause before it (3h) are rework, as B's return
    // (1h waiting, 1h worked) is; resumed, A's sessions are one first pass of 2h, the pause
    // its wait.
    assert_eq!(returns(Reentry::Rework), (2, Duration::from_hours(1), 5));
    assert_eq!(returns(Reentry::Resume), (1, Duration::from_hours(2), 2));
}

#[test]
fn intervals_and_states_with_a_return() {
    let stream = crate::parse_map(
        "name: Board\nsteps:\n  - { id: dev, measure: { start: In Progress, end: In Review } }\n  - { id: review, measure: { states: In Review } }\n",
    )
    .stream
    .unwrap();
    let rules = rules_of(&stream);
    let mut measurer = Measurer::new(&stream.steps, rules);
    let names = ["Open", "In Progress", "In Review", "Done"];
    // A: worked 1h-3h, reviewed 3h-4h, sent back, worked 4h-6h, reviewed 6h-7h, done.
    measurer.add_item(
        "A",
        &mut [
            status(0, 0),
            status(1, 1),
            status(2, 3),
            status(1, 4),
            status(2, 6),
            status(3, 7),
        ],
        |a| names[a as usize],
        |_, _| None,
    );
    // B: in progress since 2h, never finished.
    measurer.add_item(
        "B",
        &mut [status(0, 0), status(1, 2)],
        |a| names[a as usize],
        |_, _| None,
    );
    let found = measurer.finish();
    let (dev, review) = (&found.steps[0], &found.steps[1]);
    assert_eq!((dev.completed, dev.work_in_progress), (1, 1));
    // The first pass only: the second one (after review sent it back) is rework.
    assert_eq!(dev.process_time.p50, Duration::from_hours(2));
    assert_eq!(dev.rework_time.p50, Duration::from_hours(2));
    assert_eq!(review.rework_time.p50, Duration::from_hours(1));
    assert_eq!((dev.visited, found.item_lead_time.count), (1, 1));
    assert_eq!(found.item_lead_time.p50, Duration::from_hours(7));
    assert_eq!(
        dev.wait_time.p50,
        Duration::from_hours(1),
        "from the item's first event"
    );
    assert_eq!(review.process_time.p50, Duration::from_hours(1));
    assert_eq!(review.wait_time.p50, Duration::ZERO);
    // 1h wait + 2h + 1h first passes + 3h rework (dev 4h-6h, review 6h-7h) = 7h.
    assert_eq!(found.ladder_remainder(), 0);
    // The move back from review to dev is charged to dev, the step it returned to.
    assert_eq!(
        (dev.left, dev.returned, dev.complete_accurate),
        (1, 1, Percent::new(0.0))
    );
    assert_eq!(
        (review.left, review.returned, review.complete_accurate),
        (1, 0, Some(Percent::HUNDRED))
    );
    assert_eq!(
        (
            found.coverage.items,
            found.coverage.items_used,
            found.coverage.items_in_progress
        ),
        (2, 2, 1)
    );
    assert_eq!(
        found.coverage.unmatched,
        vec![("Open".to_string(), 2), ("Done".to_string(), 1)]
    );
    // Explain rows: the open item is listed, not dropped.
    assert!(
        dev.items
            .iter()
            .any(|r| r.item == "B" && r.last_end.is_none())
    );
}

#[test]
fn a_calendar_counts_working_hours_only() {
    let stream = crate::parse_map(
        "name: Board\nsteps:\n  - { id: dev, measure: { start: In Progress, end: In Review } }\nmeasure:\n  log: board.csv\n  calendar: { days: [mon, tue, wed, thu, fri], hours: 09:00-17:00 }\n",
    )
    .stream
    .unwrap();
    let spec = stream.measure.as_ref().unwrap().calendar.clone().unwrap();
    let rules = vec![(0, stream.steps[0].measure.clone().unwrap())];
    let calendar = crate::calendar::Calendar::new(&spec, jiff::tz::TimeZone::UTC);
    let mut measurer = Measurer::new(&stream.steps, rules).with_calendar(calendar);
    let names = ["Open", "In Progress", "In Review"];
    let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_millisecond();
    let event = |activity, time| LogEvent {
        activity,
        timestamp: at(time),
        is_start: false,
        is_complete: true,
        start: None,
    };
    // Opened Friday 15:00, started Friday 16:00, in review Monday 11:00.
    measurer.add_item(
        "A",
        &mut [
            event(0, "2024-03-01T15:00:00Z"),
            event(1, "2024-03-01T16:00:00Z"),
            event(2, "2024-03-04T11:00:00Z"),
        ],
        |a| names[a as usize],
        |_, _| None,
    );
    let dev = &measurer.finish().steps[0];
    // One working hour on Friday and two on Monday; the wait is Friday's 15:00 to 16:00.
    assert_eq!(dev.process_time.p50, Duration::from_hours(3));
    assert_eq!(dev.wait_time.p50, Duration::from_hours(1));
}

#[test]
fn percentiles_by_nearest_rank() {
    let mut samples: Vec<i64> = (1..=20).map(|s| s * 1000).collect();
    let d = Distribution::of(&mut samples);
    assert_eq!(
        (d.count, d.min, d.max),
        (20, Duration::from_secs(1), Duration::from_secs(20))
    );
    assert_eq!(
        (d.p50, d.p85, d.p95),
        (
            Duration::from_secs(10),
            Duration::from_secs(17),
            Duration::from_secs(19)
        )
    );
    assert_eq!(d.mean, Duration::from_millis(10_500));
}

#[test]
fn a_span_timed_as_waiting_is_the_wait_before_its_step() {
    // A pull request: opened (0), merged (2h), tagged (50h). `release` is the wait for a
    // release: from merge to tag, with the map's estimate as its work.
    let stream = crate::parse_map(
        "name: PRs\nsteps:\n  - { id: merge, measure: { start: Opened, end: Merged } }\n  - { id: release, process_time: 10m, measure: { start: Merged, end: Tagged, span: wait } }\n",
    )
    .stream
    .unwrap();
    let rules = rules_of(&stream);
    assert_eq!(rules[1].1.span, Span::Wait);
    let names = ["Opened", "Merged", "Tagged"];
    let mut measurer = Measurer::new(&stream.steps, rules);
    measurer.add_item(
        "A",
        &mut [status(0, 0), status(1, 2), status(2, 50)],
        |a| names[a as usize],
        |_, _| None,
    );
    // B is merged and not yet tagged: still in progress, not finished at its merge.
    measurer.add_item(
        "B",
        &mut [status(0, 0), status(1, 3)],
        |a| names[a as usize],
        |_, _| None,
    );
    let found = measurer.finish();
    let (merge, release) = (&found.steps[0], &found.steps[1]);
    assert_eq!(merge.process_time.p50, Duration::from_hours(2));
    assert!(!release.timed, "the span is no hands-on time");
    assert_eq!(release.wait_time.p50, Duration::from_hours(48));
    assert_eq!(release.process_time.p50, Duration::ZERO);
    assert_eq!(found.item_lead_time.count, 1);
    assert_eq!(found.item_lead_time.p50, Duration::from_hours(50));
    assert_eq!(found.coverage.items_in_progress, 1);
    assert_eq!(found.ladder_remainder(), 0);
    // On the map, the wait is the measured span less the estimated work.
    let (measured, provenance) = apply(&stream, &found);
    assert_eq!(measured.steps[1].process_time, Duration::from_secs(600));
    assert_eq!(
        measured.steps[1].wait_time,
        Duration::from_secs(48 * 3600 - 600)
    );
    assert_eq!(provenance[1].wait_time, Provenance::Mixed);
}

#[test]
fn a_span_must_be_process_or_wait() {
    let parsed = crate::parse_map(
        "name: PRs\nsteps:\n  - { id: release, measure: { start: Merged, end: Tagged, span: idle } }\n",
    );
    let text = format!("{:?}", parsed.diagnostics);
    assert!(text.contains("idle") && text.contains("`wait`"), "{text}");
}

#[test]
fn an_item_that_leaves_the_stream_is_abandoned_not_in_progress() {
    // Pull requests: opened (0) is in review until merged (1) or closed unmerged (2).
    let parsed = crate::parse_map(
        "name: PRs\nsteps:\n  - { id: review, measure: { start: Opened, end: Merged } }\nmeasure: { log: x.csv, abandoned: { activity: Closed } }\n",
    );
    let stream = parsed.stream.unwrap();
    let source = stream.measure.clone().unwrap();
    let abandon = source.abandoned.clone().unwrap();
    assert_eq!(abandon.activity, vec![Pattern("Closed".into())]);
    let names = ["Opened", "Merged", "Closed", "Reopened"];
    let mut measurer = Measurer::new(&stream.steps, rules_of(&stream)).with_abandon(Some(abandon));
    let add = |measurer: &mut Measurer<'_>, item: &str, events: &mut [LogEvent]| {
        measurer.add_item(item, events, |a| names[a as usize], |_, _| None);
    };
    add(&mut measurer, "merged", &mut [status(0, 0), status(1, 5)]);
    add(&mut measurer, "closed", &mut [status(0, 0), status(2, 3)]);
    add(&mut measurer, "open", &mut [status(0, 0)]);
    // Closed, reopened and merged: it finished.
    add(
        &mut measurer,
        "reopened",
        &mut [status(0, 0), status(2, 1), status(3, 2), status(1, 4)],
    );
    let found = measurer.finish();
    let review = &found.steps[0];
    assert_eq!(found.coverage.items_abandoned, 1);
    assert_eq!(found.coverage.items_in_progress, 1);
    assert_eq!(found.item_lead_time.count, 2);
    assert_eq!(
        review.work_in_progress, 1,
        "the abandoned one is not in the step"
    );
    let closed = review.items.iter().find(|r| r.item == "closed").unwrap();
    assert!(closed.abandoned() && !closed.finished());
    // Its closing is no unmatched event; the reopening is.
    assert_eq!(found.coverage.unmatched, vec![("Reopened".to_string(), 1)]);
}

#[test]
fn abandoned_needs_the_events_that_abandon() {
    let parsed = crate::parse_map(
        "name: PRs\nsteps:\n  - { id: review, measure: { start: Opened, end: Merged } }\nmeasure: { log: x.csv, abandoned: { attribute: to } }\n",
    );
    let text = format!("{:?}", parsed.diagnostics);
    assert!(text.contains("activity"), "{text}");
}

#[test]
fn records_name_the_events_that_started_and_ended_a_step_and_their_objects() {
    let stream = crate::parse_map(
        "name: PR\nsteps:\n  - { id: release, measure: { start: committed, end: tagged } }\n  - { id: review, measure: { states: In Review } }\n",
    )
    .stream
    .unwrap();
    let mut measurer = Measurer::new(&stream.steps, found_rules(&stream));
    let names = ["opened", "In Review", "committed", "tagged"];
    // Given out of time order: opened 0h (the item's own), tagged 5h (the release), in review
    // 1h, committed 3h (the merge commit): the objects follow their events.
    let objects = ["pr/1", "v1.0", "pr/1", "git:abc"].map(|id| {
        Arc::new(ObjectRef {
            id: id.to_string(),
            kind: String::new(),
            name: None,
        })
    });
    measurer.add_item_of_objects(
        "pr/1",
        &mut [status(0, 0), status(3, 5), status(1, 1), status(2, 3)],
        |a| names[a as usize],
        |_, _| None,
        |at| Some(objects[at].clone()),
    );
    let found = measurer.finish();
    let (release, review) = (&found.steps[0].items[0], &found.steps[1].items[0]);
    let named = |source: &EventSource| {
        (
            source.activity.to_string(),
            source.object.as_ref().map(|o| o.id.clone()),
        )
    };
    assert_eq!(
        named(&release.started_by),
        ("committed".into(), Some("git:abc".into()))
    );
    assert_eq!(
        release.ended_by.as_ref().map(named),
        Some(("tagged".into(), Some("v1.0".into())))
    );
    // A state is left by the next event that is not in it: the commit.
    assert_eq!(named(&review.started_by).0, "In Review");
    assert_eq!(review.ended_by.as_ref().map(named).unwrap().0, "committed");
    // Logs that are not object-centric name the events and no object.
    let mut plain = Measurer::new(&stream.steps, found_rules(&stream));
    plain.add_item(
        "A",
        &mut [status(2, 0), status(3, 1)],
        |a| names[a as usize],
        |_, _| None,
    );
    let found = plain.finish();
    let record = &found.steps[0].items[0];
    assert_eq!(named(&record.started_by), ("committed".into(), None));
}

fn found_rules(stream: &crate::ValueStream) -> Vec<(usize, StepRule)> {
    stream
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.measure.clone()?)))
        .collect()
}
