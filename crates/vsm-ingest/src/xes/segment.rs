//! Cutting the text into segments of whole traces, on a thread of its own, for parsers on every
//! core; the header and the tail around the traces; and the parsed segments handed to the sink
//! in file order.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use quick_xml::events::Event as XmlEvent;

use super::quick::{key_value, scope_is_event};
use super::{ATTRIBUTE_TAGS, Globals, LogNames, Origin, Parsed, Text};
use crate::{Flow, ImportStats, IngestError, Lifecycle, Limits, ReadError, ReadOptions, TraceSink};

/// How much text a segment holds at least (but for the last).
pub(super) const SEGMENT: usize = 2 << 20;

/// Reads an XES document from `input`, handing each trace to `sink` in file order.
///
/// Three kinds of thread share the work: one reads (and, for gzip, inflates) the text and cuts
/// it after the last `</trace>` of each block, the parsers (one per core) turn segments into
/// events, and the calling thread hands them to the sink in file order. When the sink stops the
/// read, or anything fails, the other threads stop at their next segment.
pub fn read<S: TraceSink>(
    input: impl Read + Send,
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
    sink: &mut S,
) -> Result<ImportStats, ReadError<S::Error>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZero::get)
        .clamp(1, 8);
    let mut stats = ImportStats::default();
    let over = AtomicBool::new(false);
    let over = &over;
    std::thread::scope(|scope| -> Result<(), ReadError<S::Error>> {
        let (work, jobs) = sync_channel::<Job>(workers);
        let jobs = Arc::new(Mutex::new(jobs));
        let (done, results) = channel::<Part>();
        // Parsed segments' buffers go back to the reader: fresh buffers cost page faults.
        let (give_back, spare) = channel::<Vec<u8>>();
        for _ in 0..workers {
            let jobs = Arc::clone(&jobs);
            let done = done.clone();
            let give_back = give_back.clone();
            scope.spawn(move || {
                loop {
                    let job = jobs.lock().expect("not poisoned").recv();
                    let Ok(job) = job else { return };
                    if over.load(Ordering::Relaxed) {
                        return;
                    }
                    let text = Text::new(file, &job.bytes, job.origin);
                    let parsed = super::fast::parse_segment(text, &job.globals, options);
                    let _ = give_back.send(job.bytes);
                    if done.send((job.index, parsed)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(give_back);
        scope.spawn(move || {
            let mut parts = Parts { done, next: 0 };
            if let Err(error) = cut_segments(input, file, options, &work, &spare, &mut parts, over)
            {
                parts.send(Err(error));
            }
        });
        let handed = hand_on(&results, names, &mut stats, sink);
        // Whatever ended the read, the other threads stop at their next segment.
        over.store(true, Ordering::Relaxed);
        handed
    })?;
    crate::finished(sink, stats)
}

/// Hands the parts of the log to the sink in file order, until the last, an error, or a stop.
fn hand_on<S: TraceSink>(
    results: &Receiver<Part>,
    names: &mut LogNames,
    stats: &mut ImportStats,
    sink: &mut S,
) -> Result<(), ReadError<S::Error>> {
    let mut waiting: BTreeMap<usize, Result<Parsed, IngestError>> = BTreeMap::new();
    let mut next = 0usize;
    for (index, parsed) in results {
        waiting.insert(index, parsed);
        while let Some(parsed) = waiting.remove(&next) {
            next += 1;
            if emit(parsed?, names, stats, sink).map_err(ReadError::Sink)? == Flow::Stop {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// A part of the log, numbered in file order: the header, a segment, or the tail; parsed, or
/// what was wrong with it.
type Part = (usize, Result<Parsed, IngestError>);

/// Numbers the parts of the log in file order, and sends those the reading thread reads itself.
struct Parts {
    done: Sender<Part>,
    next: usize,
}

impl Parts {
    fn number(&mut self) -> usize {
        self.next += 1;
        self.next - 1
    }

    fn send(&mut self, part: Result<Parsed, IngestError>) {
        let index = self.number();
        // The receiver is gone only when the read is over.
        let _ = self.done.send((index, part));
    }

    /// Sends events counted outside any trace (in the header or the tail).
    fn send_stray(&mut self, stats: ImportStats) {
        self.send(Ok(Parsed {
            stats,
            ..Parsed::default()
        }));
    }
}

/// A segment of whole traces for a parser.
struct Job {
    index: usize,
    /// Where its text starts.
    origin: Origin,
    bytes: Vec<u8>,
    globals: Arc<Globals>,
}

/// Reads the text, checks the header, and sends segments of whole traces to the parsers, and
/// what it counts itself (events outside any trace, in the header or after the last trace) as
/// parts of their own. Stops early when the read is `over`.
///
/// A segment ends after the last `</trace>` in at least [`SEGMENT`] bytes of text; a trace
/// longer than that grows the segment until it ends, up to [`Limits::trace`] bytes, and a single
/// element or run of text up to [`Limits::field`] bytes.
fn cut_segments(
    mut input: impl Read,
    file: &str,
    options: &ReadOptions,
    work: &SyncSender<Job>,
    spare: &Receiver<Vec<u8>>,
    parts: &mut Parts,
    over: &AtomicBool,
) -> Result<(), IngestError> {
    let limits = options.limits;
    let read_error = |error: std::io::Error| IngestError::Io {
        file: file.to_string(),
        cause: error,
    };
    let mut pending: Vec<u8> = Vec::with_capacity(SEGMENT * 2);
    // Only the text read since the last look is searched again, so that a long header or trace
    // costs time in proportion to its length.
    let mut searched = 0;
    let header_end = loop {
        if let Some(at) = memchr::memmem::find(&pending[searched..], b"<trace") {
            break Some(searched + at);
        }
        searched = pending.len().saturating_sub(b"<trace".len() - 1);
        if pending.len() as u64 > limits.trace {
            return Err(Limits::exceeded(
                Text::new(file, &[], Origin::START).place(0),
                "the text before the first `<trace>`",
                limits.trace,
                Limits::TRACE_VARIABLE,
                &[],
            ));
        }
        if !fill(&mut input, &mut pending).map_err(read_error)? {
            break None;
        }
    };
    let header_len = header_end.unwrap_or(pending.len());
    let header = Text::new(file, &pending[..header_len], Origin::START);
    let globals = Arc::new(read_header(&header)?);
    let mut stray = ImportStats::default();
    stray_events(&header, 1, options, &mut stray)?;
    parts.send_stray(stray);
    let mut origin = header.origin.after(header.bytes);
    pending.drain(..header_len);
    let mut finished = false;
    // `pending[..searched]` holds no `</trace>`; `pending[open..]` no `>`.
    let mut searched = 0;
    let mut open = 0;
    loop {
        if over.load(Ordering::Relaxed) {
            return Ok(());
        }
        while !finished && pending.len() < SEGMENT {
            finished = !fill(&mut input, &mut pending).map_err(read_error)?;
        }
        let Some(at) = memchr::memmem::rfind(&pending[searched..], b"</trace>") else {
            if finished {
                break;
            }
            // One trace is longer than a segment: read on until it ends.
            if let Some(at) = memchr::memrchr(b'>', &pending[open.max(searched)..]) {
                open = open.max(searched) + at + 1;
            }
            searched = pending.len().saturating_sub(b"</trace>".len() - 1);
            check_growth(&Text::new(file, &pending, origin), open, limits)?;
            finished = !fill(&mut input, &mut pending).map_err(read_error)?;
            continue;
        };
        let cut = searched + at + b"</trace>".len();
        let mut rest = spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(SEGMENT * 2));
        rest.clear();
        rest.extend_from_slice(&pending[cut..]);
        pending.truncate(cut);
        let bytes = std::mem::replace(&mut pending, rest);
        searched = pending.len().saturating_sub(b"</trace>".len() - 1);
        open = memchr::memrchr(b'>', &pending).map_or(0, |at| at + 1);
        let next = origin.after(&bytes);
        let job = Job {
            index: parts.number(),
            origin,
            bytes,
            globals: Arc::clone(&globals),
        };
        if work.send(job).is_err() {
            return Ok(());
        }
        origin = next;
    }
    let tail = Text::new(file, &pending, origin);
    let mut stray = ImportStats::default();
    read_tail(&tail, options, &mut stray)?;
    parts.send_stray(stray);
    Ok(())
}

/// Stops a trace that grows past the limits: one element or run of text (from `open`) past
/// [`Limits::field`], or the whole trace past [`Limits::trace`].
fn check_growth(text: &Text<'_>, open: usize, limits: Limits) -> Result<(), IngestError> {
    let pending = text.bytes;
    let piece = &pending[open..];
    if piece.len() as u64 > limits.field {
        let text_start = piece
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(piece.len());
        let what = match piece.get(text_start) {
            None => "a run of whitespace",
            Some(b'<') => "one element",
            Some(_) => "a run of text",
        };
        let at = if what == "a run of whitespace" {
            open
        } else {
            open + text_start
        };
        return Err(Limits::exceeded(
            text.place(at),
            what,
            limits.field,
            Limits::FIELD_VARIABLE,
            &pending[at..],
        ));
    }
    if pending.len() as u64 > limits.trace {
        let start = memchr::memmem::find(pending, b"<trace").unwrap_or(0);
        return Err(Limits::exceeded(
            text.place(start),
            "one trace",
            limits.trace,
            Limits::TRACE_VARIABLE,
            &pending[start..],
        ));
    }
    Ok(())
}

/// Appends the next block of input; `false` at the end.
fn fill(input: &mut impl Read, pending: &mut Vec<u8>) -> std::io::Result<bool> {
    let before = pending.len();
    input.take(1 << 20).read_to_end(pending)?;
    Ok(pending.len() > before)
}

/// Hands a parsed part's traces to the sink, with its names made global. When the sink stops
/// the read, what the part read after that trace is not counted.
fn emit<S: TraceSink>(
    parsed: Parsed,
    names: &mut LogNames,
    stats: &mut ImportStats,
    sink: &mut S,
) -> Result<Flow, S::Error> {
    let activities = names.activities.merge(&parsed.names.activities);
    let resources = names.resources.merge(&parsed.names.resources);
    let values = names.values.merge(&parsed.names.values);
    let mut part = parsed.stats;
    for ((item, mut events, mut attributes), counted) in
        parsed.traces.into_iter().zip(parsed.counted)
    {
        for event in &mut events {
            event.activity = activities[event.activity as usize];
            event.resource = event.resource.map(|r| resources[r as usize]);
        }
        for kept in &mut attributes {
            for (_, value) in kept.iter_mut() {
                *value = values[*value as usize];
            }
        }
        stats.items += 1;
        stats.events_used += events.len() as u64;
        if sink.trace(names.trace(&item, &events, &attributes))? == Flow::Stop {
            part.events_read = counted.events_read;
            part.skipped_count = counted.skipped_count;
            part.skipped
                .truncate(usize::try_from(counted.skipped_count).unwrap_or(usize::MAX));
            stats.absorb(part);
            return Ok(Flow::Stop);
        }
    }
    stats.absorb(part);
    Ok(Flow::Continue)
}

/// Checks that the text is an XES log and reads the event globals.
pub(super) fn read_header(header: &Text<'_>) -> Result<Globals, IngestError> {
    let text = std::str::from_utf8(header.bytes).map_err(|error| {
        IngestError::invalid(
            header.place(error.valid_up_to()),
            "the text is not valid UTF-8",
            "an XES file is UTF-8 XML",
        )
    })?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut globals = Globals::default();
    let mut in_global_event = false;
    let mut saw_log = false;
    loop {
        let position = reader.buffer_position();
        match reader.read_event() {
            Ok(XmlEvent::Start(element) | XmlEvent::Empty(element)) => {
                let tag = element.local_name();
                match tag.as_ref() {
                    "log" => saw_log = true,
                    "global" => in_global_event = scope_is_event(&element),
                    tag if in_global_event && ATTRIBUTE_TAGS.contains(&tag) => {
                        let (key, value) = key_value(&element);
                        match (key.as_deref(), value) {
                            (Some("concept:name"), Some(value)) => {
                                globals.activity = Some(value.into_owned());
                            }
                            (Some("lifecycle:transition"), Some(value)) => {
                                globals.lifecycle = Some(Lifecycle::parse(&value));
                            }
                            (Some("org:resource"), Some(value)) => {
                                globals.resource = Some(value.into_owned());
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
            Ok(XmlEvent::End(element)) if element.local_name().as_ref() == "global" => {
                in_global_event = false;
            }
            Ok(XmlEvent::Eof) => break,
            Ok(_) => {}
            // The header is cut at the first `<trace`: an open `<log>` at its end is expected.
            Err(_) if saw_log => break,
            Err(error) => return Err(header.not_xml(position as usize, &error)),
        }
    }
    if !saw_log {
        return Err(IngestError::invalid(
            header.place(0),
            "no `<log>` element: this is not an XES event log",
            "an XES file starts with `<log>`; for CSV or JSON Lines use the matching file extension",
        ));
    }
    Ok(globals)
}

/// After the last trace only `</log>` may follow (events there are outside any trace).
fn read_tail(
    tail: &Text<'_>,
    options: &ReadOptions,
    stray: &mut ImportStats,
) -> Result<(), IngestError> {
    let bytes = tail.bytes;
    let message = if memchr::memmem::find(bytes, b"<trace").is_some() {
        "the file ends inside a trace: it was cut short"
    } else {
        stray_events(tail, 0, options, stray)?;
        if bytes.trim_ascii().ends_with(b"</log>") {
            return Ok(());
        }
        "the file ends without `</log>`: it was cut short"
    };
    Err(IngestError::invalid(
        tail.place(0),
        message,
        "get the complete file again",
    ))
}

/// Events outside any trace (in the header, or after the last trace): each an error, or with
/// `--skip-invalid` read and skipped. `depth` is how deep such an event sits in `bytes`.
fn stray_events(
    text: &Text<'_>,
    depth: usize,
    options: &ReadOptions,
    stray: &mut ImportStats,
) -> Result<(), IngestError> {
    let bytes = text.bytes;
    if memchr::memmem::find(bytes, b"<event").is_none() {
        return Ok(());
    }
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = false;
    let mut open = 0usize;
    loop {
        let position = reader.buffer_position();
        let (element, empty) = match reader.read_event() {
            Ok(XmlEvent::Start(element)) => (element, false),
            Ok(XmlEvent::Empty(element)) => (element, true),
            Ok(XmlEvent::End(_)) => {
                open = open.saturating_sub(1);
                continue;
            }
            // The header is cut at the first trace; the rest is checked by the parsers.
            Ok(XmlEvent::Eof) | Err(_) => return Ok(()),
            Ok(_) => continue,
        };
        if open == depth && element.local_name().as_ref() == "event" {
            let at = text.place(position as usize);
            let reason = "an `<event>` outside any `<trace>`";
            if !options.skip_invalid {
                return Err(super::outside_trace(at));
            }
            stray.events_read += 1;
            stray.skip(at, reason.to_string());
        }
        if !empty {
            open += 1;
        }
    }
}
