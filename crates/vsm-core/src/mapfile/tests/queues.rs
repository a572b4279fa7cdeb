//! Working days, demand, queues and takt time as the map file gives them.

use super::*;
use crate::worktime::WaitSource;

const ACME: &str = include_str!("../../../../../examples/textbook-acme-stamping.yaml");

#[test]
fn the_textbook_map_gives_the_books_lead_time_processing_time_and_takt() {
    let parsed = parse_map(ACME);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let analysis = crate::analyze(&stream);
    let summary = &analysis.summary;
    // Learning to See prints: takt 60 s, processing time 188 s, lead time 23.6 days.
    assert_eq!(summary.takt_time, Some(Duration::from_secs(60)));
    assert_eq!(summary.process_time, Duration::from_secs(188));
    let days = stream.working_time.days_of(summary.lead_time);
    assert_eq!(format!("{days:.1}"), "23.6");
    assert_eq!(stream.told(|| summary.lead_time.human()), "23.6d");
    // The waits after stamping are derived from the pieces counted, and say so.
    let weld = &stream.steps[1];
    assert_eq!(weld.wait_source, WaitSource::Derived);
    assert_eq!(
        format!("{:.1}", stream.working_time.days_of(weld.wait_time)),
        "7.6"
    );
    assert_eq!(stream.steps[0].wait_source, WaitSource::Estimated);
    // Assembly 1 takes 62 s a piece against a takt of 60 s.
    let slow: Vec<&str> = analysis
        .bottlenecks
        .iter()
        .filter(|b| {
            b.reasons
                .iter()
                .any(|r| r.code == crate::bottleneck::ReasonCode::SlowerThanTakt)
        })
        .map(|b| stream.steps[b.step].id.as_str())
        .collect();
    assert_eq!(slow, ["assembly-1"]);
}

#[test]
fn days_of_process_time_are_working_days_once_the_map_says_how_long_one_is() {
    let stream = parse_map(
        "name: W\nworking_day: 8h\nsteps:\n  - { id: a, process_time: 2d, wait_time: 3d }\n  - { id: b, process_time: 1w }\n",
    )
    .stream
    .unwrap();
    assert_eq!(stream.steps[0].process_time, Duration::from_hours(16));
    assert_eq!(stream.steps[0].wait_time, Duration::from_days(3));
    assert_eq!(stream.steps[1].process_time, Duration::from_hours(40));
    // The workshop's count: 5h 45m of work over waits of 4 working days and 5h is 15.5%.
    let stream = parse_map(
        "name: W\nworking_day: 8h\nwait_days: working\nsteps:\n  - { id: a, process_time: 5h 45m, lead_time: 4d 5h }\n",
    )
    .stream
    .unwrap();
    let analysis = crate::analyze(&stream);
    assert_eq!(
        crate::format_percent(analysis.summary.activity_ratio_percent),
        "15.54%"
    );
    // A map that says nothing keeps its 24-hour days.
    let stream = parse_map("name: W\nsteps:\n  - { id: a, process_time: 2d }\n")
        .stream
        .unwrap();
    assert_eq!(stream.steps[0].process_time, Duration::from_hours(48));
}

#[test]
fn a_written_wait_far_from_its_queues_is_warned_about_with_both_numbers() {
    let source = "name: Q\nworking_day: 8h\ndemand: 10/day\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d, queue: 50 }\n";
    let found = diagnostic(source, "queue_disagrees");
    assert_eq!(found.severity, Severity::Warning);
    assert_eq!(located(source, &found), "50");
    // 50 items at 10 a working day: 5 working days, a calendar week.
    assert!(
        found
            .message
            .contains("step `a` waits 1d, but its queue of 50 at 10 a day gives 7d (86% apart, more than the 20% tolerance)"),
        "{found}"
    );
    // Within the tolerance: no warning.
    let close = "name: Q\nworking_day: 8h\ndemand: 10/day\nsteps:\n  - { id: a, process_time: 1h, wait_time: 6d, queue: 50 }\n";
    assert!(parse_map(close).diagnostics.is_empty());
}

#[test]
fn queues_that_cannot_become_waits_are_errors_at_the_queue() {
    let source = "name: Q\nsteps:\n  - { id: a, process_time: 1h, queue: 5 }\n";
    let found = diagnostic(source, "queue_without_rate");
    assert_eq!(located(source, &found), "5");
    assert!(found.help.as_deref().unwrap().contains("demand: 920/day"));
    let source = "name: Q\ndemand: { features: 2/day }\nsteps:\n  - { id: a, process_time: 1h, queue: { defects: 3 } }\n";
    let found = diagnostic(source, "queue_without_rate");
    assert!(
        found
            .message
            .contains("no demand is given for item type `defects`"),
        "{found}"
    );
    assert!(
        found.help.as_deref().unwrap().contains("`features`"),
        "{found:?}"
    );
    let source = "name: Q\ndemand: 3 a day\nsteps:\n  - { id: a, process_time: 1h, queue: -2 }\n";
    let parsed = parse_map(source);
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["invalid_rate", "wrong_type"],
        "{:#?}",
        parsed.diagnostics
    );
}

#[test]
fn a_steps_own_throughput_turns_its_queue_into_a_wait() {
    let stream = parse_map(
        "name: Q\nworking_day: 8h\nwait_days: working\nsteps:\n  - { id: review, process_time: 1h, queue: 23, throughput: 46/week }\n",
    )
    .stream
    .unwrap();
    // 23 items at 46 a week of 5 days: 2.5 working days of 8h.
    assert_eq!(stream.steps[0].wait_time, Duration::from_hours(20));
}

#[test]
fn impossible_working_time_is_reported_at_each_field() {
    let source = "name: H\nworking_day: 25h\nworking_week: 9\nwait_days: sometimes\navailable: 30h/day\ndemand: 1/fortnight\nsteps:\n  - { id: a, process_time: 1h, queue: many }\n";
    let parsed = parse_map(source);
    let found: Vec<(&str, &str)> = parsed
        .diagnostics
        .iter()
        .map(|d| (d.code, located(source, d)))
        .collect();
    assert_eq!(
        found,
        [
            ("invalid_working_day", "25h"),
            ("out_of_range", "9"),
            ("invalid_choice", "sometimes"),
            ("invalid_available", "30h/day"),
            ("invalid_rate", "1/fortnight"),
            ("wrong_type", "many"),
        ]
    );
    assert!(parsed.stream.is_none());
}

#[test]
fn a_zero_demand_or_throughput_is_refused_at_the_field() {
    // `demand: 0/day` used to parse and give a simulation no arrivals at all.
    let source = "name: Z\ndemand: 0/day\nsteps:\n  - { id: a, process_time: 1h }\n";
    let found = diagnostic(source, "zero_rate");
    assert_eq!(located(source, &found), "0/day");
    assert!(
        found
            .message
            .contains("`demand: 0/day` is zero: the customer asks for nothing"),
        "{found}"
    );
    assert!(found.help.as_deref().unwrap().contains("demand: 920/day"));
    let source = "name: Z\ndemand: { left: 12000/month, right: 0/month }\nsteps:\n  - { id: a, process_time: 1h }\n";
    assert_eq!(located(source, &diagnostic(source, "zero_rate")), "0/month");
    let source = "name: Z\nsteps:\n  - { id: a, process_time: 1h, queue: 4, throughput: 0/week }\n";
    let found = diagnostic(source, "zero_rate");
    assert_eq!(located(source, &found), "0/week");
    assert!(
        found.message.contains("`throughput: 0/week` is zero"),
        "{found}"
    );
}

#[test]
fn absurd_demand_and_queues_are_errors_not_zero_waits_or_panics() {
    // `demand: 1e-300/day` with `queue: 1e300` gave a silent zero wait (the days were
    // infinite), and a takt time that panicked when told.
    let source =
        "name: H\ndemand: 1e-300/day\nsteps:\n  - { id: a, process_time: 1h, queue: 1e300 }\n";
    let found = diagnostic(source, "rate_out_of_range");
    assert_eq!(located(source, &found), "1e-300/day");
    assert!(
        found.message.contains(
            "`demand: 1e-300/day` is 1e-300 items a working day, outside what vsm takes: 1e-4 to 1000000 a working day"
        ),
        "{found}"
    );
    let source = "name: H\ndemand: 1e300/day\nsteps:\n  - { id: a, process_time: 1h }\n";
    assert_eq!(
        located(source, &diagnostic(source, "rate_out_of_range")),
        "1e300/day"
    );
    // A sane demand and a queue no wait can hold: an error at the queue, with both numbers.
    let source = "name: H\ndemand: 1/day\nsteps:\n  - { id: a, process_time: 1h, queue: 1e300 }\n";
    let found = diagnostic(source, "queue_wait_too_long");
    assert_eq!(located(source, &found), "1e300");
    assert!(
        found.message.contains(
            "step `a`: a queue of 1e300 at 1 a day waits 1e300 working days, longer than the longest wait vsm holds (about 950,662 years)"
        ),
        "{found}"
    );
    assert!(found.help.as_deref().unwrap().contains("wait_time:"));
    assert!(parse_map(source).stream.is_none());
    // One item type's queue alone can be too long.
    let source = "name: H\ndemand: { a: 1/day, b: 0.0001/day }\nsteps:\n  - { id: s, process_time: 1h, queue: { a: 1, b: 1e20 } }\n";
    let found = diagnostic(source, "queue_wait_too_long");
    assert!(
        found.message.contains("a queue of 1e20 at 1e-4 a day"),
        "{found}"
    );
}

#[test]
fn a_queue_per_type_that_leaves_out_a_demand_type_is_warned_about() {
    // The reviewer's t3: `defects` silently counted as none waiting.
    let source = "name: T3\nworking_day: 8h\ndemand: { features: 10/week, defects: 4/day }\nsteps:\n  - { id: b, process_time: 20m, queue: { features: 12 } }\n  - { id: c, process_time: 20m, queue: 12 }\n";
    let parsed = parse_map(source);
    let found = with_code(&parsed, "queue_missing_type");
    assert_eq!(found.len(), 1, "{:#?}", parsed.diagnostics);
    let found = found[0];
    assert_eq!(found.severity, Severity::Warning);
    assert!(located(source, found).starts_with("{ features: 12"));
    assert!(
        found.message.contains(
            "step `b`: the queue leaves out `defects`, an item type of the demand; vsm assumes none of them wait, so the queue of 12 drains at the whole demand of 6 a day"
        ),
        "{found}"
    );
    assert!(found.help.as_deref().unwrap().contains("`defects: 0`"));
    // The wait is still derived: 12 items at 6 a working day.
    let stream = parsed.stream.unwrap();
    assert_eq!(stream.steps[0].wait_source, WaitSource::Derived);
    // Every type counted, or the step's own throughput: no warning.
    let whole = "name: T\ndemand: { features: 10/week, defects: 4/day }\nsteps:\n  - { id: b, process_time: 20m, queue: { features: 12, defects: 0 } }\n  - { id: c, process_time: 20m, queue: { features: 3 }, throughput: 4/day }\n";
    assert!(parse_map(whole).diagnostics.is_empty());
}

#[test]
fn an_invalid_demand_is_one_error_not_also_a_missing_demand() {
    for demand in ["0/day", "-5/day", "1e300/day", "10/fortnight", "10"] {
        let source = format!(
            "name: H\nworking_day: 8h\ndemand: {demand}\nsteps:\n  - {{ id: b, process_time: 20m, queue: 10 }}\n"
        );
        let parsed = parse_map(&source);
        assert_eq!(
            parsed.diagnostics.len(),
            1,
            "{demand}: {:#?}",
            parsed.diagnostics
        );
        assert_eq!(located(&source, &parsed.diagnostics[0]), demand);
    }
}

#[test]
fn out_of_range_working_time_and_negative_queues_say_the_bounds() {
    let found = diagnostic(
        "name: H\nworking_day: 0h\nsteps:\n  - { id: a, process_time: 1h }\n",
        "invalid_working_day",
    );
    assert!(
        found.message.contains(
            "a working day of `0h` is out of range: it must be more than 0 and at most 24h"
        ),
        "{found}"
    );
    for (written, hours) in [("25h/day", "25"), ("0h/day", "0")] {
        let found = diagnostic(
            &format!("name: H\navailable: {written}\nsteps:\n  - {{ id: a, process_time: 1h }}\n"),
            "invalid_available",
        );
        assert!(
            found.message.contains(&format!(
                "`available: {written}` is {hours}h a working day, out of range: it must be more than 0 and at most 24h a day"
            )),
            "{found}"
        );
    }
    let found = diagnostic(
        "name: H\ndemand: 1/day\nsteps:\n  - { id: a, process_time: 1h, queue: -3 }\n",
        "wrong_type",
    );
    assert!(
        found
            .message
            .contains("`-3` is negative, not a number of items"),
        "{found}"
    );
}

#[test]
fn a_queue_disagreeing_with_a_lead_time_names_the_lead_time() {
    let source = "name: T4\nworking_day: 8h\ndemand: 10/week\nsteps:\n  - { id: e, process_time: 20m, queue: 12, lead_time: 2d }\n";
    let found = diagnostic(source, "queue_disagrees");
    let help = found.help.as_deref().unwrap();
    assert!(help.contains("leave out `lead_time:`"), "{help}");
    let source = "name: T4\nworking_day: 8h\ndemand: 10/week\nsteps:\n  - { id: e, process_time: 20m, queue: 12, wait_time: 1d }\n";
    let found = diagnostic(source, "queue_disagrees");
    assert!(
        found
            .help
            .as_deref()
            .unwrap()
            .contains("leave out `wait_time:`")
    );
}
