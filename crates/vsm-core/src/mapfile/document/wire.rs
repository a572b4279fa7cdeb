//! Ops as JSON, the way they travel between the editor in the browser and the server.
//!
//! ```json
//! {"path": ["steps", 2, "name"], "op": "set", "value": "Deploy", "expect": "Deploy to prod"}
//! {"path": ["steps", 1], "op": "remove", "expect": {"id": "qa"}}
//! {"path": ["steps", 0], "op": "insert", "value": {"id": "plan"}}
//! {"path": ["steps", 4], "op": "move", "to": 0, "expect": {"id": "plan"}}
//! {"path": ["customer"], "op": "restore", "value": "Users", "position": 2}
//! ```
//!
//! `expect` left out means the person saw nothing there; `"expect": null` means they saw an
//! empty field.

use serde_json::{Map, Value, json};

use super::edit::{Edit, EditError, Key, Op, path_error};
use crate::diagnostic::{did_you_mean, shorten};

/// The fields an op may have on the wire.
const FIELDS: [&str; 6] = ["path", "op", "value", "expect", "to", "position"];

impl Op {
    /// Reads an op from its JSON form (see the [module](self) documentation).
    pub fn from_json(json: &Value) -> Result<Op, EditError> {
        let Value::Object(fields) = json else {
            return Err(EditError {
                path: shorten(&json.to_string()).into_owned(),
                problem: "an op is an object: {\"path\": [...], \"op\": \"set\", \"value\": ...}"
                    .into(),
            });
        };
        let path = path_from_json(fields.get("path").unwrap_or(&Value::Null))?;
        let error = |problem: String| path_error(&path, problem);
        if let Some(unknown) = fields.keys().find(|key| !FIELDS.contains(&key.as_str())) {
            let fix = match did_you_mean(unknown, FIELDS) {
                Some(field) => format!("did you mean `{field}`?"),
                None => format!(
                    "an op has {}",
                    FIELDS.map(|field| format!("`{field}`")).join(", ")
                ),
            };
            return Err(error(format!(
                "`{}` is not a field of an op; {fix}",
                shorten(unknown)
            )));
        }
        let value = || {
            fields
                .get("value")
                .cloned()
                .map(as_yaml_reads)
                .ok_or_else(|| error("this op needs a `value`".into()))
        };
        let index = |name: &str| {
            fields
                .get(name)
                .and_then(Value::as_u64)
                .and_then(|index| usize::try_from(index).ok())
                .ok_or_else(|| error(format!("this op needs `{name}`, a list index (0, 1, 2...)")))
        };
        let edit = match fields.get("op").and_then(Value::as_str) {
            Some("set") => Edit::Set(value()?),
            Some("remove") => Edit::Remove,
            Some("insert") => Edit::Insert(value()?),
            Some("move") => Edit::Move { to: index("to")? },
            Some("restore") => Edit::Restore {
                value: value()?,
                position: index("position")?,
            },
            _ => {
                return Err(error(format!(
                    "`op` is {}, not one of `set`, `remove`, `insert`, `move` or `restore`",
                    fields.get("op").map_or("missing".into(), |op| format!(
                        "`{}`",
                        shorten(&op.to_string())
                    ))
                )));
            }
        };
        Ok(Op {
            path,
            edit,
            expect: fields.get("expect").cloned().map(as_yaml_reads),
        })
    }

    /// The op in its JSON form, which [`Op::from_json`] reads back.
    pub fn to_json(&self) -> Value {
        let path: Vec<Value> = self
            .path
            .iter()
            .map(|key| match key {
                Key::Field(name) => json!(name),
                Key::Index(index) => json!(index),
            })
            .collect();
        let mut fields = Map::new();
        fields.insert("path".into(), Value::Array(path));
        let (verb, value, index) = match &self.edit {
            Edit::Set(value) => ("set", Some(value), None),
            Edit::Remove => ("remove", None, None),
            Edit::Insert(value) => ("insert", Some(value), None),
            Edit::Move { to } => ("move", None, Some(("to", to))),
            Edit::Restore { value, position } => {
                ("restore", Some(value), Some(("position", position)))
            }
        };
        fields.insert("op".into(), json!(verb));
        if let Some(value) = value {
            fields.insert("value".into(), value.clone());
        }
        if let Some((name, index)) = index {
            fields.insert(name.into(), json!(index));
        }
        if let Some(expect) = &self.expect {
            fields.insert("expect".into(), expect.clone());
        }
        Value::Object(fields)
    }
}

/// `value` with each integer past YAML's (`i64`) made the float YAML reads it back as, so that
/// the tree written as a map file reads back the same (`18446744073709551615` comes back as
/// `1.8446744073709552e19`): what the editor shows is what is saved.
fn as_yaml_reads(mut value: Value) -> Value {
    let mut pending = vec![&mut value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items.iter_mut()),
            Value::Object(map) => pending.extend(map.values_mut()),
            Value::Number(number) if number.is_u64() && number.as_i64().is_none() => {
                if let Some(float) = number.as_f64().and_then(serde_json::Number::from_f64) {
                    *number = float;
                }
            }
            _ => {}
        }
    }
    value
}

/// Reads a path as it comes on the wire: a JSON list of field names and indices.
pub fn path_from_json(value: &Value) -> Result<Vec<Key>, EditError> {
    let bad = |problem: String| EditError {
        path: shorten(&value.to_string()).into_owned(),
        problem,
    };
    let Value::Array(steps) = value else {
        return Err(bad(
            "a path is a list of field names and indices, e.g. [\"steps\", 2, \"name\"]".into(),
        ));
    };
    steps
        .iter()
        .enumerate()
        .map(|(at, step)| match step {
            Value::String(name) => Ok(Key::Field(name.clone())),
            Value::Number(number) => number
                .as_u64()
                .and_then(|index| usize::try_from(index).ok())
                .map(Key::Index)
                .ok_or_else(|| {
                    bad(format!(
                        "item {at}, `{number}`, is not a list index (0, 1, 2...)"
                    ))
                }),
            other => Err(bad(format!(
                "item {at}, `{}`, is neither a field name nor a list index",
                shorten(&other.to_string())
            ))),
        })
        .collect()
}
