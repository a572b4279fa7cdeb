//! The shared editor's map document: a map file read as a tree, written back as YAML, and edited
//! by ops.
//!
//! The input is a map file, then optionally a NUL byte and ops in JSON, one a line, as the
//! browser sends them. A tree that reads must write YAML that reads back to the same tree (key
//! order included); each op that applies must be undone exactly by its inverse (and apply again
//! after that); the edited tree must round trip too; every place in the map's text names a
//! path that leads somewhere in its tree (what a diagnostic's place is shown beside). Errors
//! are fine; panics, hangs and a tree that changes on the way are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use vsm_core::mapfile::document::{Key, Op, apply, path_at, to_yaml, tree};

/// The tree as text, key order included: `Value`'s equality ignores the order of keys.
fn exact(tree: &Value) -> String {
    serde_json::to_string(tree).expect("a tree serializes")
}

/// `tree` written as YAML reads back as the same tree.
fn round_trips(tree: &Value) {
    let yaml = to_yaml(tree);
    let again = vsm_core::mapfile::document::tree(&yaml)
        .unwrap_or_else(|d| panic!("the written YAML does not read back: {d:?}\n{yaml}"));
    assert_eq!(exact(&again), exact(tree), "the round trip changed the tree:\n{yaml}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (map, ops) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(mut document) = tree(map) else {
        return;
    };
    round_trips(&document);
    for offset in (0..=map.len()).step_by(map.len() / 16 + 1) {
        let path = path_at(map, offset);
        let mut at = &document;
        for key in &path {
            at = match key {
                Key::Field(name) => at.get(name.as_str()),
                Key::Index(index) => at.get(*index),
            }
            .unwrap_or_else(|| panic!("path_at({offset}) gave {path:?}, which leads nowhere"));
        }
    }
    for line in ops.lines().take(64) {
        let Ok(json) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Ok(op) = Op::from_json(&json) else {
            continue;
        };
        let before = exact(&document);
        let Ok(applied) = apply(&mut document, &op) else {
            assert_eq!(exact(&document), before, "a refused op changed the tree");
            continue;
        };
        let after = exact(&document);
        apply(&mut document, &applied.inverse).expect("an op's inverse applies");
        assert_eq!(exact(&document), before, "the inverse did not restore the tree");
        apply(&mut document, &op).expect("an op applies again after its undo");
        assert_eq!(exact(&document), after, "the op applied again gave another tree");
    }
    round_trips(&document);
});
