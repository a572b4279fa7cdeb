//! Discovery: what a raw event log says about the stream, before anyone has mapped it.
//!
//! The directly-follows graph counts, for each pair of activities, how often one event is
//! followed directly by the other within an item, and how long the gap was (as pm4py does:
//! events ordered by time within their item, ties in file order). From it comes a proposed map:
//! the main path, with waits and process times measured, and the backward edges as rework.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};

use crate::{Duration, Percent};

/// A hasher for small integer keys (activity ids and pairs of them): every event of a log goes
/// through these maps, and the default SipHash, built to resist hostile keys, costs several
/// times more than these keys need.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        // Fibonacci hashing: mix, then rotate so the high bits land where the table looks.
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// One event as discovery needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEvent {
    pub activity: u32,
    /// Milliseconds since the epoch.
    pub timestamp: i64,
    /// A start event (lifecycle `start`) rather than a completion.
    pub is_start: bool,
    /// Whether the event is a completion (lifecycle `complete`, or none given).
    pub is_complete: bool,
    /// An explicit start timestamp carried by the event (interval logs), in milliseconds.
    pub start: Option<i64>,
}

/// Accumulates items, one at a time.
#[derive(Debug, Default)]
pub struct DirectlyFollows {
    events: u64,
    items: u64,
    activity_counts: IdMap<u32, u64>,
    starts: IdMap<u32, u64>,
    ends: IdMap<u32, u64>,
    /// Durations in milliseconds per (from, to).
    edges: IdMap<(u32, u32), Vec<i64>>,
    /// The same over completions only: the activity-level graph the proposed map follows.
    completed_edges: IdMap<(u32, u32), Vec<i64>>,
    completed_counts: IdMap<u32, u64>,
    completed_starts: IdMap<u32, u64>,
    completed_ends: IdMap<u32, u64>,
    /// Start-to-completion times per activity, from lifecycle pairs.
    service: IdMap<u32, Vec<i64>>,
    saw_start_events: bool,
}

/// Statistics of one directly-follows edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    pub count: u64,
    pub mean_seconds: f64,
    pub median_seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
}

/// A step of the proposed map.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposedStep {
    pub activity: u32,
    /// Items that reached the step (completions of the activity).
    pub count: u64,
    /// Median time from the previous step's completion to this one's: the step's lead time
    /// (its wait plus its process time). The first step: 0, the log does not say when it was asked.
    pub lead_time: Duration,
    /// Median start-to-completion time, where the log has start events for the activity.
    pub process_time: Option<Duration>,
    /// How many start/complete pairs the process time rests on.
    pub process_samples: u64,
}

/// A backward edge along the main path, read as rework.
#[derive(Clone, Debug, PartialEq)]
pub struct ProposedLoop {
    pub from: u32,
    pub to: u32,
    pub count: u64,
    /// count / completions of `from`.
    pub share: Percent,
}

/// What discovery found.
#[derive(Clone, Debug, PartialEq)]
pub struct Discovery {
    pub events: u64,
    pub items: u64,
    /// (activity, events), most frequent first.
    pub activities: Vec<(u32, u64)>,
    pub start_activities: Vec<(u32, u64)>,
    pub end_activities: Vec<(u32, u64)>,
    /// Directly-follows edges over all events, most frequent first (then by names' order).
    pub edges: Vec<Edge>,
    pub main_path: Vec<ProposedStep>,
    pub loops: Vec<ProposedLoop>,
    /// Activities off the main path, with their completions.
    pub other_activities: Vec<(u32, u64)>,
}

fn median(sorted: &[i64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        sorted[n / 2] as f64
    } else {
        f64::midpoint(sorted[n / 2 - 1] as f64, sorted[n / 2] as f64)
    }
}

fn ranked(counts: &IdMap<u32, u64>) -> Vec<(u32, u64)> {
    let mut list: Vec<(u32, u64)> = counts.iter().map(|(&a, &c)| (a, c)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list
}

impl DirectlyFollows {
    /// Adds one item's events, in file order; they are ordered by time here (ties keep file order).
    ///
    /// Events with their own start timestamp (interval logs) are ordered by start, then end, and
    /// the time of an edge runs from the end of one event to the start of the next (none when
    /// the next started first), as pm4py measures interval logs; otherwise from one timestamp
    /// to the next.
    pub fn add_item(&mut self, events: &mut [LogEvent]) {
        if events.is_empty() {
            return;
        }
        let begins = |event: &LogEvent| event.start.unwrap_or(event.timestamp);
        events.sort_by_key(|event| (begins(event), event.timestamp));
        self.items += 1;
        self.events += events.len() as u64;
        for event in events.iter() {
            *self.activity_counts.entry(event.activity).or_default() += 1;
            self.saw_start_events |= event.is_start;
        }
        *self.starts.entry(events[0].activity).or_default() += 1;
        *self
            .ends
            .entry(events[events.len() - 1].activity)
            .or_default() += 1;
        for pair in events.windows(2) {
            self.edges
                .entry((pair[0].activity, pair[1].activity))
                .or_default()
                .push((begins(&pair[1]) - pair[0].timestamp).max(0));
        }
        // Start-to-completion pairs: each completion closes the latest open start of its activity.
        let mut open: Vec<(u32, i64)> = Vec::new();
        for event in events.iter() {
            if let (Some(started), true) = (event.start, event.is_complete) {
                self.service
                    .entry(event.activity)
                    .or_default()
                    .push(event.timestamp - started);
                self.saw_start_events = true;
            } else if event.is_start {
                open.push((event.activity, event.timestamp));
            } else if event.is_complete
                && let Some(position) = open
                    .iter()
                    .rposition(|(activity, _)| *activity == event.activity)
            {
                let (_, started) = open.remove(position);
                self.service
                    .entry(event.activity)
                    .or_default()
                    .push(event.timestamp - started);
            }
        }
        let completions: Vec<&LogEvent> = events.iter().filter(|e| e.is_complete).collect();
        if let (Some(first), Some(last)) = (completions.first(), completions.last()) {
            *self.completed_starts.entry(first.activity).or_default() += 1;
            *self.completed_ends.entry(last.activity).or_default() += 1;
        }
        for event in &completions {
            *self.completed_counts.entry(event.activity).or_default() += 1;
        }
        for pair in completions.windows(2) {
            self.completed_edges
                .entry((pair[0].activity, pair[1].activity))
                .or_default()
                .push(pair[1].timestamp - pair[0].timestamp);
        }
    }

    /// The statistics and the proposed main path.
    pub fn finish(mut self) -> Discovery {
        let mut edges: Vec<Edge> = self
            .edges
            .iter_mut()
            .map(|(&(from, to), durations)| {
                durations.sort_unstable();
                let count = durations.len() as u64;
                let sum: i64 = durations.iter().sum();
                Edge {
                    from,
                    to,
                    count,
                    mean_seconds: sum as f64 / count as f64 / 1000.0,
                    median_seconds: median(durations) / 1000.0,
                    min_seconds: durations[0] as f64 / 1000.0,
                    max_seconds: durations[durations.len() - 1] as f64 / 1000.0,
                }
            })
            .collect();
        edges.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then((a.from, a.to).cmp(&(b.from, b.to)))
        });

        let completed_counts = &self.completed_counts;
        let edge_count =
            |from: u32, to: u32| self.completed_edges.get(&(from, to)).map_or(0, Vec::len) as u64;
        let mut main: Vec<u32> = Vec::new();
        if let Some(&(first, _)) = ranked(&self.completed_starts).first() {
            main.push(first);
            loop {
                let current = *main.last().expect("not empty");
                let ends_here = self.completed_ends.get(&current).copied().unwrap_or(0);
                let next = self
                    .completed_edges
                    .iter()
                    .filter(|((from, to), _)| *from == current && !main.contains(to))
                    .map(|((_, to), durations)| (*to, durations.len() as u64))
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
                match next {
                    Some((to, count)) if count > ends_here => main.push(to),
                    _ => break,
                }
            }
        }
        let main_path: Vec<ProposedStep> = main
            .iter()
            .enumerate()
            .map(|(index, &activity)| {
                let lead_time = if index == 0 {
                    Duration::ZERO
                } else {
                    let mut gaps = self
                        .completed_edges
                        .get(&(main[index - 1], activity))
                        .cloned()
                        .unwrap_or_default();
                    gaps.sort_unstable();
                    Duration::from_secs_f64(median(&gaps) / 1000.0)
                };
                let (process_time, process_samples) = match self.service.get_mut(&activity) {
                    Some(times) if !times.is_empty() => {
                        times.sort_unstable();
                        (
                            Some(Duration::from_secs_f64(median(times) / 1000.0)),
                            times.len() as u64,
                        )
                    }
                    _ => (None, 0),
                };
                ProposedStep {
                    activity,
                    count: completed_counts.get(&activity).copied().unwrap_or(0),
                    lead_time,
                    process_time,
                    process_samples,
                }
            })
            .collect();
        let mut loops = Vec::new();
        for (from_index, &from) in main.iter().enumerate() {
            for &to in main.iter().take(from_index + 1) {
                let count = edge_count(from, to);
                let completions = completed_counts.get(&from).copied().unwrap_or(0);
                if count == 0 || completions == 0 {
                    continue;
                }
                let share = (count as f64 * 100.0 / completions as f64).min(95.0);
                loops.push(ProposedLoop {
                    from,
                    to,
                    count,
                    share: Percent::new((share * 10.0).round() / 10.0).expect("0..=95"),
                });
            }
        }
        let mut other_activities: Vec<(u32, u64)> = ranked(completed_counts)
            .into_iter()
            .filter(|(activity, _)| !main.contains(activity))
            .collect();
        other_activities.truncate(50);
        Discovery {
            events: self.events,
            items: self.items,
            activities: ranked(&self.activity_counts),
            start_activities: ranked(&self.starts),
            end_activities: ranked(&self.ends),
            edges,
            main_path,
            loops,
            other_activities,
        }
    }

    /// Whether the log had lifecycle start events (so process times could be measured).
    pub fn has_start_events(&self) -> bool {
        self.saw_start_events
    }
}

/// A step id from an activity name: `W_Completeren aanvraag` becomes `w-completeren-aanvraag`.
fn slug(name: &str, taken: &mut Vec<String>) -> String {
    let mut id: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    // Ids are at most 100 characters: a long activity name gives a shortened id.
    if let Some((cut, _)) = id.char_indices().nth(60) {
        id.truncate(cut);
        id = id.trim_end_matches('-').to_string();
    }
    if id.is_empty() {
        id = "step".into();
    }
    let base = id.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    taken.push(id.clone());
    id
}

/// `text` as a YAML double-quoted string that reads back as exactly `text`: backslashes,
/// quotes and control characters (a newline in an activity name) escaped. Proposed maps and
/// Mermaid's front matter both write names with it.
pub fn yaml_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` for a comment line: control characters (which would end the comment) escaped.
fn comment(text: &str) -> String {
    let quoted = yaml_quote(text);
    quoted[1..quoted.len() - 1].to_string()
}

/// A step id as YAML: plain when it reads back as that text, quoted when YAML would read it as
/// something else (`null`, `true`, a number).
fn id_yaml(id: &str) -> String {
    let keyword = ["null", "true", "false", "yes", "no", "on", "off", "y", "n"]
        .iter()
        .any(|k| id.eq_ignore_ascii_case(k));
    if keyword || !id.starts_with(|c: char| c.is_alphabetic()) {
        yaml_quote(id)
    } else {
        id.to_string()
    }
}

/// The proposed map as a YAML file, with a header saying where every number came from. With
/// `measure` (the log as the map should name it), each step gets a rule for its activity, so
/// that the map is measured from the log as it stands.
///
/// With `measured` (this very map measured from its log), each step's numbers are the measured
/// means that `vsm analyze` shows for it, instead of the directly-follows medians.
pub fn proposed_map(
    discovery: &Discovery,
    names: &[String],
    log_name: &str,
    measure: Option<&crate::measure::MeasureSource>,
    measured: Option<&crate::measure::Measurement>,
) -> String {
    let name = |activity: u32| names[activity as usize].as_str();
    let mut ids = Vec::new();
    let step_ids: Vec<String> = discovery
        .main_path
        .iter()
        .map(|s| slug(name(s.activity), &mut ids))
        .collect();
    let mut out = String::new();
    let _ = writeln!(out, "# yaml-language-server: $schema=vsm-map.schema.json");
    let _ = writeln!(out, "#");
    let _ = writeln!(
        out,
        "# Proposed by `vsm discover` from {}: {} events in {} items.",
        comment(log_name),
        discovery.events,
        discovery.items
    );
    out.push_str("# Steps follow the most frequent path of completed activities.");
    if measured.is_some() {
        out.push_str(" Each step's wait and process time are\n# the means that `vsm analyze` measures for it: over the finished items that visited it, wait\n# before it and between its sessions, process time where the log has start events (0 where it\n# has none: fill in an estimate).\n");
    } else {
        out.push_str(" The time from the previous step's\n# completion to this step's (median) is the step's lead time; process_time is the median start-to-\n# complete time where the log has start events, and 0 where it has none (fill in an estimate).\n");
    }
    out.push_str("# Rework loops are the backward moves along the path, with their share of the items leaving the\n# step.\n");
    out.push_str("# Review names, teams and %C&A before you rely on the numbers.\n");
    if measure.is_some() {
        out.push_str("# Each step is measured from the log by its activity (`measure:`): `vsm analyze` uses the\n");
        out.push_str("# measured numbers, `vsm simulate` draws from the measured items.\n");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "name: {}",
        yaml_quote(&format!("Discovered from {log_name}"))
    );
    out.push_str("steps:\n");
    for (index, (step, id)) in discovery.main_path.iter().zip(&step_ids).enumerate() {
        let _ = writeln!(out, "  - id: {}", id_yaml(id));
        let _ = writeln!(out, "    name: {}", yaml_quote(name(step.activity)));
        let reached = format!("{} completions", step.count);
        let measured_step = measured
            .and_then(|m| m.steps.iter().find(|s| s.step == index))
            .filter(|s| s.visited > 0);
        if let Some(m) = measured_step {
            let over = format!("mean of the {} finished items that visited it", m.visited);
            if m.timed {
                let _ = writeln!(out, "    process_time: {}    # {over}", m.process_time.mean);
                let _ = writeln!(out, "    wait_time: {}    # {over}", m.wait_time.mean);
            } else {
                out.push_str(
                    "    process_time: 0    # no start events in the log: estimate it
",
                );
                let _ = writeln!(
                    out,
                    "    wait_time: {}    # {over}: its whole lead time, less the process time",
                    m.lead_time.mean
                );
            }
            if measure.is_some() {
                let _ = writeln!(
                    out,
                    "    measure: {{ activity: {} }}",
                    yaml_quote(name(step.activity))
                );
            }
            continue;
        }
        match step.process_time {
            Some(process) => {
                let _ = writeln!(
                    out,
                    "    process_time: {process}    # median of {} start/complete pairs",
                    step.process_samples
                );
            }
            None => {
                out.push_str("    process_time: 0    # no start events in the log: estimate it\n");
            }
        }
        let _ = match step.process_time {
            // Longer than the gap since the previous step: the work overlapped the wait.
            Some(process) if process > step.lead_time => writeln!(
                out,
                "    wait_time: 0    # the median gap since the previous step ({}) is shorter; {reached}",
                step.lead_time
            ),
            Some(_) => writeln!(
                out,
                "    lead_time: {}    # median time since the previous step completed; {reached}",
                step.lead_time
            ),
            None => writeln!(
                out,
                "    wait_time: {}    # median time since the previous step completed; {reached}",
                step.lead_time
            ),
        };
        if measure.is_some() {
            let _ = writeln!(
                out,
                "    measure: {{ activity: {} }}",
                yaml_quote(name(step.activity))
            );
        }
    }
    if let Some(source) = measure {
        out.push_str("measure:\n");
        let _ = writeln!(out, "  log: {}", yaml_quote(&source.log));
        if let Some(zone) = &source.zone {
            let _ = writeln!(out, "  zone: {}", yaml_quote(zone));
        }
        if let Some(object_type) = &source.object_type {
            let _ = writeln!(out, "  object_type: {}", yaml_quote(object_type));
        }
    }
    // A loop no item takes says nothing.
    let loops: Vec<&ProposedLoop> = discovery
        .loops
        .iter()
        .filter(|l| l.count > 0 && l.share > Percent::ZERO)
        .collect();
    if !loops.is_empty() {
        out.push_str("rework:\n");
        for loop_ in loops {
            let from = discovery
                .main_path
                .iter()
                .position(|s| s.activity == loop_.from)
                .expect("on the path");
            let to = discovery
                .main_path
                .iter()
                .position(|s| s.activity == loop_.to)
                .expect("on the path");
            let _ = writeln!(
                out,
                "  - {{ from: {}, to: {}, share: {} }}    # {} backward moves",
                id_yaml(&step_ids[from]),
                id_yaml(&step_ids[to]),
                loop_.share,
                loop_.count
            );
        }
    }
    if !discovery.other_activities.is_empty() {
        out.push_str(
            "\n# Activities off the main path (completions); add them as steps if they matter:\n",
        );
        for (activity, count) in &discovery.other_activities {
            let _ = writeln!(out, "#   {}: {count}", comment(name(*activity)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(activity: u32, minutes: i64) -> LogEvent {
        LogEvent {
            activity,
            timestamp: minutes * 60_000,
            is_start: false,
            is_complete: true,
            start: None,
        }
    }

    #[test]
    fn counts_pairs_and_durations_in_time_order() {
        let mut dfg = DirectlyFollows::default();
        // Item 1 is listed out of order: b (t=30) before a (t=0).
        dfg.add_item(&mut [event(1, 30), event(0, 0), event(2, 40)]);
        dfg.add_item(&mut [event(0, 0), event(1, 10), event(2, 70)]);
        let found = dfg.finish();
        assert_eq!((found.events, found.items), (6, 2));
        let ab = found
            .edges
            .iter()
            .find(|e| (e.from, e.to) == (0, 1))
            .unwrap();
        assert_eq!(ab.count, 2);
        assert_eq!(
            (
                ab.min_seconds,
                ab.max_seconds,
                ab.median_seconds,
                ab.mean_seconds
            ),
            (600.0, 1800.0, 1200.0, 1200.0)
        );
        let path: Vec<u32> = found.main_path.iter().map(|s| s.activity).collect();
        assert_eq!(path, vec![0, 1, 2]);
        // Waits: median of a->b (10m, 30m) = 20m; b->c (10m, 60m) = 35m.
        assert_eq!(found.main_path[1].lead_time, Duration::from_secs(20 * 60));
        assert_eq!(found.main_path[2].lead_time, Duration::from_secs(35 * 60));
    }

    #[test]
    fn ties_keep_file_order_and_backward_moves_become_rework() {
        let mut dfg = DirectlyFollows::default();
        // b and c share a timestamp: the file says b first. Then c goes back to b.
        dfg.add_item(&mut [
            event(0, 0),
            event(1, 5),
            event(2, 5),
            event(1, 9),
            event(2, 12),
            event(3, 20),
        ]);
        dfg.add_item(&mut [event(0, 0), event(1, 5), event(2, 6), event(3, 8)]);
        let found = dfg.finish();
        assert!(
            found
                .edges
                .iter()
                .any(|e| (e.from, e.to, e.count) == (1, 2, 3))
        );
        let path: Vec<u32> = found.main_path.iter().map(|s| s.activity).collect();
        assert_eq!(path, vec![0, 1, 2, 3]);
        assert_eq!(found.loops.len(), 1);
        let loop_ = &found.loops[0];
        assert_eq!((loop_.from, loop_.to, loop_.count), (2, 1, 1));
        // One of c's three completions went back to b.
        assert_eq!(loop_.share, Percent::new(33.3).unwrap());
        let names: Vec<String> = ["Submit", "Review", "Fix", "Ship"]
            .iter()
            .map(ToString::to_string)
            .collect();
        let map = proposed_map(&found, &names, "test.csv", None, None);
        let parsed = crate::parse_map(&map);
        assert!(!parsed.has_errors(), "{map}\n{:#?}", parsed.diagnostics);
        assert_eq!(parsed.stream.unwrap().rework.len(), 1);
    }

    #[test]
    fn a_proposed_map_with_any_activity_names_is_a_valid_map_with_those_names() {
        let mut dfg = DirectlyFollows::default();
        for _ in 0..2 {
            dfg.add_item(&mut [
                event(0, 0),
                event(1, 5),
                event(2, 9),
                event(3, 12),
                event(4, 20),
            ]);
        }
        dfg.add_item(&mut [event(0, 0), event(5, 1)]);
        let found = dfg.finish();
        let names: Vec<String> = [
            "null".to_string(),
            "line one\nline two".to_string(),
            "a \"quoted\" \\ name\t".to_string(),
            "x".repeat(300),
            "123".to_string(),
            "off the path\n- id: injected".to_string(),
        ]
        .to_vec();
        let map = proposed_map(&found, &names, "log\nname.csv", None, None);
        let parsed = crate::parse_map(&map);
        assert!(!parsed.has_errors(), "{map}\n{:#?}", parsed.diagnostics);
        let stream = parsed.stream.unwrap();
        let read: Vec<&str> = stream.steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            read,
            names[..5].iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert_eq!(stream.steps[0].id, "null");
        assert_eq!(stream.steps[4].id, "123");
        assert!(stream.steps[3].id.len() <= 60);
        assert!(
            !map.contains("\n- id: injected"),
            "comments stay comments: {map}"
        );
    }

    #[test]
    fn lifecycle_pairs_give_process_times() {
        let mut dfg = DirectlyFollows::default();
        let start = |activity, minutes: i64| LogEvent {
            activity,
            timestamp: minutes * 60_000,
            is_start: true,
            is_complete: false,
            start: None,
        };
        dfg.add_item(&mut [start(0, 0), event(0, 30), start(1, 100), event(1, 110)]);
        dfg.add_item(&mut [start(0, 0), event(0, 50), start(1, 200), event(1, 230)]);
        let found = dfg.finish();
        assert_eq!(
            found.main_path[0].process_time,
            Some(Duration::from_secs(40 * 60))
        );
        assert_eq!(
            found.main_path[1].process_time,
            Some(Duration::from_secs(20 * 60))
        );
        // Completion to completion: 80m and 180m.
        assert_eq!(found.main_path[1].lead_time, Duration::from_secs(130 * 60));
    }
}
