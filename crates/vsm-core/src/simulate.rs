//! What-if simulation: items flowing through the stream one event at a time.
//!
//! Each item arrives (a Poisson process at the given rate), enters the steps that start the
//! stream, and moves on to a step once every step it follows is done with it (parallel branches
//! join). In a step it first waits, then is worked on:
//!
//! - a step without `capacity` takes every item at once: its wait is drawn from the step's
//!   durations, like its process time, so nothing queues there;
//! - a step with `capacity: c` works on at most `c` items (or batches) at once: its wait is not
//!   drawn but emerges from the queue in front of it, first come first served;
//! - a step with `batch_size: b` starts when `b` items are waiting (the last, partial batch goes
//!   when nothing else can arrive), and one process time covers the batch;
//! - a step with `wip_limit: w` holds at most `w` items, waiting or worked on; the others wait
//!   to enter (in the previous step's "done" column), and that time counts as the step's wait.
//!
//! Durations are drawn with replacement from the items measured in the log (each draw keeps an
//! item's own wait and process time together), or, for estimated steps, from a log-normal
//! distribution whose median is the estimate ([`ESTIMATE_SIGMA`]). When a step finishes an item,
//! each rework loop leaving it sends the item back with the loop's share (1 - %C&A by default):
//! it then passes again through every step from the one it returns to, queueing again.
//! A stream-wide WIP limit holds arriving items back until an item leaves.
//!
//! The run is split into replications, each seeded from (seed, replication index), so the result
//! depends on the seed only, not on the number of threads. Percentiles are pooled over all items;
//! their 95% confidence intervals come from the spread of the replications' own percentiles.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use rand::{RngExt as _, SeedableRng as _};
use rand_distr::{Distribution as _, Exp, LogNormal};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::Duration;
use crate::graph;
use crate::measure::{Distribution, Measurement, WaitBasis};
use crate::model::ValueStream;

/// Spread of the log-normal drawn around an estimate: sigma of its logarithm. With 0.5 the p85 is
/// 1.7 times the estimate and the mean 1.13 times.
pub const ESTIMATE_SIGMA: f64 = 0.5;

const MS_PER_WEEK: f64 = 7.0 * 86_400_000.0;

/// Where a step's durations are drawn from.
#[derive(Clone, Debug, PartialEq)]
pub enum Durations {
    /// (wait, process) in milliseconds of the items measured in the log, drawn with replacement.
    Measured(Vec<(i64, i64)>),
    /// Log-normal around the map's estimates.
    Estimated { wait: Duration, process: Duration },
}

/// How one step behaves in the simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct StepModel {
    pub durations: Durations,
    /// Items (or batches) worked on at once; `None`: no limit.
    pub capacity: Option<u32>,
    pub batch_size: u32,
    /// Items in the step at once, waiting or worked on; `None`: no limit.
    pub wip_limit: Option<u32>,
    /// Measured durations moved to a future design: (wait, process) scaled so that their median
    /// is the design's value.
    pub scaled: (bool, bool),
}

/// The run's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Items to send through the stream.
    pub items: u64,
    pub seed: u64,
    /// Arrival rate, items per week.
    pub arrivals_per_week: f64,
    /// At most this many items in the stream at once; the others wait to enter.
    pub wip_limit: Option<u32>,
    /// Independent runs the items are split into (at least 2 for confidence intervals).
    pub replications: u32,
}

/// The step models of a map: measured durations where the measurement has items for the step,
/// the map's estimates elsewhere; capacity and batch size from the map.
///
/// A measured item's process time covers all its visits to the step, and the time between its
/// first start and its last end that is not process time counts as waiting, so that a draw is
/// the item's whole time in the step. For a step inside a declared rework loop the simulation
/// makes the repeat visits itself, so it draws one visit's share: the item's wait and process
/// time divided by its visits.
///
/// A future-state overlay that sets a measured step's wait or process time (its design) keeps
/// the shape of the measured distribution and moves it: every draw is scaled so that the
/// median becomes the designed value.
pub fn models(stream: &ValueStream, measurement: Option<&Measurement>) -> Vec<StepModel> {
    let mut in_loop = vec![false; stream.steps.len()];
    for rework in &stream.rework {
        for (index, inside) in graph::between(&stream.steps, rework.to, rework.from)
            .into_iter()
            .enumerate()
        {
            in_loop[index] |= inside;
        }
    }
    stream
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let measured = measurement
                .and_then(|m| m.steps.iter().find(|s| s.step == index))
                .map(|m| {
                    m.items
                        .iter()
                        .filter(|record| record.last_end.is_some())
                        // Items that came the map's way: the simulation sends every item
                        // through every step, so a wait measured after a skipped step or
                        // beside an overlapping one is not a wait it makes.
                        .filter(|record| {
                            matches!(
                                record.basis,
                                WaitBasis::StreamStart | WaitBasis::Predecessor
                            )
                        })
                        .map(|record| {
                            let wait = record.wait;
                            if record.timed {
                                // Time between visits (work suspended, sent back) is waiting.
                                let waiting = (wait + record.rework_wait).max(0);
                                let process = (record.process + record.rework_process).max(0);
                                // Inside a loop the simulation makes the visits: one draw is one.
                                let visits = if in_loop[index] {
                                    i64::from(record.visits.max(1))
                                } else {
                                    1
                                };
                                (waiting / visits, process / visits)
                            } else {
                                // Completions only: the wait holds the step's lead time; the
                                // process time is the estimate.
                                let process = step.process_time.as_millis() as i64;
                                ((wait - process).max(0), process)
                            }
                        })
                        .collect::<Vec<_>>()
                })
                .filter(|pairs| !pairs.is_empty());
            let mut scaled = (false, false);
            let durations = match measured {
                Some(mut pairs) => {
                    if step.designed.wait_time {
                        scale(&mut pairs, |p| &mut p.0, step.wait_time);
                        scaled.0 = true;
                    }
                    if step.designed.process_time {
                        scale(&mut pairs, |p| &mut p.1, step.process_time);
                        scaled.1 = true;
                    }
                    Durations::Measured(pairs)
                }
                None => Durations::Estimated {
                    wait: step.wait_time,
                    process: step.process_time,
                },
            };
            StepModel {
                durations,
                capacity: step.capacity,
                batch_size: step.batch_size.unwrap_or(1),
                wip_limit: step.wip_limit,
                scaled,
            }
        })
        .collect()
}

/// Multiplies one component of every pair so that its median (nearest rank) becomes `target`;
/// with a median of zero, every value becomes `target`.
fn scale(pairs: &mut [(i64, i64)], component: fn(&mut (i64, i64)) -> &mut i64, target: Duration) {
    let mut values: Vec<i64> = pairs.iter_mut().map(|p| *component(p)).collect();
    let median = Distribution::of(&mut values).p50.as_millis() as f64;
    let target = target.as_millis() as f64;
    for pair in pairs.iter_mut() {
        let value = component(pair);
        *value = if median > 0.0 {
            (*value as f64 * target / median).round() as i64
        } else {
            target as i64
        };
    }
}

/// The lead times (ms) of the measured items that passed every step of the map, from their
/// first event to their last end: what a simulation of the current map should reproduce.
/// `None` if some step is not measured.
pub fn complete_journeys(stream: &ValueStream, measurement: &Measurement) -> Option<Vec<i64>> {
    if (0..stream.steps.len()).any(|i| !measurement.steps.iter().any(|s| s.step == i)) {
        return None;
    }
    let mut journeys: std::collections::HashMap<&str, (i64, i64, usize)> =
        std::collections::HashMap::new();
    for step in &measurement.steps {
        for record in &step.items {
            let Some(end) = record.last_end else { continue };
            let start = record.entered;
            let entry = journeys
                .entry(record.item.as_str())
                .or_insert((start, end, 0));
            entry.0 = entry.0.min(start);
            entry.1 = entry.1.max(end);
            entry.2 += 1;
        }
    }
    let steps = measurement.steps.len();
    Some(
        journeys
            .into_values()
            .filter(|&(_, _, seen)| seen == steps)
            .map(|(start, end, _)| end - start)
            .collect(),
    )
}

/// A 95% confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub low: Duration,
    pub high: Duration,
}

/// What the simulation projects for one step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepProjection {
    /// Times an item went through the step (more than the items when rework loops back).
    pub passes: u64,
    /// Mean time from entering the step to the start of work, per pass.
    pub mean_wait: Duration,
    /// Mean time worked, per pass (per batch for batched steps).
    pub mean_process: Duration,
    /// Busy share of the step's capacity over the run; `None` for steps without a capacity.
    pub utilization: Option<f64>,
    /// Mean number of items waiting for the step (in its queue or its wait).
    pub mean_queue_length: f64,
    /// Mean number of items being worked on.
    pub mean_in_work: f64,
}

/// Why a step is the constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintReason {
    /// The busiest step with a capacity.
    Utilization,
    /// No step has a capacity: the step where items spend the longest.
    TimeInStep,
}

/// The simulation's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    pub items: u64,
    pub replications: u32,
    pub seed: u64,
    pub arrivals_per_week: f64,
    /// Lead time per item, from arrival to the end of its last step (time waiting to enter under
    /// a WIP limit included).
    pub lead_time: Distribution,
    pub p50_interval: Option<Interval>,
    pub p85_interval: Option<Interval>,
    pub p95_interval: Option<Interval>,
    /// Items finished per week while items keep arriving, once a tenth of them have finished.
    pub throughput_per_week: f64,
    /// Mean time items waited to enter the stream under the WIP limit.
    pub mean_entry_wait: Duration,
    pub steps: Vec<StepProjection>,
    /// The step that limits the flow, and why.
    pub constraint: Option<(usize, ConstraintReason)>,
}

impl Projection {
    /// The lead time's p50, p85 and p95, each named and with its interval.
    pub fn percentiles(&self) -> [(&'static str, Duration, Option<Interval>); 3] {
        [
            ("p50", self.lead_time.p50, self.p50_interval),
            ("p85", self.lead_time.p85, self.p85_interval),
            ("p95", self.lead_time.p95, self.p95_interval),
        ]
    }
}

/// Runs the simulation. `models` has one entry per step of `stream`.
pub fn simulate(stream: &ValueStream, models: &[StepModel], config: &Config) -> Projection {
    assert_eq!(models.len(), stream.steps.len(), "one model per step");
    let replications = config
        .replications
        .clamp(1, u32::try_from(config.items.max(1)).unwrap_or(u32::MAX));
    let shape = Shape::of(stream);
    let runs: Vec<Run> = (0..replications)
        .into_par_iter()
        .map(|r| {
            let share = config.items / u64::from(replications)
                + u64::from(u64::from(r) < config.items % u64::from(replications));
            let seed = config.seed ^ u64::from(r).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            Engine::new(&shape, models, config, seed).run(share)
        })
        .collect();
    summarize(models, config, replications, &runs)
}

/// The stream's graph, as the engine walks it.
#[derive(Debug)]
struct Shape {
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
    fn of(stream: &ValueStream) -> Shape {
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
struct Run {
    lead_times: Vec<i64>,
    entry_wait_sum: i64,
    /// From the first arrival to the last completion (ms).
    horizon: i64,
    /// Completions while items were still arriving, once a tenth of the items had finished, and
    /// the time they span (to the last arrival, ms): the flow out once the stream has filled up.
    window_completions: u64,
    window_span: i64,
    steps: Vec<StepStats>,
}

#[derive(Clone, Debug, Default)]
struct StepStats {
    passes: u64,
    wait_sum: i64,
    batches: u64,
    process_sum: i64,
    waiting: u32,
    busy: u32,
    in_work: u32,
    waiting_area: f64,
    busy_area: f64,
    in_work_area: f64,
    last_change: i64,
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
}

#[derive(Debug)]
enum Draw {
    Pairs(Vec<(i64, i64)>),
    LogNormal {
        wait: Option<LogNormal<f64>>,
        process: Option<LogNormal<f64>>,
    },
}

struct Engine<'a> {
    shape: &'a Shape,
    models: &'a [StepModel],
    draws: Vec<Draw>,
    rng: Xoshiro256PlusPlus,
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
    fn new(shape: &'a Shape, models: &'a [StepModel], config: &Config, seed: u64) -> Self {
        let rate_per_ms = (config.arrivals_per_week / MS_PER_WEEK).max(f64::MIN_POSITIVE);
        Engine {
            shape,
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
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
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

    fn run(mut self, items: u64) -> Run {
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
            // At most a century apart, so that the clock never overflows.
            let gap = self.interarrival.sample(&mut self.rng).min(3.2e12).round() as i64;
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
        if self.wip_limit.is_some_and(|limit| self.in_stream >= limit) {
            self.backlog.push_back((item, now));
        } else {
            self.enter_stream(item, now);
        }
    }

    fn enter_stream(&mut self, item: u32, now: i64) {
        self.in_stream += 1;
        let shape = self.shape;
        for &source in &shape.sources {
            self.enter(item, source, now);
        }
    }

    fn draw(&mut self, step: usize) -> (i64, i64) {
        match &self.draws[step] {
            Draw::Pairs(pairs) => pairs[self.rng.random_range(0..pairs.len())],
            Draw::LogNormal { wait, process } => {
                let mut one = |d: &Option<LogNormal<f64>>| {
                    d.as_ref()
                        .map_or(0, |d| d.sample(&mut self.rng).round() as i64)
                };
                (one(wait), one(process))
            }
        }
    }

    fn enter(&mut self, item: u32, step: usize, now: i64) {
        let (wait, process) = self.draw(step);
        let state = &mut self.items[item as usize];
        state.active[step] = true;
        state.entered_step[step] = now;
        state.wait[step] = wait;
        state.process[step] = process;
        let stats = &mut self.stats[step];
        stats.advance(now);
        stats.passes += 1;
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
        if self.models[step].capacity.is_some() {
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

/// Two-sided 95% Student t quantiles for 1 to 30 degrees of freedom.
const T_95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

fn t_quantile(degrees: usize) -> f64 {
    T_95.get(degrees.saturating_sub(1)).copied().unwrap_or(1.96)
}

/// Mean ± t · sd / √n of the replications' values.
fn interval(values: &[f64]) -> Option<Interval> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_quantile(n - 1) * (variance / n as f64).sqrt();
    Some(Interval {
        low: Duration::from_secs_f64((mean - half) / 1_000.0),
        high: Duration::from_secs_f64((mean + half) / 1_000.0),
    })
}

fn summarize(models: &[StepModel], config: &Config, replications: u32, runs: &[Run]) -> Projection {
    let per_run: Vec<Distribution> = runs
        .iter()
        .map(|run| Distribution::of(&mut run.lead_times.clone()))
        .filter(|d| d.count > 0)
        .collect();
    let mut pooled: Vec<i64> = runs
        .iter()
        .flat_map(|r| r.lead_times.iter().copied())
        .collect();
    let lead_time = Distribution::of(&mut pooled);
    let ci = |pick: fn(&Distribution) -> Duration| {
        interval(
            &per_run
                .iter()
                .map(|d| pick(d).as_millis() as f64)
                .collect::<Vec<_>>(),
        )
    };
    let finished: u64 = runs.iter().map(|r| r.lead_times.len() as u64).sum();
    let horizon: i64 = runs.iter().map(|r| r.horizon).sum();
    let window_completions: u64 = runs.iter().map(|r| r.window_completions).sum();
    let window_span: i64 = runs.iter().map(|r| r.window_span).sum();
    let steps: Vec<StepProjection> = (0..models.len())
        .map(|s| {
            let sum = |f: fn(&StepStats) -> f64| runs.iter().map(|r| f(&r.steps[s])).sum::<f64>();
            let passes = sum(|x| x.passes as f64);
            let batches = sum(|x| x.batches as f64);
            let per = |total: f64, n: f64| {
                Duration::from_secs_f64(if n > 0.0 { total / n / 1_000.0 } else { 0.0 })
            };
            let over_time = |area: f64| {
                if horizon > 0 {
                    area / horizon as f64
                } else {
                    0.0
                }
            };
            StepProjection {
                passes: passes as u64,
                mean_wait: per(sum(|x| x.wait_sum as f64), passes),
                mean_process: per(sum(|x| x.process_sum as f64), batches),
                utilization: models[s]
                    .capacity
                    .map(|c| over_time(sum(|x| x.busy_area)) / f64::from(c)),
                mean_queue_length: over_time(sum(|x| x.waiting_area)),
                mean_in_work: over_time(sum(|x| x.in_work_area)),
            }
        })
        .collect();
    let constraint = steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.utilization.map(|u| (i, u)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| (i, ConstraintReason::Utilization))
        .or_else(|| {
            steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    (
                        i,
                        s.mean_wait.saturating_add(s.mean_process).as_millis() * s.passes,
                    )
                })
                .max_by_key(|&(_, time)| time)
                .filter(|&(_, time)| time > 0)
                .map(|(i, _)| (i, ConstraintReason::TimeInStep))
        });
    Projection {
        items: config.items,
        replications,
        seed: config.seed,
        arrivals_per_week: config.arrivals_per_week,
        p50_interval: ci(|d| d.p50),
        p85_interval: ci(|d| d.p85),
        p95_interval: ci(|d| d.p95),
        lead_time,
        // Items leave at this rate while items keep arriving, once the stream has filled up:
        // neither the start, when it fills, nor the drain after the last arrival counts. Runs too
        // short for such a window fall back to all items over the whole run.
        throughput_per_week: if window_span > 0 && window_completions > 0 {
            window_completions as f64 * MS_PER_WEEK / window_span as f64
        } else if horizon > 0 {
            finished as f64 * MS_PER_WEEK / horizon as f64
        } else {
            0.0
        },
        mean_entry_wait: Duration::from_secs_f64(
            runs.iter().map(|r| r.entry_wait_sum as f64).sum::<f64>()
                / finished.max(1) as f64
                / 1_000.0,
        ),
        steps,
        constraint,
    }
}

#[cfg(test)]
mod tests;
