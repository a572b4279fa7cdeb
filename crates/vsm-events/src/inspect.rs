//! Reading a store whole: a dump of every table to compare two stores, and the OCEL 2.0
//! relational rules pm4py checks (`ocel20_rel_validation.py`), checked here without Python.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

use crate::error::StoreError;
use crate::store::Store;
use crate::time;

/// The tables every OCEL 2.0 SQLite file has, whatever its types.
const TYPE_INDEPENDENT: [&str; 6] = [
    "event",
    "object",
    "event_map_type",
    "object_map_type",
    "event_object",
    "object_object",
];

impl Store {
    /// Every table's rows as text, tables by name, columns by name, rows sorted: two stores
    /// with the same content give the same dump, whatever order things were written in. Only
    /// when each source last fetched (`vsm_source.fetched_at`) is left out.
    pub fn dump(&self) -> Result<String, StoreError> {
        dump(self.connection()).map_err(|e| self.fail(&e))
    }

    /// What breaks the OCEL 2.0 relational rules pm4py validates (the tables and columns its
    /// layout has, their keys and references) and the data rules it assumes (every link to an
    /// existing event and object, each event and object in its type's table once, every time
    /// readable). Empty for a good store.
    pub fn problems(&self) -> Result<Vec<String>, StoreError> {
        problems(self.connection()).map_err(|e| self.fail(&e))
    }

    /// The time of the event with this id, if the store holds it (as one of vsm's event types):
    /// what a delivery read later is settled against (`vsm_fetch::settle`).
    pub fn event_time(&self, id: &str) -> Result<Option<jiff::Timestamp>, StoreError> {
        use rusqlite::OptionalExtension as _;
        let c = self.connection();
        let kind: Option<String> = c
            .query_row(
                "SELECT ocel_type FROM event WHERE ocel_id = ?1",
                params![id],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.fail(&e))?;
        // Only vsm's own type names, which are plain identifiers, make a table name.
        let Some(kind) = kind.and_then(|k| crate::model::EventType::from_name(&k)) else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT ocel_time FROM event_{} WHERE ocel_id = ?1",
            kind.as_str()
        );
        let text: Option<String> = c
            .query_row(&sql, params![id], |row| row.get(0))
            .optional()
            .map_err(|e| self.fail(&e))?;
        Ok(text.as_deref().and_then(time::parse))
    }

    /// The links with `qualifier`, as (source, target) ids, sorted.
    pub fn relations(&self, qualifier: &str) -> Result<Vec<(String, String)>, StoreError> {
        self.connection()
            .prepare(
                "SELECT ocel_source_id, ocel_target_id FROM object_object \
                 WHERE ocel_qualifier = ?1 ORDER BY 1, 2",
            )
            .and_then(|mut statement| {
                statement
                    .query_map(params![qualifier], |row| Ok((row.get(0)?, row.get(1)?)))?
                    .collect()
            })
            .map_err(|e| self.fail(&e))
    }
}

fn strings(
    c: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<String>> {
    c.prepare(sql)?.query_map(args, |row| row.get(0))?.collect()
}

fn count(c: &Connection, sql: &str) -> rusqlite::Result<i64> {
    c.query_row(sql, [], |row| row.get(0))
}

fn dump(c: &Connection) -> rusqlite::Result<String> {
    let mut out = String::new();
    let tables = strings(
        c,
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
        [],
    )?;
    for table in tables {
        let mut columns = strings(c, "SELECT name FROM pragma_table_info(?1)", params![table])?;
        columns.retain(|column| !(table == "vsm_source" && column == "fetched_at"));
        columns.sort();
        let list = columns
            .iter()
            .map(|column| format!("\"{column}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let mut statement = c.prepare(&format!("SELECT {list} FROM \"{table}\""))?;
        let mut rows = statement
            .query_map([], |row| {
                (0..columns.len())
                    .map(|i| Ok(cell(row.get_ref(i)?)))
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|cells| cells.join(" | "))
            })?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        rows.sort();
        out.push_str(&format!("{table} ({})\n", columns.join(", ")));
        for row in rows {
            out.push_str(&format!("  {row}\n"));
        }
    }
    Ok(out)
}

fn cell(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(x) => format!("{x:?}"),
        ValueRef::Text(text) => format!("{:?}", String::from_utf8_lossy(text)),
        ValueRef::Blob(bytes) => format!("blob of {} bytes", bytes.len()),
    }
}

fn problems(c: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut found = Vec::new();
    let tables = strings(c, "SELECT name FROM sqlite_schema WHERE type = 'table'", [])?;
    for table in TYPE_INDEPENDENT {
        if !tables.iter().any(|t| t == table) {
            found.push(format!("the table `{table}` is missing"));
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    // Each table's columns: (name, declared type, position in the primary key).
    let info = |table: &str| -> rusqlite::Result<Vec<(String, String, i64)>> {
        c.prepare("SELECT name, type, pk FROM pragma_table_info(?1)")?
            .query_map(params![table], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect()
    };
    // References: (from column, to table, to column).
    let references = |table: &str| -> rusqlite::Result<Vec<(String, String, String)>> {
        c.prepare("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1)")?
            .query_map(params![table], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect()
    };
    let keys = |table: &str| -> rusqlite::Result<Vec<String>> {
        let mut columns: Vec<(String, String, i64)> = info(table)?;
        columns.retain(|(_, _, pk)| *pk > 0);
        Ok(columns.into_iter().map(|(name, _, _)| name).collect())
    };
    let mut expect_key = |table: &str, wanted: &[&str]| -> rusqlite::Result<()> {
        let mut key = keys(table)?;
        key.sort();
        let mut wanted: Vec<String> = wanted.iter().map(ToString::to_string).collect();
        wanted.sort();
        if key != wanted {
            found.push(format!(
                "`{table}`'s primary key is ({}), not ({})",
                key.join(", "),
                wanted.join(", ")
            ));
        }
        Ok(())
    };
    expect_key("event_map_type", &["ocel_type"])?;
    expect_key("object_map_type", &["ocel_type"])?;
    expect_key("event", &["ocel_id"])?;
    expect_key("object", &["ocel_id"])?;
    expect_key(
        "event_object",
        &["ocel_event_id", "ocel_object_id", "ocel_qualifier"],
    )?;
    expect_key(
        "object_object",
        &["ocel_source_id", "ocel_target_id", "ocel_qualifier"],
    )?;
    let mut wanted_references: Vec<(String, &str, &str, &str)> = vec![
        ("event".into(), "ocel_type", "event_map_type", "ocel_type"),
        ("object".into(), "ocel_type", "object_map_type", "ocel_type"),
        ("event_object".into(), "ocel_event_id", "event", "ocel_id"),
        ("event_object".into(), "ocel_object_id", "object", "ocel_id"),
        (
            "object_object".into(),
            "ocel_source_id",
            "object",
            "ocel_id",
        ),
        (
            "object_object".into(),
            "ocel_target_id",
            "object",
            "ocel_id",
        ),
    ];
    for family in ["event", "object"] {
        let maps = strings(
            c,
            &format!("SELECT ocel_type_map FROM {family}_map_type"),
            [],
        )?;
        for map in &maps {
            let table = format!("{family}_{map}");
            if !tables.contains(&table) {
                found.push(format!("the {family} type `{map}` has no table `{table}`"));
                continue;
            }
            let columns = info(&table)?;
            let has = |name: &str| columns.iter().find(|(n, _, _)| n == name);
            match has("ocel_time") {
                Some((_, declared, _)) if declared == "TIMESTAMP" => {}
                _ => found.push(format!("`{table}` has no `ocel_time TIMESTAMP` column")),
            }
            let id_key = has("ocel_id").map(|(_, _, pk)| *pk);
            match (family, id_key) {
                (_, None) => found.push(format!("`{table}` has no `ocel_id` column")),
                ("event", Some(0)) => {
                    found.push(format!("`{table}`'s `ocel_id` is not its primary key"));
                }
                _ => {}
            }
            if family == "object" && has("ocel_changed_field").is_none() {
                found.push(format!("`{table}` has no `ocel_changed_field` column"));
            }
            wanted_references.push((table, "ocel_id", family, "ocel_id"));
        }
        let prefix = format!("{family}_");
        for table in &tables {
            let known = TYPE_INDEPENDENT.contains(&table.as_str())
                || maps.iter().any(|map| *table == format!("{prefix}{map}"));
            if table.starts_with(&prefix) && !known {
                found.push(format!("the table `{table}` is not in `{family}_map_type`"));
            }
        }
    }
    for (table, from, to_table, to) in &wanted_references {
        let declared = references(table)?;
        if !declared
            .iter()
            .any(|(f, t, c)| f == from && t == to_table && c == to)
        {
            found.push(format!(
                "`{table}.{from}` does not reference `{to_table}.{to}`"
            ));
        }
    }
    if !found.is_empty() {
        return Ok(found);
    }
    // The data: every reference to an existing row, each event and object once in its table,
    // every time readable.
    let dangling = count(c, "SELECT count(*) FROM pragma_foreign_key_check")?;
    if dangling > 0 {
        found.push(format!("{dangling} rows reference rows that do not exist"));
    }
    for family in ["event", "object"] {
        let types: Vec<(String, String)> = c
            .prepare(&format!(
                "SELECT ocel_type, ocel_type_map FROM {family}_map_type"
            ))?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let initial = if family == "object" {
            " AND t.ocel_changed_field IS NULL"
        } else {
            ""
        };
        for (kind, map) in types {
            let table = format!("{family}_{map}");
            let wrong = c.query_row(
                &format!(
                    "SELECT count(*) FROM {family} f WHERE f.ocel_type = ?1 AND
                     (SELECT count(*) FROM \"{table}\" t WHERE t.ocel_id = f.ocel_id{initial}) != 1"
                ),
                params![kind],
                |row| row.get::<_, i64>(0),
            )?;
            if wrong > 0 {
                found.push(format!(
                    "{wrong} {family}s of type `{kind}` are not in `{table}` once"
                ));
            }
            let foreign = c.query_row(
                &format!(
                    "SELECT count(*) FROM \"{table}\" t JOIN {family} f ON f.ocel_id = t.ocel_id
                     WHERE f.ocel_type != ?1"
                ),
                params![kind],
                |row| row.get::<_, i64>(0),
            )?;
            if foreign > 0 {
                found.push(format!(
                    "`{table}` holds {foreign} rows of {family}s of another type"
                ));
            }
            for text in strings(
                c,
                &format!("SELECT DISTINCT ocel_time FROM \"{table}\""),
                [],
            )? {
                if time::parse(&text).is_none() {
                    found.push(format!(
                        "`{table}` has the time `{text}`, which does not parse"
                    ));
                }
            }
        }
    }
    Ok(found)
}
