//! The event loop: one replication's items arriving, waiting, worked on and sent back, one event
//! at a time.
//!
//! Over 600 lines on purpose: one event loop (`Engine`) and the item and step state it moves.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, Exp, LogNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::{Calibration, Config, Durations, ESTIMATE_SIGMA, MS_PER_WEEK, StepModel};
use crate::Duration;
use crate::graph;
use crate::model::ValueStream;

/// The stream's graph, as the engine walks it.
#[derive(Debug)]
pub(super) struct Shape {
    successors: Vec<Vec<usize>>,
    predecessors: Vec<u32>,
    sources: Vec<usize>,
    sinks: u32,
    /// Per step: the loops that leave it, in map order.
    loops: Vec<Vec<Loop>>,
}

#[derive(Debug)]
struct Loop {
    to: usize,
    share: f64,
    /// Steps passed again, with how many of their predecessors are among them.
    region: Vec<(usize, u32)>,
}

impl Shape {
    pub(super) fn of(stream: &ValueStream) -> Shape {
        let steps = &stream.steps;
        let successors = graph::successors(steps);
        let mut loops: Vec<Vec<Loop>> = steps.iter().map(|_| Vec::new()).collect();
        for rework in &stream.rework {
            let inside = graph::between(steps, rework.to, rework.from);
            let region = (0..steps.len())
                .filter(|&i| inside[i])
                .map(|i| {
                    let preds = steps[i].after.iter().filter(|&&p| inside[p]).count() as u32;
                    (i, if i == rework.to { 0 } else { preds })
                })
                .collect();
            loops[rework.from].push(Loop {
                to: rework.to,
                share: rework.share.fraction(),
                region,
            });
        }
        Shape {
            predecessors: steps.iter().map(|s| s.after.len() as u32).collect(),
            sources: (0..steps.len())
                .filter(|&i| steps[i].after.is_empty())
                .collect(),
            sinks: successors.iter().filter(|s| s.is_empty()).count() as u32,
            successors,
            loops,
        }
    }
}

/// One replication's raw results.
#[derive(Debug)]
pub(super) struct Run {
    pub(super) lead_times: Vec<i64>,
    pub(super) entry_wait_sum: i64,
    /// From the first arrival to the last completion (ms).
    pub(super) horizon: i64,
    /// Completions while items were still arriving, once a tenth of the items had finished, and
    /// the time they span (to the last arrival, ms): the flow out once the stream has filled up.
    pub(super) window_completions: u64,
    pub(super) window_span: i64,
    pub(super) steps: Vec<StepStats>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct StepStats {
    pub(super) passes: u64,
    /// Items that entered the step at least once.
    pub(super) visitors: u64,
    pub(super) wait_sum: i64,
    pub(super) batches: u64,
    pub(super) process_sum: i64,
    pub(super) waiting: u32,
    pub(super) busy: u32,
    pub(super) in_work: u32,
    pub(super) waiting_area: f64,
    pub(super) busy_area: f64,
    pub(super) in_work_area: f64,
    pub(super) last_change: i64,
}

impl StepStats {
    fn advance(&mut self, now: i64) {
        let span = (now - self.last_change) as f64;
        self.waiting_area += f64::from(self.waiting) * span;
        self.busy_area += f64::from(self.busy) * span;
        self.in_work_area += f64::from(self.in_work) * span;
        self.last_change = now;
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Arrive,
    /// The item's wait in an unlimited step is over: work starts (or it joins the batch queue).
    Ready {
        item: u32,
        step: u32,
    },
    /// Work on a batch (or one item: `batch` is then `u32::MAX` and `item` the item) ends.
    Done {
        step: u32,
        item: u32,
        batch: u32,
    },
    /// A calibrated item's time outside the map's steps is over: it leaves.
    Leave {
        item: u32,
    },
}

#[derive(Debug, PartialEq, Eq)]
struct Scheduled {
    time: i64,
    sequence: u64,
    event: Event,
}

impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> Ordering {
        // Earliest first in a max-heap.
        (other.time, other.sequence).cmp(&(self.time, self.sequence))
    }
}

impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Debug, Default)]
struct Item {
    arrival: i64,
    entered_step: Vec<i64>,
    /// Wait and process time drawn for the current pass through each step.
    wait: Vec<i64>,
    process: Vec<i64>,
    pending: Vec<u32>,
    /// Steps being passed again for a rework loop.
    redo: Vec<bool>,
    /// Steps that have finished the item and passed it on.
    done: Vec<bool>,
    /// Steps the item is in now (entered, not yet finished).
    active: Vec<bool>,
    sinks_left: u32,
    /// A calibrated item: the log's item it follows, and how far along its route it is.
    route: u32,
    position: u32,
}

#[derive(Debug)]
enum Draw {
    Pairs(Vec<(i64, i64)>),
    LogNormal {
        wait: Option<LogNormal<f64>>,
        process: Option<LogNormal<f64>>,
    },
}

/// A calibrated run: each item one of the log's, whole, and the log's arrivals replayed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Calibrated<'a> {
    pub(super) calibration: &'a Calibration,
    pub(super) replay_arrivals: bool,
}

pub(super) struct Engine<'a> {
    shape: &'a Shape,
    calibrated: Option<Calibrated<'a>>,
    /// Where the replayed arrivals are in the log's gaps.
    gap_cursor: usize,
    models: &'a [StepModel],
    draws: Vec<Draw>,
    rng: Xoshiro256PlusPlus,
    /// The draws for estimated steps of a calibrated run, apart from the items and arrivals
    /// drawn: a future state that adds a step draws the same items as the current state.
    estimate_rng: Xoshiro256PlusPlus,
    interarrival: Exp<f64>,
    wip_limit: Option<u32>,
    heap: BinaryHeap<Scheduled>,
    sequence: u64,
    items: Vec<Item>,
    free: Vec<u32>,
    batches: Vec<Vec<u32>>,
    free_batches: Vec<u32>,
    queues: Vec<VecDeque<u32>>,
    /// Per step: items in it (admitted, not yet done), and those waiting to enter.
    in_step: Vec<u32>,
    blocked: Vec<VecDeque<u32>>,
    stats: Vec<StepStats>,
    backlog: VecDeque<(u32, i64)>,
    in_stream: u32,
    arrived: u64,
    to_arrive: u64,
    lead_times: Vec<i64>,
    entry_wait_sum: i64,
    window_start: Option<i64>,
    last_completion: i64,
    last_arrival: i64,
    window_completions: u64,
}

impl std::fmt::Debug for Engine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("arrived", &self.arrived)
            .finish_non_exhaustive()
    }
}

fn log_normal(median: Duration) -> Option<LogNormal<f64>> {
    (!median.is_zero()).then(|| {
        LogNormal::new((median.as_millis() as f64).ln(), ESTIMATE_SIGMA)
            .expect("a positive median and sigma make a log-normal")
    })
}

impl<'a> Engine<'a> {
    pub(super) fn new(
        shape: &'a Shape,
        models: &'a [StepModel],
        config: &Config,
        seed: u64,
        calibrated: Option<Calibrated<'a>>,
    ) -> Self {
        let rate_per_ms = (config.arrivals_per_week / MS_PER_WEEK).max(f64::MIN_POSITIVE);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let gaps = calibrated.map_or(0, |c| c.calibration.gaps.len());
        Engine {
            shape,
            calibrated,
            // Each replication replays the log's arrivals from its own place.
            gap_cursor: if gaps > 0 {
                rng.random_range(0..gaps)
            } else {
                0
            },
            models,
            draws: models
                .iter()
                .map(|model| match &model.durations {
                    Durations::Measured(pairs) => Draw::Pairs(pairs.clone()),
                    Durations::Estimated { wait, process } => Draw::LogNormal {
                        wait: log_normal(*wait),
                        process: log_normal(*process),
                    },
                })
                .collect(),
            rng,
            estimate_rng: Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5EED_E571_3A7E_0001),
            interarrival: Exp::new(rate_per_ms).expect("a positive rate"),
            wip_limit: config.wip_limit,
            heap: BinaryHeap::new(),
            sequence: 0,
            items: Vec::new(),
            free: Vec::new(),
            batches: Vec::new(),
            free_batches: Vec::new(),
            queues: models.iter().map(|_| VecDeque::new()).collect(),
            in_step: vec![0; models.len()],
            blocked: models.iter().map(|_| VecDeque::new()).collect(),
            stats: vec![StepStats::default(); models.len()],
            backlog: VecDeque::new(),
            in_stream: 0,
            arrived: 0,
            to_arrive: 0,
            lead_times: Vec::new(),
            entry_wait_sum: 0,
            window_start: None,
            last_completion: 0,
            last_arrival: 0,
            window_completions: 0,
        }
    }

    fn schedule(&mut self, time: i64, event: Event) {
        self.sequence += 1;
        self.heap.push(Scheduled {
            time,
            sequence: self.sequence,
            event,
        });
    }

    pub(super) fn run(mut self, items: u64) -> Run {
        self.to_arrive = items;
        self.lead_times.reserve(items as usize);
        if items > 0 {
            self.schedule(0, Event::Arrive);
        }
        let mut clock = 0;
        loop {
            while let Some(Scheduled { time, event, .. }) = self.heap.pop() {
                clock = time;
                match event {
                    Event::Arrive => self.arrive(time),
                    Event::Ready { item, step } => {
                        self.queues[step as usize].push_back(item);
                        self.start_work(step as usize, time, false);
                    }
                    Event::Done { step, item, batch } => {
                        self.done(step as usize, item, batch, time);
                    }
                    Event::Leave { item } => self.leave(item, time),
                }
            }
            // Nothing else can happen: partial batches go now.
            let mut flushed = false;
            for step in 0..self.queues.len() {
                if !self.queues[step].is_empty() {
                    self.start_work(step, clock, true);
                    flushed = true;
                }
            }
            if !flushed {
                break;
            }
        }
        let horizon = self.last_completion;
        for stats in &mut self.stats {
            stats.advance(horizon.max(stats.last_change));
        }
        Run {
            lead_times: self.lead_times,
            entry_wait_sum: self.entry_wait_sum,
            horizon,
            window_completions: self.window_completions,
            window_span: self
                .window_start
                .map_or(0, |start| (self.last_arrival - start).max(0)),
            steps: self.stats,
        }
    }

    fn arrive(&mut self, now: i64) {
        self.arrived += 1;
        self.last_arrival = now;
        if self.arrived < self.to_arrive {
            let gap = match self.calibrated {
                Some(c) if c.replay_arrivals && !c.calibration.gaps.is_empty() => {
                    let gaps = &c.calibration.gaps;
                    self.gap_cursor = (self.gap_cursor + 1) % gaps.len();
                    gaps[self.gap_cursor]
                }
                // At most a century apart, so that the clock never overflows.
                _ => self.interarrival.sample(&mut self.rng).min(3.2e12).round() as i64,
            };
            self.schedule(now + gap, Event::Arrive);
        }
        let steps = self.models.len();
        let item = if let Some(item) = self.free.pop() {
            item
        } else {
            self.items.push(Item {
                entered_step: vec![0; steps],
                wait: vec![0; steps],
                process: vec![0; steps],
                pending: vec![0; steps],
                redo: vec![false; steps],
                done: vec![false; steps],
                active: vec![false; steps],
                ..Item::default()
            });
            (self.items.len() - 1) as u32
        };
        let state = &mut self.items[item as usize];
        state.arrival = now;
        state.pending.copy_from_slice(&self.shape.predecessors);
        state.redo.fill(false);
        state.done.fill(false);
        state.active.fill(false);
        state.sinks_left = self.shape.sinks;
        state.position = 0;
        if self.wip_limit.is_some_and(|limit| self.in_stream >= limit) {
            self.backlog.push_back((item, now));
        } else {
            self.enter_stream(item, now);
        }
    }

    fn enter_stream(&mut self, item: u32, now: i64) {
        self.in_stream += 1;
        if let Some(calibrated) = self.calibrated {
            let routes = calibrated.calibration.routes.len();
            self.items[item as usize].route = if routes > 0 {
                self.rng.random_range(0..routes) as u32
            } else {
                0
            };
            self.next_on_route(item, now);
            return;
        }
        let shape = self.shape;
        for &source in &shape.sources {
            self.enter(item, source, now);
        }
    }

    fn draw(&mut self, step: usize) -> (i64, i64) {
        draw(&self.draws[step], &mut self.rng)
    }

    fn enter(&mut self, item: u32, step: usize, now: i64) {
        let drawn = self.draw(step);
        self.enter_drawn(item, step, now, drawn);
    }

    fn enter_drawn(&mut self, item: u32, step: usize, now: i64, (wait, process): (i64, i64)) {
        let state = &mut self.items[item as usize];
        let first_visit = !state.done[step] && !state.active[step];
        state.active[step] = true;
        state.entered_step[step] = now;
        state.wait[step] = wait;
        state.process[step] = process;
        let stats = &mut self.stats[step];
        stats.advance(now);
        stats.passes += 1;
        stats.visitors += u64::from(first_visit);
        stats.waiting += 1;
        if self.models[step]
            .wip_limit
            .is_some_and(|limit| self.in_step[step] >= limit)
        {
            self.blocked[step].push_back(item);
        } else {
            self.admit(item, step, now);
        }
    }

    /// The item is in the step: it waits (the drawn wait, or in the queue), then is worked on.
    fn admit(&mut self, item: u32, step: usize, now: i64) {
        self.in_step[step] += 1;
        let wait = self.items[item as usize].wait[step];
        // A calibrated step waits as the log's items did, then queues for its capacity.
        if self.models[step].capacity.is_some() && self.calibrated.is_none() {
            // The wait emerges from the queue.
            self.queues[step].push_back(item);
            self.start_work(step, now, false);
        } else {
            self.schedule(
                now + wait,
                Event::Ready {
                    item,
                    step: step as u32,
                },
            );
        }
    }

    /// Starts work at `step` while it has room and enough items waiting.
    fn start_work(&mut self, step: usize, now: i64, flush: bool) {
        let model = &self.models[step];
        let batch_size = model.batch_size as usize;
        loop {
            let queue = &self.queues[step];
            let room = model
                .capacity
                .is_none_or(|capacity| self.stats[step].busy < capacity);
            let enough = queue.len() >= batch_size || (flush && !queue.is_empty());
            if !room || !enough {
                return;
            }
            let take = batch_size.min(queue.len());
            let stats = &mut self.stats[step];
            stats.advance(now);
            stats.waiting -= take as u32;
            stats.in_work += take as u32;
            stats.busy += 1;
            stats.batches += 1;
            let (item, batch) = if take == 1 {
                (self.queues[step].pop_front().expect("not empty"), u32::MAX)
            } else {
                let members: Vec<u32> = self.queues[step].drain(..take).collect();
                let id = if let Some(id) = self.free_batches.pop() {
                    self.batches[id as usize] = members;
                    id
                } else {
                    self.batches.push(members);
                    (self.batches.len() - 1) as u32
                };
                (self.batches[id as usize][0], id)
            };
            let process = self.items[item as usize].process[step];
            let members: &[u32] = if batch == u32::MAX {
                std::slice::from_ref(&item)
            } else {
                &self.batches[batch as usize]
            };
            let stats = &mut self.stats[step];
            for &member in members {
                stats.wait_sum += now - self.items[member as usize].entered_step[step];
            }
            stats.process_sum += process;
            self.schedule(
                now + process,
                Event::Done {
                    step: step as u32,
                    item,
                    batch,
                },
            );
        }
    }

    fn done(&mut self, step: usize, item: u32, batch: u32, now: i64) {
        let stats = &mut self.stats[step];
        stats.advance(now);
        stats.busy -= 1;
        let leaving = if batch == u32::MAX {
            1
        } else {
            self.batches[batch as usize].len() as u32
        };
        stats.in_work -= leaving;
        // Room in the step: the items waiting to enter come in first.
        self.in_step[step] -= leaving;
        while self.models[step]
            .wip_limit
            .is_none_or(|limit| self.in_step[step] < limit)
            && let Some(next) = self.blocked[step].pop_front()
        {
            self.admit(next, step, now);
        }
        if batch == u32::MAX {
            self.finish_step(item, step, now);
        } else {
            let members = std::mem::take(&mut self.batches[batch as usize]);
            for &member in &members {
                self.finish_step(member, step, now);
            }
            self.batches[batch as usize] = members;
            self.free_batches.push(batch);
        }
        self.start_work(step, now, false);
    }

    /// The item is done with `step`: back through a rework loop, or on to the next steps.
    fn finish_step(&mut self, item: u32, step: usize, now: i64) {
        let shape = self.shape;
        self.items[item as usize].active[step] = false;
        if self.calibrated.is_some() {
            self.items[item as usize].done[step] = true;
            self.next_on_route(item, now);
            return;
        }
        for rework in &shape.loops[step] {
            if rework.share > 0.0 && self.rng.random_bool(rework.share.min(1.0)) {
                let state = &mut self.items[item as usize];
                // Sent back to a step the item is in again already (another branch sent it
                // back first): the passes merge; the steps of this loop wait for that one.
                let merged = state.active[rework.to];
                for &(s, preds) in &rework.region {
                    if !(merged && s == rework.to) {
                        state.redo[s] = true;
                        state.pending[s] = preds;
                    }
                }
                if !merged {
                    self.enter(item, rework.to, now);
                }
                return;
            }
        }
        let state = &mut self.items[item as usize];
        let first_time = !state.done[step];
        state.done[step] = true;
        state.redo[step] = false;
        let successors = &shape.successors[step];
        if successors.is_empty() {
            if first_time {
                state.sinks_left -= 1;
                if state.sinks_left == 0 {
                    self.leave(item, now);
                }
            }
            return;
        }
        for &successor in successors {
            let state = &mut self.items[item as usize];
            // On a pass for a rework loop, only the steps passed again are told; a step the
            // item is in already (its pass merged with another) is not entered twice.
            if (first_time || state.redo[successor]) && state.pending[successor] > 0 {
                state.pending[successor] -= 1;
                if state.pending[successor] == 0 {
                    self.enter(item, successor, now);
                }
            }
        }
    }

    /// A calibrated item moves on along the route of the log's item it follows: to its next
    /// step, with that item's time there, or out of the stream after its time outside the map's
    /// steps.
    fn next_on_route(&mut self, item: u32, now: i64) {
        let Some(calibrated) = self.calibrated else {
            return;
        };
        let state = &self.items[item as usize];
        let Some(route) = calibrated.calibration.routes.get(state.route as usize) else {
            self.schedule(now, Event::Leave { item });
            return;
        };
        match route.visits.get(state.position as usize) {
            Some(visit) => {
                self.items[item as usize].position += 1;
                let step = visit.step as usize;
                let drawn = if visit.estimated {
                    draw(&self.draws[step], &mut self.estimate_rng)
                } else {
                    visit.whole()
                };
                self.enter_drawn(item, step, now, drawn);
            }
            None => self.schedule(now + route.outside, Event::Leave { item }),
        }
    }

    /// The item has finished every last step.
    fn leave(&mut self, item: u32, now: i64) {
        let arrival = self.items[item as usize].arrival;
        self.lead_times.push(now - arrival);
        self.last_completion = self.last_completion.max(now);
        if self.window_start.is_some() && self.arrived < self.to_arrive {
            self.window_completions += 1;
        }
        if self.window_start.is_none()
            && self.lead_times.len() as u64 >= (self.to_arrive / 10).max(1)
        {
            self.window_start = Some(now);
        }
        self.in_stream -= 1;
        self.free.push(item);
        if let Some((waiting, since)) = self.backlog.pop_front() {
            self.entry_wait_sum += now - since;
            self.enter_stream(waiting, now);
        }
    }
}

/// A wait and a process time from a step's durations.
fn draw(draw: &Draw, rng: &mut Xoshiro256PlusPlus) -> (i64, i64) {
    match draw {
        Draw::Pairs(pairs) => pairs[rng.random_range(0..pairs.len())],
        Draw::LogNormal { wait, process } => {
            let mut one = |d: &Option<LogNormal<f64>>| {
                d.as_ref().map_or(0, |d| d.sample(&mut *rng).round() as i64)
            };
            (one(wait), one(process))
        }
    }
}
