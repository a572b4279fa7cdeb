//! Errors that say where in the file the problem is and what to do about it.

use std::fmt;

/// A place in an input file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    /// 1-based line, where known.
    pub line: Option<u64>,
    /// Byte offset in the (decompressed) text, where the line is not known.
    pub byte: Option<u64>,
    /// The column or field.
    pub field: Option<String>,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        match (self.line, self.byte) {
            (Some(line), _) => write!(f, ":{line}")?,
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
