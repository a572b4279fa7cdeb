//! OCEL 2.0 SQLite files: the event store `vsm fetch` writes (and pm4py's `write_ocel2_sqlite`),
//! read into the same [`OcelLog`] as the JSON and XML forms and flattened the same way.
//!
//! The layout (see crates/vsm-events/src/store.rs): `object (ocel_id, ocel_type)`,
//! `event_map_type (ocel_type, ocel_type_map)`, one `event_<map> (ocel_id, ocel_time,
//! attributes...)` per event type, `event_object (ocel_event_id, ocel_object_id, ...)` and
//! `object_object (ocel_source_id, ocel_target_id, ocel_qualifier)`. Times are text as pandas
//! writes them (`2022-01-09 15:30:00+00:00`), which the timestamp parser reads.
//!
//! SQLite reads a file by its path, not a stream: the store is opened read-only by the name the
//! log was given, and only when that name is a regular file whose first bytes are the ones read
//! (so standard input, a pipe or an upload is never confused with a file on disk).

use std::collections::HashMap;
use std::io::Read as _;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::{LogObject, NAME_ATTRIBUTES, OcelEvent, OcelLog, flatten, place};
use crate::xes::LogNames;
use crate::{ImportStats, IngestError, ReadError, ReadOptions, TraceSink};

/// The first bytes of every SQLite database file.
pub(crate) const MAGIC: &[u8] = b"SQLite format 3\0";

/// The tables an OCEL 2.0 SQLite file has whatever its types.
const TABLES: [&str; 5] = [
    "object",
    "event",
    "event_map_type",
    "event_object",
    "object_object",
];

/// Reads the OCEL 2.0 SQLite file called `file`, whose first bytes `head` were read already.
pub fn read<S: TraceSink>(
    head: &[u8],
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
    sink: &mut S,
) -> Result<ImportStats, ReadError<S::Error>> {
    let path = the_file(head, file)?;
    let log = load(path, file)?;
    flatten(&log, file, options, names, sink)
}

/// The path of the store, if `file` names the regular file whose first bytes are `head`.
fn the_file<'a>(head: &[u8], file: &'a str) -> Result<&'a Path, IngestError> {
    let path = Path::new(file);
    let same = std::fs::metadata(path).is_ok_and(|m| m.is_file())
        && std::fs::File::open(path).is_ok_and(|opened| {
            let mut start = Vec::with_capacity(head.len());
            opened
                .take(head.len() as u64)
                .read_to_end(&mut start)
                .is_ok()
                && start == head
        });
    if same {
        return Ok(path);
    }
    Err(IngestError::invalid(
        place(file, None),
        "the event store is a SQLite file: give its path",
        "SQLite reads a file, not a stream: name the store itself (e.g. `.vsm/events.sqlite`), not standard input or a pipe",
    ))
}

/// The objects, events and object links of the store at `path`.
fn load(path: &Path, file: &str) -> Result<OcelLog, IngestError> {
    let failed = |error: rusqlite::Error| {
        IngestError::invalid(
            place(file, None),
            format!("cannot read the SQLite file: {error}"),
            "check that this is a complete OCEL 2.0 SQLite file (e.g. `.vsm/events.sqlite`, written by `vsm fetch`)",
        )
    };
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed)?;
    let missing: Vec<&str> = TABLES
        .into_iter()
        .filter(|table| !has_table(&connection, table).unwrap_or(false))
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::invalid(
            place(file, None),
            format!(
                "this SQLite file is not an OCEL 2.0 event store: it has no table {}",
                missing
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "vsm reads the OCEL 2.0 SQLite layout `vsm fetch` and pm4py write (tables `object`, `event`, `event_map_type`, `event_object`, `object_object` and `event_<type>`)",
        ));
    }
    read_tables(&connection).map_err(failed)
}

fn has_table(connection: &Connection, name: &str) -> rusqlite::Result<bool> {
    connection.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1",
        [name],
        |row| row.get::<_, i64>(0).map(|n| n > 0),
    )
}

/// A stored value as text; `None` for NULL and blobs.
fn text(value: ValueRef<'_>) -> Option<String> {
    match value {
        ValueRef::Null | ValueRef::Blob(_) => None,
        ValueRef::Integer(n) => Some(n.to_string()),
        ValueRef::Real(x) => Some(x.to_string()),
        ValueRef::Text(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
    }
}

/// The column names of the table `quoted` (a quoted name), as values of the table's
/// description: a name that is not UTF-8 is read lossily, where a statement's `column_names`
/// would panic on it.
fn columns_of(connection: &Connection, quoted: &str) -> rusqlite::Result<Vec<String>> {
    connection
        .prepare(&format!("PRAGMA table_info({quoted})"))?
        .query_map([], |row| Ok(text(row.get_ref(1)?).unwrap_or_default()))?
        .collect()
}

/// Per object id, its name for people: the latest non-empty value of the first column of
/// [`NAME_ATTRIBUTES`] its type's `object_<type>` table has. A type without such a table (the
/// layout does not require one) names none of its objects.
fn object_names(connection: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut names = HashMap::new();
    if !has_table(connection, "object_map_type")? {
        return Ok(names);
    }
    let maps: Vec<String> = connection
        .prepare("SELECT ocel_type_map FROM object_map_type ORDER BY ocel_type")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for map in maps {
        let table = format!("object_{map}");
        if !has_table(connection, &table)? {
            continue;
        }
        let quoted = format!("\"{}\"", table.replace('"', "\"\""));
        let columns = columns_of(connection, &quoted)?;
        let Some(column) = NAME_ATTRIBUTES
            .iter()
            .find(|name| columns.iter().any(|c| c == *name))
        else {
            continue;
        };
        let mut select = connection.prepare(&format!(
            "SELECT ocel_id, \"{column}\" FROM {quoted} ORDER BY rowid"
        ))?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let (Some(id), Some(name)) = (text(row.get_ref(0)?), text(row.get_ref(1)?)) else {
                continue;
            };
            let name = name.trim();
            if !name.is_empty() {
                names.insert(id, name.to_string());
            }
        }
    }
    Ok(names)
}

fn read_tables(connection: &Connection) -> rusqlite::Result<OcelLog> {
    let mut log = OcelLog::default();
    let mut objects = connection.prepare("SELECT ocel_id, ocel_type FROM object ORDER BY rowid")?;
    log.objects = objects
        .query_map([], |row| {
            Ok(LogObject {
                id: row.get(0)?,
                kind: row.get(1)?,
                name: None,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut names = object_names(connection)?;
    for object in &mut log.objects {
        object.name = names.remove(&object.id);
    }
    let mut related: HashMap<String, Vec<String>> = HashMap::new();
    let mut links = connection.prepare(
        "SELECT ocel_event_id, ocel_object_id FROM event_object ORDER BY ocel_event_id, ocel_object_id",
    )?;
    let mut rows = links.query([])?;
    while let Some(row) = rows.next()? {
        related.entry(row.get(0)?).or_default().push(row.get(1)?);
    }
    let types: Vec<(String, String)> = connection
        .prepare("SELECT ocel_type, ocel_type_map FROM event_map_type ORDER BY ocel_type")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, map) in types {
        let table = format!("\"event_{}\"", map.replace('"', "\"\""));
        let columns = columns_of(connection, &table)?;
        let mut select = connection.prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let mut event = OcelEvent {
                activity: kind.clone(),
                time: String::new(),
                objects: Vec::new(),
                attributes: Vec::new(),
                id: String::new(),
            };
            for (index, column) in columns.iter().enumerate() {
                let Some(value) = text(row.get_ref(index)?) else {
                    continue;
                };
                match column.as_str() {
                    "ocel_id" => event.id = value,
                    "ocel_time" => event.time = value,
                    _ => event.attributes.push((column.clone(), value)),
                }
            }
            event.objects = related.remove(&event.id).unwrap_or_default();
            log.events.push(event);
        }
    }
    // In time order (stored times are UTC text, which sorts as it reads); the type tables hold
    // each type's events apart.
    log.events.sort_by_cached_key(|event| {
        (
            event.time.parse::<jiff::Timestamp>().ok(),
            event.time.clone(),
        )
    });
    let mut qualified = connection.prepare(
        "SELECT ocel_source_id, ocel_target_id, ocel_qualifier FROM object_object ORDER BY rowid",
    )?;
    log.links = qualified
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(log)
}
