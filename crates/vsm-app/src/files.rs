//! Where the application reads maps and event logs from: [`Files`], and the file system's
//! [`FileSystem`] with one clear message for each way a read can fail.

use std::io::{ErrorKind, Read};
use std::path::Path;

use anyhow::{Result, anyhow};
use vsm_ingest::{IngestError, Limits};

/// Reads map files and opens event logs by path. Paths are as the map or the user gives them;
/// what they mean (a file, an upload, a row in a database) is the implementation's business.
pub trait Files: Sync {
    /// The text of the map file at `path`, or an error that says what to do.
    fn read_map(&self, path: &Path) -> Result<String>;

    /// The bytes of the event log at `path` (`-`: standard input, where there is one); gzip
    /// and the format are found from the content by the reader.
    fn open_log(&self, path: &Path) -> Result<Box<dyn Read + Send>, IngestError>;

    /// Whether the log at `path` can be read again later by its path (a regular file; not
    /// standard input, a pipe or an upload), so that a map may name it.
    fn is_rereadable(&self, path: &Path) -> bool {
        let _ = path;
        false
    }

    /// The most one piece of an event log may hold.
    fn log_limits(&self) -> Limits {
        Limits::default()
    }
}

/// The file system, as the command line reads it.
#[derive(Clone, Debug)]
pub struct FileSystem {
    /// The largest map file read; a larger one is an error that names the limit.
    pub map_limit: u64,
    /// What the limit is called where the user can raise it (an environment variable).
    pub map_limit_name: &'static str,
    pub log_limits: Limits,
}

impl Default for FileSystem {
    fn default() -> Self {
        FileSystem {
            map_limit: MAX_MAP_SIZE,
            map_limit_name: "VSM_MAX_MAP_SIZE",
            log_limits: Limits::default(),
        }
    }
}

/// The most a map file may hold by default: far more than any map.
pub const MAX_MAP_SIZE: u64 = 16 << 20;

impl Files for FileSystem {
    fn read_map(&self, path: &Path) -> Result<String> {
        let shown = path.display();
        if path.is_dir() {
            return Err(anyhow!(
                "`{shown}` is a directory, not a map file; pass a YAML map file{}",
                example_map(path)
            ));
        }
        let limit = self.map_limit;
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
                "`{shown}` is larger than {}, the most vsm reads as a map file; check that it is the map you meant, or raise the limit with {}={}",
                vsm_ingest::human_size(limit),
                self.map_limit_name,
                vsm_ingest::human_size(limit.saturating_mul(4)).replace(' ', "")
            ));
        }
        map_text(bytes).map_err(|problem| anyhow!("`{shown}` {problem}"))
    }

    fn open_log(&self, path: &Path) -> Result<Box<dyn Read + Send>, IngestError> {
        if vsm_ingest::source::is_standard_input(path) {
            return Ok(Box::new(std::io::stdin()));
        }
        let file = std::fs::File::open(path).map_err(|cause| IngestError::Io {
            file: vsm_ingest::source::name_of(path),
            cause,
        })?;
        Ok(Box::new(file))
    }

    fn is_rereadable(&self, path: &Path) -> bool {
        !vsm_ingest::source::is_standard_input(path)
            && std::fs::metadata(path).is_ok_and(|m| m.is_file())
    }

    fn log_limits(&self) -> Limits {
        self.log_limits
    }
}

/// `, e.g. `folder/first.yaml`` when the folder holds a YAML file.
fn example_map(folder: &Path) -> String {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return String::new();
    };
    let mut maps: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    maps.sort();
    maps.first()
        .map_or_else(String::new, |p| format!(", e.g. `{}`", p.display()))
}

/// Map file bytes as text, or what is wrong with them (said after the file's name).
pub fn map_text(bytes: Vec<u8>) -> Result<String, String> {
    if is_utf16(&bytes) {
        return Err(
            "is UTF-16 text: save it as UTF-8 (a map file is YAML text in UTF-8)".to_string(),
        );
    }
    String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        format!(
            "is not a text file: invalid UTF-8 at byte {offset}; a map file is YAML text (UTF-8)"
        )
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_text_refuses_utf16_and_binary() {
        let utf16: Vec<u8> = "name: x\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(map_text(utf16).unwrap_err().contains("UTF-16"));
        assert!(
            map_text(vec![b'a', 0xff, b'b'])
                .unwrap_err()
                .contains("at byte 1")
        );
        assert_eq!(map_text(b"name: x\n".to_vec()).unwrap(), "name: x\n");
    }
}
