//! A future state on the calibrated current state: the log's items, each moved by what the
//! future map (an `extends:` overlay of the measured map) declares, and nothing else.
//!
//! - A step the overlay leaves alone keeps every item's times in it, and its place in each
//!   item's route.
//! - A designed `wait_time` or `process_time` multiplies every item's first-pass wait (or process
//!   time) in the step by the design over the log's mean, so that the mean over the step's items
//!   becomes the design and the spread keeps its shape (an item twice the mean stays twice the
//!   mean). The log's mean is the number the measured map shows for the step. Rework passes are
//!   moved by %C&A, not by these. A step the log has no wait (or process time) for takes the
//!   design for every item. A step measured from completions only has its time split first:
//!   the map's process estimate (at most the item's time), the rest waiting.
//! - A changed %C&A, or changed rework loops into the step, changes the share of the step's
//!   items that come back to it, by the ratio of the future's share of items sent back to the
//!   current map's (the loops' shares into the step, or 1 − %C&A without loops): fewer items
//!   keep their later passes (the others pass once), or more items get one (the later passes
//!   of an item of the log that came back, in turn; a step no item came back to passes again as
//!   the item's first pass). Which items is spread evenly over the log's order, not drawn.
//! - A removed step is taken out of every route with its time: items go from the step before it
//!   to the one after it.
//! - An added step is passed by every item that passed a step it follows (`after:`), right after
//!   the last of those on its route; its times are drawn from its estimates. A route is a
//!   sequence, so an added step beside others (not followed by them) still adds its time.
//! - Capacity, batch size and WIP limits are the future map's (see [`super::calibrated_models`]).
//!   A raised capacity also shortens the waits the log's items had before the step, by the part
//!   of them that queueing for the step explains: the M/M/c mean queueing delay (Erlang C) at
//!   the load the log shows (items into the step over the log's span, times their mean time in
//!   it) and the current capacity (the map's, else the p95 of the log's items in it at once),
//!   capped at the log's mean wait, against the same at the future capacity. Every item's first
//!   wait is scaled by one factor, so the mean drops by the difference and the spread keeps its
//!   shape. Only for steps the log times (their process time is known), and not when the future
//!   designs the step's wait (the design is the wait). A lowered capacity needs no such model:
//!   the simulation queues the items for the fewer places itself.

use super::calibration::{Calibration, Route, StepCalibration, Visit};
use crate::Duration;
use crate::model::ValueStream;

/// What a future state changes in one of its steps, against the calibrated current state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepChange {
    /// The current map's step it is (its index there); `None`: a step the future adds.
    pub current: Option<usize>,
    /// The first pass's mean wait over the step's items (ms): the log's and the design's, when
    /// the future designs it.
    pub wait: Option<(f64, f64)>,
    pub process: Option<(f64, f64)>,
    /// Share of the step's items that come back to it: the log's and the future's, when the
    /// future changes its %C&A or the rework loops into it.
    pub rework: Option<(f64, f64)>,
    /// Capacity, batch size and WIP limit, when the future map's differ from the current map's:
    /// (name, current, future).
    pub settings: Vec<(&'static str, Option<u32>, Option<u32>)>,
    /// A raised capacity's effect on the waits before the step, when it could be modelled.
    pub requeue: Option<Requeue>,
}

/// What a raised capacity does to the waits before a step in the calibrated current state: the
/// part of the log's wait that queueing for the step explains, now and with the future capacity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Requeue {
    /// The current capacity (the map's, or the p95 of the log's items in the step at once) and
    /// the future map's.
    pub capacity: (u32, u32),
    /// Whether the current capacity is the log's p95 rather than the map's.
    pub capacity_from_log: bool,
    /// Items into the step per week over the log's span, and their mean time in it (ms): the
    /// load, in places kept busy, is their product over a week.
    pub arrivals_per_week: f64,
    pub service: f64,
    /// The log's mean first-pass wait before the step (ms), the part of it M/M/c queueing
    /// explains at the current capacity (at most all of it), and the queueing at the future
    /// capacity: the mean wait drops by the difference.
    pub wait: f64,
    pub queueing: (f64, f64),
}

impl Requeue {
    /// Places kept busy on average: arrivals × mean time in the step.
    pub fn load(&self) -> f64 {
        self.arrivals_per_week * self.service / super::MS_PER_WEEK
    }

    /// The mean first-pass wait in the future (ms).
    pub fn future_wait(&self) -> f64 {
        (self.wait - (self.queueing.0 - self.queueing.1)).max(0.0)
    }
}

impl StepChange {
    /// The future changes something about the step.
    pub fn changes(&self) -> bool {
        self.current.is_none()
            || self.wait.is_some()
            || self.process.is_some()
            || self.rework.is_some()
            || !self.settings.is_empty()
            || self.requeue.is_some()
    }
}

/// What a future state changes in the calibrated current state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FutureChanges {
    /// One per step of the future map.
    pub steps: Vec<StepChange>,
    /// Steps of the current map the future removes: id, and the share of the log's finished
    /// items that visited it.
    pub removed: Vec<(String, f64)>,
}

/// The current state calibrated as `current` (from the measured map `base`), moved to the
/// future map `future` that extends it (measured through `base`, its design in place): the
/// future's calibration (its step indices) and what changed.
pub fn for_future(
    current: &Calibration,
    base: &ValueStream,
    future: &ValueStream,
) -> (Calibration, FutureChanges) {
    let mut routes = current.routes.clone();
    let finished = current.finished().max(1) as f64;
    let mut steps = Vec::with_capacity(future.steps.len());
    for (f, step) in future.steps.iter().enumerate() {
        let Some(b) = base.step_index(&step.id) else {
            steps.push(StepChange::default());
            continue;
        };
        let was = &base.steps[b];
        let mut change = StepChange {
            current: Some(b),
            ..StepChange::default()
        };
        let designed = step.designed;
        // The log's load on the step, before the design moves its times.
        let log_load = load(&routes, b as u32, current.span);
        if !current.steps[b].timed && (designed.wait_time || designed.process_time) {
            split_untimed(&mut routes, b as u32, was.process_time);
        }
        let parts: [(bool, Part, Duration); 2] = [
            (designed.wait_time, |v| &mut v.wait, step.wait_time),
            (designed.process_time, |v| &mut v.process, step.process_time),
        ];
        [change.wait, change.process] = parts.map(|(designed, part, design)| {
            designed.then(|| scale(&mut routes, b as u32, part, design))
        });
        let (then, now) = (sent_back(base, b), sent_back(future, f));
        if (then - now).abs() > 1e-9 {
            change.rework = Some(rework(&mut routes, b as u32, then, now));
        }
        for (name, before, after) in [
            ("capacity", was.capacity, step.capacity),
            ("batch_size", was.batch_size, step.batch_size),
            ("wip_limit", was.wip_limit, step.wip_limit),
        ] {
            if before != after {
                change.settings.push((name, before, after));
            }
        }
        let now = was
            .capacity
            .map(|c| (c, false))
            .or(current.steps[b].concurrency_p95.map(|c| (c, true)));
        if let (Some((now, from_log)), Some(then), Some(log_load)) = (now, step.capacity, log_load)
            && then > now
            && current.steps[b].timed
            && !designed.wait_time
        {
            change.requeue = requeue(&mut routes, b as u32, current.span, log_load, (now, then))
                .map(|r| Requeue {
                    capacity_from_log: from_log,
                    ..r
                });
        }
        steps.push(change);
    }
    // Into the future map's steps: removed steps leave the routes, added ones join them.
    let to_future: Vec<Option<u32>> = base
        .steps
        .iter()
        .map(|s| future.step_index(&s.id).map(|i| i as u32))
        .collect();
    for route in &mut routes {
        route
            .visits
            .retain_mut(|visit| match to_future[visit.step as usize] {
                Some(index) => {
                    visit.step = index;
                    true
                }
                None => false,
            });
    }
    let order = crate::graph::topological_order(&future.steps)
        .unwrap_or_else(|_| (0..future.steps.len()).collect());
    for added in order.into_iter().filter(|&f| steps[f].current.is_none()) {
        let after = &future.steps[added].after;
        for route in &mut routes {
            join(route, added as u32, after);
        }
    }
    let removed = base
        .steps
        .iter()
        .enumerate()
        .filter(|(b, _)| to_future[*b].is_none())
        .map(|(b, step)| (step.id.clone(), current.visitors(b) as f64 / finished))
        .collect();
    let mut calibration = Calibration {
        steps: steps
            .iter()
            .map(|change| match change.current {
                Some(b) => StepCalibration {
                    concurrency_p95: current.steps[b].concurrency_p95,
                    timed: current.steps[b].timed,
                    ..StepCalibration::default()
                },
                None => StepCalibration::default(),
            })
            .collect(),
        routes,
        lead_times: current.lead_times.clone(),
        gaps: current.gaps.clone(),
        span: current.span,
        ..Calibration::default()
    };
    calibration.tally();
    (calibration, FutureChanges { steps, removed })
}

/// The visits of `step` in every route.
fn visits_of(routes: &mut [Route], step: u32) -> impl Iterator<Item = &mut Visit> {
    routes
        .iter_mut()
        .flat_map(|route| route.visits.iter_mut())
        .filter(move |visit| visit.step == step)
}

/// A step measured from completions only: its first pass's time (all in the wait) split into
/// the map's process estimate (at most the whole) and the rest, waiting.
fn split_untimed(routes: &mut [Route], step: u32, estimate: Duration) {
    let estimate = estimate.as_millis() as i64;
    for visit in visits_of(routes, step) {
        let whole = visit.wait + visit.process;
        visit.process = estimate.min(whole).max(0);
        visit.wait = whole - visit.process;
    }
}

/// One part of a visit's time: its first pass's wait or process time.
type Part = fn(&mut Visit) -> &mut i64;

/// Multiplies one part of every visit of `step` so that its mean becomes `design`; with a mean
/// of zero, every visit takes the design. Returns (the log's mean, the design) in ms.
fn scale(routes: &mut [Route], step: u32, part: Part, design: Duration) -> (f64, f64) {
    let (mut sum, mut count) = (0_i128, 0_u64);
    for visit in visits_of(routes, step) {
        sum += i128::from(*part(visit));
        count += 1;
    }
    let mean = if count > 0 {
        sum as f64 / count as f64
    } else {
        0.0
    };
    let target = design.as_millis() as f64;
    for visit in visits_of(routes, step) {
        let value = part(visit);
        *value = if mean > 0.0 {
            (*value as f64 * target / mean).round() as i64
        } else {
            target as i64
        };
    }
    (mean, target)
}

/// The items into `step` over the log's span (`span` ms) and their mean time in it (ms), all
/// passes: `None` when no item passed it or the span is empty.
fn load(routes: &[Route], step: u32, span: i64) -> Option<(f64, f64)> {
    let (mut visits, mut busy) = (0_u64, 0_i128);
    for visit in routes
        .iter()
        .flat_map(|r| &r.visits)
        .filter(|v| v.step == step)
    {
        visits += u64::from(visit.passes.max(1));
        busy += i128::from(visit.process + visit.rework_process);
    }
    (visits > 0 && span > 0).then(|| (visits as f64 / span as f64, busy as f64 / visits as f64))
}

/// The M/M/c mean time in queue (ms) of items arriving at `rate` a ms, each taking `service` ms,
/// with `places` served at once: infinite when the load reaches the places. Erlang C through the
/// Erlang B recursion, which neither overflows nor loses precision for large `places`.
pub fn mmc_queueing(rate: f64, service: f64, places: u32) -> f64 {
    let load = rate * service;
    let c = f64::from(places);
    if places == 0 || load >= c {
        return f64::INFINITY;
    }
    if load <= 0.0 {
        return 0.0;
    }
    let mut blocked = 1.0;
    for k in 1..=places {
        blocked = load * blocked / (f64::from(k) + load * blocked);
        // Far above the load nobody waits: stop before a huge capacity takes that many rounds.
        if blocked < 1e-15 && f64::from(k) > load {
            return 0.0;
        }
    }
    let waits = c * blocked / (c - load * (1.0 - blocked));
    waits * service / (c - load)
}

/// A capacity raised from `capacity.0` to `capacity.1` at `step`: scales every item's first wait
/// there so that the mean drops by the queueing the raise removes. `log_load` is the log's
/// (rate a ms, mean time in the step), the future's time in the step is read from `routes`.
fn requeue(
    routes: &mut [Route],
    step: u32,
    span: i64,
    log_load: (f64, f64),
    capacity: (u32, u32),
) -> Option<Requeue> {
    let (rate, service) = log_load;
    let (_, future_service) = load(routes, step, span)?;
    let (mut sum, mut count) = (0_i128, 0_u64);
    for visit in visits_of(routes, step) {
        sum += i128::from(visit.wait);
        count += 1;
    }
    let wait = sum as f64 / count.max(1) as f64;
    let before = mmc_queueing(rate, service, capacity.0).min(wait);
    let after = mmc_queueing(rate, future_service, capacity.1).min(before);
    if wait <= 0.0 {
        return None;
    }
    let factor = (wait - (before - after)) / wait;
    for visit in visits_of(routes, step) {
        visit.wait = (visit.wait as f64 * factor).round() as i64;
    }
    Some(Requeue {
        capacity,
        capacity_from_log: false,
        arrivals_per_week: rate * super::MS_PER_WEEK,
        service,
        wait,
        queueing: (before, after),
    })
}

/// The share of a step's items the map sends back to it: the shares of the rework loops into it,
/// or 1 − its %C&A when no loop names it.
fn sent_back(stream: &ValueStream, step: usize) -> f64 {
    let loops: Vec<f64> = stream
        .rework
        .iter()
        .filter(|l| l.to == step)
        .map(|l| l.share.fraction())
        .collect();
    if loops.is_empty() {
        1.0 - stream.steps[step].complete_accurate.fraction()
    } else {
        loops.iter().sum::<f64>().min(1.0)
    }
}

/// Of `count` things in order, whether the `index`th is among an evenly spread `fraction` of
/// them (`floor(count × fraction)` in all).
fn picked(index: usize, fraction: f64) -> bool {
    ((index + 1) as f64 * fraction).floor() > (index as f64 * fraction).floor()
}

/// Moves the share of the items of `step` that come back to it from the log's by the ratio of
/// the map's shares sent back (`now` over `then`; by their difference when the current map or
/// the log sends none back). Returns (the log's share, the future's).
fn rework(routes: &mut [Route], step: u32, then: f64, now: f64) -> (f64, f64) {
    let mut visitors = 0_usize;
    let mut returned: Vec<Visit> = Vec::new();
    for visit in visits_of(routes, step) {
        visitors += 1;
        if visit.reworked() {
            returned.push(*visit);
        }
    }
    if visitors == 0 {
        return (0.0, 0.0);
    }
    let log = returned.len() as f64 / visitors as f64;
    // Where the map or the log has none to scale, the difference of the map's shares is added.
    let future = if log > 0.0 && then > 0.0 {
        log * now / then
    } else {
        log + now - then
    }
    .clamp(0.0, 1.0);
    if future < log {
        let keep = future / log;
        for (index, visit) in visits_of(routes, step).filter(|v| v.reworked()).enumerate() {
            if !picked(index, keep) {
                visit.rework_wait = 0;
                visit.rework_process = 0;
                visit.passes = 1;
            }
        }
    } else if future > log {
        let gain = (future - log) / (1.0 - log);
        let mut source = 0;
        for (index, visit) in visits_of(routes, step)
            .filter(|v| !v.reworked())
            .enumerate()
        {
            if picked(index, gain) {
                let (rework_wait, rework_process, passes) = match returned.get(source) {
                    Some(from) => (from.rework_wait, from.rework_process, from.passes.max(2)),
                    // No item came back to the step: it passes again as it did the first time.
                    None => (visit.wait, visit.process, 2),
                };
                source = if returned.is_empty() {
                    0
                } else {
                    (source + 1) % returned.len()
                };
                visit.rework_wait = rework_wait;
                visit.rework_process = rework_process;
                visit.passes = passes;
            }
        }
    }
    (log, future)
}

/// Puts the added step `step` on `route` right after the last step of `after` it passed (at the
/// start when `after` is empty); a route that passed none of them does not pass it.
fn join(route: &mut Route, step: u32, after: &[usize]) {
    let place = if after.is_empty() {
        Some(0)
    } else {
        route
            .visits
            .iter()
            .rposition(|v| after.contains(&(v.step as usize)))
            .map(|p| p + 1)
    };
    if let Some(place) = place {
        route.visits.insert(
            place,
            Visit {
                step,
                passes: 1,
                estimated: true,
                ..Visit::default()
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    const BASE: &str = "name: B\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, process_time: 1h, wait_time: 1d }\n  - { id: c, process_time: 1h }\n";

    fn base() -> ValueStream {
        crate::parse_map(BASE).stream.expect("a valid map")
    }

    fn future(overlay: &str) -> ValueStream {
        let parsed = crate::parse_map_extending(overlay, &base());
        parsed.stream.expect("a valid overlay")
    }

    fn visit(step: u32, wait: i64, process: i64, rework: i64) -> Visit {
        Visit {
            step,
            wait: wait * HOUR,
            process: process * HOUR,
            rework_wait: rework * HOUR,
            rework_process: 0,
            passes: if rework > 0 { 2 } else { 1 },
            estimated: false,
        }
    }

    /// Four items: all pass a and b, two of them c; one of them came back to b.
    fn current() -> Calibration {
        let routes = vec![
            Route {
                visits: vec![visit(0, 0, 1, 0), visit(1, 10, 1, 0), visit(2, 2, 1, 0)],
                outside: HOUR,
            },
            Route {
                visits: vec![visit(0, 0, 1, 0), visit(1, 30, 1, 4)],
                outside: 0,
            },
            Route {
                visits: vec![visit(0, 0, 1, 0), visit(1, 20, 1, 0), visit(2, 4, 1, 0)],
                outside: 0,
            },
            Route {
                visits: vec![visit(0, 0, 1, 0), visit(1, 20, 1, 0)],
                outside: 0,
            },
        ];
        let mut calibration = Calibration {
            steps: vec![
                StepCalibration {
                    timed: true,
                    ..StepCalibration::default()
                };
                3
            ],
            lead_times: routes.iter().map(Route::lead_time).collect(),
            routes,
            span: 100 * HOUR,
            ..Calibration::default()
        };
        calibration.tally();
        calibration
    }

    #[test]
    fn a_future_that_changes_nothing_keeps_every_item_as_it_was() {
        let (calibration, changes) = for_future(&current(), &base(), &future("extends: x\n"));
        assert_eq!(calibration, current());
        assert!(changes.steps.iter().all(|c| !c.changes()));
        assert!(changes.removed.is_empty());
    }

    #[test]
    fn a_designed_wait_scales_every_item_so_that_the_mean_is_the_design() {
        // b's first-pass waits 10, 30, 20, 20 hours: a mean of 20; the design is 10.
        let overlay = "extends: x\nsteps:\n  - { id: b, wait_time: 10h }\n";
        let (calibration, changes) = for_future(&current(), &base(), &future(overlay));
        assert_eq!(
            changes.steps[1].wait,
            Some((20.0 * HOUR as f64, 10.0 * HOUR as f64))
        );
        let waits: Vec<i64> = calibration
            .routes
            .iter()
            .map(|r| r.visits[1].wait / HOUR)
            .collect();
        assert_eq!(waits, [5, 15, 10, 10]);
        // The rework pass and the other steps stay.
        assert_eq!(calibration.routes[1].visits[1].rework_wait, 4 * HOUR);
        assert_eq!(
            calibration.routes[0].visits[2],
            current().routes[0].visits[2]
        );
        assert!(!changes.steps[0].changes() && !changes.steps[2].changes());
    }

    #[test]
    fn removed_steps_leave_the_routes_and_added_ones_join_after_their_step() {
        let overlay = "extends: x\nremove: [b]\nsteps:\n  - { id: check, after: a, process_time: 2h }\n  - { id: c, after: check }\n";
        let future = future(overlay);
        let (calibration, changes) = for_future(&current(), &base(), &future);
        let ids = |route: &Route| -> Vec<&str> {
            route
                .visits
                .iter()
                .map(|v| future.steps[v.step as usize].id.as_str())
                .collect()
        };
        assert_eq!(ids(&calibration.routes[0]), ["a", "check", "c"]);
        assert_eq!(ids(&calibration.routes[1]), ["a", "check"]);
        let check = future.step_index("check").unwrap();
        assert!(calibration.routes.iter().all(|r| r.visits[1].estimated));
        assert_eq!(calibration.visitors(check), 4);
        assert!(
            calibration.steps[check].samples.is_empty(),
            "drawn from its estimates"
        );
        assert_eq!(changes.removed, [("b".to_string(), 1.0)]);
        assert_eq!(changes.steps[check].current, None);
        // b's time is gone: 1 hour of a, nothing of check yet, c's 3 hours, 1 outside.
        assert_eq!(calibration.routes[0].lead_time(), 5 * HOUR);
        assert_eq!(calibration.transitions[0][0], 4);
    }

    #[test]
    fn a_better_complete_accurate_takes_rework_from_that_share_of_the_items() {
        // One of b's four items came back (25%); the map sends 1 - 80% = 20% back, the future
        // none: the item passes once.
        let mut base = base();
        base.steps[1].complete_accurate = crate::Percent::new(80.0).unwrap();
        let overlay = "extends: x\nsteps:\n  - { id: b, complete_accurate: 100% }\n";
        let future = crate::parse_map_extending(overlay, &base).stream.unwrap();
        let (calibration, changes) = for_future(&current(), &base, &future);
        assert_eq!(changes.steps[1].rework, Some((0.25, 0.0)));
        assert!(calibration.routes.iter().all(|r| !r.visits[1].reworked()));
        assert_eq!(calibration.routes[1].visits[1].wait, 30 * HOUR);
        // Twice the share sent back: one more of the three that passed once gets the rework
        // of the one that came back.
        let worse = "extends: x\nsteps:\n  - { id: b, complete_accurate: 60% }\n";
        let future = crate::parse_map_extending(worse, &base).stream.unwrap();
        let (calibration, changes) = for_future(&current(), &base, &future);
        let (log, now) = changes.steps[1].rework.unwrap();
        assert!(
            (log - 0.25).abs() < 1e-12 && (now - 0.5).abs() < 1e-12,
            "{now}"
        );
        let reworked: Vec<bool> = calibration
            .routes
            .iter()
            .map(|r| r.visits[1].reworked())
            .collect();
        assert_eq!(reworked.iter().filter(|&&r| r).count(), 2, "{reworked:?}");
        assert!(
            calibration
                .routes
                .iter()
                .filter(|r| r.visits[1].reworked())
                .all(|r| r.visits[1].rework_wait == 4 * HOUR)
        );
    }

    #[test]
    fn a_map_that_sends_none_back_adds_the_difference_to_the_log_s_share() {
        // The map says 100% (none sent back) while a quarter of b's items came back: a future
        // 90% adds 10 points to the log's share, it does not scale a share of nothing.
        let overlay = "extends: x\nsteps:\n  - { id: b, complete_accurate: 90% }\n";
        let (calibration, changes) = for_future(&current(), &base(), &future(overlay));
        let (log, now) = changes.steps[1].rework.expect("a changed %C&A");
        assert!(
            (log - 0.25).abs() < 1e-12 && (now - 0.35).abs() < 1e-12,
            "{now}"
        );
        let reworked = calibration
            .routes
            .iter()
            .filter(|r| r.visits[1].reworked())
            .count();
        // 1 of 4 came back; of the other three, 0.1 / 0.75 of them: none of three, evenly.
        assert_eq!(reworked, 1);
    }

    #[test]
    fn an_even_share_is_picked_in_order() {
        let picks = |fraction: f64| (0..10).filter(|&i| picked(i, fraction)).count();
        assert_eq!(picks(0.0), 0);
        assert_eq!(picks(0.5), 5);
        assert_eq!(picks(0.25), 2);
        assert_eq!(picks(1.0), 10);
        assert!(picked(1, 0.5) && !picked(0, 0.5));
    }

    #[test]
    fn mmc_queueing_is_erlang_c() {
        // M/M/1 at half load: Wq = rho / (mu - lambda) = 1 service time.
        assert!((mmc_queueing(0.5, 1.0, 1) - 1.0).abs() < 1e-12);
        // M/M/2 at a load of 1: P(wait) = 1/3, Wq = (1/3) / (2 - 1).
        assert!((mmc_queueing(1.0, 1.0, 2) - 1.0 / 3.0).abs() < 1e-12);
        // Scale: the same queue in hours and in ms.
        let hours = mmc_queueing(1.0, 0.8, 2);
        let ms = mmc_queueing(1.0 / HOUR as f64, 0.8 * HOUR as f64, 2);
        assert!(
            (ms / HOUR as f64 - hours).abs() < 1e-9,
            "{hours} h, {ms} ms"
        );
        assert!((hours - 0.8 * (0.8 / 3.5) / 1.2).abs() < 1e-12, "{hours}");
        // A load that reaches the places never drains; no load, no queue; a huge capacity
        // answers at once.
        assert!(mmc_queueing(2.0, 1.0, 2).is_infinite());
        assert!(mmc_queueing(1.0, 1.0, 0).is_infinite());
        assert_eq!(mmc_queueing(0.0, 1.0, 3).to_bits(), 0.0_f64.to_bits());
        assert_eq!(
            mmc_queueing(1.0, 3.0, u32::MAX).to_bits(),
            0.0_f64.to_bits()
        );
    }

    /// `current()` squeezed into five hours: b takes in five passes (one item came back) of
    /// 0.8 h on average, a load of 0.8 places.
    fn busy() -> Calibration {
        Calibration {
            span: 5 * HOUR,
            ..current()
        }
    }

    fn mean_wait(calibration: &Calibration, step: usize) -> f64 {
        let waits: Vec<f64> = calibration
            .routes
            .iter()
            .map(|r| r.visits[step].wait as f64 / HOUR as f64)
            .collect();
        waits.iter().sum::<f64>() / waits.len() as f64
    }

    #[test]
    fn a_raised_capacity_takes_the_queueing_it_removes_from_the_waits() {
        let one = "name: B\nsteps:\n  - { id: a, process_time: 1h }\n  - { id: b, process_time: 1h, wait_time: 1d, capacity: 1 }\n  - { id: c, process_time: 1h }\n";
        let base = crate::parse_map(one).stream.unwrap();
        let overlay = "extends: x\nsteps:\n  - { id: b, capacity: 2 }\n";
        let future = crate::parse_map_extending(overlay, &base).stream.unwrap();
        let (calibration, changes) = for_future(&busy(), &base, &future);
        let requeue = changes.steps[1].requeue.expect("a modelled raise");
        assert_eq!(requeue.capacity, (1, 2));
        assert!(!requeue.capacity_from_log);
        assert!((requeue.load() - 0.8).abs() < 1e-9, "{}", requeue.load());
        // M/M/1 at 0.8: 0.8 / 0.2 × 0.8 h = 3.2 h; M/M/2: P(wait) 8/35, × 0.8 h / 1.2.
        let (now, then) = requeue.queueing;
        assert!((now / HOUR as f64 - 3.2).abs() < 1e-9, "{now}");
        let expected = 0.8 * (8.0 / 35.0) / 1.2;
        assert!((then / HOUR as f64 - expected).abs() < 1e-9, "{then}");
        // The mean first wait (20 h) drops by the difference, every item by the same factor.
        let drop = 3.2 - expected;
        assert!((mean_wait(&calibration, 1) - (20.0 - drop)).abs() < 1e-6);
        assert!((requeue.future_wait() / HOUR as f64 - (20.0 - drop)).abs() < 1e-9);
        let factor = (20.0 - drop) / 20.0;
        let first = calibration.routes[1].visits[1].wait as f64 / HOUR as f64;
        assert!((first - 30.0 * factor).abs() < 1e-6, "{first}");
        // The rework pass's wait and the other steps stay.
        assert_eq!(calibration.routes[1].visits[1].rework_wait, 4 * HOUR);
        assert_eq!(calibration.routes[0].visits[2], busy().routes[0].visits[2]);
    }

    #[test]
    fn without_a_map_capacity_the_log_s_concurrency_is_the_current_one() {
        let mut log = busy();
        log.steps[1].concurrency_p95 = Some(1);
        let overlay = "extends: x\nsteps:\n  - { id: b, capacity: 3 }\n";
        let (_, changes) = for_future(&log, &base(), &future(overlay));
        let requeue = changes.steps[1].requeue.expect("a modelled raise");
        assert_eq!(requeue.capacity, (1, 3));
        assert!(requeue.capacity_from_log);
        // Neither the map nor the log says how many places there are now: nothing to model.
        let (calibration, changes) = for_future(&busy(), &base(), &future(overlay));
        assert_eq!(changes.steps[1].requeue, None);
        assert!((mean_wait(&calibration, 1) - 20.0).abs() < 1e-12);
    }

    #[test]
    fn a_designed_wait_or_a_lowered_capacity_is_not_requeued() {
        let mut log = busy();
        log.steps[1].concurrency_p95 = Some(2);
        // The design is the wait.
        let designed = "extends: x\nsteps:\n  - { id: b, capacity: 4, wait_time: 10h }\n";
        let (calibration, changes) = for_future(&log, &base(), &future(designed));
        assert_eq!(changes.steps[1].requeue, None);
        assert!((mean_wait(&calibration, 1) - 10.0).abs() < 1e-12);
        // Fewer places: the simulation queues for them itself.
        let fewer = "extends: x\nsteps:\n  - { id: b, capacity: 1 }\n";
        let (calibration, changes) = for_future(&log, &base(), &future(fewer));
        assert_eq!(changes.steps[1].requeue, None);
        assert!((mean_wait(&calibration, 1) - 20.0).abs() < 1e-12);
    }
}
