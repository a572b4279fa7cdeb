//! The map's working time, the customer's demand and the steps' queues: read, and the waits
//! queues give derived once the steps are read.

use saphyr::{Scalar, YamlData};

use super::nodes::{Fields, Node, Reader};
use crate::diagnostic::{Diagnostic, Location, shorten};
use crate::worktime::{
    self, Demand, QUEUE_TOLERANCE_PERCENT, Queue, Rate, WaitDays, WaitSource, WorkingTime,
};
use crate::{Duration, ValueStream, format_number};

/// The top level's `working_day:`, `working_week:`, `working_month:` and `wait_days:`, over
/// `base`'s (a map that extends another keeps its working time unless it gives its own).
pub(super) fn read_working_time(
    reader: &mut Reader<'_>,
    top: &Fields<'_, '_>,
    base: Option<&ValueStream>,
) -> WorkingTime {
    let mut time = base.map_or_else(WorkingTime::default, |b| b.working_time);
    // A map that says anything of its working time has working days, with the usual ones for
    // what it leaves out; one that says nothing keeps 24-hour days and 7-day weeks.
    if !time.declared
        && ["working_day", "working_week", "wait_days"]
            .iter()
            .any(|field| top.get(field).is_some())
    {
        time = WorkingTime::working();
    }
    if let Some(node) = top.get("working_day")
        && let Some(day) = reader.duration(node)
    {
        if day.is_zero() || day > Duration::from_days(1) {
            reader.report_at(
                node,
                Diagnostic::error(
                    "invalid_working_day",
                    format!(
                        "a working day of `{}` is not between 0 and 24h",
                        shorten(reader.raw(node))
                    ),
                )
                .help("write the hours people work in a day, e.g. `working_day: 8h` or `7h 40m`"),
            );
        } else {
            time.day = day;
            time.declared = true;
        }
    }
    let days = |reader: &mut Reader<'_>, name: &str, max: u32| {
        let node = top.get(name)?;
        let value = reader.integer(node, 1)?;
        if value > max {
            reader.report_at(
                node,
                Diagnostic::error(
                    "out_of_range",
                    format!("`{value}` working days is too many for `{name}`"),
                )
                .help(format!("write at most {max}")),
            );
            return None;
        }
        Some(value)
    };
    if let Some(week) = days(reader, "working_week", 7) {
        time.week_days = week;
        time.declared = true;
        // A month of four working weeks unless it says otherwise.
        time.month_days = 4 * week;
    }
    if let Some(month) = days(reader, "working_month", 31) {
        time.month_days = month;
    }
    if let Some(node) = top.get("wait_days")
        && let Some(kind) = reader.choice(node, "wait_days", &WaitDays::ALL)
    {
        time.wait_days = kind;
        time.declared = true;
    }
    time
}

/// A rate of items, `920/day`, `40/week`, `18400/month`, per working day.
fn rate(reader: &mut Reader<'_>, node: &Node<'_>, field: &str) -> Option<Rate> {
    let written = reader
        .raw(node)
        .trim()
        .trim_matches(['"', '\''])
        .trim()
        .to_string();
    let time = reader.working_time;
    let parsed = written.split_once('/').and_then(|(count, period)| {
        let count: f64 = count
            .trim()
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite() && *c >= 0.0)?;
        Some(count / time.days_in(period.trim())?)
    });
    let quoted = shorten(&written);
    match parsed {
        Some(0.0) => {
            let (what, instead) = if field == "demand" {
                (
                    "the customer asks for nothing, so no item arrives and no queue empties",
                    "give what the customer asks for, e.g. `demand: 920/day`, or leave `demand:` out",
                )
            } else {
                (
                    "the step gets nothing through, so its queue never empties",
                    "give what the step gets through, e.g. `throughput: 40/week`, or leave `throughput:` out to use the demand",
                )
            };
            reader.report_at(
                node,
                Diagnostic::error("zero_rate", format!("`{field}: {quoted}` is zero: {what}"))
                    .help(instead),
            );
            None
        }
        Some(per_day)
            if !(worktime::MIN_RATE_PER_DAY..=worktime::MAX_RATE_PER_DAY).contains(&per_day) =>
        {
            reader.report_at(
                node,
                Diagnostic::error(
                    "rate_out_of_range",
                    format!(
                        "`{field}: {quoted}` is {} items a working day, outside what vsm takes: {} to {} a working day",
                        worktime::format_rate(per_day),
                        worktime::format_rate(worktime::MIN_RATE_PER_DAY),
                        format_number(worktime::MAX_RATE_PER_DAY, 0),
                    ),
                )
                .help(format!(
                    "check the number and its period: items per working day, week or month, e.g. `920/day`, `40/week`, `18400/month` (a month is {} working days, a week {})",
                    time.month_days, time.week_days
                )),
            );
            None
        }
        Some(per_day) => Some(Rate { per_day, written }),
        None => {
            reader.report_at(
                node,
                Diagnostic::error(
                    "invalid_rate",
                    format!("`{quoted}` is not a rate of items for `{field}`"),
                )
                .help(format!(
                    "write items per working day, week or month, e.g. `920/day`, `40/week`, `18400/month` (a month is {} working days, a week {})",
                    time.month_days, time.week_days
                )),
            );
            None
        }
    }
}

/// `demand:`: one rate, or a rate per item type (`{ left: 12000/month, right: 6400/month }`).
pub(super) fn read_demand(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Demand> {
    let YamlData::Mapping(mapping) = &node.data else {
        let total = rate(reader, node, "demand")?;
        return Some(Demand {
            total,
            by_type: Vec::new(),
        });
    };
    let by_type = named(reader, mapping.iter(), "demand", |reader, value| {
        rate(reader, value, "demand")
    })?;
    if by_type.is_empty() {
        reader.report_at(
            node,
            Diagnostic::error("empty_demand", "`demand:` names no item type")
                .help("write `demand: 920/day`, or one `TYPE: RATE` line per item type"),
        );
        return None;
    }
    let per_day = by_type.iter().map(|(_, rate)| rate.per_day).sum();
    let written = by_type
        .iter()
        .map(|(name, rate)| format!("{name} {}", rate.written))
        .collect::<Vec<_>>()
        .join(" + ");
    Some(Demand {
        total: Rate { per_day, written },
        by_type,
    })
}

/// `available:`: working time a day, `15h 20m/day` (or a week's, `/week`).
pub(super) fn read_available(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Duration> {
    let written = reader
        .raw(node)
        .trim()
        .trim_matches(['"', '\''])
        .to_string();
    let time = reader.working_time;
    let parsed = written.split_once('/').and_then(|(duration, period)| {
        let duration: Duration = duration.trim().parse().ok()?;
        let days = time.days_in(period.trim())?;
        Some(Duration::from_secs_f64(duration.as_secs_f64() / days))
    });
    match parsed {
        Some(per_day) if !per_day.is_zero() && per_day <= Duration::from_days(1) => Some(per_day),
        _ => {
            reader.report_at(
                node,
                Diagnostic::error(
                    "invalid_available",
                    format!("`{}` is not working time a day", shorten(&written)),
                )
                .help("write the time available to meet the demand in a working day, e.g. `available: 7h 40m/day` (two shifts: `15h 20m/day`)"),
            );
            None
        }
    }
}

/// A step's `queue:`: one count, or a count per item type.
pub(super) fn read_queue(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Queue> {
    let YamlData::Mapping(mapping) = &node.data else {
        let total = count(reader, node)?;
        return Some(Queue {
            total,
            by_type: Vec::new(),
            measured: false,
        });
    };
    let by_type = named(reader, mapping.iter(), "queue", count)?;
    Some(Queue {
        total: by_type.iter().map(|(_, n)| n).sum(),
        by_type,
        measured: false,
    })
}

/// A step's `throughput:`.
pub(super) fn read_throughput(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Rate> {
    rate(reader, node, "throughput")
}

/// A number of items, whole or not, at least 0.
fn count(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<f64> {
    let value = match &node.data {
        YamlData::Value(Scalar::Integer(n)) => Some(*n as f64),
        YamlData::Value(Scalar::FloatingPoint(n)) => Some(n.0),
        _ => None,
    };
    match value {
        Some(n) if n.is_finite() && n >= 0.0 => Some(n),
        _ => {
            reader.type_error(
                node,
                "a number of items",
                "write how many items wait, e.g. `queue: 23`, or per item type: `queue: { features: 12, defects: 4 }`",
            );
            None
        }
    }
}

/// `TYPE: VALUE` entries, each type once.
fn named<'n, 's: 'n, T>(
    reader: &mut Reader<'_>,
    entries: impl Iterator<Item = (&'n Node<'s>, &'n Node<'s>)>,
    field: &str,
    mut value: impl FnMut(&mut Reader<'_>, &Node<'_>) -> Option<T>,
) -> Option<Vec<(String, T)>> {
    let mut read: Vec<(String, T)> = Vec::new();
    let mut ok = true;
    for (key, node) in entries {
        let Some(name) = reader.text(key).map(|n| n.trim().to_string()) else {
            ok = false;
            continue;
        };
        if read.iter().any(|(n, _)| *n == name) {
            reader.report_at(
                key,
                Diagnostic::error(
                    "duplicate_item_type",
                    format!("item type `{}` is given twice in `{field}`", shorten(&name)),
                )
                .help("give each item type once"),
            );
            ok = false;
            continue;
        }
        match value(reader, node) {
            Some(v) => read.push((name, v)),
            None => ok = false,
        }
    }
    ok.then_some(read)
}

/// A step's queue as read, with where it was written and whether the entry wrote a wait.
#[derive(Clone, Debug)]
pub(super) struct QueueNote {
    pub(super) location: Location,
    /// Whether the step's wait was written (`wait_time:` or `lead_time:`), not derived.
    pub(super) wait_written: bool,
}

/// Derives the wait of each step with a queue and no written wait; warns where a written wait
/// and the queue's disagree beyond the tolerance; reports queues that cannot be converted.
pub(super) fn derive_waits(
    reader: &mut Reader<'_>,
    stream: &mut ValueStream,
    notes: &[Option<QueueNote>],
) {
    let types: Vec<String> = stream
        .demand
        .iter()
        .flat_map(|d| d.by_type.iter().map(|(name, _)| name.clone()))
        .collect();
    for (index, note) in notes.iter().enumerate() {
        let Some(note) = note else { continue };
        let step = &stream.steps[index];
        let Some(derived) = stream.queue_derivation(step) else {
            continue;
        };
        let derived = match derived {
            Ok(derived) => derived,
            // A written wait stands on its own: the queue is drawn, not converted.
            Err(worktime::QueueError::NoRate) if note.wait_written => continue,
            Err(problem) => {
                reader.report(
                    Diagnostic::error(problem.code(), format!("step `{}`: {problem}", step.id))
                        .at(note.location)
                        .help(problem.help(&types)),
                );
                continue;
            }
        };
        let step = &mut stream.steps[index];
        if !note.wait_written {
            step.wait_time = derived.wait;
            step.wait_source = WaitSource::Derived;
            continue;
        }
        let told = stream.working_time.told_day();
        if let Some(gap) = worktime::disagreement(step.wait_time, derived.wait) {
            let (written, queued) =
                crate::in_working_days(told, || (step.wait_time.human(), derived.wait.human()));
            reader.report(
                Diagnostic::warning(
                    "queue_disagrees",
                    format!(
                        "step `{}` waits {written}, but its queue of {} at {} a day gives {queued} ({}% apart, more than the {}% tolerance)",
                        step.id,
                        worktime::format_count(derived.queue),
                        format_number(derived.per_day, 2),
                        format_number(gap, 0),
                        format_number(QUEUE_TOLERANCE_PERCENT, 0),
                    ),
                )
                .at(note.location)
                .help("recount the queue or the wait; leave out `wait_time:` to derive the wait from the queue"),
            );
        }
    }
}

/// The takt time the demand and `available:` give: under a millisecond (the durations vsm keeps)
/// it would print as 0 and no step could be slower than it, so it is an error at the demand; an
/// `available:` longer than the working day is warned about (nobody works more of a day than
/// the day has).
pub(super) fn check_takt(reader: &mut Reader<'_>, top: &Fields<'_, '_>, stream: &ValueStream) {
    let day = stream.working_time.process_day();
    if let (Some(available), Some(node)) = (stream.available, top.get("available"))
        && available > day
    {
        reader.report_at(
            node,
            Diagnostic::warning(
                "available_past_working_day",
                format!(
                    "`available: {}` is more time a day than the working day of {}",
                    shorten(reader.raw(node).trim()),
                    day.human()
                ),
            )
            .help(format!(
                "write the part of the working day spent on the demand, at most `available: {}/day`, or make `working_day:` longer",
                day.human()
            )),
        );
    }
    let Some(demand) = &stream.demand else {
        return;
    };
    let available = stream.available_per_day();
    let takt_ms = available.as_millis() as f64 / demand.total.per_day;
    if takt_ms < 1.0
        && let Some(node) = top.get("demand").or_else(|| top.get("available"))
    {
        reader.report_at(
            node,
            Diagnostic::error(
                "takt_too_short",
                format!(
                    "{} items a day in {} give a takt time of {} ms, under the millisecond vsm counts time in",
                    worktime::format_rate(demand.total.per_day),
                    available.human(),
                    format_number(takt_ms, 3)
                ),
            )
            .help("check the demand's period and the available time: a takt time is at least a millisecond"),
        );
    }
}
