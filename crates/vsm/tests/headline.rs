//! The headline lead time of every measured map in `testdata/measure/` is what its items took:
//! recomputed here straight from the parsed events, without vsm's measuring code, and held
//! against `vsm analyze --format json`; and the ladder's parts add up to its mean.
//!
//! An item's lead time runs from its first event to the end of its last step; an item with a step
//! still open at its last event is in progress (unless the map says `last_event: done`).

#![allow(clippy::float_cmp)] // seconds with millisecond precision compare exactly

use std::path::PathBuf;
use std::process::Command;

use vsm_core::measure::{Matching, Pattern, StepRule};
use vsm_ingest::{Flow, Lifecycle, Trace, TraceSink};

mod common;
use common::repo_root;

/// `*` matches any run of characters: the globs of `measure:` rules, written again.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(tail) = text.strip_prefix(head) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

fn any(patterns: &[Pattern], text: &str) -> bool {
    patterns.iter().any(|p| glob(&p.0, text))
}

/// Per finished item, its lead time in milliseconds.
struct Items<'a> {
    rules: &'a [StepRule],
    /// Per rule: the position of its attribute in the options' list.
    attribute: Vec<Option<u32>>,
    last_event_ends: bool,
    calendar: Option<vsm_core::calendar::Calendar>,
    leads: Vec<i64>,
    in_progress: u64,
}

impl TraceSink for Items<'_> {
    type Error = std::convert::Infallible;

    fn trace(&mut self, trace: Trace<'_>) -> Result<Flow, Self::Error> {
        let mut order: Vec<usize> = (0..trace.events.len()).collect();
        order.sort_by_key(|&i| trace.events[i].timestamp);
        let first = order
            .iter()
            .map(|&i| trace.events[i].start.unwrap_or(trace.events[i].timestamp))
            .min()
            .unwrap();
        let last = trace.events[*order.last().unwrap()].timestamp;
        let (mut end, mut open, mut used) = (None::<i64>, false, false);
        for (rule, attribute) in self.rules.iter().zip(&self.attribute) {
            let text = |i: usize| -> &str {
                match attribute {
                    Some(key) => trace.attributes[i]
                        .iter()
                        .find(|(k, _)| k == key)
                        .map_or("", |(_, v)| trace.values.get(*v)),
                    None => trace.activities.get(trace.events[i].activity),
                }
            };
            match &rule.matching {
                Matching::Activity(patterns) => {
                    let mut started = 0i64;
                    for &i in &order {
                        let event = &trace.events[i];
                        if !any(patterns, text(i)) {
                            continue;
                        }
                        used = true;
                        match event.lifecycle {
                            Lifecycle::Start => started += 1,
                            Lifecycle::Complete => {
                                started = (started - 1).max(0);
                                end = end.max(Some(event.timestamp));
                            }
                            Lifecycle::Other => {}
                        }
                    }
                    open |= started > 0;
                }
                Matching::States(patterns) => {
                    let mut inside = false;
                    for &i in &order {
                        let now = any(patterns, text(i));
                        if inside && !now {
                            end = end.max(Some(trace.events[i].timestamp));
                        }
                        inside = now;
                        used |= now;
                    }
                    if inside && self.last_event_ends {
                        end = end.max(Some(last));
                    }
                    open |= inside && !self.last_event_ends;
                }
                Matching::Interval { .. } => panic!("no map in testdata uses start/end rules"),
            }
        }
        if !used {
            return Ok(Flow::Continue);
        }
        if open {
            self.in_progress += 1;
            return Ok(Flow::Continue);
        }
        let end = end.unwrap();
        self.leads.push(match &self.calendar {
            Some(calendar) => calendar.working_millis(first, end),
            None => end - first,
        });
        Ok(Flow::Continue)
    }
}

fn seconds(millis: i64) -> f64 {
    millis as f64 / 1000.0
}

#[test]
fn every_measured_map_states_what_its_items_took_and_its_ladder_adds_up() {
    let root = repo_root();
    let mut maps: Vec<PathBuf> = std::fs::read_dir(root.join("testdata/measure"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    maps.sort();
    assert!(maps.len() >= 6, "{maps:?}");
    for map in &maps {
        let source = std::fs::read_to_string(map).unwrap();
        let stream = vsm_core::parse_map(&source).stream.unwrap();
        let source = stream.measure.clone().unwrap();
        let rules: Vec<StepRule> = stream
            .steps
            .iter()
            .filter_map(|s| s.measure.clone())
            .collect();
        let mut attributes: Vec<String> =
            rules.iter().filter_map(|r| r.attribute.clone()).collect();
        attributes.sort();
        attributes.dedup();
        let calendar = source
            .calendar
            .as_ref()
            .map(|spec| vsm_core::calendar::Calendar::new(spec, jiff::tz::TimeZone::UTC));
        let mut leads = Items {
            rules: &rules,
            attribute: rules
                .iter()
                .map(|r| {
                    r.attribute
                        .as_ref()
                        .map(|a| attributes.iter().position(|x| x == a).unwrap() as u32)
                })
                .collect(),
            last_event_ends: source.last_event_ends,
            calendar,
            leads: Vec::new(),
            in_progress: 0,
        };
        let options = vsm_ingest::ReadOptions {
            attributes: attributes.clone(),
            ..vsm_ingest::ReadOptions::default()
        };
        let log = map.parent().unwrap().join(&source.log);
        vsm_ingest::source::read_log(&log, None, &options, &mut leads).unwrap();

        let output = Command::new(env!("CARGO_BIN_EXE_vsm"))
            .args(["analyze", map.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{map:?}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let measured = &report["measured"];
        let items = &measured["items"];

        // The distribution, computed here: nearest-rank percentiles, the mean truncated to ms.
        let mut sorted = leads.leads.clone();
        sorted.sort_unstable();
        let n = sorted.len();
        assert!(n > 0, "{map:?}");
        let rank = |p: f64| sorted[((p * n as f64).ceil() as usize).clamp(1, n) - 1];
        let mean = sorted.iter().map(|&l| i128::from(l)).sum::<i128>() / n as i128;
        let name = map.file_name().unwrap().to_string_lossy();
        assert_eq!(items["count"], n as u64, "{name}");
        assert_eq!(measured["items_in_progress"], leads.in_progress, "{name}");
        for (field, expected) in [
            ("mean_seconds", mean as i64),
            ("p50_seconds", rank(0.50)),
            ("p85_seconds", rank(0.85)),
            ("p95_seconds", rank(0.95)),
            ("min_seconds", sorted[0]),
            ("max_seconds", sorted[n - 1]),
        ] {
            assert_eq!(
                items[field].as_f64().unwrap(),
                seconds(expected),
                "{name}: {field}"
            );
        }
        // The headline is the summary's lead time.
        assert_eq!(
            report["summary"]["lead_time_seconds"].as_f64().unwrap(),
            seconds(mean as i64),
            "{name}"
        );

        // The ladder adds up to the mean, to the millisecond.
        let ms = |v: &serde_json::Value| (v.as_f64().unwrap() * 1000.0).round() as i64;
        let ladder: i64 = measured["ladder"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| ms(&r["per_item_wait_seconds"]) + ms(&r["per_item_process_seconds"]))
            .sum();
        let parts = ladder
            + ms(&measured["rework_seconds"])
            + ms(&measured["unnamed_activities_seconds"])
            + ms(&measured["remainder_seconds"]);
        assert_eq!(parts, mean as i64, "{name}: the ladder adds up to the mean");
        // The remainder is only the truncation of the means: under a millisecond per part.
        let lines = measured["ladder"].as_array().unwrap().len() as i64 * 2 + 2;
        assert!(
            (0..=lines).contains(&ms(&measured["remainder_seconds"])),
            "{name}: {measured}"
        );
    }
}
