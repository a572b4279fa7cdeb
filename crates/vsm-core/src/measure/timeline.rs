//! Where one item's lead time went: every millisecond from its first event to the end of its
//! last step, given to exactly one part, so that the parts add up to the item's lead time.
//!
//! The parts, in the order they claim an instant:
//! 1. inside a step's visit: that step's process time on the first pass, rework on a later
//!    pass (when visits of parallel steps overlap, the instant goes to the visit that ends
//!    last, the one the item's path waits for);
//! 2. inside an activity the map does not name (a start and a complete event of it): the
//!    `unnamed` part;
//! 3. between those: waiting for the next visit to start, the wait of its step on the first
//!    pass (pauses between the sessions of a first pass included), rework on a later pass.
//!
//! A first pass is an item's first visit of a step, and under `reentry: resume` the sessions
//! that continue it before the item is sent back anywhere; every other visit is rework.

use std::cmp::Reverse;
use std::collections::BTreeSet;

/// One visit of a step by an item, closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Visit {
    /// Index of the step's rule.
    pub rule: usize,
    /// The rule's step's place in the topological order.
    pub rank: usize,
    pub start: i64,
    pub end: i64,
    pub first_pass: bool,
}

/// One item's time, in milliseconds (working time when there is a calendar), by part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ItemTime {
    /// Per rule: wait and process time of the first pass; wait and process time of rework.
    pub wait: Vec<i64>,
    pub process: Vec<i64>,
    pub rework_wait: Vec<i64>,
    pub rework_process: Vec<i64>,
    pub unnamed: i64,
    /// Per rule: the stretches (ms since the epoch) the item waited for the first pass, in the
    /// queue before the step.
    pub queued: Vec<Vec<(i64, i64)>>,
}

impl ItemTime {
    /// The sum of the parts: the item's lead time.
    pub fn total(&self) -> i64 {
        [
            &self.wait,
            &self.process,
            &self.rework_wait,
            &self.rework_process,
        ]
        .iter()
        .flat_map(|part| part.iter())
        .sum::<i64>()
            + self.unnamed
    }
}

/// Splits `[first, end]` between the parts. `unnamed` holds the intervals of activities that no
/// rule matches; `elapsed(from, to)` measures a stretch (clock or working time, additive).
pub(crate) fn attribute(
    first: i64,
    end: i64,
    rules: usize,
    visits: &[Visit],
    unnamed: &[(i64, i64)],
    elapsed: impl Fn(i64, i64) -> i64,
) -> ItemTime {
    let mut time = ItemTime {
        wait: vec![0; rules],
        process: vec![0; rules],
        rework_wait: vec![0; rules],
        rework_process: vec![0; rules],
        unnamed: 0,
        queued: vec![Vec::new(); rules],
    };
    // Boundaries where something starts or ends, and the visits by start (for the gaps).
    let mut points: Vec<i64> = Vec::with_capacity(2 * (visits.len() + unnamed.len()) + 2);
    points.push(first);
    points.push(end);
    for visit in visits {
        points.push(visit.start);
        points.push(visit.end);
    }
    for &(a, b) in unnamed {
        points.push(a);
        points.push(b);
    }
    points.retain(|&p| p >= first && p <= end);
    points.sort_unstable();
    points.dedup();
    let mut by_start: Vec<usize> = (0..visits.len()).collect();
    by_start.sort_by_key(|&v| (visits[v].start, visits[v].rank, visits[v].end));
    let mut by_end: Vec<usize> = (0..visits.len()).collect();
    by_end.sort_by_key(|&v| visits[v].end);
    let mut unnamed_starts: Vec<i64> = unnamed.iter().map(|u| u.0).collect();
    let mut unnamed_ends: Vec<i64> = unnamed.iter().map(|u| u.1).collect();
    unnamed_starts.sort_unstable();
    unnamed_ends.sort_unstable();

    // Open visits, the one that ends last on top (then the upstream one, then the first pass).
    let mut open: BTreeSet<(i64, Reverse<usize>, bool, Reverse<usize>)> = BTreeSet::new();
    let key = |v: usize| {
        let visit = &visits[v];
        (visit.end, Reverse(visit.rank), visit.first_pass, Reverse(v))
    };
    let (mut next_start, mut next_end) = (0, 0);
    let (mut unnamed_started, mut unnamed_ended) = (0, 0);
    for window in points.windows(2) {
        let (a, b) = (window[0], window[1]);
        while next_end < by_end.len() && visits[by_end[next_end]].end <= a {
            open.remove(&key(by_end[next_end]));
            next_end += 1;
        }
        while next_start < by_start.len() && visits[by_start[next_start]].start <= a {
            let v = by_start[next_start];
            if visits[v].end > a {
                open.insert(key(v));
            }
            next_start += 1;
        }
        while unnamed_started < unnamed_starts.len() && unnamed_starts[unnamed_started] <= a {
            unnamed_started += 1;
        }
        while unnamed_ended < unnamed_ends.len() && unnamed_ends[unnamed_ended] <= a {
            unnamed_ended += 1;
        }
        let length = elapsed(a, b);
        if let Some(&(_, _, _, Reverse(v))) = open.last() {
            let visit = &visits[v];
            let part = if visit.first_pass {
                &mut time.process
            } else {
                &mut time.rework_process
            };
            part[visit.rule] += length;
        } else if unnamed_started > unnamed_ended {
            time.unnamed += length;
        } else {
            // A gap: waiting for the next visit to start. One always does, at or after `b`,
            // since `end` is the end of a visit that does not cover this stretch.
            let next = by_start[next_start..]
                .iter()
                .find(|&&v| visits[v].start >= b)
                .copied();
            match next {
                Some(v) if visits[v].first_pass => {
                    let rule = visits[v].rule;
                    time.wait[rule] += length;
                    match time.queued[rule].last_mut() {
                        Some(last) if last.1 == a => last.1 = b,
                        _ => time.queued[rule].push((a, b)),
                    }
                }
                Some(v) => time.rework_wait[visits[v].rule] += length,
                // Only when `end` is not a visit's end (not from the measurer): not waiting for a step.
                None => time.unnamed += length,
            }
        }
    }
    time
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(rule: usize, start: i64, end: i64, first_pass: bool) -> Visit {
        Visit {
            rule,
            rank: rule,
            start,
            end,
            first_pass,
        }
    }

    fn clock(a: i64, b: i64) -> i64 {
        b - a
    }

    #[test]
    fn a_sequential_item_splits_into_waits_and_process_times() {
        // Arrives at 0; A 2-5; B 7-8; A again 9-10 (rework), B again 12-13 (rework).
        let visits = [
            visit(0, 2, 5, true),
            visit(1, 7, 8, true),
            visit(0, 9, 10, false),
            visit(1, 12, 13, false),
        ];
        let time = attribute(0, 13, 2, &visits, &[], clock);
        assert_eq!(time.wait, vec![2, 2]);
        assert_eq!(time.process, vec![3, 1]);
        assert_eq!(time.rework_wait, vec![1, 2]);
        assert_eq!(time.rework_process, vec![1, 1]);
        assert_eq!(time.total(), 13);
    }

    #[test]
    fn overlapping_parallel_steps_give_the_overlap_to_the_one_that_ends_last() {
        // Develop 0-10; QA 10-15 and security review 12-20 in parallel; deploy 22-23.
        let visits = [
            visit(0, 0, 10, true),
            visit(1, 10, 15, true),
            visit(2, 12, 20, true),
            visit(3, 22, 23, true),
        ];
        let time = attribute(0, 23, 4, &visits, &[], clock);
        assert_eq!(time.process, vec![10, 2, 8, 1]);
        assert_eq!(time.wait, vec![0, 0, 0, 2]);
        assert_eq!(time.total(), 23);
    }

    #[test]
    fn unnamed_activities_and_pauses_between_sessions() {
        // A in two sessions 0-1 and 3-4 (a pause of 2); an unnamed activity 5-7; B 8-9.
        let visits = [
            visit(0, 0, 1, true),
            visit(0, 3, 4, true),
            visit(1, 8, 9, true),
        ];
        let time = attribute(0, 9, 2, &visits, &[(5, 7)], clock);
        assert_eq!(time.process, vec![2, 1]);
        assert_eq!(
            time.wait,
            vec![2, 2],
            "the pause is A's wait; B waits 4-5 and 7-8"
        );
        assert_eq!(time.unnamed, 2);
        assert_eq!(time.total(), 9);
    }

    #[test]
    fn completions_without_starts_take_the_time_before_them() {
        // Completion-only steps at 4 and 10 (visits of no length).
        let visits = [visit(0, 4, 4, true), visit(1, 10, 10, true)];
        let time = attribute(0, 10, 2, &visits, &[], clock);
        assert_eq!(time.wait, vec![4, 6]);
        assert_eq!(time.total(), 10);
    }
}
