//! Problems found in a map file, each with its place in the source and a way to fix it.
//!
//! The parser collects every problem it can find in one pass, so that a user fixes a file in one
//! round instead of one error at a time. Rendering (snippets, colours) is the caller's job.

use std::fmt;

/// How bad a problem is: errors stop analysis, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// Byte offset of the first character.
    pub offset: usize,
    /// Length in bytes (zero for a point).
    pub len: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// One problem in a map file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, machine-readable name (`unknown_field`, `duplicate_id`, ...).
    pub code: &'static str,
    pub message: String,
    pub location: Option<Location>,
    /// A short note shown under the caret.
    pub label: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Another place that explains this one (the first definition of a duplicate id).
    pub related: Option<(Location, String)>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            label: None,
            help: None,
            related: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    #[must_use]
    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn related(mut self, location: Location, note: impl Into<String>) -> Self {
        self.related = Some((location, note.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `12:5: error: message (help: ...)`, for logs and tests.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = self.location {
            write!(f, "{}:{}: ", location.line, location.column)?;
        }
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{severity}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&word_lower, &candidate.to_lowercase());
            (candidate, score)
        })
        .filter(|(_, score)| *score >= 0.8)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(candidate, _)| candidate)
}

/// Longest user text a message quotes whole, in characters.
const QUOTED_CHARS: usize = 60;

/// User text for quoting in a message: whole when short, otherwise its start, `…` and its size,
/// so that a huge value never makes a huge message.
pub fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(QUOTED_CHARS) {
        None => text.into(),
        Some(_) => {
            let end = text
                .char_indices()
                .nth(QUOTED_CHARS - 10)
                .map_or(text.len(), |(byte, _)| byte);
            format!("{}… ({} bytes)", &text[..end], text.len()).into()
        }
    }
}

/// `1 change`, `2 changes`, `0 changes`: a count and its noun (a regular one), singular for one.
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Names in backticks, comma-separated: "`a`, `b`, `c`"; past `limit` names, the rest are
/// counted ("`a`, `b` and 9,998 more"), so a message about a huge map stays short.
pub fn backticked<'a>(names: impl IntoIterator<Item = &'a str>, limit: usize) -> String {
    let mut names = names.into_iter();
    let listed: Vec<String> = names
        .by_ref()
        .take(limit)
        .map(|n| format!("`{n}`"))
        .collect();
    // The rest are counted without walking them when the iterator knows its length.
    let more = match names.size_hint() {
        (low, Some(high)) if low == high => low,
        _ => names.count(),
    };
    let mut text = listed.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["process_time", "wait_time", "lead_time", "team"];
        assert_eq!(did_you_mean("proces_time", fields), Some("process_time"));
        assert_eq!(did_you_mean("wiat_time", fields), Some("wait_time"));
        assert_eq!(did_you_mean("Team", fields), Some("team"));
        assert_eq!(did_you_mean("colour", fields), None);
    }

    #[test]
    fn huge_values_are_quoted_short() {
        assert_eq!(shorten("2 hours"), "2 hours");
        let huge = "é".repeat(1_000_000);
        let quoted = shorten(&huge);
        assert_eq!(quoted, format!("{}… (2000000 bytes)", "é".repeat(50)));
    }

    #[test]
    fn long_lists_of_names_are_cut_and_counted() {
        assert_eq!(backticked(["a", "b"], 3), "`a`, `b`");
        let many: Vec<String> = (0..10_000).map(|i| format!("s{i}")).collect();
        assert_eq!(
            backticked(many.iter().map(String::as_str), 3),
            "`s0`, `s1`, `s2` and 9997 more"
        );
    }
}
