//! `vsm discover`: read an event log, report what it says, propose a map.

use std::path::Path;

use anyhow::Result;
use vsm_core::discovery::{DirectlyFollows, Discovery, LogEvent};
use vsm_ingest::source::{self, Format};
use vsm_ingest::{ImportStats, IngestError, Lifecycle, ReadOptions, Trace, TraceSink};

/// Feeds each item to discovery.
struct DiscoverySink {
    graph: DirectlyFollows,
    scratch: Vec<LogEvent>,
}

impl TraceSink for DiscoverySink {
    fn trace(&mut self, trace: Trace<'_>) {
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
