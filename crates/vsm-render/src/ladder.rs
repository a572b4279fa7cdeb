//! The headline of a measured map and its ladder, as rows every renderer draws the same way.

use vsm_core::Duration;
use vsm_core::analysis::{Analysis, MeasuredLeadTime};
use vsm_core::model::ValueStream;

/// One line of the ladder: a step's wait and process time per item, or one of the other parts.
#[derive(Clone, Debug, PartialEq)]
pub struct Rung {
    /// What the line is: a step's name and id, "rework", ...
    pub label: String,
    /// The step's id, for step lines.
    pub step: Option<String>,
    /// Share of the items that visited the step (step lines).
    pub share_percent: Option<f64>,
    /// Means over the items that visited the step (step lines).
    pub wait: Option<Duration>,
    pub process: Option<Duration>,
    /// Per item of the headline: what the line adds to the mean lead time (signed, ms).
    pub per_item_millis: i64,
    /// Whether the log does not time the step's work (no start events, or `span: wait`): its
    /// measured lead time split by the estimate.
    pub untimed: bool,
}

impl Rung {
    /// The line's share, wait, process and per-item cells as every report writes them: empty
    /// where the line has none, the times of a step the log does not time marked `*`.
    pub fn cells(&self) -> [String; 4] {
        let mark = if self.untimed { "*" } else { "" };
        let time =
            |d: Option<Duration>| d.map_or_else(String::new, |d| format!("{}{mark}", d.human()));
        [
            self.share_percent.map_or_else(String::new, percent),
            time(self.wait),
            time(self.process),
            signed_human(self.per_item_millis),
        ]
    }
}

fn signed(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A signed number of milliseconds, `-3h 5m` or `2d 1h`.
pub fn signed_human(millis: i64) -> String {
    let magnitude = Duration::from_millis(millis.unsigned_abs()).human();
    if millis < 0 {
        format!("-{magnitude}")
    } else {
        magnitude
    }
}

/// Percent with one decimal, as every report writes it.
pub fn percent(value: f64) -> String {
    vsm_core::format_percent(value)
}

/// The ladder's lines, top to bottom; they add up to [`MeasuredLeadTime::mean`].
pub fn rungs(stream: &ValueStream, measured: &MeasuredLeadTime) -> Vec<Rung> {
    let mut rows = Vec::new();
    let name = |index: usize| crate::step_name(&stream.steps[index]);
    // A step taken at its map's numbers, for every item that passes it.
    let at_estimates = |index: usize, label: String, share_percent: Option<f64>| {
        let step = &stream.steps[index];
        Rung {
            label,
            step: Some(step.id.clone()),
            share_percent,
            wait: Some(step.wait_time),
            process: Some(step.process_time),
            per_item_millis: signed(step.lead_time()),
            untimed: false,
        }
    };
    let estimate = |index: usize| at_estimates(index, format!("{} (estimated)", name(index)), None);
    for &index in &measured.estimated_before {
        rows.push(estimate(index));
    }
    for rung in &measured.ladder {
        rows.push(Rung {
            label: if rung.designed {
                format!("{} (design)", name(rung.step))
            } else {
                name(rung.step)
            },
            step: Some(stream.steps[rung.step].id.clone()),
            share_percent: Some(rung.share_percent),
            wait: Some(rung.wait),
            process: Some(rung.process),
            per_item_millis: signed(rung.weighted_wait) + signed(rung.weighted_process),
            untimed: !rung.timed,
        });
    }
    for &index in &measured.added {
        rows.push(at_estimates(
            index,
            format!("{} (new in the design: every item)", name(index)),
            Some(100.0),
        ));
    }
    for &index in &measured.estimated_after {
        rows.push(estimate(index));
    }
    let mut other = |label: &str, millis: i64| {
        rows.push(Rung {
            label: label.into(),
            step: None,
            share_percent: None,
            wait: None,
            process: None,
            per_item_millis: millis,
            untimed: false,
        });
    };
    other("Rework (later passes)", signed(measured.rework));
    other("Activities the map does not name", signed(measured.unnamed));
    other(
        "Remainder (rounding of the means)",
        measured.remainder_millis,
    );
    rows
}

/// The headline in one line: `mean 8d 15h · p50 19h 26m · p85 21d 22h · p95 ... over N items`.
pub fn headline(measured: &MeasuredLeadTime) -> String {
    let items = &measured.items;
    if measured.projected_change_millis.is_some() {
        return format!(
            "projected mean {} (the measured mean {} of {} items, changed by the design)",
            measured.mean().human(),
            items.mean.human(),
            items.count
        );
    }
    let figures: Vec<String> = figures(items)
        .iter()
        .map(|(name, value)| format!("{name} {value}"))
        .collect();
    format!("{} over {} items", figures.join(" · "), items.count)
}

/// A distribution's mean, percentiles, minimum and maximum, named, for people.
pub(crate) fn figures(d: &vsm_core::measure::Distribution) -> [(&'static str, String); 6] {
    [
        ("mean", d.mean.human()),
        ("p50", d.p50.human()),
        ("p85", d.p85.human()),
        ("p95", d.p95.human()),
        ("min", d.min.human()),
        ("max", d.max.human()),
    ]
}

/// A measured map's lead time rows for a summary table: (metric, value, note).
pub fn lead_time_rows(
    stream: &ValueStream,
    analysis: &Analysis,
) -> Option<Vec<(String, String, String)>> {
    if let Some(in_progress) = analysis.unfinished {
        return Some(vec![(
            "Lead time".to_string(),
            analysis.summary.lead_time.human(),
            format!(
                "no measured item has finished yet ({in_progress} in progress): the path arithmetic over the map's numbers, measured where items finished a step"
            ),
        )]);
    }
    let measured = analysis.measured.as_ref()?;
    let items = &measured.items;
    let mut rows = Vec::new();
    let plus = if measured.estimated_time.is_zero() {
        ""
    } else {
        ", plus the estimated part below"
    };
    // Working time: the map's calendar counts only its working hours (a day is 24 of them).
    let working = if stream
        .measure
        .as_ref()
        .is_some_and(|m| m.calendar.is_some())
    {
        "; in working hours only (the map's calendar), 1d = 24 working hours"
    } else {
        ""
    };
    let in_progress = match (measured.in_progress, measured.abandoned) {
        (0, 0) => String::new(),
        (n, 0) => format!("; {n} still in progress, not counted"),
        (0, a) => format!("; {a} abandoned, not counted"),
        (n, a) => format!("; {n} still in progress and {a} abandoned, not counted"),
    };
    if let Some(change) = measured.projected_change_millis {
        rows.push((
            "Lead time".to_string(),
            analysis.summary.lead_time.human(),
            format!(
                "projected mean: the measured mean {} of {} items, {} by the design's changes weighted by the share of items in each step{}",
                items.mean.human(),
                items.count,
                signed_human(change),
                if measured.removed.is_empty() {
                    String::new()
                } else {
                    format!(" (it removes {})", measured.removed.join(", "))
                }
            ),
        ));
    } else {
        rows.push((
            "Lead time".to_string(),
            analysis.summary.lead_time.human(),
            format!(
                "mean of {} finished items{plus}, each from its first event to the end of its last step{in_progress}{working}",
                items.count
            ),
        ));
        rows.push((
            "Lead time p50 / p85 / p95".to_string(),
            format!(
                "{} / {} / {}",
                items.p50.human(),
                items.p85.human(),
                items.p95.human()
            ),
            format!(
                "of the same items (nearest rank); min {}, max {}",
                items.min.human(),
                items.max.human()
            ),
        ));
    }
    if !measured.estimated_time.is_zero() {
        let ids: Vec<&str> = measured
            .estimated_before
            .iter()
            .chain(&measured.estimated_after)
            .map(|&i| stream.steps[i].id.as_str())
            .collect();
        rows.push((
            "Estimated part".to_string(),
            measured.estimated_time.human(),
            format!(
                "added to the mean: the estimates of the unmeasured steps {} (the percentiles are the measured part's)",
                ids.join(", ")
            ),
        ));
    }
    if !measured.estimated_inside.is_empty() {
        let ids: Vec<&str> = measured
            .estimated_inside
            .iter()
            .map(|&i| stream.steps[i].id.as_str())
            .collect();
        rows.push((
            "Not added".to_string(),
            String::new(),
            format!(
                "unmeasured steps {}: between or beside the measured steps (their time is in the items') or off the longest path",
                ids.join(", ")
            ),
        ));
    }
    Some(rows)
}
