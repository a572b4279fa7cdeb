//! What a pull stores: the batch a connector read, cut into units, each kept as JSON in one
//! delivery: one per object (its attributes, its outgoing links, whether it was read in full)
//! and one per event; each with bare copies (id and type) of the objects it names, so that it
//! can be written alone. A unit read again unchanged is the same text, so a pull that reads
//! what it read before stores nothing again; an object that changed stores its new unit.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value as Json, json};
use vsm_events::{Batch, Event, EventType, Object, ObjectType, Owned, Relation, Value};

/// `batch` cut into units, each as (what it is: `object ID` or `event ID`, its JSON), by that.
pub fn split(batch: &Batch) -> Result<Vec<(String, String)>, String> {
    let kinds: HashMap<&str, ObjectType> = batch
        .objects
        .iter()
        .map(|o| (o.id.as_str(), o.kind))
        .collect();
    let mut units: BTreeMap<String, Batch> = BTreeMap::new();
    for object in &batch.objects {
        let unit = units.entry(format!("object {}", object.id)).or_default();
        unit.objects.push(object.clone());
    }
    for relation in &batch.relations {
        let unit = units
            .entry(format!("object {}", relation.source))
            .or_default();
        unit.relations.push(relation.clone());
    }
    for owned in &batch.owned {
        let Owned::Links { object, .. } = owned else {
            return Err(format!(
                "the connector gave {owned:?}, which a pull cannot store; report this as a bug"
            ));
        };
        units
            .entry(format!("object {object}"))
            .or_default()
            .owned
            .push(owned.clone());
    }
    for event in &batch.events {
        let unit = units.entry(format!("event {}", event.id)).or_default();
        unit.events.push(event.clone());
    }
    units
        .into_iter()
        .map(|(key, mut unit)| {
            let named: Vec<String> = unit
                .relations
                .iter()
                .flat_map(|r| [r.source.clone(), r.target.clone()])
                .chain(
                    unit.events
                        .iter()
                        .flat_map(|e| e.objects.iter().map(|(id, _)| id.clone())),
                )
                .collect();
            for id in named {
                if let Some(&kind) = kinds.get(id.as_str())
                    && !unit.objects.iter().any(|o| o.id == id)
                {
                    unit.objects.push(Object {
                        id,
                        kind,
                        attributes: Vec::new(),
                    });
                }
            }
            Ok((key, to_json(&unit)?.to_string()))
        })
        .collect()
}

fn to_json(unit: &Batch) -> Result<Json, String> {
    let objects: Vec<Json> = unit
        .objects
        .iter()
        .map(|o| {
            Ok(json!({"id": o.id, "type": o.kind.as_str(), "attributes": attributes(&o.attributes)?}))
        })
        .collect::<Result<_, String>>()?;
    let events: Vec<Json> = unit
        .events
        .iter()
        .map(|e| {
            Ok(json!({
                "id": e.id,
                "type": e.kind.as_str(),
                "time": e.time.to_string(),
                "attributes": attributes(&e.attributes)?,
                "objects": e.objects,
            }))
        })
        .collect::<Result<_, String>>()?;
    let relations: Vec<Json> = unit
        .relations
        .iter()
        .map(|r| json!([r.source, r.target, r.qualifier]))
        .collect();
    let owned: Vec<Json> = unit
        .owned
        .iter()
        .filter_map(|o| match o {
            Owned::Links { object, qualifiers } => Some(json!([object, qualifiers])),
            Owned::Objects { .. } | Owned::Renamed { .. } => None,
        })
        .collect();
    Ok(json!({"objects": objects, "events": events, "relations": relations, "read_in_full": owned}))
}

fn attributes(attributes: &[(String, Value)]) -> Result<Json, String> {
    attributes
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Value::Text(text) => json!({"text": text}),
                Value::Integer(n) => json!({"integer": n}),
                Value::Float(x) if x.is_finite() => json!({"float": x}),
                Value::Float(x) => {
                    return Err(format!(
                        "the attribute `{name}` is {x}, not a number JSON can hold"
                    ));
                }
                Value::Bool(b) => json!({"bool": b}),
                Value::Time(t) => json!({"time": t.to_string()}),
            };
            Ok(json!([name, value]))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Json::Array)
}

/// A unit back from its JSON, or what is wrong with it.
pub fn read(text: &str) -> Result<Batch, String> {
    let unit: Json = serde_json::from_str(text).map_err(|e| format!("not a pulled unit: {e}"))?;
    let list = |name: &str| unit[name].as_array().cloned().unwrap_or_default();
    let text_of = |value: &Json, what: &str| {
        value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("a pulled unit whose {what} is not a text"))
    };
    let mut batch = Batch::default();
    for object in list("objects") {
        let kind = text_of(&object["type"], "object type")?;
        batch.objects.push(Object {
            id: text_of(&object["id"], "object id")?,
            kind: ObjectType::from_name(&kind)
                .ok_or_else(|| format!("a pulled object of unknown type `{kind}`"))?,
            attributes: read_attributes(&object["attributes"])?,
        });
    }
    for event in list("events") {
        let kind = text_of(&event["type"], "event type")?;
        let time = text_of(&event["time"], "event time")?;
        let objects = event["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|pair| {
                Ok((
                    text_of(&pair[0], "event object")?,
                    text_of(&pair[1], "qualifier")?,
                ))
            })
            .collect::<Result<_, String>>()?;
        batch.events.push(Event {
            id: text_of(&event["id"], "event id")?,
            kind: EventType::from_name(&kind)
                .ok_or_else(|| format!("a pulled event of unknown type `{kind}`"))?,
            time: time
                .parse()
                .map_err(|e| format!("a pulled event's time `{time}`: {e}"))?,
            attributes: read_attributes(&event["attributes"])?,
            objects,
        });
    }
    for relation in list("relations") {
        batch.relations.push(Relation {
            source: text_of(&relation[0], "link source")?,
            target: text_of(&relation[1], "link target")?,
            qualifier: text_of(&relation[2], "link qualifier")?,
        });
    }
    for owned in list("read_in_full") {
        let qualifiers = owned[1]
            .as_array()
            .into_iter()
            .flatten()
            .map(|q| text_of(q, "qualifier"))
            .collect::<Result<_, String>>()?;
        batch.owned.push(Owned::Links {
            object: text_of(&owned[0], "object read in full")?,
            qualifiers,
        });
    }
    Ok(batch)
}

fn read_attributes(value: &Json) -> Result<Vec<(String, Value)>, String> {
    let mut read = Vec::new();
    for pair in value.as_array().into_iter().flatten() {
        let name = pair[0]
            .as_str()
            .ok_or("a pulled attribute without a name")?
            .to_string();
        let typed = &pair[1];
        let value = if let Some(text) = typed["text"].as_str() {
            Value::Text(text.to_string())
        } else if let Some(n) = typed["integer"].as_i64() {
            Value::Integer(n)
        } else if let Some(x) = typed["float"].as_f64() {
            Value::Float(x)
        } else if let Some(b) = typed["bool"].as_bool() {
            Value::Bool(b)
        } else if let Some(t) = typed["time"].as_str() {
            Value::Time(
                t.parse()
                    .map_err(|e| format!("the pulled attribute `{name}`'s time `{t}`: {e}"))?,
            )
        } else {
            return Err(format!(
                "the pulled attribute `{name}` has no value of a known type"
            ));
        };
        read.push((name, value));
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_cut_into_units_comes_back_whole() {
        let at: jiff::Timestamp = "2024-03-01T10:00:00Z".parse().unwrap();
        let batch = Batch {
            objects: vec![
                Object {
                    id: "github:o/r/pull/4".into(),
                    kind: ObjectType::PullRequest,
                    attributes: vec![
                        ("title".into(), Value::Text("a".into())),
                        ("number".into(), Value::Integer(4)),
                        ("draft".into(), Value::Bool(false)),
                        ("size".into(), Value::Float(1.5)),
                        ("seen".into(), Value::Time(at)),
                    ],
                },
                Object {
                    id: "git:abc".into(),
                    kind: ObjectType::Commit,
                    attributes: vec![("title".into(), Value::Text("fix".into()))],
                },
            ],
            events: vec![Event {
                id: "github:o/r/pull/4/merged".into(),
                kind: EventType::PrMerged,
                time: at,
                attributes: Vec::new(),
                objects: vec![
                    ("github:o/r/pull/4".into(), "pull_request".into()),
                    ("git:abc".into(), "merge_commit".into()),
                ],
            }],
            relations: vec![Relation {
                source: "github:o/r/pull/4".into(),
                target: "git:abc".into(),
                qualifier: "merged_as".into(),
            }],
            owned: vec![Owned::Links {
                object: "github:o/r/pull/4".into(),
                qualifiers: vec!["merged_as".into()],
            }],
        };
        let units = split(&batch).unwrap();
        let keys: Vec<&str> = units.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "event github:o/r/pull/4/merged",
                "object git:abc",
                "object github:o/r/pull/4"
            ]
        );
        assert_eq!(
            split(&batch).unwrap(),
            units,
            "the same batch, the same text"
        );
        let pull = read(&units[2].1).unwrap();
        assert_eq!(pull.objects[0], batch.objects[0]);
        // The commit it links to comes along bare, so the unit can be written alone.
        assert_eq!(pull.objects[1].id, "git:abc");
        assert!(pull.objects[1].attributes.is_empty());
        assert_eq!((pull.relations, pull.owned), (batch.relations, batch.owned));
        let merged = read(&units[0].1).unwrap();
        assert_eq!(merged.events, batch.events);
        assert_eq!(merged.objects.len(), 2, "both objects it names, bare");
        assert_eq!(
            read(&units[1].1).unwrap().objects,
            vec![batch.objects[1].clone()]
        );
        for broken in [
            "",
            "{\"objects\": [{\"id\": \"x\", \"type\": \"spaceship\"}]}",
        ] {
            assert!(read(broken).is_err(), "{broken}");
        }
    }
}
