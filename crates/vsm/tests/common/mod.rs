//! What the test binaries share: where the repository is.

use std::path::{Path, PathBuf};

/// The repository's root, where `examples/` and `testdata/` are.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}
