//! `vsm analyze --explain STEP`: where one step's numbers come from, with the arithmetic: its
//! process time in the map's working days, its wait as written or derived from its queue by
//! Little's law (per item type), and its pace against the takt time.

use std::fmt::Write as _;

use vsm_core::analysis::Analysis;
use vsm_core::model::ValueStream;
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
    Ok(stream.told(|| explain_step(stream, analysis, index)))
}

fn explain_step(stream: &ValueStream, analysis: &Analysis, index: usize) -> String {
    let step = &stream.steps[index];
    let metrics = &analysis.steps[index];
    let time = &stream.working_time;
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", crate::step_name(step));
    let _ = writeln!(out, "Days: {}.\n", time.convention());
    let _ = writeln!(
        out,
        "Process time  {} (estimated: hands-on time for one item)",
        metrics.process_time.human()
    );
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
            for line in &derived.lines {
                let what = line
                    .item_type
                    .as_deref()
                    .map_or_else(String::new, |t| format!(" {t}"));
                let _ = writeln!(
                    out,
                    "  {}{what} / {} a day ({rate}) = {} working days",
                    format_count(line.queue),
                    format_number(line.per_day, 2),
                    format_number(line.days, 2)
                );
            }
            if derived.lines.len() > 1 || derived.lines[0].item_type.is_some() {
                let _ = writeln!(
                    out,
                    "  all items: {} / {} a day = {} working days (each type's wait weighted by its demand)",
                    format_count(derived.queue),
                    format_number(derived.per_day, 2),
                    format_number(derived.days, 2)
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
    out
}

/// How working days of waiting became the wait, in the days waits count in.
fn wait_in_days(stream: &ValueStream, days: f64, wait: Duration) -> String {
    let time = &stream.working_time;
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
