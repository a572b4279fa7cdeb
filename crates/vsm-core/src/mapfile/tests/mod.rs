use super::*;
use crate::diagnostic::Severity;
use crate::model::{Endpoint, FlowKind, ImprovementStatus};
use crate::{Duration, Percent};

fn errors(yaml: &str) -> Vec<String> {
    let parsed = parse_map(yaml);
    assert!(parsed.stream.is_none() || !parsed.has_errors());
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn reads_every_part_of_a_map() {
    let parsed = parse_map(
        r#"
name: Feature delivery
description: From request to production
customer: Product users
scope: { start: Feature requested, end: Running in production }
steps:
  - id: refine
    name: Refine request
    team: Product
    people: 2
    process_time: 2h
    wait_time: 4d
    complete_accurate: 75%
    artifacts: { in: [request], out: [ticket] }
    notes: Weekly refinement meeting
  - id: develop
    team: Dev
    process_time: 1d 4h
    lead_time: 4d 4h
    complete_accurate: 85
  - id: deploy
    automated: true
    process_time: 15m
systems:
  - { id: jira, name: Jira }
flows:
  - { from: jira, to: refine, label: new requests }
  - { from: deploy, to: customer, kind: manual, label: release notes }
rework:
  - { from: develop, to: refine, share: 10% }
improvements:
  - id: auto-tests
    step: develop
    action: Automate the regression suite
    owner: QA guild
    due: 2027-02-01
    status: in progress
    target: { process_time: 12h, complete_accurate: 95% }
"#,
    );
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    assert_eq!(stream.name, "Feature delivery");
    assert_eq!(stream.scope.end.as_deref(), Some("Running in production"));
    let [refine, develop, deploy] = &stream.steps[..] else {
        panic!()
    };
    assert_eq!(refine.name, "Refine request");
    assert_eq!(refine.people, Some(2));
    assert_eq!(refine.artifacts_out, vec!["ticket".to_string()]);
    assert_eq!(develop.name, "develop");
    // The map sets no `working_day:`: its days are 24h, as they always were.
    assert_eq!(develop.process_time, Duration::from_hours(28));
    assert_eq!(
        develop.wait_time,
        Duration::from_days(3),
        "wait derived from lead_time"
    );
    assert_eq!(develop.complete_accurate, Percent::new(85.0).unwrap());
    assert_eq!(develop.after, vec![0]);
    assert!(deploy.automated);
    assert_eq!(deploy.complete_accurate, Percent::HUNDRED);
    assert_eq!(stream.flows[0].from, Endpoint::System(0));
    assert_eq!(stream.flows[0].kind, FlowKind::Electronic);
    assert_eq!(stream.flows[1].to, Endpoint::Customer);
    assert_eq!(stream.flows[1].kind, FlowKind::Manual);
    assert_eq!((stream.rework[0].from, stream.rework[0].to), (1, 0));
    let improvement = &stream.improvements[0];
    assert_eq!(improvement.status, ImprovementStatus::InProgress);
    assert_eq!(improvement.due, Some(jiff::civil::date(2027, 2, 1)));
    assert_eq!(
        improvement.target.process_time,
        Some(Duration::from_hours(12))
    );
}

#[test]
fn misspelled_field_gets_a_suggestion_at_its_position() {
    let parsed = parse_map("name: x\nsteps:\n  - id: a\n    proces_time: 2h\n");
    let error = parsed.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(error.message, "unknown field `proces_time` in a step");
    assert_eq!(error.help.as_deref(), Some("did you mean `process_time`?"));
    let location = error.location.unwrap();
    assert_eq!((location.line, location.column, location.len), (4, 5, 11));
}

#[test]
fn reports_every_problem_in_one_run() {
    let found = errors(
        "
name: Broken
steps:
  - { id: a, process_time: -2h, complete_accurate: 120% }
  - { id: a, process_time: 1h }
  - { id: c, after: [b], wait_time: soon }
  - { id: d, process_time: 1h, wait_time: 1h, lead_time: 3h }
flows:
  - { from: a, to: jiraa }
improvements:
  - { id: x, step: dev, action: go, status: started, due: 2027-13-01 }
",
    );
    assert_eq!(
        found,
        vec![
            "4:28: error: `-2h` is not a valid duration: a duration cannot be negative (help: write the time as a positive duration such as `2h`)",
            "4:52: error: `120%` is not a valid percentage: a percentage cannot be over 100% (help: a share of items lies between `0%` and `100%`)",
            "5:11: error: duplicate step id `a` (help: give each step an id of its own, e.g. `a-2`)",
            "6:22: error: there is no step with id `b` (help: known ids: `a`, `c`, `d`)",
            "6:37: error: `soon` is not a valid duration: `soon` is not a duration (help: use ms, s, m, h, d or w, e.g. `90m`, `1.5h`, `1d 4h`)",
            "7:58: error: lead_time 3h does not equal wait_time 1h + process_time 1h = 2h (help: give either `wait_time` or `lead_time`, or make `lead_time: 2h`)",
            "9:20: error: there is no step or system with id `jiraa` (help: known ids: `a`, `c`, `d`, `customer`; declare an outside system under `systems:` to refer to it)",
            "11:20: error: there is no step with id `dev` (help: known ids: `a`, `c`, `d`)",
            "11:45: error: `started` is not a valid `status` (help: `status` is one of `planned`, `in_progress`, `done`, `dropped`)",
            "11:59: error: `2027-13-01` is not a date (help: write the date as `YYYY-MM-DD`, e.g. `2027-02-01`)",
        ]
    );
}

#[test]
fn a_cycle_that_is_not_rework_is_an_error() {
    let found =
        errors("name: Loop\nsteps:\n  - { id: a, after: c }\n  - { id: b }\n  - { id: c }\n");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("3:21: error: the steps form a cycle: `a` → `b` → `c` → `a`"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("declare the loop under `rework:`"));
}

#[test]
fn rework_must_go_upstream_and_stay_below_hundred_percent() {
    let found = errors(
        "name: R\nsteps:\n  - { id: a }\n  - { id: b }\nrework:\n  - { from: a, to: b }\n  - { from: b, to: a, share: 100% }\n",
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(found[0].contains("rework goes from `a` to `b`, which does not come before it"));
    assert!(found[1].contains("a rework share of `100%` means no item ever leaves the loop"));
}

#[test]
fn empty_and_non_yaml_files_are_explained() {
    assert_eq!(
        errors(""),
        vec![
            "1:1: error: the file is empty (help: a map needs at least `name:` and `steps:`; run `vsm init` for a starter map)"
        ]
    );
    assert_eq!(errors("# only a comment\n").len(), 1);
    let not_yaml = errors("name: [unclosed\nsteps: {\n");
    assert_eq!(not_yaml.len(), 1);
    assert!(
        not_yaml[0].contains("this is not valid YAML"),
        "{}",
        not_yaml[0]
    );
    let prose = errors("Just some notes about our process.\n");
    assert_eq!(
        prose,
        vec![
            "1:1: error: expected a map (a mapping of fields), found the text `Just some notes about our process.` (help: write the map as `key: value` lines, e.g. `name: ...`, `description: ...`, `customer: ...`)"
        ]
    );
}

#[test]
fn missing_required_fields_and_wrong_types() {
    let found = errors("steps:\n  - { name: no id, people: many, automated: yes }\n");
    assert_eq!(
        found,
        vec![
            "1:1: error: the map is missing `name` (help: add `name:` (the stream's name.))",
            "2:5: error: a step is missing `id` (help: add `id:` (short identifier other entries refer to, e.g. `develop`.))",
            "2:28: error: expected a whole number, found the text `many` (help: write a whole number of at least 1, e.g. `2`)",
            "2:45: error: expected `true` or `false`, found the text `yes` (help: write `true`)",
        ]
    );
}

#[test]
fn a_loop_back_to_a_step_without_rework_is_flagged_unless_the_log_decides() {
    let codes = |yaml: &str| -> Vec<String> {
        parse_map(yaml)
            .diagnostics
            .iter()
            .map(|d| d.code.to_string())
            .collect()
    };
    let estimated = "name: L\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, process_time: 1h }\nrework:\n  - { from: b, to: a }\n";
    assert_eq!(codes(estimated), ["rework_never_taken"]);
    // Measured: the loop's share comes from the measured %C&A of `a`.
    let measured = "name: L\nsteps:\n  - { id: a, process_time: 1h, measure: { activity: A } }\n  - { id: b, process_time: 1h }\nrework:\n  - { from: b, to: a }\nmeasure: { log: events.csv }\n";
    assert!(codes(measured).is_empty(), "{:?}", codes(measured));
}

#[test]
fn a_fraction_written_as_a_percentage_is_flagged() {
    let parsed =
        parse_map("name: x\nsteps:\n  - { id: a, process_time: 1h, complete_accurate: 0.75 }\n");
    assert!(!parsed.has_errors());
    assert_eq!(
        parsed.diagnostics[0].message,
        "`0.75` is read as 0.75%, not 75%"
    );
}

#[test]
fn unicode_names_keep_their_positions() {
    let parsed = parse_map("name: 交付流程\nsteps:\n  - { id: 审查, naam: Beoordeling }\n");
    let error = parsed.diagnostics.iter().find(|d| d.is_error()).unwrap();
    assert_eq!(error.message, "unknown field `naam` in a step");
    let location = error.location.unwrap();
    assert_eq!((location.line, location.column), (3, 15));
    assert_eq!(
        &"name: 交付流程\nsteps:\n  - { id: 审查, naam: Beoordeling }\n"
            [location.offset..location.offset + location.len],
        "naam"
    );
}

#[test]
fn measure_rules_and_calendars_are_checked() {
    let found = errors(
        "name: M\nsteps:\n  - { id: a, measure: { start: Open } }\n  - { id: b, measure: { activity: X, states: Y } }\nmeasure:\n  log: x.csv\n  calendar: { days: [mon, fryday], hours: 17:00-09:00 }\n",
    );
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].contains("a step measured by an interval needs both `start` and `end`"));
    assert!(found[1].contains("give one way to measure the step, not several"));
    assert!(
        found[2].contains("`fryday` is not a valid `days` (help: `days` is one of `mon`, `tue`"),
        "{}",
        found[2]
    );
    assert!(found[3].contains("`17:00-09:00` is not a span of working hours"));
}

/// The text a diagnostic's location points at.
fn located<'a>(source: &'a str, diagnostic: &Diagnostic) -> &'a str {
    let location = diagnostic.location.expect("a located diagnostic");
    &source[location.offset..location.offset + location.len]
}

/// The diagnostics of `parsed` with `code`, in source order.
fn with_code<'a>(parsed: &'a ParsedMap, code: &str) -> Vec<&'a Diagnostic> {
    parsed
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .collect()
}

/// The first diagnostic with `code` that parsing `source` gives.
fn diagnostic(source: &str, code: &str) -> Diagnostic {
    let parsed = parse_map(source);
    let found = with_code(&parsed, code);
    let first = found
        .first()
        .unwrap_or_else(|| panic!("no `{code}` diagnostic"));
    (*first).clone()
}

#[test]
fn locations_in_non_ascii_text_point_at_the_written_value() {
    // Positions count characters and are turned into byte offsets through checkpoints every 64
    // characters: values before and after many multi-byte characters, on one long line and on
    // later lines, must still be found exactly.
    let long_name = "Étape ☃ 🚀 ".repeat(40);
    let source = format!(
        "name: Größe\nsteps:\n  - {{ id: a, name: \"{long_name}\", process_time: 2 hours ago }}\n  - id: b\n    name: Überprüfung ✓\n    wait_time: 3 fortnights\n"
    );
    let parsed = parse_map(&source);
    let errors: Vec<&Diagnostic> = parsed.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 2, "{:#?}", parsed.diagnostics);
    assert_eq!(located(&source, errors[0]), "2 hours ago");
    assert_eq!(errors[0].location.unwrap().line, 3);
    assert_eq!(located(&source, errors[1]), "3 fortnights");
    let location = errors[1].location.unwrap();
    assert_eq!((location.line, location.column), (6, 16));
}

#[test]
fn a_large_generated_map_reads_with_every_location_right() {
    // 5,000 steps with non-ASCII names: once quadratic (each location scanned the whole file).
    let mut source = String::from("name: Große Karte\nsteps:\n");
    for i in 0..5_000 {
        source.push_str(&format!(
            "  - {{ id: s{i}, name: Schritt № {i}, process_time: 1h, wait_time: 2h }}\n"
        ));
    }
    source.push_str("  - { id: last, process_time: eine Stunde }\n");
    let found = diagnostic(&source, "invalid_duration");
    assert_eq!(located(&source, &found), "eine Stunde");
    assert_eq!(found.location.unwrap().line, 5_003);
}

#[test]
fn a_rework_share_too_close_to_hundred_percent_is_an_error() {
    // 99.9999999999% once read as 100%, gave "inf" extra passes and added 0s to the lead time.
    let source = "name: R\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, process_time: 1h }\nrework:\n  - { from: b, to: a, share: 99.9999999999% }\n";
    let found = diagnostic(source, "rework_share_too_high");
    assert_eq!(located(source, &found), "99.9999999999%");
    assert!(
        found
            .message
            .contains("`99.9999999999%` is too close to 100%: an item would go round the loop"),
        "{found}"
    );
    assert!(found.help.unwrap().contains("at most 99%"));
    assert!(parse_map(source).stream.is_none());
    // 99% is the most a loop may send back: 99 extra passes on average.
    let at_limit = source.replace("99.9999999999%", "99%");
    let stream = parse_map(&at_limit).stream.expect("99% is allowed");
    let analysis = crate::analyze(&stream);
    assert!((analysis.rework[0].expected_extra_passes - 99.0).abs() < 1e-9);
    assert_eq!(
        analysis.rework[0].expected_extra_time,
        Duration::from_hours(2 * 99)
    );
}

#[test]
fn a_derived_rework_share_of_hundred_percent_is_an_error_with_the_fix() {
    // The target step has %C&A 0: a loop without `share` would send every item back forever.
    let source = "name: R\nsteps:\n  - { id: a, process_time: 1h, complete_accurate: 0% }\n  - { id: b, process_time: 1h }\nrework:\n  - { from: b, to: a }\n";
    let found = diagnostic(source, "rework_share_too_high");
    assert_eq!(found.location.unwrap().line, 6);
    assert!(
        found.message.contains("means no item ever leaves the loop"),
        "{found}"
    );
    let help = found.help.unwrap();
    assert!(help.contains("set `share:` on the loop"), "{help}");
    assert!(help.contains("`complete_accurate` of `a`"), "{help}");
    // 0.5% %C&A derives a 99.5% share: past the limit as well.
    let nearly = source.replace("complete_accurate: 0%", "complete_accurate: 0.5%");
    assert!(
        diagnostic(&nearly, "rework_share_too_high")
            .message
            .contains("199 extra times")
    );
    // A declared share needs no usable %C&A.
    let declared = source.replace("to: a }", "to: a, share: 20% }");
    assert!(!parse_map(&declared).has_errors());
}

#[test]
fn totals_past_the_longest_duration_are_located_errors_not_wrapped_numbers() {
    // 400 steps of 200,000 weeks each: the sum passes the limit at the 249th step (index 248).
    // It once wrapped: the critical path stopped at step 310, process time below work content.
    let mut source = String::from("name: Huge\nsteps:\n");
    for i in 0..400 {
        source.push_str(&format!("  - {{ id: s{i}, process_time: 200000w }}\n"));
    }
    let found = diagnostic(&source, "total_too_long");
    assert_eq!(located(&source, &found), "s248");
    assert!(
        found.message.contains(
            "the sum of the steps' lead times (wait plus process time) up to step `s248` is about"
        ),
        "{found}"
    );
    assert!(
        found
            .message
            .contains("more than the longest duration vsm holds (about 950,662 years)"),
        "{found}"
    );
    assert!(parse_map(&source).stream.is_none());
    // One step fewer than the limit reads, and its numbers add up.
    let mut fits = String::from("name: Huge\nsteps:\n");
    for i in 0..248 {
        fits.push_str(&format!("  - {{ id: s{i}, process_time: 200000w }}\n"));
    }
    let stream = parse_map(&fits).stream.expect("within the limit");
    let analysis = crate::analyze(&stream);
    assert_eq!(analysis.critical_path.len(), 248);
    assert_eq!(analysis.summary.process_time, analysis.summary.work_content);
}

#[test]
fn rework_past_the_longest_duration_is_reported_at_the_loop() {
    let source = "name: R\nsteps:\n  - { id: a, wait_time: 1000000w }\n  - { id: b, process_time: 1h }\nrework:\n  - { from: b, to: a, share: 50% }\n  - { from: b, to: a, share: 99% }\n";
    let found = diagnostic(source, "total_too_long");
    assert_eq!(found.location.unwrap().line, 7, "{found}");
    assert!(
        found.message.contains(
            "the expected extra time of the rework loop from `b` to `a` (99 extra passes"
        ),
        "{found}"
    );
}

#[test]
fn an_empty_list_of_working_days_is_an_error() {
    // `days: []` made every measured wait 0.
    let source = "name: M\nsteps:\n  - { id: a, measure: { activity: A } }\nmeasure:\n  log: x.csv\n  calendar: { days: [], hours: 09:00-17:00 }\n";
    let found = diagnostic(source, "no_working_days");
    assert!(located(source, &found).starts_with('['), "{found}");
    assert_eq!(found.location.unwrap().line, 6);
    assert!(
        found
            .help
            .unwrap()
            .contains("days: [mon, tue, wed, thu, fri]")
    );
    assert!(parse_map(source).stream.is_none());
}

#[test]
fn working_hours_far_past_a_day_are_an_error_not_an_overflow() {
    // `2000 * 60` overflowed the minute counter (a panic in debug builds).
    let found = errors(
        "name: M\nsteps:\n  - { id: a, measure: { activity: A } }\nmeasure:\n  log: x.csv\n  calendar: { hours: 2000:00-23:00 }\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].contains("`2000:00-23:00` is not a span of working hours"));
    // The day may end at midnight.
    assert!(errors("name: M\nsteps:\n  - { id: a, measure: { activity: A } }\nmeasure:\n  log: x.csv\n  calendar: { hours: 00:00-24:00 }\n").is_empty());
}

#[test]
fn a_target_whose_min_is_above_its_max_is_an_error() {
    let source = "name: T\nsteps:\n  - { id: a, process_time: 1h }\ntargets:\n  lead_time: { min: 5d, max: 1d }\n  complete_accurate: { min: 90%, max: 80% }\n  process_time: { min: 1h, max: 1h }\n";
    let parsed = parse_map(source);
    let found = with_code(&parsed, "target_min_above_max");
    assert_eq!(found.len(), 2, "{:#?}", parsed.diagnostics);
    assert_eq!(found[0].location.unwrap().line, 5);
    assert!(
        found[0]
            .message
            .contains("`lead_time` has `min: 5d` above `max: 1d`"),
        "{}",
        found[0]
    );
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`{ min: 1d, max: 5d }`")
    );
    assert!(found[1].message.contains("`min: 90%` above `max: 80%`"));
    assert!(parsed.stream.is_none());
}

#[test]
fn utc_offsets_beyond_eighteen_hours_and_malformed_zones_are_errors() {
    let map = |measure_zone: &str, calendar_zone: &str| {
        format!(
            "name: M\nsteps:\n  - {{ id: a, measure: {{ activity: A }} }}\nmeasure:\n  log: x.csv\n  zone: \"{measure_zone}\"\n  calendar: {{ zone: \"{calendar_zone}\" }}\n"
        )
    };
    let source = map("+25:00", "-18:30");
    let parsed = parse_map(&source);
    let found = with_code(&parsed, "invalid_offset");
    assert_eq!(found.len(), 2, "{:#?}", parsed.diagnostics);
    assert_eq!(located(&source, found[0]), "\"+25:00\"");
    assert!(
        found[0].message.contains(
            "`+25:00` is not a UTC offset any place uses: offsets lie between `-18:00` and `+18:00`"
        ),
        "{}",
        found[0]
    );
    assert_eq!(found[1].location.unwrap().line, 7);
    for bad in ["+1", "+05:75", "+0x:00", "++02:00"] {
        let source = map(bad, "UTC");
        assert!(parse_map(&source).has_errors(), "`{bad}` was accepted");
    }
    assert_eq!(
        diagnostic(&map("UTC", "not a zone!"), "invalid_zone")
            .location
            .unwrap()
            .line,
        7
    );
    for good in [
        "+18:00",
        "-12:00",
        "+05:30",
        "+0545",
        "+02",
        "Z",
        "UTC",
        "Europe/Amsterdam",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT+5",
    ] {
        let parsed = parse_map(&map(good, good));
        assert!(!parsed.has_errors(), "`{good}`: {:#?}", parsed.diagnostics);
        assert_eq!(
            parsed.stream.unwrap().measure.unwrap().zone.as_deref(),
            Some(good)
        );
    }
}

#[test]
fn unknown_references_in_a_large_map_list_a_few_ids_not_all() {
    // Each help once listed every step id: 2,000 unknown references in a 2,000-step map made
    // megabytes of messages (and the suggestions compared every pair of names).
    let mut source = String::from("name: Big\nsteps:\n  - { id: s0 }\n");
    for i in 1..2_000 {
        source.push_str(&format!("  - {{ id: s{i}, after: zzzzzz }}\n"));
    }
    let parsed = parse_map(&source);
    let unknown = with_code(&parsed, "unknown_reference");
    assert_eq!(unknown.len(), 1_999);
    for diagnostic in unknown {
        let help = diagnostic.help.as_deref().unwrap();
        assert!(help.ends_with("`s11` and 1988 more"), "{help}");
    }
}

#[test]
fn huge_bad_values_are_quoted_short() {
    // A value of 100,000 characters was quoted whole, twice, in its message.
    let huge = "x".repeat(100_000);
    let source = format!(
        "name: H\nsteps:\n  - {{ id: a, process_time: 1{huge} }}\n  - {{ id: \"{huge}\" }}\n  - {{ id: c, after: {huge}, complete_accurate: {huge} }}\nmeasure: {{ log: x.csv, zone: \"+{huge}\" }}\n"
    );
    let parsed = parse_map(&source);
    let mut quoting = 0;
    for diagnostic in &parsed.diagnostics {
        let text = diagnostic.to_string();
        assert!(text.len() < 600, "{} bytes: {}", text.len(), &text[..600]);
        quoting += usize::from(text.contains("xxxxx… (100"));
    }
    // The duration, the id, the reference, the percentage and the zone.
    assert_eq!(quoting, 5, "{:#?}", parsed.diagnostics);
}

#[test]
fn the_targets_section_lists_every_target_metric() {
    let fields: Vec<&str> = fields::TARGETS.names().collect();
    let mut metrics: Vec<&str> = crate::model::TargetMetric::ALL
        .iter()
        .map(|(_, name)| *name)
        .collect();
    assert_eq!(fields.len(), metrics.len());
    metrics.retain(|name| !fields.contains(name));
    assert_eq!(metrics, Vec::<&str>::new(), "metrics with no field");
}

#[test]
fn choices_are_read_through_the_enums_tables() {
    let parsed = parse_map(
        "name: C\nsteps:\n  - { id: a }\nflows:\n  - { from: a, to: customer, kind: Manual }\nimprovements:\n  - { id: k, step: a, action: Go, status: in progress }\nmeasure: { log: x.csv, reentry: resume, last_event: done }\n",
    );
    let stream = parsed.stream.unwrap();
    assert_eq!(stream.flows[0].kind, FlowKind::Manual);
    assert_eq!(stream.improvements[0].status, ImprovementStatus::InProgress);
    let measure = stream.measure.unwrap();
    assert_eq!(measure.reentry, crate::measure::Reentry::Resume);
    assert!(measure.last_event_ends);
    assert_eq!(
        errors(
            "name: C\nsteps:\n  - { id: a }\nflows:\n  - { from: a, to: customer, kind: manul }\n"
        ),
        [
            "5:36: error: `manul` is not a valid `kind` (help: did you mean `manual`? `kind` is one of `electronic`, `manual`)"
        ]
    );
}

mod dora;
mod extends;
mod queues;

#[test]
fn a_step_pulls_from_a_supermarket_or_has_a_fifo_lane_not_both() {
    let map = "name: P\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, pull: true, process_time: 1h, wait_time: 1d }\n";
    let stream = parse_map(map).stream.expect("a valid map");
    assert!(!stream.steps[0].pull && stream.steps[1].pull);
    // A future state keeps the base's pull, or turns it off.
    let kept = parse_map_extending(
        "extends: x\nsteps:\n  - { id: b, wait_time: 2h }\n",
        &stream,
    );
    assert!(kept.stream.unwrap().steps[1].pull);
    let off = parse_map_extending("extends: x\nsteps:\n  - { id: b, pull: false }\n", &stream);
    assert!(!off.stream.unwrap().steps[1].pull);
    // With a WIP limit, whichever of the two the map (or its base) gives.
    let both = "name: P\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, pull: true, wip_limit: 4, process_time: 1h }\n";
    let parsed = parse_map(both);
    assert!(parsed.stream.is_none());
    let found = with_code(&parsed, "pull_and_fifo");
    assert_eq!(found.len(), 1);
    assert_eq!(located(both, found[0]), "true");
    let message = found[0].to_string();
    assert!(
        message.contains("step `b` pulls from a supermarket and has a FIFO lane (`wip_limit: 4`)")
            && message.contains("remove `pull: true` to keep the FIFO lane"),
        "{message}"
    );
    let limited = parse_map_extending("extends: x\nsteps:\n  - { id: b, wip_limit: 3 }\n", &stream);
    assert_eq!(with_code(&limited, "pull_and_fifo").len(), 1);
    assert_eq!(
        errors("name: P\nsteps:\n  - { id: a, pull: maybe, process_time: 1h }\n").len(),
        1
    );
}
