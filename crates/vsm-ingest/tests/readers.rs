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
        Ok(Flow::Continue)
    }
}

struct Log {
    stats: ImportStats,
    activities: Vec<String>,
    traces: Vec<(String, Vec<Event>)>,
    attributes: Vec<Vec<Vec<(u32, String)>>>,
}

fn read(path: &Path, options: &ReadOptions) -> Result<Log, IngestError> {
    let mut sink = Collect::default();
    let (stats, names, _) = source::read_log(path, None, options, &mut sink)?;
    Ok(Log {
        stats,
        activities: names.activities.as_slice().to_vec(),
        traces: sink.traces,
        attributes: sink.attributes,
    })
}

fn read_ok(name: &str) -> Log {
    read(&testdata(name), &ReadOptions::default()).unwrap()
}

#[test]
fn real_logs_read_completely() {
    // Events and cases as their publishers give them (testdata/README.md).
    for (name, events, items) in [
        ("xes/bpic2012.xes.gz", 262_200, 13_087),
        ("xes/07_bpic2013_incidents.xes.gz", 65_533, 7_554),
        ("xes/helpdesk.xes.gz", 21_348, 4_580),
        ("xes/running-example.xes", 42, 6),
        ("xes/08_receipt.xes.gz", 8_577, 1_434),
        ("csv/receipt.csv", 8_577, 1_434),
    ] {
        let log = read_ok(name);
        assert_eq!(
            (
                log.stats.events_read,
                log.stats.events_used,
                log.stats.items
            ),
            (events, events, items),
            "{name}"
        );
        assert_eq!(log.stats.skipped_count, 0, "{name}");
        assert_eq!(
            log.traces.iter().map(|t| t.1.len() as u64).sum::<u64>(),
            events,
            "{name}"
        );
    }
}

#[test]
fn the_same_log_as_csv_and_xes_gives_the_same_items() {
    let csv = read_ok("csv/receipt.csv");
    let xes = read_ok("xes/08_receipt.xes.gz");
    type Named = Vec<(String, Vec<(String, i64, Lifecycle)>)>;
    let resolve = |log: &Log| -> Named {
        let mut traces: Vec<_> = log
            .traces
            .iter()
            .map(|(item, events)| {
                let events = events
                    .iter()
                    .map(|e| {
                        (
                            log.activities[e.activity as usize].clone(),
                            e.timestamp,
                            e.lifecycle,
                        )
                    })
                    .collect();
                (item.clone(), events)
            })
            .collect();
        traces.sort_by(|a, b| a.0.cmp(&b.0));
        traces
    };
    assert_eq!(resolve(&csv), resolve(&xes));
}

#[test]
fn interval_logs_carry_start_timestamps_in_both_encodings() {
    let csv = read_ok("csv/interval_event_log.csv");
    let xes = read_ok("xes/interval_event_log.xes");
    assert_eq!(csv.stats.events_used, 8_109);
    let first = |log: &Log| log.traces[0].1[0];
    assert_eq!(first(&csv).start, first(&xes).start);
    let event = first(&csv);
    // place order: 2015-01-05 09:00:07 to 09:02:50 UTC.
    assert_eq!(event.start, Some(1_420_448_407_000));
    assert_eq!(event.timestamp - event.start.unwrap(), 163_000);
    assert!(
        csv.traces
            .iter()
            .flat_map(|t| &t.1)
            .all(|e| e.start.is_some_and(|s| s <= e.timestamp))
    );
}

#[test]
fn lowercase_lifecycles_and_upper_case_ones_pair_up() {
    let teleclaims = read_ok("xes/02_teleclaims.xes.gz");
    let lifecycles: Vec<Lifecycle> = teleclaims
        .traces
        .iter()
        .flat_map(|t| t.1.iter().map(|e| e.lifecycle))
        .collect();
    assert!(lifecycles.contains(&Lifecycle::Start) && lifecycles.contains(&Lifecycle::Complete));
    let bpic = read_ok("xes/bpic2012.xes.gz");
    let starts = bpic
        .traces
        .iter()
        .flat_map(|t| &t.1)
        .filter(|e| e.lifecycle == Lifecycle::Start)
        .count();
    assert!(starts > 10_000, "{starts}");
}

#[test]
fn timestamps_without_offset_follow_the_chosen_zone() {
    let utc = read_ok("xes/14_Billing_1t_per_variant.xes.gz");
    let options = ReadOptions {
        timestamps: TimestampParser::for_zone("+02:00").unwrap(),
        ..ReadOptions::default()
    };
    let shifted = read(&testdata("xes/14_Billing_1t_per_variant.xes.gz"), &options).unwrap();
    assert_eq!(
        utc.traces[0].1[0].timestamp - shifted.traces[0].1[0].timestamp,
        2 * 3_600_000
    );
}

/// A copy of a test log with `edit` applied, under `name`.
fn broken_copy(dir: &Path, source: &str, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(testdata(source)).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, edit(text)).unwrap();
    path
}

#[test]
fn a_bad_timestamp_names_line_field_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = broken_copy(
        dir.path(),
        "csv/interval_event_log.csv",
        "log.csv",
        |text| text.replacen("2015-01-05 10:54:11+00:00", "5 januari 2015", 1),
    );
    let error = read(&path, &ReadOptions::default()).err().unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:3, field `time:timestamp`: `5 januari 2015` is not a timestamp",
            path.display()
        )
    );
    assert!(error.help().unwrap().contains("--skip-invalid"));
    // Skipping goes on, counts and lists what it left out.
    let options = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let log = read(&path, &options).unwrap();
    assert_eq!(
        (
            log.stats.events_read,
            log.stats.events_used,
            log.stats.skipped_count
        ),
        (8_109, 8_108, 1)
    );
    assert_eq!(log.stats.skipped[0].place.line, Some(3));
}

#[test]
fn a_bad_timestamp_in_xes_names_the_line_and_column_of_its_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = broken_copy(dir.path(), "xes/running-example.xes", "log.xes", |text| {
        text.replacen("2010-12-30T14:32:00.000+01:00", "30/12/2010", 1)
    });
    let error = read(&path, &ReadOptions::default())
        .err()
        .unwrap()
        .to_string();
    // The event that holds it starts at the `<event>` before it.
    let text = std::fs::read_to_string(&path).unwrap();
    let event = text[..text.find("30/12/2010").unwrap()]
        .rfind("<event>")
        .unwrap();
    let line = text[..event].matches('\n').count() + 1;
    let column = event - text[..event].rfind('\n').unwrap();
    assert_eq!(
        error,
        format!(
            "{}:{line}:{column}, field `time:timestamp`: `30/12/2010` is not a timestamp",
            path.display()
        )
    );
}

#[test]
fn a_missing_column_lists_the_columns_there_are() {
    let dir = tempfile::tempdir().unwrap();
    let path = broken_copy(
        dir.path(),
        "csv/interval_event_log.csv",
        "log.csv",
        |text| text.replacen(",concept:name,", ",what,", 1),
    );
    let error = read(&path, &ReadOptions::default()).err().unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:1: no activity column (looked for `concept:name`, `activity`, `activity_name`, `event`)",
            path.display()
        )
    );
    assert_eq!(
        error.help(),
        Some(
            "the columns are `case:concept:name`, `what`, `time:timestamp`, `start_timestamp`; name the activity column with --activity-column NAME"
        )
    );
    let mut options = ReadOptions::default();
    options.columns.activity = Some("what".into());
    assert_eq!(read(&path, &options).unwrap().stats.events_used, 8_109);
}

#[test]
fn a_truncated_gzip_file_is_said_to_be_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(testdata("xes/helpdesk.xes.gz")).unwrap();
    let path = dir.path().join("cut.xes.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let error = read(&path, &ReadOptions::default()).err().unwrap();
    let text = error.to_string();
    assert!(
        text.contains("the gzip data is truncated or damaged"),
        "{text}"
    );
    assert!(
        error
            .help()
            .unwrap()
            .contains("get the complete file again")
    );
}

#[test]
fn a_file_that_is_not_what_its_name_says_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.xes");
    std::fs::copy(testdata("csv/receipt.csv"), &path).unwrap();
    let error = read(&path, &ReadOptions::default()).err().unwrap();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:1: the name says XES but the content looks like CSV (it starts `{}…`)",
            path.display(),
            &std::fs::read_to_string(&path).unwrap()[..40]
        )
    );
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    assert!(
        read(&empty, &ReadOptions::default())
            .err()
            .unwrap()
            .to_string()
            .ends_with("the file is empty")
    );
}

#[test]
fn json_lines_read_like_csv() {
    // The receipt log's rows as JSON objects, one per line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("receipt.jsonl");
    let mut out = std::fs::File::create(&path).unwrap();
    let mut reader = csv::Reader::from_path(testdata("csv/receipt.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    for row in reader.records() {
        let row = row.unwrap();
        let object: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(row.iter())
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.to_string())))
            .collect();
        writeln!(out, "{}", serde_json::Value::Object(object)).unwrap();
    }
    drop(out);
    let jsonl = read(&path, &ReadOptions::default()).unwrap();
    let csv = read_ok("csv/receipt.csv");
    assert_eq!(jsonl.stats, csv.stats);
    assert_eq!(jsonl.traces, csv.traces);
    assert_eq!(Format::from_name("log.jsonl"), Some(Format::JsonLines));
}

/// The OCEL example as JSON and as XML. The XML copy writes the same instants as local times
/// without an offset, one hour ahead of the JSON's UTC: the zone option is what makes them agree.
fn read_ocel_both(options: &ReadOptions) -> (Log, Log) {
    let json = read(&testdata("ocel/ocel20_example.jsonocel"), options).unwrap();
    let local = ReadOptions {
        timestamps: TimestampParser::for_zone("+01:00").unwrap(),
        ..options.clone()
    };
    let xml = read(&testdata("ocel/ocel20_example.xmlocel"), &local).unwrap();
    (json, xml)
}

#[test]
fn ocel_json_and_xml_flatten_to_the_same_items() {
    for kind in [
        "Purchase Order",
        "Invoice",
        "Purchase Requisition",
        "Payment",
    ] {
        let options = ReadOptions {
            object_type: Some(kind.to_string()),
            ..ReadOptions::default()
        };
        let (json, xml) = read_ocel_both(&options);
        let counts = |log: &Log| {
            let reasons: Vec<_> = log
                .stats
                .skipped
                .iter()
                .map(|s| (s.place.field.clone(), s.reason.clone()))
                .collect();
            (
                log.stats.events_read,
                log.stats.events_used,
                log.stats.items,
                log.stats.skipped_count,
                reasons,
            )
        };
        assert_eq!(counts(&json), counts(&xml), "{kind}");
        assert_eq!(json.traces, xml.traces, "{kind}");
        assert_eq!(json.activities, xml.activities, "{kind}");
        // Every event is used or said to relate to no object of the type.
        assert_eq!(json.stats.events_read, 13);
        assert_eq!(
            json.stats.events_used + json.stats.skipped_count,
            13,
            "{kind}"
        );
    }
    let options = ReadOptions {
        object_type: Some("Purchase Order".into()),
        ..ReadOptions::default()
    };
    let orders = read(&testdata("ocel/ocel20_example.jsonocel"), &options).unwrap();
    assert!(orders.stats.items >= 1);
    assert!(
        orders
            .activities
            .contains(&"Create Purchase Order".to_string())
    );
}

#[test]
fn ocel_event_attributes_are_kept_alike_from_json_and_xml() {
    let options = ReadOptions {
        object_type: Some("Purchase Requisition".into()),
        attributes: vec!["pr_approver".into(), "pr_creator".into()],
        ..ReadOptions::default()
    };
    let (json, xml) = read_ocel_both(&options);
    assert_eq!(json.attributes, xml.attributes);
    // PR1 is created by Mike (event e1) and approved by Tania (e2): one list per event.
    let pr1 = json
        .traces
        .iter()
        .position(|(item, _)| item == "PR1")
        .unwrap();
    assert_eq!(json.attributes[pr1].len(), json.traces[pr1].1.len());
    assert_eq!(json.attributes[pr1][0], [(1, "Mike".to_string())]);
    assert_eq!(json.attributes[pr1][1], [(0, "Tania".to_string())]);
    // Not asked for: not kept.
    let plain = read(
        &testdata("ocel/ocel20_example.jsonocel"),
        &ReadOptions {
            attributes: Vec::new(),
            ..options
        },
    )
    .unwrap();
    assert!(plain.attributes.iter().all(Vec::is_empty));
}

#[test]
fn an_ocel_log_asks_which_object_type_to_follow() {
    let error = read(
        &testdata("ocel/ocel20_example.jsonocel"),
        &ReadOptions::default(),
    )
    .err()
    .unwrap();
    assert!(
        error
            .to_string()
            .ends_with("this is an object-centric log (OCEL 2.0) with several object types")
    );
    assert_eq!(
        error.help(),
        Some(
            "choose the object type whose journey is the stream with --object-type NAME: `Invoice` (3 objects), `Payment` (3 objects), `Purchase Order` (2 objects), `Purchase Requisition` (1 object)"
        )
    );
    let options = ReadOptions {
        object_type: Some("Order".into()),
        ..ReadOptions::default()
    };
    let error = read(&testdata("ocel/ocel20_example.xmlocel"), &options)
        .err()
        .unwrap();
    assert!(
        error
            .to_string()
            .ends_with("there is no object type `Order` in this log")
    );
}

#[test]
fn a_truncated_gzip_csv_is_said_to_be_truncated_too() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&std::fs::read(testdata("csv/receipt.csv")).unwrap())
        .unwrap();
    let bytes = encoder.finish().unwrap();
    let path = dir.path().join("cut.csv.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let error = read(&path, &ReadOptions::default()).err().unwrap();
    assert!(
        error
            .to_string()
            .contains("the gzip data is truncated or damaged"),
        "{error}"
    );
}

// Hostile and broken input (issue 10): every read ends, in a correct read or a clear error.

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

fn limited(field: u64, trace: u64) -> ReadOptions {
    ReadOptions {
        limits: vsm_ingest::Limits { field, trace },
        ..ReadOptions::default()
    }
}

#[test]
fn a_trace_larger_than_a_segment_is_read_whole() {
    // 40,000 events in one case, 4.4 MB: more than a 2 MiB segment (this used to spin forever).
    let text = one_trace_xes(40_000, plain_event);
    assert!(text.len() > 4_400_000, "{}", text.len());
    let log = read_text("big.xes", &text, &ReadOptions::default()).unwrap();
    assert_eq!(log.stats.events_read, 40_000);
    assert_eq!(log.stats.events_used, 40_000);
    assert_eq!(log.traces.len(), 1);
    assert_eq!(log.traces[0].0, "big");
    assert_eq!(log.traces[0].1.len(), 40_000);
    // And a long trace between short ones, gzipped, keeps the order of the items.
    let mut text = String::from("<log>\n");
    for (name, events) in [("a", 3), ("b", 50_000), ("c", 2)] {
        text.push_str(&format!(
            "<trace><string key=\"concept:name\" value=\"{name}\"/>"
        ));
        for index in 0..events {
            text.push_str(&plain_event(index));
        }
        text.push_str("</trace>\n");
    }
    text.push_str("</log>\n");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).unwrap();
    let log = read_text(
        "mixed.xes.gz",
        &encoder.finish().unwrap(),
        &ReadOptions::default(),
    )
    .unwrap();
    let shape: Vec<(String, usize)> = log
        .traces
        .iter()
        .map(|(item, events)| (item.clone(), events.len()))
        .collect();
    assert_eq!(
        shape,
        [("a".into(), 3), ("b".into(), 50_000), ("c".into(), 2)]
    );
}

#[test]
fn an_event_with_200000_attributes_is_read() {
    let text = one_trace_xes(1, |_| {
        let mut event = String::from("<event>");
        for index in 0..200_000 {
            event.push_str(&format!("<string key=\"extra{index}\" value=\"v\"/>"));
        }
        event.push_str(
            "<string key=\"concept:name\" value=\"a\"/><date key=\"time:timestamp\" value=\"2024-01-01T00:00:00Z\"/></event>",
        );
        event
    });
    let log = read_text("wide.xes", &text, &ReadOptions::default()).unwrap();
    assert_eq!((log.stats.events_read, log.traces[0].1.len()), (1, 1));
}

#[test]
fn whitespace_inside_a_trace_past_the_field_limit_is_a_limit_error() {
    let text = one_trace_xes(3, |index| {
        if index == 1 {
            " ".repeat(5 << 20)
        } else {
            plain_event(index)
        }
    });
    // Within the limit it is read as it is...
    let log = read_text("spaced.xes", &text, &ReadOptions::default()).unwrap();
    assert_eq!(log.stats.events_read, 2);
    // ...and past it the read stops, saying which limit and how to raise it.
    let error = failing("spaced.xes", &text, &limited(1 << 20, 512 << 20));
    let message = error.to_string();
    assert!(
        message.contains("a run of whitespace is longer than 1 MiB"),
        "{message}"
    );
    // From the end of the event before it (line 5).
    assert!(
        message.contains(&format!("spaced.xes:5:{}: a run", plain_event(0).len())),
        "{message}"
    );
    assert!(
        error.help().unwrap().contains("VSM_MAX_FIELD_SIZE="),
        "{error:?}"
    );
}

#[test]
fn a_huge_attribute_value_is_a_limit_error_that_quotes_only_its_start() {
    let text = one_trace_xes(2, |index| {
        if index == 0 {
            format!(
                "<event><string key=\"note\" value=\"{}\"/></event>",
                "A".repeat(6 << 20)
            )
        } else {
            plain_event(index)
        }
    });
    let error = failing("value.xes", &text, &limited(2 << 20, 512 << 20));
    let message = error.to_string();
    assert!(
        message.contains("one element is longer than 2 MiB"),
        "{message}"
    );
    assert!(
        message.contains("it starts `<string key=\"note\" value=\"AAAA"),
        "{message}"
    );
    assert!(message.len() < 400, "{message}");
}

#[test]
fn a_trace_past_the_trace_limit_is_a_limit_error() {
    let text = one_trace_xes(40_000, plain_event);
    let error = failing("big.xes", &text, &limited(1 << 20, 3 << 20));
    let message = error.to_string();
    assert!(
        message.contains("one trace is longer than 3 MiB"),
        "{message}"
    );
    assert!(
        error.help().unwrap().contains("VSM_MAX_TRACE_SIZE="),
        "{error:?}"
    );
}

/// A reader that hands out a few bytes at a time, as a pipe may.
struct Trickle {
    text: Vec<u8>,
    at: usize,
}

impl std::io::Read for Trickle {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = out.len().min(3).min(self.text.len() - self.at);
        out[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn a_log_from_a_pipe_is_read_once_and_whole() {
    // Plain and gzip, in a format told from the content alone: nothing sniffed is lost.
    let csv = std::fs::read(testdata("csv/interval_event_log.csv")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&csv).unwrap();
    let gzip = encoder.finish().unwrap();
    let from_file = read_ok("csv/interval_event_log.csv");
    for text in [csv, gzip] {
        let mut sink = Collect::default();
        let (stats, _, format) = source::read_from(
            Box::new(Trickle { text, at: 0 }),
            "standard input",
            None,
            &ReadOptions::default(),
            &mut sink,
        )
        .unwrap();
        assert_eq!(format, Format::Csv);
        assert_eq!(stats, from_file.stats);
        assert_eq!(sink.traces, from_file.traces);
    }
}

#[test]
fn utf16_logs_are_said_to_be_utf16() {
    let text = "case_id,activity,timestamp\n1,a,2024-01-01T00:00:00Z\n";
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let with_bom = [&[0xff, 0xfe][..], &little].concat();
    for (name, bytes) in [
        ("bom.csv", with_bom),
        ("le.csv", little),
        ("be.csv", big.clone()),
        ("be", big),
    ] {
        let error = failing(name, &bytes, &ReadOptions::default()).to_string();
        assert!(
            error.contains("UTF-16 text: save it as UTF-8"),
            "{name}: {error}"
        );
    }
}

#[test]
fn garbage_and_double_gzip_are_named_for_what_they_are() {
    let xes = std::fs::read(testdata("xes/running-example.xes")).unwrap();
    let gzip = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    };
    let twice = gzip(&gzip(&xes));
    let error = failing("log.xes.gz", &twice, &ReadOptions::default());
    assert!(
        error
            .to_string()
            .ends_with("the name says XES but the content is gzip inside gzip (compressed twice)"),
        "{error}"
    );
    let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let error = failing("log.xes", &garbage, &ReadOptions::default()).to_string();
    assert!(
        error.ends_with("the name says XES but the content is binary data"),
        "{error}"
    );
    let error = failing("log", &gzip(&garbage), &ReadOptions::default()).to_string();
    assert!(
        error.ends_with("the content is binary data, not an event log"),
        "{error}"
    );
    let error = failing(
        "log.csv",
        b"PK\x03\x04\x14\x00\x00\x00",
        &ReadOptions::default(),
    )
    .to_string();
    assert!(error.contains("the content is a zip archive"), "{error}");
    // A Latin-1 CSV is still text.
    let latin1 = b"case_id,activity,timestamp\n1,caf\xe9,2024-01-01T00:00:00Z\n";
    assert_eq!(
        read_text("latin1.csv", latin1, &ReadOptions::default())
            .unwrap()
            .stats
            .events_used,
        1
    );
}

#[test]
fn a_huge_csv_field_or_json_line_is_a_limit_error_quoting_only_its_start() {
    let huge = "B".repeat(3 << 20);
    let csv = format!(
        "case_id,activity,timestamp\n1,a,2024-01-01T00:00:00Z\n2,\"{huge}\",2024-01-01T00:00:00Z\n"
    );
    let jsonl = format!(
        "{{\"case_id\": \"1\", \"activity\": \"a\", \"timestamp\": \"2024-01-01T00:00:00Z\"}}\n{{\"case_id\": \"2\", \"activity\": \"{huge}\"}}\n"
    );
    for (name, text, line, what, starts) in [
        ("log.csv", csv, 3, "one row", "2,\"BBBB"),
        (
            "log.jsonl",
            jsonl,
            2,
            "one line",
            "{\"case_id\": \"2\", \"activity\": \"BBBB",
        ),
    ] {
        // Read whole under the default limit...
        let log = read_text(name, text.as_bytes(), &ReadOptions::default());
        if name == "log.csv" {
            assert_eq!(log.unwrap().stats.events_used, 2);
        } else {
            // (the second line has no timestamp)
            assert!(
                log.err()
                    .unwrap()
                    .to_string()
                    .contains(":2, field `timestamp`")
            );
        }
        // ...and stopped past a lower one, with the line, the limit and how to raise it.
        let error = failing(name, text.as_bytes(), &limited(1 << 20, 512 << 20));
        let message = error.to_string();
        assert!(
            message.contains(&format!("{name}:{line}: {what} is longer than 1 MiB")),
            "{message}"
        );
        assert!(
            message.contains(&format!("it starts `{starts}")),
            "{message}"
        );
        assert!(message.len() < 300, "{message}");
        assert!(error.help().unwrap().contains("VSM_MAX_FIELD_SIZE="));
    }
}

#[test]
fn a_huge_ocel_value_is_a_limit_error() {
    let huge = "C".repeat(3 << 20);
    let json = format!(
        r#"{{"objectTypes": [], "eventTypes": [], "objects": [{{"id": "o1", "type": "Order"}}],
"events": [{{"id": "e1", "type": "{huge}", "time": "2024-01-01T00:00:00Z", "relationships": [{{"objectId": "o1"}}]}}]}}"#
    );
    let xml = format!(
        r#"<log><objects><object id="o1" type="Order"/></objects><events>
<event id="e1" type="Ship" time="2024-01-01T00:00:00Z"><attributes><attribute name="note">{huge}</attribute></attributes></event></events></log>"#
    );
    for (name, text, what) in [
        ("log.jsonocel", json, "one value"),
        ("log.xmlocel", xml, "one element or run of text"),
    ] {
        assert!(read_text(name, text.as_bytes(), &ReadOptions::default()).is_ok());
        let message = failing(name, text.as_bytes(), &limited(1 << 20, 512 << 20)).to_string();
        assert!(
            message.contains(&format!("{name}:2: {what} is longer than 1 MiB")),
            "{message}"
        );
        assert!(message.contains("CCCC…"), "{message}");
        assert!(message.len() < 300, "{message}");
    }
}

#[test]
fn an_unterminated_csv_quote_is_reported_where_it_opened() {
    // The open quote swallows the rows after it: in the middle column it upsets the field count,
    // in the last one it would not, and in both the rows after it would be lost.
    for (row, text) in [
        (
            3,
            "case_id,activity,timestamp\n1,a,2024-01-01T00:00:00Z\n2,\"b,2024-01-01T00:00:00Z\n3,c,2024-01-02T00:00:00Z\n",
        ),
        (
            2,
            "case_id,timestamp,activity\n1,2024-01-01T00:00:00Z,\"a\n2,2024-01-01T00:00:00Z,b\n",
        ),
    ] {
        for options in [
            ReadOptions::default(),
            ReadOptions {
                skip_invalid: true,
                ..ReadOptions::default()
            },
        ] {
            let error = failing("log.csv", text.as_bytes(), &options);
            assert!(
                error.to_string().ends_with(&format!(
                    "log.csv:{row}: a quote opened on this line is never closed, so its field runs to the end of the file"
                )),
                "{error}"
            );
        }
    }
}

#[test]
fn a_csv_header_naming_a_column_twice_is_refused() {
    let text = "case_id,activity,timestamp,activity\n1,a,2024-01-01T00:00:00Z,b\n";
    let error = failing("log.csv", text.as_bytes(), &ReadOptions::default());
    assert!(
        error
            .to_string()
            .ends_with("log.csv:1: columns 2 and 4 are both named `activity`"),
        "{error}"
    );
    // Unnamed columns (trailing separators) are no names to confuse.
    let text = "case_id,activity,timestamp,,\n1,a,2024-01-01T00:00:00Z,,\n";
    assert!(read_text("log.csv", text.as_bytes(), &ReadOptions::default()).is_ok());
}

/// An OCEL 2.0 JSON log of `objects` (id, type) and `events` (id, object ids), an hour apart.
fn ocel_json(objects: &[(&str, &str)], events: &[(&str, &[&str])]) -> String {
    let objects: Vec<String> = objects
        .iter()
        .map(|(id, kind)| format!(r#"{{"id": "{id}", "type": "{kind}"}}"#))
        .collect();
    let events: Vec<String> = events
        .iter()
        .enumerate()
        .map(|(hour, (id, related))| {
            let related: Vec<String> = related
                .iter()
                .map(|object| format!(r#"{{"objectId": "{object}", "qualifier": ""}}"#))
                .collect();
            format!(
                r#"{{"id": "{id}", "type": "step", "time": "2024-01-01T{hour:02}:00:00Z", "relationships": [{}]}}"#,
                related.join(", ")
            )
        })
        .collect();
    format!(
        r#"{{"objectTypes": [], "eventTypes": [], "objects": [{}], "events": [{}]}}"#,
        objects.join(", "),
        events.join(", ")
    )
}

#[test]
fn ocel_duplicate_ids_and_dangling_references_are_reported() {
    let skipping = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let objects = [("o1", "Order"), ("o2", "Order")];
    // A second event with one id, and an event naming an object nobody declared.
    let text = ocel_json(
        &objects,
        &[
            ("e1", &["o1"]),
            ("e1", &["o2"]),
            ("e2", &["o1", "o9"]),
            ("e3", &["o2"]),
        ],
    );
    let error = failing("log.jsonocel", text.as_bytes(), &ReadOptions::default());
    assert!(
        error
            .to_string()
            .ends_with("log.jsonocel, field `event e1`: a second event with the id `e1`"),
        "{error}"
    );
    let log = read_text("log.jsonocel", text.as_bytes(), &skipping).unwrap();
    assert_eq!(
        (
            log.stats.events_read,
            log.stats.events_used,
            log.stats.skipped_count
        ),
        (4, 2, 2)
    );
    assert_eq!(
        log.stats.skipped[1].reason,
        "the event relates to object `o9`, which the log does not declare"
    );
    let text = ocel_json(&objects, &[("e1", &["o1", "o9"])]);
    let error = failing("log.jsonocel", text.as_bytes(), &ReadOptions::default());
    assert!(
        error
            .to_string()
            .contains("object `o9`, which the log does not declare")
    );
    // Two objects with one id: which one an event means cannot be told.
    let text = ocel_json(&[("o1", "Order"), ("o1", "Item")], &[("e1", &["o1"])]);
    for options in [ReadOptions::default(), skipping] {
        let error = failing("log.jsonocel", text.as_bytes(), &options);
        assert!(
            error.to_string().ends_with(
                "field `object o1`: objects 1 (type `Order`) and 2 (type `Item`) both have the id `o1`"
            ),
            "{error}"
        );
    }
}

#[test]
fn an_xes_event_outside_any_trace_is_counted_not_ignored() {
    let event = plain_event(1);
    let trace = format!("<trace><string key=\"concept:name\" value=\"t\"/>{event}</trace>\n");
    for text in [
        // before the first trace, between traces, after the last
        format!("<log>\n{event}{trace}{trace}</log>\n"),
        format!("<log>\n{trace}{event}{trace}</log>\n"),
        format!("<log>\n{trace}{trace}{event}</log>\n"),
    ] {
        let error = failing("log.xes", text.as_bytes(), &ReadOptions::default());
        assert!(
            error
                .to_string()
                .ends_with("an `<event>` outside any `<trace>`"),
            "{error}"
        );
        assert!(error.help().unwrap().contains("--skip-invalid"));
        let options = ReadOptions {
            skip_invalid: true,
            ..ReadOptions::default()
        };
        let log = read_text("log.xes", text.as_bytes(), &options).unwrap();
        assert_eq!(
            (
                log.stats.events_read,
                log.stats.events_used,
                log.stats.skipped_count
            ),
            (3, 2, 1),
            "{text}"
        );
        assert_eq!(
            log.stats.skipped[0].reason,
            "an `<event>` outside any `<trace>`"
        );
    }
}

// Found by the fuzz targets (`fuzz/`): errors that quote a value in full, however long.

/// An error with its help, as the user sees them.
fn shown(error: &IngestError) -> String {
    format!("{error}\nhelp: {}", error.help().unwrap_or_default())
}

fn refused(name: &str, text: &str) -> String {
    shown(&failing(name, text.as_bytes(), &ReadOptions::default()))
}

#[test]
fn a_missing_column_error_stays_short_however_long_the_header() {
    let long_name = format!(
        "case{},activity,time\nA,a,2024-01-01T00:00:00Z\n",
        "x".repeat(100_000)
    );
    let many_columns = format!(
        "{},activity\nA,a\n",
        (0..20_000)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for text in [long_name, many_columns] {
        let shown = refused("fuzzed.csv", &text);
        assert!(shown.contains("no item column"), "{}", &shown[..300]);
        assert!(shown.len() < 2_000, "an error of {} bytes", shown.len());
    }
}

#[test]
fn a_not_well_formed_xml_error_stays_short_however_long_the_element_name() {
    let name = "a".repeat(100_000);
    let ocel = refused(
        "fuzzed.xmlocel",
        &format!("<log><objects><{name}></b></objects></log>"),
    );
    let xes = refused(
        "fuzzed.xes",
        &format!("<log><trace><{name}></b></trace></log>"),
    );
    for shown in [ocel, xes] {
        assert!(shown.contains("not well-formed XML"), "{}", &shown[..300]);
        assert!(shown.len() < 2_000, "an error of {} bytes", shown.len());
    }
}

/// Found by the `tabular` fuzz target: a bad timestamp was quoted whole in the error and in the
/// list of skipped rows (a quoted field can hold a whole file).
#[test]
fn a_bad_timestamp_is_quoted_short_in_errors_and_skips() {
    let value = format!("2024-01-01 {}", "9".repeat(100_000));
    let text = format!("case,activity,timestamp\nA,a,\"{value}\"\nA,b,2024-01-02T00:00:00Z\n");
    let shown = refused("fuzzed.csv", &text);
    assert!(shown.contains("is not a timestamp"), "{}", &shown[..300]);
    assert!(shown.contains("`2024-01-01 999"), "{}", &shown[..300]);
    assert!(shown.len() < 2_000, "an error of {} bytes", shown.len());

    let options = ReadOptions {
        skip_invalid: true,
        ..ReadOptions::default()
    };
    let log = read_text("fuzzed.csv", text.as_bytes(), &options).unwrap();
    assert_eq!(log.stats.skipped_count, 1);
    let reason = &log.stats.skipped[0].reason;
    assert!(reason.contains("is not a timestamp"), "{}", &reason[..300]);
    assert!(reason.len() < 200, "a reason of {} bytes", reason.len());
}

/// Found by the `ocel` fuzz target: serde's message quoted a whole string value where an object
/// was expected (kilobytes of it), in OCEL JSON and in JSON Lines alike.
#[test]
fn a_json_error_quotes_a_huge_value_only_in_part() {
    let huge = "x".repeat(100_000);
    let ocel = refused("fuzzed.jsonocel", &format!("\"{huge}\""));
    let lines = refused("fuzzed.jsonl", &format!("\"{huge}\"\n"));
    for shown in [ocel, lines] {
        assert!(shown.len() < 2_000, "an error of {} bytes", shown.len());
    }
}

#[test]
fn an_xes_place_segments_away_is_its_line_and_column_in_characters() {
    // 5 MB of traces (the reader cuts segments of 2 MiB), names with a two-byte character, and
    // a bad timestamp in the last trace.
    let mut text = String::from("<?xml version=\"1.0\"?>\n<log>\n");
    for index in 0..30_000 {
        let event = if index == 29_999 {
            plain_event(index).replace("2024-01-01T00:00:59Z", "never")
        } else {
            plain_event(index)
        };
        text.push_str(&format!(
            "<trace><string key=\"concept:name\" value=\"é{index}\"/>{event}</trace>\n"
        ));
    }
    text.push_str("</log>\n");
    let event = text.rfind("<event>").unwrap();
    let line = text[..event].matches('\n').count() + 1;
    let column = text[text[..event].rfind('\n').unwrap() + 1..event]
        .chars()
        .count()
        + 1;
    assert_eq!(line, 60_001);
    let error = failing("long.xes", text.as_bytes(), &ReadOptions::default()).to_string();
    assert!(
        error.ends_with(&format!(
            "long.xes:{line}:{column}, field `time:timestamp`: `never` is not a timestamp"
        )),
        "{error}"
    );
}
