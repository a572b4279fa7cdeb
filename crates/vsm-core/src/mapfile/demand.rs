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
                        "a working day of `{}` is out of range: it must be more than 0 and at most 24h",
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
        Some(per_day) => {
            reader.report_at(
                node,
                Diagnostic::error(
                    "invalid_available",
                    format!(
                        "`available: {}` is {}h a working day, out of range: it must be more than 0 and at most 24h a day",
                        shorten(&written),
                        format_number(per_day.as_secs_f64() / 3600.0, 2),
                    ),
                )
                .help("write the time available to meet the demand in a working day, e.g. `available: 7h 40m/day` (two shifts: `15h 20m/day`)"),
            );
            None
        }
        None => {
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
        Some(n) if n < 0.0 => {
            reader.report_at(
                node,
                Diagnostic::error(
                    "wrong_type",
                    format!(
                        "`{}` is negative, not a number of items",
                        shorten(reader.raw(node))
                    ),
                )
                .help("write how many items wait, 0 or more, e.g. `queue: 23` (`queue: 0` when none wait)"),
            );
            None
        }
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
    /// The field the wait was written with, `wait_time` or `lead_time`, for the fix a warning
    /// suggests.
    pub(super) wait_field: &'static str,
}

/// Derives the wait of each step with a queue and no written wait; warns where a written wait
/// and the queue's disagree beyond the tolerance, and where a queue counted per item type leaves
/// out a type of the demand; reports queues that cannot be converted.
///
/// `demand_unreadable`: the map wrote a `demand:` that was reported as invalid; a queue then
/// lacks a rate because of that error, and saying "the map gives no `demand:`" would be false.
pub(super) fn derive_waits(
    reader: &mut Reader<'_>,
    stream: &mut ValueStream,
    notes: &[Option<QueueNote>],
    demand_unreadable: bool,
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
            // The invalid `demand:` is reported where it was written.
            Err(worktime::QueueError::NoRate) if demand_unreadable => continue,
            Err(problem) => {
                reader.report(
                    Diagnostic::error(problem.code(), format!("step `{}`: {problem}", step.id))
                        .at(note.location)
                        .help(problem.help(&types)),
                );
                continue;
            }
        };
        if let Some(missing) = missing_types(stream, step) {
            reader.report(missing_types_warning(step, &missing, &derived).at(note.location));
        }
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
                .help(format!(
                    "recount the queue or the wait; leave out `{}:` to derive the wait from the queue",
                    note.wait_field
                )),
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

/// The demand's item types a queue counted per type leaves out, in the demand's order; `None`
/// when the queue is one count, the step has its own throughput, or every type is counted.
fn missing_types(stream: &ValueStream, step: &crate::model::Step) -> Option<Vec<String>> {
    let queue = step.queue.as_ref()?;
    let demand = stream.demand.as_ref()?;
    if queue.by_type.is_empty() || step.throughput.is_some() {
        return None;
    }
    let missing: Vec<String> = demand
        .by_type
        .iter()
        .filter(|(name, _)| !queue.by_type.iter().any(|(counted, _)| counted == name))
        .map(|(name, _)| name.clone())
        .collect();
    (!missing.is_empty()).then_some(missing)
}

/// The warning for a queue that leaves out item types: they are taken as none waiting, while
/// the queue drains at the whole demand, theirs included.
fn missing_types_warning(
    step: &crate::model::Step,
    missing: &[String],
    derived: &worktime::Derivation,
) -> Diagnostic {
    let names = crate::diagnostic::backticked(missing.iter().map(String::as_str), usize::MAX);
    let kind = if missing.len() == 1 {
        "an item type"
    } else {
        "item types"
    };
    Diagnostic::warning(
        "queue_missing_type",
        format!(
            "step `{}`: the queue leaves out {names}, {kind} of the demand; vsm assumes none of them wait, so the queue of {} drains at the whole demand of {} a day",
            step.id,
            worktime::format_count(derived.queue),
            format_number(derived.per_day, 2),
        ),
    )
    .help(format!(
        "count every item type of the demand in the queue, writing `{}: 0` where none wait",
        missing[0]
    ))
}
