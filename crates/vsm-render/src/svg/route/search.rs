//! How a route is searched, and what a search keeps.

use std::collections::HashMap;

/// How a route is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The cheapest way.
    Best,
    /// The estimate of the rest of the way counts twice: the search heads for the goal rather
    /// than trying every way of the same cost (far less searching for a long way across many
    /// bands, at the price of a corner or two more).
    Greedy,
    /// Beside and along other lines too, only around boxes and labels: to learn whether more
    /// room would give a line a way, or as the last resort.
    Relaxed,
}

/// The cost of the best way found to each state of a search, and the state before it: in an
/// array for a small grid, in a map for a large one (a 400-step map's grid has millions of
/// states, of which a search visits a few hundred thousand at most).
pub(super) enum Search {
    Dense(Vec<(u32, u32)>),
    Sparse(HashMap<usize, (u32, u32)>),
}

impl Search {
    pub(super) fn new(states: usize) -> Search {
        if states <= 1 << 20 {
            Search::Dense(vec![(u32::MAX, u32::MAX); states])
        } else {
            Search::Sparse(HashMap::with_capacity(1 << 16))
        }
    }

    fn get(&self, state: usize) -> (u32, u32) {
        match self {
            Search::Dense(states) => states[state],
            Search::Sparse(states) => states.get(&state).copied().unwrap_or((u32::MAX, u32::MAX)),
        }
    }

    pub(super) fn cost(&self, state: usize) -> u32 {
        self.get(state).0
    }

    pub(super) fn previous(&self, state: usize) -> u32 {
        self.get(state).1
    }

    pub(super) fn set(&mut self, state: usize, cost: u32, previous: u32) {
        match self {
            Search::Dense(states) => states[state] = (cost, previous),
            Search::Sparse(states) => {
                states.insert(state, (cost, previous));
            }
        }
    }
}

/// Why a route was not found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoRoute {
    /// Every way is shut: more room may open one.
    Shut,
    /// The search gave up: a way, if any, is too long to follow.
    TooFar,
}
