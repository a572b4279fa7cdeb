//! What the live fetchers share: reading an endpoint's pages into a collector, and the cursor the
//! next incremental run starts from.

use jiff::Timestamp;
use serde_json::Value as Json;

use vsm_events::Batch;

use crate::collect::{Collector, Page, Report};
use crate::decode::ParseError;
use crate::http::{Client, FetchError, Paging, Progress, shown};

/// Where the next incremental run of a source starts: the latest update time the responses held
/// (the server's clock, so a skewed local clock loses nothing). Pass `since` to the next fetch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub since: Option<Timestamp>,
}

impl Cursor {
    fn see(&mut self, time: Timestamp) {
        self.since = Some(self.since.map_or(time, |since| since.max(time)));
    }
}

/// Where a page's update times are: the list (the body, or one of its fields) and the path to the
/// time in each item.
#[derive(Clone, Copy)]
pub(crate) struct Times {
    pub list: Option<&'static str>,
    pub field: &'static [&'static str],
}

impl Times {
    /// `updated_at` of each item of a list.
    pub const UPDATED_AT: Times = Times {
        list: None,
        field: &["updated_at"],
    };
}

/// One fetch in progress: the client, what was read so far and the cursor.
pub(crate) struct Fetch<'a> {
    pub client: &'a Client,
    pub into: Collector,
    pub cursor: Cursor,
    pub progress: &'a mut dyn FnMut(Progress),
}

impl<'a> Fetch<'a> {
    pub fn new(
        client: &'a Client,
        since: Option<Timestamp>,
        progress: &'a mut dyn FnMut(Progress),
    ) -> Fetch<'a> {
        Fetch {
            client,
            into: Collector::new(),
            cursor: Cursor { since },
            progress,
        }
    }

    /// What was read, with its counts, and the cursor.
    pub fn finish(self) -> (Batch, Report, Cursor) {
        let (batch, report) = self.into.finish();
        (batch, report, self.cursor)
    }

    /// Reads every page of `path` (an API path), parses each with `parse` and adds it. With
    /// `times`, the pages' update times move the cursor; with `stop_before` too (an endpoint
    /// listing newest first that cannot filter by time), the pages stop after one that reaches
    /// back before it.
    pub fn endpoint(
        &mut self,
        path: &str,
        paging: Paging,
        times: Option<Times>,
        stop_before: Option<Timestamp>,
        mut parse: impl FnMut(&[u8]) -> Result<Page, ParseError>,
    ) -> Result<(), FetchError> {
        let Fetch {
            client,
            into,
            cursor,
            progress,
        } = self;
        client.pages(client.url(path), paging, &mut **progress, |bytes, url| {
            let page = parse(bytes).map_err(|e| e.in_file(&shown(url)))?;
            into.add(page);
            let Some(times) = times else { return Ok(true) };
            let found = times_in(bytes, times);
            for time in &found {
                cursor.see(*time);
            }
            let earliest = found.iter().min();
            Ok(!matches!((stop_before, earliest), (Some(since), Some(t)) if *t < since))
        })
    }
}

/// The update times of a page's items (those that have one).
fn times_in(bytes: &[u8], times: Times) -> Vec<Timestamp> {
    let Ok(body) = serde_json::from_slice::<Json>(bytes) else {
        return Vec::new();
    };
    let list = match times.list {
        Some(name) => &body[name],
        None => &body,
    };
    let Some(items) = list.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let value = times.field.iter().fold(item, |at, name| &at[*name]);
            value.as_str()?.parse().ok()
        })
        .collect()
}

/// The numbers of the pull requests (merge requests) a page holds, in order.
pub(crate) fn numbers(page: &Page) -> impl Iterator<Item = u64> + '_ {
    page.batch
        .objects
        .iter()
        .filter(|o| o.kind == vsm_events::ObjectType::PullRequest)
        .filter_map(|o| match o.attributes.iter().find(|(n, _)| n == "number") {
            Some((_, vsm_events::Value::Integer(n))) => u64::try_from(*n).ok(),
            _ => None,
        })
}
