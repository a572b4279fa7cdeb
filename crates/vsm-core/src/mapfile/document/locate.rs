//! Which field of a map file a place in its text belongs to, so that a diagnostic (which names
//! a line and column) can be shown beside the field it is about.

use saphyr::YamlData;

use super::Key;
use crate::mapfile::nodes::{Node, Reader};

/// The path of the deepest field or list item of `source` that starts at or before byte
/// `offset` and holds it: `["steps", 1, "process_time"]` for a place in the second step's
/// `process_time:` line. The empty path when the text does not parse or the place is before
/// the first field.
pub fn path_at(source: &str, offset: usize) -> Vec<Key> {
    let mut reader = Reader::new(source);
    let Some(root) = reader.document() else {
        return Vec::new();
    };
    let mut path = Vec::new();
    let mut node = &root;
    // Each turn goes one level down; a map file nests a few levels, the tree reader refuses
    // more than MAX_DEPTH, and the bound keeps a hostile text from looping long.
    for _ in 0..super::MAX_DEPTH {
        let starts = |reader: &Reader<'_>, node: &Node<'_>| reader.location(node).offset;
        let next = match &node.data {
            YamlData::Mapping(entries) => entries
                .iter()
                .rev()
                .find(|(key, _)| starts(&reader, key) <= offset)
                .and_then(|(key, value)| match &key.data {
                    YamlData::Value(saphyr::Scalar::String(name)) => {
                        Some((Key::Field(name.to_string()), value))
                    }
                    _ => None,
                }),
            YamlData::Sequence(items) => items
                .iter()
                .enumerate()
                .rev()
                .find(|(_, item)| starts(&reader, item) <= offset)
                .map(|(index, item)| (Key::Index(index), item)),
            _ => None,
        };
        let Some((key, child)) = next else {
            break;
        };
        path.push(key);
        let nested = matches!(child.data, YamlData::Mapping(_) | YamlData::Sequence(_));
        if !nested || starts(&reader, child) > offset {
            break;
        }
        node = child;
    }
    path
}
