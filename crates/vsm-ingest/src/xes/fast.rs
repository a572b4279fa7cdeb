//! Parsing a segment trace by trace: the shape nearly every XES writer produces (self-closing
//! attribute elements with plain `key` and `value`, inside `<event>` blocks) read by a scanner of
//! its own, anything else handed to quick-xml.

use std::ops::Range;

use super::event::{Defaults, EventDraft, Segment, TraceDraft};
use super::{ATTRIBUTE_TAGS, Globals, Parsed, Text};
use crate::{IngestError, ReadOptions};

/// Parses a run of whole traces.
pub(super) fn parse_segment(
    text: Text<'_>,
    globals: &Globals,
    options: &ReadOptions,
) -> Result<Parsed, IngestError> {
    let bytes = text.bytes;
    let mut parsed = Parsed::default();
    let segment = Segment {
        text,
        defaults: Defaults::of(globals, &mut parsed.names),
        options,
    };
    // Trace by trace: the regular shape on the fast path, anything else through quick-xml.
    let mut at = 0;
    while at < bytes.len() {
        let Some(start) = memchr::memmem::find(&bytes[at..], b"<trace").map(|i| at + i) else {
            super::quick::parse(&segment, at..bytes.len(), &mut parsed)?;
            break;
        };
        if !bytes[at..start].iter().all(u8::is_ascii_whitespace) {
            // Comments or other elements between traces.
            super::quick::parse(&segment, at..start, &mut parsed)?;
        }
        let end = memchr::memmem::find(&bytes[start..], b"</trace>")
            .map_or(bytes.len(), |i| start + i + b"</trace>".len());
        if !fast_trace(&segment, start..end, &mut parsed)? {
            super::quick::parse(&segment, start..end, &mut parsed)?;
        }
        at = end;
    }
    Ok(parsed)
}

/// One trace (`range` of the segment) in the shape nearly every XES writer produces:
/// self-closing attribute elements with plain `key` and `value`, and `<event>` blocks of the
/// same. Returns `false`, having changed nothing, when the trace has anything else (nested
/// attributes, comments, escapes, odd spacing): quick-xml reads those.
pub(super) fn fast_trace(
    segment: &Segment<'_>,
    range: Range<usize>,
    parsed: &mut Parsed,
) -> Result<bool, IngestError> {
    let base = range.start;
    let trace = &segment.text.bytes[range];
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
                draft.attribute(tag, key, value, &mut parsed.names, segment.options);
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
    let mut done = TraceDraft {
        item,
        events: Vec::with_capacity(drafts.len()),
        attributes: Vec::new(),
    };
    for (position, draft) in &drafts {
        done.add(draft, segment, base + position, &mut parsed.stats)?;
    }
    done.finish(segment, base, parsed);
    Ok(true)
}

/// Reads a run of self-closing attribute elements (`<string key=".." value=".."/>`), calling
/// `found` for each; `false` if the text holds anything else.
pub(super) fn fast_elements(mut text: &[u8], mut found: impl FnMut(&str, &str, &str)) -> bool {
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

/// `key` and `value` from ` key="a" value="b"` (either quote, any order, other attributes
/// allowed); `None` for anything else.
pub(super) fn plain_key_value(raw: &str) -> Option<(&str, &str)> {
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
