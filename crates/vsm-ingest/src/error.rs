//! Errors that say where in the file the problem is and what to do about it.

use std::fmt;

/// A place in an input file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<u64>,
    /// 1-based column on that line, in characters, where known.
    pub column: Option<u64>,
    /// Byte offset in the (decompressed) text, where known (shown where the line is not).
    pub byte: Option<u64>,
    /// The column or field.
    pub field: Option<String>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        match (self.line, self.byte) {
            (Some(line), _) => {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            (None, Some(byte)) => write!(f, " at byte {byte}")?,
            (None, None) => {}
        }
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        Ok(())
    }
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    // The I/O error is part of the message, not the error's source, so that chains print it once.
    #[error("cannot read `{file}`: {cause}")]
    Io { file: String, cause: std::io::Error },
    /// Boxed: errors are rare, and a small `Result` keeps the happy path lean.
    #[error("{}: {}", .0.place, .0.message)]
    Invalid(Box<Problem>),
}

/// Why a read failed: the log, or the sink it handed items to (with the sink's own error).
#[derive(Debug)]
pub enum ReadError<E> {
    Ingest(IngestError),
    Sink(E),
}

impl<E> From<IngestError> for ReadError<E> {
    fn from(error: IngestError) -> Self {
        ReadError::Ingest(error)
    }
}

/// A read into a sink that cannot fail can only fail for the log.
impl From<ReadError<std::convert::Infallible>> for IngestError {
    fn from(error: ReadError<std::convert::Infallible>) -> Self {
        match error {
            ReadError::Ingest(error) => error,
            ReadError::Sink(never) => match never {},
        }
    }
}

impl<E: fmt::Display> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Ingest(error) => error.fmt(f),
            ReadError::Sink(error) => error.fmt(f),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for ReadError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Ingest(error) => error.source(),
            ReadError::Sink(error) => error.source(),
        }
    }
}

/// A problem in the input: where, what, and what to do about it.
#[derive(Debug)]
pub struct Problem {
    pub place: Place,
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl IngestError {
    pub fn invalid(place: Place, message: impl Into<String>, help: impl Into<String>) -> Self {
        IngestError::Invalid(Box::new(Problem {
            place,
            message: message.into(),
            help: help.into(),
        }))
    }

    pub fn help(&self) -> Option<&str> {
        match self {
            IngestError::Invalid(problem) if !problem.help.is_empty() => Some(&problem.help),
            _ => None,
        }
    }
}

/// How much text one piece of a log may hold, so that a broken or hostile file ends in a clear
/// error instead of taking all the memory there is. Real logs stay far below both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// One CSV row, one JSON line, one XES element or run of text, one OCEL value (bytes).
    pub field: u64,
    /// One XES trace, and the XES header before the first trace (bytes of text).
    pub trace: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            field: 64 << 20,
            trace: 512 << 20,
        }
    }
}

impl Limits {
    /// The environment variable the `vsm` command reads [`Limits::field`] from.
    pub const FIELD_VARIABLE: &'static str = "VSM_MAX_FIELD_SIZE";
    /// The environment variable the `vsm` command reads [`Limits::trace`] from.
    pub const TRACE_VARIABLE: &'static str = "VSM_MAX_TRACE_SIZE";

    /// The error for a piece of text past its limit: what it is, where, how it starts, and how
    /// to raise the limit.
    pub(crate) fn exceeded(
        place: Place,
        what: &str,
        limit: u64,
        variable: &str,
        start: &[u8],
    ) -> IngestError {
        let quoted = if start.is_empty() {
            String::new()
        } else {
            format!(" (it starts `{}`)", shortened(start))
        };
        IngestError::invalid(
            place,
            format!(
                "{what} is longer than {}, the most vsm reads at once{quoted}",
                human_size(limit)
            ),
            format!(
                "if the log really holds {what} this long, raise the limit: set {variable}={} (or more); otherwise the file is damaged",
                human_size(limit.saturating_mul(4)).replace(' ', "")
            ),
        )
    }
}

/// A size as people write it: `64 MiB`, `1.5 GiB`, `512 bytes`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                #[allow(clippy::cast_precision_loss)] // a size shown to people
                let value = bytes as f64 / size as f64;
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{bytes} bytes")
}

/// Reads a size such as `64MiB`, `2 GiB`, `500MB`, `1048576` (bytes); `None` if it is not one.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        "t" | "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        _ => return None,
    };
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(factor).filter(|&n| n > 0);
    }
    let value: f64 = number.parse().ok()?;
    #[allow(clippy::cast_precision_loss)] // a size written by people
    let bytes = value * factor as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // checked to fit
    (bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
}

/// The start of a (possibly huge) value, fit to quote in a message: at most 40 characters,
/// control characters escaped.
pub(crate) fn shortened(bytes: &[u8]) -> String {
    const SHOWN: usize = 40;
    let head = &bytes[..bytes.len().min(SHOWN * 4)];
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for (count, c) in text.chars().enumerate() {
        if count == SHOWN {
            out.push('…');
            return out;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if bytes.len() > head.len() {
        out.push('…');
    }
    out
}

/// Column names for a message: the first twelve, each shortened, then how many more.
pub(crate) fn listed_columns(header: &[String]) -> String {
    const SHOWN: usize = 12;
    let mut listed: Vec<String> = header
        .iter()
        .take(SHOWN)
        .map(|h| format!("`{}`", shortened(h.as_bytes())))
        .collect();
    if header.len() > SHOWN {
        listed.push(format!("and {} more", header.len() - SHOWN));
    }
    listed.join(", ")
}

/// A parser's own message, cut to a length fit for one line (it may quote names whole).
pub(crate) fn cut_message(text: &str) -> String {
    const SHOWN: usize = 300;
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
