//! Reading one JSON response into the serde structs of a source, with errors that say where.
//!
//! serde_json reports a line and a column; [`ParseError`] adds the JSON path at that place
//! (`[3].user.login`, so the item's index too), what was wrong (serde's message names the value
//! and the type it wanted) and what to do about it. Times are parsed while deserializing, so a bad
//! time is located like any other bad value.

use std::fmt;

use jiff::Timestamp;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::error::Category;

/// Text attributes (titles, names, branches) longer than this many characters are cut here and
/// end with `…`, so a hostile response cannot make the store's rows unbounded.
pub const MAX_TEXT: usize = 2000;

/// A response, or a folder of saved responses, that could not be read: the file, the place in it,
/// the problem (naming the value found) and the fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The file the response came from, when it was read from a folder.
    pub file: Option<String>,
    /// Where in the response: `line 1, column 2045, at [3].user.login`; empty for a file that
    /// could not be read at all.
    pub place: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut head = self.file.clone().unwrap_or_default();
        if !self.place.is_empty() {
            if !head.is_empty() {
                head.push_str(", ");
            }
            head.push_str(&self.place);
        }
        if head.is_empty() {
            write!(f, "{}", self.problem)?;
        } else {
            write!(f, "{head}: {}", self.problem)?;
        }
        write!(f, "\n  help: {}", self.fix)
    }
}

impl ParseError {
    /// A problem with no place in a response (a file or folder that cannot be read).
    pub(crate) fn new(file: Option<String>, problem: String, fix: String) -> ParseError {
        ParseError {
            file,
            place: String::new(),
            problem,
            fix,
        }
    }

    /// The same error, naming the file it was read from.
    pub fn in_file(mut self, file: &str) -> ParseError {
        self.file = Some(file.to_string());
        self
    }
}

/// Reads one response: `what` names the endpoint (`GitHub pull requests (/repos/OWNER/REPO/pulls)`)
/// for the fix of a response that is not what the endpoint returns.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ParseError> {
    serde_json::from_slice(bytes).map_err(|e| located(bytes, &e, what))
}

fn located(bytes: &[u8], error: &serde_json::Error, what: &str) -> ParseError {
    let message = error.to_string();
    let problem = match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.clone(),
    };
    let fix = match error.classify() {
        Category::Eof => {
            "the response ends before its JSON does (a truncated download?): fetch it again"
                .to_string()
        }
        Category::Syntax => format!(
            "this is not JSON as {what} returns it: fetch it again, or check the file is the saved response itself"
        ),
        Category::Data | Category::Io => format!(
            "this is not the shape {what} returns: check the file was saved from that endpoint"
        ),
    };
    let offset = byte_offset(bytes, error.line(), error.column());
    let path = json_path(&bytes[..offset]);
    // serde_json counts columns from 1; 0 (an empty response) means it does not know one.
    let mut place = match error.column() {
        0 => format!("line {}", error.line()),
        column => format!("line {}, column {column}", error.line()),
    };
    if !path.is_empty() {
        place.push_str(", at ");
        place.push_str(&path_end(&path));
    }
    ParseError {
        file: None,
        place,
        problem,
        fix,
    }
}

/// The most of a JSON path an error shows, in characters: its end, where the value is.
const PATH_CHARS: usize = 200;

/// `path`, or its last [`PATH_CHARS`] characters after `…` when longer (a document nested deep
/// under long keys would otherwise make an error of any size).
fn path_end(path: &str) -> std::borrow::Cow<'_, str> {
    let chars = path.chars().count();
    if chars <= PATH_CHARS {
        return path.into();
    }
    let start = path
        .char_indices()
        .nth(chars - PATH_CHARS)
        .map_or(0, |(byte, _)| byte);
    format!("…{}", &path[start..]).into()
}

/// The byte offset of serde_json's 1-based line and byte column, clamped to the text.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(newline) => start += newline + 1,
            None => return bytes.len(),
        }
    }
    (start + column).min(bytes.len())
}

/// The JSON path of the value being read where `before` ends: `[3].user.login`.
fn json_path(before: &[u8]) -> String {
    enum Frame {
        Array(usize),
        Object { key: String, in_value: bool },
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < before.len() {
        match before[i] {
            b'[' => stack.push(Frame::Array(0)),
            b'{' => stack.push(Frame::Object {
                key: String::new(),
                in_value: false,
            }),
            b']' | b'}' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(index)) => *index += 1,
                Some(Frame::Object { in_value, .. }) => *in_value = false,
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { in_value, .. }) = stack.last_mut() {
                    *in_value = true;
                }
            }
            b'"' => {
                let start = i + 1;
                i = start;
                while i < before.len() && before[i] != b'"' {
                    i += if before[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object {
                    key,
                    in_value: false,
                }) = stack.last_mut()
                {
                    let end = i.min(before.len());
                    *key = String::from_utf8_lossy(&before[start..end])
                        .chars()
                        .take(80)
                        .collect();
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Array(index) => path.push_str(&format!("[{index}]")),
            Frame::Object { key, .. } if !key.is_empty() => {
                path.push('.');
                path.push_str(key);
            }
            Frame::Object { .. } => {}
        }
    }
    path
}

/// A time as the APIs write it (RFC 3339, or Jira's `+0800` offsets).
pub(crate) fn time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse_time(&text).map_err(D::Error::custom)
}

/// A time that may be missing, `null` or empty.
pub(crate) fn optional_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    match Option::<String>::deserialize(deserializer)? {
        Some(text) if !text.is_empty() => parse_time(&text).map(Some).map_err(D::Error::custom),
        _ => Ok(None),
    }
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    text.parse::<Timestamp>().map_err(|e| {
        let shown: String = text.chars().take(60).collect();
        format!("`{shown}` is not a time with an offset, like 2019-08-20T10:55:19Z ({e})")
    })
}

/// `text` cut to [`MAX_TEXT`] characters.
pub(crate) fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Item {
        title: String,
    }

    /// Found by the webhook fuzz target: a value nested deep under long keys gave an error
    /// of 2,234 bytes, its whole path; the path's end is what tells where the value is.
    #[test]
    fn a_deeply_nested_value_s_path_is_cut_to_its_end() {
        let mut json = String::new();
        for level in 0..100 {
            json.push_str(&format!("{{\"key{level:0>20}\": "));
        }
        json.push_str("tru}");
        let error = parse::<serde_json::Value>(json.as_bytes(), "GitHub")
            .unwrap_err()
            .to_string();
        assert!(error.len() < 1_000, "{} bytes: {error}", error.len());
        assert!(error.contains(", at …"), "{error}");
        assert!(
            error.contains(".key00000000000000000097.key00000000000000000098"),
            "{error}"
        );
    }

    #[test]
    fn a_wrong_type_names_the_item_the_field_and_the_value() {
        let good = parse::<Vec<Item>>(
            b"[{\"title\": \"a\", \"other\": 1}]",
            "GitHub pull requests",
        )
        .unwrap();
        assert_eq!(good[0].title, "a");
        let text = b"[{\"title\": \"a\"},\n {\"user\": {\"x\": [1, 2]}, \"title\": 5}]";
        let error = parse::<Vec<Item>>(text, "GitHub pull requests").unwrap_err();
        assert_eq!(error.place, "line 2, column 35, at [1].title");
        assert!(error.problem.contains("integer `5`"), "{}", error.problem);
        assert!(error.fix.contains("GitHub pull requests"), "{}", error.fix);
    }

    #[test]
    fn an_empty_response_has_a_line_and_no_column_0() {
        let error = parse::<Vec<Item>>(b"", "GitHub pull requests").unwrap_err();
        assert_eq!(error.place, "line 1");
        assert!(error.fix.contains("truncated"), "{}", error.fix);
    }

    #[test]
    fn times_take_jira_offsets_and_bad_ones_are_named() {
        assert_eq!(
            parse_time("2021-03-28T16:06:08.715+0800")
                .unwrap()
                .to_string(),
            "2021-03-28T08:06:08.715Z"
        );
        assert!(parse_time("yesterday").unwrap_err().contains("`yesterday`"));
    }

    #[test]
    fn long_text_is_cut() {
        let long = "é".repeat(MAX_TEXT + 5);
        assert_eq!(bounded(&long).chars().count(), MAX_TEXT + 1);
        assert_eq!(bounded("short"), "short");
    }
}
