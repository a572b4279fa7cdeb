//! OCEL 2.0 SQLite files: the event store `vsm fetch` writes, as `vsm measure` and `vsm discover`
//! read it.
//!
//! The first byte is the mode: bit 0 skips invalid events, bit 1 keeps attributes, bit 3 names
//! the object type `issue` (otherwise the log must have one type). The rest is the file, written
//! to a temporary file of this process (SQLite reads a path, not bytes) and read through
//! vsm-ingest's OCEL SQLite reader. Every event read must be used or skipped, every item counted
//! handed on, and errors must be short; a damaged database is an error, never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vsm_fuzz::{Counting, options, read_and_check};

/// The file each input is written to: one per process, in the system's temporary folder.
fn store() -> &'static PathBuf {
    static STORE: OnceLock<PathBuf> = OnceLock::new();
    STORE.get_or_init(|| {
        std::env::temp_dir().join(format!("vsm-fuzz-ocel-{}.sqlite", std::process::id()))
    })
}

/// Removes the file and what SQLite may have put beside it.
fn clean(path: &PathBuf) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut side = path.clone().into_os_string();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, file)) = data.split_first() else {
        return;
    };
    let mut options = options(mode);
    if mode & 8 != 0 {
        options.object_type = Some("issue".to_string());
    }
    let path = store();
    clean(path);
    std::fs::write(path, file).expect("the temporary folder is writable");
    let name = path.to_str().expect("a UTF-8 temporary path");
    let head = &file[..file.len().min(100)];
    read_and_check(&options, Counting::ObjectCentric, |names, sink| {
        vsm_ingest::ocel::sqlite::read(head, name, &options, names, sink)
    });
    clean(path);
});
