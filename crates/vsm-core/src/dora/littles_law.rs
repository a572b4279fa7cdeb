//! Little's law as a completeness check: over a window, the average number of changes in
//! progress equals their throughput times their mean flow time (L = λW). When the figures
//! measured from the store disagree by more than [`TOLERANCE`], changes are missing from one
//! side: merged and never deployed, deployed with an unknown change set, or started long before
//! the window (a window a few times the lead time long settles the last).

use jiff::Timestamp;

use super::ChangeFact;
use super::period::days_between;

/// How far apart (relative to the larger) the two sides may be before data is called missing.
pub const TOLERANCE: f64 = 0.25;

/// The two sides of Little's law for the changes of a window.
#[derive(Clone, Debug, PartialEq)]
pub struct LittlesLaw {
    /// The average number of changes in progress (first commit to deployment, or to the end of
    /// the window for those not deployed) over the window.
    pub work_in_progress: f64,
    /// Changes deployed in the window, a day.
    pub throughput_per_day: f64,
    /// The mean lead time of the changes deployed in the window, in days.
    pub flow_time_days: f64,
    /// `throughput_per_day × flow_time_days`.
    pub expected_work_in_progress: f64,
    /// `|work_in_progress − expected| / max(work_in_progress, expected)`.
    pub mismatch: f64,
}

impl LittlesLaw {
    /// Whether the two sides agree within [`TOLERANCE`].
    pub fn holds(&self) -> bool {
        self.mismatch <= TOLERANCE
    }
}

/// The check over `[from, to)` for `changes` (all of them, whenever they started); `None` when
/// no change was deployed in the window (there is no throughput to check).
pub fn check(changes: &[ChangeFact], from: Timestamp, to: Timestamp) -> Option<LittlesLaw> {
    let days = days_between(from, to);
    if days <= 0.0 {
        return None;
    }
    let in_window = |at: Timestamp| from <= at && at < to;
    // A change deployed before its first commit has no lead time: it is left out of both
    // sides (its time in progress is none anyway).
    let deployed: Vec<&ChangeFact> = changes
        .iter()
        .filter(|c| c.deployed.is_some_and(in_window) && c.lead_time.is_some())
        .collect();
    if deployed.is_empty() {
        return None;
    }
    // Change-days in progress inside the window.
    let in_progress_days: f64 = changes
        .iter()
        .map(|c| {
            let start = c.first_commit.max(from);
            let end = c.deployed.unwrap_or(to).min(to);
            if end > start {
                days_between(start, end)
            } else {
                0.0
            }
        })
        .sum();
    let work_in_progress = in_progress_days / days;
    let throughput_per_day = deployed.len() as f64 / days;
    let flow_time_days = deployed
        .iter()
        .map(|c| c.lead_time.map_or(0.0, |d| d.as_secs_f64() / 86_400.0))
        .sum::<f64>()
        / deployed.len() as f64;
    let expected_work_in_progress = throughput_per_day * flow_time_days;
    let larger = work_in_progress.max(expected_work_in_progress);
    let mismatch = if larger > 0.0 {
        (work_in_progress - expected_work_in_progress).abs() / larger
    } else {
        0.0
    };
    Some(LittlesLaw {
        work_in_progress,
        throughput_per_day,
        flow_time_days,
        expected_work_in_progress,
        mismatch,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Duration;

    fn day(n: i64) -> Timestamp {
        Timestamp::from_second(1_704_067_200 + n * 86_400).unwrap()
    }

    fn change(id: i64, started: i64, deployed: Option<i64>) -> ChangeFact {
        ChangeFact {
            id: id.to_string(),
            pull_request: false,
            service: None,
            title: String::new(),
            branch: None,
            first_commit: day(started),
            opened: None,
            first_review: None,
            merged: day(started),
            deployment: deployed.map(|d| d.to_string()),
            deployed: deployed.map(day),
            via: None,
            lead_time: deployed.map(|d| Duration::from_days((d - started) as u64)),
            no_lead_time: None,
            not_deployed: None,
        }
    }

    #[test]
    fn a_steady_flow_holds_and_changes_never_deployed_break_it() {
        // One change a day, each deployed two days after its first commit, from before the
        // window to after it: two in progress at every instant, one a day through, two days
        // each.
        let mut changes: Vec<ChangeFact> = (-5..15).map(|i| change(i, i, Some(i + 2))).collect();
        let law = check(&changes, day(0), day(10)).unwrap();
        assert!((law.work_in_progress - 2.0).abs() < 1e-9, "{law:?}");
        assert!((law.throughput_per_day - 1.0).abs() < 1e-9);
        assert!((law.flow_time_days - 2.0).abs() < 1e-9);
        assert!(law.mismatch < 1e-9 && law.holds());
        // Five changes started on day 1 that no deployment shipped: in progress to the end.
        changes.extend((100..105).map(|i| change(i, 1, None)));
        let law = check(&changes, day(0), day(10)).unwrap();
        assert!((law.work_in_progress - 6.5).abs() < 1e-9, "{law:?}");
        assert!(!law.holds());
        assert!((law.mismatch - 4.5 / 6.5).abs() < 1e-9);
        // No change deployed in the window: nothing to check.
        assert_eq!(check(&changes, day(30), day(40)), None);
    }
}
