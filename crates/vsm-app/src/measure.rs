//! Measuring a map from the event log its `measure:` section names.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use vsm_core::ValueStream;
use vsm_core::discovery::LogEvent;
use vsm_core::measure::{Measurement, Measurer, ObjectRef, StepProvenance, StepRule};
use vsm_ingest::{Flow, ImportStats, IngestError, Lifecycle, ReadOptions, Trace, TraceSink};

use crate::Files;

struct MeasureSink<'a> {
    measurer: Measurer<'a>,
    scratch: Vec<LogEvent>,
    /// For each event in `scratch`, the event of the trace it comes from.
    origin: Vec<usize>,
    /// The attributes the rules match on, in `ReadOptions::attributes` order.
    attributes: Vec<String>,
    /// Object-centric logs: the objects events came through, by their place in the log, made
    /// once and shared by the records that name them.
    objects: Vec<Option<Arc<ObjectRef>>>,
}

impl TraceSink for MeasureSink<'_> {
    type Error = std::convert::Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Self::Error> {
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
        if trace.origins.is_empty() {
            self.measurer
                .add_item(trace.item, &mut self.scratch, |id| names.get(id), value);
            return Ok(Flow::Continue);
        }
        if self.objects.len() < trace.objects.len() {
            self.objects.resize(trace.objects.len(), None);
        }
        for &place in trace.origins {
            let place = place as usize;
            if let (Some(slot @ None), Some(object)) =
                (self.objects.get_mut(place), trace.objects.get(place))
            {
                *slot = Some(Arc::new(ObjectRef {
                    id: object.id.clone(),
                    kind: object.kind.clone(),
                    name: object.name.clone(),
                }));
            }
        }
        let (objects, origins) = (&self.objects, trace.origins);
        let object = |position: usize| -> Option<Arc<ObjectRef>> {
            let place = *origins.get(*origin.get(position)?)? as usize;
            objects.get(place)?.clone()
        };
        self.measurer.add_item_of_objects(
            trace.item,
            &mut self.scratch,
            |id| names.get(id),
            value,
            object,
        );
        Ok(Flow::Continue)
    }
}

/// A map measured from its log.
#[derive(Debug)]
pub struct Measured {
    /// The map with measured medians in place of estimates.
    pub stream: ValueStream,
    pub provenance: Vec<StepProvenance>,
    pub measurement: Measurement,
    pub stats: ImportStats,
    pub log: String,
    /// For a future state of a measured current state: that current state, as measured.
    pub current: Option<Box<Current>>,
}

/// The measured map a future state extends, with its own measurement: the current state its
/// simulation is calibrated from.
#[derive(Debug)]
pub struct Current {
    /// The map with measured numbers in place of the estimates.
    pub stream: ValueStream,
    pub measurement: Measurement,
}

/// Measures `stream` (read from `map_path`) if it names an event log; `None` if it does not.
/// `events` replaces the log the map names (a path from the working directory).
pub fn measure(
    files: &dyn Files,
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
        // Named without a `..` detour in every message, where that is the same file.
        crate::paths::without_detours(
            &map_path
                .parent()
                .unwrap_or(Path::new("."))
                .join(&source.log),
        )
    };
    let timestamps = match &source.zone {
        Some(zone) => vsm_ingest::TimestampParser::for_zone(zone).map_err(anyhow::Error::msg)?,
        None => vsm_ingest::TimestampParser::default(),
    };
    let attributes = matched_attributes(stream, source);
    let options = ReadOptions {
        timestamps,
        object_type: source.object_type.clone(),
        follow: source.follow.clone(),
        attributes: attributes.clone(),
        limits: files.log_limits(),
        ..ReadOptions::default()
    };
    let mut measurer = Measurer::new(&stream.steps, rules)
        .with_reentry(source.reentry)
        .with_last_event_ending(source.last_event_ends)
        .with_abandon(source.abandoned.clone());
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
        objects: Vec::new(),
    };
    let name = vsm_ingest::source::name_of(&log_path);
    let (stats, _, _) = files
        .open_log(&log_path)
        .and_then(|input| {
            vsm_ingest::source::read_from(input, &name, None, &options, &mut sink)
                .map_err(IngestError::from)
        })
        .map_err(ingest_error)
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
        current: None,
    }))
}

/// The event attributes the rules of `stream` and its `measure:` section (`source`) match on,
/// sorted, each once: what a reader must keep of each event.
pub fn matched_attributes(
    stream: &ValueStream,
    source: &vsm_core::measure::MeasureSource,
) -> Vec<String> {
    let mut attributes: Vec<String> = stream
        .steps
        .iter()
        .filter_map(|s| s.measure.as_ref()?.attribute.clone())
        .chain(source.abandoned.as_ref().and_then(|a| a.attribute.clone()))
        .collect();
    attributes.sort();
    attributes.dedup();
    attributes
}

impl Measured {
    /// The measurement as the renderers take it; `estimates` is the map as written.
    pub fn view<'a>(&'a self, estimates: &'a ValueStream) -> vsm_render::measure::Measured<'a> {
        vsm_render::measure::Measured {
            estimates,
            stream: &self.stream,
            provenance: &self.provenance,
            measurement: &self.measurement,
            read: vsm_render::measure::LogRead {
                log: &self.log,
                import: import(&self.stats),
            },
        }
    }

    /// This measurement of `base` for the future state `future` that extends it: the measured
    /// numbers of the steps they share, in place in `future` where its design does not set them.
    /// `base` is the current state (the bottom of a chain of `extends:`); as measured, it is kept
    /// in [`Measured::current`].
    #[must_use]
    pub fn for_future(self, base: &ValueStream, future: &ValueStream) -> Measured {
        let current = Some(Box::new(Current {
            stream: self.stream.clone(),
            measurement: self.measurement.clone(),
        }));
        let measurement = self.measurement.for_future(base, future);
        let (stream, provenance) = vsm_core::measure::apply(future, &measurement);
        Measured {
            stream,
            provenance,
            measurement,
            current,
            ..self
        }
    }
}

/// What an import read, used and skipped, as the JSON reports say it.
pub fn import(stats: &ImportStats) -> vsm_render::json::Import {
    vsm_render::json::Import {
        events_read: stats.events_read,
        events_used: stats.events_used,
        events_skipped: stats.skipped_count,
        events_of_other_objects: stats.other_objects_count(),
    }
}

/// An import error with its place and the fix, as one clear message.
pub fn ingest_error(error: IngestError) -> anyhow::Error {
    match error.help() {
        Some(help) => anyhow::anyhow!("{error}\n  help: {help}"),
        None => anyhow::Error::new(error),
    }
}
