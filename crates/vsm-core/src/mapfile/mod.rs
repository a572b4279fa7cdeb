//! Reading a map file: YAML text in, a checked [`ValueStream`] and every problem found out.
//!
//! The reader walks the YAML tree with its source positions rather than deserializing with serde,
//! because serde stops at the first problem and a user fixing a map wants all of them at once.

mod bounds;
mod demand;
pub mod document;
mod dora;
mod extends;
pub mod fields;
mod ids;
mod measure;
mod nodes;
mod schema;
mod steps;
mod stream;
mod targets;
mod values;

pub use extends::{Extends, Header};
pub use schema::json_schema;

use crate::ValueStream;
use crate::diagnostic::Diagnostic;

/// The outcome of reading a map file.
#[derive(Debug)]
pub struct ParsedMap {
    /// The map, when the file has no errors (it may still have warnings).
    pub stream: Option<ValueStream>,
    /// Errors and warnings in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// The map the file `extends:`, when it names one. A map that does, read with
    /// [`parse_map`] rather than [`parse_map_extending`], has no stream and an
    /// `extends_not_followed` error.
    pub extends: Option<Extends>,
}

impl ParsedMap {
    /// Whether a problem is an error (not only a warning).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Reads a map from the text of a YAML file.
pub fn parse_map(source: &str) -> ParsedMap {
    read(source, stream::build)
}

/// Reads a map that `extends:` `base`: the map its [`Header`] names, read first.
pub fn parse_map_extending(source: &str, base: &ValueStream) -> ParsedMap {
    read(source, |reader, root| {
        extends::build_extending(reader, root, base)
    })
}

/// Reads the document with `build`, and keeps the map only if no error was found.
fn read(
    source: &str,
    build: impl FnOnce(&mut nodes::Reader<'_>, &nodes::Node<'_>) -> Option<ValueStream>,
) -> ParsedMap {
    let mut reader = nodes::Reader::new(source);
    let root = reader.document();
    let extends = root
        .as_ref()
        .and_then(|root| extends::extends(&reader, root));
    let stream = root.and_then(|root| build(&mut reader, &root));
    let mut diagnostics = reader.into_diagnostics();
    diagnostics.sort_by_key(|d| d.location.map(|l| (l.offset, l.len)));
    let stream = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        stream
    };
    ParsedMap {
        stream,
        diagnostics,
        extends,
    }
}

#[cfg(test)]
mod tests;
