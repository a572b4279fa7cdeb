//! A deployments file, for teams whose deployments live outside the repository: CSV with a
//! header row, or JSON Lines (one object per line), with the fields `id`, `environment`,
//! `status`, `started`, `finished` (may be empty) and `commit` (the commit deployed; `sha` is
//! read as well). Times are RFC 3339 with their offset.
//!
//! Each deployment becomes a `deployment` object (`deploy:<environment>:<id>`, so the same
//! deployment read from two files, or from a file renamed, is one) with started and finished
//! events, linked to its commit (`deploys`). Which commits it first shipped (`deployed_by`) is
//! computed over the whole store, with every source's deployments ([`crate::shipped`]).

use std::collections::HashSet;
use std::path::Path;

use gix::ObjectId;
use vsm_events::{Batch, Event, EventType, Object, ObjectType, Owned, Relation};

use crate::git::{History, commit_id, text};

/// What is wrong with a deployments file: where, the value, and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentsError {
    #[error("cannot read the deployments file `{file}`: {detail}")]
    Io { file: String, detail: String },
    #[error(transparent)]
    Missing(Box<MissingField>),
    #[error(
        "`{file}` is a JSON array; a deployments file in JSON is JSON Lines: one object per line, with no `[` around them or `,` between\n  help: write each deployment's object on a line of its own (`jq -c '.[]' FILE` does it)"
    )]
    Array { file: String },
    #[error(transparent)]
    Row(Box<BadRow>),
}

/// A field every deployment needs that the file's header (or a JSON line) lacks.
#[derive(Debug, thiserror::Error)]
#[error(
    "{file}, {place}: no `{field}` {kind}; the {kind}s found are {found}\n  help: name the {kind} `{field}`{also}; a deployment's {kind}s are id, environment, status, started, finished (may be empty) and commit (or sha)"
)]
pub struct MissingField {
    pub file: String,
    /// `row 1 (the header)` or `line N`.
    pub place: String,
    pub field: String,
    /// `column` (CSV) or `field` (JSON Lines).
    pub kind: &'static str,
    /// The names found, each in backticks, or `none`.
    pub found: String,
    /// `` (or `sha`)`` for the commit.
    pub also: &'static str,
}

/// A row of a deployments file with a bad field.
#[derive(Debug, thiserror::Error)]
#[error("{file}, row {row}, field `{field}`: `{value}` {problem}; {fix}")]
pub struct BadRow {
    pub file: String,
    /// The line (JSON Lines) or row (CSV, the header being row 1).
    pub row: usize,
    pub field: String,
    pub value: String,
    pub problem: String,
    pub fix: String,
}

/// One row of the file, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub id: String,
    pub environment: String,
    pub status: String,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
    pub commit: ObjectId,
    /// The file's name (an attribute: the id is the environment's and the row's).
    pub file: String,
}

/// The longest field of a deployments row.
const MAX_FIELD: usize = 500;

const FIELDS: [&str; 6] = [
    "id",
    "environment",
    "status",
    "started",
    "finished",
    "commit",
];

/// Reads and checks the file; every commit must be one of the history's.
pub fn read(path: &Path, history: &History) -> Result<Vec<Deployment>, DeploymentsError> {
    let shown = path.display().to_string();
    let content = std::fs::read_to_string(path).map_err(|error| DeploymentsError::Io {
        file: shown.clone(),
        detail: match error.kind() {
            std::io::ErrorKind::IsADirectory => "it is a folder; give the file".to_string(),
            std::io::ErrorKind::NotFound => "there is no such file".to_string(),
            std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => error.to_string(),
        },
    })?;
    let missing = |place: String, field: &str, kind, names: Vec<&str>| {
        let found = if names.is_empty() {
            "none".to_string()
        } else {
            names
                .iter()
                .map(|n| format!("`{}`", shorten(n)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        DeploymentsError::Missing(Box::new(MissingField {
            file: shown.clone(),
            place,
            field: field.to_string(),
            kind,
            found,
            also: if field == "commit" { " (or `sha`)" } else { "" },
        }))
    };
    if content.trim_start().starts_with('[') {
        return Err(DeploymentsError::Array { file: shown });
    }
    let bad = |row: usize, field: &str, value: &str, problem: &str, fix: &str| {
        DeploymentsError::Row(Box::new(BadRow {
            file: shown.clone(),
            row,
            field: field.to_string(),
            value: value.to_string(),
            problem: problem.to_string(),
            fix: fix.to_string(),
        }))
    };
    // Rows as (row number, field values in the order of FIELDS).
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    if content.trim_start().starts_with('{') {
        for (n, line) in content.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
                // serde_json counts this line's columns from 1; 0 means it does not know.
                let at = match e.column() {
                    0 => String::new(),
                    column => format!(" at column {column}"),
                };
                let said = e.to_string();
                let said = said
                    .rfind(" at line ")
                    .map_or(said.as_str(), |end| &said[..end]);
                bad(
                    n + 1,
                    "(line)",
                    shorten(line),
                    &format!("is not a JSON object ({said}{at})"),
                    "write one JSON object per line",
                )
            })?;
            let Some(object) = value.as_object() else {
                return Err(bad(
                    n + 1,
                    "(line)",
                    shorten(line),
                    "is not a JSON object",
                    "write one JSON object per line, `{\"id\": ...}`",
                ));
            };
            let mut fields = Vec::with_capacity(FIELDS.len());
            for field in FIELDS {
                let found = object
                    .get(field)
                    .or_else(|| (field == "commit").then(|| object.get("sha")).flatten());
                fields.push(match found {
                    None if field != "finished" => {
                        let names = object.keys().map(String::as_str).collect();
                        return Err(missing(format!("line {}", n + 1), field, "field", names));
                    }
                    None | Some(serde_json::Value::Null) => String::new(),
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                });
            }
            rows.push((n + 1, fields));
        }
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(content.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| {
                bad(
                    1,
                    "(header)",
                    "",
                    &format!("does not read as CSV ({e})"),
                    "write a header row",
                )
            })?
            .clone();
        let mut columns = Vec::new();
        for field in FIELDS {
            let found = headers.iter().position(|h| {
                h.eq_ignore_ascii_case(field)
                    || (field == "commit" && h.eq_ignore_ascii_case("sha"))
            });
            match found {
                Some(at) => columns.push(at),
                None => {
                    let names = headers.iter().filter(|h| !h.is_empty()).collect();
                    return Err(missing(
                        "row 1 (the header)".to_string(),
                        field,
                        "column",
                        names,
                    ));
                }
            }
        }
        for (n, record) in reader.records().enumerate() {
            let row = n + 2;
            let record = record.map_err(|e| {
                bad(
                    row,
                    "(row)",
                    "",
                    &format!("does not read as CSV ({e})"),
                    "give every row as many fields as the header",
                )
            })?;
            rows.push((
                row,
                columns
                    .iter()
                    .map(|&at| record.get(at).unwrap_or_default().to_string())
                    .collect(),
            ));
        }
    }
    let file = path
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    // Ids, environments, statuses, times and hashes are short: a long field is a broken file
    // (a missing quote, a wrong separator), and would be copied into every link it names.
    for (row, fields) in &rows {
        for (field, value) in FIELDS.iter().zip(fields) {
            if value.chars().count() > MAX_FIELD {
                return Err(bad(
                    *row,
                    field,
                    shorten(value),
                    &format!("is longer than {MAX_FIELD} characters"),
                    "check the row: a quote left open or a wrong separator runs fields together",
                ));
            }
        }
    }
    let mut seen = HashSet::new();
    let mut deployments = Vec::new();
    for (row, fields) in rows {
        let [id, environment, status, started, finished, commit] =
            <[String; 6]>::try_from(fields).expect("six fields");
        for (field, value) in [
            ("id", &id),
            ("environment", &environment),
            ("status", &status),
        ] {
            if value.is_empty() {
                return Err(bad(
                    row,
                    field,
                    value,
                    "is empty",
                    &format!("give every deployment its {field}"),
                ));
            }
        }
        if !seen.insert(id.clone()) {
            return Err(bad(
                row,
                "id",
                &id,
                "is the id of an earlier row",
                "give every deployment its own id",
            ));
        }
        let time_fix = "write the time as RFC 3339 with its offset, e.g. `2024-05-01T14:03:00Z`";
        let started_at: jiff::Timestamp = started
            .parse()
            .map_err(|_| bad(row, "started", &started, "is not a time", time_fix))?;
        let finished_at = if finished.is_empty() {
            None
        } else {
            let at: jiff::Timestamp = finished
                .parse()
                .map_err(|_| bad(row, "finished", &finished, "is not a time", time_fix))?;
            if at < started_at {
                return Err(bad(
                    row,
                    "finished",
                    &finished,
                    &format!("is before it started ({started})"),
                    "check the two times",
                ));
            }
            Some(at)
        };
        let commit_at = resolve(&commit, history).map_err(|problem| {
            let fix = if problem == SHORT {
                "give at least 7 characters of the hash (the full 40 are surest)"
            } else {
                "give the full 40-character hash of a commit in this repository"
            };
            bad(row, "commit", &commit, &problem, fix)
        })?;
        deployments.push(Deployment {
            id,
            environment,
            status,
            started: started_at,
            finished: finished_at,
            commit: commit_at,
            file: file.clone(),
        });
    }
    Ok(deployments)
}

/// What [`resolve`] says of a hash shorter than 7 characters.
const SHORT: &str = "is too short to name one commit";

/// The commit a hash or its start (7 characters at least) names.
fn resolve(hash: &str, history: &History) -> Result<ObjectId, String> {
    let hash = hash.to_ascii_lowercase();
    if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("is not a commit hash".into());
    }
    if hash.len() < 7 {
        return Err(SHORT.into());
    }
    let mut found = history
        .commits
        .iter()
        .filter(|c| c.id.to_string().starts_with(&hash));
    match (found.next(), found.next()) {
        (Some(commit), None) => Ok(commit.id),
        (None, _) => Err("is no commit reachable in the repository".into()),
        (Some(_), Some(_)) => Err("is the start of several commits' hashes".into()),
    }
}

fn shorten(text: &str) -> &str {
    text.char_indices()
        .nth(60)
        .map_or(text, |(end, _)| &text[..end])
}

/// What to say of deployments read, though nothing is wrong with any row: a file with no
/// deployments (a header row only), and one environment spelled two ways (`Production` and
/// `production` are two environments, each shipping on its own).
pub fn notes(file: &Path, deployments: &[Deployment]) -> Vec<String> {
    let shown = file.display();
    if deployments.is_empty() {
        return vec![format!(
            "the deployments file `{shown}` holds no deployments (a header row only, or empty lines): none read"
        )];
    }
    let mut spellings: std::collections::BTreeMap<String, std::collections::BTreeMap<&str, usize>> =
        std::collections::BTreeMap::new();
    for d in deployments {
        *spellings
            .entry(d.environment.to_lowercase())
            .or_default()
            .entry(d.environment.as_str())
            .or_default() += 1;
    }
    spellings
        .values()
        .filter(|found| found.len() > 1)
        .map(|found| {
            let said = found
                .iter()
                .map(|(name, rows)| format!("`{name}` ({rows} row{})", if *rows == 1 { "" } else { "s" }))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "`{shown}` spells one environment in several ways, {said}: each is an environment of its own (the case is kept); write one spelling if they are one"
            )
        })
        .collect()
}

/// The store's id of a deployment from a file: `deploy:<environment>:<id>`.
pub fn deployment_id(deployment: &Deployment) -> String {
    format!("deploy:{}:{}", deployment.environment, deployment.id)
}

/// Adds the deployments, their events and their `deploys` links to the batch.
pub fn add(batch: &mut Batch, deployments: &[Deployment]) {
    let id = deployment_id;
    for d in deployments {
        let object = id(d);
        let commit = commit_id(d.commit);
        batch.objects.push(Object {
            id: object.clone(),
            kind: ObjectType::Deployment,
            attributes: vec![
                text("environment", &d.environment),
                text("status", &d.status),
                text("commit", &d.commit.to_string()),
                text("file", &d.file),
            ],
        });
        let times = [
            (EventType::DeploymentStarted, "started", Some(d.started)),
            (EventType::DeploymentFinished, "finished", d.finished),
        ];
        for (kind, what, time) in times {
            let Some(time) = time else { continue };
            batch.events.push(Event {
                id: format!("{object}/{what}"),
                kind,
                time,
                attributes: vec![
                    text("environment", &d.environment),
                    text("status", &d.status),
                ],
                objects: vec![
                    (object.clone(), "deployment".into()),
                    (commit.clone(), "commit".into()),
                ],
            });
        }
        batch.relations.push(Relation {
            source: object.clone(),
            target: commit,
            qualifier: "deploys".into(),
        });
        // The row is the deployment in full: a corrected commit replaces the old one.
        batch.owned.push(Owned::Links {
            object,
            qualifiers: vec!["deploys".into()],
        });
    }
}
