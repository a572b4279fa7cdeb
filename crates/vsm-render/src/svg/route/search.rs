//! How a route is searched, and what a search keeps.

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

/// The cost of the best way found to each state of a search, and the state before it, for the
/// states of one window of rows. The arrays are kept from one search to the next (a map's lines
/// are routed on one grid) and a state counts as unseen unless stamped by the current search,
/// so a search costs what it visits, not the size of the page.
#[derive(Default)]
pub(super) struct Search {
    cost: Vec<u32>,
    previous: Vec<u32>,
    stamp: Vec<u32>,
    current: u32,
    /// The first state of the window.
    first: usize,
}

impl Search {
    /// Starts a search over the states `first..first + states`.
    pub(super) fn begin(&mut self, first: usize, states: usize) {
        if self.stamp.len() < states {
            self.cost.resize(states, u32::MAX);
            self.previous.resize(states, u32::MAX);
            self.stamp.resize(states, 0);
        }
        if self.current == u32::MAX {
            self.stamp.fill(0);
            self.current = 0;
        }
        self.current += 1;
        self.first = first;
    }

    fn slot(&self, state: usize) -> Option<usize> {
        let slot = state.checked_sub(self.first)?;
        (self.stamp.get(slot) == Some(&self.current)).then_some(slot)
    }

    pub(super) fn cost(&self, state: usize) -> u32 {
        self.slot(state).map_or(u32::MAX, |slot| self.cost[slot])
    }

    pub(super) fn previous(&self, state: usize) -> u32 {
        self.slot(state)
            .map_or(u32::MAX, |slot| self.previous[slot])
    }

    /// Records a state; it must lie in the window.
    pub(super) fn set(&mut self, state: usize, cost: u32, previous: u32) {
        let slot = state - self.first;
        self.cost[slot] = cost;
        self.previous[slot] = previous;
        self.stamp[slot] = self.current;
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
