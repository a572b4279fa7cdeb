//! Sinks that stop and fail, and logs read from any reader: every format, on the real logs in
//! `testdata/` and on text in memory.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use vsm_ingest::source::{self, Format};
use vsm_ingest::{Flow, ImportStats, ReadError, ReadOptions, Trace, TraceSink};

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// A JSON Lines log of `items` items of three events each.
fn json_lines(items: usize) -> Vec<u8> {
    let mut text = String::new();
    for item in 0..items {
        for (hour, activity) in ["open", "work", "close"].iter().enumerate() {
            text.push_str(&format!(
                "{{\"case_id\": \"{item}\", \"activity\": \"{activity}\", \"timestamp\": \"2024-01-01T{hour:02}:00:00Z\"}}\n"
            ));
        }
    }
    text.into_bytes()
}

/// A log of each format, as (name, text, options).
fn one_of_each() -> Vec<(&'static str, Vec<u8>, ReadOptions)> {
    let file = |name: &str| std::fs::read(testdata(name)).unwrap();
    let invoices = ReadOptions {
        object_type: Some("Invoice".into()),
        ..ReadOptions::default()
    };
    vec![
        (
            "bpic2012.xes.gz",
            file("xes/bpic2012.xes.gz"),
            ReadOptions::default(),
        ),
        (
            "running-example.xes",
            file("xes/running-example.xes"),
            ReadOptions::default(),
        ),
        (
            "receipt.csv",
            file("csv/receipt.csv"),
            ReadOptions::default(),
        ),
        ("log.jsonl", json_lines(20), ReadOptions::default()),
        (
            "ocel20_example.jsonocel",
            file("ocel/ocel20_example.jsonocel"),
            invoices.clone(),
        ),
        (
            "ocel20_example.xmlocel",
            file("ocel/ocel20_example.xmlocel"),
            invoices,
        ),
    ]
}

/// The sink's own error.
#[derive(Debug, PartialEq, Eq)]
struct Refused(String);

/// Takes items until it is told to stop or to fail, and notes what it was called with.
#[derive(Default)]
struct Scripted {
    /// Stop after this many items.
    stop_after: Option<usize>,
    /// Fail on this item (1 is the first), or in `finish` when it is 0.
    fail_at: Option<usize>,
    items: Vec<String>,
    events: u64,
    /// `trace` and `finish`, in the order they were called.
    calls: Vec<&'static str>,
    finished: Option<ImportStats>,
}

impl TraceSink for Scripted {
    type Error = Refused;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Refused> {
        self.calls.push("trace");
        self.items.push(trace.item.to_string());
        self.events += trace.events.len() as u64;
        if self.fail_at == Some(self.items.len()) {
            return Err(Refused(format!("no room for {}", trace.item)));
        }
        Ok(if self.stop_after == Some(self.items.len()) {
            Flow::Stop
        } else {
            Flow::Continue
        })
    }

    fn finish(&mut self, stats: &ImportStats) -> Result<(), Refused> {
        self.calls.push("finish");
        self.finished = Some(stats.clone());
        if self.fail_at == Some(0) {
            return Err(Refused("full".into()));
        }
        Ok(())
    }
}

fn read_from(
    name: &str,
    text: &[u8],
    options: &ReadOptions,
    sink: &mut Scripted,
) -> Result<(ImportStats, Format), ReadError<Refused>> {
    source::read_from(Cursor::new(text.to_vec()), name, None, options, sink)
        .map(|(stats, _, format)| (stats, format))
}

#[test]
fn a_sink_that_stops_after_n_items_gets_exactly_n_in_every_format() {
    for (name, text, options) in one_of_each() {
        for n in [1, 2] {
            let mut sink = Scripted {
                stop_after: Some(n),
                ..Scripted::default()
            };
            let (stats, _) = read_from(name, &text, &options, &mut sink).unwrap();
            assert_eq!(sink.items.len(), n, "{name}");
            assert_eq!(
                (stats.items, stats.events_used),
                (n as u64, sink.events),
                "{name}"
            );
            // Finish is called once, last, with the stats the read returns.
            assert_eq!(sink.calls.last(), Some(&"finish"), "{name}");
            assert_eq!(sink.calls.iter().filter(|c| **c == "finish").count(), 1);
            assert_eq!(sink.finished.as_ref(), Some(&stats), "{name}");
        }
    }
}

#[test]
fn a_stopped_xes_read_counts_the_events_up_to_the_stop() {
    let mut whole = Scripted::default();
    let text = std::fs::read(testdata("xes/bpic2012.xes.gz")).unwrap();
    let (all, _) = read_from(
        "bpic2012.xes.gz",
        &text,
        &ReadOptions::default(),
        &mut whole,
    )
    .unwrap();
    let mut sink = Scripted {
        stop_after: Some(5),
        ..Scripted::default()
    };
    let (stats, _) =
        read_from("bpic2012.xes.gz", &text, &ReadOptions::default(), &mut sink).unwrap();
    assert_eq!(sink.items[..], whole.items[..5]);
    assert_eq!(
        (stats.events_read, stats.events_used),
        (sink.events, sink.events)
    );
    assert!(stats.events_read < all.events_read);
}

/// An XES log that never ends: trace after trace, for as long as it is read.
struct Endless {
    pending: Cursor<Vec<u8>>,
    traces: u64,
}

impl Read for Endless {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.position() as usize == self.pending.get_ref().len() {
            let mut text = if self.traces == 0 {
                String::from("<?xml version=\"1.0\"?>\n<log xes.version=\"1.0\">\n")
            } else {
                String::new()
            };
            for _ in 0..100 {
                self.traces += 1;
                text.push_str(&format!(
                    "<trace><string key=\"concept:name\" value=\"{}\"/><event><string key=\"concept:name\" value=\"a\"/><date key=\"time:timestamp\" value=\"2024-01-01T00:00:00Z\"/></event></trace>\n",
                    self.traces
                ));
            }
            self.pending = Cursor::new(text.into_bytes());
        }
        self.pending.read(out)
    }
}

#[test]
fn a_stop_ends_an_endless_xes_read_and_its_threads() {
    let endless = Endless {
        pending: Cursor::new(Vec::new()),
        traces: 0,
    };
    let mut sink = Scripted {
        stop_after: Some(1_000),
        ..Scripted::default()
    };
    let started = std::time::Instant::now();
    let (stats, _, format) = source::read_from(
        endless,
        "standard input",
        None,
        &ReadOptions::default(),
        &mut sink,
    )
    .unwrap();
    assert_eq!(format, Format::Xes);
    assert_eq!(stats.items, 1_000);
    assert_eq!(sink.items.last().map(String::as_str), Some("1000"));
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn a_sink_error_comes_back_as_the_sinks_own_and_ends_the_read() {
    for (name, text, options) in one_of_each() {
        let mut sink = Scripted {
            fail_at: Some(2),
            ..Scripted::default()
        };
        let error = read_from(name, &text, &options, &mut sink).unwrap_err();
        let ReadError::Sink(refused) = error else {
            panic!("{name}: {error:?}");
        };
        assert_eq!(refused, Refused(format!("no room for {}", sink.items[1])));
        assert_eq!(sink.items.len(), 2, "{name}");
        // Not finished after an error.
        assert!(!sink.calls.contains(&"finish"), "{name}");
    }
}

#[test]
fn finish_is_called_once_after_the_last_item_and_its_error_is_returned() {
    for (name, text, options) in one_of_each() {
        let mut sink = Scripted::default();
        let (stats, _) = read_from(name, &text, &options, &mut sink).unwrap();
        assert_eq!(sink.calls.len() as u64, stats.items + 1, "{name}");
        assert_eq!(sink.calls.last(), Some(&"finish"), "{name}");
        assert_eq!(sink.finished, Some(stats), "{name}");
        let mut failing = Scripted {
            fail_at: Some(0),
            ..Scripted::default()
        };
        let error = read_from(name, &text, &options, &mut failing).unwrap_err();
        assert!(
            matches!(error, ReadError::Sink(Refused(ref what)) if what == "full"),
            "{name}"
        );
    }
}

#[test]
fn a_log_error_is_not_followed_by_finish() {
    let text = b"case_id,activity,timestamp\n1,a,2024-01-01T00:00:00Z\n2,b,yesterday\n";
    let mut sink = Scripted::default();
    let error = read_from("log.csv", text, &ReadOptions::default(), &mut sink).unwrap_err();
    let ReadError::Ingest(error) = error else {
        panic!("{error:?}");
    };
    assert!(error.to_string().contains("log.csv:3"), "{error}");
    assert!(sink.calls.is_empty());
}

#[test]
fn every_format_reads_from_memory_as_from_its_file() {
    for (name, text, options) in one_of_each() {
        if name == "log.jsonl" {
            continue; // made in memory
        }
        let path = std::fs::read_dir(testdata(""))
            .unwrap()
            .map(|folder| folder.unwrap().path().join(name))
            .find(|path| path.exists())
            .unwrap();
        let mut from_file = Scripted::default();
        let (file_stats, _, file_format) =
            source::read_log(&path, None, &options, &mut from_file).unwrap();
        let mut from_memory = Scripted::default();
        let named = path.display().to_string();
        let (stats, format) = read_from(&named, &text, &options, &mut from_memory).unwrap();
        assert_eq!((stats, format), (file_stats, file_format), "{name}");
        assert_eq!(from_memory.items, from_file.items, "{name}");
        assert_eq!(from_memory.events, from_file.events, "{name}");
    }
    // The readers of one format take any buffered reader, a byte slice too.
    let text = std::fs::read(testdata("xes/running-example.xes")).unwrap();
    let mut sink = Scripted::default();
    let mut names = vsm_ingest::xes::LogNames::default();
    let stats = vsm_ingest::xes::read(
        &text[..],
        "running-example.xes",
        &ReadOptions::default(),
        &mut names,
        &mut sink,
    )
    .unwrap();
    assert_eq!((stats.items, stats.events_used), (6, 42));
}
