//! Opening a log: gzip found by its magic bytes (not the extension), decompressed on a second
//! thread so that inflating and parsing overlap, and the format checked against the content.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

use flate2::read::MultiGzDecoder;

use crate::xes::LogNames;
use crate::{ImportStats, IngestError, Place, ReadOptions, TraceSink};

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
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Xes => "XES",
            Format::Csv => "CSV",
            Format::JsonLines => "JSON Lines",
            Format::OcelJson => "OCEL 2.0 JSON",
            Format::OcelXml => "OCEL 2.0 XML",
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
        } else {
            None
        }
    }

    /// The format the first bytes of the text look like.
    fn sniff(head: &[u8]) -> Format {
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

/// Inflates `file` on a thread of its own, in 1 MiB chunks.
fn inflate_in_background(file: File) -> ChannelReader {
    let (send, chunks) = sync_channel::<Vec<u8>>(4);
    let (recycle, recycled) = sync_channel::<Vec<u8>>(8);
    let failure = Arc::new(Mutex::new(None));
    let failed = Arc::clone(&failure);
    thread::spawn(move || {
        let mut decoder = MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file));
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

/// An opened log: its text, whether it was gzip, and its format.
#[allow(missing_debug_implementations)] // holds a boxed reader
pub struct Opened {
    /// The (inflated) text, read on the caller's thread.
    pub reader: Box<dyn Read + Send>,
    pub gzip: bool,
    pub format: Format,
}

impl Opened {
    /// The text as a buffered reader; gzip is inflated on a thread of its own.
    pub fn buffered(self, path: &Path) -> Result<Box<dyn BufRead + Send>, IngestError> {
        let io_error = |cause| IngestError::Io {
            file: path.display().to_string(),
            cause,
        };
        Ok(if self.gzip {
            Box::new(inflate_in_background(File::open(path).map_err(io_error)?))
        } else {
            Box::new(BufReader::with_capacity(CHUNK, self.reader))
        })
    }
}

/// Opens `path`, finding gzip by its magic bytes, and checks the format against the content.
pub fn open(path: &Path, expected: Option<Format>) -> Result<Opened, IngestError> {
    let file_name = path.display().to_string();
    let io_error = |cause| IngestError::Io {
        file: file_name.clone(),
        cause,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic).map_err(io_error)?;
    let gzip = got == 2 && magic == [0x1f, 0x8b];
    let reopen = || -> Result<Box<dyn Read + Send>, IngestError> {
        let file = File::open(path).map_err(io_error)?;
        Ok(if gzip {
            Box::new(MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file)))
        } else {
            Box::new(file)
        })
    };
    let mut head = vec![0u8; 4096];
    let got =
        read_up_to(&mut reopen()?, &mut head).map_err(|error| gzip_error(&file_name, &error))?;
    head.truncate(got);
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(IngestError::invalid(
            Place {
                file: file_name,
                line: Some(1),
                ..Place::default()
            },
            "the file is empty",
            "export the event log again; an empty file has no events",
        ));
    }
    let sniffed = Format::sniff(&head);
    let named = Format::from_name(&file_name);
    let format = match (expected.or(named), sniffed) {
        (Some(promised), found) if promised != found => {
            return Err(IngestError::invalid(
                Place {
                    file: file_name,
                    line: Some(1),
                    ..Place::default()
                },
                format!(
                    "the name says {} but the content looks like {}",
                    promised.name(),
                    found.name()
                ),
                "check that this is the file you meant, or rename it to match its content",
            ));
        }
        (Some(promised), _) => promised,
        (None, found) => found,
    };
    Ok(Opened {
        reader: reopen()?,
        gzip,
        format,
    })
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

/// Reads a whole log, whatever its format, handing each item to `sink`.
pub fn read_log(
    path: &Path,
    expected: Option<Format>,
    options: &ReadOptions,
    sink: &mut impl TraceSink,
) -> Result<(ImportStats, LogNames, Format), IngestError> {
    let opened = open(path, expected)?;
    let file = path.display().to_string();
    let mut names = LogNames::default();
    let (format, gzip) = (opened.format, opened.gzip);
    let result = match format {
        Format::Xes => crate::xes::read(opened.reader, &file, options, &mut names, sink),
        Format::Csv => {
            crate::tabular::read_csv(opened.buffered(path)?, &file, options, &mut names, sink)
        }
        Format::JsonLines => crate::tabular::read_json_lines(
            opened.buffered(path)?,
            &file,
            options,
            &mut names,
            sink,
        ),
        Format::OcelJson => {
            crate::ocel::read_json(opened.buffered(path)?, &file, options, &mut names, sink)
        }
        Format::OcelXml => {
            crate::ocel::read_xml(opened.buffered(path)?, &file, options, &mut names, sink)
        }
    };
    match result {
        Ok(stats) => Ok((stats, names, format)),
        // A gzip stream cut short shows up as a read error, whichever reader meets it.
        Err(IngestError::Io { cause, .. }) if gzip => Err(gzip_error(&file, &cause)),
        Err(error) => Err(error),
    }
}
