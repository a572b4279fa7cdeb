//! A stream's DORA figures: when its map has a `dora:` section, the figures `vsm dora` gives,
//! computed by `vsm-app`'s DORA code from the stream's event store (its GitHub and GitLab
//! deliveries, see [`crate::events`]).

use vsm_core::dora::Report;

use crate::events::Current;
use crate::map::{Problem, file_name};

/// Why there are no figures.
#[derive(Debug)]
pub enum NoFigures {
    /// The map has no `dora:` section.
    NotAsked,
    /// No GitHub or GitLab delivery has given the store anything yet.
    NoDeliveries(String),
    /// The map cannot be read, or the figures cannot be computed.
    Problem(Problem),
}

/// The window asked (`from`, `to`: a day `YYYY-MM-DD` from midnight UTC, or an RFC 3339 time);
/// as `vsm dora`'s, by default the 90 days up to today.
#[derive(Clone, Debug, Default)]
pub struct Window {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A bound of a window, as `vsm dora --from` reads it.
fn bound(name: &str, text: &str) -> Result<jiff::Timestamp, String> {
    let trimmed = text.trim();
    if let Ok(day) = trimmed.parse::<jiff::civil::Date>()
        && trimmed.len() == 10
    {
        return jiff::tz::Offset::UTC
            .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
            .map_err(|e| format!("`{name}` {day}: {e}"));
    }
    trimmed.parse().map_err(|_| {
        let shown: String = trimmed.chars().take(60).collect();
        format!(
            "`{name}` `{shown}` is not a day or a time; give a day as YYYY-MM-DD (e.g. `2024-03-10`, from midnight UTC) or a time as RFC 3339 with its offset (e.g. `2024-03-10T05:00:00Z`)"
        )
    })
}

/// The DORA figures of the map `text` of `stream` over `window` (as `vsm dora --map` with the
/// stream's event store), with a note on what the server left out.
pub fn figures(
    stream: &str,
    text: &str,
    events: &Current,
    window: &Window,
    now: jiff::Timestamp,
) -> Result<(Report, Option<String>), NoFigures> {
    let checked =
        crate::map::check_only(stream, text, &events.bases).map_err(NoFigures::Problem)?;
    let Some(settings) = checked.stream.dora else {
        return Err(NoFigures::NotAsked);
    };
    let Some(store) = &events.ocel else {
        return Err(NoFigures::NoDeliveries(format!(
            "no GitHub or GitLab delivery has given the stream's event store anything yet ({} read); set up a webhook (`/hooks/github/{stream}/SOURCE` with the `pull_request`, `pull_request_review` and `deployment_status` events, or `/hooks/gitlab/{stream}/SOURCE`), and the figures are computed on the next page load after a delivery",
            crate::events::counted(events.summary.deliveries(), "delivery", "deliveries")
        )));
    };
    let other = |message: String| NoFigures::Problem(Problem::Other(message));
    let asked = vsm_app::dora::Asked {
        from: window
            .from
            .as_deref()
            .map(|t| bound("from", t))
            .transpose()
            .map_err(other)?,
        to: window
            .to
            .as_deref()
            .map(|t| bound("to", t))
            .transpose()
            .map_err(other)?,
    };
    let window = vsm_app::dora::asked_window(
        asked,
        vsm_app::dora::dora_reach(),
        now,
        settings.period,
        None,
    )
    .map_err(|e| other(format!("{e:#}")))?;
    let path = file_name(stream);
    let mut request = vsm_app::dora::Request::of_settings(Some(&path), &settings, window);
    let note = request.incidents.take().map(|file| {
        format!(
            "The map's incidents file `{}` is not read here: the server keeps no files beside the map; failures come from the deliveries' issues labelled as incidents.",
            file.display()
        )
    });
    let report = vsm_app::dora::report(store, &request).map_err(|e| {
        NoFigures::Problem(crate::map::hidden(Problem::Other(format!("{e:#}")), store))
    })?;
    Ok((report, note))
}
