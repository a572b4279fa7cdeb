//! What the store holds that says which deployment first shipped each commit, whichever source
//! wrote it: the commit graph (the `parents` git gives each commit), each deployment's
//! environment, status, start and deployed commit; the issues each pull request mentions; and the
//! replacing of every link of one qualifier at once, so that links computed over the whole store
//! are never added twice.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, Transaction, params};

use crate::counts::Tally;
use crate::error::StoreError;
use crate::model::{EventType, ObjectType};
use crate::store::Store;

/// A commit of the store and, if git's history gave them, its parents (`git:<hash>` ids).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCommit {
    pub id: String,
    /// `None` when no fetch of the repository wrote the commit (GitHub, GitLab and a deployment
    /// name commits without their parents).
    pub parents: Option<Vec<String>>,
}

/// A deployment of the store, as first-shipped needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDeployment {
    pub id: String,
    pub environment: Option<String>,
    pub status: Option<String>,
    /// When it started: its `deployment_started` event, else `deployment_created`, else
    /// `deployment_finished`.
    pub started: Option<jiff::Timestamp>,
    /// The commits it deploys (its `deploys` links): one, for every source vsm reads.
    pub commits: Vec<String>,
}

/// What replacing one qualifier's links did: the links now there (new or unchanged) and those
/// taken away.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replaced {
    pub tally: Tally,
    pub removed: usize,
}

impl Store {
    /// Every commit, with its parents where git's history gave them, by id.
    pub fn commits(&self) -> Result<Vec<StoredCommit>, StoreError> {
        commits(self.connection()).map_err(|e| self.fail(&e))
    }

    /// Every deployment, with its environment, status, start and deployed commits, by id.
    pub fn deployments(&self) -> Result<Vec<StoredDeployment>, StoreError> {
        deployments(self.connection()).map_err(|e| self.fail(&e))
    }

    /// Every pull request that names issues, with its `mentions` (issue ids separated by
    /// spaces), by id: what the `implemented_by` links are made from.
    pub fn mentions(&self) -> Result<Vec<(String, String)>, StoreError> {
        mentions(self.connection()).map_err(|e| self.fail(&e))
    }

    /// Makes `links` (source, target) the store's only links with `qualifier`, in one
    /// transaction: those not given are taken away, those given and missing are added. A link
    /// whose end is not in the store is skipped and counted.
    pub fn replace_relations(
        &mut self,
        qualifier: &str,
        links: &BTreeSet<(String, String)>,
    ) -> Result<Replaced, StoreError> {
        self.in_transaction(|tx| replace(tx, qualifier, links))
    }
}

fn replace(
    tx: &Transaction,
    qualifier: &str,
    links: &BTreeSet<(String, String)>,
) -> rusqlite::Result<Replaced> {
    let stored: BTreeSet<(String, String)> = tx
        .prepare(
            "SELECT ocel_source_id, ocel_target_id FROM object_object WHERE ocel_qualifier = ?1",
        )?
        .query_map(params![qualifier], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut replaced = Replaced::default();
    {
        let mut remove = tx.prepare(
            "DELETE FROM object_object
             WHERE ocel_source_id = ?1 AND ocel_target_id = ?2 AND ocel_qualifier = ?3",
        )?;
        for (source, target) in stored.difference(links) {
            remove.execute(params![source, target, qualifier])?;
            replaced.removed += 1;
        }
    }
    let mut known = tx.prepare("SELECT 1 FROM object WHERE ocel_id = ?1")?;
    let mut add = tx.prepare(
        "INSERT INTO object_object (ocel_source_id, ocel_target_id, ocel_qualifier)
         VALUES (?1, ?2, ?3)",
    )?;
    for (source, target) in links {
        let tally = &mut replaced.tally;
        tally.read += 1;
        if stored.contains(&(source.clone(), target.clone())) {
            tally.unchanged += 1;
            continue;
        }
        let mut missing = None;
        for (end, id) in [("source", source), ("target", target)] {
            if !known.exists(params![id])? {
                missing = Some(end);
                break;
            }
        }
        match missing {
            Some(end) => tally.skip(
                format!("its {end} object is not in the store"),
                &format!("{source} -> {target}"),
            ),
            None => {
                add.execute(params![source, target, qualifier])?;
                tally.new += 1;
            }
        }
    }
    Ok(replaced)
}

/// Whether the table exists and has the column.
pub(crate) fn has_column(c: &Connection, table: &str, column: &str) -> rusqlite::Result<bool> {
    c.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
        .exists(params![table, column])
}

fn mentions(c: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let table = format!("object_{}", ObjectType::PullRequest.as_str());
    if !has_column(c, &table, "mentions")? {
        return Ok(Vec::new());
    }
    c.prepare(&format!(
        "SELECT ocel_id, mentions FROM \"{table}\"
         WHERE ocel_changed_field IS NULL AND mentions <> '' ORDER BY ocel_id"
    ))?
    .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
    .collect()
}

fn commits(c: &Connection) -> rusqlite::Result<Vec<StoredCommit>> {
    let table = format!("object_{}", ObjectType::Commit.as_str());
    if !has_column(c, &table, "ocel_id")? {
        return Ok(Vec::new());
    }
    let parents = if has_column(c, &table, "parents")? {
        "parents"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT ocel_id, {parents} FROM \"{table}\" WHERE ocel_changed_field IS NULL ORDER BY ocel_id"
    );
    c.prepare(&sql)?
        .query_map([], |row| {
            let parents: Option<String> = row.get(1)?;
            Ok(StoredCommit {
                id: row.get(0)?,
                parents: parents.as_deref().map(parent_ids),
            })
        })?
        .collect()
}

/// The `git:<hash>` ids of a commit's `parents` cell (hashes separated by spaces).
pub(crate) fn parent_ids(hashes: &str) -> Vec<String> {
    hashes
        .split_whitespace()
        .map(|hash| format!("git:{hash}"))
        .collect()
}

pub(crate) fn deployments(c: &Connection) -> rusqlite::Result<Vec<StoredDeployment>> {
    let table = format!("object_{}", ObjectType::Deployment.as_str());
    if !has_column(c, &table, "ocel_id")? {
        return Ok(Vec::new());
    }
    let column = |name: &'static str| -> rusqlite::Result<&'static str> {
        Ok(if has_column(c, &table, name)? {
            name
        } else {
            "NULL"
        })
    };
    let sql = format!(
        "SELECT ocel_id, {}, {} FROM \"{table}\" WHERE ocel_changed_field IS NULL ORDER BY ocel_id",
        column("environment")?,
        column("status")?
    );
    let mut found: Vec<StoredDeployment> = c
        .prepare(&sql)?
        .query_map([], |row| {
            Ok(StoredDeployment {
                id: row.get(0)?,
                environment: text(row.get_ref(1)?),
                status: text(row.get_ref(2)?),
                started: None,
                commits: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    // The first of these a deployment has is its start.
    let mut started: HashMap<String, jiff::Timestamp> = HashMap::new();
    for kind in [
        EventType::DeploymentStarted,
        EventType::DeploymentCreated,
        EventType::DeploymentFinished,
    ] {
        let events = format!("event_{}", kind.as_str());
        if !has_column(c, &events, "ocel_time")? {
            continue;
        }
        let sql = format!(
            "SELECT eo.ocel_object_id, MIN(e.ocel_time) FROM event_object eo
             JOIN \"{events}\" e ON e.ocel_id = eo.ocel_event_id
             WHERE eo.ocel_qualifier = 'deployment' GROUP BY eo.ocel_object_id"
        );
        let times: Vec<(String, String)> = c
            .prepare(&sql)?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (deployment, time) in times {
            if let Some(time) = crate::time::parse(&time) {
                started.entry(deployment).or_insert(time);
            }
        }
    }
    let mut deploys: HashMap<String, Vec<String>> = HashMap::new();
    let links = c
        .prepare(
            "SELECT ocel_source_id, ocel_target_id FROM object_object
             WHERE ocel_qualifier = 'deploys' ORDER BY 1, 2",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
    for (deployment, commit) in links {
        deploys.entry(deployment).or_default().push(commit);
    }
    for deployment in &mut found {
        deployment.started = started.get(&deployment.id).copied();
        deployment.commits = deploys.remove(&deployment.id).unwrap_or_default();
    }
    Ok(found)
}

/// A cell as text, if it holds some.
pub(crate) fn text(cell: rusqlite::types::ValueRef<'_>) -> Option<String> {
    match cell {
        rusqlite::types::ValueRef::Text(bytes) => {
            Some(String::from_utf8_lossy(bytes).into_owned()).filter(|t| !t.is_empty())
        }
        _ => None,
    }
}
