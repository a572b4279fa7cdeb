//! The order of steps: which step follows which, and the longest path through them.
//!
//! A value stream is a small directed acyclic graph (tens of steps) given by `after:` lists, so
//! plain vectors serve better than a graph library here.

use crate::model::Step;

/// Step indices in an order where every step comes after the steps it follows; ties keep map
/// order. On a cycle, returns the steps of one cycle in order of travel.
pub fn topological_order(steps: &[Step]) -> Result<Vec<usize>, Vec<usize>> {
    let mut remaining: Vec<usize> = steps.iter().map(|step| step.after.len()).collect();
    let successors = successors(steps);
    let mut order = Vec::with_capacity(steps.len());
    let mut placed = vec![false; steps.len()];
    // Repeatedly take the first step in map order whose predecessors are all placed: O(n²),
    // which is nothing for a map and keeps the order stable and readable.
    while order.len() < steps.len() {
        let Some(next) = (0..steps.len()).find(|&i| !placed[i] && remaining[i] == 0) else {
            return Err(find_cycle(steps, &placed));
        };
        placed[next] = true;
        order.push(next);
        for &successor in &successors[next] {
            remaining[successor] -= 1;
        }
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
    let mut current = start;
    loop {
        let previous = *steps[current]
            .after
            .iter()
            .find(|&&p| !placed[p])
            .expect("an unplaced step on a cycle has an unplaced predecessor");
        if let Some(position) = path.iter().position(|&i| i == previous) {
            let mut cycle: Vec<usize> = path[position..].to_vec();
            // Walking back gives the reverse of the direction of travel.
            cycle.reverse();
            return cycle;
        }
        path.push(previous);
        current = previous;
    }
}

/// Whether `upstream` comes before `downstream` on some path (a step is not upstream of itself).
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

/// The longest path by `weight`, as step indices from a first step to a last one.
/// `order` is a topological order. Ties go to the predecessor listed first in `after:`, and
/// among final steps to the one first in map order, so equal input gives an equal path.
pub fn longest_path(steps: &[Step], order: &[usize], weight: impl Fn(usize) -> u64) -> Vec<usize> {
    let mut best = vec![0u64; steps.len()];
    let mut via: Vec<Option<usize>> = vec![None; steps.len()];
    for &index in order {
        let mut start = 0;
        for &predecessor in &steps[index].after {
            if via[index].is_none() || best[predecessor] > start {
                start = best[predecessor];
                via[index] = Some(predecessor);
            }
        }
        best[index] = start + weight(index);
    }
    let Some(mut last) = (0..steps.len()).fold(None, |found: Option<usize>, index| match found {
        Some(current) if best[current] >= best[index] => Some(current),
        _ => Some(index),
    }) else {
        return Vec::new();
    };
    let mut path = vec![last];
    while let Some(previous) = via[last] {
        path.push(previous);
        last = previous;
    }
    path.reverse();
    path
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
            automated: false,
            process_time: Duration::ZERO,
            wait_time: Duration::ZERO,
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
    fn reports_the_steps_of_a_cycle_in_travel_order() {
        // a -> b -> c -> a, with d outside the cycle.
        let steps = [
            step("a", &[2]),
            step("b", &[0]),
            step("c", &[1]),
            step("d", &[2]),
        ];
        let cycle = topological_order(&steps).unwrap_err();
        assert_eq!(cycle.len(), 3);
        for window in cycle.windows(2) {
            assert!(steps[window[1]].after.contains(&window[0]));
        }
    }

    #[test]
    fn longest_path_takes_the_heavier_branch() {
        // a -> (b | c) -> d; c is heavier.
        let steps = [
            step("a", &[]),
            step("b", &[0]),
            step("c", &[0]),
            step("d", &[1, 2]),
        ];
        let order = topological_order(&steps).unwrap();
        let weights = [1, 2, 5, 1];
        assert_eq!(longest_path(&steps, &order, |i| weights[i]), vec![0, 2, 3]);
        // Equal weights: the branch listed first in `after:` wins.
        assert_eq!(longest_path(&steps, &order, |_| 1), vec![0, 1, 3]);
    }

    #[test]
    fn between_covers_both_branches_of_a_loop() {
        let steps = [
            step("a", &[]),
            step("b", &[0]),
            step("c", &[0]),
            step("d", &[1, 2]),
            step("e", &[3]),
        ];
        assert_eq!(between(&steps, 0, 3), vec![true, true, true, true, false]);
        assert!(is_upstream(&steps, 0, 4));
        assert!(!is_upstream(&steps, 1, 2));
    }
}
