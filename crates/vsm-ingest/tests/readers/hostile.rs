//! Hostile and broken input (issue 10): every read ends, in a correct read or a clear error.

use super::*;

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
    let log = read_text(
        "mixed.xes.gz",
        &gzip(text.as_bytes()),
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
    let gzipped = gzip(&csv);
    let from_file = read_ok("csv/interval_event_log.csv");
    for text in [csv, gzipped] {
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
