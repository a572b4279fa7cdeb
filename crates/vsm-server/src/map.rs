//! A stream's map as the application layer reads it: the text of one version, checked and
//! analyzed by `vsm-app` as the command line does, with the server's [`Files`] (the map comes
//! from the store; the server keeps no event logs and no other map files yet).

use std::io::Read;
use std::path::{Path, PathBuf};

use vsm_app::{Files, Invalid, Loaded};
use vsm_ingest::IngestError;

/// Why a map cannot be taken or analyzed.
#[derive(Debug)]
pub enum Problem {
    /// Its problems, as the diagnostics JSON (`vsm validate --format json`).
    Invalid(String),
    /// Anything else, said in one message.
    Other(String),
}

/// The name a stream's map goes by in diagnostics: `ID.yaml`.
pub fn file_name(stream: &str) -> PathBuf {
    PathBuf::from(format!("{stream}.yaml"))
}

/// The map's text, and nothing else: the server has no files beside it.
struct Upload<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Files for Upload<'_> {
    fn read_map(&self, path: &Path) -> anyhow::Result<String> {
        if path == self.path {
            return Ok(self.text.to_string());
        }
        Err(anyhow::anyhow!(
            "the server keeps each value stream's map on its own and cannot read `{}` (an `extends:` base); push the map with the base's steps written out, without `extends:`",
            path.display()
        ))
    }

    fn open_log(&self, path: &Path) -> Result<Box<dyn Read + Send>, IngestError> {
        Err(IngestError::Io {
            file: path.display().to_string(),
            cause: std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "the server keeps no event logs yet, so it cannot measure a map from the log its `measure:` names; analyze it with `vsm analyze` where the log is, or push the map without `measure:` to see its estimates here",
            ),
        })
    }
}

fn problem(error: &anyhow::Error) -> Problem {
    match error.downcast_ref::<Invalid>() {
        Some(found) => Problem::Invalid(vsm_render::json::to_string(
            &vsm_app::load::diagnostics_report(&found.files, found.message.as_deref()),
        )),
        None => Problem::Other(format!("{error:#}")),
    }
}

/// A map that can be saved: its name and its warnings (as the diagnostics JSON).
#[derive(Debug)]
pub struct Accepted {
    pub name: String,
    pub warnings: serde_json::Value,
}

/// Checks `text` as the map of `stream` with the command line's loader
/// ([`vsm_app::load::check`]): [`Problem::Invalid`] with its diagnostics when it has errors.
pub fn check(stream: &str, text: &str) -> Result<Accepted, Problem> {
    let path = file_name(stream);
    let checked =
        vsm_app::load::check(&Upload { path: &path, text }, &path).map_err(|e| problem(&e))?;
    Ok(Accepted {
        name: checked.stream.name.clone(),
        warnings: vsm_app::load::diagnostics_report(&checked.warnings, None),
    })
}

/// Checks, measures and analyzes `text` as the map of `stream`, as `vsm analyze` does
/// ([`vsm_app::load::load`]).
pub fn analyze(stream: &str, text: &str) -> Result<Loaded, Problem> {
    let path = file_name(stream);
    vsm_app::load::load(&Upload { path: &path, text }, &path, None).map_err(|e| problem(&e))
}

/// The map analyzed for a page, read once: as `vsm analyze` does, except that a map that
/// measures from an event log (which the server does not keep yet) is analyzed from its
/// estimates, with its `measure:` set aside; whether it was, with the map.
pub fn estimates(stream: &str, text: &str) -> Result<(Loaded, bool), Problem> {
    let path = file_name(stream);
    let files = Upload { path: &path, text };
    let mut checked = vsm_app::load::check(&files, &path).map_err(|e| problem(&e))?;
    let set_aside = checked.stream.measure.take().is_some();
    let loaded = vsm_app::load::measure(&files, &path, checked, None).map_err(|e| problem(&e))?;
    Ok((loaded, set_aside))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_with_a_typo_is_refused_with_its_diagnostics() {
        let text = "name: D\nsteps:\n  - id: a\n    proces_time: 2h\n";
        let Err(Problem::Invalid(json)) = check("d", text) else {
            panic!("a typo is an error");
        };
        assert!(json.contains("\"unknown_field\""), "{json}");
        assert!(json.contains("\"d.yaml\""), "{json}");
    }

    #[test]
    fn a_map_extending_another_is_refused_saying_why() {
        let text = "extends: current.yaml\nname: F\n";
        match check("f", text) {
            Err(Problem::Other(message)) => {
                assert!(message.contains("without `extends:`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
