//! The fast scanner against quick-xml on the real logs in testdata/.

use std::io::Read as _;

use super::event::{Defaults, Segment};
use super::fast::{fast_trace, parse_segment, plain_key_value};
use super::segment::read_header;
use super::{Globals, Origin, Parsed, Text};
use crate::{ImportStats, Lifecycle, ReadOptions};

/// `bytes` as the text of a segment at the start of the file.
fn text<'a>(file: &'a str, bytes: &'a [u8]) -> Text<'a> {
    Text::new(file, bytes, Origin::START)
}
/// The body (all traces) and the globals of a real log in testdata/.
fn body_of(name: &str) -> (Vec<u8>, Globals) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/xes")
        .join(name);
    let raw = std::fs::read(&path).unwrap();
    let mut text = Vec::new();
    if raw.starts_with(&[0x1f, 0x8b]) {
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut text)
            .unwrap();
    } else {
        text = raw;
    }
    let start = memchr::memmem::find(&text, b"<trace").unwrap();
    let end = memchr::memmem::rfind(&text, b"</trace>").unwrap() + b"</trace>".len();
    let globals = read_header(&self::text(name, &text[..start])).unwrap();
    (text[start..end].to_vec(), globals)
}

type Resolved = Vec<(
    String,
    Vec<(String, i64, Option<i64>, Lifecycle, Option<String>)>,
)>;

fn resolved(parsed: &Parsed) -> Resolved {
    parsed
        .traces
        .iter()
        .map(|(item, events, _)| {
            let events = events
                .iter()
                .map(|e| {
                    (
                        parsed.names.activities.get(e.activity).to_string(),
                        e.timestamp,
                        e.start,
                        e.lifecycle,
                        e.resource
                            .map(|r| parsed.names.resources.get(r).to_string()),
                    )
                })
                .collect();
            (item.clone(), events)
        })
        .collect()
}

#[test]
fn the_fast_path_reads_every_real_log_as_quick_xml_does() {
    let options = ReadOptions::default();
    for name in [
        "bpic2012.xes.gz",
        "02_teleclaims.xes.gz",
        "03_repairExample.xes.gz",
        "07_bpic2013_incidents.xes.gz",
        "08_receipt.xes.gz",
        "14_Billing_1t_per_variant.xes.gz",
        "helpdesk.xes.gz",
        "interval_event_log.xes",
        "running-example.xes",
    ] {
        let (body, globals) = body_of(name);
        let fast = parse_segment(text(name, &body), &globals, &options).unwrap();
        let mut slow = Parsed::default();
        let segment = Segment {
            text: text(name, &body),
            defaults: Defaults::of(&globals, &mut slow.names),
            options: &options,
        };
        super::quick::parse(&segment, 0..body.len(), &mut slow).unwrap();
        assert_eq!(fast.stats, slow.stats, "{name}");
        assert_eq!(resolved(&fast), resolved(&slow), "{name}");
    }
}

#[test]
fn the_fast_path_takes_plain_traces_and_declines_the_rest() {
    let (body, globals) = body_of("bpic2012.xes.gz");
    let first = &body[..memchr::memmem::find(&body, b"</trace>").unwrap() + 8];
    let options = ReadOptions::default();
    let segment = |bytes| Segment {
        text: text("log", bytes),
        defaults: Defaults {
            activity: None,
            lifecycle: globals.lifecycle,
            resource: None,
        },
        options: &options,
    };
    let mut parsed = Parsed::default();
    assert!(fast_trace(&segment(first), 0..first.len(), &mut parsed).unwrap());
    assert_eq!(parsed.traces.len(), 1);
    let nested = br#"<trace><string key="concept:name" value="1"/><event><list key="l"><string key="concept:name" value="inner"/></list><string key="concept:name" value="a"/><date key="time:timestamp" value="2020-01-01T00:00:00Z"/></event></trace>"#;
    let mut declined = Parsed::default();
    assert!(!fast_trace(&segment(nested), 0..nested.len(), &mut declined).unwrap());
    assert!(declined.traces.is_empty() && declined.stats == ImportStats::default());
    // quick-xml reads it, and the nested `concept:name` is not taken for the event's.
    super::quick::parse(&segment(nested), 0..nested.len(), &mut declined).unwrap();
    assert_eq!(
        declined
            .names
            .activities
            .get(declined.traces[0].1[0].activity),
        "a"
    );
}

#[test]
fn reads_key_and_value_in_any_order_and_quote() {
    assert_eq!(
        plain_key_value(r#" key="concept:name" value="A_SUBMITTED""#),
        Some(("concept:name", "A_SUBMITTED"))
    );
    assert_eq!(plain_key_value(" value='x' key='k'"), Some(("k", "x")));
    assert_eq!(
        plain_key_value(r#" key="k" note="key=&quot;z&quot;" value="v""#),
        Some(("k", "v"))
    );
    assert_eq!(plain_key_value(r#" key = "k" value="v""#), None);
    assert_eq!(plain_key_value(r#" key="k""#), None);
}
