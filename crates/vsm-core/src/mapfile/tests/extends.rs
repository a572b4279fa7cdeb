//! Maps that `extends:` another: the header, the overlay, and the checks on the result.

use super::*;
use crate::{Duration, Percent};

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
    let header = |source: &str| Header::read(source).unwrap().extends.map(|e| e.base);
    assert_eq!(header("extends: base.yaml\n").as_deref(), Some("base.yaml"));
    assert_eq!(header(BASE), None);
}

#[test]
fn an_overlay_that_lowers_ca_to_zero_under_a_base_loop_is_an_error() {
    // The base's loop c -> a derives its share from a's %C&A, which the overlay sets to 0%.
    let parsed = extend("extends: base.yaml\nsteps:\n  - { id: a, complete_accurate: 0% }\n");
    assert!(parsed.stream.is_none());
    let found = parsed
        .diagnostics
        .iter()
        .find(|d| d.code == "rework_share_too_high")
        .expect("reported");
    assert!(found.location.is_some());
    assert!(found.message.contains("from `c` to `a`"), "{found}");
}

#[test]
fn the_header_names_the_base_with_where_it_is_written() {
    let source = "name: Future\nextends: base.yaml\nsteps: []\n";
    let header = Header::read(source).unwrap();
    let extends = header.extends.unwrap();
    assert_eq!(extends.base, "base.yaml");
    assert_eq!((extends.location.line, extends.location.column), (2, 10));
    let at = extends.location.offset;
    assert_eq!(&source[at..at + extends.location.len], "base.yaml");
    // No `extends:`, or one with no value: the map stands alone.
    assert_eq!(Header::read(BASE), Ok(Header::default()));
    assert_eq!(Header::read("extends:\nname: x\n"), Ok(Header::default()));
    assert_eq!(Header::read("- extends\n"), Ok(Header::default()));
}

#[test]
fn a_header_that_cannot_be_read_says_why() {
    let problems = Header::read("extends: [a.yaml, b.yaml]\n").unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].code, "wrong_type");
    assert!(
        problems[0]
            .message
            .contains("expected the file name of the map this one extends, found a list"),
        "{}",
        problems[0]
    );
    assert_eq!(problems[0].location.unwrap().line, 1);
    // Not YAML: the same problem reading the map would report.
    let source = "extends: base.yaml\nsteps: [\n";
    let problems = Header::read(source).unwrap_err();
    assert_eq!(problems, parse_map(source).diagnostics);
    assert_eq!(problems[0].code, "yaml_syntax");
}

#[test]
fn a_parsed_map_knows_the_map_it_extends() {
    let overlay = "extends: base.yaml\nsteps:\n  - { id: a, wait_time: 4h }\n";
    let parsed = extend(overlay);
    assert!(parsed.stream.is_some());
    let extends = parsed.extends.unwrap();
    assert_eq!(extends.base, "base.yaml");
    assert_eq!((extends.location.line, extends.location.column), (1, 10));
    // Read on its own, the overlay is refused, and says what it extends.
    let alone = parse_map(overlay);
    assert!(alone.stream.is_none());
    assert_eq!(alone.diagnostics[0].code, "extends_not_followed");
    assert_eq!(alone.extends, Some(extends));
    assert_eq!(parse_map(BASE).extends, None);
}
