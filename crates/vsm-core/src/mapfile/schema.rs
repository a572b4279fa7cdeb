//! The JSON Schema of the map file, generated from the field tables the reader uses.

use serde_json::{Map, Value, json};

use super::fields::{FieldSpec, Kind, MAP, ObjectSpec};

/// Pattern of a duration such as `90s`, `1.5h` or `1d 4h`.
const DURATION_PATTERN: &str = r"^\s*(0|(\d+(\.\d+)?\s*(ms|msec|millis|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)[\s,]*)+)\s*$";
/// Pattern of a percentage such as `75%` or `87.5`.
const PERCENT_PATTERN: &str = r"^\s*\d+(\.\d+)?\s*%?\s*$";
/// Pattern of a rate such as `1/day`, `0.5/d`, `3/week` or `2/month`.
const RATE_PATTERN: &str = r"^\s*\d+(\.\d+)?\s*/\s*(day|d|week|w|month)\s*$";
/// Pattern of working time a day or week: `7h 40m/day`.
const TIME_PER_DAY_PATTERN: &str =
    r"^\s*(\d+(\.\d+)?\s*(ms|s|m|h|d|w)[a-z]*[\s,]*)+/\s*(day|d|week|w)\s*$";
const ID_PATTERN: &str = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$";

/// The JSON Schema (draft-07, which every YAML editor plugin understands) of a map file.
pub fn json_schema() -> Value {
    let mut definitions = Map::new();
    collect_definitions(&MAP, &mut definitions);
    definitions.insert(
        "duration".into(),
        json!({
            "description": "A duration: a number with a unit (ms, s, m, h, d = 24h, w = 7d), or several: `90s`, `45m`, `1.5h`, `1d 4h`.",
            "anyOf": [
                { "type": "string", "pattern": DURATION_PATTERN },
                { "const": 0 }
            ]
        }),
    );
    definitions.insert(
        "percent".into(),
        json!({
            "description": "A percentage from 0 to 100, with or without `%`: `75%`, `75`.",
            "anyOf": [
                { "type": "string", "pattern": PERCENT_PATTERN },
                { "type": "number", "minimum": 0, "maximum": 100 }
            ]
        }),
    );
    definitions.insert(
        "rate".into(),
        json!({
            "description": "How often: a number per day, week (7 days) or month (30 days): `1/day`, `3/week`, `2/month`.",
            "type": "string",
            "pattern": RATE_PATTERN
        }),
    );
    definitions.insert(
        "item_rate".into(),
        json!({
            "description": "Items per working day, week or month (`working_week`, `working_month` days): `920/day`, `40/week`, `18400/month`.",
            "type": "string",
            "pattern": RATE_PATTERN
        }),
    );
    definitions.insert(
        "id".into(),
        json!({
            "description": "An identifier: letters, digits, `-`, `_` and `.`, starting with a letter or digit; at most 100 characters.",
            "type": "string",
            "pattern": ID_PATTERN,
            "maxLength": super::values::MAX_ID_CHARS
        }),
    );
    let mut schema = object_schema(&MAP);
    // A map either stands alone (name and steps) or extends another.
    if let Some(object) = schema.as_object_mut() {
        object.remove("required");
        object.insert(
            "anyOf".into(),
            json!([{ "required": ["name", "steps"] }, { "required": ["extends"] }]),
        );
    }
    let root = schema.as_object_mut().expect("an object schema");
    let mut document = Map::new();
    document.insert(
        "$schema".into(),
        json!("http://json-schema.org/draft-07/schema#"),
    );
    document.insert(
        "$id".into(),
        json!("https://vsm.dev/schema/vsm-map.schema.json"),
    );
    document.insert("title".into(), json!("vsm value stream map"));
    document.append(root);
    document.insert("definitions".into(), Value::Object(definitions));
    Value::Object(document)
}

fn collect_definitions(spec: &'static ObjectSpec, definitions: &mut Map<String, Value>) {
    for field in spec.fields {
        if let Kind::Object(child) | Kind::List(child) = field.kind {
            let name = definition_name(child);
            if !definitions.contains_key(&name) {
                definitions.insert(name, object_schema(child));
                collect_definitions(child, definitions);
            }
        }
    }
}

fn definition_name(spec: &ObjectSpec) -> String {
    spec.noun.replace(' ', "_")
}

fn object_schema(spec: &ObjectSpec) -> Value {
    let properties: Map<String, Value> = spec
        .fields
        .iter()
        .map(|field| (field.name.to_string(), field_schema(field)))
        .collect();
    let required: Vec<&str> = spec
        .fields
        .iter()
        .filter(|field| field.required)
        .map(|field| field.name)
        .collect();
    let mut schema = json!({
        "description": spec.description,
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn field_schema(field: &FieldSpec) -> Value {
    let reference = |name: &str| json!({ "$ref": format!("#/definitions/{name}") });
    let mut schema = match &field.kind {
        Kind::Text => json!({ "type": "string" }),
        Kind::Id => reference("id"),
        Kind::StepRef | Kind::EndpointRef => json!({ "type": "string" }),
        Kind::StepRefs => json!({
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        }),
        // One text or a list of them, as the reader accepts.
        Kind::TextList => json!({
            "anyOf": [
                { "type": "string" },
                { "type": "array", "items": { "type": "string" } }
            ]
        }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Integer { min } => json!({ "type": "integer", "minimum": min }),
        Kind::Duration => reference("duration"),
        Kind::Percent => reference("percent"),
        Kind::Rate => reference("rate"),
        Kind::ItemRate => reference("item_rate"),
        Kind::Demand => json!({
            "anyOf": [
                reference("item_rate"),
                { "type": "object", "additionalProperties": reference("item_rate") }
            ]
        }),
        Kind::Queue => json!({
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "object", "additionalProperties": { "type": "number", "minimum": 0 } }
            ]
        }),
        Kind::TimePerDay => json!({ "type": "string", "pattern": TIME_PER_DAY_PATTERN }),
        Kind::NamedTextLists => json!({
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    { "type": "string" },
                    { "type": "array", "items": { "type": "string" } }
                ]
            }
        }),
        Kind::Date => {
            json!({ "type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$" })
        }
        Kind::Choice(choices) => json!({ "enum": choices }),
        Kind::Object(spec) => reference(&definition_name(spec)),
        Kind::List(spec) => json!({ "type": "array", "items": reference(&definition_name(spec)) }),
    };
    let object = schema.as_object_mut().expect("an object schema");
    if object.contains_key("$ref") {
        // draft-07 ignores siblings of `$ref`; wrap it so the description survives.
        let inner = Value::Object(std::mem::take(object));
        object.insert("allOf".into(), json!([inner]));
    }
    object.insert("description".into(), json!(field.description));
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_of_a_step_is_in_the_schema() {
        let schema = json_schema();
        let step = &schema["definitions"]["step"]["properties"];
        for name in super::super::fields::STEP.names() {
            assert!(step.get(name).is_some(), "{name} missing from the schema");
        }
        assert_eq!(
            schema["anyOf"],
            json!([{ "required": ["name", "steps"] }, { "required": ["extends"] }])
        );
        assert!(schema["properties"]["extends"].is_object());
    }

    #[test]
    fn patterns_agree_with_the_parsers() {
        // Editors check values with these patterns; vsm checks them with the parsers. A value
        // must pass both or neither.
        let duration = regex::Regex::new(DURATION_PATTERN).unwrap();
        for text in [
            "90s",
            "45m",
            "2h",
            "1.5h",
            "3d",
            "1w",
            "1d 4h",
            "1d4h30m",
            "2 hours",
            "250ms",
            "0",
            "3",
            "-2h",
            "soon",
            "3 fortnights",
            "",
            "h",
            "1..5h",
        ] {
            assert_eq!(
                duration.is_match(text),
                text.parse::<crate::Duration>().is_ok(),
                "duration `{text}`"
            );
        }
        let rate = regex::Regex::new(RATE_PATTERN).unwrap();
        for text in [
            "1/day", "0.5/d", "3 / week", "2/w", "1/month", "1", "1/year", "/day", "1/", "-1/day",
            "1/Day",
        ] {
            assert_eq!(
                rate.is_match(text),
                crate::dora::per_day(text).is_some(),
                "rate `{text}`"
            );
        }
        let percent = regex::Regex::new(PERCENT_PATTERN).unwrap();
        for text in ["75%", "75", "87.5", "100 %", "0", "most", "-5%", "%"] {
            assert_eq!(
                percent.is_match(text),
                text.parse::<crate::Percent>().is_ok(),
                "percent `{text}`"
            );
        }
    }
}
