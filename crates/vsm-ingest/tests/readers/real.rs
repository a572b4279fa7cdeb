//! The real logs: read completely, the same in every encoding, and broken copies of them.

use super::*;

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
    // XES through the XML reader and CSV through the tabular one.
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        (
            "cut.xes.gz",
            std::fs::read(testdata("xes/helpdesk.xes.gz")).unwrap(),
        ),
        (
            "cut.csv.gz",
            gzip(&std::fs::read(testdata("csv/receipt.csv")).unwrap()),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let error = read(&path, &ReadOptions::default()).err().unwrap();
        let text = error.to_string();
        assert!(
            text.contains("the gzip data is truncated or damaged"),
            "{name}: {text}"
        );
        assert!(
            error
                .help()
                .unwrap()
                .contains("get the complete file again"),
            "{name}"
        );
    }
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
                log.stats.other_objects.clone(),
            )
        };
        assert_eq!(counts(&json), counts(&xml), "{kind}");
        assert_eq!(json.traces, xml.traces, "{kind}");
        assert_eq!(json.activities, xml.activities, "{kind}");
        // Every event is used or counted, by its type, as another object's: none is bad input.
        assert_eq!(json.stats.events_read, 13);
        assert_eq!(json.stats.skipped_count, 0, "{kind}");
        assert_eq!(
            json.stats.events_used + json.stats.other_objects_count(),
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
fn ocel_events_name_the_object_they_came_through_alike_from_json_and_xml() {
    // PR1 links to PO1 (`PO from PR`), which links to R1 and R2 (`Invoice from PO`).
    let options = ReadOptions {
        object_type: Some("Purchase Requisition".into()),
        follow: vec!["PO from PR".into(), "Invoice from PO".into()],
        ..ReadOptions::default()
    };
    let (json, xml) = read_ocel_both(&options);
    assert_eq!(json.origins, xml.origins);
    assert_eq!(json.traces, xml.traces);
    let pr1 = json
        .traces
        .iter()
        .position(|(item, _)| item == "PR1")
        .unwrap();
    let through: Vec<&str> = json.origins[pr1]
        .iter()
        .map(|(id, _)| id.as_str())
        .collect();
    // e1, e2 and e3 (PR1 and PO1: its own object first), e4 (PO1), e5 and e6 (PO1 and an
    // invoice: the first object that reaches it), e7 (R1 and P1, which it does not reach), e8.
    assert_eq!(
        through,
        ["PR1", "PR1", "PR1", "PO1", "PO1", "PO1", "R1", "R2"]
    );
    assert_eq!(json.origins[pr1][6].1, "Invoice");
    // Without links followed, every event comes through the item's own object.
    let own = read(
        &testdata("ocel/ocel20_example.jsonocel"),
        &ReadOptions {
            object_type: Some("Invoice".into()),
            ..ReadOptions::default()
        },
    )
    .unwrap();
    for ((item, _), origins) in own.traces.iter().zip(&own.origins) {
        assert!(
            origins.iter().all(|(id, _)| id == item),
            "{item}: {origins:?}"
        );
    }
    // Logs that are not object-centric name no objects.
    assert!(read_ok("csv/receipt.csv").origins.iter().all(Vec::is_empty));
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
