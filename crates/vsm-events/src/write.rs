//! Writing one batch inside a transaction: the upserts keyed by the sources' ids, the type
//! tables and attribute columns made as they are first needed, and the counts.

use std::collections::{BTreeSet, HashMap, HashSet};

use rusqlite::types::Value as Sql;
use rusqlite::{OptionalExtension as _, Transaction, params, params_from_iter};

use crate::counts::{Counts, Tally};
use crate::model::{Batch, Event, Object, Owned, Relation, Value};
use crate::time;

/// The `ocel_time` of an object's row of initial values (OCEL 2.0 puts them at the epoch).
const INITIAL: jiff::Timestamp = jiff::Timestamp::UNIX_EPOCH;

/// An event's objects with their qualifiers.
type Links = BTreeSet<(String, String)>;

/// What became of one item read.
enum Outcome {
    New,
    Updated,
    Unchanged,
    Skipped(String),
}

fn record(tally: &mut Tally, id: &str, outcome: Outcome) {
    tally.read += 1;
    match outcome {
        Outcome::New => tally.new += 1,
        Outcome::Updated => tally.updated += 1,
        Outcome::Unchanged => tally.unchanged += 1,
        Outcome::Skipped(reason) => tally.skip(reason, id),
    }
}

/// Writes batches into an open transaction; knows the columns of the tables it touched.
pub(crate) struct Writer<'a> {
    tx: &'a Transaction<'a>,
    /// Column names by table, in table order; empty for a table that does not exist yet.
    columns: HashMap<String, Vec<String>>,
    /// The types of the objects looked up or written so far (an event names objects the same
    /// batch wrote, mostly).
    types: HashMap<String, String>,
    /// The objects the batch reads in full: their events' links are as read, not added to.
    read_in_full: HashSet<String>,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(tx: &'a Transaction<'a>) -> Writer<'a> {
        Writer {
            tx,
            columns: HashMap::new(),
            types: HashMap::new(),
            read_in_full: HashSet::new(),
        }
    }

    pub(crate) fn batch(mut self, batch: &Batch) -> rusqlite::Result<Counts> {
        let mut counts = Counts::default();
        self.read_in_full = batch
            .owned
            .iter()
            .filter_map(|owned| match owned {
                Owned::Links { object, .. } => Some(object.clone()),
                Owned::Objects { .. } | Owned::Renamed { .. } => None,
            })
            .collect();
        for object in &batch.objects {
            let outcome = self.object(object)?;
            record(
                counts.objects.entry(object.kind).or_default(),
                &object.id,
                outcome,
            );
        }
        for relation in &batch.relations {
            let outcome = self.relation(relation)?;
            let tally = counts
                .relations
                .entry(relation.qualifier.clone())
                .or_default();
            record(
                tally,
                &format!("{} -> {}", relation.source, relation.target),
                outcome,
            );
        }
        for event in &batch.events {
            let outcome = self.event(event)?;
            record(
                counts.events.entry(event.kind).or_default(),
                &event.id,
                outcome,
            );
        }
        crate::owned::take_away(self.tx, batch, &mut counts)?;
        Ok(counts)
    }

    fn object(&mut self, object: &Object) -> rusqlite::Result<Outcome> {
        if let Some(reason) = bad_attributes(&object.attributes) {
            return Ok(Outcome::Skipped(reason));
        }
        let kind = object.kind.as_str();
        let table = format!("object_{kind}");
        match self.object_type(&object.id)? {
            Some(stored) if stored != kind => {
                return Ok(Outcome::Skipped(format!(
                    "its id is in the store as a `{stored}`"
                )));
            }
            Some(_) => {}
            None => {
                self.ensure_type("object", kind)?;
                self.ensure_columns(&table, &object.attributes)?;
                self.tx
                    .prepare_cached("INSERT INTO object (ocel_id, ocel_type) VALUES (?1, ?2)")?
                    .execute(params![object.id, kind])?;
                self.types.insert(object.id.clone(), kind.to_string());
                let names = column_list(&object.attributes);
                let marks = (0..object.attributes.len())
                    .map(|i| format!(", ?{}", i + 3))
                    .collect::<Vec<_>>()
                    .concat();
                let sql = format!(
                    "INSERT INTO \"{table}\" (ocel_id, ocel_time, ocel_changed_field{names}) VALUES (?1, ?2, NULL{marks})"
                );
                let values = [
                    Sql::Text(object.id.clone()),
                    Sql::Text(time::to_text(INITIAL)),
                ]
                .into_iter()
                .chain(object.attributes.iter().map(|(_, v)| sql_value(v)));
                self.tx
                    .prepare_cached(&sql)?
                    .execute(params_from_iter(values))?;
                return Ok(Outcome::New);
            }
        }
        // Stored under its type: compare the attributes read (others stay as they are: another
        // source may know more of the same object) and update those that changed.
        self.ensure_columns(&table, &object.attributes)?;
        if object.attributes.is_empty() {
            return Ok(Outcome::Unchanged);
        }
        let read: Vec<Sql> = object
            .attributes
            .iter()
            .map(|(_, v)| sql_value(v))
            .collect();
        let names = column_list(&object.attributes);
        let select = format!(
            "SELECT {} FROM \"{table}\" WHERE ocel_id = ?1 AND ocel_changed_field IS NULL",
            &names[2..]
        );
        let stored: Option<Vec<Sql>> = self
            .tx
            .prepare_cached(&select)?
            .query_row(params![object.id], |row| {
                (0..read.len()).map(|i| row.get::<_, Sql>(i)).collect()
            })
            .optional()?;
        if stored.as_ref() == Some(&read) {
            return Ok(Outcome::Unchanged);
        }
        let sets = object
            .attributes
            .iter()
            .enumerate()
            .map(|(i, (name, _))| format!("\"{name}\" = ?{}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let update = format!(
            "UPDATE \"{table}\" SET {sets} WHERE ocel_id = ?1 AND ocel_changed_field IS NULL"
        );
        let values = std::iter::once(Sql::Text(object.id.clone())).chain(read);
        self.tx
            .prepare_cached(&update)?
            .execute(params_from_iter(values))?;
        Ok(Outcome::Updated)
    }

    fn relation(&mut self, relation: &Relation) -> rusqlite::Result<Outcome> {
        for (end, id) in [("source", &relation.source), ("target", &relation.target)] {
            if self.object_type(id)?.is_none() {
                return Ok(Outcome::Skipped(format!(
                    "its {end} object is not in the store"
                )));
            }
        }
        let added = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO object_object (ocel_source_id, ocel_target_id, ocel_qualifier)
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![relation.source, relation.target, relation.qualifier])?;
        Ok(if added == 1 {
            Outcome::New
        } else {
            Outcome::Unchanged
        })
    }

    fn event(&mut self, event: &Event) -> rusqlite::Result<Outcome> {
        if let Some(reason) = bad_attributes(&event.attributes) {
            return Ok(Outcome::Skipped(reason));
        }
        let Some((main, _)) = event.objects.first() else {
            return Ok(Outcome::Skipped("it names no object".into()));
        };
        let main_type = event.kind.object_type().as_str();
        for (index, (id, _)) in event.objects.iter().enumerate() {
            match self.object_type(id)? {
                None => {
                    return Ok(Outcome::Skipped(
                        "an object it names is not in the store".into(),
                    ));
                }
                Some(stored) if index == 0 && stored != main_type => {
                    return Ok(Outcome::Skipped(format!(
                        "its main object `{main}` is a `{stored}`, not a `{main_type}`"
                    )));
                }
                Some(_) => {}
            }
        }
        let kind = event.kind.as_str();
        let table = format!("event_{kind}");
        self.ensure_type("event", kind)?;
        self.ensure_columns(&table, &event.attributes)?;
        // The row as it should be, column by column (`None`: an attribute this read does not
        // give), and its links.
        let read: Vec<Option<Sql>> = self
            .columns(&table)?
            .iter()
            .map(|column| match column.as_str() {
                "ocel_id" => Some(Sql::Text(event.id.clone())),
                "ocel_time" => Some(Sql::Text(time::to_text(event.time))),
                name => event
                    .attributes
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| sql_value(v)),
            })
            .collect();
        let mut row: Vec<Sql> = read
            .iter()
            .map(|v| v.clone().unwrap_or(Sql::Null))
            .collect();
        let mut links: Links = event.objects.iter().cloned().collect();
        // (A join with the map table here would be prepared again on every run.)
        let stored: Option<String> = self
            .tx
            .prepare_cached("SELECT ocel_type FROM event WHERE ocel_id = ?1")?
            .query_row(params![event.id], |row| row.get(0))
            .optional()?;
        let outcome = match stored {
            None => {
                self.tx
                    .prepare_cached("INSERT INTO event (ocel_id, ocel_type) VALUES (?1, ?2)")?
                    .execute(params![event.id, kind])?;
                Outcome::New
            }
            Some(stored_kind) => {
                if stored_kind == kind {
                    // Another source may know more of the same event (git the committer, GitHub
                    // not): what this read does not give stays as stored, and links add up,
                    // unless the batch reads the event's object in full.
                    let (stored_row, stored_links) = self.stored_event(&table, &event.id)?;
                    for ((cell, given), stored) in row.iter_mut().zip(&read).zip(stored_row) {
                        if given.is_none() {
                            *cell = stored;
                        }
                    }
                    if !self.read_in_full.contains(main) {
                        links.extend(stored_links.iter().cloned());
                    }
                    if self.stored_event(&table, &event.id)? == (row.clone(), links.clone()) {
                        return Ok(Outcome::Unchanged);
                    }
                }
                self.tx.execute(
                    "DELETE FROM event_object WHERE ocel_event_id = ?1",
                    params![event.id],
                )?;
                let stored_map: String = self.tx.query_row(
                    "SELECT ocel_type_map FROM event_map_type WHERE ocel_type = ?1",
                    params![stored_kind],
                    |row| row.get(0),
                )?;
                self.tx.execute(
                    &format!("DELETE FROM \"event_{stored_map}\" WHERE ocel_id = ?1"),
                    params![event.id],
                )?;
                self.tx.execute(
                    "UPDATE event SET ocel_type = ?2 WHERE ocel_id = ?1",
                    params![event.id, kind],
                )?;
                Outcome::Updated
            }
        };
        let marks = (1..=row.len()).map(|i| format!("?{i}")).collect::<Vec<_>>();
        let insert = format!("INSERT INTO \"{table}\" VALUES ({})", marks.join(", "));
        self.tx
            .prepare_cached(&insert)?
            .execute(params_from_iter(row))?;
        let mut link = self.tx.prepare_cached(
            "INSERT INTO event_object (ocel_event_id, ocel_object_id, ocel_qualifier) VALUES (?1, ?2, ?3)",
        )?;
        for (object, qualifier) in &links {
            link.execute(params![event.id, object, qualifier])?;
        }
        Ok(outcome)
    }

    /// A stored event's row in its table and its links.
    fn stored_event(&self, table: &str, id: &str) -> rusqlite::Result<(Vec<Sql>, Links)> {
        let width = self.columns[table].len();
        let row = self
            .tx
            .prepare_cached(&format!("SELECT * FROM \"{table}\" WHERE ocel_id = ?1"))?
            .query_row(params![id], |row| (0..width).map(|i| row.get(i)).collect())
            .optional()?
            .unwrap_or_default();
        let links = self
            .tx
            .prepare_cached(
                "SELECT ocel_object_id, ocel_qualifier FROM event_object WHERE ocel_event_id = ?1",
            )?
            .query_map(params![id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok((row, links))
    }

    /// The type of the stored object `id`, if it is stored.
    fn object_type(&mut self, id: &str) -> rusqlite::Result<Option<String>> {
        if let Some(kind) = self.types.get(id) {
            return Ok(Some(kind.clone()));
        }
        let stored: Option<String> = self
            .tx
            .prepare_cached("SELECT ocel_type FROM object WHERE ocel_id = ?1")?
            .query_row(params![id], |row| row.get(0))
            .optional()?;
        if let Some(kind) = &stored {
            self.types.insert(id.to_string(), kind.clone());
        }
        Ok(stored)
    }

    /// The columns of `table` (none when it does not exist), read once per batch.
    fn columns(&mut self, table: &str) -> rusqlite::Result<&mut Vec<String>> {
        if !self.columns.contains_key(table) {
            let names = self
                .tx
                .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
                .query_map(params![table], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            self.columns.insert(table.to_string(), names);
        }
        Ok(self.columns.get_mut(table).expect("just inserted"))
    }

    /// Makes the type's table and its map row, the first time the type is written. `family`
    /// is `event` or `object`.
    fn ensure_type(&mut self, family: &str, kind: &str) -> rusqlite::Result<()> {
        let table = format!("{family}_{kind}");
        if !self.columns(&table)?.is_empty() {
            return Ok(());
        }
        let (key, extra) = if family == "event" {
            ("PRIMARY KEY", "")
        } else {
            ("NOT NULL", ", ocel_changed_field TEXT")
        };
        self.tx.execute_batch(&format!(
            "CREATE TABLE \"{table}\" (
                 ocel_id TEXT {key} REFERENCES {family} (ocel_id),
                 ocel_time TIMESTAMP NOT NULL{extra}
             );"
        ))?;
        if family == "object" {
            // One row of initial values per object: the row a fetch updates in place.
            self.tx.execute_batch(&format!(
                "CREATE UNIQUE INDEX \"vsm_{table}_initial\" ON \"{table}\" (ocel_id)
                 WHERE ocel_changed_field IS NULL;"
            ))?;
        }
        self.tx.execute(
            &format!("INSERT INTO {family}_map_type (ocel_type, ocel_type_map) VALUES (?1, ?1)"),
            params![kind],
        )?;
        self.columns.remove(&table);
        Ok(())
    }

    /// Adds a column for each attribute the table does not have yet.
    fn ensure_columns(
        &mut self,
        table: &str,
        attributes: &[(String, Value)],
    ) -> rusqlite::Result<()> {
        for (name, value) in attributes {
            if self.columns(table)?.iter().any(|c| c == name) {
                continue;
            }
            self.tx.execute_batch(&format!(
                "ALTER TABLE \"{table}\" ADD COLUMN \"{name}\" {}",
                sql_type(value)
            ))?;
            self.columns(table)?.push(name.clone());
        }
        Ok(())
    }
}

/// `, "a", "b"` for the attributes' names.
fn column_list(attributes: &[(String, Value)]) -> String {
    attributes
        .iter()
        .map(|(name, _)| format!(", \"{name}\""))
        .collect::<Vec<_>>()
        .concat()
}

/// Why these attributes cannot be columns, if they cannot: a name that is not a plain
/// lowercase identifier, one of OCEL's own (`ocel_...`), or a name given twice.
fn bad_attributes(attributes: &[(String, Value)]) -> Option<String> {
    for (index, (name, _)) in attributes.iter().enumerate() {
        let plain = name.len() <= 60
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !plain || name.starts_with("ocel_") {
            return Some(format!(
                "its attribute `{name}` is not a column name (lowercase letters, digits and `_`, not starting with `ocel_`)"
            ));
        }
        if attributes[..index].iter().any(|(n, _)| n == name) {
            return Some(format!("its attribute `{name}` is given twice"));
        }
    }
    None
}

fn sql_value(value: &Value) -> Sql {
    match value {
        Value::Text(text) => Sql::Text(text.clone()),
        Value::Integer(n) => Sql::Integer(*n),
        Value::Float(x) => Sql::Real(*x),
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Time(at) => Sql::Text(time::to_text(*at)),
    }
}

/// The declared type of an attribute's column: SQLite keeps any value in any column, so this
/// is what pandas and other readers see.
fn sql_type(value: &Value) -> &'static str {
    match value {
        Value::Text(_) => "TEXT",
        Value::Integer(_) => "INTEGER",
        Value::Float(_) => "REAL",
        Value::Bool(_) => "BOOLEAN",
        Value::Time(_) => "TIMESTAMP",
    }
}
