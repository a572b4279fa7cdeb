//! Typed access to the YAML tree, reporting each problem at the node that has it.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::fields::{Kind, ObjectSpec};
use crate::diagnostic::{Diagnostic, Location, backticked, did_you_mean, shorten};

pub type Node<'s> = MarkedYaml<'s>;

/// Walks one YAML document and collects diagnostics.
pub struct Reader<'s> {
    source: &'s str,
    chars: CharIndex,
    diagnostics: Vec<Diagnostic>,
    /// Name comparisons left for "did you mean" suggestions: a map with thousands of steps and
    /// thousands of misspelled references would otherwise compare every pair.
    suggestion_budget: usize,
    /// The map's working time, read before its steps: process times count in its days.
    pub(super) working_time: crate::WorkingTime,
}

/// Comparisons one file may spend on suggestions (well under a second).
const SUGGESTION_BUDGET: usize = 2_000_000;

/// How many names a help text lists before counting the rest.
pub const LISTED_NAMES: usize = 12;

/// The known fields of one mapping, with their key positions.
pub struct Fields<'n, 's> {
    location: Location,
    /// How many fields were unknown (and reported).
    unknown: usize,
    entries: Vec<(&'static str, &'n Node<'s>, &'n Node<'s>)>,
}

impl<'n, 's> Fields<'n, 's> {
    /// The value of a field that is present and not empty.
    pub fn get(&self, name: &str) -> Option<&'n Node<'s>> {
        self.entries
            .iter()
            .find(|(field, _, value)| *field == name && !is_null(value))
            .map(|(_, _, value)| *value)
    }

    /// Whether a field name was not recognised, so a missing field may just be misspelled.
    pub fn has_unknown(&self) -> bool {
        self.unknown > 0
    }

    /// Where the whole mapping is.
    pub fn location(&self) -> Location {
        self.location
    }
}

fn is_null(node: &Node<'_>) -> bool {
    matches!(node.data, YamlData::Value(Scalar::Null))
}

/// The parser's positions count characters; slicing the source needs bytes. Built once per
/// file, so that turning a position into a byte offset costs the same on the last line as on
/// the first (scanning the source for every node made reading a large map quadratic).
struct CharIndex {
    /// `None` for an ASCII source, where characters are bytes.
    checkpoints: Option<Vec<usize>>,
    len: usize,
}

/// Characters between two checkpoints: a lookup walks at most this many.
const CHECKPOINT_EVERY: usize = 64;

impl CharIndex {
    fn new(source: &str) -> Self {
        let checkpoints = (!source.is_ascii()).then(|| {
            source
                .char_indices()
                .step_by(CHECKPOINT_EVERY)
                .map(|(byte, _)| byte)
                .collect()
        });
        CharIndex {
            checkpoints,
            len: source.len(),
        }
    }

    /// The byte offset of character `chars` of `source` (the end for a position past it).
    fn byte(&self, source: &str, chars: usize) -> usize {
        let Some(checkpoints) = &self.checkpoints else {
            return chars.min(self.len);
        };
        let Some(&start) = checkpoints.get(chars / CHECKPOINT_EVERY) else {
            return self.len;
        };
        source[start..]
            .char_indices()
            .nth(chars % CHECKPOINT_EVERY)
            .map_or(self.len, |(byte, _)| start + byte)
    }
}

impl<'s> Reader<'s> {
    pub fn new(source: &'s str) -> Self {
        Reader {
            source,
            chars: CharIndex::new(source),
            diagnostics: Vec::new(),
            suggestion_budget: SUGGESTION_BUDGET,
            working_time: crate::WorkingTime::default(),
        }
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    /// The candidate closest to `word` ([`did_you_mean`]), while the file's budget of
    /// comparisons lasts; then none.
    pub fn suggest<'c>(
        &mut self,
        word: &str,
        candidates: impl Iterator<Item = &'c str> + Clone,
    ) -> Option<&'c str> {
        // The bound, not a count: once the budget is spent, asking costs nothing.
        let cost = candidates.size_hint().1.unwrap_or(usize::MAX);
        if cost > self.suggestion_budget {
            self.suggestion_budget = 0;
            return None;
        }
        self.suggestion_budget -= cost;
        did_you_mean(word, candidates)
    }

    /// Whether an error (not a warning) has been reported.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Reports a problem at the node that has it.
    pub fn report_at(&mut self, node: &Node<'_>, diagnostic: Diagnostic) {
        let location = self.location(node);
        self.report(diagnostic.at(location));
    }

    /// The single YAML document of the file, or a reported reason why there is none.
    pub fn document(&mut self) -> Option<Node<'s>> {
        let start = Location {
            offset: 0,
            len: 0,
            line: 1,
            column: 1,
        };
        let empty = || {
            Diagnostic::error("empty_file", "the file is empty")
                .at(start)
                .help("a map needs at least `name:` and `steps:`; run `vsm init` for a starter map")
        };
        let mut documents = match Node::load_from_str(self.source) {
            Ok(documents) => documents,
            Err(error) => {
                let marker = error.marker();
                let offset = self.chars.byte(self.source, marker.index());
                let info = error.info();
                let help = if info.contains("duplicated key") {
                    "each field may appear once in a mapping; remove or rename the repeated key"
                } else {
                    "check the indentation and the `:` after each key; quote values that contain `: ` or start with `{`, `[`, `*` or `&`"
                };
                self.report(
                    Diagnostic::error("yaml_syntax", format!("this is not valid YAML: {info}"))
                        .at(Location {
                            offset,
                            len: 0,
                            line: marker.line(),
                            column: marker.col() + 1,
                        })
                        .help(help),
                );
                return None;
            }
        };
        if documents.len() > 1 {
            let second = &documents[1];
            self.report_at(
                second,
                Diagnostic::error("several_documents", "the file holds more than one YAML document")
                    .help("keep one map per file; remove the `---` line and what follows, or move it to a file of its own"),
            );
            return None;
        }
        match documents.pop() {
            None => {
                self.report(empty());
                None
            }
            Some(root) if is_null(&root) => {
                self.report(empty());
                None
            }
            Some(root) => Some(root),
        }
    }

    pub fn location(&self, node: &Node<'_>) -> Location {
        let start = self.byte(node.span.start.index());
        let mut end = self.byte(node.span.end.index()).max(start);
        // A block mapping's span runs to the start of what follows; point at its first line only.
        if let Some(newline) = self.source[start..end].find('\n') {
            end = start + newline;
        }
        let text = &self.source[start..end];
        end = start + text.trim_end().len();
        Location {
            offset: start,
            len: end - start,
            line: node.span.start.line(),
            column: node.span.start.col() + 1,
        }
    }

    fn byte(&self, chars: usize) -> usize {
        self.chars.byte(self.source, chars)
    }

    /// The value as written, for quoting in messages.
    pub fn raw(&self, node: &Node<'_>) -> &'s str {
        let start = self.byte(node.span.start.index());
        let end = self.byte(node.span.end.index());
        self.source.get(start..end).unwrap_or_default().trim()
    }

    /// "a list", "a mapping", "the number `3`": what the user wrote, for type errors.
    fn describe(&self, node: &Node<'_>) -> String {
        match &node.data {
            YamlData::Sequence(_) => "a list".into(),
            YamlData::Mapping(_) => "a mapping".into(),
            YamlData::Value(Scalar::Null) => "nothing".into(),
            YamlData::Value(Scalar::Boolean(_)) => format!("`{}`", shorten(self.raw(node))),
            YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => {
                format!("the number `{}`", shorten(self.raw(node)))
            }
            YamlData::Value(Scalar::String(text)) => format!("the text `{}`", shorten(text)),
            _ => "an unsupported YAML value".into(),
        }
    }

    pub(super) fn type_error(&mut self, node: &Node<'_>, expected: &str, help: &str) {
        let found = self.describe(node);
        self.report_at(
            node,
            Diagnostic::error("wrong_type", format!("expected {expected}, found {found}"))
                .help(help),
        );
    }

    /// A mapping checked against `spec`: unknown fields and missing required ones are reported.
    pub fn object<'n, 'y>(
        &mut self,
        node: &'n Node<'y>,
        spec: &ObjectSpec,
    ) -> Option<Fields<'n, 'y>> {
        self.object_requiring(node, spec, true)
    }

    /// As [`Self::object`]; `required: false` lets required fields be left out (a map that
    /// extends another takes them from its base).
    pub fn object_requiring<'n, 'y>(
        &mut self,
        node: &'n Node<'y>,
        spec: &ObjectSpec,
        required: bool,
    ) -> Option<Fields<'n, 'y>> {
        let YamlData::Mapping(mapping) = &node.data else {
            let fields: Vec<&str> = spec.names().take(3).collect();
            self.type_error(
                node,
                &format!("a {} (a mapping of fields)", spec.noun),
                &format!(
                    "write the {} as `key: value` lines, e.g. `{}: ...`",
                    spec.noun,
                    fields.join(": ...`, `")
                ),
            );
            return None;
        };
        let mut fields = Fields {
            location: self.location(node),
            unknown: 0,
            entries: Vec::new(),
        };
        for (key, value) in mapping {
            let name = match &key.data {
                YamlData::Value(Scalar::String(name)) => name.to_string(),
                _ => self.raw(key).to_string(),
            };
            let name = name.as_str();
            match spec.fields.iter().find(|field| field.name == name) {
                Some(field) => fields.entries.push((field.name, key, value)),
                None => {
                    fields.unknown += 1;
                    let location = self.location(key);
                    let mut diagnostic = Diagnostic::error(
                        "unknown_field",
                        format!(
                            "unknown field `{}` in {}",
                            shorten(name),
                            article(spec.noun)
                        ),
                    )
                    .at(location);
                    // A field of one of this object's own objects, written a level too high.
                    let parent = spec.fields.iter().find(|field| match field.kind {
                        Kind::Object(inner) | Kind::List(inner) => {
                            inner.fields.iter().any(|f| f.name == name)
                        }
                        _ => false,
                    });
                    diagnostic = match (parent, did_you_mean(name, spec.names())) {
                        (Some(parent), _) => diagnostic.label("unknown field here").help(format!(
                            "`{1}` is a field of `{0}:`; write it under `{0}:`, e.g. `{0}: {{ {1}: ... }}`",
                            parent.name,
                            shorten(name)
                        )),
                        (None, Some(suggestion)) => diagnostic
                            .label("unknown field")
                            .help(format!("did you mean `{suggestion}`?")),
                        (None, None) => diagnostic.help(format!(
                            "the fields of {} are: {}",
                            article(spec.noun),
                            backticked(spec.names(), usize::MAX)
                        )),
                    };
                    self.report(diagnostic);
                }
            }
        }
        for field in spec
            .fields
            .iter()
            .filter(|field| required && field.required)
        {
            let present = fields
                .entries
                .iter()
                .find(|(name, _, _)| *name == field.name);
            match present {
                None => {
                    self.report(
                        Diagnostic::error(
                            "missing_field",
                            format!("{} is missing `{}`", article(spec.noun), field.name),
                        )
                        .at(fields.location)
                        .help(format!(
                            "add `{}:` ({})",
                            field.name,
                            lowercase_first(field.description)
                        )),
                    );
                }
                Some((_, key, value)) if is_null(value) => {
                    self.report_at(
                        key,
                        Diagnostic::error("empty_field", format!("`{}` has no value", field.name))
                            .help(format!(
                                "give `{}` a value: {}",
                                field.name,
                                lowercase_first(field.description)
                            )),
                    );
                }
                Some(_) => {}
            }
        }
        // Optional fields written with no value: say so rather than quietly ignoring the line.
        for (name, key, value) in &fields.entries {
            let spec_field = spec.field(name).expect("entries hold known fields");
            if is_null(value) && !spec_field.required && !matches!(spec_field.kind, Kind::Text) {
                self.report_at(
                    key,
                    Diagnostic::warning(
                        "empty_field",
                        format!("`{name}` has no value and is ignored"),
                    )
                    .help(format!("give `{name}` a value or remove the line")),
                );
            }
        }
        Some(fields)
    }

    /// The items of a list; a lone mapping where a list is expected is reported.
    pub fn list<'n, 'y>(&mut self, node: &'n Node<'y>, noun: &str) -> Vec<&'n Node<'y>> {
        match &node.data {
            YamlData::Sequence(items) => items.iter().collect(),
            _ => {
                self.type_error(
                    node,
                    &format!("a list of {noun}"),
                    &format!("start each of the {noun} with `- ` on its own line"),
                );
                Vec::new()
            }
        }
    }
}

fn article(noun: &str) -> String {
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    if noun == "map" {
        "the map".into()
    } else if vowel {
        format!("an {noun}")
    } else {
        format!("a {noun}")
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
