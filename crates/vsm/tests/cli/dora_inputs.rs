//! `vsm dora`, `vsm check` and `vsm report` on what users give them: stores that are not stores,
//! services the store lacks, dates in other forms, windows that cut periods, and the words for
//! one of a thing. The real ants data as in `dora.rs` (the bundle fetched with `vsm fetch git`,
//! GitHub's saved responses with `vsm fetch github`).

use std::path::Path;

use crate::vsm_fails_in;

/// The files in `dir`, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// `vsm dora` on an empty file wrote the store's schema into it (73 kB) and reported an empty
/// window: reading must change nothing, and say what the file is and how to make a store.
#[test]
fn a_file_that_is_no_store_is_left_as_it_is_and_named_with_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.sqlite"), "").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a database\n").unwrap();
    let error = vsm_fails_in(dir.path(), &["dora", "empty.sqlite"]);
    assert!(
        error.contains(
            "`empty.sqlite` is not a vsm event store (it is empty); make one with `vsm fetch git REPOSITORY -o empty.sqlite`"
        ),
        "{error}"
    );
    assert_eq!(
        std::fs::metadata(dir.path().join("empty.sqlite"))
            .unwrap()
            .len(),
        0
    );
    let error = vsm_fails_in(dir.path(), &["dora", "notes.txt"]);
    assert!(
        error.contains("`notes.txt` is not a vsm event store (file is not a database)"),
        "{error}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "not a database\n"
    );
    // A missing store is not made, nor its folder; a map's `store:` is read the same way.
    let error = vsm_fails_in(dir.path(), &["dora", "missing/events.sqlite"]);
    assert!(
        error.contains("there is no event store at `missing/events.sqlite`; fetch one with"),
        "{error}"
    );
    std::fs::write(
        dir.path().join("vsm.yaml"),
        "name: T\nsteps:\n  - { id: a, process_time: 1h }\ndora: { store: empty.sqlite }\n",
    )
    .unwrap();
    let error = vsm_fails_in(dir.path(), &["report", "vsm.yaml", "-o", "r.html"]);
    assert!(
        error.contains("`empty.sqlite` is not a vsm event store (it is empty)"),
        "{error}"
    );
    assert_eq!(names(dir.path()), ["empty.sqlite", "notes.txt", "vsm.yaml"]);
    assert_eq!(
        std::fs::metadata(dir.path().join("empty.sqlite"))
            .unwrap()
            .len(),
        0
    );
}
