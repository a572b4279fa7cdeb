//! Discovery: reading an event log into a directly-follows graph, and proposing a map from it
//! that measures itself from the same log.

use std::path::Path;

use anyhow::Result;
use vsm_core::discovery::{DirectlyFollows, Discovery, LogEvent};
use vsm_ingest::source::{self, Format};
use vsm_ingest::{Flow, ImportStats, IngestError, Lifecycle, ReadOptions, Trace, TraceSink};

use crate::Files;

/// Feeds each item to discovery.
struct DiscoverySink {
    graph: DirectlyFollows,
    scratch: Vec<LogEvent>,
}

impl TraceSink for DiscoverySink {
    type Error = std::convert::Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Self::Error> {
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
#[derive(Debug)]
pub struct Discovered {
    pub discovery: Discovery,
    pub activities: Vec<String>,
    pub stats: ImportStats,
    pub format: Format,
}

/// Reads the log at `path` (in `format`, or the one its name and content say) and discovers
/// its directly-follows graph.
pub fn run(
    files: &dyn Files,
    path: &Path,
    format: Option<Format>,
    options: &ReadOptions,
) -> Result<Discovered, IngestError> {
    let mut sink = DiscoverySink {
        graph: DirectlyFollows::default(),
        scratch: Vec::new(),
    };
    let input = files.open_log(path)?;
    let name = source::name_of(path);
    let (stats, names, format) =
        source::read_from(input, &name, format, options, &mut sink).map_err(IngestError::from)?;
    let object_centric = matches!(
        format,
        Format::OcelJson | Format::OcelXml | Format::OcelSqlite
    );
    if !options.follow.is_empty() && !object_centric {
        return Err(IngestError::invalid(
            vsm_ingest::Place {
                file: name,
                ..vsm_ingest::Place::default()
            },
            format!(
                "links can be followed only in an object-centric log, and this one was read as {}",
                format.name()
            ),
            "leave out --follow, or give an OCEL 2.0 log (JSON, XML, or the event store `vsm fetch` writes)",
        ));
    }
    Ok(Discovered {
        discovery: sink.graph.finish(),
        activities: names.activities.as_slice().to_vec(),
        stats,
        format,
    })
}

/// How the log was read, as far as a proposed map's `measure:` section can say it again.
#[derive(Clone, Copy, Debug)]
pub struct LogReading<'a> {
    pub options: &'a ReadOptions,
    /// The format forced on the log, if one was.
    pub format: Option<Format>,
    /// The time zone of timestamps without an offset, as given.
    pub zone: Option<&'a str>,
}

/// The `measure:` section of a proposed map written to `output` (standard output: a map saved in
/// the working directory): the log as a path from the map's folder, the zone and object type it
/// was read with. `None` when the log was read with options a map cannot express (column names,
/// a forced format, skipped events), since measuring it would then read it differently, or when
/// it cannot be read again (standard input, a pipe).
pub fn measure_source(
    files: &dyn Files,
    log: &Path,
    output: Option<&Path>,
    reading: LogReading<'_>,
) -> Option<vsm_core::measure::MeasureSource> {
    let options = reading.options;
    let columns = &options.columns;
    let custom = [
        &columns.item,
        &columns.activity,
        &columns.timestamp,
        &columns.start,
        &columns.lifecycle,
        &columns.resource,
    ]
    .iter()
    .any(|c| c.is_some())
        || reading.format.is_some()
        || options.skip_invalid;
    if custom || !files.is_rereadable(log) {
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
        zone: reading.zone.map(ToString::to_string),
        object_type: options.object_type.clone(),
        follow: options.follow.clone(),
        ..vsm_core::measure::MeasureSource::default()
    })
}

/// Measures the proposed map `map` (to be written at `output`, or in this folder) from the log
/// it names, as `vsm analyze` will; `None` if it does not parse (it always should).
fn measure_proposed(
    files: &dyn Files,
    map: &str,
    output: Option<&Path>,
) -> Result<Option<vsm_core::measure::Measurement>> {
    let Some(stream) = vsm_core::parse_map(map).stream else {
        return Ok(None);
    };
    let path = output.unwrap_or(Path::new("discovered.yaml"));
    Ok(crate::measure::measure(files, path, &stream, None)?.map(|m| m.measurement))
}

/// The map proposed from what discovery `found` in the log at `log`, to be written at `output`
/// (`None`: shown, or saved in the working directory). When the log can be read again as the
/// map would read it, the map names it in `measure:` and carries the numbers measured from it,
/// as `vsm analyze` will show them (a second read of the log).
pub fn propose(
    files: &dyn Files,
    log: &Path,
    found: &Discovered,
    output: Option<&Path>,
    reading: LogReading<'_>,
) -> Result<String> {
    if found.discovery.main_path.is_empty() {
        anyhow::bail!(
            "no event of `{}` completes an activity, so there is no path to propose a map from: vsm reads lifecycle `complete` (or none) as a completion, and this log's events all carry another lifecycle value (`start`, or statuses such as `In Progress`); export it with completion events (lifecycle `complete`), or without lifecycle values",
            log.display()
        );
    }
    let log_name = match log.file_name() {
        Some(name) if !source::is_standard_input(log) => name.to_string_lossy().into_owned(),
        _ => source::name_of(log),
    };
    let measure = measure_source(files, log, output, reading);
    let propose = |measured| {
        vsm_core::discovery::proposed_map(
            &found.discovery,
            &found.activities,
            &log_name,
            measure.as_ref(),
            measured,
        )
    };
    let map = propose(None);
    if measure.is_some()
        && let Some(measured) = measure_proposed(files, &map, output)?
    {
        return Ok(propose(Some(&measured)));
    }
    Ok(map)
}
