//! `vsm measure`: a map's steps measured from its event log, as JSON and for people; the items
//! behind one step's numbers (`--explain`); and the estimates next to the measured numbers that
//! the text and Markdown analyses end with.

use std::fmt::Write as _;

use serde::{Serialize, Serializer};
use vsm_core::measure::{
    Distribution, Measurement, Provenance, StepMeasurement, StepProvenance, WaitBasis,
};
use vsm_core::{ValueStream, format_number};

use crate::json::{ActivityCount, DistributionReport, Import, SCHEMA_VERSION};

mod explain;
pub use explain::{
    ExplainError, ExplainReport, ExplainedItem, ObjectReport, SourceReport, explain, explain_json,
    explain_report,
};

/// What the import read: the log's name and its event counts.
#[derive(Clone, Copy, Debug)]
pub struct LogRead<'a> {
    /// The log as the reports name it.
    pub log: &'a str,
    pub import: Import,
}

/// A map measured from its log, as the renderers take it.
#[derive(Clone, Copy, Debug)]
pub struct Measured<'a> {
    /// The map as written: its estimates.
    pub estimates: &'a ValueStream,
    /// The map with the measured numbers in place of its estimates.
    pub stream: &'a ValueStream,
    /// Where each step's numbers come from, in step order.
    pub provenance: &'a [StepProvenance],
    pub measurement: &'a Measurement,
    pub read: LogRead<'a>,
}

/// The JSON of `vsm measure`: the items' lead time, per step distributions, WIP, throughput,
/// %C&A; the coverage.
#[derive(Debug, Serialize)]
pub struct MeasurementReport<'a> {
    pub schema_version: u32,
    pub log: &'a str,
    pub import: Import,
    pub coverage: CoverageReport<'a>,
    pub item_lead_time: DistributionReport,
    pub steps: Vec<StepMeasurementReport<'a>>,
}

/// How much of the log the measured steps cover.
#[derive(Debug, Serialize)]
pub struct CoverageReport<'a> {
    pub items: u64,
    pub items_used: u64,
    pub items_in_progress: u64,
    /// Items that left the stream unfinished (the map's `abandoned:` events).
    pub items_abandoned: u64,
    pub events: u64,
    /// Activities that matched no step, with their event counts.
    pub unmatched: Vec<ActivityCount<'a>>,
}

/// One measured step.
#[derive(Debug, Serialize)]
pub struct StepMeasurementReport<'a> {
    pub id: &'a str,
    /// Items that finished the step, and items that entered it.
    pub completed: u64,
    pub visited: u64,
    /// Hands-on time per item (first pass).
    pub process_time: DistributionReport,
    /// Time an item waited before the step started.
    pub wait_time: DistributionReport,
    /// Wait plus process time.
    pub lead_time: DistributionReport,
    /// Time in later passes of the step, and the waits before them.
    pub rework_time: DistributionReport,
    /// Of the step's items, how many had their wait measured from where.
    pub wait_measured_from: WaitBases<'a>,
    /// Items inside the step at the end of the log.
    pub work_in_progress: u64,
    /// Completions per week over the log's time span.
    pub throughput_per_week: f64,
    /// Items that left the step, and those of them that came back.
    pub left: u64,
    pub returned: u64,
    /// The share of items that left and did not come back.
    pub complete_accurate_percent: Option<f64>,
    /// Process time over lead time, over the visited items.
    pub flow_efficiency_percent: Option<f64>,
    /// Whether the log times the work in the step (start events).
    pub timed: bool,
    /// The queue before the step over the log's span, and Little's law checked against it.
    pub queue: QueueReport,
}

/// The measured queue before a step (items waiting), and Little's law: throughput x mean wait.
#[derive(Debug, Serialize)]
pub struct QueueReport {
    /// Time-weighted mean number of items waiting, and the length it stays at or under 85% of the time.
    pub mean: f64,
    pub p85: u64,
    pub max: u64,
    /// Finished items a day (24 h of the measured clock: working time under a calendar).
    pub throughput_per_day: f64,
    /// Their mean wait, in days of the same clock.
    pub mean_wait_days: f64,
    /// throughput x mean wait: the mean queue the step's figures imply.
    pub littles_law: f64,
    /// How far apart the two are, in percent of the larger.
    pub gap_percent: Option<f64>,
    /// Whether they agree within `tolerance_percent`; when not, the log misses data (items still
    /// waiting at its end, or that entered before it began) or its figures are inconsistent.
    pub consistent: bool,
    pub tolerance_percent: f64,
    /// Always `measured`.
    pub provenance: &'static str,
}

impl QueueReport {
    fn of(queue: &vsm_core::measure::QueueMeasurement) -> Self {
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        QueueReport {
            mean: round(queue.mean),
            p85: queue.p85,
            max: queue.max,
            throughput_per_day: round(queue.throughput_per_day),
            mean_wait_days: round(queue.mean_wait_days),
            littles_law: round(queue.little),
            gap_percent: queue.gap_percent.map(|g| (g * 100.0).round() / 100.0),
            consistent: queue.consistent(),
            tolerance_percent: vsm_core::measure::LITTLE_TOLERANCE_PERCENT,
            provenance: "measured",
        }
    }
}

/// A measured queue and its Little's law check, for people.
fn queue_line(out: &mut String, queue: &vsm_core::measure::QueueMeasurement) {
    if queue.gap_percent.is_none() {
        return;
    }
    let verdict = match queue.gap_percent {
        Some(gap) if queue.consistent() => format!(
            "{} apart, within {}",
            vsm_core::format_percent(gap),
            vsm_core::format_percent(vsm_core::measure::LITTLE_TOLERANCE_PERCENT)
        ),
        Some(gap) => format!(
            "{} apart, more than {}: missing or inconsistent data (items still waiting at the end of the log, or that entered before it began)",
            vsm_core::format_percent(gap),
            vsm_core::format_percent(vsm_core::measure::LITTLE_TOLERANCE_PERCENT)
        ),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "  queue   mean {} waiting, p85 {}, max {}; Little's law: {}/day x {}d = {} ({verdict})",
        format_number(queue.mean, 2),
        queue.p85,
        queue.max,
        format_number(queue.throughput_per_day, 3),
        format_number(queue.mean_wait_days, 2),
        format_number(queue.little, 2)
    );
}

/// A step's wait bases and their item counts, as a JSON object in the measurement's order.
#[derive(Debug)]
pub struct WaitBases<'a>(pub &'a [(WaitBasis, u64)]);

impl Serialize for WaitBases<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(basis, n)| (basis.as_str(), n)))
    }
}

impl<'a> MeasurementReport<'a> {
    pub fn new(stream: &'a ValueStream, measured: &Measured<'a>) -> Self {
        let measurement = measured.measurement;
        let coverage = &measurement.coverage;
        MeasurementReport {
            schema_version: SCHEMA_VERSION,
            log: measured.read.log,
            import: measured.read.import,
            coverage: CoverageReport {
                items: coverage.items,
                items_used: coverage.items_used,
                items_in_progress: coverage.items_in_progress,
                items_abandoned: coverage.items_abandoned,
                events: coverage.events,
                unmatched: coverage
                    .unmatched
                    .iter()
                    .map(|(activity, count)| ActivityCount {
                        activity,
                        count: *count,
                    })
                    .collect(),
            },
            item_lead_time: DistributionReport::of(&measurement.item_lead_time),
            steps: measurement
                .steps
                .iter()
                .map(|step| step_report(stream, step))
                .collect(),
        }
    }
}

fn step_report<'a>(
    stream: &'a ValueStream,
    step: &'a StepMeasurement,
) -> StepMeasurementReport<'a> {
    StepMeasurementReport {
        id: &stream.steps[step.step].id,
        completed: step.completed,
        visited: step.visited,
        process_time: DistributionReport::of(&step.process_time),
        wait_time: DistributionReport::of(&step.wait_time),
        lead_time: DistributionReport::of(&step.lead_time),
        rework_time: DistributionReport::of(&step.rework_time),
        wait_measured_from: WaitBases(&step.wait_basis),
        work_in_progress: step.work_in_progress,
        throughput_per_week: step.throughput_per_week,
        left: step.left,
        returned: step.returned,
        complete_accurate_percent: step.complete_accurate.map(vsm_core::Percent::value),
        flow_efficiency_percent: step.flow_efficiency_percent,
        timed: step.timed,
        queue: QueueReport::of(&step.queue),
    }
}

/// The measurement as pretty JSON.
pub fn json(stream: &ValueStream, measured: &Measured<'_>) -> String {
    crate::json::to_string(&MeasurementReport::new(stream, measured))
}

fn distribution_line(out: &mut String, label: &str, d: &Distribution) {
    if d.count == 0 {
        let _ = writeln!(out, "  {label:<8} no samples");
        return;
    }
    let _ = write!(out, "  {label:<8}");
    for (name, value) in crate::ladder::figures(d) {
        let _ = write!(out, " {name} {value:<8}");
    }
    let _ = writeln!(out, " (n={})", d.count);
}

/// How many of a step's items had their wait measured from where, one line each.
fn wait_basis_text(out: &mut String, step: &StepMeasurement) {
    if step.wait_basis.len() == 1 && step.wait_basis[0].0 != WaitBasis::Overlap {
        let _ = writeln!(out, "  wait measured {}", step.wait_basis[0].0.describe());
        return;
    }
    for (basis, n) in &step.wait_basis {
        let items = if *n == 1 { "item" } else { "items" };
        let _ = writeln!(out, "  wait of {n} {items}: {}", basis.describe());
    }
}

/// The measurement for people.
pub fn text(stream: &ValueStream, measured: &Measured<'_>) -> String {
    let mut out = String::new();
    let measurement = measured.measurement;
    let _ = writeln!(
        out,
        "{}: measured from {}\n",
        stream.name, measured.read.log
    );
    let coverage = &measurement.coverage;
    let _ = writeln!(
        out,
        "Items: {} finished, {} still in progress,{} {} with no measured step (of {} in the log, {} events)",
        measurement.item_lead_time.count,
        coverage.items_in_progress,
        abandoned(coverage.items_abandoned),
        coverage.items - coverage.items_used,
        coverage.items,
        coverage.events
    );
    distribution_line(&mut out, "lead", &measurement.item_lead_time);
    out.push_str("  (each finished item from its first event to the end of its last step; the step figures below are over these items)\n\n");
    for step in &measurement.steps {
        let s = &stream.steps[step.step];
        let _ = writeln!(out, "{} ({})", s.name, s.id);
        let share = if measurement.item_lead_time.count == 0 {
            0.0
        } else {
            step.visited as f64 * 100.0 / measurement.item_lead_time.count as f64
        };
        let _ = writeln!(
            out,
            "  visited by {} of the finished items ({}); {} finished the step in all, {} in it now, {:.1} per week",
            step.visited,
            vsm_core::format_percent(share),
            step.completed,
            step.work_in_progress,
            step.throughput_per_week
        );
        let lead_label = if step.timed { "lead" } else { "lead*" };
        for (label, d) in [
            ("process", &step.process_time),
            ("wait", &step.wait_time),
            (lead_label, &step.lead_time),
            ("rework", &step.rework_time),
        ] {
            if label == "process" && !step.timed {
                let _ = writeln!(
                    out,
                    "  process  not measured: the log has no start events (the lead time is from the previous step's end to the completion)"
                );
                continue;
            }
            if label == "rework" && step.totals.rework == 0 {
                continue;
            }
            distribution_line(&mut out, label, d);
        }
        wait_basis_text(&mut out, step);
        queue_line(&mut out, &step.queue);
        if let Some(ca) = step.complete_accurate {
            let _ = writeln!(
                out,
                "  %C&A    {ca} ({} of {} items that left came back)",
                step.returned, step.left
            );
        }
        if let Some(efficiency) = step.flow_efficiency_percent {
            let _ = writeln!(
                out,
                "  flow efficiency {}",
                vsm_core::format_percent(efficiency)
            );
        }
        out.push('\n');
    }
    out
}

/// ` N abandoned,` for the items line, when the map says what abandons an item and some did.
fn abandoned(count: u64) -> String {
    if count == 0 {
        String::new()
    } else {
        format!(" {count} abandoned,")
    }
}
/// Estimates next to the measured numbers, for the text and Markdown reports.
pub fn comparison_text(measured: &Measured<'_>, map: &str) -> String {
    let estimates = measured.estimates;
    let mut out = format!(
        "\nMeasured from {} (means over the finished items that visited each step):\n\n",
        measured.read.log
    );
    let _ = writeln!(
        out,
        "{:<24} {:>24} {:>24} {:>20}",
        "Step", "Process", "Wait", "%C&A"
    );
    let cell = |estimate: String, measured: String, provenance: Provenance| match provenance {
        Provenance::Estimated => format!("{estimate} (est.)"),
        Provenance::Derived => format!("{estimate} (queue)"),
        Provenance::Designed => format!("{estimate} (design)"),
        Provenance::Measured => format!("{measured} (was {estimate})"),
        Provenance::Mixed => format!("{measured}* (was {estimate})"),
    };
    for step in &measured.measurement.steps {
        let (before, after, mark) = (
            &estimates.steps[step.step],
            &measured.stream.steps[step.step],
            measured.provenance[step.step],
        );
        let _ = writeln!(
            out,
            "{:<24} {:>24} {:>24} {:>20}",
            before.id,
            cell(
                before.process_time.human(),
                after.process_time.human(),
                mark.process_time
            ),
            cell(
                before.wait_time.human(),
                after.wait_time.human(),
                mark.wait_time
            ),
            cell(
                before.complete_accurate.to_string(),
                after.complete_accurate.to_string(),
                mark.complete_accurate
            ),
        );
    }
    let mixed = measured
        .provenance
        .iter()
        .any(|p| p.wait_time == Provenance::Mixed);
    if mixed {
        out.push_str(
            "\n* measured lead time less the estimated process time (the log has no start events).",
        );
    }
    let _ = writeln!(
        out,
        "\nOther steps keep their estimates. `vsm measure {map}` shows the distributions; `--explain STEP` the items."
    );
    out
}
