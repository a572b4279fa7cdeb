//! Parsing with quick-xml what the fast scanner declines: nested attributes (not mistaken for
//! the event's own), comments, escapes, odd spacing, and text that is not well-formed.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::events::{BytesStart, Event as XmlEvent};

use super::event::{EventDraft, Segment, TraceDraft};
use super::{ATTRIBUTE_TAGS, Parsed};
use crate::IngestError;

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

/// Parses `range` of the segment, with quick-xml, into `parsed`.
pub(super) fn parse(
    segment: &Segment<'_>,
    range: Range<usize>,
    parsed: &mut Parsed,
) -> Result<(), IngestError> {
    let (text, options) = (&segment.text, segment.options);
    let base = range.start;
    let end = range.end;
    // quick-xml checks the UTF-8 of each piece it hands out.
    let mut reader = quick_xml::Reader::from_reader(&text.bytes[range]);
    let mut stack: Vec<Frame> = vec![Frame::Log];
    let mut trace = TraceDraft {
        events: Vec::with_capacity(64),
        ..TraceDraft::default()
    };
    let mut draft = EventDraft::default();
    let mut event_start = 0;
    loop {
        let position = base + reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|error| text.not_xml(base + reader.error_position() as usize, &error))?;
        let (element, empty) = match event {
            XmlEvent::Start(element) => (element, false),
            XmlEvent::Empty(element) => (element, true),
            XmlEvent::End(_) => {
                match stack.pop() {
                    Some(Frame::Event) => {
                        let draft = std::mem::take(&mut draft);
                        trace.add(&draft, segment, event_start, &mut parsed.stats)?;
                    }
                    Some(Frame::Trace) => trace.finish(segment, position, parsed),
                    None => {
                        return Err(text.not_xml(position, &"a closing tag with no opening tag"));
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
                        draft.attribute(tag, &key, &value, &mut parsed.names, options);
                    } else if key == "concept:name" {
                        trace.item = Some(value.into_owned());
                    }
                }
            }
            Frame::Attribute
        } else {
            match tag {
                "trace" => Frame::Trace,
                "event" if parent != Some(Frame::Trace) => {
                    let at = text.place(position);
                    if !options.skip_invalid {
                        return Err(super::outside_trace(at));
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
                    trace.add(&draft, segment, position, &mut parsed.stats)?;
                }
                Frame::Trace => TraceDraft::default().finish(segment, position, parsed),
                _ => {}
            }
        } else {
            stack.push(frame);
        }
    }
    if stack.len() != 1 {
        return Err(IngestError::invalid(
            text.place(end),
            "a trace is not closed",
            "check that every `<trace>` ends with `</trace>`",
        ));
    }
    Ok(())
}

/// Whether a `<global>` element holds the event defaults.
pub(super) fn scope_is_event(element: &BytesStart<'_>) -> bool {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .any(|a| a.key.as_ref() == "scope" && a.value.as_ref() == "event")
}

/// One attribute element's `key` and `value`, borrowed unless they hold XML escapes.
pub(super) fn key_value<'a>(
    element: &'a BytesStart<'a>,
) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
    // XES writes millions of `<string key=".." value=".."/>`: read the two straight from the
    // element's text, and leave anything unusual (escapes, odd spacing) to quick-xml.
    if let Some((key, value)) = super::fast::plain_key_value(element.attributes_raw())
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
