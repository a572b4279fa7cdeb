//! The readers on the real logs in `testdata/` (see its README), and on broken copies of them.

use std::convert::Infallible;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use vsm_ingest::source::{self, Format};
use vsm_ingest::{
    Event, Flow, ImportStats, IngestError, Lifecycle, ReadOptions, TimestampParser, Trace,
    TraceSink,
};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// Keeps every trace, with names resolved.
#[derive(Default)]
struct Collect {
    traces: Vec<(String, Vec<Event>)>,
    /// Per trace, per event: the attributes kept, as (position asked, value).
    attributes: Vec<Vec<Vec<(u32, String)>>>,
    /// Per trace, per event of an object-centric log: the object it came through (id, type).
    origins: Vec<Vec<(String, String)>>,
}

impl TraceSink for Collect {
    type Error = Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Infallible> {
        self.traces
            .push((trace.item.to_string(), trace.events.to_vec()));
        self.attributes.push(
            trace
                .attributes
                .iter()
                .map(|event| {
                    event
                        .iter()
                        .map(|&(key, value)| (key, trace.values.get(value).to_string()))
                        .collect()
                })
                .collect(),
        );
        self.origins.push(
            trace
                .origins
                .iter()
                .map(|&place| {
                    let object = &trace.objects[place as usize];
                    (object.id.clone(), object.kind.clone())
                })
                .collect(),
        );
        Ok(Flow::Continue)
    }
}

struct Log {
    stats: ImportStats,
    activities: Vec<String>,
    traces: Vec<(String, Vec<Event>)>,
    attributes: Vec<Vec<Vec<(u32, String)>>>,
    origins: Vec<Vec<(String, String)>>,
}

fn read(path: &Path, options: &ReadOptions) -> Result<Log, IngestError> {
    let mut sink = Collect::default();
    let (stats, names, _) = source::read_log(path, None, options, &mut sink)?;
    Ok(Log {
        stats,
        activities: names.activities.as_slice().to_vec(),
        traces: sink.traces,
        attributes: sink.attributes,
        origins: sink.origins,
    })
}

fn read_ok(name: &str) -> Log {
    read(&testdata(name), &ReadOptions::default()).unwrap()
}

/// Reads `text` saved under `name` in a fresh folder.
fn read_text(name: &str, text: &[u8], options: &ReadOptions) -> Result<Log, IngestError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    read(&path, options)
}

/// The error reading `text` saved under `name` gives; a read that succeeds fails the test.
fn failing(name: &str, text: &[u8], options: &ReadOptions) -> IngestError {
    match read_text(name, text, options) {
        Ok(_) => panic!("`{name}` is read, though it is bad"),
        Err(error) => error,
    }
}

/// An XES log of one trace whose events are written by `event(index)`.
fn one_trace_xes(events: usize, event: impl Fn(usize) -> String) -> Vec<u8> {
    let mut text = String::from(
        "<?xml version=\"1.0\"?>\n<log xes.version=\"1.0\">\n<trace>\n<string key=\"concept:name\" value=\"big\"/>\n",
    );
    for index in 0..events {
        text.push_str(&event(index));
    }
    text.push_str("</trace>\n</log>\n");
    text.into_bytes()
}

fn plain_event(index: usize) -> String {
    format!(
        "<event><string key=\"concept:name\" value=\"step {}\"/><date key=\"time:timestamp\" value=\"2024-01-01T00:00:{:02}Z\"/></event>\n",
        index % 7,
        index % 60
    )
}

/// `bytes` gzipped.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn limited(field: u64, trace: u64) -> ReadOptions {
    ReadOptions {
        limits: vsm_ingest::Limits { field, trace },
        ..ReadOptions::default()
    }
}

mod fuzzed;
mod hostile;
mod real;
