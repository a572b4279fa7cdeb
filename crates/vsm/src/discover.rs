//! `vsm discover`: read an event log, report what it says, propose a map.

use std::convert::Infallible;
use std::path::Path;

use anyhow::Result;
use serde_json::json;
use vsm_core::discovery::{DirectlyFollows, Discovery, LogEvent};
use vsm_ingest::source::{self, Format};
use vsm_ingest::{Flow, ImportStats, IngestError, Lifecycle, ReadOptions, Trace, TraceSink};

/// Feeds each item to discovery.
struct DiscoverySink {
    graph: DirectlyFollows,
    scratch: Vec<LogEvent>,
}

impl TraceSink for DiscoverySink {
    type Error = Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Infallible> {
        self.scratch.clear();
        self.scratch
            .extend(trace.events.iter().map(|event| LogEvent {
                activity: event.activity,
                timestamp: event.timestamp,
                is_start: event.lifecycle == Lifecycle::Start,
                is_complete: event.lifecycle == Lifecycle::Complete,
                start: event.start,
            }));
        self.graph.add_item(&mut self.scratch);
        Ok(Flow::Continue)
    }
}

/// What a discovery run produced.
pub struct Discovered {
    pub discovery: Discovery,
    pub activities: Vec<String>,
    pub stats: ImportStats,
    pub format: Format,
}

pub fn run(
    path: &Path,
    format: Option<Format>,
    options: &ReadOptions,
) -> Result<Discovered, IngestError> {
    let mut sink = DiscoverySink {
        graph: DirectlyFollows::default(),
        scratch: Vec::new(),
    };
    let (stats, names, format) = source::read_log(path, format, options, &mut sink)?;
    Ok(Discovered {
        discovery: sink.graph.finish(),
        activities: names.activities.as_slice().to_vec(),
        stats,
        format,
    })
}

/// "read 262200 events in 13087 items; used 262200; skipped 0", and the first skipped rows.
pub fn import_report(path: &Path, found: &Discovered) -> String {
    let stats = &found.stats;
    let mut text = format!(
        "{}: read {} events ({}); used {} events in {} items; skipped {}",
        source::name_of(path),
        stats.events_read,
        found.format.name(),
        stats.events_used,
        stats.items,
        stats.skipped_count
    );
    for skipped in &stats.skipped {
        text.push_str(&format!(
            "\n  skipped {}: {}",
            skipped.place, skipped.reason
        ));
    }
    if stats.skipped_count > stats.skipped.len() as u64 {
        text.push_str(&format!(
            "\n  ... and {} more",
            stats.skipped_count - stats.skipped.len() as u64
        ));
    }
    text
}

pub fn json(found: &Discovered) -> String {
    let name = |activity: u32| found.activities[activity as usize].as_str();
    let d = &found.discovery;
    let counts = |list: &[(u32, u64)]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|(a, c)| json!({ "activity": name(*a), "count": c }))
            .collect()
    };
    let value = json!({
        "events": d.events,
        "items": d.items,
        "import": {
            "events_read": found.stats.events_read,
            "events_used": found.stats.events_used,
            "events_skipped": found.stats.skipped_count,
        },
        "activities": counts(&d.activities),
        "start_activities": counts(&d.start_activities),
        "end_activities": counts(&d.end_activities),
        "edges": d.edges.iter().map(|e| json!({
            "from": name(e.from),
            "to": name(e.to),
            "count": e.count,
            "mean_seconds": e.mean_seconds,
            "median_seconds": e.median_seconds,
            "min_seconds": e.min_seconds,
            "max_seconds": e.max_seconds,
        })).collect::<Vec<_>>(),
        "main_path": d.main_path.iter().map(|s| json!({
            "activity": name(s.activity),
            "count": s.count,
            "lead_time_seconds": s.lead_time.as_secs_f64(),
            "process_time_seconds": s.process_time.map(vsm_core::Duration::as_secs_f64),
            "process_samples": s.process_samples,
        })).collect::<Vec<_>>(),
        "rework": d.loops.iter().map(|l| json!({
            "from": name(l.from),
            "to": name(l.to),
            "count": l.count,
            "share_percent": l.share.value(),
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&value).expect("serializes");
    text.push('\n');
    text
}

pub fn text(found: &Discovered) -> String {
    let name = |activity: u32| found.activities[activity as usize].as_str();
    let d = &found.discovery;
    let mut out = format!(
        "{} events in {} items, {} activities, {} directly-follows pairs\n\nMain path (most frequent completions):\n",
        d.events,
        d.items,
        d.activities.len(),
        d.edges.len()
    );
    for (index, step) in d.main_path.iter().enumerate() {
        let process = step.process_time.map_or_else(
            || "process time unknown".to_string(),
            |p| format!("process {}", p.human()),
        );
        out.push_str(&format!(
            "  {}. {} ({} completions; lead {}, {process})\n",
            index + 1,
            name(step.activity),
            step.count,
            step.lead_time.human()
        ));
    }
    if !d.loops.is_empty() {
        out.push_str("\nRework (backward moves along the path):\n");
        for loop_ in &d.loops {
            out.push_str(&format!(
                "  {} -> {}: {} times ({} of items leaving it)\n",
                name(loop_.from),
                name(loop_.to),
                loop_.count,
                loop_.share
            ));
        }
    }
    out.push_str("\nMost frequent directly-follows pairs:\n");
    for edge in d.edges.iter().take(15) {
        out.push_str(&format!(
            "  {:>8}  {} -> {}  (median {}, mean {})\n",
            edge.count,
            name(edge.from),
            name(edge.to),
            vsm_core::Duration::from_secs_f64(edge.median_seconds).human(),
            vsm_core::Duration::from_secs_f64(edge.mean_seconds).human()
        ));
    }
    out
}

/// The `measure:` section of a proposed map written to `output` (standard output: a map saved in
/// the working directory): the log as a path from the map's folder, the zone and object type it
/// was read with. `None` when the log was read with options a map cannot express (column names,
/// a forced format, skipped events), since measuring it would then read it differently.
pub fn measure_source(
    log: &Path,
    output: Option<&Path>,
    options: &crate::LogOptions,
) -> Option<vsm_core::measure::MeasureSource> {
    let custom = options.item_column.is_some()
        || options.activity_column.is_some()
        || options.timestamp_column.is_some()
        || options.start_column.is_some()
        || options.lifecycle_column.is_some()
        || options.resource_column.is_some()
        || options.log_format.is_some()
        || options.skip_invalid;
    // A map cannot read standard input or a pipe again.
    let is_file =
        !source::is_standard_input(log) && std::fs::metadata(log).is_ok_and(|m| m.is_file());
    if custom || !is_file {
        return None;
    }
    let log = std::path::absolute(log).ok()?;
    let folder = std::path::absolute(
        output
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new(".")),
    )
    .ok()?;
    let path = log.strip_prefix(&folder).unwrap_or(&log);
    Some(vsm_core::measure::MeasureSource {
        log: path.to_str()?.to_string(),
        zone: options.zone.clone(),
        object_type: options.object_type.clone(),
        calendar: None,
        reentry: vsm_core::measure::Reentry::Rework,
        last_event_ends: false,
    })
}

/// Measures the proposed map `map` (to be written at `output`, or in this folder) from the log
/// it names, as `vsm analyze` will; `None` if it does not parse (it always should).
pub fn measure_proposed(
    map: &str,
    output: Option<&Path>,
) -> Result<Option<vsm_core::measure::Measurement>> {
    let Some(stream) = vsm_core::parse_map(map).stream else {
        return Ok(None);
    };
    let path = output.unwrap_or(Path::new("discovered.yaml"));
    Ok(crate::measure::measure(path, &stream, None)?.map(|m| m.measurement))
}
