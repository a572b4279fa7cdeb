//! The workshop editor's edits as the store keeps them (see `migrations/*/0005_edits.sql`).

/// One edit: a batch of ops on a stream's map, as applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Its number within the stream, from 1, in the order edits were applied.
    pub seq: i64,
    /// The version it was made over.
    pub base_version: i64,
    /// Who made it.
    pub user: String,
    /// The ops, as a JSON list in their wire form.
    pub ops: String,
    /// What it overwrote that its author had not seen: a JSON list, `[]` when nothing.
    pub conflicts: String,
    pub created_at: i64,
    /// The version saved with it; `None` while it is not saved in one.
    pub saved_in: Option<i64>,
}

/// The columns an [`Edit`] is read from, in its readers' order.
pub(super) const EDIT_COLUMNS: &str =
    "seq, base_version, user_name, ops, conflicts, created_at, saved_in";
