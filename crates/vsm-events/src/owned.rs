//! Taking away what a batch no longer gives where it says it gives it in full ([`Owned`]): the
//! links of an object read in full, a repository's releases whose tag is gone. Without this a
//! correction at the source (a deployment's commit, a deleted tag) would leave the old fact in
//! the store beside the new one.

use std::collections::HashSet;

use rusqlite::{Transaction, params};

use crate::counts::Counts;
use crate::model::{Batch, EventType, ObjectType, Owned};

/// Takes away, for each part the batch owns, what the store holds and the batch does not give;
/// counts what it took away.
pub(crate) fn take_away(
    tx: &Transaction,
    batch: &Batch,
    counts: &mut Counts,
) -> rusqlite::Result<()> {
    let given: HashSet<(&str, &str, &str)> = batch
        .relations
        .iter()
        .map(|r| (r.source.as_str(), r.target.as_str(), r.qualifier.as_str()))
        .collect();
    for owned in &batch.owned {
        match owned {
            Owned::Links { object, qualifiers } => {
                for qualifier in qualifiers {
                    let stored: Vec<(String, String)> = tx
                        .prepare_cached(
                            "SELECT ocel_source_id, ocel_target_id FROM object_object
                             WHERE ocel_source_id = ?1 AND ocel_qualifier = ?2",
                        )?
                        .query_map(params![object, qualifier], |row| {
                            Ok((row.get(0)?, row.get(1)?))
                        })?
                        .collect::<rusqlite::Result<_>>()?;
                    unlink_unless_given(tx, &stored, qualifier, &given, counts)?;
                }
            }
            Owned::Objects {
                kind,
                prefix,
                links_in,
            } => {
                let width = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
                for qualifier in links_in {
                    let stored: Vec<(String, String)> = tx
                        .prepare_cached(
                            "SELECT ocel_source_id, ocel_target_id FROM object_object
                             WHERE ocel_qualifier = ?1 AND substr(ocel_target_id, 1, ?2) = ?3",
                        )?
                        .query_map(params![qualifier, width, prefix], |row| {
                            Ok((row.get(0)?, row.get(1)?))
                        })?
                        .collect::<rusqlite::Result<_>>()?;
                    unlink_unless_given(tx, &stored, qualifier, &given, counts)?;
                }
                let kept: HashSet<&str> = batch
                    .objects
                    .iter()
                    .filter(|o| o.kind == *kind)
                    .map(|o| o.id.as_str())
                    .collect();
                let stored: Vec<String> = tx
                    .prepare_cached(
                        "SELECT ocel_id FROM object
                         WHERE ocel_type = ?1 AND substr(ocel_id, 1, ?2) = ?3",
                    )?
                    .query_map(params![kind.as_str(), width, prefix], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                for id in stored.iter().filter(|id| !kept.contains(id.as_str())) {
                    remove_object(tx, *kind, id, counts)?;
                }
            }
            Owned::Renamed { kind, ids } => {
                for id in ids {
                    let given = batch.objects.iter().any(|o| o.kind == *kind && o.id == *id);
                    let stored: bool = tx
                        .prepare_cached(
                            "SELECT EXISTS (SELECT 1 FROM object WHERE ocel_type = ?1 AND ocel_id = ?2)",
                        )?
                        .query_row(params![kind.as_str(), id], |row| row.get(0))?;
                    if stored && !given {
                        remove_object(tx, *kind, id, counts)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Takes away the stored (source, target) links with `qualifier` that the batch does not give.
fn unlink_unless_given(
    tx: &Transaction,
    stored: &[(String, String)],
    qualifier: &str,
    given: &HashSet<(&str, &str, &str)>,
    counts: &mut Counts,
) -> rusqlite::Result<()> {
    let mut remove = tx.prepare_cached(
        "DELETE FROM object_object
         WHERE ocel_source_id = ?1 AND ocel_target_id = ?2 AND ocel_qualifier = ?3",
    )?;
    for (source, target) in stored {
        if !given.contains(&(source.as_str(), target.as_str(), qualifier)) {
            remove.execute(params![source, target, qualifier])?;
            counts
                .relations
                .entry(qualifier.to_string())
                .or_default()
                .removed += 1;
        }
    }
    Ok(())
}

/// Takes an object away with its own events (those that name it as their `kind` object), its
/// links and other events' links to it.
fn remove_object(
    tx: &Transaction,
    kind: ObjectType,
    id: &str,
    counts: &mut Counts,
) -> rusqlite::Result<()> {
    let events: Vec<(String, String)> = tx
        .prepare_cached(
            "SELECT e.ocel_id, e.ocel_type FROM event e
             JOIN event_object eo ON eo.ocel_event_id = e.ocel_id
             WHERE eo.ocel_object_id = ?1 AND eo.ocel_qualifier = ?2",
        )?
        .query_map(params![id, kind.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (event, event_type) in events {
        let map: String = tx.query_row(
            "SELECT ocel_type_map FROM event_map_type WHERE ocel_type = ?1",
            params![event_type],
            |row| row.get(0),
        )?;
        tx.execute(
            "DELETE FROM event_object WHERE ocel_event_id = ?1",
            params![event],
        )?;
        tx.execute(
            &format!("DELETE FROM \"event_{map}\" WHERE ocel_id = ?1"),
            params![event],
        )?;
        tx.execute("DELETE FROM event WHERE ocel_id = ?1", params![event])?;
        if let Some(kind) = EventType::from_name(&event_type) {
            counts.events.entry(kind).or_default().removed += 1;
        }
    }
    tx.execute(
        "DELETE FROM event_object WHERE ocel_object_id = ?1",
        params![id],
    )?;
    let links: Vec<String> = tx
        .prepare_cached(
            "SELECT ocel_qualifier FROM object_object
             WHERE ocel_source_id = ?1 OR ocel_target_id = ?1",
        )?
        .query_map(params![id], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for qualifier in links {
        counts.relations.entry(qualifier).or_default().removed += 1;
    }
    tx.execute(
        "DELETE FROM object_object WHERE ocel_source_id = ?1 OR ocel_target_id = ?1",
        params![id],
    )?;
    tx.execute(
        &format!(
            "DELETE FROM \"object_{}\" WHERE ocel_id = ?1",
            kind.as_str()
        ),
        params![id],
    )?;
    tx.execute("DELETE FROM object WHERE ocel_id = ?1", params![id])?;
    counts.objects.entry(kind).or_default().removed += 1;
    Ok(())
}
