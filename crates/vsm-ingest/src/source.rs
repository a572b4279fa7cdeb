//! Opening a log: gzip found by its magic bytes (not the extension), decompressed on a second
//! thread so that inflating and parsing overlap, and the format checked against the content.
//! Each input is opened and read once: the bytes looked at are handed on, so standard input, a
//! FIFO or `<(...)` read as a file does.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

use flate2::read::MultiGzDecoder;

use crate::xes::LogNames;
use crate::{ImportStats, IngestError, Place, ReadError, ReadOptions, TraceSink};

/// The kinds of log vsm reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xes,
    Csv,
    JsonLines,
    /// OCEL 2.0 JSON.
    OcelJson,
    /// OCEL 2.0 XML.
    OcelXml,
    /// OCEL 2.0 SQLite: the event store `vsm fetch` writes.
    OcelSqlite,
}

impl Format {
    /// Every format, in the order help lists them.
    pub const ALL: [Format; 6] = [
        Format::Xes,
        Format::Csv,
        Format::JsonLines,
        Format::OcelJson,
        Format::OcelXml,
        Format::OcelSqlite,
    ];

    /// The name people read: `XES`, `JSON Lines`, `OCEL 2.0 JSON`...
    pub fn name(self) -> &'static str {
        self.table().0
    }

    /// The name a command line takes: `xes`, `csv`, `jsonl`, `ocel-json`, `ocel-xml`.
    pub fn id(self) -> &'static str {
        self.table().1
    }

    /// The usual file extension, without the dot (also gzipped: `.xes.gz`).
    pub fn extension(self) -> &'static str {
        self.table().2
    }

    /// The media type, as a server receives it.
    pub fn media_type(self) -> &'static str {
        self.table().3
    }

    /// The format a command line names (see [`Format::id`]).
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }

    /// Name, id, extension and media type.
    fn table(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Format::Xes => ("XES", "xes", "xes", "application/xml"),
            Format::Csv => ("CSV", "csv", "csv", "text/csv"),
            Format::JsonLines => ("JSON Lines", "jsonl", "jsonl", "application/jsonl"),
            Format::OcelJson => ("OCEL 2.0 JSON", "ocel-json", "jsonocel", "application/json"),
            Format::OcelXml => ("OCEL 2.0 XML", "ocel-xml", "xmlocel", "application/xml"),
            Format::OcelSqlite => (
                "OCEL 2.0 SQLite",
                "ocel-sqlite",
                "sqlite",
                "application/vnd.sqlite3",
            ),
        }
    }

    /// The format a file name promises (`.xes`, `.xes.gz`, `.csv`, `.jsonl`...).
    #[allow(clippy::case_sensitive_file_extension_comparisons)] // the name is lowercased first
    pub fn from_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
        if lower.ends_with(".jsonocel") {
            Some(Format::OcelJson)
        } else if lower.ends_with(".xmlocel") {
            Some(Format::OcelXml)
        } else if lower.ends_with(".xes") {
            Some(Format::Xes)
        } else if lower.ends_with(".csv") || lower.ends_with(".tsv") {
            Some(Format::Csv)
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            Some(Format::JsonLines)
        } else if lower.ends_with(".sqlite") || lower.ends_with(".db") {
            Some(Format::OcelSqlite)
        } else {
            None
        }
    }

    /// The format the first bytes of the text look like.
    fn sniff(head: &[u8]) -> Format {
        if head.starts_with(crate::ocel::sqlite::MAGIC) {
            return Format::OcelSqlite;
        }
        let start = head
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .map_or(&[][..], |i| &head[i..]);
        let start = start.strip_prefix(b"\xef\xbb\xbf").unwrap_or(start);
        let mentions = |needle: &[u8]| memchr::memmem::find(head, needle).is_some();
        match start.first() {
            Some(b'<') if mentions(b"<object-types") || mentions(b"<objects") => Format::OcelXml,
            Some(b'<') => Format::Xes,
            Some(b'{') if mentions(b"\"objectTypes\"") || mentions(b"\"eventTypes\"") => {
                Format::OcelJson
            }
            Some(b'{') => Format::JsonLines,
            _ => Format::Csv,
        }
    }
}

const CHUNK: usize = 1 << 20;

/// Decompressed text arriving from the inflating thread.
struct ChannelReader {
    chunks: Receiver<Vec<u8>>,
    recycle: SyncSender<Vec<u8>>,
    current: Vec<u8>,
    position: usize,
    failure: Arc<Mutex<Option<io::Error>>>,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.position >= self.current.len() {
            match self.chunks.recv() {
                Ok(chunk) => {
                    let used = std::mem::replace(&mut self.current, chunk);
                    let _ = self.recycle.try_send(used);
                    self.position = 0;
                }
                Err(_) => {
                    // The inflating thread is done: cleanly, or with an error it left behind.
                    if let Some(error) = self.failure.lock().expect("not poisoned").take() {
                        return Err(error);
                    }
                    return Ok(&[]);
                }
            }
        }
        Ok(&self.current[self.position..])
    }

    fn consume(&mut self, amount: usize) {
        self.position += amount;
    }
}

/// Inflates `text` (a gzip decoder) on a thread of its own, in 1 MiB chunks.
fn inflate_in_background(mut decoder: Box<dyn Read + Send>) -> ChannelReader {
    let (send, chunks) = sync_channel::<Vec<u8>>(4);
    let (recycle, recycled) = sync_channel::<Vec<u8>>(8);
    let failure = Arc::new(Mutex::new(None));
    let failed = Arc::clone(&failure);
    thread::spawn(move || {
        loop {
            let mut chunk = recycled
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
            chunk.resize(CHUNK, 0);
            let mut filled = 0;
            while filled < CHUNK {
                match decoder.read(&mut chunk[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => {
                        chunk.truncate(filled);
                        if !chunk.is_empty() {
                            let _ = send.send(chunk);
                        }
                        *failed.lock().expect("not poisoned") = Some(error);
                        return;
                    }
                }
            }
            chunk.truncate(filled);
            if filled == 0 || send.send(chunk).is_err() {
                return;
            }
        }
    });
    ChannelReader {
        chunks,
        recycle,
        current: Vec::new(),
        position: 0,
        failure,
    }
}

/// How many bytes of (inflated) text the format is told from.
const HEAD: usize = 4096;

/// An opened log: its text, read exactly once (the bytes looked at to tell the format are
/// handed on, not read again), whether it was gzip, and its format.
#[allow(missing_debug_implementations)] // holds a boxed reader
pub struct Opened {
    /// The first bytes of the (inflated) text, already read.
    head: Vec<u8>,
    /// The rest of the (inflated) text.
    rest: Box<dyn Read + Send>,
    pub gzip: bool,
    pub format: Format,
}

impl Opened {
    /// The text, for a reader that buffers (and spreads the work over threads) itself.
    pub fn into_reader(self) -> impl Read + Send {
        io::Cursor::new(self.head).chain(self.rest)
    }

    /// The text as a buffered reader; gzip is inflated on a thread of its own.
    pub fn into_buffered(self) -> Box<dyn BufRead + Send> {
        let head = io::Cursor::new(self.head);
        if self.gzip {
            Box::new(head.chain(inflate_in_background(self.rest)))
        } else {
            Box::new(head.chain(BufReader::with_capacity(CHUNK, self.rest)))
        }
    }
}

/// Whether `path` means standard input (`-`).
pub fn is_standard_input(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// How a log is named in messages: its path, or `standard input` for `-`.
pub fn name_of(path: &Path) -> String {
    if is_standard_input(path) {
        "standard input".to_string()
    } else {
        path.display().to_string()
    }
}

/// Opens `path` (`-`: standard input), finding gzip by its magic bytes, and checks the format
/// against the content. The file is opened and read once, so pipes and FIFOs read like files.
pub fn open(path: &Path, expected: Option<Format>) -> Result<Opened, IngestError> {
    let name = name_of(path);
    let input: Box<dyn Read + Send> = if is_standard_input(path) {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).map_err(|cause| IngestError::Io {
            file: name.clone(),
            cause,
        })?)
    };
    open_reader(input, &name, expected)
}

/// As [`open`], for text from any reader; `name` (a file name, or `standard input`) is what
/// messages call it, and its extension what it promises.
pub fn open_reader(
    mut input: impl Read + Send + 'static,
    name: &str,
    expected: Option<Format>,
) -> Result<Opened, IngestError> {
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut input, &mut magic).map_err(|cause| IngestError::Io {
        file: name.to_string(),
        cause,
    })?;
    let gzip = got == 2 && magic == [0x1f, 0x8b];
    let raw = io::Cursor::new(magic[..got].to_vec()).chain(input);
    let mut rest: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(BufReader::with_capacity(1 << 16, raw)))
    } else {
        Box::new(raw)
    };
    let mut head = vec![0u8; HEAD];
    let got = read_up_to(&mut rest, &mut head).map_err(|cause| {
        if gzip {
            gzip_error(name, &cause)
        } else {
            IngestError::Io {
                file: name.to_string(),
                cause,
            }
        }
    })?;
    head.truncate(got);
    let first_line = Place {
        file: name.to_string(),
        line: Some(1),
        ..Place::default()
    };
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::invalid(
            first_line,
            if name == "standard input" {
                "standard input is empty"
            } else {
                "the file is empty"
            },
            "export the event log again; an empty file has no events",
        ));
    }
    let named = Format::from_name(name);
    let promised = expected.or(named);
    let sqlite = !gzip && head.starts_with(crate::ocel::sqlite::MAGIC);
    if let Some((what, help)) = not_a_log(&head, gzip).filter(|_| !sqlite) {
        let message = match promised {
            Some(promised) => format!(
                "the name says {} but the content is {what}",
                promised.name()
            ),
            None => format!("the content is {what}, not an event log"),
        };
        return Err(IngestError::invalid(first_line, message, help));
    }
    let sniffed = Format::sniff(&head);
    let format = match (promised, sniffed) {
        (Some(promised), found) if promised != found => {
            return Err(IngestError::invalid(
                first_line,
                format!(
                    "the name says {} but the content looks like {} (it starts `{}`)",
                    promised.name(),
                    found.name(),
                    crate::error::shortened(head.trim_ascii_start())
                ),
                "check that this is the file you meant, or rename it to match its content",
            ));
        }
        (Some(promised), _) => promised,
        (None, found) => found,
    };
    Ok(Opened {
        head,
        rest,
        gzip,
        format,
    })
}

/// What the first bytes are when they are no text vsm can read: (what it is, what to do).
fn not_a_log(head: &[u8], gzip: bool) -> Option<(&'static str, &'static str)> {
    const UTF16: (&str, &str) = (
        "UTF-16 text: save it as UTF-8",
        "vsm reads UTF-8; save the file again as UTF-8 (in Excel: \"CSV UTF-8\"), or convert it with `iconv -f UTF-16 -t UTF-8 FILE > FILE-utf8`",
    );
    const EXTRACT: &str =
        "extract the log from it first; vsm reads logs as they are or compressed with gzip";
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return Some(UTF16);
    }
    // UTF-16 without a byte order mark: ASCII with a NUL beside every character.
    let pairs = head.len().min(256) / 2;
    if pairs >= 2 {
        let interleaved = |nul: usize| {
            head.chunks_exact(2)
                .take(pairs)
                .filter(|pair| pair[nul] == 0 && pair[1 - nul] != 0)
                .count()
                * 10
                >= pairs * 9
        };
        if interleaved(0) || interleaved(1) {
            return Some(UTF16);
        }
    }
    if gzip && head.starts_with(&[0x1f, 0x8b]) {
        return Some((
            "gzip inside gzip (compressed twice)",
            "decompress it once (`gunzip -c FILE > FILE-once.gz`) and read that",
        ));
    }
    for (magic, what) in [
        (&b"PK\x03\x04"[..], "a zip archive"),
        (b"BZh", "bzip2-compressed data"),
        (b"\xfd7zXZ\x00", "xz-compressed data"),
        (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    ] {
        if head.starts_with(magic) {
            return Some((what, EXTRACT));
        }
    }
    // Text has no NUL and few control characters; a Latin-1 CSV is still text.
    let control = head
        .iter()
        .filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)))
        .count();
    if head.contains(&0) || control * 20 > head.len() {
        return Some((
            "binary data",
            "an event log is text (XES, CSV, JSON Lines or OCEL 2.0), as it is or gzip-compressed; check that this is the file you meant",
        ));
    }
    None
}

fn read_up_to(file: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// A gzip failure, said plainly.
pub fn gzip_error(file: &str, error: &io::Error) -> IngestError {
    IngestError::invalid(
        Place {
            file: file.to_string(),
            ..Place::default()
        },
        format!("the gzip data is truncated or damaged ({error})"),
        "the file was probably cut short while copying or downloading; get the complete file again",
    )
}

/// Reads a whole log (`-`: standard input), whatever its format, handing each item to `sink`.
pub fn read_log<S: TraceSink>(
    path: &Path,
    expected: Option<Format>,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<(ImportStats, LogNames, Format), ReadError<S::Error>> {
    let opened = open(path, expected)?;
    read_opened(opened, &name_of(path), options, sink)
}

/// As [`read_log`], for text from any reader (standard input, an upload in memory), called
/// `name` in messages.
pub fn read_from<S: TraceSink>(
    input: impl Read + Send + 'static,
    name: &str,
    expected: Option<Format>,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<(ImportStats, LogNames, Format), ReadError<S::Error>> {
    let opened = open_reader(input, name, expected)?;
    read_opened(opened, name, options, sink)
}

/// Reads a log of `format` from `input` (already decompressed), called `file` in messages. An
/// OCEL SQLite store is read from the file `file` names, which must begin with the bytes
/// `input` gives (a pipe or an upload is never taken for a file on disk).
pub fn read_log_of<S: TraceSink>(
    format: Format,
    mut input: impl BufRead + Send,
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
    sink: &mut S,
) -> Result<ImportStats, ReadError<S::Error>> {
    use crate::tabular::{group_csv, group_json_lines, hand_on};
    match format {
        Format::Csv => hand_on(group_csv(input, file, options, names), names, sink),
        Format::JsonLines => hand_on(group_json_lines(input, file, options, names), names, sink),
        Format::OcelJson => {
            let log = crate::ocel::parse_json(input, file, options.limits.field)?;
            crate::ocel::flatten(&log, file, options, names, sink)
        }
        Format::OcelXml => {
            let log = crate::ocel::parse_xml(input, file, options.limits.field)?;
            crate::ocel::flatten(&log, file, options, names, sink)
        }
        Format::Xes => crate::xes::read(input, file, options, names, sink),
        Format::OcelSqlite => {
            let mut head = Vec::with_capacity(HEAD);
            (&mut input)
                .take(HEAD as u64)
                .read_to_end(&mut head)
                .map_err(|cause| IngestError::Io {
                    file: file.to_string(),
                    cause,
                })?;
            crate::ocel::sqlite::read(&head, file, options, names, sink)
        }
    }
}

fn read_opened<S: TraceSink>(
    opened: Opened,
    file: &str,
    options: &ReadOptions,
    sink: &mut S,
) -> Result<(ImportStats, LogNames, Format), ReadError<S::Error>> {
    let mut names = LogNames::default();
    let (format, gzip) = (opened.format, opened.gzip);
    let result = match format {
        Format::Xes => crate::xes::read(opened.into_reader(), file, options, &mut names, sink),
        Format::OcelSqlite => {
            crate::ocel::sqlite::read(&opened.head, file, options, &mut names, sink)
        }
        text => read_log_of(
            text,
            opened.into_buffered(),
            file,
            options,
            &mut names,
            sink,
        ),
    };
    match result {
        Ok(stats) => Ok((stats, names, format)),
        // A gzip stream cut short shows up as a read error, whichever reader meets it.
        Err(ReadError::Ingest(IngestError::Io { cause, .. })) if gzip => {
            Err(gzip_error(file, &cause).into())
        }
        Err(error) => Err(error),
    }
}
