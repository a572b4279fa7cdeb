//! The simulation next to its log, for people: the routing the calibration took from it, and
//! how close the simulated current state comes to the log's items (and why not, when it does not).

use std::fmt::Write as _;

use vsm_core::ValueStream;
use vsm_core::simulate::{Calibration, RANK_TOLERANCE_POINTS, TOLERANCE_PERCENT, Validation};

/// Per step, the share of the log's finished items that visited it and looped back to it.
pub(super) fn routing_text(out: &mut String, stream: &ValueStream, c: &Calibration) {
    let finished = c.finished().max(1) as f64;
    let _ = writeln!(
        out,
        "\nRouting from the log ({} finished items): visited, came back, came back twice; left after it",
        c.finished()
    );
    let end = stream.steps.len();
    for (index, (step, s)) in stream.steps.iter().zip(&c.steps).enumerate() {
        let left = c.transitions[index + 1][end] as f64;
        let _ = writeln!(
            out,
            "  {:<22} {:>5.1}% {:>5.1}% {:>5.1}%   {:>5.1}%",
            step.id,
            s.visited as f64 * 100.0 / finished,
            s.looped as f64 * 100.0 / finished,
            s.looped_twice as f64 * 100.0 / finished,
            left * 100.0 / finished,
        );
    }
}

/// Below this many finished items in the log, a simulation that matches their percentiles says
/// little.
const FEW_ITEMS: u64 = 30;

/// Below this (percent of the mean lead time), no single step explains the difference.
const SMALL_STEP_DIFFERENCE_PERCENT: f64 = 5.0;

/// The simulated current state next to all the finished items of its log.
pub(super) fn validation_text(out: &mut String, stream: &ValueStream, v: &Validation) {
    let [d50, d85, d95] = v.difference_percent;
    let _ = writeln!(
        out,
        "\nAgainst the log: its {} finished items: p50 {}, p85 {}, p95 {}",
        v.measured.count,
        v.measured.p50.human(),
        v.measured.p85.human(),
        v.measured.p95.human()
    );
    let _ = writeln!(
        out,
        "  simulated differs by {d50:+.1}%, {d85:+.1}%, {d95:+.1}%: {} the ±{TOLERANCE_PERCENT}% tolerance",
        if v.within { "within" } else { "OUTSIDE" }
    );
    if v.measured.count < FEW_ITEMS {
        let _ = writeln!(
            out,
            "  only {} finished items: the simulation sends these items again, so matching their percentiles says little about the stream, and their percentiles little about its next items",
            v.measured.count
        );
    }
    for (i, name) in ["p50", "p85", "p95"].into_iter().enumerate() {
        if v.sparse(i) {
            let level = Validation::LEVELS[i];
            let rank = v.rank_percent[i];
            let _ = writeln!(
                out,
                "  {name} is off in time, not in rank: the simulated {name} is the log's p{rank:.1}, within {RANK_TOLERANCE_POINTS} points of {level}; the log has few items there (about {:.1}% of them between the two), so a small shift moves it far, and more items settle it",
                (rank - level).abs()
            );
        }
    }
    let _ = writeln!(
        out,
        "  earth mover's distance {:.1}% of the mean lead time (how far an item's lead time moves on average to turn one distribution into the other)",
        v.distance_percent
    );
    let (measured, simulated) = v.throughput_per_week;
    let _ = writeln!(
        out,
        "  throughput {simulated:.1} per week (the log finished {measured:.1} per week)"
    );
    let _ = writeln!(
        out,
        "  {:<22} {:>15} {:>23} {:>23}",
        "per item in the step", "visited", "wait", "process"
    );
    for (step, fit) in stream.steps.iter().zip(&v.steps) {
        let _ = writeln!(
            out,
            "  {:<22} {:>6.1}% {:>6.1}% {:>11} {:>11} {:>11} {:>11}",
            step.id,
            fit.visit_share.0 * 100.0,
            fit.visit_share.1 * 100.0,
            fit.wait.0.human(),
            fit.wait.1.human(),
            fit.process.0.human(),
            fit.process.1.human()
        );
    }
    let _ = writeln!(out, "  (each pair: log, simulated)");
    if let Some((index, percent)) = v.worst_step {
        let _ = writeln!(
            out,
            "  differs most at {}: its simulated time moves the mean lead time by {percent:+.1}% of the log's",
            stream.steps[index].id
        );
        if percent.abs() < SMALL_STEP_DIFFERENCE_PERCENT {
            let _ = writeln!(
                out,
                "  every step's share of the mean is within {SMALL_STEP_DIFFERENCE_PERCENT}% of the log's: no one step is the reason; what differs is where in the distribution the items fall (percentiles where the log has few items), queueing for the steps' capacities, or too few items"
            );
        }
    }
}
