use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::*;
use crate::{ParsedMap, ValueStream, analyze, parse_map, parse_map_extending};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every YAML file under `dir`, recursively, sorted.
fn yaml_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, found);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            found.push(path);
        }
    }
}

/// The map in `source`, read beside `path` (following `extends:` there), when it loads, and
/// the warnings it has (without their places).
fn load(source: &str, path: &Path) -> Option<(ValueStream, Vec<String>)> {
    let parsed = match parse_map(source) {
        parsed @ ParsedMap { extends: None, .. } => parsed,
        ParsedMap {
            extends: Some(extends),
            ..
        } => {
            let base_path = path.parent().unwrap().join(extends.base);
            let base = load(&std::fs::read_to_string(&base_path).ok()?, &base_path)?.0;
            parse_map_extending(source, &base)
        }
    };
    let warnings = parsed
        .diagnostics
        .iter()
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    Some((parsed.stream?, warnings))
}

fn round_trip(tree: &Value) -> Value {
    let yaml = to_yaml(tree);
    let back = super::tree(&yaml).unwrap_or_else(|errors| panic!("{errors:?}\n{yaml}"));
    assert_same(tree, &back, &yaml);
    back
}

/// Equal values with the keys in the same order (`Value`'s `==` ignores the order).
fn assert_same(expected: &Value, found: &Value, context: &str) {
    assert_eq!(
        serde_json::to_string(expected).unwrap(),
        serde_json::to_string(found).unwrap(),
        "{context}"
    );
}

#[test]
fn every_map_that_loads_round_trips_to_the_same_map() {
    let mut files = Vec::new();
    yaml_files(&repo().join("examples"), &mut files);
    yaml_files(&repo().join("testdata"), &mut files);
    let mut loaded = 0;
    for path in &files {
        let source = std::fs::read_to_string(path).unwrap();
        let Some((stream, warnings)) = load(&source, path) else {
            continue;
        };
        let tree = tree(&source).unwrap();
        round_trip(&tree);
        let yaml = to_yaml(&tree);
        // Written beside the original, so that a relative `extends:` finds its base.
        let (again, warned) = load(&yaml, path)
            .unwrap_or_else(|| panic!("{} no longer loads:\n{yaml}", path.display()));
        assert_eq!(stream, again, "{}", path.display());
        assert_eq!(warnings, warned, "{}", path.display());
        assert_eq!(analyze(&stream), analyze(&again), "{}", path.display());
        loaded += 1;
    }
    // The examples and the render and measure test maps (a map that stops loading drops out).
    assert!(loaded >= 20, "only {loaded} of {} maps loaded", files.len());
    eprintln!("{loaded} of {} maps round tripped", files.len());
}

#[test]
fn text_is_quoted_only_when_yaml_needs_it() {
    let tree = json!({
        "name": "Feature delivery",
        "plain": ["a-b", "x:y", "50%", "1d 4h", "2027-02-01", "C#", "a, b [c]", "ünï ✓"],
        "quoted": ["yes", "No", "1.0", "12", ": x", "#tag", " lead", "trail ", "null", "~",
                   "", "0x1F", ".inf", "-", "- x", "a: b", "a #b", "ends:", "@me", "'q'", "\"q\"",
                   "---", "1e3", "true"],
    });
    let yaml = to_yaml(&tree);
    let lines: Vec<&str> = yaml.lines().collect();
    assert_eq!(lines[0], "name: Feature delivery");
    for plain in tree["plain"].as_array().unwrap() {
        let text = plain.as_str().unwrap();
        assert!(
            lines.contains(&format!("  - {text}").as_str()),
            "{text} quoted:\n{yaml}"
        );
    }
    for quoted in tree["quoted"].as_array().unwrap() {
        let text = quoted.as_str().unwrap();
        assert!(
            !lines.contains(&format!("  - {text}").as_str()),
            "{text} plain:\n{yaml}"
        );
    }
    round_trip(&tree);
}

#[test]
fn hostile_names_survive_a_round_trip() {
    let names = [
        "<script>alert(1)</script>",
        "\"quoted\" and 'single'",
        "back\\slash",
        "two\nlines",
        "two\nlines\n",
        "trailing newlines\n\n",
        "\n leading newline",
        "  indented\n  block",
        "line\n  more indented\nback",
        "tab\there",
        "carriage\r\nreturn",
        "nul \u{0} bell \u{7} esc \u{1b} del \u{7f}",
        "line sep \u{2028} para \u{2029} bom \u{feff} nel \u{85}",
        "日本語 — emoji 🚀 combining é",
        "key: value # comment",
        "{ flow: [mapping] }",
        "*alias &anchor !tag",
        "|\n>",
        "%YAML 1.2",
        "...",
    ];
    let steps: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| json!({ "id": format!("s{i}"), "name": name, "notes": name, *name: 1 }))
        .collect();
    let tree = json!({ "name": "hostile", "steps": steps });
    round_trip(&tree);
    // YAML reads `key:` for keys under 1024 characters only.
    for long in ["k".repeat(1100), "\n".repeat(600), "é".repeat(999)] {
        let tree = json!({ "name": "long", &long: { &long: [{ &long: 1, "b": 2 }] } });
        round_trip(&tree);
    }
}

#[test]
fn multi_line_text_is_a_literal_block() {
    let tree =
        json!({ "steps": [{ "notes": "first line\nsecond line\n" }, { "notes": "a\n\nb" }] });
    let yaml = to_yaml(&tree);
    assert_eq!(
        yaml,
        "steps:\n  - notes: |\n      first line\n      second line\n  - notes: |-\n      a\n\n      b\n"
    );
    round_trip(&tree);
}

#[test]
fn numbers_booleans_empty_values_and_nesting_round_trip() {
    let tree = json!({
        "numbers": [0, -3, 12, 1.5, 1.0, 1e300, -2.5e-8, i64::MAX, i64::MIN],
        "flags": [true, false],
        "empty": null,
        "nothing": {},
        "none": [],
        "nested": [[1, [2, []]], [{ "a": { "b": [{}] } }], [null, null]],
    });
    let yaml = to_yaml(&tree);
    assert!(
        yaml.contains("- 1.5\n") && yaml.contains("- 1.0\n"),
        "{yaml}"
    );
    assert!(yaml.contains("empty:\n"), "{yaml}");
    round_trip(&tree);
    for scalar in [
        json!("text"),
        json!(3),
        json!({}),
        json!([]),
        json!("two\nlines"),
    ] {
        round_trip(&scalar);
    }
}

#[test]
fn key_order_is_kept() {
    let source = "steps:\n  - wait_time: 1h\n    id: b\n    name: B\nname: Last\n";
    let tree = tree(source).unwrap();
    assert_eq!(to_yaml(&tree), source);
}

#[test]
fn what_a_tree_cannot_hold_is_an_error_naming_where() {
    for (source, code, line) in [
        ("name: x\n1: one\n", "key_not_text", 2),
        ("name: !custom x\n", "yaml_tag", 1),
        ("name: x\nsize: .inf\n", "not_finite", 2),
        ("name: [x\n", "yaml_syntax", 2),
        ("name: x\n---\nname: y\n", "several_documents", 3),
    ] {
        let errors = tree(source).unwrap_err();
        assert_eq!(errors[0].code, code, "{source}: {errors:?}");
        assert_eq!(
            errors[0].location.unwrap().line,
            line,
            "{source}: {errors:?}"
        );
    }
}

#[test]
fn hostile_documents_are_refused_not_expanded() {
    // Aliases nested ten deep would stand for 10^10 nodes.
    let mut source = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..10 {
        let previous = level - 1;
        let refs = vec![format!("*a{previous}"); 10].join(", ");
        source.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
    }
    let errors = tree(&source).unwrap_err();
    assert_eq!(errors[0].code, "yaml_syntax", "{errors:?}");
    let mut blocks = String::new();
    for level in 0..200 {
        blocks.push_str(&" ".repeat(level));
        blocks.push_str("a:\n");
    }
    let errors = tree(&blocks).unwrap_err();
    assert_eq!(errors[0].code, "too_deep", "{errors:?}");
    assert_eq!(
        errors[0].location.unwrap().line,
        MAX_DEPTH + 1,
        "{errors:?}"
    );
    let flow = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(tree(&flow).unwrap_err()[0].code, "too_deep");
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let errors = tree(&deep).unwrap_err();
    assert_eq!(errors[0].code, "yaml_syntax", "{errors:?}");
}

// Edits.

fn op(path: &[Key], edit: Edit, expect: Option<Value>) -> Op {
    Op {
        path: path.to_vec(),
        edit,
        expect,
    }
}

fn field(name: &str) -> Key {
    Key::from(name)
}

fn sample() -> Value {
    tree(
        "name: Sample\nsteps:\n  - id: a\n    name: A\n    process_time: 1h\n  - id: b\n    process_time: 2h\n  - id: c\n    process_time: 3h\nrework: []\n",
    )
    .unwrap()
}

fn apply_and_undo(op: &Op) {
    let mut tree = sample();
    let before = tree.clone();
    let applied = apply(&mut tree, op).unwrap_or_else(|e| panic!("{op}: {e}"));
    assert!(applied.conflict.is_none(), "{op}: {:?}", applied.conflict);
    assert_ne!(
        serde_json::to_string(&tree).unwrap(),
        serde_json::to_string(&before).unwrap()
    );
    // Each op and its inverse go over the wire and back unchanged.
    for op in [op, &applied.inverse] {
        assert_eq!(
            &Op::from_json(&op.to_json()).unwrap(),
            op,
            "{}",
            op.to_json()
        );
    }
    let undone = apply(&mut tree, &applied.inverse).unwrap();
    assert!(
        undone.conflict.is_none(),
        "undo of {op}: {:?}",
        undone.conflict
    );
    assert_same(&before, &tree, &op.to_string());
    // And redo, from the undo's inverse, gives the edited tree again.
    let mut redone = tree.clone();
    apply(&mut redone, &undone.inverse).unwrap();
    let mut edited = before.clone();
    apply(&mut edited, op).unwrap();
    assert_same(&edited, &redone, &op.to_string());
}

#[test]
fn each_op_and_its_inverse_give_the_exact_earlier_tree() {
    let b = || json!({ "id": "b", "process_time": "2h" });
    let steps = field("steps");
    apply_and_undo(&op(
        &[field("name")],
        Edit::Set(json!("New")),
        Some(json!("Sample")),
    ));
    apply_and_undo(&op(&[field("customer")], Edit::Set(json!("Users")), None));
    apply_and_undo(&op(&[field("name")], Edit::Remove, Some(json!("Sample"))));
    apply_and_undo(&op(
        &[field("steps")],
        Edit::Remove,
        Some(sample()["steps"].clone()),
    ));
    apply_and_undo(&op(
        &[steps.clone(), Key::Index(1)],
        Edit::Remove,
        Some(b()),
    ));
    apply_and_undo(&op(
        &[steps.clone(), Key::Index(1), field("process_time")],
        Edit::Set(json!("4h")),
        Some(json!("2h")),
    ));
    apply_and_undo(&op(
        &[steps.clone(), Key::Index(1)],
        Edit::Set(json!({"id": "x"})),
        Some(b()),
    ));
    apply_and_undo(&op(
        &[steps.clone(), Key::Index(3)],
        Edit::Insert(json!({"id": "d"})),
        None,
    ));
    apply_and_undo(&op(
        &[steps.clone(), Key::Index(0)],
        Edit::Insert(json!({"id": "z"})),
        None,
    ));
    apply_and_undo(&op(
        &[steps.clone(), Key::Index(0)],
        Edit::Move { to: 2 },
        Some(sample()["steps"][0].clone()),
    ));
    apply_and_undo(&op(
        &[steps.clone(), Key::Index(2)],
        Edit::Move { to: 0 },
        Some(sample()["steps"][2].clone()),
    ));
    apply_and_undo(&op(&[], Edit::Set(json!({})), Some(sample())));
}

#[test]
fn an_op_over_an_unseen_change_applies_and_is_reported() {
    let mut tree = sample();
    let path = [field("steps"), Key::Index(1), field("process_time")];
    // Ann sets 2h -> 4h; Bob, who still sees 2h, sets 5h: Bob's wins, and the result says so.
    let ann = apply(
        &mut tree,
        &op(&path, Edit::Set(json!("4h")), Some(json!("2h"))),
    )
    .unwrap();
    assert!(ann.conflict.is_none());
    let bob = apply(
        &mut tree,
        &op(&path, Edit::Set(json!("5h")), Some(json!("2h"))),
    )
    .unwrap();
    assert_eq!(
        bob.conflict,
        Some(Conflict {
            path: path.to_vec(),
            expected: Some(json!("2h")),
            found: Some(json!("4h")),
        })
    );
    assert_eq!(tree["steps"][1]["process_time"], json!("5h"));
    // Ann's undo now meets Bob's value: it applies, and is reported too.
    let undo = apply(&mut tree, &ann.inverse).unwrap();
    assert_eq!(undo.conflict.unwrap().found, Some(json!("5h")));
    assert_eq!(tree["steps"][1]["process_time"], json!("2h"));
    // Removing a field someone else just added is a conflict as well.
    let removed = apply(
        &mut tree,
        &op(&[field("name")], Edit::Remove, Some(json!("Old"))),
    )
    .unwrap();
    assert_eq!(removed.conflict.unwrap().found, Some(json!("Sample")));
}

#[test]
fn bad_paths_are_errors_naming_the_path() {
    let steps = field("steps");
    for (path, edit, message) in [
        (
            vec![field("stpes"), Key::Index(0)],
            Edit::Remove,
            "cannot edit `stpes[0]`: the map has no field `stpes`",
        ),
        (
            vec![steps.clone(), Key::Index(9), field("name")],
            Edit::Set(json!("x")),
            "cannot edit `steps[9].name`: `steps` has 3 items, so no item 9",
        ),
        (
            vec![steps.clone(), field("name")],
            Edit::Set(json!("x")),
            "cannot edit `steps.name`: `steps` is a list, which has no field `name`",
        ),
        (
            vec![field("name"), Key::Index(0)],
            Edit::Remove,
            "cannot edit `name[0]`: `name` is text, which has no item 0",
        ),
        (
            vec![steps.clone(), Key::Index(3)],
            Edit::Set(json!("x")),
            "cannot edit `steps[3]`: the list has 3 items, so no item 3",
        ),
        (
            vec![steps.clone(), Key::Index(4)],
            Edit::Insert(json!("x")),
            "cannot edit `steps[4]`: the list has 3 items, so an item goes in at 3 at most, not 4",
        ),
        (
            vec![steps.clone(), Key::Index(0)],
            Edit::Move { to: 3 },
            "cannot edit `steps[0]`: the list has 3 items, so an item moves to 2 at most, not 3",
        ),
        (
            vec![field("customer")],
            Edit::Remove,
            "cannot edit `customer`: there is no such field to remove",
        ),
        (
            vec![field("name")],
            Edit::Insert(json!("x")),
            "cannot edit `name`: `insert` applies to a list item; this is a mapping's field",
        ),
        (
            vec![],
            Edit::Remove,
            "cannot edit `(the map)`: only `set` applies to the whole map, not `remove`",
        ),
    ] {
        let mut tree = sample();
        let error = apply(&mut tree, &op(&path, edit, None)).unwrap_err();
        assert_eq!(error.to_string(), message);
        assert_same(&sample(), &tree, message);
    }
}

#[test]
fn edits_cannot_nest_the_tree_deeper_than_it_may_be_read() {
    let mut tree = json!({});
    let long: Vec<Key> = (0..100_000).map(|_| field("a")).collect();
    let error = apply(&mut tree, &op(&long, Edit::Remove, None)).unwrap_err();
    assert_eq!(error.problem, "a path is at most 64 steps long, not 100000");
    assert!(error.path.len() < 100, "{}", error.path);
    let mut deep = json!(1);
    for _ in 0..MAX_DEPTH {
        deep = json!([deep]);
    }
    let error = apply(&mut tree, &op(&[field("a")], Edit::Set(deep.clone()), None)).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "cannot edit `a`: the value would nest lists and mappings more than {MAX_DEPTH} levels deep"
        )
    );
    // As deep as may be, and written out, it reads back.
    apply(&mut tree, &op(&[], Edit::Set(deep[0].clone()), None)).unwrap();
    round_trip(&tree);
    // Growing it one level at a time stops at the same depth.
    let mut path = vec![field("a")];
    let mut tree = json!({});
    while apply(&mut tree, &op(&path, Edit::Set(json!({})), None)).is_ok() {
        path.push(field("a"));
    }
    assert_eq!(path.len(), MAX_DEPTH);
    round_trip(&tree);
}

#[test]
fn ops_are_read_from_json_as_the_editor_sends_them() {
    let read = Op::from_json(
        &json!({ "path": ["steps", 2, "name"], "op": "set", "value": "Deploy", "expect": null }),
    )
    .unwrap();
    assert_eq!(
        read,
        op(
            &[field("steps"), Key::Index(2), field("name")],
            Edit::Set(json!("Deploy")),
            Some(Value::Null)
        )
    );
    let unseen = Op::from_json(&json!({ "path": ["name"], "op": "remove" })).unwrap();
    assert_eq!(unseen.expect, None);
    for (bad, message) in [
        (
            json!([]),
            "cannot edit `[]`: an op is an object: {\"path\": [...], \"op\": \"set\", \"value\": ...}",
        ),
        (
            json!({ "path": ["name"], "op": "set", "valeu": 1 }),
            "cannot edit `name`: `valeu` is not a field of an op; did you mean `value`?",
        ),
        (
            json!({ "path": ["name"], "op": "set", "author": "ann" }),
            "cannot edit `name`: `author` is not a field of an op; an op has `path`, `op`, `value`, `expect`, `to`, `position`",
        ),
        (
            json!({ "path": ["name"], "op": "set" }),
            "cannot edit `name`: this op needs a `value`",
        ),
        (
            json!({ "path": ["name"], "op": "rename" }),
            "cannot edit `name`: `op` is `\"rename\"`, not one of `set`, `remove`, `insert`, `move` or `restore`",
        ),
        (
            json!({ "path": ["name"] }),
            "cannot edit `name`: `op` is missing, not one of `set`, `remove`, `insert`, `move` or `restore`",
        ),
        (
            json!({ "path": ["steps", 0], "op": "move", "to": -1 }),
            "cannot edit `steps[0]`: this op needs `to`, a list index (0, 1, 2...)",
        ),
        (
            json!({ "op": "remove" }),
            "cannot edit `null`: a path is a list of field names and indices, e.g. [\"steps\", 2, \"name\"]",
        ),
    ] {
        assert_eq!(Op::from_json(&bad).unwrap_err().to_string(), message);
    }
}

#[test]
fn paths_come_from_json_lists() {
    assert_eq!(
        path_from_json(&json!(["steps", 2, "name"])).unwrap(),
        vec![field("steps"), Key::Index(2), field("name")]
    );
    for (bad, problem) in [
        (json!("steps.2"), "a path is a list"),
        (json!(["steps", -1]), "item 1, `-1`, is not a list index"),
        (json!(["steps", 1.5]), "item 1, `1.5`, is not a list index"),
        (json!(["steps", null]), "item 1, `null`, is neither"),
    ] {
        let error = path_from_json(&bad).unwrap_err();
        assert!(error.problem.starts_with(problem), "{error}");
    }
}

#[test]
fn ops_build_a_five_step_map_with_a_branch_and_a_loop_from_an_empty_map() {
    let mut tree = json!({});
    let mut undo = Vec::new();
    let steps = field("steps");
    let mut ops = vec![
        op(
            &[field("name")],
            Edit::Set(json!("Built in the editor")),
            None,
        ),
        op(&[field("steps")], Edit::Set(json!([])), None),
    ];
    // Added out of order, then moved into place, as a facilitator working backwards would.
    for (at, step) in [
        json!({ "id": "ship", "name": "Ship", "process_time": "1h", "wait_time": "2h" }),
        json!({ "id": "code", "name": "Code", "process_time": "4h", "wait_time": "1h" }),
        json!({ "id": "docs", "name": "Write docs", "after": "code", "process_time": "2h", "wait_time": "30m" }),
        json!({ "id": "test", "name": "Test", "after": "code", "process_time": "3h", "wait_time": "3h" }),
        json!({ "id": "plan", "name": "Plan", "process_time": "1h", "wait_time": "1h" }),
    ]
    .into_iter()
    .enumerate()
    {
        ops.push(op(&[steps.clone(), Key::Index(at)], Edit::Insert(step), None));
    }
    ops.push(op(
        &[steps.clone(), Key::Index(4)],
        Edit::Move { to: 0 },
        Some(json!({ "id": "plan", "name": "Plan", "process_time": "1h", "wait_time": "1h" })),
    ));
    ops.push(op(
        &[steps.clone(), Key::Index(1)],
        Edit::Move { to: 4 },
        None,
    ));
    ops.push(op(
        &[steps.clone(), Key::Index(4), field("after")],
        Edit::Set(json!(["docs", "test"])),
        None,
    ));
    ops.push(op(
        &[field("rework")],
        Edit::Set(json!([{ "from": "test", "to": "code", "share": "20%" }])),
        None,
    ));
    let mut conflicts = 0;
    for op in &ops {
        let applied = apply(&mut tree, op).unwrap_or_else(|e| panic!("{op}: {e}"));
        conflicts += usize::from(applied.conflict.is_some());
        undo.push(applied.inverse);
    }
    // The second move's `expect` was left out on purpose: it is the one conflict.
    assert_eq!(conflicts, 1);
    let yaml = to_yaml(&tree);
    let parsed = parse_map(&yaml);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}\n{yaml}",
        parsed.diagnostics
    );
    let stream = parsed.stream.unwrap();
    let ids: Vec<&str> = stream.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["plan", "code", "docs", "test", "ship"]);
    let summary = analyze(&stream).summary;
    // Critical path plan (2h) -> code (5h) -> test (6h) -> ship (3h), beside docs (2h 30m).
    assert_eq!(summary.lead_time.to_string(), "16h");
    // Rework: 20% back from test to code, an expected 0.2 / 0.8 x (5h + 6h) = 2h 45m more.
    assert_eq!(summary.lead_time_with_rework.to_string(), "18h 45m");
    // Undoing every op, last first, gives the empty map back.
    for inverse in undo.iter().rev() {
        apply(&mut tree, inverse).unwrap();
    }
    assert_same(&json!({}), &tree, "after undoing everything");
}

mod any_text {
    use proptest::prelude::*;
    use serde_json::json;

    use super::round_trip;

    /// Text drawn mostly from what YAML treats specially, so that odd mixes come up often.
    fn text() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            ' ', '\t', '\n', '\r', ':', '#', '-', '?', '|', '>', '\'', '"', '\\', '[', ']', '{',
            '}', ',', '&', '*', '!', '%', '@', '`', '~', '.', '0', '1', 'e', 'y', 'n', '\u{0}',
            '\u{85}', '\u{feff}', '\u{2028}', 'é', '🚀',
        ]);
        prop::collection::vec(prop_oneof![special, any::<char>()], 0..24)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any text, as a value, a list item or a key, reads back as the same text.
        #[test]
        fn any_text_round_trips(value in text(), key in text()) {
            round_trip(&json!({ "name": &value, "steps": [&value, { &key: &value }], &key: [[&value]] }));
        }
    }
}

#[test]
fn a_place_in_the_text_names_the_field_it_belongs_to() {
    let source = "name: x\nsteps:\n  - id: a\n    nme: A\n  - id: b\n    process_time: 2x\nrework:\n  - { from: b, to: a }\n";
    let at = |needle: &str| path_at(source, source.find(needle).unwrap());
    let path = |keys: &[Key]| keys.to_vec();
    assert_eq!(at("x\n"), path(&["name".into()]));
    assert_eq!(at("nme"), path(&["steps".into(), 0.into(), "nme".into()]));
    assert_eq!(
        at("2x"),
        path(&["steps".into(), 1.into(), "process_time".into()])
    );
    assert_eq!(at("to: a"), path(&["rework".into(), 0.into(), "to".into()]));
    assert_eq!(path_at(source, 0), path(&["name".into()]));
    assert_eq!(path_at("steps: [\n", 3), Vec::<Key>::new());
}

/// An op may bring any number JSON holds, but YAML's integers stop at `i64`: an integer past
/// them is set as the float it reads back as, so that the map saved is the map the editor
/// showed.
#[test]
fn a_number_past_what_yaml_reads_as_an_integer_is_kept_as_it_reads_back() {
    for number in [json!(u64::MAX), json!(9_223_372_036_854_775_808_u64)] {
        let mut tree = json!({"name": "Map"});
        let set = Op::from_json(&json!({"path": ["big"], "op": "set", "value": number})).unwrap();
        apply(&mut tree, &set).unwrap();
        round_trip(&tree);
    }
}
