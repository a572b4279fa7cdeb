//! The order of steps: which step follows which, and the longest path through them.
//!
//! A value stream is a directed acyclic graph given by `after:` lists. Maps are usually tens of
//! steps, but a generated or hostile one may hold a hundred thousand, so every walk here is
//! linear (or n log n) in the number of steps and links, and sums are checked against
//! [`Duration::MAX`].

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::Duration;
use crate::model::Step;

/// Step indices in an order where every step comes after the steps it follows; ties keep map
/// order (of the steps ready to place, the first in the map goes first). On a cycle, returns the
/// steps of one cycle in order of travel.
pub fn topological_order(steps: &[Step]) -> Result<Vec<usize>, Vec<usize>> {
    let mut remaining: Vec<usize> = steps.iter().map(|step| step.after.len()).collect();
    let successors = successors(steps);
    let mut order = Vec::with_capacity(steps.len());
    let mut placed = vec![false; steps.len()];
    let mut ready: BinaryHeap<Reverse<usize>> = (0..steps.len())
        .filter(|&i| remaining[i] == 0)
        .map(Reverse)
        .collect();
    while let Some(Reverse(next)) = ready.pop() {
        placed[next] = true;
        order.push(next);
        for &successor in &successors[next] {
            remaining[successor] -= 1;
            if remaining[successor] == 0 {
                ready.push(Reverse(successor));
            }
        }
    }
    if order.len() < steps.len() {
        return Err(find_cycle(steps, &placed));
    }
    Ok(order)
}

/// For each step, the steps that follow it.
pub fn successors(steps: &[Step]) -> Vec<Vec<usize>> {
    let mut successors = vec![Vec::new(); steps.len()];
    for (index, step) in steps.iter().enumerate() {
        for &predecessor in &step.after {
            successors[predecessor].push(index);
        }
    }
    successors
}

/// Walks back along `after` from an unplaced step until a step repeats.
fn find_cycle(steps: &[Step], placed: &[bool]) -> Vec<usize> {
    let start = (0..steps.len())
        .find(|&i| !placed[i])
        .expect("an unplaced step");
    let mut path = vec![start];
    // Where each step sits on `path`, so that a long cycle is found in one walk.
    let mut position_on_path: Vec<Option<usize>> = vec![None; steps.len()];
    position_on_path[start] = Some(0);
    let mut current = start;
    loop {
        let previous = *steps[current]
            .after
            .iter()
            .find(|&&p| !placed[p])
            .expect("an unplaced step on a cycle has an unplaced predecessor");
        if let Some(position) = position_on_path[previous] {
            let mut cycle: Vec<usize> = path[position..].to_vec();
            // Walking back gives the reverse of the direction of travel.
            cycle.reverse();
            return cycle;
        }
        position_on_path[previous] = Some(path.len());
        path.push(previous);
        current = previous;
    }
}

/// Whether `upstream` comes before `downstream` on some path (a step is not upstream of itself).
/// For many questions about one map, [`Upstream`] answers each without walking the whole map.
pub fn is_upstream(steps: &[Step], upstream: usize, downstream: usize) -> bool {
    let mut seen = vec![false; steps.len()];
    let mut stack = steps[downstream].after.clone();
    while let Some(step) = stack.pop() {
        if step == upstream {
            return true;
        }
        if !seen[step] {
            seen[step] = true;
            stack.extend(&steps[step].after);
        }
    }
    false
}

/// Answers [`is_upstream`] many times over one acyclic map: the walk back from `downstream`
/// stops at steps placed before `upstream` in topological order (they cannot lead to it), and
/// the buffers are kept between questions, so a question about nearby steps costs little
/// whatever the size of the map.
#[derive(Debug)]
pub struct Upstream<'a> {
    steps: &'a [Step],
    position: Vec<usize>,
    /// The question during which each step was last seen.
    seen: Vec<u32>,
    question: u32,
    stack: Vec<usize>,
}

impl<'a> Upstream<'a> {
    /// `None` when the steps form a cycle.
    pub fn new(steps: &'a [Step]) -> Option<Self> {
        let order = topological_order(steps).ok()?;
        Some(Upstream {
            steps,
            position: positions(&order),
            seen: vec![0; steps.len()],
            question: 0,
            stack: Vec::new(),
        })
    }

    /// Whether `upstream` comes before `downstream` on some path.
    pub fn is_upstream(&mut self, upstream: usize, downstream: usize) -> bool {
        let floor = self.position[upstream];
        if self.position[downstream] <= floor {
            return false;
        }
        self.question = self.question.wrapping_add(1);
        if self.question == 0 {
            self.seen.fill(0);
            self.question = 1;
        }
        self.stack.clear();
        self.stack.push(downstream);
        while let Some(step) = self.stack.pop() {
            for &previous in &self.steps[step].after {
                if previous == upstream {
                    return true;
                }
                if self.position[previous] > floor && self.seen[previous] != self.question {
                    self.seen[previous] = self.question;
                    self.stack.push(previous);
                }
            }
        }
        false
    }
}

/// For each step, its place in `order`.
pub fn positions(order: &[usize]) -> Vec<usize> {
    let mut position = vec![0; order.len()];
    for (place, &index) in order.iter().enumerate() {
        position[index] = place;
    }
    position
}

/// A path whose total passes [`Duration::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathTooLong {
    /// The step at which a path's total first passes the limit (in topological order).
    pub step: usize,
    /// The total up to and including that step, in milliseconds.
    pub millis: u128,
}

/// The longest path by `weight`, as step indices from a first step to a last one, or the step
/// where a path's total passes [`Duration::MAX`].
/// `order` is a topological order. Ties go to the predecessor listed first in `after:`, and
/// among final steps to the one first in map order, so equal input gives an equal path.
pub fn longest_path(
    steps: &[Step],
    order: &[usize],
    weight: impl Fn(usize) -> Duration,
) -> Result<Vec<usize>, PathTooLong> {
    let mut best = vec![Duration::ZERO; steps.len()];
    let mut via: Vec<Option<usize>> = vec![None; steps.len()];
    for &index in order {
        let mut start = Duration::ZERO;
        for &predecessor in &steps[index].after {
            if via[index].is_none() || best[predecessor] > start {
                start = best[predecessor];
                via[index] = Some(predecessor);
            }
        }
        let weight = weight(index);
        best[index] = start.checked_add(weight).ok_or(PathTooLong {
            step: index,
            millis: u128::from(start.as_millis()) + u128::from(weight.as_millis()),
        })?;
    }
    let Some(mut last) = (0..steps.len()).fold(None, |found: Option<usize>, index| match found {
        Some(current) if best[current] >= best[index] => Some(current),
        _ => Some(index),
    }) else {
        return Ok(Vec::new());
    };
    let mut path = vec![last];
    while let Some(previous) = via[last] {
        path.push(previous);
        last = previous;
    }
    path.reverse();
    Ok(path)
}

/// Steps on some path from `from` to `to` (both included): the span of a rework loop.
pub fn between(steps: &[Step], from: usize, to: usize) -> Vec<bool> {
    let mut downstream_of_from = vec![false; steps.len()];
    downstream_of_from[from] = true;
    let order = topological_order(steps).expect("a checked stream has no cycle");
    for &index in &order {
        if steps[index].after.iter().any(|&p| downstream_of_from[p]) {
            downstream_of_from[index] = true;
        }
    }
    let mut upstream_of_to = vec![false; steps.len()];
    upstream_of_to[to] = true;
    for &index in order.iter().rev() {
        if upstream_of_to[index] {
            for &p in &steps[index].after {
                upstream_of_to[p] = true;
            }
        }
    }
    downstream_of_from
        .iter()
        .zip(&upstream_of_to)
        .map(|(a, b)| *a && *b)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Duration, Percent};

    fn step(id: &str, after: &[usize]) -> Step {
        Step {
            id: id.into(),
            name: id.into(),
            team: None,
            people: None,
            capacity: None,
            batch_size: None,
            wip_limit: None,
            pull: false,
            automated: false,
            process_time: Duration::ZERO,
            wait_time: Duration::ZERO,
            wait_source: crate::worktime::WaitSource::Estimated,
            queue: None,
            throughput: None,
            complete_accurate: Percent::HUNDRED,
            artifacts_in: Vec::new(),
            artifacts_out: Vec::new(),
            notes: None,
            after: after.to_vec(),
            measure: None,
            designed: crate::model::Designed::default(),
        }
    }

    #[test]
    fn orders_a_step_listed_before_what_it_follows() {
        let steps = [step("b", &[1]), step("a", &[])];
        assert_eq!(topological_order(&steps), Ok(vec![1, 0]));
    }

    #[test]
    fn places_the_first_ready_step_in_map_order() {
        // a; b after d; c and d after a: c and d are ready together, c comes first in the map.
        let steps = [
            step("a", &[]),
            step("b", &[3]),
            step("c", &[0]),
            step("d", &[0]),
        ];
        assert_eq!(topological_order(&steps), Ok(vec![0, 2, 3, 1]));
    }

    /// a -> (b | c) -> d: two branches that join.
    fn diamond() -> Vec<Step> {
        vec![
            step("a", &[]),
            step("b", &[0]),
            step("c", &[0]),
            step("d", &[1, 2]),
        ]
    }

    /// The steps hold a cycle of `len` steps, given in travel order: each follows the one before.
    fn assert_cycle_of(steps: &[Step], len: usize) {
        let cycle = topological_order(steps).unwrap_err();
        assert_eq!(cycle.len(), len);
        for window in cycle.windows(2) {
            assert!(steps[window[1]].after.contains(&window[0]));
        }
    }

    #[test]
    fn finds_a_cycle_through_every_step_of_a_long_map() {
        // s0 follows the last step: the cycle runs through all of them.
        let count = 20_000;
        let steps: Vec<Step> = (0..count)
            .map(|i| step(&format!("s{i}"), &[if i == 0 { count - 1 } else { i - 1 }]))
            .collect();
        assert_cycle_of(&steps, count);
    }

    #[test]
    fn upstream_answers_like_a_full_walk() {
        let mut steps = diamond();
        steps.extend([step("e", &[3]), step("f", &[2])]);
        let mut upstream = Upstream::new(&steps).unwrap();
        for up in 0..steps.len() {
            for down in 0..steps.len() {
                assert_eq!(
                    upstream.is_upstream(up, down),
                    is_upstream(&steps, up, down),
                    "{up} before {down}"
                );
            }
        }
    }

    #[test]
    fn longest_path_past_the_longest_duration_is_an_error() {
        let steps = [step("a", &[]), step("b", &[0]), step("c", &[1])];
        let order = topological_order(&steps).unwrap();
        let half = Duration::from_millis(Duration::MAX.as_millis() / 2 + 1);
        assert_eq!(
            longest_path(&steps, &order, |_| half),
            Err(PathTooLong {
                step: 1,
                millis: 2 * u128::from(half.as_millis())
            })
        );
    }

    #[test]
    fn reports_the_steps_of_a_cycle_in_travel_order() {
        // a -> b -> c -> a, with d outside the cycle.
        let steps = [
            step("a", &[2]),
            step("b", &[0]),
            step("c", &[1]),
            step("d", &[2]),
        ];
        assert_cycle_of(&steps, 3);
    }

    #[test]
    fn longest_path_takes_the_heavier_branch() {
        // a -> (b | c) -> d; c is heavier.
        let steps = diamond();
        let order = topological_order(&steps).unwrap();
        let weights = [1, 2, 5, 1];
        let hours = |i: usize| Duration::from_hours(weights[i]);
        assert_eq!(longest_path(&steps, &order, hours), Ok(vec![0, 2, 3]));
        // Equal weights: the branch listed first in `after:` wins.
        let hour = |_| Duration::from_hours(1);
        assert_eq!(longest_path(&steps, &order, hour), Ok(vec![0, 1, 3]));
    }

    #[test]
    fn between_covers_both_branches_of_a_loop() {
        let mut steps = diamond();
        steps.push(step("e", &[3]));
        assert_eq!(between(&steps, 0, 3), vec![true, true, true, true, false]);
        assert!(is_upstream(&steps, 0, 4));
        assert!(!is_upstream(&steps, 1, 2));
    }
}
