//! git's history of the store's commits, to find what a merge commit brought in: the commits
//! reachable from its second (and any later) parent and not from its first, as `git rev-list
//! M^2 --not M^1` gives them. A pull request merged through a merge commit is those commits,
//! whether or not the store holds its commit list (`contains`).
//!
//! The walk goes from the parents down by generation number (a commit's is one more than its
//! highest parent's), so a commit is reached after every child that could mark it, and it
//! stops once every commit still queued is reachable from the first parent: the cost is the
//! commits between the merge and the point where the branch left, not the whole history.

use std::collections::{BinaryHeap, HashMap};

use super::Commit;

/// Reached from the first parent.
const MAINLINE: u8 = 1;
/// Reached from a later parent.
const BRANCH: u8 = 2;
/// Walked: its parents were marked.
const WALKED: u8 = 4;

/// The commit graph of the store's commits that have their parents.
pub(super) struct History<'a> {
    ids: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
    /// Each commit's parents that are in the store, first parent first.
    parents: Vec<Vec<usize>>,
    generation: Vec<u32>,
}

impl<'a> History<'a> {
    pub(super) fn new(commits: &'a [Commit]) -> History<'a> {
        let mut index = HashMap::new();
        let mut ids = Vec::new();
        for c in commits {
            index.entry(c.id.as_str()).or_insert_with(|| {
                ids.push(c.id.as_str());
                ids.len() - 1
            });
        }
        let mut parents = vec![Vec::new(); ids.len()];
        for c in commits {
            let n = index[c.id.as_str()];
            if parents[n].is_empty() {
                parents[n] = c
                    .parents
                    .iter()
                    .filter_map(|p| index.get(p.as_str()).copied())
                    .collect();
            }
        }
        let generation = generations(&parents);
        History {
            ids,
            index,
            parents,
            generation,
        }
    }

    /// The commits `merge` brought in: reachable from its later parents, not from its first
    /// (none for a commit with one parent, a squash or a rebased copy), newest first.
    pub(super) fn merged_in(&self, merge: &str) -> Vec<&'a str> {
        let Some(&merge) = self.index.get(merge) else {
            return Vec::new();
        };
        let Some((first, later)) = self.parents[merge].split_first() else {
            return Vec::new();
        };
        let mut walk = Walk::default();
        walk.mark(self, *first, MAINLINE);
        for &p in later {
            walk.mark(self, p, BRANCH);
        }
        let mut found = Vec::new();
        while walk.branch_only > 0 {
            let Some((_, n)) = walk.queue.pop() else {
                break;
            };
            let flags = walk.flags.entry(n).or_default();
            if *flags & WALKED != 0 {
                continue;
            }
            *flags |= WALKED;
            let reached = *flags & !WALKED;
            if reached == BRANCH {
                walk.branch_only -= 1;
                found.push(self.ids[n]);
            }
            for &p in &self.parents[n] {
                walk.mark(self, p, reached);
            }
        }
        found
    }
}

/// A walk down from a merge's parents.
#[derive(Default)]
struct Walk {
    /// What reached each commit met, and whether it was walked.
    flags: HashMap<usize, u8>,
    /// Commits to walk, highest generation first.
    queue: BinaryHeap<(u32, usize)>,
    /// Queued commits reached from a later parent only: the walk goes on while there is one.
    branch_only: usize,
}

impl Walk {
    fn mark(&mut self, history: &History, n: usize, reached: u8) {
        let flags = self.flags.entry(n).or_default();
        let old = *flags;
        // A commit walked is not marked again: with generation numbers only a cycle in hostile
        // data comes back to one.
        if old & WALKED != 0 || old | reached == old {
            return;
        }
        *flags = old | reached;
        if old == 0 {
            self.queue.push((history.generation[n], n));
        }
        match (old == BRANCH, *flags == BRANCH) {
            (false, true) => self.branch_only += 1,
            (true, false) => self.branch_only -= 1,
            _ => {}
        }
    }
}

/// Each commit's generation: 0 for one with no parent in the store, else one more than its
/// highest parent's. Iterative (histories are deep); a cycle, which only hostile data has, is
/// cut where it closes.
fn generations(parents: &[Vec<usize>]) -> Vec<u32> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; parents.len()];
    let mut generation = vec![0u32; parents.len()];
    for root in 0..parents.len() {
        if state[root] != NEW {
            continue;
        }
        state[root] = OPEN;
        let mut stack = vec![(root, 0usize)];
        while let Some((n, next)) = stack.last_mut() {
            let n = *n;
            if let Some(&p) = parents[n].get(*next) {
                *next += 1;
                if state[p] == NEW {
                    state[p] = OPEN;
                    stack.push((p, 0));
                }
                continue;
            }
            generation[n] = parents[n]
                .iter()
                .filter(|&&p| state[p] == DONE)
                .map(|&p| generation[p].saturating_add(1))
                .max()
                .unwrap_or(0);
            state[n] = DONE;
            stack.pop();
        }
    }
    generation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(id: &str, parents: &[&str]) -> Commit {
        Commit {
            id: id.into(),
            service: None,
            title: String::new(),
            authored: None,
            committed: None,
            in_history: true,
            parents: parents.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_merge_brings_in_its_branch_and_not_what_the_mainline_had() {
        // o ─ a ─ b ─────── m ─ n      (mainline)
        //      ╲           ╱
        //       x ─ y ─ z ─            (branch, which merged the mainline's b on the way)
        //            ╲ b ╱
        let history = [
            commit("o", &[]),
            commit("a", &["o"]),
            commit("b", &["a"]),
            commit("x", &["a"]),
            commit("y", &["x", "b"]),
            commit("z", &["y"]),
            commit("m", &["b", "z"]),
            commit("n", &["m"]),
        ];
        let history = History::new(&history);
        let mut merged = history.merged_in("m");
        merged.sort_unstable();
        assert_eq!(merged, ["x", "y", "z"]);
        assert!(history.merged_in("n").is_empty(), "one parent");
        assert!(history.merged_in("unknown").is_empty());
        // The branch merged the mainline: y brought in b alone.
        assert_eq!(history.merged_in("y"), ["b"]);
    }

    #[test]
    fn a_cycle_or_a_parent_outside_the_store_ends_the_walk() {
        let history = [
            commit("p", &["q"]),
            commit("q", &["p"]),
            commit("m", &["p", "r"]),
            commit("r", &["gone"]),
        ];
        let history = History::new(&history);
        assert_eq!(history.merged_in("m"), ["r"]);
    }
}
