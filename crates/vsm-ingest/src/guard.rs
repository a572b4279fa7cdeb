//! Guards between a reader and a parser that buffers whole pieces of text (the csv crate a
//! record, serde_json a string, quick-xml an element or a run of text). Each follows just enough
//! of the syntax to know where a piece starts, and stops the read with a [`Stop`] when a piece
//! grows past its limit, before the parser has buffered more. The CSV guard also notices a quote
//! that is never closed, which the csv crate takes for a field running to the end of the file.

use std::io::{self, Read};

use crate::{IngestError, Limits, Place};

/// Why a guard stopped the read; it travels inside an `io::Error` through the parser.
#[derive(Debug)]
pub(crate) enum Stop {
    /// A piece longer than the limit: the line and byte where it starts, and its first bytes.
    TooLong {
        line: u64,
        byte: u64,
        start: Vec<u8>,
    },
    /// A CSV quote opened on `line` and never closed.
    UnterminatedQuote { line: u64 },
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::TooLong { line, .. } => write!(f, "a piece of text from line {line} is too long"),
            Stop::UnterminatedQuote { line } => {
                write!(f, "a quote opened on line {line} is never closed")
            }
        }
    }
}

impl std::error::Error for Stop {}

impl Stop {
    /// The stop inside an I/O error a parser handed back, if a guard caused it.
    pub(crate) fn of(error: &io::Error) -> Option<&Stop> {
        error.get_ref()?.downcast_ref::<Stop>()
    }

    /// The error to report: `what` the piece is (`one row`), in `file`, past `limit`.
    pub(crate) fn to_error(&self, file: &str, what: &str, limit: u64) -> IngestError {
        match self {
            Stop::TooLong { line, byte, start } => Limits::exceeded(
                Place {
                    file: file.to_string(),
                    line: Some(*line),
                    byte: Some(*byte),
                    ..Place::default()
                },
                what,
                limit,
                Limits::FIELD_VARIABLE,
                start,
            ),
            Stop::UnterminatedQuote { line } => IngestError::invalid(
                Place {
                    file: file.to_string(),
                    line: Some(*line),
                    ..Place::default()
                },
                "a quote opened on this line is never closed, so its field runs to the end of the file",
                "close the quote (inside a quoted field a quote is written twice: `\"\"`), or remove it",
            ),
        }
    }

    fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

/// How many bytes of a piece are kept to quote in the error.
const QUOTED: usize = 64;

/// The piece being read: where it started, how long it is, how it starts.
#[derive(Default)]
struct Piece {
    line: u64,
    byte: u64,
    length: u64,
    start: Vec<u8>,
}

impl Piece {
    fn begin(&mut self, line: u64, byte: u64) {
        self.line = line;
        self.byte = byte;
        self.length = 0;
        self.start.clear();
    }

    fn add(&mut self, byte: u8, limit: u64) -> io::Result<()> {
        if self.start.len() < QUOTED {
            self.start.push(byte);
        }
        self.length += 1;
        if self.length > limit {
            return Err(Stop::TooLong {
                line: self.line,
                byte: self.byte,
                start: std::mem::take(&mut self.start),
            }
            .into_io());
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Csv {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the field's end, or the first of a doubled quote.
    QuoteInQuoted,
}

/// Bounds one CSV record (row) to `limit` bytes, as the csv crate reads it (quote `"`, doubled
/// inside quoted fields; records end at `\n` or `\r` outside quotes).
pub(crate) struct CsvGuard<R> {
    inner: R,
    delimiter: u8,
    limit: u64,
    state: Csv,
    line: u64,
    byte: u64,
    record: Piece,
    quote_line: u64,
}

impl<R: Read> CsvGuard<R> {
    pub(crate) fn new(inner: R, delimiter: u8, limit: u64) -> Self {
        let mut record = Piece::default();
        record.begin(1, 0);
        CsvGuard {
            inner,
            delimiter,
            limit,
            state: Csv::FieldStart,
            line: 1,
            byte: 0,
            record,
            quote_line: 0,
        }
    }

    fn scan(&mut self, text: &[u8]) -> io::Result<()> {
        for &b in text {
            self.byte += 1;
            let ends_record = match (self.state, b) {
                (Csv::Quoted, b'"') => {
                    self.state = Csv::QuoteInQuoted;
                    false
                }
                (Csv::Quoted, _) => false,
                (_, b'\n' | b'\r') => true,
                (_, b) if b == self.delimiter => {
                    self.state = Csv::FieldStart;
                    false
                }
                (Csv::FieldStart, b'"') => {
                    self.state = Csv::Quoted;
                    self.quote_line = self.line;
                    false
                }
                (Csv::QuoteInQuoted, b'"') => {
                    self.state = Csv::Quoted;
                    false
                }
                _ => {
                    self.state = Csv::Unquoted;
                    false
                }
            };
            if b == b'\n' {
                self.line += 1;
            }
            if ends_record {
                self.state = Csv::FieldStart;
                self.record.begin(self.line, self.byte);
            } else {
                self.record.add(b, self.limit)?;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for CsvGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        if n == 0 && self.state == Csv::Quoted {
            return Err(Stop::UnterminatedQuote {
                line: self.quote_line,
            }
            .into_io());
        }
        self.scan(&out[..n])?;
        Ok(n)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Json {
    Outside,
    InString,
    Escape,
}

/// Bounds one JSON string to `limit` bytes (numbers and whitespace are not buffered by
/// serde_json; strings are).
pub(crate) struct JsonGuard<R> {
    inner: R,
    limit: u64,
    state: Json,
    line: u64,
    byte: u64,
    string: Piece,
}

impl<R: Read> JsonGuard<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        JsonGuard {
            inner,
            limit,
            state: Json::Outside,
            line: 1,
            byte: 0,
            string: Piece::default(),
        }
    }
}

impl<R: Read> Read for JsonGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        for &b in &out[..n] {
            match (self.state, b) {
                (Json::Outside, b'"') => {
                    self.state = Json::InString;
                    self.string.begin(self.line, self.byte);
                }
                (Json::Outside, _) => {}
                (Json::InString, b'"') => self.state = Json::Outside,
                (Json::InString, b'\\') => {
                    self.state = Json::Escape;
                    self.string.add(b, self.limit)?;
                }
                (Json::InString | Json::Escape, _) => {
                    self.state = Json::InString;
                    self.string.add(b, self.limit)?;
                }
            }
            if b == b'\n' {
                self.line += 1;
            }
            self.byte += 1;
        }
        Ok(n)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Xml {
    Text,
    /// Just after `<`.
    Open,
    /// Just after `<!`.
    Bang,
    /// Just after `<!-`.
    BangDash,
    Tag,
    Quoted(u8),
    Comment,
    CData,
    Instruction,
}

/// Bounds one XML element (start tag with its attributes, comment, CDATA section, processing
/// instruction) or one run of text to `limit` bytes.
pub(crate) struct XmlGuard<R> {
    inner: R,
    limit: u64,
    state: Xml,
    /// The two bytes before this one, for `-->`, `]]>` and `?>`.
    before: [u8; 2],
    line: u64,
    byte: u64,
    piece: Piece,
}

impl<R: Read> XmlGuard<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        let mut piece = Piece::default();
        piece.begin(1, 0);
        XmlGuard {
            inner,
            limit,
            state: Xml::Text,
            before: [0; 2],
            line: 1,
            byte: 0,
            piece,
        }
    }

    fn step(&mut self, b: u8) -> io::Result<()> {
        let ends = |end: &[u8; 2]| b == b'>' && &self.before == end;
        let mut piece_ends = false;
        self.state = match (self.state, b) {
            (Xml::Text, b'<') => {
                self.piece.begin(self.line, self.byte);
                Xml::Open
            }
            (Xml::Text, _) => Xml::Text,
            (Xml::Open, b'!') => Xml::Bang,
            (Xml::Open, b'?') => Xml::Instruction,
            (Xml::Bang, b'-') => Xml::BangDash,
            (Xml::BangDash, b'-') => Xml::Comment,
            (Xml::Bang, b'[') => Xml::CData,
            (Xml::Open | Xml::Bang | Xml::BangDash | Xml::Tag, b'>') => {
                piece_ends = true;
                Xml::Text
            }
            (Xml::Open | Xml::Bang | Xml::BangDash | Xml::Tag, b'"' | b'\'') => Xml::Quoted(b),
            (Xml::Open | Xml::Bang | Xml::BangDash | Xml::Tag, _) => Xml::Tag,
            (Xml::Quoted(quote), b) if b == quote => Xml::Tag,
            (Xml::Quoted(quote), _) => Xml::Quoted(quote),
            (Xml::Comment, _) if ends(b"--") => {
                piece_ends = true;
                Xml::Text
            }
            (Xml::CData, _) if ends(b"]]") => {
                piece_ends = true;
                Xml::Text
            }
            (Xml::Instruction, b'>') if self.before[1] == b'?' => {
                piece_ends = true;
                Xml::Text
            }
            (state @ (Xml::Comment | Xml::CData | Xml::Instruction), _) => state,
        };
        self.before = [self.before[1], b];
        if b == b'\n' {
            self.line += 1;
        }
        self.byte += 1;
        if piece_ends {
            // Text starts after the `>`.
            self.piece.begin(self.line, self.byte);
            Ok(())
        } else {
            self.piece.add(b, self.limit)
        }
    }
}

impl<R: Read> Read for XmlGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        for &b in &out[..n] {
            self.step(b)?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop_of(result: io::Result<Vec<u8>>) -> Option<String> {
        let error = result.err()?;
        Some(match Stop::of(&error)? {
            Stop::TooLong { line, byte, start } => {
                format!("long at {line}:{byte} `{}`", String::from_utf8_lossy(start))
            }
            Stop::UnterminatedQuote { line } => format!("quote from {line}"),
        })
    }

    fn through(mut reader: impl Read) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        reader.read_to_end(&mut out).map(|_| out)
    }

    #[test]
    fn the_csv_guard_follows_quotes_and_bounds_records() {
        let ok = "a,b\n\"x,\"\"y\"\"\nz\",2\r\n3,4\n";
        assert!(through(CsvGuard::new(ok.as_bytes(), b',', 13)).is_ok());
        assert_eq!(
            stop_of(through(CsvGuard::new(ok.as_bytes(), b',', 12))).as_deref(),
            Some("long at 2:4 `\"x,\"\"y\"\"\nz\",2`")
        );
        let open = "a,b\n1,2\n3,\"four\n5,6\n";
        assert_eq!(
            stop_of(through(CsvGuard::new(open.as_bytes(), b',', 100))).as_deref(),
            Some("quote from 3")
        );
        // A quote inside an unquoted field is text, as the csv crate reads it.
        assert!(through(CsvGuard::new("a,b\n5\" screen,2\n".as_bytes(), b',', 100)).is_ok());
    }

    #[test]
    fn the_json_guard_bounds_strings_only() {
        let text = r#"{"a": "12345", "b": 1234567890123, "c": "x\"yz"}"#;
        assert!(through(JsonGuard::new(text.as_bytes(), 5)).is_ok());
        assert_eq!(
            stop_of(through(JsonGuard::new(text.as_bytes(), 4))).as_deref(),
            Some("long at 1:6 `12345`")
        );
    }

    #[test]
    fn the_xml_guard_bounds_elements_and_text() {
        let text = "<a x='>>>>'>hello<!-- > -->wor<![CDATA[>]]></a>";
        assert!(through(XmlGuard::new(text.as_bytes(), 12)).is_ok());
        assert_eq!(
            stop_of(through(XmlGuard::new(text.as_bytes(), 10))).as_deref(),
            Some("long at 1:0 `<a x='>>>>'`")
        );
        let text = format!("<a>{}</a>", " ".repeat(50));
        assert!(
            stop_of(through(XmlGuard::new(text.as_bytes(), 40)))
                .unwrap()
                .starts_with("long at 1:3")
        );
    }
}
