//! A map's problems as JSON: what `vsm validate --format json` prints and what the server
//! answers (HTTP 422) for a map it cannot take. One object per file (the maps a map extends
//! first), each problem with its code, place, quoted message and fix.

use serde::Serialize;
use vsm_core::{Diagnostic, Location, Severity};

use crate::json::SCHEMA_VERSION;

/// The problems of one map file.
#[derive(Clone, Copy, Debug)]
pub struct File<'a> {
    pub path: &'a str,
    pub diagnostics: &'a [Diagnostic],
}

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub schema_version: u32,
    /// Whether the last file (the map itself) has no errors.
    pub valid: bool,
    pub errors: usize,
    pub warnings: usize,
    /// What to say besides the problems, when they do not say it alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'a str>,
    pub files: Vec<FileReport<'a>>,
}

#[derive(Debug, Serialize)]
pub struct FileReport<'a> {
    pub file: &'a str,
    pub diagnostics: Vec<DiagnosticReport<'a>>,
}

#[derive(Debug, Serialize)]
pub struct DiagnosticReport<'a> {
    /// `error` or `warning`.
    pub severity: &'static str,
    /// A stable name for the kind of problem (`unknown_field`, `duplicate_id`, ...).
    pub code: &'static str,
    pub message: &'a str,
    /// 1-based line and column (in characters), byte offset and length; absent for a problem
    /// of the whole file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Place>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Related<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Place {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
    pub length: usize,
}

impl From<Location> for Place {
    fn from(l: Location) -> Self {
        Place {
            line: l.line,
            column: l.column,
            offset: l.offset,
            length: l.len,
        }
    }
}

/// Another place that explains the problem (the first definition of a duplicate id).
#[derive(Debug, Serialize)]
pub struct Related<'a> {
    #[serde(flatten)]
    pub location: Place,
    pub note: &'a str,
}

/// The report of `files` (the map itself last).
pub fn report<'a>(files: &[File<'a>], message: Option<&'a str>) -> Report<'a> {
    let all = || files.iter().flat_map(|f| f.diagnostics);
    let errors = all().filter(|d| d.is_error()).count();
    let own_errors = files
        .last()
        .is_some_and(|f| f.diagnostics.iter().any(Diagnostic::is_error));
    Report {
        schema_version: SCHEMA_VERSION,
        valid: !own_errors && message.is_none(),
        errors,
        warnings: all().count() - errors,
        message,
        files: files
            .iter()
            .map(|file| FileReport {
                file: file.path,
                diagnostics: file.diagnostics.iter().map(diagnostic).collect(),
            })
            .collect(),
    }
}

fn diagnostic(d: &Diagnostic) -> DiagnosticReport<'_> {
    DiagnosticReport {
        severity: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        code: d.code,
        message: &d.message,
        location: d.location.map(Place::from),
        label: d.label.as_deref(),
        help: d.help.as_deref(),
        related: d.related.as_ref().map(|(location, note)| Related {
            location: Place::from(*location),
            note,
        }),
    }
}

/// The report as pretty JSON.
pub fn json(files: &[File<'_>], message: Option<&str>) -> String {
    crate::json::to_string(&report(files, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_reported_with_its_place_and_fix() {
        let source = "name: D\nsteps:\n  - id: a\n    proces_time: 2h\n";
        let parsed = vsm_core::parse_map(source);
        let text = json(
            &[File {
                path: "d.yaml",
                diagnostics: &parsed.diagnostics,
            }],
            None,
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["valid"], false, "{text}");
        let first = &value["files"][0]["diagnostics"][0];
        assert_eq!(first["code"], "unknown_field", "{text}");
        assert_eq!(first["location"]["line"], 4, "{text}");
        assert_eq!(first["location"]["column"], 5, "{text}");
        assert!(
            first["help"].as_str().unwrap().contains("process_time"),
            "{text}"
        );
        assert_eq!(value["files"][0]["file"], "d.yaml");
    }
}
