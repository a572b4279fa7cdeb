//! Reading map files, with one clear line for each way it can fail.

use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Result, anyhow};

/// The text of a map file, or an error that says what to do.
pub fn read_map_file(path: &Path) -> Result<String> {
    let shown = path.display();
    if path.is_dir() {
        let example = std::fs::read_dir(path)
            .ok()
            .and_then(|entries| {
                let mut maps: Vec<_> = entries
                    .filter_map(|entry| entry.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension()
                            .is_some_and(|ext| ext == "yaml" || ext == "yml")
                    })
                    .collect();
                maps.sort();
                maps.into_iter().next()
            })
            .map_or_else(String::new, |p| format!(", e.g. `{}`", p.display()));
        return Err(anyhow!(
            "`{shown}` is a directory, not a map file; pass a YAML map file{example}"
        ));
    }
    let bytes = std::fs::read(path).map_err(|error| match error.kind() {
        ErrorKind::NotFound => anyhow!(
            "`{shown}` does not exist; check the path, or create a map with `vsm init {shown}`"
        ),
        ErrorKind::PermissionDenied => anyhow!("cannot read `{shown}`: permission denied"),
        _ => anyhow!("cannot read `{shown}`: {error}"),
    })?;
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        anyhow!(
            "`{shown}` is not a text file: invalid UTF-8 at byte {offset}; a map file is YAML text (UTF-8)"
        )
    })
}
