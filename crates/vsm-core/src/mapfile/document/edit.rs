//! Changing the tree by ops, each giving back its inverse for undo.

use std::fmt;

use serde_json::{Map, Value};

/// One step of a path into the tree: a mapping's field or a list's index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Field(String),
    Index(usize),
}

impl From<&str> for Key {
    fn from(name: &str) -> Self {
        Key::Field(name.to_string())
    }
}

impl From<usize> for Key {
    fn from(index: usize) -> Self {
        Key::Index(index)
    }
}

/// What an [`Op`] does at its path.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// Replaces the value at the path. A field the mapping lacks is added after its last field;
    /// a list index must exist. The empty path replaces the whole tree.
    Set(Value),
    /// Removes the field or the list element at the path.
    Remove,
    /// Inserts into a list before the index the path ends with (the list's length appends).
    Insert(Value),
    /// Moves the list element at the path to index `to` of the list (counted once it is taken
    /// out, so `to` is where it ends up), for reordering steps.
    Move { to: usize },
    /// Puts a field back at `position` among its mapping's fields: the inverse of removing a
    /// field, so that undo restores the order of the keys too.
    Restore { value: Value, position: usize },
}

/// A change to the tree: what to do at `path`, and what the person making it saw there.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// From the root, e.g. `["steps", 2, "name"]`.
    pub path: Vec<Key>,
    pub edit: Edit,
    /// The value the person saw at the path (`None`: nothing there). For [`Edit::Insert`] and
    /// [`Edit::Restore`], which fill a place, it is `None` when the place was free.
    pub expect: Option<Value>,
}

/// The outcome of an applied op.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The op that undoes this one; its `expect` is what this op left, so undoing after someone
    /// else changed the same place reports a [`Conflict`] too.
    pub inverse: Op,
    /// Set when the op replaced something other than what the person saw.
    pub conflict: Option<Conflict>,
}

/// An op overwrote a change its author had not seen. The later op wins (it is applied); the
/// author of the op is told through this, and so is the person who last wrote `path` (whom the
/// caller knows from its log of ops), since their change is gone.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub path: Vec<Key>,
    /// What the op's author saw there.
    pub expected: Option<Value>,
    /// What was there instead, now overwritten.
    pub found: Option<Value>,
}

/// An op that cannot apply: its path leads nowhere in the tree. The tree is left unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot edit `{path}`: {problem}")]
pub struct EditError {
    /// The op's path as text, e.g. `steps[2].name`.
    pub path: String,
    pub problem: String,
}

/// A path as text: `steps[2].name`, the root as `(the map)`.
pub fn display_path(path: &[Key]) -> String {
    let mut text = String::new();
    for key in path {
        match key {
            Key::Field(name) if text.is_empty() => text.push_str(name),
            Key::Field(name) => {
                text.push('.');
                text.push_str(name);
            }
            Key::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    if text.is_empty() {
        text.push_str("(the map)");
    }
    text
}

/// An error about `path`, quoting it shortened.
pub(super) fn path_error(path: &[Key], problem: String) -> EditError {
    EditError {
        path: crate::diagnostic::shorten(&display_path(path)).into_owned(),
        problem,
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = display_path(&self.path);
        write!(
            f,
            "{} at `{}`",
            self.edit.verb(),
            crate::diagnostic::shorten(&path)
        )
    }
}

impl Edit {
    fn verb(&self) -> &'static str {
        match self {
            Edit::Set(_) => "set",
            Edit::Remove => "remove",
            Edit::Insert(_) => "insert",
            Edit::Move { .. } => "move",
            Edit::Restore { .. } => "restore",
        }
    }
}

/// Applies `op` to `tree`: the later op wins, and a [`Conflict`] in the result says when it
/// overwrote something its author had not seen. On an error the tree is unchanged.
pub fn apply(tree: &mut Value, op: &Op) -> Result<Applied, EditError> {
    let error = |problem: String| path_error(&op.path, problem);
    if op.path.len() > super::MAX_DEPTH {
        return Err(error(format!(
            "a path is at most {} steps long, not {}",
            super::MAX_DEPTH,
            op.path.len()
        )));
    }
    if let Edit::Set(value) | Edit::Insert(value) | Edit::Restore { value, .. } = &op.edit
        && op.path.len() + nesting(value) > super::MAX_DEPTH
    {
        return Err(error(format!(
            "the value would nest lists and mappings more than {} levels deep",
            super::MAX_DEPTH
        )));
    }
    let Some((last, parent_path)) = op.path.split_last() else {
        return match &op.edit {
            Edit::Set(value) => {
                let old = std::mem::replace(tree, value.clone());
                Ok(finish(op, Some(old), Edit::Set, value))
            }
            _ => Err(error(format!(
                "only `set` applies to the whole map, not `{}`",
                op.edit.verb()
            ))),
        };
    };
    let parent = walk(tree, parent_path).map_err(error)?;
    match (parent, last) {
        (Value::Object(map), Key::Field(name)) => edit_field(map, name, op).map_err(error),
        (Value::Array(items), Key::Index(index)) => edit_item(items, *index, op).map_err(error),
        (parent, key) => Err(error(format!(
            "{} is {}, which has no {}",
            place(parent_path),
            describe(parent),
            match key {
                Key::Field(name) => format!("field `{name}`"),
                Key::Index(index) => format!("item {index}"),
            }
        ))),
    }
}

/// How many levels of lists and mappings `value` has (0 for a scalar), counted without
/// recursion: a value from elsewhere may be deeper than the stack allows.
fn nesting(value: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
}

/// The value at `path`, which must exist.
fn walk<'t>(tree: &'t mut Value, path: &[Key]) -> Result<&'t mut Value, String> {
    let mut node = tree;
    for (depth, key) in path.iter().enumerate() {
        let here = place(&path[..depth]);
        node = match (node, key) {
            (Value::Object(map), Key::Field(name)) => map
                .get_mut(name)
                .ok_or_else(|| format!("{here} has no field `{name}`"))?,
            (Value::Array(items), Key::Index(index)) => {
                let len = items.len();
                items
                    .get_mut(*index)
                    .ok_or_else(|| format!("{here} has {len} items, so no item {index}"))?
            }
            (node, Key::Field(name)) => {
                return Err(format!(
                    "{here} is {}, which has no field `{name}`",
                    describe(node)
                ));
            }
            (node, Key::Index(index)) => {
                return Err(format!(
                    "{here} is {}, which has no item {index}",
                    describe(node)
                ));
            }
        };
    }
    Ok(node)
}

fn place(path: &[Key]) -> String {
    if path.is_empty() {
        "the map".into()
    } else {
        format!("`{}`", display_path(path))
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "empty",
        Value::Bool(_) => "a yes/no value",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn edit_field(map: &mut Map<String, Value>, name: &str, op: &Op) -> Result<Applied, String> {
    let position = map.keys().position(|key| key == name);
    match &op.edit {
        Edit::Set(value) => {
            let old = map.insert(name.to_string(), value.clone());
            Ok(match old {
                Some(old) => finish(op, Some(old), Edit::Set, value),
                None => finish(op, None, |_| Edit::Remove, value),
            })
        }
        Edit::Remove => {
            let position = position.ok_or("there is no such field to remove")?;
            let old = map.shift_remove(name).unwrap_or_default();
            let inverse = Edit::Restore {
                value: old.clone(),
                position,
            };
            Ok(removed(op, &old, inverse))
        }
        Edit::Restore {
            value,
            position: at,
        } => {
            if *at > map.len() - usize::from(position.is_some()) {
                return Err(format!(
                    "position {at} is past the mapping's {} fields",
                    map.len()
                ));
            }
            let old = map.shift_remove(name);
            map.shift_insert(*at, name.to_string(), value.clone());
            Ok(match (old, position) {
                (Some(old), Some(was)) => finish(
                    op,
                    Some(old),
                    |old| Edit::Restore {
                        value: old,
                        position: was,
                    },
                    value,
                ),
                _ => finish(op, None, |_| Edit::Remove, value),
            })
        }
        Edit::Insert(_) | Edit::Move { .. } => Err(format!(
            "`{}` applies to a list item; this is a mapping's field",
            op.edit.verb()
        )),
    }
}

fn edit_item(items: &mut Vec<Value>, index: usize, op: &Op) -> Result<Applied, String> {
    let len = items.len();
    let missing = || format!("the list has {len} items, so no item {index}");
    match &op.edit {
        Edit::Set(value) => {
            let slot = items.get_mut(index).ok_or_else(missing)?;
            let old = std::mem::replace(slot, value.clone());
            Ok(finish(op, Some(old), Edit::Set, value))
        }
        Edit::Remove => {
            if index >= len {
                return Err(missing());
            }
            let old = items.remove(index);
            Ok(removed(op, &old, Edit::Insert(old.clone())))
        }
        Edit::Insert(value) => {
            if index > len {
                return Err(format!(
                    "the list has {len} items, so an item goes in at {len} at most, not {index}"
                ));
            }
            items.insert(index, value.clone());
            Ok(finish(op, None, |_| Edit::Remove, value))
        }
        Edit::Move { to } => {
            if index >= len {
                return Err(missing());
            }
            if *to >= len {
                return Err(format!(
                    "the list has {len} items, so an item moves to {} at most, not {to}",
                    len - 1
                ));
            }
            let item = items.remove(index);
            items.insert(*to, item.clone());
            let mut inverse_path = op.path.clone();
            if let Some(last) = inverse_path.last_mut() {
                *last = Key::Index(*to);
            }
            Ok(Applied {
                conflict: conflict(op, Some(&item)),
                inverse: Op {
                    path: inverse_path,
                    edit: Edit::Move { to: index },
                    expect: Some(item),
                },
            })
        }
        Edit::Restore { .. } => {
            Err("`restore` applies to a mapping's field; this is a list item".into())
        }
    }
}

/// The result of an op that left `value` at its path, where `old` was.
fn finish(op: &Op, old: Option<Value>, undo: impl FnOnce(Value) -> Edit, value: &Value) -> Applied {
    let conflict = conflict(op, old.as_ref());
    let edit = match old {
        Some(old) => undo(old),
        None => undo(Value::Null),
    };
    Applied {
        inverse: Op {
            path: op.path.clone(),
            edit,
            expect: Some(value.clone()),
        },
        conflict,
    }
}

/// The result of an op that removed `old` from its path.
fn removed(op: &Op, old: &Value, inverse: Edit) -> Applied {
    Applied {
        conflict: conflict(op, Some(old)),
        inverse: Op {
            path: op.path.clone(),
            edit: inverse,
            expect: None,
        },
    }
}

fn conflict(op: &Op, found: Option<&Value>) -> Option<Conflict> {
    (op.expect.as_ref() != found).then(|| Conflict {
        path: op.path.clone(),
        expected: op.expect.clone(),
        found: found.cloned(),
    })
}
