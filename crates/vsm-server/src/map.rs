//! A stream's map as the application layer reads it: the text of one version, checked and
//! analyzed by `vsm-app` as the command line does, with the server's [`Files`]: the map comes
//! from the store, and a map that measures (`measure:`) is measured from the stream's event
//! store, derived from its webhook deliveries ([`crate::events`]), in place of the log it names.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use vsm_app::{Files, Invalid, Loaded};
use vsm_ingest::IngestError;

use crate::future::Bases;

/// Why a map cannot be taken or analyzed.
#[derive(Clone, Debug)]
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

/// The map's text, the maps it extends (fetched from the store), and the stream's event
/// store: the server has no other files.
struct Upload<'a> {
    path: &'a Path,
    text: &'a str,
    bases: &'a Bases,
    /// The log the map is measured from, with the attributes its rules match on.
    log: Option<(&'a Path, Vec<String>)>,
}

impl Files for Upload<'_> {
    fn read_map(&self, path: &Path) -> anyhow::Result<String> {
        if path == self.path {
            return Ok(self.text.to_string());
        }
        if let Some(text) = self.bases.text(path) {
            return Ok(text.to_string());
        }
        Err(match &self.bases.problem {
            Some(problem) => anyhow::anyhow!("{problem}"),
            None => anyhow::anyhow!(
                "the map extends `{}`, which names no value stream read with it; `extends: NAME.yaml` names the stream `NAME` on this server: push that map first",
                path.display()
            ),
        })
    }

    fn open_log(&self, path: &Path) -> Result<Box<dyn Read + Send>, IngestError> {
        let opened = |result: std::io::Result<Box<dyn Read + Send>>| {
            result.map_err(|cause| IngestError::Io {
                file: path.display().to_string(),
                cause,
            })
        };
        match &self.log {
            Some((log, wanted))
                if *log == path && log.extension().is_some_and(|e| e == "jsonl") =>
            {
                return opened(
                    crate::events::flattened(log, wanted)
                        .map(|r| Box::new(r) as Box<dyn Read + Send>),
                );
            }
            Some((log, _)) if *log == path => {
                return opened(
                    std::fs::File::open(log).map(|f| Box::new(f) as Box<dyn Read + Send>),
                );
            }
            _ => {}
        }
        Err(IngestError::Io {
            file: path.display().to_string(),
            cause: std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "the server measures a map from its stream's webhook deliveries, not from the log its `measure:` names; analyze it with `vsm analyze` where the log is",
            ),
        })
    }
}

/// What the OCEL store `log` lacks that measuring `source` needs, said for people: no object of
/// its type, or no link it follows (`deployed_by`: no deployment) received yet.
fn not_yet(log: &Path, source: &vsm_core::measure::MeasureSource) -> Option<String> {
    let kind = source.object_type.as_deref()?;
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    // A store that cannot be read is measured, and its error said.
    let store = rusqlite::Connection::open_with_flags(log, flags).ok()?;
    let has = |sql: &str, value: &str| -> Option<bool> {
        store
            .query_row(sql, [value], |_| Ok(()))
            .map(|()| true)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(false),
                other => Err(other),
            })
            .ok()
    };
    if has("SELECT 1 FROM object WHERE ocel_type = ?1 LIMIT 1", kind) == Some(false) {
        return Some(format!(
            "no `{kind}` received yet; the numbers are the map's estimates (the deliveries so far give none)"
        ));
    }
    let missing = source.follow.iter().find(|link| {
        has(
            "SELECT 1 FROM object_object WHERE ocel_qualifier = ?1 LIMIT 1",
            link,
        ) == Some(false)
    })?;
    Some(match missing.as_str() {
        "deployed_by" => format!(
            "no deployments received yet; the numbers are the map's estimates (the map follows `{missing}`, and no delivery has given a deployment)"
        ),
        _ => format!(
            "no `{missing}` link received yet; the numbers are the map's estimates (the map follows `{missing}`, and no delivery has given one)"
        ),
    })
}

/// `problem` without the server's path of the stream's event store `log`: a message of the
/// server never shows where its files are.
pub fn hidden(problem: Problem, log: &Path) -> Problem {
    let folder = log.parent().unwrap_or(log);
    let hide = |text: String| {
        text.replace(
            &log.display().to_string(),
            "the stream's webhook deliveries",
        )
        .replace(&folder.display().to_string(), "the server's cache")
    };
    match problem {
        Problem::Invalid(json) => Problem::Invalid(hide(json)),
        Problem::Other(message) => Problem::Other(hide(message)),
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
pub fn check(stream: &str, text: &str, bases: &Bases) -> Result<Accepted, Problem> {
    let path = file_name(stream);
    let checked = vsm_app::load::check(
        &Upload {
            path: &path,
            text,
            bases,
            log: None,
        },
        &path,
    )
    .map_err(|e| problem(&e))?;
    Ok(Accepted {
        name: checked.stream.name.clone(),
        warnings: vsm_app::load::diagnostics_report(&checked.warnings, None),
    })
}

/// The map `text` of `stream`, checked, without analyzing it.
pub fn check_only(stream: &str, text: &str, bases: &Bases) -> Result<vsm_app::Checked, Problem> {
    let path = file_name(stream);
    vsm_app::load::check(
        &Upload {
            path: &path,
            text,
            bases,
            log: None,
        },
        &path,
    )
    .map_err(|e| problem(&e))
}

/// An earlier version's map analyzed from its estimates, with its `measure:` set aside, and
/// whether it was: the stream's deliveries are measured against the latest map alone
/// ([`measured`]), as the numbers of now, not of when an earlier version was saved.
pub fn estimates(stream: &str, text: &str, bases: &Bases) -> Result<(Loaded, bool), Problem> {
    let path = file_name(stream);
    let files = Upload {
        path: &path,
        text,
        bases,
        log: None,
    };
    let mut checked = vsm_app::load::check(&files, &path).map_err(|e| problem(&e))?;
    let set_aside = checked.stream.measure.take().is_some();
    let loaded = vsm_app::load::measure(&files, &path, checked, None).map_err(|e| problem(&e))?;
    Ok((loaded, set_aside))
}

/// Why a map cannot be drawn: the maps with errors and their diagnostics, or a message.
#[derive(Debug)]
pub enum Undrawn {
    Invalid(Vec<vsm_app::load::FileDiagnostics>),
    Other(String),
}

/// The map `text` of `stream` as the workshop editor draws it: analyzed from its estimates
/// (any `measure:` set aside: the editor shows the map as drawn, as `vsm analyze` does without
/// its log), with countermeasures proposed at its bottlenecks, and its warnings.
pub fn drawn(stream: &str, text: &str, bases: &Bases) -> Result<Loaded, Undrawn> {
    let path = file_name(stream);
    let files = Upload {
        path: &path,
        text,
        bases,
        log: None,
    };
    let failed = |error: anyhow::Error| match error.downcast::<Invalid>() {
        Ok(found) => Undrawn::Invalid(found.files),
        Err(error) => Undrawn::Other(format!("{error:#}")),
    };
    let mut checked = vsm_app::load::check(&files, &path).map_err(failed)?;
    checked.stream.measure = None;
    let mut loaded = vsm_app::load::measure(&files, &path, checked, None).map_err(failed)?;
    loaded.propose_countermeasures(&path);
    Ok(loaded)
}

/// What a page's numbers come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Numbers {
    /// The map measures nothing: its estimates.
    Estimates,
    /// Measured from the stream's deliveries; what they are, for people.
    Measured(String),
    /// The map measures, but no delivery gave its log anything yet: its estimates, and which
    /// webhook to set up.
    Waiting(String),
}

impl Numbers {
    /// The note a page shows, if any.
    pub fn note(&self) -> Option<&str> {
        match self {
            Numbers::Estimates => None,
            Numbers::Measured(note) | Numbers::Waiting(note) => Some(note),
        }
    }

    /// Measured from the stream's deliveries.
    pub fn measured(&self) -> bool {
        matches!(self, Numbers::Measured(_))
    }

    /// The map measures its numbers, and they are its estimates for want of deliveries.
    pub fn estimated(&self) -> bool {
        matches!(self, Numbers::Waiting(_))
    }

    /// The same numbers, known to be older than the deliveries: `said` how much is added to
    /// the note (estimates that measure nothing do not change with deliveries).
    #[must_use]
    pub fn later(&self, said: &str) -> Numbers {
        match self {
            Numbers::Estimates => Numbers::Estimates,
            Numbers::Measured(note) => Numbers::Measured(format!("{note} {said}")),
            Numbers::Waiting(note) => Numbers::Waiting(format!("{note} {said}")),
        }
    }
}

/// [`measure_now`], or the analysis kept from an earlier request for the same map and
/// deliveries ([`crate::measurements`]), when `events` comes with the process's analyses.
/// Blocks: call it on a blocking thread.
pub fn measured(
    stream: &str,
    text: &str,
    events: &crate::events::Current,
) -> crate::measurements::Measured {
    match &events.measurements {
        Some(kept) => kept.get(stream, text, events, events.wanted, measure_now),
        None => measure_now(stream, text, events),
    }
}

/// Checks `text` as the map of `stream`, and measures it as `vsm analyze` does from the
/// stream's event store `events` (the OCEL store the GitHub and GitLab deliveries give when
/// its `measure:` names an `object_type`, else the generic events' log), in place of the log
/// the map names; a map that measures from a store no delivery has filled yet is analyzed from
/// its estimates, saying which webhook gives it its numbers.
pub fn measure_now(
    stream: &str,
    text: &str,
    events: &crate::events::Current,
) -> crate::measurements::Measured {
    let path = file_name(stream);
    let plain = Upload {
        path: &path,
        text,
        bases: &events.bases,
        log: None,
    };
    let mut checked = vsm_app::load::check(&plain, &path).map_err(|e| problem(&e))?;
    // A future state is measured through the current state at the bottom of its chain, from
    // that stream's deliveries ([`crate::api::current_events`]); one that measures otherwise
    // would be measured from deliveries that are not its own.
    let current = checked.root.as_ref().or(checked.base.as_ref());
    if let (Some((current_path, current)), Some(_)) = (current, &checked.stream.measure)
        && current.measure != checked.stream.measure
    {
        return Err(Problem::Other(format!(
            "the map measures its numbers (`measure:`) otherwise than `{}`, the current state it extends; the server measures a future state from its current state's deliveries only: remove the future state's `measure:` to inherit the current state's",
            current_path.display()
        )));
    }
    // Deliveries come to the current state's stream.
    let stream = events.bases.root().unwrap_or(stream);
    let Some(source) = checked.stream.measure.clone() else {
        let loaded =
            vsm_app::load::measure(&plain, &path, checked, None).map_err(|e| problem(&e))?;
        return Ok((Arc::new(loaded), Numbers::Estimates));
    };
    // `events` are those the stream's latest map is measured from: an earlier version that
    // extends another map (or none) would be measured from deliveries that are not its.
    let latest_base = events.bases.maps.first().map(|(base, _)| base.clone());
    if events.bases.problem.is_none() && crate::future::extended(text) != latest_base {
        return Err(Problem::Other(match latest_base {
            Some(base) => format!(
                "this version of the map does not extend `{base}.yaml` as the stream's latest map does, and the stream's numbers are measured from `{base}`'s deliveries: see the latest version's"
            ),
            None => "this version of the map extends a map, and the stream's latest map does not: its numbers are measured as of the latest map; see the latest version's".to_string(),
        }));
    }
    let summary = &events.summary;
    let (log, used, what) = match &source.object_type {
        Some(kind) => (
            events.ocel.as_deref(),
            summary.used_hooks,
            format!(
                "a GitHub or GitLab webhook (`/hooks/github/{stream}/SOURCE` or `/hooks/gitlab/{stream}/SOURCE`) whose deliveries give its `{kind}` items, or a pull source (`kind: \"pull\"` in POST /api/streams/{stream}/sources) that reads them"
            ),
        ),
        None => (
            events.log.as_deref(),
            summary.used_events,
            format!(
                "the generic events endpoint (`/hooks/events/{stream}/SOURCE`), one event per delivery"
            ),
        ),
    };
    let wanting = match log {
        None => Some(format!(
            "no delivery has given them yet ({} read); set up {what}",
            crate::events::counted(summary.deliveries(), "delivery", "deliveries")
        )),
        Some(log) => not_yet(log, &source),
    };
    let (Some(log), None) = (log, &wanting) else {
        checked.stream.measure = None;
        let loaded =
            vsm_app::load::measure(&plain, &path, checked, None).map_err(|e| problem(&e))?;
        let note = format!(
            "Shown from the map's estimates: the map measures its numbers (`measure:`), and {}; they are measured on the next page load after a delivery that gives them.",
            wanting.unwrap_or_default()
        );
        return Ok((Arc::new(loaded), Numbers::Waiting(note)));
    };
    let wanted = vsm_app::measure::matched_attributes(&checked.stream, &source);
    let files = Upload {
        path: &path,
        text,
        bases: &events.bases,
        log: Some((log, wanted)),
    };
    let mut loaded = vsm_app::load::measure(&files, &path, checked, Some(log))
        .map_err(|e| hidden(problem(&e), log))?;
    let from = match source.object_type {
        Some(_) => format!(
            "{} of the stream's GitHub and GitLab webhooks and pulls",
            crate::events::counted(used, "delivery", "deliveries")
        ),
        None => format!(
            "{} of the stream's events endpoint",
            crate::events::counted(used, "event", "events")
        ),
    };
    let mut note = String::new();
    if let Some(measured) = &mut loaded.measured {
        measured.log = format!("webhook deliveries ({from})");
        let coverage = &measured.measurement.coverage;
        // What each count counts: the stream's items here, a step's on its items page.
        note = format!(
            "Measured from {from}: {} in all, {} of them in a measured step ({} in progress, {} abandoned), from {} of the {} read. A step's items page lists the items that entered that step; those that finished the stream make its numbers.",
            crate::events::counted(coverage.items as usize, "item", "items"),
            coverage.items_used,
            coverage.items_in_progress,
            coverage.items_abandoned,
            crate::events::counted(measured.stats.events_used as usize, "event", "events"),
            measured.stats.events_read,
        );
    }
    if let Some(malformed) = summary.malformed_note() {
        note.push(' ');
        note.push_str(&malformed);
    }
    Ok((Arc::new(loaded), Numbers::Measured(note)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_with_a_typo_is_refused_with_its_diagnostics() {
        let text = "name: D\nsteps:\n  - id: a\n    proces_time: 2h\n";
        let Err(Problem::Invalid(json)) = check("d", text, &Bases::default()) else {
            panic!("a typo is an error");
        };
        assert!(json.contains("\"unknown_field\""), "{json}");
        assert!(json.contains("\"d.yaml\""), "{json}");
    }

    #[test]
    fn a_map_extending_a_stream_not_read_is_refused_saying_why() {
        let text = "extends: current.yaml\nname: F\n";
        match check("f", text, &Bases::default()) {
            Err(Problem::Other(message)) => {
                assert!(message.contains("names the stream `NAME`"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
