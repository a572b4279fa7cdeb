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
    assert!(found[1].contains("a rework share of 100% means no item ever leaves the loop"));
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

const BASE: &str = "name: Base\nsteps:\n  - { id: a, name: Ask, team: Product, process_time: 1h, wait_time: 1d, complete_accurate: 70% }\n  - { id: b, process_time: 2h, wait_time: 2d }\n  - { id: c, process_time: 3h, wait_time: 3d }\nrework:\n  - { from: c, to: a }\nimprovements:\n  - { id: k1, step: b, action: Do less }\n";

fn extend(overlay: &str) -> ParsedMap {
    let base = parse_map(BASE).stream.unwrap();
    parse_map_extending(overlay, &base)
}

#[test]
fn an_overlay_changes_fields_removes_and_adds_steps() {
    let parsed = extend(
        "extends: base.yaml\nremove: [b]\nsteps:\n  - { id: a, wait_time: 4h, complete_accurate: 90% }\n  - { id: d, after: a, process_time: 30m }\n",
    );
    let warnings: Vec<String> = parsed.diagnostics.iter().map(ToString::to_string).collect();
    let stream = parsed.stream.unwrap();
    assert_eq!(stream.name, "Base");
    let ids: Vec<&str> = stream.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["a", "d", "c"], "d is listed after a; b is gone");
    // Fields left out keep the base's values.
    let a = &stream.steps[0];
    assert_eq!(
        (a.name.as_str(), a.team.as_deref(), a.process_time),
        ("Ask", Some("Product"), Duration::from_hours(1))
    );
    assert_eq!(
        (a.wait_time, a.complete_accurate),
        (Duration::from_hours(4), Percent::new(90.0).unwrap())
    );
    // c followed b; with b removed it follows a.
    assert_eq!(stream.steps[2].after, vec![0]);
    // The loop back to a follows a's new %C&A: 10%.
    assert_eq!(stream.rework[0].share, Percent::new(10.0).unwrap());
    // The improvement on the removed step is left out, and said to be.
    assert!(stream.improvements.is_empty());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .contains("the base map's improvement `k1` is left out: it refers to a removed step")
    );
}

#[test]
fn an_overlay_is_checked_like_a_map() {
    let found: Vec<String> = extend(
        "extends: base.yaml\nremove: [bb]\nsteps:\n  - { id: e, process_time: 1h }\n  - { id: a, proces_time: 2h }\n",
    )
    .diagnostics
    .iter()
    .filter(|d| d.is_error())
    .map(ToString::to_string)
    .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].contains("there is no step `bb` to remove (help: did you mean `b`?)"),
        "{}",
        found[0]
    );
    assert!(found[1].contains("new step `e` does not say which step it follows"));
    assert!(
        found[2]
            .contains("unknown field `proces_time` in a step (help: did you mean `process_time`?)")
    );
    // A map read on its own that says `extends:` is refused rather than half-read.
    assert!(
        errors("extends: base.yaml\nname: x\nsteps:\n  - { id: a }\n")[0]
            .contains("this map extends another, but was read on its own")
    );
    assert_eq!(
        extends_of("extends: base.yaml\n").as_deref(),
        Some("base.yaml")
    );
    assert_eq!(extends_of(BASE), None);
}
