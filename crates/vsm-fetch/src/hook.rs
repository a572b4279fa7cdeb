//! What a webhook delivery gives: the objects, events and links of the REST object it carries,
//! read by the same parsers as the API's pages, or why it is not used.
//!
//! A webhook payload embeds the REST object of what happened (GitHub's `pull_request` event
//! carries the pull request as `GET /repos/O/R/pulls` lists it, `pull_request_review` a review,
//! `deployment_status` a deployment and its status...), so a delivery is parsed by handing that
//! object to the page parser of its endpoint: the store gets the same ids, attributes and links
//! whether the data came by webhook or by `vsm fetch`.

use jiff::Timestamp;
use serde_json::Value as Json;
use vsm_events::{EventType, ObjectType};

use crate::collect::Page;
use crate::decode::{ParseError, bounded, parse};

/// What a delivery gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Hook {
    /// Its objects, events and links, with the counts of what was read.
    Used(Page),
    /// An event vsm does not read (a ping, a star...), or an action that changes nothing it
    /// keeps: not an error, and why.
    NotUsed(String),
}

impl Hook {
    pub(crate) fn not_used(why: impl Into<String>) -> Hook {
        Hook::NotUsed(why.into())
    }
}

/// A delivery's JSON body.
pub(crate) fn envelope(body: &[u8], what: &str) -> Result<Json, ParseError> {
    parse(body, what)
}

/// The text at `path` (`repository.full_name`) of a delivery, or an error naming it.
pub(crate) fn text_at<'a>(body: &'a Json, path: &str, what: &str) -> Result<&'a str, ParseError> {
    value_at(body, path, what)?
        .as_str()
        .ok_or_else(|| missing(path, what, "a text"))
}

/// The value at `path` of a delivery, present and not null, or an error naming it.
pub(crate) fn value_at<'a>(body: &'a Json, path: &str, what: &str) -> Result<&'a Json, ParseError> {
    let found = path.split('.').try_fold(body, |value, key| value.get(key));
    found
        .filter(|v| !v.is_null())
        .ok_or_else(|| missing(path, what, "a value"))
}

fn missing(path: &str, what: &str, kind: &str) -> ParseError {
    ParseError {
        file: None,
        place: format!("at {path}"),
        problem: format!("{what} has no {kind} at `{path}`"),
        fix: format!(
            "check that the delivery is {what} itself (its event header names the event) and that nothing changed its body on the way"
        ),
    }
}

/// Parses `object`, the delivery's field `field`, with the page parser `page` of its endpoint
/// as a page of one item (`wrap` makes the page from the item: a list, or GitHub's
/// `{"workflow_runs": [...]}`); an error names the place in the delivery (`pull_request.created_at`).
pub(crate) fn as_page(
    object: &Json,
    field: &str,
    wrap: fn(Json) -> Json,
    page: impl FnOnce(&[u8]) -> Result<Page, ParseError>,
) -> Result<Page, ParseError> {
    let bytes = serde_json::to_vec(&wrap(object.clone())).unwrap_or_default();
    page(&bytes).map_err(|mut error| {
        // The page's place (`line 1, column 80, at [0].created_at`) is in the page made here;
        // the field's path names the same value in the delivery.
        let inner = error.place.split_once(", at ").map_or("", |(_, path)| path);
        let inner = inner
            .strip_prefix(".workflow_runs")
            .unwrap_or(inner)
            .trim_start_matches("[0]")
            .to_string();
        error.place = format!("at {field}{inner}");
        error
    })
}

/// A list of one item.
pub(crate) fn list(item: Json) -> Json {
    Json::Array(vec![item])
}

/// The event's name as a message may quote it.
pub(crate) fn named(event: &str) -> String {
    bounded(event).chars().take(80).collect()
}

/// Makes a deployment's delivery (GitHub's `deployment_status`, GitLab's `Deployment Hook`) say what the deployment's statuses pages say,
/// given the deliveries of the same deployment read before it (its statuses arrive one delivery at a time): its start is its first running
/// status and its end its first final one (`known(event id)` is the time of such an event kept
/// already), and its `status` the state it finished with. So a success followed by the
/// `inactive` a later deployment causes leaves the deployment finished when it succeeded, with
/// status `success`, whatever order the deliveries came in.
pub fn settle(page: &mut Page, known: impl Fn(&str) -> Option<Timestamp>) {
    let settled = |kind: EventType| {
        matches!(
            kind,
            EventType::DeploymentStarted | EventType::DeploymentFinished
        )
    };
    page.batch.events.retain(|event| {
        !settled(event.kind) || known(&event.id).is_none_or(|kept| event.time < kept)
    });
    for object in page
        .batch
        .objects
        .iter_mut()
        .filter(|o| o.kind == ObjectType::Deployment)
    {
        let finished = format!("{}/finished", object.id);
        let ends_here = page.batch.events.iter().any(|e| e.id == finished);
        if !ends_here && known(&finished).is_some() {
            object.attributes.retain(|(name, _)| name != "status");
        }
    }
}
