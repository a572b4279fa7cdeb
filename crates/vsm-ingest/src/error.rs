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
    #[error("cannot read `{file}`: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{place}: {message}")]
    Invalid {
        place: Place,
        message: String,
        /// What to do about it.
        help: String,
    },
}

impl IngestError {
    pub fn invalid(place: Place, message: impl Into<String>, help: impl Into<String>) -> Self {
        IngestError::Invalid {
            place,
            message: message.into(),
            help: help.into(),
        }
    }

    pub fn help(&self) -> Option<&str> {
        match self {
            IngestError::Invalid { help, .. } if !help.is_empty() => Some(help),
            _ => None,
        }
    }
}
