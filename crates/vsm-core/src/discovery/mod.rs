//! Discovery: what a raw event log says about the stream, before anyone has mapped it.
//!
//! The directly-follows graph counts, for each pair of activities, how often one event is
//! followed directly by the other within an item, and how long the gap was (as pm4py does:
//! events ordered by time within their item, ties in file order). From it comes a proposed map:
//! the main path, with waits and process times measured, and the backward edges as rework.

use std::collections::HashMap;
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

mod proposal;
#[cfg(test)]
mod tests;

pub use proposal::{proposed_map, yaml_quote};
