//! OCEL 2.0 object-centric logs (JSON and XML), flattened to the items of one object type.
//!
//! An event may touch several objects (an order, its invoice, a payment). A value stream follows
//! one kind of thing, so the user picks the object type, and each event becomes an event of every
//! object of that type it relates to. The whole log is read into memory: OCEL files hold their
//! objects and events in separate sections, so there is nothing to stream.
//!
//! An item may also take the events of the objects its object links to
//! ([`ReadOptions::follow`]): an issue's journey passes through its pull requests, their merge
//! commits and the releases that shipped them.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use serde::Deserialize;

use crate::guard::{JsonGuard, Stop};
use crate::xes::LogNames;
pub mod sqlite;
mod xml;
pub(crate) use xml::parse_xml;

use crate::{
    Attributes, Event, Flow, ImportStats, IngestError, Lifecycle, Place, ReadError, ReadOptions,
    TraceSink,
};

/// One event: its type, time, the objects it relates to, and its attributes (name, value).
struct OcelEvent {
    activity: String,
    time: String,
    objects: Vec<String>,
    attributes: Vec<(String, String)>,
    /// Where it is, for messages: the event id.
    id: String,
}

/// An object of an object-centric log, as the items' events name the objects they came through
/// ([`crate::Trace::objects`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogObject {
    /// Its id in the log (the store's `ocel_id`: `git:<sha>`, `github:owner/repo/pull/12`).
    pub id: String,
    /// Its object type (`commit`, `release`).
    pub kind: String,
    /// A name people read, when the object has one: the latest value of its first attribute of
    /// [`NAME_ATTRIBUTES`] (a release's tag, an issue's key, a commit's title).
    pub name: Option<String>,
}

/// The object attributes that name an object for people, the first present winning.
pub const NAME_ATTRIBUTES: [&str; 4] = ["name", "tag", "key", "title"];

/// The name of an object with these attributes (name, value; later values of one attribute
/// replace earlier ones), by [`NAME_ATTRIBUTES`].
fn readable_name<'v>(attributes: impl IntoIterator<Item = (&'v str, &'v str)>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for (name, value) in attributes {
        let Some(rank) = NAME_ATTRIBUTES.iter().position(|n| *n == name) else {
            continue;
        };
        if !value.trim().is_empty() && best.is_none_or(|(b, _)| rank <= b) {
            best = Some((rank, value));
        }
    }
    best.map(|(_, value)| value.trim().to_string())
}

/// The parts of an OCEL log that matter here.
#[derive(Default)]
pub(crate) struct OcelLog {
    /// The objects, in file order.
    objects: Vec<LogObject>,
    events: Vec<OcelEvent>,
    /// Object-to-object links: source id, target id, qualifier.
    links: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonLog {
    #[serde(default)]
    objects: Vec<JsonObject>,
    #[serde(default)]
    events: Vec<JsonEvent>,
    #[serde(default)]
    object_types: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct JsonObject {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    attributes: Vec<JsonAttribute>,
    /// Its links to other objects (OCEL 2.0's object-to-object relationships).
    #[serde(default)]
    relationships: Vec<JsonRelationship>,
}

#[derive(Deserialize)]
struct JsonEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    time: String,
    #[serde(default)]
    relationships: Vec<JsonRelationship>,
    #[serde(default)]
    attributes: Vec<JsonAttribute>,
}

#[derive(Deserialize)]
struct JsonAttribute {
    name: String,
    value: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelationship {
    object_id: String,
    #[serde(default)]
    qualifier: String,
}

fn place(file: &str, field: Option<String>) -> Place {
    Place {
        file: file.to_string(),
        field,
        ..Place::default()
    }
}

/// The place of a byte of the (decompressed) text.
fn at_byte(file: &str, byte: u64) -> Place {
    Place {
        byte: Some(byte),
        ..place(file, None)
    }
}

/// The objects and events of an OCEL 2.0 JSON log, no value longer than `limit`.
pub(crate) fn parse_json(input: impl Read, file: &str, limit: u64) -> Result<OcelLog, IngestError> {
    let guarded = std::io::BufReader::new(JsonGuard::new(input, limit));
    let log: JsonLog = serde_json::from_reader(guarded).map_err(|error| {
        if error.is_io() {
            let cause = std::io::Error::from(error);
            return match Stop::of(&cause) {
                Some(stop) => stop.to_error(file, "one value", limit),
                None => IngestError::Io {
                    file: file.to_string(),
                    cause,
                },
            };
        }
        IngestError::invalid(
            Place {
                file: file.to_string(),
                line: Some(error.line() as u64),
                column: Some(error.column() as u64),
                ..Place::default()
            },
            format!(
                "this is not an OCEL 2.0 JSON log: {}",
                crate::error::cut_message(&error.to_string())
            ),
            "an OCEL 2.0 JSON file has `objectTypes`, `eventTypes`, `objects` and `events`",
        )
    })?;
    let _ = log.object_types;
    let mut links = Vec::new();
    let mut objects = Vec::with_capacity(log.objects.len());
    for object in log.objects {
        let texts: Vec<(String, String)> = object
            .attributes
            .into_iter()
            .map(|a| (a.name, json_text(a.value)))
            .collect();
        for link in object.relationships {
            links.push((object.id.clone(), link.object_id, link.qualifier));
        }
        objects.push(LogObject {
            name: readable_name(texts.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            id: object.id,
            kind: object.kind,
        });
    }
    let parsed = OcelLog {
        objects,
        links,
        events: log
            .events
            .into_iter()
            .map(|e| OcelEvent {
                activity: e.kind,
                time: e.time,
                objects: e.relationships.into_iter().map(|r| r.object_id).collect(),
                attributes: e
                    .attributes
                    .into_iter()
                    .map(|a| (a.name, json_text(a.value)))
                    .collect(),
                id: e.id,
            })
            .collect(),
    };
    Ok(parsed)
}

/// A JSON attribute value as text: a string as it is, anything else as JSON.
fn json_text(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    }
}

/// Hands the items of the chosen object type to the sink, until it stops the read.
pub(crate) fn flatten<S: TraceSink>(
    log: &OcelLog,
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
    sink: &mut S,
) -> Result<ImportStats, ReadError<S::Error>> {
    let (items, mut stats) = by_object(log, file, options, names)?;
    // An event shared by several objects of the type reaches each of their items, and is used
    // once it has reached one.
    let mut handed_on = vec![false; log.events.len()];
    for item in items {
        stats.items += 1;
        for &source in &item.sources {
            if !std::mem::replace(&mut handed_on[source], true) {
                stats.events_used += 1;
            }
        }
        let mut trace = names.trace(item.id, &item.events, &item.attributes);
        trace.origins = &item.origins;
        trace.objects = &log.objects;
        let flow = sink.trace(trace).map_err(ReadError::Sink)?;
        if flow == Flow::Stop {
            break;
        }
    }
    crate::finished(sink, stats)
}

/// One object's journey: its events, their attributes, where in the log each event is, and the
/// object each came through (its place in the log's objects).
#[derive(Default)]
struct Item<'a> {
    id: &'a str,
    events: Vec<Event>,
    attributes: Vec<Attributes>,
    sources: Vec<usize>,
    origins: Vec<u32>,
}

/// Each event of an object of the chosen type, in time order of the file, per object; objects
/// without events left out.
fn by_object<'a>(
    log: &'a OcelLog,
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
) -> Result<(Vec<Item<'a>>, ImportStats), IngestError> {
    // Events name objects by id: two objects with one id make every such reference ambiguous.
    let mut declared: HashMap<&str, usize> = HashMap::with_capacity(log.objects.len());
    for (position, LogObject { id, kind, .. }) in log.objects.iter().enumerate() {
        if let Some(&first) = declared.get(id.as_str()) {
            return Err(IngestError::invalid(
                place(file, Some(format!("object {id}"))),
                format!(
                    "objects {} (type `{}`) and {} (type `{kind}`) both have the id `{id}`",
                    first + 1,
                    log.objects[first].kind,
                    position + 1
                ),
                "give each object its own id: events name their objects by id, so vsm cannot tell which one they mean",
            ));
        }
        declared.insert(id, position);
    }
    let mut per_type: BTreeMap<&str, usize> = BTreeMap::new();
    for object in &log.objects {
        *per_type.entry(object.kind.as_str()).or_default() += 1;
    }
    let listed = per_type
        .iter()
        .map(|(kind, count)| {
            format!(
                "`{kind}` ({count} object{})",
                if *count == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let chosen = match (&options.object_type, per_type.len()) {
        (Some(kind), _) if per_type.contains_key(kind.as_str()) => kind.clone(),
        (Some(kind), _) => {
            return Err(IngestError::invalid(
                place(file, None),
                format!("there is no object type `{kind}` in this log"),
                format!("the object types are {listed}; pick one with --object-type NAME"),
            ));
        }
        (None, 1) => (*per_type.keys().next().expect("one type")).to_string(),
        (None, _) => {
            return Err(IngestError::invalid(
                place(file, None),
                "this is an object-centric log (OCEL 2.0) with several object types",
                format!(
                    "choose the object type whose journey is the stream with --object-type NAME: {listed}"
                ),
            ));
        }
    };
    let mut items: Vec<Item<'a>> = Vec::new();
    for object in &log.objects {
        if object.kind == chosen {
            items.push(Item {
                id: object.id.as_str(),
                ..Item::default()
            });
        }
    }
    let index = owners(log, &items, file, &options.follow)?;
    let following = !options.follow.is_empty();
    // Per event: the items it reaches, each once, and the object it reaches each through.
    let mut reached: Vec<(usize, u32)> = Vec::new();
    let mut stats = ImportStats::default();
    let mut event_ids: std::collections::HashSet<&str> =
        std::collections::HashSet::with_capacity(log.events.len());
    for (source, event) in log.events.iter().enumerate() {
        stats.events_read += 1;
        let first_time = event_ids.insert(event.id.as_str());
        let problem = if first_time {
            event
                .objects
                .iter()
                .find(|object| !declared.contains_key(object.as_str()))
                .map(|object| {
                    (
                        format!(
                            "the event relates to object `{object}`, which the log does not declare"
                        ),
                        "declare the object under `objects`, or correct the event's reference",
                    )
                })
        } else {
            Some((
                format!("a second event with the id `{}`", event.id),
                "give each event its own id",
            ))
        };
        if let Some((message, help)) = problem {
            let where_ = place(file, Some(format!("event {}", event.id)));
            if options.skip_invalid {
                stats.skip(where_, message);
                continue;
            }
            return Err(IngestError::invalid(
                where_,
                message,
                format!("{help}, or pass --skip-invalid to leave such events out"),
            ));
        }
        let timestamp = match options.timestamps.parse(&event.time) {
            Ok(timestamp) => timestamp,
            Err(error) => {
                let where_ = place(file, Some(format!("time of event {}", event.id)));
                if options.skip_invalid {
                    stats.skip(where_, error.to_string());
                    continue;
                }
                return Err(IngestError::invalid(
                    where_,
                    error.to_string(),
                    format!(
                        "{}, or pass --skip-invalid to leave such events out",
                        crate::TimestampError::help()
                    ),
                ));
            }
        };
        let activity = names.activities.intern(&event.activity);
        // The attributes asked for, by their place in `options.attributes`.
        let kept: Option<Attributes> = (!options.attributes.is_empty()).then(|| {
            event
                .attributes
                .iter()
                .filter_map(|(name, value)| {
                    let position = options.attributes.iter().position(|a| a == name)?;
                    Some((position as u32, names.values.intern(value)))
                })
                .collect()
        });
        // Once per item, however many of its objects the event touches: through the item's own
        // object if it is one of them, else through the first that reaches it.
        reached.clear();
        for object in &event.objects {
            let (Some(slots), Some(&origin)) =
                (index.get(object.as_str()), declared.get(object.as_str()))
            else {
                continue;
            };
            for &slot in slots {
                let own = items[slot].id == object.as_str();
                match reached.iter_mut().find(|(s, _)| *s == slot) {
                    Some(entry) if own => entry.1 = origin as u32,
                    Some(_) => {}
                    None => reached.push((slot, origin as u32)),
                }
            }
        }
        reached.sort_unstable_by_key(|&(slot, _)| slot);
        let used = !reached.is_empty();
        for &(slot, origin) in &reached {
            let item = &mut items[slot];
            item.sources.push(source);
            item.origins.push(origin);
            item.events.push(Event {
                activity,
                timestamp,
                start: None,
                lifecycle: Lifecycle::Complete,
                resource: None,
            });
            if let Some(kept) = &kept {
                item.attributes.push(kept.clone());
            }
        }
        if !used {
            // Not an error: the event belongs to other objects' journeys. Counted all the same.
            stats.of_other_objects(&event.activity);
        }
    }
    items.retain(|item| !item.events.is_empty());
    if following {
        // Events reached through links come from all over the log: put each item's in time
        // order (of equal times, in the log's order).
        for item in &mut items {
            let mut order: Vec<usize> = (0..item.events.len()).collect();
            order.sort_by_key(|&i| item.events[i].timestamp);
            item.events = order.iter().map(|&i| item.events[i]).collect();
            item.sources = order.iter().map(|&i| item.sources[i]).collect();
            item.origins = order.iter().map(|&i| item.origins[i]).collect();
            if !item.attributes.is_empty() {
                item.attributes = order.iter().map(|&i| item.attributes[i].clone()).collect();
            }
        }
    }
    Ok((items, stats))
}

/// For each object whose events reach items, the items' places in `items`: each item's own
/// object, and with `follow`, every object reached from it through links with those qualifiers,
/// from a link's source to its target, link after link.
fn owners<'a>(
    log: &'a OcelLog,
    items: &[Item<'a>],
    file: &str,
    follow: &[String],
) -> Result<HashMap<&'a str, Vec<usize>>, IngestError> {
    let mut owners: HashMap<&str, Vec<usize>> = HashMap::with_capacity(items.len());
    for (slot, item) in items.iter().enumerate() {
        owners.entry(item.id).or_default().push(slot);
    }
    if follow.is_empty() {
        return Ok(owners);
    }
    let mut qualifiers: BTreeMap<&str, usize> = BTreeMap::new();
    let mut targets: HashMap<&str, Vec<&str>> = HashMap::new();
    for (source, target, qualifier) in &log.links {
        *qualifiers.entry(qualifier.as_str()).or_default() += 1;
        if follow.contains(qualifier) {
            targets
                .entry(source.as_str())
                .or_default()
                .push(target.as_str());
        }
    }
    if let Some(unknown) = follow.iter().find(|q| !qualifiers.contains_key(q.as_str())) {
        let listed = if qualifiers.is_empty() {
            "the log links no objects".to_string()
        } else {
            format!(
                "its links are {}",
                qualifiers
                    .iter()
                    .map(|(q, n)| format!("`{q}` ({n})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(IngestError::invalid(
            place(file, None),
            format!("there is no object link `{unknown}` in this log to follow"),
            format!("{listed}; follow only those"),
        ));
    }
    for (slot, item) in items.iter().enumerate() {
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::from([item.id]);
        let mut next = vec![item.id];
        while let Some(object) = next.pop() {
            for &target in targets.get(object).into_iter().flatten() {
                if seen.insert(target) {
                    owners.entry(target).or_default().push(slot);
                    next.push(target);
                }
            }
        }
    }
    Ok(owners)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Values(Vec<Vec<String>>);

    impl TraceSink for Values {
        type Error = std::convert::Infallible;

        fn trace(&mut self, trace: crate::Trace<'_>) -> Result<Flow, Self::Error> {
            for event in trace.attributes {
                self.0.push(
                    event
                        .iter()
                        .map(|&(_, v)| trace.values.get(v).to_string())
                        .collect(),
                );
            }
            Ok(Flow::Continue)
        }
    }

    #[test]
    fn xml_attribute_values_keep_their_entities() {
        let xml = r#"<?xml version="1.0"?>
<log>
  <objects><object id="o1" type="Order"/></objects>
  <events>
    <event id="e1" type="Ship" time="2024-01-01T00:00:00Z">
      <attributes><attribute name="team">R&amp;D &#233;quipe</attribute></attributes>
      <objects><relationship object-id="o1"/></objects>
    </event>
  </events>
</log>"#;
        let options = ReadOptions {
            attributes: vec!["team".into()],
            ..ReadOptions::default()
        };
        let mut names = LogNames::default();
        let mut sink = Values::default();
        let log = parse_xml(xml.as_bytes(), "t.xmlocel", options.limits.field).unwrap();
        flatten(&log, "t.xmlocel", &options, &mut names, &mut sink).unwrap();
        assert_eq!(sink.0, [["R&D équipe"]]);
    }

    #[test]
    fn objects_are_named_by_their_name_tag_key_or_title_alike_in_json_and_xml() {
        // v1 is named by its latest tag (over its title); c1 by its title; o1 has no name.
        let json = r#"{"objects": [
            {"id": "v1", "type": "release", "attributes": [
                {"name": "title", "time": "1970-01-01T00:00:00Z", "value": "First release"},
                {"name": "tag", "time": "1970-01-01T00:00:00Z", "value": "v1.0"},
                {"name": "tag", "time": "2024-01-01T00:00:00Z", "value": "v1.0.0"}]},
            {"id": "c1", "type": "commit", "attributes": [
                {"name": "title", "time": "1970-01-01T00:00:00Z", "value": " Fix the pool "}],
             "relationships": [{"objectId": "v1", "qualifier": "released_in"}]},
            {"id": "o1", "type": "order", "attributes": [
                {"name": "amount", "time": "1970-01-01T00:00:00Z", "value": 12}]}],
            "events": []}"#;
        let xml = r#"<?xml version="1.0"?>
<log><objects>
  <object id="v1" type="release"><attributes>
    <attribute name="title" time="1970-01-01T00:00:00Z">First release</attribute>
    <attribute name="tag" time="1970-01-01T00:00:00Z">v1.0</attribute>
    <attribute name="tag" time="2024-01-01T00:00:00Z">v1.0.0</attribute>
  </attributes></object>
  <object id="c1" type="commit">
    <attributes><attribute name="title" time="1970-01-01T00:00:00Z"> Fix the pool </attribute></attributes>
    <objects><relationship object-id="v1" qualifier="released_in"/></objects>
  </object>
  <object id="o1" type="order"><attributes>
    <attribute name="amount" time="1970-01-01T00:00:00Z">12</attribute>
  </attributes></object>
</objects><events/></log>"#;
        let from_json = parse_json(json.as_bytes(), "t.jsonocel", 1 << 20).unwrap();
        let from_xml = parse_xml(xml.as_bytes(), "t.xmlocel", 1 << 20).unwrap();
        for log in [&from_json, &from_xml] {
            let names: Vec<(&str, Option<&str>)> = log
                .objects
                .iter()
                .map(|o| (o.id.as_str(), o.name.as_deref()))
                .collect();
            assert_eq!(
                names,
                [
                    ("v1", Some("v1.0.0")),
                    ("c1", Some("Fix the pool")),
                    ("o1", None)
                ]
            );
            assert_eq!(
                log.links,
                [(
                    "c1".to_string(),
                    "v1".to_string(),
                    "released_in".to_string()
                )]
            );
        }
    }
}
