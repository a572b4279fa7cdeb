//! XES (IEEE 1849) event logs, streamed: memory holds a few segments of traces at a time.
//!
//! Handles typed and nested attributes (nested ones are not mistaken for the event's own), event
//! globals as defaults, lifecycle values in any case, every timestamp form of the real logs, and
//! an explicit `start_timestamp` on events. Events keep their file order; ordering ties is the
//! consumer's business.
//!
//! Speed: the text is cut into segments of whole traces (at `</trace>`), parsed with quick-xml on
//! every core, and handed to the sink in file order. With gzip inflated on its own thread, reading
//! a compressed log costs about what decompressing it alone does.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use quick_xml::events::{BytesStart, Event as XmlEvent};

use crate::{
    Attributes, Event, ImportStats, IngestError, Lifecycle, Limits, Names, Place, ReadOptions,
    Trace, TraceSink,
};

/// What an element is, for knowing whose attribute a child is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    Log,
    Trace,
    Event,
    /// An attribute with children (a nested attribute, a list, a container).
    Attribute,
    Other,
}

#[derive(Default)]
struct EventDraft {
    activity: Option<u32>,
    timestamp: Option<i64>,
    start: Option<i64>,
    lifecycle: Option<Lifecycle>,
    resource: Option<u32>,
    /// A bad value seen in the event: (field, message); reported when the event ends.
    problem: Option<(String, String)>,
    attributes: Attributes,
}

/// Defaults from `<global scope="event">`, as names (segments intern on their own).
#[derive(Clone, Debug, Default)]
struct Globals {
    activity: Option<String>,
    lifecycle: Option<Lifecycle>,
    resource: Option<String>,
}

/// The interned names a log refers to.
#[derive(Debug, Default)]
pub struct LogNames {
    pub activities: Names,
    pub resources: Names,
    /// Values of the attributes kept.
    pub values: Names,
}

impl LogNames {
    /// One item's events, ready for a sink, with the names that resolve them.
    pub fn trace<'a>(
        &'a self,
        item: &'a str,
        events: &'a [Event],
        attributes: &'a [Attributes],
    ) -> Trace<'a> {
        Trace {
            item,
            events,
            attributes,
            activities: &self.activities,
            values: &self.values,
        }
    }
}

const ATTRIBUTE_TAGS: [&str; 8] = [
    "string",
    "date",
    "int",
    "float",
    "boolean",
    "id",
    "list",
    "container",
];
const SEGMENT: usize = 2 << 20;

/// The traces of one segment, with names local to it.
#[derive(Default)]
struct Parsed {
    /// (item, events, their kept attributes: empty when none were asked for)
    traces: Vec<(String, Vec<Event>, Vec<Attributes>)>,
    names: LogNames,
    stats: ImportStats,
}

fn place(file: &str, byte: u64, field: Option<&str>) -> Place {
    Place {
        file: file.to_string(),
        line: None,
        byte: Some(byte),
        field: field.map(str::to_string),
    }
}

fn not_xml(file: &str, byte: u64, error: &impl std::fmt::Display) -> IngestError {
    IngestError::invalid(
        place(file, byte, None),
        format!(
            "this is not well-formed XML: {}",
            crate::error::cut_message(&error.to_string())
        ),
        "check that the file is a complete XES document; a file cut short ends mid-element",
    )
}

/// Reads an XES document from `input`, handing each trace to `sink` in file order.
///
/// Three kinds of thread share the work: one reads (and, for gzip, inflates) the text and cuts
/// it after the last `</trace>` of each block, the parsers (one per core) turn segments into
/// events, and the calling thread hands them to the sink in file order.
pub fn read(
    input: impl Read + Send,
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
    sink: &mut impl TraceSink,
) -> Result<ImportStats, IngestError> {
    let workers = std::thread::available_parallelism()
        .map_or(2, std::num::NonZero::get)
        .clamp(1, 8);
    let mut stats = ImportStats::default();
    std::thread::scope(|scope| -> Result<(), IngestError> {
        let (work, jobs) = sync_channel::<Job>(workers);
        let jobs = Arc::new(Mutex::new(jobs));
        let (done, results) = channel::<(usize, Result<Parsed, IngestError>)>();
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
                    let parsed = parse_segment(&job.bytes, job.offset, file, &job.globals, options);
                    let _ = give_back.send(job.bytes);
                    if done.send((job.index, parsed)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done);
        drop(give_back);
        let reader = scope.spawn(move || cut_segments(input, file, options, &work, &spare));

        let mut waiting: BTreeMap<usize, Result<Parsed, IngestError>> = BTreeMap::new();
        let mut next = 0usize;
        for (index, parsed) in &results {
            waiting.insert(index, parsed);
            while let Some(parsed) = waiting.remove(&next) {
                next += 1;
                emit(parsed?, names, &mut stats, sink);
            }
        }
        let stray = reader.join().expect("the reading thread does not panic")?;
        stats.absorb(stray);
        Ok(())
    })?;
    Ok(stats)
}

/// A segment of whole traces for a parser.
struct Job {
    index: usize,
    offset: u64,
    bytes: Vec<u8>,
    globals: Arc<Globals>,
}

/// Reads the text, checks the header, and sends segments of whole traces. Returns what it
/// counted itself: events outside any trace, in the header or after the last trace.
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
) -> Result<ImportStats, IngestError> {
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
                place(file, 0, None),
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
    let mut stray = ImportStats::default();
    let globals = Arc::new(read_header(&pending[..header_len], file)?);
    stray_events(&pending[..header_len], 0, 1, file, options, &mut stray)?;
    let mut consumed = header_len as u64;
    pending.drain(..header_len);
    let mut sent = 0;
    let mut finished = false;
    // `pending[..searched]` holds no `</trace>`; `pending[open..]` no `>`.
    let mut searched = 0;
    let mut open = 0;
    loop {
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
            check_growth(&pending, open, consumed, file, limits)?;
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
        let length = bytes.len() as u64;
        let job = Job {
            index: sent,
            offset: consumed,
            bytes,
            globals: Arc::clone(&globals),
        };
        if work.send(job).is_err() {
            // A parser failed; its error is what the caller reports.
            return Ok(stray);
        }
        consumed += length;
        sent += 1;
    }
    read_tail(&pending, consumed, file, options, &mut stray)?;
    Ok(stray)
}

/// Stops a trace that grows past the limits: one element or run of text (from `open`) past
/// [`Limits::field`], or the whole trace past [`Limits::trace`].
fn check_growth(
    pending: &[u8],
    open: usize,
    consumed: u64,
    file: &str,
    limits: Limits,
) -> Result<(), IngestError> {
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
            place(file, consumed + at as u64, None),
            what,
            limits.field,
            Limits::FIELD_VARIABLE,
            &pending[at..],
        ));
    }
    if pending.len() as u64 > limits.trace {
        let start = memchr::memmem::find(pending, b"<trace").unwrap_or(0);
        return Err(Limits::exceeded(
            place(file, consumed + start as u64, None),
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

/// Hands a parsed segment's traces to the sink, with its names made global.
fn emit(parsed: Parsed, names: &mut LogNames, stats: &mut ImportStats, sink: &mut impl TraceSink) {
    let activities = names.activities.merge(&parsed.names.activities);
    let resources = names.resources.merge(&parsed.names.resources);
    let values = names.values.merge(&parsed.names.values);
    for (item, mut events, mut attributes) in parsed.traces {
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
        sink.trace(names.trace(&item, &events, &attributes));
    }
    stats.absorb(parsed.stats);
}

/// Checks that the text is an XES log and reads the event globals.
fn read_header(bytes: &[u8], file: &str) -> Result<Globals, IngestError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        IngestError::invalid(
            place(file, error.valid_up_to() as u64, None),
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
            Err(error) => return Err(not_xml(file, position, &error)),
        }
    }
    if !saw_log {
        return Err(IngestError::invalid(
            place(file, 0, None),
            "no `<log>` element: this is not an XES event log",
            "an XES file starts with `<log>`; for CSV or JSON Lines use the matching file extension",
        ));
    }
    Ok(globals)
}

/// After the last trace only `</log>` may follow (events there are outside any trace).
fn read_tail(
    bytes: &[u8],
    offset: u64,
    file: &str,
    options: &ReadOptions,
    stray: &mut ImportStats,
) -> Result<(), IngestError> {
    let message = if memchr::memmem::find(bytes, b"<trace").is_some() {
        "the file ends inside a trace: it was cut short"
    } else {
        stray_events(bytes, offset, 0, file, options, stray)?;
        if bytes.trim_ascii().ends_with(b"</log>") {
            return Ok(());
        }
        "the file ends without `</log>`: it was cut short"
    };
    Err(IngestError::invalid(
        place(file, offset, None),
        message,
        "get the complete file again",
    ))
}

/// Events outside any trace (in the header, or after the last trace): each an error, or with
/// `--skip-invalid` read and skipped. `depth` is how deep such an event sits in `bytes`.
fn stray_events(
    bytes: &[u8],
    offset: u64,
    depth: usize,
    file: &str,
    options: &ReadOptions,
    stray: &mut ImportStats,
) -> Result<(), IngestError> {
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
            let at = place(file, offset + position, None);
            let reason = "an `<event>` outside any `<trace>`";
            if !options.skip_invalid {
                return Err(outside_trace(at));
            }
            stray.events_read += 1;
            stray.skip(at, reason.to_string());
        }
        if !empty {
            open += 1;
        }
    }
}

fn outside_trace(at: Place) -> IngestError {
    IngestError::invalid(
        at,
        "an `<event>` outside any `<trace>`",
        "XES keeps every event inside the trace of its item: move it into its trace, or pass --skip-invalid to leave such events out",
    )
}

fn scope_is_event(element: &BytesStart<'_>) -> bool {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .any(|a| a.key.as_ref() == "scope" && a.value.as_ref() == "event")
}

/// One attribute element's `key` and `value`, borrowed unless they hold XML escapes.
fn key_value<'a>(
    element: &'a BytesStart<'a>,
) -> (
    Option<std::borrow::Cow<'a, str>>,
    Option<std::borrow::Cow<'a, str>>,
) {
    // XES writes millions of `<string key=".." value=".."/>`: read the two straight from the
    // element's text, and leave anything unusual (escapes, odd spacing) to quick-xml.
    if let Some((key, value)) = plain_key_value(element.attributes_raw())
        && !key.contains('&')
        && !value.contains('&')
    {
        return (Some(key.into()), Some(value.into()));
    }
    let mut key = None;
    let mut value = None;
    for attribute in element.attributes().with_checks(false).flatten() {
        let text = if attribute.value.contains('&') {
            attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
        } else {
            Some(attribute.value)
        };
        match attribute.key.as_ref() {
            "key" => key = text,
            "value" => value = text,
            _ => {}
        }
    }
    (key, value)
}

/// `key` and `value` from ` key="a" value="b"` (either quote, any order, other attributes
/// allowed); `None` for anything else.
fn plain_key_value(raw: &str) -> Option<(&str, &str)> {
    let bytes = raw.as_bytes();
    let (mut key, mut value) = (None, None);
    let mut at = 0;
    loop {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if at >= bytes.len() || bytes[at] == b'/' {
            break;
        }
        let name_start = at;
        while at < bytes.len() && bytes[at] != b'=' && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let name = &raw[name_start..at];
        if bytes.get(at) != Some(&b'=') {
            return None;
        }
        let quote = *bytes.get(at + 1)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let start = at + 2;
        let length = memchr::memchr(quote, &bytes[start..])?;
        let text = &raw[start..start + length];
        match name {
            "key" => key = Some(text),
            "value" => value = Some(text),
            _ => {}
        }
        at = start + length + 1;
    }
    Some((key?, value?))
}

/// Parses a run of whole traces.
fn parse_segment(
    bytes: &[u8],
    offset: u64,
    file: &str,
    globals: &Globals,
    options: &ReadOptions,
) -> Result<Parsed, IngestError> {
    let mut parsed = Parsed::default();
    let defaults = Defaults::of(globals, &mut parsed.names);
    // Trace by trace: the regular shape on the fast path, anything else through quick-xml.
    let mut at = 0;
    while at < bytes.len() {
        let Some(start) = memchr::memmem::find(&bytes[at..], b"<trace").map(|i| at + i) else {
            parse_with_quick_xml(
                &bytes[at..],
                offset + at as u64,
                file,
                &defaults,
                options,
                &mut parsed,
            )?;
            break;
        };
        if !bytes[at..start].iter().all(u8::is_ascii_whitespace) {
            // Comments or other elements between traces.
            parse_with_quick_xml(
                &bytes[at..start],
                offset + at as u64,
                file,
                &defaults,
                options,
                &mut parsed,
            )?;
        }
        let end = memchr::memmem::find(&bytes[start..], b"</trace>")
            .map_or(bytes.len(), |i| start + i + b"</trace>".len());
        let trace = &bytes[start..end];
        if !fast_trace(
            trace,
            offset + start as u64,
            file,
            &defaults,
            options,
            &mut parsed,
        )? {
            parse_with_quick_xml(
                trace,
                offset + start as u64,
                file,
                &defaults,
                options,
                &mut parsed,
            )?;
        }
        at = end;
    }
    Ok(parsed)
}

/// Event attribute defaults from the log's globals, as this segment's name indices.
struct Defaults {
    activity: Option<u32>,
    lifecycle: Option<Lifecycle>,
    resource: Option<u32>,
}

impl Defaults {
    fn of(globals: &Globals, names: &mut LogNames) -> Defaults {
        Defaults {
            activity: globals
                .activity
                .as_deref()
                .map(|name| names.activities.intern(name)),
            lifecycle: globals.lifecycle,
            resource: globals
                .resource
                .as_deref()
                .map(|name| names.resources.intern(name)),
        }
    }
}

/// One trace in the shape nearly every XES writer produces: self-closing attribute elements
/// with plain `key` and `value`, and `<event>` blocks of the same. Returns `false`, having changed
/// nothing, when the trace has anything else (nested attributes, comments, escapes, odd
/// spacing): quick-xml reads those.
fn fast_trace(
    trace: &[u8],
    offset: u64,
    file: &str,
    defaults: &Defaults,
    options: &ReadOptions,
    parsed: &mut Parsed,
) -> Result<bool, IngestError> {
    let Some(open_end) = memchr::memchr(b'>', trace) else {
        return Ok(false);
    };
    if trace.get(..open_end + 1) != Some(b"<trace>") {
        return Ok(false);
    }
    // Events are drafted first and counted only once the whole trace has passed, so that a
    // fallback leaves `parsed` as it was (but for names interned, which quick-xml meets again).
    let mut item: Option<String> = None;
    let mut drafts: Vec<(usize, EventDraft)> = Vec::new();
    let mut at = open_end + 1;
    loop {
        while at < trace.len() && trace[at].is_ascii_whitespace() {
            at += 1;
        }
        let rest = &trace[at..];
        if rest.starts_with(b"</trace>") {
            break;
        }
        if rest.starts_with(b"<event>") {
            let Some(length) = memchr::memmem::find(rest, b"</event>") else {
                return Ok(false);
            };
            let mut draft = EventDraft::default();
            if !fast_elements(&rest[b"<event>".len()..length], |tag, key, value| {
                event_attribute(tag, key, value, &mut draft, &mut parsed.names, options);
            }) {
                return Ok(false);
            }
            drafts.push((at, draft));
            at += length + b"</event>".len();
            continue;
        }
        // A trace attribute: one self-closing element.
        let Some(length) = memchr::memchr(b'>', rest) else {
            return Ok(false);
        };
        let mut trace_name = None;
        if !fast_elements(&rest[..=length], |_, key, value| {
            if key == "concept:name" {
                trace_name = Some(value.to_string());
            }
        }) {
            return Ok(false);
        }
        if trace_name.is_some() {
            item = trace_name;
        }
        at += length + 1;
    }
    let mut events = Vec::with_capacity(drafts.len());
    let mut attributes = Vec::new();
    for (position, draft) in &drafts {
        finish_event(
            draft,
            defaults,
            (&mut events, &mut attributes),
            &mut parsed.stats,
            options,
            || place(file, offset + *position as u64, None),
        )?;
    }
    let id = item.unwrap_or_else(|| format!("trace at byte {offset}"));
    parsed.traces.push((id, events, attributes));
    Ok(true)
}

/// Reads a run of self-closing attribute elements (`<string key=".." value=".."/>`), calling
/// `found` for each; `false` if the text holds anything else.
fn fast_elements(mut text: &[u8], mut found: impl FnMut(&str, &str, &str)) -> bool {
    loop {
        let start = text
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(text.len());
        text = &text[start..];
        if text.is_empty() {
            return true;
        }
        if text[0] != b'<' {
            return false;
        }
        let Some(end) = memchr::memchr(b'>', text) else {
            return false;
        };
        if end < 2 || text[end - 1] != b'/' {
            return false;
        }
        let inner = &text[1..end - 1];
        let name_length = inner
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(inner.len());
        let Ok(tag) = std::str::from_utf8(&inner[..name_length]) else {
            return false;
        };
        if !ATTRIBUTE_TAGS.contains(&tag) {
            return false;
        }
        let Ok(attributes) = std::str::from_utf8(&inner[name_length..]) else {
            return false;
        };
        let Some((key, value)) = plain_key_value(attributes) else {
            return false;
        };
        if key.contains('&') || value.contains('&') || value.contains('<') {
            return false;
        }
        found(tag, key, value);
        text = &text[end + 1..];
    }
}

/// Parses whatever the fast path declined, with quick-xml, into `parsed`.
fn parse_with_quick_xml(
    bytes: &[u8],
    offset: u64,
    file: &str,
    defaults: &Defaults,
    options: &ReadOptions,
    parsed: &mut Parsed,
) -> Result<(), IngestError> {
    // quick-xml checks the UTF-8 of each piece it hands out.
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut stack: Vec<Frame> = vec![Frame::Log];
    let mut item: Option<String> = None;
    let mut events: Vec<Event> = Vec::with_capacity(64);
    let mut attributes: Vec<Attributes> = Vec::new();
    let mut draft = EventDraft::default();
    let mut event_start = 0u64;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|error| not_xml(file, offset + reader.error_position(), &error))?;
        let (element, empty) = match event {
            XmlEvent::Start(element) => (element, false),
            XmlEvent::Empty(element) => (element, true),
            XmlEvent::End(_) => {
                match stack.pop() {
                    Some(Frame::Event) => {
                        let draft = std::mem::take(&mut draft);
                        finish_event(
                            &draft,
                            defaults,
                            (&mut events, &mut attributes),
                            &mut parsed.stats,
                            options,
                            || place(file, offset + event_start, None),
                        )?;
                    }
                    Some(Frame::Trace) => {
                        let id = item
                            .take()
                            .unwrap_or_else(|| format!("trace at byte {}", offset + position));
                        parsed.traces.push((
                            id,
                            std::mem::take(&mut events),
                            std::mem::take(&mut attributes),
                        ));
                    }
                    None => {
                        return Err(not_xml(
                            file,
                            offset + position,
                            &"a closing tag with no opening tag",
                        ));
                    }
                    _ => {}
                }
                continue;
            }
            XmlEvent::Eof => break,
            _ => continue,
        };
        let tag = element.local_name();
        let tag = tag.as_ref();
        let parent = stack.last().copied();
        let frame = if ATTRIBUTE_TAGS.contains(&tag) {
            if matches!(parent, Some(Frame::Event | Frame::Trace)) {
                let (key, value) = key_value(&element);
                if let (Some(key), Some(value)) = (key, value) {
                    if parent == Some(Frame::Event) {
                        event_attribute(tag, &key, &value, &mut draft, &mut parsed.names, options);
                    } else if key == "concept:name" {
                        item = Some(value.into_owned());
                    }
                }
            }
            Frame::Attribute
        } else {
            match tag {
                "trace" => Frame::Trace,
                "event" if parent != Some(Frame::Trace) => {
                    let at = place(file, offset + position, None);
                    if !options.skip_invalid {
                        return Err(outside_trace(at));
                    }
                    parsed.stats.events_read += 1;
                    parsed
                        .stats
                        .skip(at, "an `<event>` outside any `<trace>`".to_string());
                    Frame::Other
                }
                "event" => {
                    event_start = position;
                    Frame::Event
                }
                _ => Frame::Other,
            }
        };
        if empty {
            match frame {
                Frame::Event => {
                    let draft = std::mem::take(&mut draft);
                    finish_event(
                        &draft,
                        defaults,
                        (&mut events, &mut attributes),
                        &mut parsed.stats,
                        options,
                        || place(file, offset + event_start, None),
                    )?;
                }
                Frame::Trace => parsed.traces.push((
                    format!("trace at byte {}", offset + position),
                    Vec::new(),
                    Vec::new(),
                )),
                _ => {}
            }
        } else {
            stack.push(frame);
        }
    }
    if stack.len() != 1 {
        return Err(IngestError::invalid(
            place(file, offset + bytes.len() as u64, None),
            "a trace is not closed",
            "check that every `<trace>` ends with `</trace>`",
        ));
    }
    Ok(())
}

fn event_attribute(
    tag: &str,
    key: &str,
    value: &str,
    draft: &mut EventDraft,
    names: &mut LogNames,
    options: &ReadOptions,
) {
    if let Some(kept) = options.attributes.iter().position(|a| a == key) {
        draft
            .attributes
            .push((kept as u32, names.values.intern(value)));
    }
    match key {
        "concept:name" => draft.activity = Some(names.activities.intern(value)),
        "lifecycle:transition" => draft.lifecycle = Some(Lifecycle::parse(value)),
        "org:resource" => draft.resource = Some(names.resources.intern(value)),
        "time:timestamp" | "start_timestamp" | "time:start" | "start_time" => {
            if tag != "date" && tag != "string" {
                return;
            }
            match options.timestamps.parse(value) {
                Ok(millis) if key == "time:timestamp" => draft.timestamp = Some(millis),
                Ok(millis) => draft.start = Some(millis),
                Err(error) => {
                    if draft.problem.is_none() {
                        draft.problem = Some((key.to_string(), error.to_string()));
                    }
                }
            }
        }
        _ => {}
    }
}

fn finish_event(
    draft: &EventDraft,
    defaults: &Defaults,
    (events, attributes): (&mut Vec<Event>, &mut Vec<Attributes>),
    stats: &mut ImportStats,
    options: &ReadOptions,
    place: impl FnOnce() -> Place,
) -> Result<(), IngestError> {
    stats.events_read += 1;
    let activity = draft.activity.or(defaults.activity);
    let problem = match (&draft.problem, activity, draft.timestamp) {
        (Some((field, message)), _, _) => Some((
            field.clone(),
            message.clone(),
            crate::TimestampError::help().to_string(),
        )),
        (None, None, _) => Some((
            "concept:name".to_string(),
            "the event has no activity name".to_string(),
            "give each event a `concept:name`".to_string(),
        )),
        (None, _, None) => Some((
            "time:timestamp".to_string(),
            "the event has no timestamp".to_string(),
            "give each event a `time:timestamp`".to_string(),
        )),
        _ => None,
    };
    if let Some((field, message, help)) = problem {
        let place = Place {
            field: Some(field),
            ..place()
        };
        if options.skip_invalid {
            stats.skip(place, message);
            return Ok(());
        }
        return Err(IngestError::invalid(
            place,
            message,
            format!("{help}, or pass --skip-invalid to leave such events out"),
        ));
    }
    events.push(Event {
        activity: activity.expect("checked above"),
        timestamp: draft.timestamp.expect("checked above"),
        start: draft.start,
        lifecycle: draft
            .lifecycle
            .or(defaults.lifecycle)
            .unwrap_or(Lifecycle::Complete),
        resource: draft.resource.or(defaults.resource),
    });
    if !options.attributes.is_empty() {
        attributes.push(draft.attributes.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The body (all traces) and the globals of a real log in testdata/.
    fn body_of(name: &str) -> (Vec<u8>, Globals) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/xes")
            .join(name);
        let raw = std::fs::read(&path).unwrap();
        let mut text = Vec::new();
        if raw.starts_with(&[0x1f, 0x8b]) {
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut text)
                .unwrap();
        } else {
            text = raw;
        }
        let start = memchr::memmem::find(&text, b"<trace").unwrap();
        let end = memchr::memmem::rfind(&text, b"</trace>").unwrap() + b"</trace>".len();
        let globals = read_header(&text[..start], name).unwrap();
        (text[start..end].to_vec(), globals)
    }

    type Resolved = Vec<(
        String,
        Vec<(String, i64, Option<i64>, Lifecycle, Option<String>)>,
    )>;

    fn resolved(parsed: &Parsed) -> Resolved {
        parsed
            .traces
            .iter()
            .map(|(item, events, _)| {
                let events = events
                    .iter()
                    .map(|e| {
                        (
                            parsed.names.activities.get(e.activity).to_string(),
                            e.timestamp,
                            e.start,
                            e.lifecycle,
                            e.resource
                                .map(|r| parsed.names.resources.get(r).to_string()),
                        )
                    })
                    .collect();
                (item.clone(), events)
            })
            .collect()
    }

    #[test]
    fn the_fast_path_reads_every_real_log_as_quick_xml_does() {
        let options = ReadOptions::default();
        for name in [
            "bpic2012.xes.gz",
            "02_teleclaims.xes.gz",
            "03_repairExample.xes.gz",
            "07_bpic2013_incidents.xes.gz",
            "08_receipt.xes.gz",
            "14_Billing_1t_per_variant.xes.gz",
            "helpdesk.xes.gz",
            "interval_event_log.xes",
            "running-example.xes",
        ] {
            let (body, globals) = body_of(name);
            let fast = parse_segment(&body, 0, name, &globals, &options).unwrap();
            let mut slow = Parsed::default();
            let defaults = Defaults::of(&globals, &mut slow.names);
            parse_with_quick_xml(&body, 0, name, &defaults, &options, &mut slow).unwrap();
            assert_eq!(fast.stats, slow.stats, "{name}");
            assert_eq!(resolved(&fast), resolved(&slow), "{name}");
        }
    }

    #[test]
    fn the_fast_path_takes_plain_traces_and_declines_the_rest() {
        let (body, globals) = body_of("bpic2012.xes.gz");
        let first = &body[..memchr::memmem::find(&body, b"</trace>").unwrap() + 8];
        let defaults = Defaults {
            activity: None,
            lifecycle: globals.lifecycle,
            resource: None,
        };
        let mut parsed = Parsed::default();
        assert!(
            fast_trace(
                first,
                0,
                "log",
                &defaults,
                &ReadOptions::default(),
                &mut parsed
            )
            .unwrap()
        );
        assert_eq!(parsed.traces.len(), 1);
        let nested = br#"<trace><string key="concept:name" value="1"/><event><list key="l"><string key="concept:name" value="inner"/></list><string key="concept:name" value="a"/><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event></trace>"#;
        let mut declined = Parsed::default();
        assert!(
            !fast_trace(
                nested,
                0,
                "log",
                &defaults,
                &ReadOptions::default(),
                &mut declined
            )
            .unwrap()
        );
        assert!(declined.traces.is_empty() && declined.stats == ImportStats::default());
        // quick-xml reads it, and the nested `concept:name` is not taken for the event's.
        parse_with_quick_xml(
            nested,
            0,
            "log",
            &defaults,
            &ReadOptions::default(),
            &mut declined,
        )
        .unwrap();
        assert_eq!(
            declined
                .names
                .activities
                .get(declined.traces[0].1[0].activity),
            "a"
        );
    }

    #[test]
    fn reads_key_and_value_in_any_order_and_quote() {
        assert_eq!(
            plain_key_value(r#" key="concept:name" value="A_SUBMITTED""#),
            Some(("concept:name", "A_SUBMITTED"))
        );
        assert_eq!(plain_key_value(" value='x' key='k'"), Some(("k", "x")));
        assert_eq!(
            plain_key_value(r#" key="k" note="key=&quot;z&quot;" value="v""#),
            Some(("k", "v"))
        );
        assert_eq!(plain_key_value(r#" key = "k" value="v""#), None);
        assert_eq!(plain_key_value(r#" key="k""#), None);
    }
}
