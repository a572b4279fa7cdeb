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
}

impl StepChange {
    /// The future changes something about the step.
    pub fn changes(&self) -> bool {
        self.current.is_none()
            || self.wait.is_some()
            || self.process.is_some()
            || self.rework.is_some()
            || !self.settings.is_empty()
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
}
