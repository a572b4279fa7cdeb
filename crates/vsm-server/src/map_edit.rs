//! Editing a map's text in place: one improvement's `status:` set and every other byte kept
//! (comments, order, quoting, blank lines), so that the map in git and the map on the server
//! differ by that line alone and `vsm pull` writes back what the team wrote.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use vsm_core::model::ImprovementStatus;

/// The status a map file writes for `name` (`planned`, `in_progress`, `done`, `dropped`).
pub fn status_named(name: &str) -> Option<ImprovementStatus> {
    ImprovementStatus::ALL
        .iter()
        .find(|(_, written)| *written == name)
        .map(|(status, _)| *status)
}

/// Why a map's text was not edited.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The map has no improvement with the id: which ones it has.
    #[error("{0}")]
    NoImprovement(String),
    #[error("{0}")]
    Cannot(String),
}

/// `text` with improvement `id`'s `status:` set to `status`: its value replaced where the line
/// is (keeping its quotes), or a line added after the improvement's `id:` (inside `{ ... }` for
/// a flow mapping) where it is absent. An error says why the map cannot be edited.
pub fn set_status(text: &str, id: &str, status: ImprovementStatus) -> Result<String, EditError> {
    edit(text, id, status).map_err(EditError::Cannot)?
}

fn edit(
    text: &str,
    id: &str,
    status: ImprovementStatus,
) -> Result<Result<String, EditError>, String> {
    let documents = MarkedYaml::load_from_str(text)
        .map_err(|e| format!("the map is not valid YAML: {}", e.info()))?;
    let Some(root) = documents.first() else {
        return Err("the map is empty".into());
    };
    let Some(improvements) = entry(root, "improvements") else {
        return Ok(Err(EditError::NoImprovement(format!(
            "the map has no `improvements:`, so it has no improvement `{}`",
            vsm_core::diagnostic::shorten(id)
        ))));
    };
    let YamlData::Sequence(list) = &improvements.data else {
        return Err("the map's `improvements:` is not a list".into());
    };
    let Some(improvement) = list
        .iter()
        .find(|item| entry(item, "id").and_then(scalar) == Some(id))
    else {
        let ids: Vec<&str> = list
            .iter()
            .filter_map(|item| entry(item, "id").and_then(scalar))
            .collect();
        return Ok(Err(EditError::NoImprovement(format!(
            "the map has no improvement `{}`; its improvements are {}",
            vsm_core::diagnostic::shorten(id),
            vsm_core::diagnostic::backticked(ids.iter().copied(), usize::MAX)
        ))));
    };
    let name = status.as_str();
    let bytes = Bytes::new(text);
    let edited = match entry(improvement, "status") {
        Some(value) => {
            let start = bytes.at(value.span.start.index());
            let end = bytes.at(value.span.end.index()).max(start);
            let written = scalar_text(text, start, end);
            let quote = written
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .map_or(String::new(), String::from);
            format!(
                "{}{quote}{name}{quote}{}",
                &text[..start],
                &text[start + written.len()..]
            )
        }
        None => add_status(text, &bytes, improvement, name)?,
    };
    check(&edited, id, status)?;
    Ok(Ok(edited))
}

/// The line `status: NAME` added to an improvement that has none.
fn add_status(
    text: &str,
    bytes: &Bytes<'_>,
    improvement: &MarkedYaml<'_>,
    name: &str,
) -> Result<String, String> {
    let start = bytes.at(improvement.span.start.index());
    if text[start..].starts_with('{') {
        // A flow mapping: `, status: NAME` before its closing brace (where its span ends).
        let end = bytes
            .at(improvement.span.end.index())
            .clamp(start, text.len());
        let close = text[end..]
            .find('}')
            .map(|at| end + at)
            .ok_or("the improvement's `{ ... }` has no closing brace")?;
        let inside = text[start + 1..close].trim_end();
        let at = start + 1 + inside.len();
        let comma = if inside.trim().is_empty() { " " } else { ", " };
        return Ok(format!(
            "{}{comma}status: {name}{}",
            &text[..at],
            &text[at..]
        ));
    }
    // A block mapping: a line after the one `id:` ends on, indented as its keys are.
    let (key, value) = pair(improvement, "id").ok_or("the improvement has no `id:`")?;
    let indent = " ".repeat(key.span.start.col());
    let after_id = bytes.at(value.span.end.index()).min(text.len());
    Ok(match text[after_id..].find('\n') {
        Some(newline) => {
            let at = after_id + newline + 1;
            let ending = if text[..at].ends_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            format!(
                "{}{indent}status: {name}{ending}{}",
                &text[..at],
                &text[at..]
            )
        }
        None => format!("{text}\n{indent}status: {name}"),
    })
}

/// The scalar written at `start`: a quoted one to its closing quote (the parser's span of a
/// quoted scalar runs on over what follows it on the line), a plain one to `end`, trimmed.
fn scalar_text(text: &str, start: usize, end: usize) -> &str {
    let rest = &text[start..];
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, '\'')) => {
            let mut chars = chars.peekable();
            while let Some((at, c)) = chars.next() {
                if c == '\'' {
                    // `''` is a quote inside the text.
                    if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                        chars.next();
                        continue;
                    }
                    return &rest[..=at];
                }
            }
            rest.lines().next().unwrap_or_default()
        }
        Some((_, '"')) => {
            while let Some((at, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => return &rest[..=at],
                    _ => {}
                }
            }
            rest.lines().next().unwrap_or_default()
        }
        _ => text[start..end].trim_end(),
    }
}

/// The edited map still reads, with the status asked for: otherwise nothing is saved.
fn check(edited: &str, id: &str, status: ImprovementStatus) -> Result<(), String> {
    let parsed = vsm_core::parse_map(edited);
    let found = parsed
        .stream
        .as_ref()
        .and_then(|stream| stream.improvements.iter().find(|i| i.id == id));
    match found {
        Some(improvement) if improvement.status == status => Ok(()),
        _ => Err(format!(
            "the map's text could not be edited to set `{id}` to `{}` (its layout is one this edit does not know); change the line in the map and push it",
            status.as_str()
        )),
    }
}

/// The key and value of `name` in a mapping.
fn pair<'n, 's>(
    node: &'n MarkedYaml<'s>,
    name: &str,
) -> Option<(&'n MarkedYaml<'s>, &'n MarkedYaml<'s>)> {
    let YamlData::Mapping(mapping) = &node.data else {
        return None;
    };
    mapping.iter().find(|(key, _)| scalar(key) == Some(name))
}

fn entry<'n, 's>(node: &'n MarkedYaml<'s>, name: &str) -> Option<&'n MarkedYaml<'s>> {
    pair(node, name).map(|(_, value)| value)
}

fn scalar<'n>(node: &'n MarkedYaml<'_>) -> Option<&'n str> {
    match &node.data {
        YamlData::Value(Scalar::String(text)) => Some(text),
        _ => None,
    }
}

/// The parser counts characters; the text is sliced by bytes.
struct Bytes<'t> {
    text: &'t str,
}

impl<'t> Bytes<'t> {
    fn new(text: &'t str) -> Self {
        Bytes { text }
    }

    fn at(&self, chars: usize) -> usize {
        if self.text.is_ascii() {
            return chars.min(self.text.len());
        }
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(byte, _)| byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: &str = "# the team's map\nname: D\nsteps:\n  - { id: a, process_time: 1h }\nimprovements:\n  # first\n  - id: one\n    step: a   # the only step\n    action: Do it\n    status: planned # for now\n    target: { process_time: 30m }\n  - id: two\n    step: a\n    action: \"Do the other, ü\"\n  - { id: three, step: a, action: Flow }\n";

    /// The text with line `number` (from 1) taken out.
    fn without_line(text: &str, number: usize) -> String {
        text.split_inclusive('\n')
            .enumerate()
            .filter(|(i, _)| *i + 1 != number)
            .map(|(_, line)| line)
            .collect()
    }

    #[test]
    fn a_status_line_is_changed_in_place_and_nothing_else() {
        let edited = set_status(MAP, "one", ImprovementStatus::Done).unwrap();
        assert_eq!(
            edited,
            MAP.replace("status: planned # for now", "status: done # for now")
        );
    }

    #[test]
    fn a_missing_status_line_is_added_after_the_id() {
        let edited = set_status(MAP, "two", ImprovementStatus::InProgress).unwrap();
        let lines: Vec<&str> = edited.lines().collect();
        assert_eq!(lines[12], "    status: in_progress");
        assert_eq!(without_line(&edited, 13), MAP);
    }

    #[test]
    fn a_flow_improvement_gets_its_status_inside_the_braces() {
        let edited = set_status(MAP, "three", ImprovementStatus::Dropped).unwrap();
        assert_eq!(
            edited,
            MAP.replace(
                "{ id: three, step: a, action: Flow }",
                "{ id: three, step: a, action: Flow, status: dropped }"
            )
        );
    }

    #[test]
    fn quotes_and_windows_line_endings_are_kept() {
        let map = MAP
            .replace("status: planned", "status: 'planned'")
            .replace('\n', "\r\n");
        let edited = set_status(&map, "one", ImprovementStatus::Done).unwrap();
        assert_eq!(edited, map.replace("'planned'", "'done'"));
        let doubled = map.replace("'planned'", "\"planned\"");
        let edited = set_status(&doubled, "one", ImprovementStatus::Done).unwrap();
        assert_eq!(edited, doubled.replace("\"planned\"", "\"done\""));
        let added = set_status(&map, "two", ImprovementStatus::Done).unwrap();
        assert!(
            added.contains("\r\n    status: done\r\n    step: a"),
            "{added}"
        );
    }

    #[test]
    fn an_unknown_improvement_is_refused_with_the_ids_there_are() {
        let error = set_status(MAP, "four", ImprovementStatus::Done)
            .unwrap_err()
            .to_string();
        assert!(error.contains("no improvement `four`"), "{error}");
        assert!(error.contains("`one`, `two`"), "{error}");
    }

    #[test]
    fn status_names_are_the_map_formats() {
        assert_eq!(
            status_named("in_progress"),
            Some(ImprovementStatus::InProgress)
        );
        assert_eq!(status_named("In progress"), None);
    }
}
