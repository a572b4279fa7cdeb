//! Found by the fuzz targets (`fuzz/`): errors that quote a value in full, however long.

use super::*;

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
