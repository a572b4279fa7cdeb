//! Reading map files, with one clear line for each way it can fail.

use std::io::{ErrorKind, Read as _};
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
    let limit = size_variable(MAP_SIZE_VARIABLE)?.unwrap_or(MAX_MAP_SIZE);
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| {
            // `/dev/zero` or a huge file by mistake: stop past the limit instead of reading on.
            file.take(limit.saturating_add(1)).read_to_end(&mut bytes)
        })
        .map_err(|error| match error.kind() {
            ErrorKind::NotFound => anyhow!(
                "`{shown}` does not exist; check the path, or create a map with `vsm init {shown}`"
            ),
            ErrorKind::PermissionDenied => anyhow!("cannot read `{shown}`: permission denied"),
            _ => anyhow!("cannot read `{shown}`: {error}"),
        })?;
    if bytes.len() as u64 > limit {
        return Err(anyhow!(
            "`{shown}` is larger than {}, the most vsm reads as a map file; check that it is the map you meant, or raise the limit with {MAP_SIZE_VARIABLE}={}",
            vsm_ingest::human_size(limit),
            vsm_ingest::human_size(limit.saturating_mul(4)).replace(' ', "")
        ));
    }
    if is_utf16(&bytes) {
        return Err(anyhow!(
            "`{shown}` is UTF-16 text: save it as UTF-8 (a map file is YAML text in UTF-8)"
        ));
    }
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        anyhow!(
            "`{shown}` is not a text file: invalid UTF-8 at byte {offset}; a map file is YAML text (UTF-8)"
        )
    })
}

/// The most a map file may hold unless `VSM_MAX_MAP_SIZE` says otherwise: far more than any map.
const MAX_MAP_SIZE: u64 = 16 << 20;
const MAP_SIZE_VARIABLE: &str = "VSM_MAX_MAP_SIZE";

/// UTF-16 text: a byte order mark, or ASCII with a NUL beside every character.
fn is_utf16(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return true;
    }
    let pairs = bytes.len().min(256) / 2;
    let interleaved = |nul: usize| {
        bytes
            .chunks_exact(2)
            .take(pairs)
            .filter(|pair| pair[nul] == 0 && pair[1 - nul] != 0)
            .count()
            * 10
            >= pairs * 9
    };
    pairs >= 2 && (interleaved(0) || interleaved(1))
}

/// The limits on what one piece of an event log may hold: the defaults, or the sizes set in
/// `VSM_MAX_FIELD_SIZE` and `VSM_MAX_TRACE_SIZE` (e.g. `256MiB`, `4GiB`).
pub fn log_limits() -> Result<vsm_ingest::Limits> {
    let mut limits = vsm_ingest::Limits::default();
    for (variable, slot) in [
        (vsm_ingest::Limits::FIELD_VARIABLE, &mut limits.field),
        (vsm_ingest::Limits::TRACE_VARIABLE, &mut limits.trace),
    ] {
        if let Some(size) = size_variable(variable)? {
            *slot = size;
        }
    }
    Ok(limits)
}

/// A size read from an environment variable; `None` when it is unset or empty.
fn size_variable(variable: &str) -> Result<Option<u64>> {
    let Some(value) = std::env::var_os(variable) else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    if text.trim().is_empty() {
        return Ok(None);
    }
    vsm_ingest::parse_size(&text).map(Some).ok_or_else(|| {
        anyhow!(
            "{variable} is `{}`, which is not a size; write it like `256MiB`, `4GiB` or a number of bytes",
            text.chars().take(40).collect::<String>()
        )
    })
}
