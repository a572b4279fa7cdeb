//! Measuring a map from the event log its `measure:` section names, and `vsm measure`.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde_json::json;
use vsm_core::ValueStream;
use vsm_core::discovery::LogEvent;
use vsm_core::measure::{Distribution, Measurement, Measurer, StepProvenance, StepRule, WaitBasis};
use vsm_ingest::{Flow, ImportStats, Lifecycle, ReadOptions, Trace, TraceSink};

struct MeasureSink<'a> {
    measurer: Measurer<'a>,
    scratch: Vec<LogEvent>,
    /// For each event in `scratch`, the event of the trace it comes from.
    origin: Vec<usize>,
    /// The attributes the rules match on, in `ReadOptions::attributes` order.
    attributes: Vec<String>,
}

impl TraceSink for MeasureSink<'_> {
    type Error = Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Infallible> {
        self.scratch.clear();
        self.origin.clear();
        for (index, event) in trace.events.iter().enumerate() {
            // An explicit start timestamp (interval logs) is a start event of the same activity.
            if let Some(start) = event.start {
                // Marked with its start, as the complete event below is: a start event that
                // carries a start is this one, made from an interval event, not an event of
                // the log.
                self.scratch.push(LogEvent {
                    activity: event.activity,
                    timestamp: start,
                    is_start: true,
                    is_complete: false,
                    start: Some(start),
                });
                self.origin.push(index);
            }
            self.scratch.push(LogEvent {
                activity: event.activity,
                timestamp: event.timestamp,
                is_start: event.lifecycle == Lifecycle::Start,
                is_complete: event.lifecycle == Lifecycle::Complete,
                // Marks the event whose start was pushed above: one event of the log, not two.
                start: event.start,
            });
            self.origin.push(index);
        }
        let (names, values, kept, origin, wanted) = (
            trace.activities,
            trace.values,
            trace.attributes,
            &self.origin,
            &self.attributes,
        );
        let value = |position: usize, attribute: &str| -> Option<&str> {
            let key = wanted.iter().position(|a| a == attribute)? as u32;
            let event = kept.get(*origin.get(position)?)?;
            event
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| values.get(*v))
        };
        self.measurer
            .add_item(trace.item, &mut self.scratch, |id| names.get(id), value);
        Ok(Flow::Continue)
    }
}

/// A map measured from its log.
pub struct Measured {
    /// The map with measured medians in place of estimates.
    pub stream: ValueStream,
    pub provenance: Vec<StepProvenance>,
    pub measurement: Measurement,
    pub stats: ImportStats,
    pub log: String,
}

/// Measures `stream` (read from `map_path`) if it names an event log; `None` if it does not.
/// `events` replaces the log the map names (a path from the working directory).
pub fn measure(
    map_path: &Path,
    stream: &ValueStream,
    events: Option<&Path>,
) -> Result<Option<Measured>> {
    let given;
    let source = match (&stream.measure, events) {
        (Some(source), None) => source,
        (None, None) => return Ok(None),
        (source, Some(events)) => {
            // `-` (standard input) stays `-`; a path is taken from the working directory.
            let log = if vsm_ingest::source::is_standard_input(events) {
                events.to_path_buf()
            } else {
                std::path::absolute(events).unwrap_or_else(|_| events.to_path_buf())
            };
            given = vsm_core::measure::MeasureSource {
                log: log.display().to_string(),
                ..source.clone().unwrap_or_default()
            };
            &given
        }
    };
    let rules: Vec<(usize, StepRule)> = stream
        .steps
        .iter()
        .enumerate()
        .filter_map(|(index, step)| step.measure.clone().map(|rule| (index, rule)))
        .collect();
    let log_path = if source.log == "-" && events.is_some() {
        Path::new("-").to_path_buf()
    } else {
        map_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(&source.log)
    };
    let timestamps = match &source.zone {
        Some(zone) => vsm_ingest::TimestampParser::for_zone(zone).map_err(anyhow::Error::msg)?,
        None => vsm_ingest::TimestampParser::default(),
    };
    let mut attributes: Vec<String> = stream
        .steps
        .iter()
        .filter_map(|s| s.measure.as_ref()?.attribute.clone())
        .collect();
    attributes.sort();
    attributes.dedup();
    let options = ReadOptions {
        timestamps,
        object_type: source.object_type.clone(),
        attributes: attributes.clone(),
        limits: crate::input::log_limits()?,
        ..ReadOptions::default()
    };
    let mut measurer = Measurer::new(&stream.steps, rules)
        .with_reentry(source.reentry)
        .with_last_event_ending(source.last_event_ends);
    if let Some(spec) = &source.calendar {
        let zone_name = spec
            .zone
            .as_deref()
            .or(source.zone.as_deref())
            .unwrap_or("UTC");
        let zone = vsm_ingest::timestamp::zone_by_name(zone_name)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("the working calendar of `{}`", map_path.display()))?;
        measurer = measurer.with_calendar(vsm_core::calendar::Calendar::new(spec, zone));
    }
    let mut sink = MeasureSink {
        measurer,
        scratch: Vec::new(),
        origin: Vec::new(),
        attributes,
    };
    let (stats, _, _) = vsm_ingest::source::read_log(&log_path, None, &options, &mut sink)
        .map_err(|error| crate::ingest_error(error.into()))
        .with_context(|| {
            format!(
                "measuring `{}` from the log its `measure:` names (a path relative to the map file)",
                map_path.display()
            )
        })?;
    let measurement = sink.measurer.finish();
    let (measured, provenance) = vsm_core::measure::apply(stream, &measurement);
    Ok(Some(Measured {
        stream: measured,
        provenance,
        measurement,
        stats,
        log: vsm_ingest::source::name_of(&crate::paths::normalize(&log_path)),
    }))
}

/// A measurement of `base` for the future state `future` that extends it: the measured numbers
/// of the steps they share, in place in `future` where its design does not set them.
pub fn for_future(measured: Measured, base: &ValueStream, future: &ValueStream) -> Measured {
    let measurement = measured.measurement.for_future(base, future);
    let (stream, provenance) = vsm_core::measure::apply(future, &measurement);
    Measured {
        stream,
        provenance,
        measurement,
        ..measured
    }
}

/// "read ...; used ...; skipped ..." plus what the log covers.
pub fn import_report(measured: &Measured) -> String {
    let stats = &measured.stats;
    let coverage = &measured.measurement.coverage;
    let mut text = format!(
        "{}: read {} events; used {} events in {} items; skipped {}\n  measured steps cover {} of {} items ({} still in progress)",
        measured.log,
        stats.events_read,
        stats.events_used,
        stats.items,
        stats.skipped_count,
        coverage.items_used,
        coverage.items,
        coverage.items_in_progress
    );
    if !coverage.unmatched.is_empty() {
        let total: u64 = coverage.unmatched.iter().map(|(_, n)| n).sum();
        let listed: Vec<String> = coverage
            .unmatched
            .iter()
            .take(5)
            .map(|(name, n)| format!("{name} ({n})"))
            .collect();
        let more = if coverage.unmatched.len() > 5 {
            ", ..."
        } else {
            ""
        };
        let _ = write!(
            text,
            "\n  {total} events matched no step: {}{more}",
            listed.join(", ")
        );
    }
    text
}

fn distribution_json(d: &Distribution) -> serde_json::Value {
    serde_json::to_value(vsm_render::json::DistributionReport::of(d)).expect("serializes")
}

/// Of a step's items, how many had their wait measured from where.
fn wait_basis_json(step: &vsm_core::measure::StepMeasurement) -> serde_json::Value {
    step.wait_basis
        .iter()
        .map(|(basis, n)| (basis.as_str().to_string(), json!(n)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The measurement as JSON: the items' lead time, per step distributions, WIP, throughput,
/// %C&A; the coverage.
pub fn json(stream: &ValueStream, measured: &Measured) -> String {
    let measurement = &measured.measurement;
    let steps: Vec<serde_json::Value> = measurement
        .steps
        .iter()
        .map(|step| {
            json!({
                "id": stream.steps[step.step].id,
                "completed": step.completed,
                "visited": step.visited,
                "process_time": distribution_json(&step.process_time),
                "wait_time": distribution_json(&step.wait_time),
                "lead_time": distribution_json(&step.lead_time),
                "rework_time": distribution_json(&step.rework_time),
                "wait_measured_from": wait_basis_json(step),
                "work_in_progress": step.work_in_progress,
                "throughput_per_week": step.throughput_per_week,
                "left": step.left,
                "returned": step.returned,
                "complete_accurate_percent": step.complete_accurate.map(vsm_core::Percent::value),
                "flow_efficiency_percent": step.flow_efficiency_percent,
                "timed": step.timed,
            })
        })
        .collect();
    let coverage = &measurement.coverage;
    let value = json!({
        "log": measured.log,
        "import": {
            "events_read": measured.stats.events_read,
            "events_used": measured.stats.events_used,
            "events_skipped": measured.stats.skipped_count,
        },
        "coverage": {
            "items": coverage.items,
            "items_used": coverage.items_used,
            "items_in_progress": coverage.items_in_progress,
            "events": coverage.events,
            "unmatched": coverage.unmatched.iter().map(|(a, n)| json!({"activity": a, "count": n})).collect::<Vec<_>>(),
        },
        "item_lead_time": distribution_json(&measurement.item_lead_time),
        "steps": steps,
    });
    let mut text = serde_json::to_string_pretty(&value).expect("serializes");
    text.push('\n');
    text
}

fn distribution_line(out: &mut String, label: &str, d: &Distribution) {
    if d.count == 0 {
        let _ = writeln!(out, "  {label:<8} no samples");
        return;
    }
    let _ = writeln!(
        out,
        "  {label:<8} mean {:<8} p50 {:<8} p85 {:<8} p95 {:<8} min {:<8} max {:<8} (n={})",
        d.mean.human(),
        d.p50.human(),
        d.p85.human(),
        d.p95.human(),
        d.min.human(),
        d.max.human(),
        d.count
    );
}

/// How many of a step's items had their wait measured from where, one line each.
fn wait_basis_text(out: &mut String, step: &vsm_core::measure::StepMeasurement) {
    if step.wait_basis.len() == 1 && step.wait_basis[0].0 != WaitBasis::Overlap {
        let _ = writeln!(out, "  wait measured {}", step.wait_basis[0].0.describe());
        return;
    }
    for (basis, n) in &step.wait_basis {
        let items = if *n == 1 { "item" } else { "items" };
        let _ = writeln!(out, "  wait of {n} {items}: {}", basis.describe());
    }
}

/// The measurement for people.
pub fn text(stream: &ValueStream, measured: &Measured) -> String {
    let mut out = String::new();
    let measurement = &measured.measurement;
    let _ = writeln!(out, "{}: measured from {}\n", stream.name, measured.log);
    let coverage = &measurement.coverage;
    let _ = writeln!(
        out,
        "Items: {} finished, {} still in progress, {} with no measured step (of {} in the log, {} events)",
        measurement.item_lead_time.count,
        coverage.items_in_progress,
        coverage.items - coverage.items_used,
        coverage.items,
        coverage.events
    );
    distribution_line(&mut out, "lead", &measurement.item_lead_time);
    out.push_str("  (each finished item from its first event to the end of its last step; the step figures below are over these items)\n\n");
    for step in &measurement.steps {
        let s = &stream.steps[step.step];
        let _ = writeln!(out, "{} ({})", s.name, s.id);
        let share = if measurement.item_lead_time.count == 0 {
            0.0
        } else {
            step.visited as f64 * 100.0 / measurement.item_lead_time.count as f64
        };
        let _ = writeln!(
            out,
            "  visited by {} of the finished items ({}); {} finished the step in all, {} in it now, {:.1} per week",
            step.visited,
            vsm_core::format_percent(share),
            step.completed,
            step.work_in_progress,
            step.throughput_per_week
        );
        let lead_label = if step.timed { "lead" } else { "lead*" };
        for (label, d) in [
            ("process", &step.process_time),
            ("wait", &step.wait_time),
            (lead_label, &step.lead_time),
            ("rework", &step.rework_time),
        ] {
            if label == "process" && !step.timed {
                let _ = writeln!(
                    out,
                    "  process  not measured: the log has no start events (the lead time is from the previous step's end to the completion)"
                );
                continue;
            }
            if label == "rework" && step.totals.rework == 0 {
                continue;
            }
            distribution_line(&mut out, label, d);
        }
        wait_basis_text(&mut out, step);
        if let Some(ca) = step.complete_accurate {
            let _ = writeln!(
                out,
                "  %C&A    {ca} ({} of {} items that left came back)",
                step.returned, step.left
            );
        }
        if let Some(efficiency) = step.flow_efficiency_percent {
            let _ = writeln!(
                out,
                "  flow efficiency {}",
                vsm_core::format_percent(efficiency)
            );
        }
        out.push('\n');
    }
    out
}

/// The items behind one step's figures.
pub fn explain(stream: &ValueStream, measured: &Measured, step_id: &str) -> Result<String> {
    let Some(index) = stream.step_index(step_id) else {
        anyhow::bail!(
            "there is no step `{step_id}`; the steps are {}",
            stream
                .steps
                .iter()
                .map(|s| format!("`{}`", s.id))
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let Some(step) = measured.measurement.steps.iter().find(|s| s.step == index) else {
        anyhow::bail!("step `{step_id}` has no `measure:` rule, so no item is behind its numbers");
    };
    let stamp = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms).map_or_else(
            |_| ms.to_string(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    let human = |ms: i64| vsm_core::Duration::from_millis(ms.max(0) as u64).human();
    let unfinished = step.items.len() as u64 - step.visited;
    let mut out = format!(
        "{} ({}): {} items entered it; the {} marked `yes` in `counted` finished the stream and make its figures, the other {unfinished} are still in progress\n",
        stream.steps[index].name,
        step_id,
        step.items.len(),
        step.visited,
    );
    out.push_str("wait: before the first pass and between its sessions; process: worked on the first pass; rework: later passes and the waits before them\n");
    for (basis, n) in &step.wait_basis {
        let _ = writeln!(
            out,
            "  {n} counted items: {} ({})",
            basis.describe(),
            basis.as_str()
        );
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "{:<24} {:<20} {:<20} {:<20} {:>6} {:>10} {:>10} {:>10} {:<14} {:>9} {:>7}",
        "item",
        "entered (UTC)",
        "first start (UTC)",
        "last end (UTC)",
        "visits",
        "wait",
        "process",
        "rework",
        "wait from",
        "came back",
        "counted"
    );
    for record in &step.items {
        let _ = writeln!(
            out,
            "{:<24} {:<20} {:<20} {:<20} {:>6} {:>10} {:>10} {:>10} {:<14} {:>9} {:>7}",
            record.item,
            stamp(record.entered),
            stamp(record.first_start),
            record
                .last_end
                .map_or_else(|| "(in progress)".to_string(), stamp),
            record.visits,
            human(record.wait),
            if record.timed {
                human(record.process)
            } else {
                "-".into()
            },
            human(record.rework()),
            record.basis.as_str(),
            if record.returned { "yes" } else { "" },
            if record.finished { "yes" } else { "" }
        );
    }
    Ok(out)
}

/// Estimates next to the measured numbers, for the text and Markdown reports.
pub fn comparison_text(estimates: &ValueStream, measured: &Measured, map: &Path) -> String {
    let mut out = format!(
        "\nMeasured from {} (means over the finished items that visited each step):\n\n",
        measured.log
    );
    let _ = writeln!(
        out,
        "{:<24} {:>24} {:>24} {:>20}",
        "Step", "Process", "Wait", "%C&A"
    );
    let cell = |estimate: String, measured: String, provenance: vsm_core::measure::Provenance| {
        match provenance {
            vsm_core::measure::Provenance::Estimated => format!("{estimate} (est.)"),
            vsm_core::measure::Provenance::Designed => format!("{estimate} (design)"),
            vsm_core::measure::Provenance::Measured => format!("{measured} (was {estimate})"),
            vsm_core::measure::Provenance::Mixed => format!("{measured}* (was {estimate})"),
        }
    };
    for step in &measured.measurement.steps {
        let (before, after, mark) = (
            &estimates.steps[step.step],
            &measured.stream.steps[step.step],
            measured.provenance[step.step],
        );
        let _ = writeln!(
            out,
            "{:<24} {:>24} {:>24} {:>20}",
            before.id,
            cell(
                before.process_time.human(),
                after.process_time.human(),
                mark.process_time
            ),
            cell(
                before.wait_time.human(),
                after.wait_time.human(),
                mark.wait_time
            ),
            cell(
                before.complete_accurate.to_string(),
                after.complete_accurate.to_string(),
                mark.complete_accurate
            ),
        );
    }
    let mixed = measured
        .provenance
        .iter()
        .any(|p| p.wait_time == vsm_core::measure::Provenance::Mixed);
    if mixed {
        out.push_str(
            "\n* measured lead time less the estimated process time (the log has no start events).",
        );
    }
    let _ = writeln!(
        out,
        "\nOther steps keep their estimates. `vsm measure {}` shows the distributions; `--explain STEP` the items.",
        map.display()
    );
    out
}
