//! vsm's generic events endpoint, for what has no webhooks of its own (a deploy script, a CI
//! job, a ticket system's automation): `Authorization: Bearer TOKEN` (the source's token), and
//! a JSON body that is one event or `{"events": [...]}`. An event is
//! `{"id", "case", "activity", "time", "lifecycle"?, "attributes"?}`: the id is its delivery id
//! (unique within the source; sent again, it is stored once), `time` an RFC 3339 time with its
//! offset, `lifecycle` `start` or `complete`, `attributes` a map of strings. Every event is
//! checked before any is stored: one bad event refuses the whole body (422), naming each bad
//! event's index and field.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use vsm_core::diagnostic::{did_you_mean, shorten};

use super::{MAX_ID, find, json_text, refused, stored, token_matches, unsigned};
use crate::App;
use crate::api::{ApiError, ErrorBody};
use crate::store::{NewDelivery, SourceKind};

/// The first and last years an event's time may fall in: a year 1 or 9999 is a zero value or a
/// typing mistake, and would make every lead time through it wrong.
const FIRST_YEAR: i16 = 1970;
const LAST_YEAR: i16 = 9998;
/// 9999-01-01T00:00:00Z in Unix seconds: times run from 0 (1970) up to it.
const UNTIL_SECOND: i64 = 253_370_764_800;

/// An event's fields, in the order the messages list them.
const FIELDS: [&str; 6] = ["id", "case", "activity", "time", "lifecycle", "attributes"];

/// The most problems a refusal lists (the count says how many more).
const MAX_PROBLEMS: usize = 50;

/// Events of the generic endpoint, with the source's token as `Authorization: Bearer TOKEN`: one
/// event `{"id", "case", "activity", "time", "lifecycle"?, "attributes"?}`, or
/// `{"events": [...]}`; each event's id is its delivery id.
#[utoipa::path(
    post,
    path = "/hooks/events/{stream}/{source}",
    tag = "webhooks",
    params(super::HookPath),
    request_body(content = Object, content_type = "application/json", description = "One event, or `{\"events\": [...]}`"),
    responses(
        super::Answers,
        (status = 422, body = ErrorBody, description = "An event has errors: nothing stored; `problems` lists each event's index, field and message"),
    ),
    security(()),
)]
pub async fn deliver(
    State(app): State<App>,
    Path((stream, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let kind = SourceKind::Events;
    let token = crate::auth::bearer(&headers).ok_or_else(|| {
        unsigned(
            "Authorization",
            "send the source's token as `Authorization: Bearer TOKEN`",
        )
    })?;
    let source = find(&app, &stream, &name, kind).await?;
    if !token_matches(source.as_ref(), token) {
        return Err(refused(kind, "the token"));
    }
    let text = json_text(&body, &headers)?;
    let (events, batch) = split(text).map_err(|problem| refusal(vec![problem], 1))?;
    let mut checked = Vec::with_capacity(events.len());
    let mut problems = Vec::new();
    for (index, raw) in events.iter().enumerate() {
        match check(raw, batch.then_some(index)) {
            Ok(event) => checked.push(event),
            Err(found) => problems.extend(found),
        }
    }
    if !problems.is_empty() {
        return Err(refusal(problems, events.len()));
    }
    let deliveries: Vec<NewDelivery<'_>> = checked
        .iter()
        .map(|event| NewDelivery {
            delivery_id: &event.id,
            event: &event.activity,
            body: event.body,
        })
        .collect();
    let recorded = app
        .store
        .record_deliveries(&stream, &name, kind, &deliveries, crate::now())
        .await?;
    let ids: Vec<&str> = checked.iter().map(|event| event.id.as_str()).collect();
    stored(&recorded, &ids)
}

/// An event that passed: its id and activity, and its JSON as sent.
struct Checked<'b> {
    id: String,
    activity: String,
    body: &'b str,
}

/// What is wrong with one event (or with the body, with no index).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// The event's index in `events` (none for a single event, or the body as a whole).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<usize>,
    /// The field at fault (`attributes.team` for one attribute), if one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

/// The body of a refusal: a summary, and each problem.
#[derive(Debug, Serialize)]
struct Refusal {
    #[serde(flatten)]
    error: ErrorBody,
    problems: Vec<Problem>,
}

/// The 422 for `problems` among `count` events: nothing was stored.
fn refusal(mut problems: Vec<Problem>, count: usize) -> ApiError {
    let bad = {
        let mut events: Vec<_> = problems.iter().map(|p| p.event).collect();
        events.dedup();
        events.len()
    };
    let listed = problems.len().min(MAX_PROBLEMS);
    let more = problems.len() - listed;
    problems.truncate(listed);
    let first = &problems[0].message;
    let summary = if count > 1 {
        format!("{bad} of {count} events have errors, so none was stored; the first: {first}")
    } else {
        format!("nothing was stored: {first}")
    };
    let summary = if more > 0 {
        format!("{summary} ({more} more problems not listed)")
    } else {
        summary
    };
    let body = Refusal {
        error: ErrorBody {
            error: summary.clone(),
        },
        problems,
    };
    ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: summary,
        body: Some(serde_json::to_string(&body).expect("problems serialize")),
    }
}

/// The events in `text` (valid JSON): those of `{"events": [...]}`, with `true`, or the one
/// event it is, with `false`.
fn split(text: &str) -> Result<(Vec<&RawValue>, bool), Problem> {
    let body = |message: String| Problem {
        event: None,
        field: None,
        message,
    };
    let whole: &RawValue = serde_json::from_str(text).map_err(|e| body(e.to_string()))?;
    if !text.trim_start().starts_with('{') {
        return Ok((vec![whole], false));
    }
    let fields: BTreeMap<String, &RawValue> =
        serde_json::from_str(text).map_err(|e| body(e.to_string()))?;
    let Some(events) = fields.get("events") else {
        return Ok((vec![whole], false));
    };
    if let Some(other) = fields.keys().find(|k| *k != "events") {
        return Err(body(format!(
            "a batch is `{{\"events\": [...]}}` alone; it also has `{}`: move it into the events, or send one event without `events`",
            shorten(other)
        )));
    }
    let list: Vec<&RawValue> = serde_json::from_str(events.get()).map_err(|_| Problem {
        event: None,
        field: Some("events".into()),
        message: format!(
            "`events` is {}, not a list: write `{{\"events\": [{{...}}, {{...}}]}}`",
            described(&serde_json::from_str(events.get()).unwrap_or(Value::Null))
        ),
    })?;
    Ok((list, true))
}

/// `raw` checked as an event (`index` in the batch, if it is one), or every problem it has.
fn check(raw: &RawValue, index: Option<usize>) -> Result<Checked<'_>, Vec<Problem>> {
    let at = index.map_or_else(|| "the event".to_string(), |i| format!("events[{i}]"));
    let problem = |field: Option<&str>, message: String| Problem {
        event: index,
        field: field.map(str::to_string),
        message: format!("{at}: {message}"),
    };
    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    let Value::Object(fields) = value else {
        return Err(vec![problem(
            None,
            format!(
                "is {}, not an event: write {{\"id\": ..., \"case\": ..., \"activity\": ..., \"time\": ...}}",
                described(&value)
            ),
        )]);
    };
    let mut problems = Vec::new();
    for key in fields.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
        let hint = did_you_mean(key, FIELDS).map_or_else(
            || {
                format!(
                    "an event has {}",
                    vsm_core::diagnostic::backticked(FIELDS, 6)
                )
            },
            |near| format!("did you mean `{near}`?"),
        );
        problems.push(problem(
            Some(key),
            format!("unknown field `{}`; {hint}", shorten(key)),
        ));
    }
    let mut text = |field: &str, needed: bool| -> Option<String> {
        match fields.get(field) {
            None if needed => {
                problems.push(problem(
                    Some(field),
                    format!("`{field}` is missing; {}", purpose(field)),
                ));
                None
            }
            None => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                problems.push(problem(
                    Some(field),
                    format!("`{field}` is empty; {}", purpose(field)),
                ));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                problems.push(problem(
                    Some(field),
                    format!(
                        "`{field}` is {}, not a string; {}",
                        described(other),
                        purpose(field)
                    ),
                ));
                None
            }
        }
    };
    let id = text("id", true);
    let case = text("case", true);
    let activity = text("activity", true);
    let time = text("time", true);
    let lifecycle = text("lifecycle", false);
    for (field, value) in [("id", &id), ("activity", &activity)] {
        if let Some(value) = value
            && (value.chars().count() > MAX_ID || value.chars().any(char::is_control))
        {
            problems.push(problem(
                Some(field),
                format!(
                    "`{field}` `{}` is too long or holds control characters: use at most {MAX_ID} characters",
                    shorten(value)
                ),
            ));
        }
    }
    if let Some(time) = &time {
        match time.parse::<jiff::Timestamp>() {
            Err(_) => problems.push(problem(
                Some("time"),
                format!(
                    "`time` `{}` is not an RFC 3339 time from {FIRST_YEAR} to {LAST_YEAR}; write a date, `T`, a time and its offset, like `2026-03-02T14:05:00Z` or `2026-03-02T15:05:00+01:00`",
                    shorten(time)
                ),
            )),
            Ok(at) if !(0..UNTIL_SECOND).contains(&at.as_second()) => {
                problems.push(problem(
                    Some("time"),
                    format!(
                        "`time` `{}` is out of range: times run from {FIRST_YEAR} to {LAST_YEAR} (a zero or mistyped date would make every lead time through it wrong); check the date",
                        shorten(time)
                    ),
                ));
            }
            Ok(_) => {}
        }
    }
    if let Some(lifecycle) = &lifecycle
        && !["start", "complete"].contains(&lifecycle.as_str())
    {
        let hint = did_you_mean(lifecycle, ["start", "complete"])
            .map_or_else(String::new, |near| format!(" (did you mean `{near}`?)"));
        problems.push(problem(
            Some("lifecycle"),
            format!(
                "`lifecycle` `{}` is neither `start` nor `complete`{hint}; leave it out for an event that is both",
                shorten(lifecycle)
            ),
        ));
    }
    match fields.get("attributes") {
        None | Some(Value::Object(_)) => {}
        Some(other) => problems.push(problem(
            Some("attributes"),
            format!(
                "`attributes` is {}, not a map: write {{\"team\": \"web\", ...}}",
                described(other)
            ),
        )),
    }
    if let Some(Value::Object(attributes)) = fields.get("attributes") {
        for (key, value) in attributes.iter().filter(|(_, v)| !v.is_string()) {
            let field = format!("attributes.{key}");
            problems.push(problem(
                Some(&field),
                format!(
                    "`{}` is {}, not a string; attributes are text: write it in quotes",
                    shorten(&field),
                    described(value)
                ),
            ));
        }
    }
    let (Some(id), Some(_), Some(activity), Some(_), true) =
        (id, case, activity, time, problems.is_empty())
    else {
        return Err(problems);
    };
    Ok(Checked {
        id,
        activity,
        body: raw.get(),
    })
}

/// What a field is for, to say with a problem.
fn purpose(field: &str) -> &'static str {
    match field {
        "id" => "give each event an id unique within its source (sent again, it is stored once)",
        "case" => "name the work item the event belongs to (an issue key, a change id)",
        "activity" => "name what happened (`Deploy`, `Review`), as the map's steps' rules match it",
        "time" => "give when it happened, in RFC 3339 (`2026-03-02T14:05:00Z`)",
        _ => "`lifecycle` is `start` or `complete`",
    }
}

/// A JSON value as a message says what it is: `a number (42)`.
fn described(value: &Value) -> String {
    let text = shorten(&value.to_string()).into_owned();
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => format!("a boolean ({text})"),
        Value::Number(_) => format!("a number ({text})"),
        Value::String(_) => format!("a string ({text})"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let (events, batch) = split(text).map_err(|p| vec![p.message]).unwrap();
        events
            .iter()
            .enumerate()
            .filter_map(|(i, raw)| check(raw, batch.then_some(i)).err())
            .flatten()
            .map(|p| format!("{:?} {:?} {}", p.event, p.field, p.message))
            .collect()
    }

    #[test]
    fn a_good_event_passes_as_sent() {
        let text = r#"{"id":"d-1", "case":"PROJ-1","activity":"Deploy","time":"2026-03-02T15:05:00+01:00",
            "lifecycle":"complete","attributes":{"env":"prod"}}"#;
        let (events, batch) = split(text).unwrap();
        assert!(!batch);
        let event = check(events[0], None).ok().unwrap();
        assert_eq!(
            (event.id.as_str(), event.activity.as_str()),
            ("d-1", "Deploy")
        );
        assert_eq!(event.body, text, "byte for byte");
    }

    #[test]
    fn a_time_out_of_range_is_refused_as_such() {
        for (time, says) in [
            ("0001-01-01T00:00:00Z", "is out of range"),
            ("1969-12-31T23:59:59Z", "is out of range"),
            (
                "9999-12-31T00:00:00Z",
                "is not an RFC 3339 time from 1970 to 9998",
            ),
        ] {
            let found = problems(&format!(
                r#"{{"id": "a", "case": "c", "activity": "x", "time": "{time}"}}"#
            ));
            assert_eq!(found.len(), 1, "{time}: {found:#?}");
            assert!(found[0].contains(says), "{time}: {}", found[0]);
        }
        let fine = problems(
            r#"{"id": "a", "case": "c", "activity": "x", "time": "1970-01-01T00:00:00Z"}"#,
        );
        assert!(fine.is_empty(), "{fine:#?}");
    }

    #[test]
    fn each_problem_names_the_event_and_field_and_quotes_the_value() {
        let found = problems(
            r#"{"events": [
                {"id": "a", "case": "c", "activity": "x", "time": "2026-03-02T14:05:00Z"},
                {"id": "b", "case": 7, "activity": "x", "time": "2026-03-02 14:05", "lifecycle": "Started",
                 "atributes": {}},
                {"case": "c", "activity": "", "time": "2026-03-02T14:05:00Z", "attributes": {"n": 1}},
                "text"
            ]}"#,
        );
        let expected = [
            "Some(1) Some(\"atributes\") events[1]: unknown field `atributes`; did you mean `attributes`?",
            "Some(1) Some(\"case\") events[1]: `case` is a number (7), not a string;",
            "Some(1) Some(\"time\") events[1]: `time` `2026-03-02 14:05` is not an RFC 3339 time from 1970 to 9998;",
            "Some(1) Some(\"lifecycle\") events[1]: `lifecycle` `Started` is neither `start` nor `complete` (did you mean `start`?)",
            "Some(2) Some(\"id\") events[2]: `id` is missing;",
            "Some(2) Some(\"activity\") events[2]: `activity` is empty;",
            "Some(2) Some(\"attributes.n\") events[2]: `attributes.n` is a number (1), not a string;",
            "Some(3) None events[3]: is a string (\"text\"), not an event",
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for (found, expected) in found.iter().zip(expected) {
            assert!(
                found.starts_with(expected),
                "{found}\n  does not start with\n{expected}"
            );
        }
    }

    #[test]
    fn a_batch_is_events_alone_and_a_list() {
        let other = split(r#"{"events": [], "source": "ci"}"#).unwrap_err();
        assert!(
            other.message.contains("also has `source`"),
            "{}",
            other.message
        );
        let not_list = split(r#"{"events": {"id": 1}}"#).unwrap_err();
        assert!(
            not_list
                .message
                .contains("`events` is an object, not a list"),
            "{}",
            not_list.message
        );
        let (events, batch) = split(r#"{"events": []}"#).unwrap();
        assert!(batch && events.is_empty());
    }
}
