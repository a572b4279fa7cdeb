//! OCEL 2.0 XML: its objects and events read into the log model, no value longer than the limit.

use std::io::BufRead;

use quick_xml::events::Event as XmlEvent;

use super::{LogObject, OcelEvent, OcelLog, at_byte, readable_name};
use crate::guard::{Stop, XmlGuard};
use crate::{IngestError, Limits};

fn attribute(element: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(std::borrow::Cow::into_owned)
        })
}

/// The objects and events of an OCEL 2.0 XML log, no element or run of text longer than `limit`.
pub(crate) fn parse_xml(
    input: impl BufRead,
    file: &str,
    limit: u64,
) -> Result<OcelLog, IngestError> {
    let mut reader =
        quick_xml::Reader::from_reader(std::io::BufReader::new(XmlGuard::new(input, limit)));
    let mut buffer = Vec::new();
    let mut log = OcelLog::default();
    // Which section and element we are in: relationships count only inside events.
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<OcelEvent> = None;
    // The event attribute being read: its name, and its value (the element's text) so far.
    let mut reading: Option<(String, String)> = None;
    // The attributes of the object being read (for its name), until it ends.
    let mut object_attributes: Vec<(String, String)> = Vec::new();
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event_into(&mut buffer).map_err(|error| {
            if let quick_xml::Error::Io(cause) = &error {
                return match Stop::of(cause) {
                    Some(stop) => stop.to_error(file, "one element or run of text", limit),
                    None => IngestError::Io {
                        file: file.to_string(),
                        cause: std::io::Error::new(cause.kind(), cause.to_string()),
                    },
                };
            }
            IngestError::invalid(
                at_byte(file, reader.error_position()),
                format!(
                    "this is not well-formed XML: {}",
                    crate::error::cut_message(&error.to_string())
                ),
                "check that the file is a complete OCEL 2.0 XML document",
            )
        })?;
        let empty = matches!(event, XmlEvent::Empty(_));
        match event {
            XmlEvent::Start(element) | XmlEvent::Empty(element) => {
                let name = element.local_name().as_ref().to_string();
                let parent = stack.last().map(String::as_str);
                match (name.as_str(), parent) {
                    ("object", Some("objects")) if stack.len() == 2 => {
                        object_attributes.clear();
                        if let (Some(id), Some(kind)) =
                            (attribute(&element, "id"), attribute(&element, "type"))
                        {
                            log.objects.push(LogObject {
                                id,
                                kind,
                                name: None,
                            });
                        }
                    }
                    ("event", Some("events")) => {
                        let (Some(id), Some(kind), Some(time)) = (
                            attribute(&element, "id"),
                            attribute(&element, "type"),
                            attribute(&element, "time"),
                        ) else {
                            return Err(IngestError::invalid(
                                at_byte(file, position),
                                "an event without `id`, `type` or `time`",
                                "every OCEL event has an id, a type and a time",
                            ));
                        };
                        current = Some(OcelEvent {
                            activity: kind,
                            time,
                            objects: Vec::new(),
                            attributes: Vec::new(),
                            id,
                        });
                        if empty {
                            log.events.extend(current.take());
                        }
                    }
                    ("relationship", _) if stack.iter().any(|s| s == "event") => {
                        if let (Some(event), Some(object)) =
                            (current.as_mut(), attribute(&element, "object-id"))
                        {
                            event.objects.push(object);
                        }
                    }
                    // An object's link to another: `<objects><relationship object-id qualifier>`
                    // inside the `<object>`.
                    ("relationship", _) if stack.iter().any(|s| s == "object") => {
                        if let (Some(source), Some(target)) =
                            (log.objects.last(), attribute(&element, "object-id"))
                        {
                            let qualifier = attribute(&element, "qualifier").unwrap_or_default();
                            log.links.push((source.id.clone(), target, qualifier));
                        }
                    }
                    ("attribute", Some("attributes"))
                        if !empty && stack.iter().any(|s| s == "event" || s == "object") =>
                    {
                        reading = attribute(&element, "name").map(|name| (name, String::new()));
                    }
                    _ => {}
                }
                if !empty {
                    stack.push(name);
                }
            }
            XmlEvent::Text(text) => {
                if let Some((_, value)) = reading.as_mut() {
                    value.push_str(&text.xml10_content());
                    // Pieces between comments or references add up: bound the whole value.
                    if value.len() as u64 > limit {
                        return Err(Limits::exceeded(
                            at_byte(file, position),
                            "one attribute value",
                            limit,
                            Limits::FIELD_VARIABLE,
                            value.as_bytes(),
                        ));
                    }
                }
            }
            // `&amp;`, `&#233;`: a value may come in several pieces.
            XmlEvent::GeneralRef(reference) => {
                if let Some((_, value)) = reading.as_mut() {
                    let name = reference.xml10_content();
                    if let Ok(Some(c)) = reference.resolve_char_ref() {
                        value.push(c);
                    } else if let Some(text) = quick_xml::escape::resolve_predefined_entity(&name) {
                        value.push_str(text);
                    }
                }
            }
            XmlEvent::End(_) => match stack.pop().as_deref() {
                Some("event") => log.events.extend(current.take()),
                Some("object") if stack.len() == 2 => {
                    if let Some(object) = log.objects.last_mut() {
                        object.name = readable_name(
                            object_attributes
                                .iter()
                                .map(|(n, v)| (n.as_str(), v.as_str())),
                        );
                    }
                }
                Some("attribute") => match (current.as_mut(), reading.take()) {
                    (Some(event), Some((name, value))) => {
                        event.attributes.push((name, value.trim().to_string()));
                    }
                    (None, Some((name, value))) => {
                        object_attributes.push((name, value.trim().to_string()));
                    }
                    _ => {}
                },
                _ => {}
            },
            XmlEvent::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    Ok(log)
}
