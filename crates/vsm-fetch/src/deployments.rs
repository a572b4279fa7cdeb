//! A deployments file, for teams whose deployments live outside the repository: CSV with a
//! header row, or JSON Lines (one object per line), with the fields `id`, `environment`,
//! `status`, `started`, `finished` (may be empty) and `commit` (the commit deployed; `sha` is
//! read as well). Times are RFC 3339 with their offset.
//!
//! Each deployment becomes a `deployment` object (`deploy:<repository>:<environment>:<id>`,
//! with the repository as the store names its commits: the same deployment read from two
//! files, or from a file renamed, is one, and two repositories' files with the same ids are
//! two) with started and finished events, linked to its commit (`deploys`). A store written
//! before the repository was in the id holds `deploy:<environment>:<id>`: the next read of the
//! row takes that one away ([`Owned::Renamed`]). Which commits it first shipped (`deployed_by`) is
//! computed over the whole store, with every source's deployments ([`crate::shipped`]).

use std::collections::HashSet;
use std::path::Path;

use gix::ObjectId;
use vsm_events::{Batch, Event, EventType, Object, ObjectType, Owned, Relation};

use crate::git::{History, commit_id, text};
use crate::table::{self, Layout, TableError};

/// What is wrong with a deployments file: where, the value, and how to fix it.
pub type DeploymentsError = TableError;

/// One row of the file, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Deployment {
    pub id: String,
    pub environment: String,
    pub status: String,
    pub started: jiff::Timestamp,
    pub finished: Option<jiff::Timestamp>,
    pub commit: ObjectId,
    /// The file's name (an attribute: the id is the repository's, the environment's and the
    /// row's).
    pub file: String,
    /// The repository as the store names it (its commits' `repository`).
    pub repository: String,
}

/// A deployments file's fields.
pub static LAYOUT: Layout = Layout {
    noun: "deployments",
    item: "deployment",
    an_item: "a deployment",
    a_file: "a deployments file",
    fields: &[
        "id",
        "environment",
        "status",
        "started",
        "finished",
        "commit",
    ],
    optional: &["finished"],
    alias: Some(("commit", "sha")),
    described: "id, environment, status, started, finished (may be empty) and commit (or sha)",
};

/// Reads and checks the file; every commit must be one of the history's.
pub fn read(path: &Path, history: &History) -> Result<Vec<Deployment>, DeploymentsError> {
    let (shown, rows) = table::read(path, &LAYOUT)?;
    let bad = |row: usize, field: &str, value: &str, problem: &str, fix: &str| {
        table::bad(&shown, row, field, value, problem, fix)
    };
    let file = path
        .file_name()
        .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
    let mut seen = HashSet::new();
    let mut deployments = Vec::new();
    for (row, fields) in rows {
        let [id, environment, status, started, finished, commit] =
            <[String; 6]>::try_from(fields).expect("six fields");
        table::given_and_new(
            &shown,
            &LAYOUT,
            row,
            &[
                ("id", &id),
                ("environment", &environment),
                ("status", &status),
            ],
            &mut seen,
        )?;
        let (started_at, finished_at) =
            table::span(&shown, row, ("started", &started), ("finished", &finished))?;
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
            repository: history.name.clone(),
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

/// The store's id of a deployment from a file: `deploy:<repository>:<environment>:<id>`.
pub fn deployment_id(deployment: &Deployment) -> String {
    format!(
        "deploy:{}:{}:{}",
        deployment.repository, deployment.environment, deployment.id
    )
}

/// The id a store written before the repository was in it holds: `deploy:<environment>:<id>`.
fn former_id(deployment: &Deployment) -> String {
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
    if !deployments.is_empty() {
        batch.owned.push(Owned::Renamed {
            kind: ObjectType::Deployment,
            ids: deployments.iter().map(former_id).collect(),
        });
    }
}
