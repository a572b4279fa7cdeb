//! `vsm analyze --explain STEP`: where one step's numbers come from, with the arithmetic: its
//! process time in the map's working days, its wait as written or derived from its queue by
//! Little's law (per item type), and its pace against the takt time. Also the JSON of the
//! working time, the demand and a step's queue, which `vsm analyze --format json` carries.

use std::fmt::Write as _;

use serde::Serialize;

use vsm_core::analysis::Analysis;
use vsm_core::model::{Step, ValueStream};
use vsm_core::worktime::{RateSource, WaitSource, format_count};
use vsm_core::{Duration, format_number};

/// The explanation of the step with id `id`, or the ids there are.
pub fn explain(stream: &ValueStream, analysis: &Analysis, id: &str) -> Result<String, String> {
    let Some(index) = stream.step_index(id) else {
        let ids: Vec<&str> = stream.steps.iter().map(|s| s.id.as_str()).collect();
        return Err(format!(
            "the map has no step `{id}`; its steps are {}",
            vsm_core::diagnostic::backticked(ids.iter().copied(), usize::MAX)
        ));
    };
    Ok(stream.told(|| explain_step(stream, analysis, index, None)))
}

/// As [`explain`], for a measured map: a number measured from the event log (`provenance`, the
/// step's marks by step index) says so, and where its items are listed, instead of "estimated".
pub fn explain_measured(
    stream: &ValueStream,
    analysis: &Analysis,
    provenance: &[vsm_core::measure::StepProvenance],
    id: &str,
) -> Result<String, String> {
    explain(stream, analysis, id)?;
    let index = stream.step_index(id).unwrap_or_default();
    Ok(stream.told(|| explain_step(stream, analysis, index, provenance.get(index))))
}

/// What a measured number's line says of where it comes from.
fn measured_from(provenance: vsm_core::measure::Provenance, step: &Step) -> Option<String> {
    use vsm_core::measure::Provenance;
    matches!(provenance, Provenance::Measured | Provenance::Mixed).then(|| {
        format!(
            "{}: from the event log; `vsm measure MAP --explain {}` lists the items behind it",
            provenance.as_str(),
            step.id
        )
    })
}

fn explain_step(
    stream: &ValueStream,
    analysis: &Analysis,
    index: usize,
    provenance: Option<&vsm_core::measure::StepProvenance>,
) -> String {
    let step = &stream.steps[index];
    let metrics = &analysis.steps[index];
    let time = &stream.working_time;
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", crate::step_name(step));
    let _ = writeln!(out, "Days: {}.\n", time.convention());
    let process = provenance.and_then(|p| measured_from(p.process_time, step));
    let _ = writeln!(
        out,
        "Process time  {} ({})",
        metrics.process_time.human(),
        process
            .as_deref()
            .unwrap_or("estimated: hands-on time for one item")
    );
    let wait = provenance.and_then(|p| measured_from(p.wait_time, step));
    if let Some(wait) = wait {
        let _ = writeln!(out, "Wait time     {} ({wait})", metrics.wait_time.human());
    } else {
        explain_wait(stream, &mut out, step, metrics);
    }
    explain_rest(stream, analysis, &mut out, index);
    out
}

fn explain_wait(
    stream: &ValueStream,
    out: &mut String,
    step: &Step,
    metrics: &vsm_core::analysis::StepMetrics,
) {
    match (step.wait_source, stream.queue_derivation(step)) {
        (WaitSource::Derived, Some(Ok(derived))) => {
            let _ = writeln!(
                out,
                "Wait time     {} (derived from the queue by Little's law: wait = queue / throughput)",
                metrics.wait_time.human()
            );
            let rate = match derived.source {
                RateSource::Demand => "the stream's demand",
                RateSource::Step => "the step's throughput",
            };
            // A map silent on working time counts 24-hour days, 7 a week: its days are days.
            let days = if stream.working_time.declared {
                "working days"
            } else {
                "days"
            };
            for line in &derived.lines {
                let what = line
                    .item_type
                    .as_deref()
                    .map_or_else(String::new, |t| format!(" {t}"));
                let _ = writeln!(
                    out,
                    "  {}{what} / {} a day ({rate}) = {} {}",
                    format_count(line.queue),
                    format_number(line.per_day, 2),
                    format_number(line.days, 2),
                    one_or_many(line.days, days)
                );
            }
            if derived.lines.len() > 1 || derived.lines[0].item_type.is_some() {
                let _ = writeln!(
                    out,
                    "  all items: {} / {} a day = {} {} (each type's wait weighted by its demand)",
                    format_count(derived.queue),
                    format_number(derived.per_day, 2),
                    format_number(derived.days, 2),
                    one_or_many(derived.days, days)
                );
            }
            let _ = writeln!(
                out,
                "  {}",
                wait_in_days(stream, derived.days, derived.wait)
            );
        }
        (_, derived) => {
            let _ = writeln!(
                out,
                "Wait time     {} (estimated: written in the map)",
                metrics.wait_time.human()
            );
            if let Some(Ok(derived)) = derived {
                let _ = writeln!(
                    out,
                    "  its queue of {} at {} a day would give {} (the map's check warns beyond {}% apart)",
                    format_count(derived.queue),
                    format_number(derived.per_day, 2),
                    derived.wait.human(),
                    format_number(vsm_core::worktime::QUEUE_TOLERANCE_PERCENT, 0)
                );
            }
        }
    }
}

/// The lead time, and the takt time when the map sets a demand.
fn explain_rest(stream: &ValueStream, analysis: &Analysis, out: &mut String, index: usize) {
    let step = &stream.steps[index];
    let metrics = &analysis.steps[index];
    let _ = writeln!(
        out,
        "Lead time     {} = wait + process",
        metrics.lead_time.human()
    );
    if let (Some(takt), Some(demand)) = (analysis.summary.takt_time, &stream.demand) {
        let at_once = step.capacity.or(step.people).unwrap_or(1).max(1);
        let cycle =
            Duration::from_secs_f64(metrics.process_time.as_secs_f64() / f64::from(at_once));
        let verdict = if cycle > takt {
            "slower than takt: work piles up before it"
        } else {
            "keeps up with takt"
        };
        let _ = writeln!(
            out,
            "Takt time     {} = {} available a day / {} a day ({})",
            takt.human(),
            crate::report::working_hours(stream.available_per_day()),
            format_count(demand.total.per_day),
            demand.total.written
        );
        let _ = writeln!(
            out,
            "  {} an item ({} over {at_once} at once): {verdict}",
            cycle.human(),
            metrics.process_time.human()
        );
    }
}

/// `days` ("days", "working days") for a count of them, singular for exactly one as printed.
fn one_or_many(count: f64, days: &str) -> &str {
    if format_number(count, 2) == "1" {
        days.strip_suffix('s').unwrap_or(days)
    } else {
        days
    }
}

/// How working days of waiting became the wait, in the days waits count in.
fn wait_in_days(stream: &ValueStream, days: f64, wait: Duration) -> String {
    let time = &stream.working_time;
    if !time.declared {
        return format!(
            "{} {} = {} (the map sets no working time: every day is 24 h, 7 a week)",
            format_number(days, 2),
            one_or_many(days, "days"),
            wait.human()
        );
    }
    match time.wait_days {
        vsm_core::worktime::WaitDays::Working => format!(
            "{} working days x {} = {}h of working time",
            format_number(days, 2),
            crate::report::working_hours(time.day),
            format_number(wait.as_secs_f64() / 3600.0, 1)
        ),
        vsm_core::worktime::WaitDays::Calendar => format!(
            "{} working days x 7/{} calendar days each = {} (waits count in calendar days)",
            format_number(days, 2),
            time.week_days,
            wait.human()
        ),
    }
}

#[derive(Debug, Serialize)]
pub struct WorkingTimeReport {
    pub working_day_seconds: f64,
    pub working_week_days: u32,
    pub working_month_days: u32,
    /// `calendar` (24h days) or `working` (the working day): the days of waits and lead times.
    pub wait_days: &'static str,
    /// The convention in words, as the other outputs state it.
    pub convention: String,
}

impl WorkingTimeReport {
    pub fn of(time: &vsm_core::WorkingTime) -> Self {
        WorkingTimeReport {
            working_day_seconds: crate::json::seconds(time.day),
            working_week_days: time.week_days,
            working_month_days: time.month_days,
            wait_days: time.wait_days.as_str(),
            convention: time.convention(),
        }
    }
}

/// The customer's demand, per working day.
#[derive(Debug, Serialize)]
pub struct DemandReport {
    pub per_day: f64,
    /// As the map writes it.
    pub written: String,
    /// Per item type, when the map gives the demand per type.
    pub by_type: Vec<TypeRate>,
}

#[derive(Debug, Serialize)]
pub struct TypeRate {
    #[serde(rename = "type")]
    pub item_type: String,
    pub per_day: f64,
    pub written: String,
}

/// Items waiting before a step, as the map counts them or the log shows them.
#[derive(Debug, Serialize)]
pub struct QueueReport {
    /// Counted in the map, or, measured, the time-weighted mean of the items waiting over the
    /// log's span (one decimal).
    pub items: f64,
    pub by_type: Vec<TypeCount>,
    /// The wait the queue gives by Little's law, in working days; `null` without a rate. For a
    /// measured queue, the step's measured mean wait, in the days waits count in.
    pub days: Option<f64>,
    /// `demand` or `throughput` (the step's own); `null` for a measured queue.
    pub rate_source: Option<&'static str>,
    /// `estimated`: counted in the map; `measured`: from the log (`vsm measure` has its
    /// Little's law check).
    pub provenance: &'static str,
}

#[derive(Debug, Serialize)]
pub struct TypeCount {
    #[serde(rename = "type")]
    pub item_type: String,
    pub items: f64,
}

pub(crate) fn demand_report(stream: &ValueStream) -> Option<DemandReport> {
    let demand = stream.demand.as_ref()?;
    Some(DemandReport {
        per_day: demand.total.per_day,
        written: demand.total.written.clone(),
        by_type: demand
            .by_type
            .iter()
            .map(|(name, rate)| TypeRate {
                item_type: name.clone(),
                per_day: rate.per_day,
                written: rate.written.clone(),
            })
            .collect(),
    })
}

pub(crate) fn queue_report(stream: &ValueStream, step: &Step) -> Option<QueueReport> {
    let queue = step.queue.as_ref()?;
    let derived = stream.queue_derivation(step).and_then(Result::ok);
    Some(QueueReport {
        items: queue.total,
        by_type: queue
            .by_type
            .iter()
            .map(|(name, items)| TypeCount {
                item_type: name.clone(),
                items: *items,
            })
            .collect(),
        days: if queue.measured {
            Some(stream.working_time.days_of(step.wait_time))
        } else {
            derived.as_ref().map(|d| d.days)
        },
        rate_source: derived.map(|d| match d.source {
            RateSource::Demand => "demand",
            RateSource::Step => "throughput",
        }),
        provenance: if queue.measured {
            "measured"
        } else {
            "estimated"
        },
    })
}
