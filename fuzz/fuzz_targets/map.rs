//! The map reader through analysis and every text renderer.
//!
//! The input is a map file. It is read on its own and as a map that extends a fixed base map;
//! every map that reads without errors is analyzed (its numbers checked), rendered as text,
//! Markdown, JSON, SVG, Mermaid, DOT and HTML (JSON and SVG must parse back), and simulated
//! with a few items when its rework is bounded.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vsm_core::{Analysis, ParsedMap, ValueStream};

/// The map that the input extends in the second reading.
const BASE: &str = "\
name: Base
customer: Users
scope: { start: Requested, end: Running }
steps:
  - id: refine
    name: Refine
    team: Product
    process_time: 2h
    wait_time: 1d
    complete_accurate: 80%
  - id: develop
    team: Dev
    people: 3
    process_time: 16h
    wait_time: 2d
    complete_accurate: 90%
  - id: review
    after: [develop]
    process_time: 1h
    wait_time: 4h
  - id: deploy
    automated: true
    after: [review]
    process_time: 15m
    wait_time: 1d
rework:
  - { from: review, to: develop, share: 20% }
targets:
  lead_time: { max: 10d }
  activity_ratio: { min: 5% }
";

fn base() -> &'static ValueStream {
    static BASE_STREAM: OnceLock<ValueStream> = OnceLock::new();
    BASE_STREAM.get_or_init(|| {
        let parsed = vsm_core::parse_map(BASE);
        parsed
            .stream
            .unwrap_or_else(|| panic!("the base map reads: {:?}", parsed.diagnostics))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let _ = vsm_core::Header::read(source);
    let parsed = vsm_core::parse_map(source);
    check_diagnostics(source, &parsed);
    if let Some(stream) = &parsed.stream {
        exercise(stream);
    }
    let extended = vsm_core::parse_map_extending(source, base());
    check_diagnostics(source, &extended);
    if let Some(stream) = &extended.stream {
        exercise(stream);
    }
});

/// Diagnostics point inside the source, are short, and a map comes only without errors.
fn check_diagnostics(source: &str, parsed: &ParsedMap) {
    assert!(
        parsed.stream.is_none() || !parsed.has_errors(),
        "a map despite errors"
    );
    // YAML breaks lines at `\r` as well as `\n`.
    let lines = source.bytes().filter(|&b| b == b'\n' || b == b'\r').count() + 1;
    for diagnostic in &parsed.diagnostics {
        assert!(!diagnostic.message.is_empty(), "{diagnostic:?}");
        let text = format!(
            "{} {} {}",
            diagnostic.message,
            diagnostic.label.as_deref().unwrap_or_default(),
            diagnostic.help.as_deref().unwrap_or_default()
        );
        assert!(
            text.len() <= 2_000,
            "a diagnostic of {} bytes: {}",
            text.len(),
            vsm_fuzz::head(&text)
        );
        assert!(
            vsm_fuzz::lowercase_start(&diagnostic.message),
            "messages start lowercase: {}",
            diagnostic.message
        );
        let related = diagnostic.related.as_ref().map(|(location, _)| *location);
        for location in diagnostic.location.iter().chain(related.iter()) {
            let end = location.offset + location.len;
            assert!(end <= source.len(), "{diagnostic:?} ends past the source");
            assert!(source.is_char_boundary(location.offset), "{diagnostic:?}");
            assert!(source.is_char_boundary(end), "{diagnostic:?}");
            // A point at the end of the text may be on the line after the last one.
            assert!(
                location.line >= 1 && location.line <= lines + 1,
                "{diagnostic:?}"
            );
            assert!(location.column >= 1, "{diagnostic:?}");
        }
    }
}

fn exercise(stream: &ValueStream) {
    let analysis = vsm_core::analyze(stream);
    check_analysis(stream, &analysis);

    let json = vsm_render::json(stream, &analysis);
    if let Err(error) = serde_json::from_str::<serde_json::Value>(&json) {
        panic!("the JSON rendering does not parse: {error}");
    }
    let svg = vsm_render::svg(stream, &analysis);
    well_formed_xml(&svg);
    let _ = vsm_render::text(stream, &analysis);
    let markdown = vsm_render::markdown(stream, &analysis);
    assert!(
        !markdown.to_ascii_lowercase().contains("<script"),
        "the Markdown passes a script through"
    );
    let _ = vsm_render::mermaid(stream, &analysis);
    let _ = vsm_render::dot(stream, &analysis);
    let _ = vsm_render::html(stream, &analysis);
    simulate(stream, &analysis);
}

fn finite(what: &str, value: f64) {
    assert!(value.is_finite(), "{what} is {value}");
}

fn percent(what: &str, value: f64) {
    finite(what, value);
    assert!(
        (-1e-9..=100.0 + 1e-9).contains(&value),
        "{what} is {value}%"
    );
}

/// The analysis's numbers are numbers, and its totals agree with each other.
fn check_analysis(stream: &ValueStream, analysis: &Analysis) {
    let summary = &analysis.summary;
    percent("the activity ratio", summary.activity_ratio_percent);
    percent("the rolled %C&A", summary.rolled_complete_accurate_percent);
    percent("the manual share", summary.manual_share_percent);
    percent("the automated share", summary.automated_share_percent);
    assert!(
        summary.process_time <= summary.work_content,
        "the critical path's process time {} exceeds the work content {}",
        summary.process_time,
        summary.work_content
    );
    assert!(summary.process_time <= summary.lead_time);
    assert!(summary.wait_time <= summary.lead_time);
    assert!(
        summary.lead_time <= summary.lead_time_with_rework,
        "rework shortens the lead time: {} < {}",
        summary.lead_time_with_rework,
        summary.lead_time
    );
    assert_eq!(analysis.steps.len(), stream.steps.len());
    for step in &analysis.steps {
        percent("a step's lead time share", step.lead_time_share_percent);
        assert!(step.lead_time >= step.process_time && step.lead_time >= step.wait_time);
    }
    for path in [&analysis.critical_path, &analysis.critical_path_with_rework] {
        assert!(path.iter().all(|&i| i < stream.steps.len()));
        assert_eq!(path.is_empty(), stream.steps.is_empty());
    }
    for rework in &analysis.rework {
        finite("expected extra passes", rework.expected_extra_passes);
        assert!(rework.expected_extra_passes >= 0.0);
        assert!(rework.from < stream.steps.len() && rework.to < stream.steps.len());
    }
    for team in &analysis.teams {
        percent(
            "a team's work content share",
            team.work_content_share_percent,
        );
    }
    for bottleneck in &analysis.bottlenecks {
        finite("a bottleneck score", bottleneck.score);
        assert!(bottleneck.step < stream.steps.len());
        assert!(
            !bottleneck.reasons.is_empty(),
            "a bottleneck without a reason"
        );
    }
    if analysis
        .steps
        .iter()
        .map(|s| s.lead_time)
        .any(|lead| lead > summary.lead_time)
    {
        panic!("a step's lead time exceeds the stream's");
    }
}

/// The SVG is well-formed XML: every name in it is escaped.
fn well_formed_xml(text: &str) {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Empty(element)) => {
                for attribute in element.attributes() {
                    if let Err(error) = attribute {
                        panic!("the SVG has a bad attribute: {error}");
                    }
                }
            }
            Ok(_) => {}
            Err(error) => panic!(
                "the SVG is not well-formed at byte {}: {error}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(depth, 0, "the SVG leaves elements open");
}

/// A few items through the stream, when its rework sends them back a bounded number of times.
fn simulate(stream: &ValueStream, analysis: &Analysis) {
    let passes: f64 = analysis
        .rework
        .iter()
        .map(|r| r.expected_extra_passes)
        .sum();
    if stream.steps.len() > 40 || !(passes <= 20.0) {
        return;
    }
    let models = vsm_core::simulate::models(stream, None);
    let config = vsm_core::simulate::Config {
        items: 12,
        seed: 7,
        arrivals_per_week: 5.0,
        wip_limit: None,
        replications: 2,
    };
    let projection = vsm_core::simulate::simulate(stream, &models, &config);
    finite("the throughput", projection.throughput_per_week);
    let lead = &projection.lead_time;
    assert_eq!(lead.count, 12, "every item leaves the stream");
    assert!(lead.min <= lead.p50 && lead.p50 <= lead.p85 && lead.p85 <= lead.p95);
    assert!(lead.p95 <= lead.max && lead.mean <= lead.max && lead.min <= lead.mean);
    for step in &projection.steps {
        finite("a step's mean queue", step.mean_queue_length);
        finite("a step's mean in work", step.mean_in_work);
        if let Some(utilization) = step.utilization {
            finite("a step's utilization", utilization);
        }
    }
}
