//! What the editor shows of a map being edited, apart from who is looking: its YAML, its
//! diagnostics (each with the field it is about), the map drawn as the rendered SVG, its
//! headline numbers and the countermeasures proposed at its bottlenecks.

use serde::Serialize;
use serde_json::Value;
use vsm_core::diagnostic::{Diagnostic, Severity};
use vsm_core::mapfile::document::{Key, path_at, to_yaml};

use crate::future::Bases;
use crate::map::{self, Undrawn};

/// The map drawn: everything the editor shows that depends on the map alone.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Drawing {
    /// The tree as the YAML file the export gives.
    pub yaml: String,
    /// No error among the diagnostics.
    pub valid: bool,
    pub diagnostics: Vec<Problem>,
    /// The rendered map (the SVG `vsm render` writes), when it is valid.
    pub svg: Option<String>,
    pub summary: Option<Summary>,
    pub countermeasures: Vec<Countermeasure>,
}

/// One diagnostic, as `vsm validate` says it, with the field it is about.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The path of the field in the tree (`["steps", 2, "process_time"]`).
    pub path: Option<Vec<Value>>,
}

/// The headline numbers, as the report and `vsm analyze` tell them.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub lead_time: String,
    pub lead_time_seconds: f64,
    pub process_time: String,
    pub process_time_seconds: f64,
    pub activity_ratio: String,
    pub rolled_complete_accurate: String,
    /// The most severe bottleneck's step, and its name.
    pub constraint: Option<String>,
    pub constraint_name: Option<String>,
}

/// A countermeasure proposed at a bottleneck, with its effect.
#[derive(Clone, Debug, Serialize)]
pub struct Countermeasure {
    pub step: String,
    pub kind: &'static str,
    pub action: String,
    pub assumption: String,
    /// What it changes, in words.
    pub changes: String,
    /// What that does to the lead time, in words.
    pub effect: String,
    pub lead_time_after: String,
    /// The future-state overlay that makes the change (`extends: STREAM.yaml` and its fields).
    pub overlay: String,
}

/// The map `tree` of `stream` drawn, with the maps it extends in `bases`. Blocks (it analyzes
/// and renders): call it on a blocking thread.
pub fn draw(stream: &str, tree: &Value, bases: &Bases) -> Drawing {
    let yaml = to_yaml(tree);
    let own = map::file_name(stream);
    match map::drawn(stream, &yaml, bases) {
        Ok(loaded) => {
            let analysis = &loaded.analysis;
            let summary = &analysis.summary;
            let (lead_time, process_time) = loaded
                .stream
                .told(|| (summary.lead_time.human(), summary.process_time.human()));
            let constraint = analysis
                .bottlenecks
                .first()
                .map(|b| &loaded.stream.steps[b.step]);
            let countermeasures = analysis
                .bottlenecks
                .iter()
                .flat_map(|b| {
                    b.countermeasures.iter().map(|c| Countermeasure {
                        step: loaded.stream.steps[b.step].id.clone(),
                        kind: c.kind.as_str(),
                        action: c.action.clone(),
                        assumption: c.assumption.clone(),
                        changes: vsm_render::countermeasure::changes(c),
                        effect: vsm_render::countermeasure::effect(analysis, c),
                        lead_time_after: loaded.stream.told(|| c.effect.lead_time.human()),
                        overlay: c.overlay.clone(),
                    })
                })
                .collect();
            let diagnostics = loaded
                .warnings
                .iter()
                .filter(|file| file.path == own)
                .flat_map(|file| file.diagnostics.iter().map(|d| problem(&yaml, d)))
                .collect();
            Drawing {
                svg: Some(vsm_render::svg(&loaded.stream, analysis)),
                summary: Some(Summary {
                    lead_time,
                    lead_time_seconds: summary.lead_time.as_secs_f64(),
                    process_time,
                    process_time_seconds: summary.process_time.as_secs_f64(),
                    activity_ratio: vsm_core::format_percent(summary.activity_ratio_percent),
                    rolled_complete_accurate: vsm_core::format_percent(
                        summary.rolled_complete_accurate_percent,
                    ),
                    constraint: constraint.map(|s| s.id.clone()),
                    constraint_name: constraint.map(|s| s.name.clone()),
                }),
                countermeasures,
                diagnostics,
                valid: true,
                yaml,
            }
        }
        Err(undrawn) => {
            let text = yaml.as_str();
            let diagnostics = match undrawn {
                Undrawn::Invalid(files) => files
                    .iter()
                    .flat_map(|file| {
                        let mine = file.path == own;
                        file.diagnostics.iter().map(move |d| {
                            let mut found = problem(if mine { text } else { "" }, d);
                            if !mine {
                                found.message =
                                    format!("{}: {}", file.path.display(), found.message);
                                found.path = None;
                            }
                            found
                        })
                    })
                    .collect(),
                Undrawn::Other(message) => vec![Problem {
                    severity: "error",
                    code: "cannot_draw",
                    message,
                    help: None,
                    line: None,
                    column: None,
                    path: None,
                }],
            };
            Drawing {
                valid: !diagnostics.iter().any(|d| d.severity == "error"),
                diagnostics,
                svg: None,
                summary: None,
                countermeasures: Vec::new(),
                yaml,
            }
        }
    }
}

fn problem(yaml: &str, diagnostic: &Diagnostic) -> Problem {
    let location = diagnostic.location.as_ref();
    Problem {
        severity: match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        code: diagnostic.code,
        message: diagnostic.message.clone(),
        help: diagnostic.help.clone(),
        line: location.map(|l| l.line),
        column: location.map(|l| l.column),
        path: location
            .filter(|_| !yaml.is_empty())
            .map(|l| path_at(yaml, l.offset))
            .filter(|path| !path.is_empty())
            .map(|path| path.iter().map(key_json).collect()),
    }
}

/// A path's key as JSON: a field's name, or a list's index.
pub fn key_json(key: &Key) -> Value {
    match key {
        Key::Field(name) => Value::from(name.as_str()),
        Key::Index(index) => Value::from(*index),
    }
}
