//! The JSON contract of `vsm analyze --format json` (documented in `docs/json.md`).
//!
//! Later commands, scripts and the web UI read this, so its field names are stable: fields may be
//! added, never renamed or removed without bumping `schema_version`. Durations are seconds
//! (millisecond precision), shares are percentages rounded to two decimals.

use serde::Serialize;
use vsm_core::analysis::{Analysis, ReworkMetrics, StepMetrics, TeamTotals};
use vsm_core::bottleneck::{Bottleneck, ReasonValue};
use vsm_core::measure::StepProvenance;
use vsm_core::model::{Endpoint, Improvement, Step, ValueStream};
use vsm_core::{Duration, Percent};

pub use crate::queue::{DemandReport, QueueReport, TypeCount, TypeRate, WorkingTimeReport};
use crate::queue::{demand_report, queue_report};

/// Bumped on any change that is not an addition.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub schema_version: u32,
    pub map: MapInfo<'a>,
    /// What a day is: the map's working day and week, and the days waits count in.
    pub working_time: WorkingTimeReport,
    pub summary: Summary,
    /// For a measured map: the items' lead time (the headline) and the ladder that adds up to
    /// its mean. Absent for an estimated map.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<MeasuredReport<'a>>,
    /// A measured map none of whose items has finished: the items in progress (its summary is
    /// then the path arithmetic over the map's numbers). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfinished_items_in_progress: Option<u64>,
    pub steps: Vec<StepReport<'a>>,
    pub bottlenecks: Vec<BottleneckReport<'a>>,
    pub teams: Vec<TeamReport<'a>>,
    pub rework: Vec<ReworkReport<'a>>,
    pub flows: Vec<FlowReport<'a>>,
    pub improvements: Vec<ImprovementReport<'a>>,
    /// The event log a measured map was measured from; absent for an estimated map and in
    /// reports made without provenance ([`Report::with_provenance`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured_from: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct MapInfo<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub customer: Option<&'a str>,
    pub scope_start: Option<&'a str>,
    pub scope_end: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    /// The stream's lead time: the items' mean for a measured map, else the critical path's.
    pub lead_time_seconds: f64,
    /// Hands-on time along the critical path.
    pub process_time_seconds: f64,
    /// Waiting time along the critical path.
    pub wait_time_seconds: f64,
    /// Hands-on time of every step, on the critical path or not.
    pub work_content_seconds: f64,
    /// Process time over lead time.
    pub activity_ratio_percent: f64,
    /// The product of every step's %C&A: the share of items that pass without rework.
    pub rolled_complete_accurate_percent: f64,
    /// The lead time with the expected time of rework loops added.
    pub lead_time_with_rework_seconds: f64,
    /// Process time of the manual steps, and of the automated ones.
    pub manual_process_time_seconds: f64,
    pub automated_process_time_seconds: f64,
    /// Shares of the process time, manual and automated.
    pub manual_share_percent: f64,
    pub automated_share_percent: f64,
    pub step_count: usize,
    /// Step ids along the longest path, without and with rework.
    pub critical_path: Vec<String>,
    pub critical_path_with_rework: Vec<String>,
    /// Where the steps' numbers come from: one kind for all, or `mixed`. Absent in reports
    /// made without provenance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<&'static str>,
    /// The lead time in the days waits count in (`working_time.wait_days`).
    pub lead_time_days: f64,
    /// Available working time a day / demand a day; `null` without a demand.
    pub takt_time_seconds: Option<f64>,
    /// The customer's demand; `null` when the map gives none.
    pub demand: Option<DemandReport>,
    /// Working time available a day to meet the demand.
    pub available_seconds_per_day: f64,
}

#[derive(Debug, Serialize)]
pub struct MeasuredReport<'a> {
    /// The items' lead times, each from its first event to the end of its last step.
    pub items: DistributionReport,
    pub items_in_progress: u64,
    /// Items that left the stream unfinished (the map's `abandoned:` events).
    pub items_abandoned: u64,
    /// The mean lead time the summary states: the items' mean, plus `estimated_seconds`, plus
    /// `projected_change_seconds`.
    pub mean_lead_time_seconds: f64,
    /// Per measured step, in map order; with the other parts, adds up to the items' mean.
    pub ladder: Vec<LadderReport<'a>>,
    pub rework_seconds: f64,
    pub unnamed_activities_seconds: f64,
    pub remainder_seconds: f64,
    /// Unmeasured steps whose estimates are added to the mean, and the estimates' sum.
    pub estimated_steps: Vec<&'a str>,
    pub estimated_seconds: f64,
    /// Unmeasured steps not added (between or beside the measured ones, or off the longest path).
    pub not_added_steps: Vec<&'a str>,
    /// A future state's change of the mean by its design; `null` for a measured current state.
    pub projected_change_seconds: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct DistributionReport {
    pub count: u64,
    pub mean_seconds: f64,
    pub p50_seconds: f64,
    pub p85_seconds: f64,
    pub p95_seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
}

impl DistributionReport {
    pub fn of(d: &vsm_core::measure::Distribution) -> Self {
        DistributionReport {
            count: d.count,
            mean_seconds: seconds(d.mean),
            p50_seconds: seconds(d.p50),
            p85_seconds: seconds(d.p85),
            p95_seconds: seconds(d.p95),
            min_seconds: seconds(d.min),
            max_seconds: seconds(d.max),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct LadderReport<'a> {
    pub step: &'a str,
    /// Finished items that visited the step, and their share of all finished items.
    pub items: u64,
    pub share_percent: f64,
    /// Means over the items that visited the step.
    pub wait_time_seconds: f64,
    pub process_time_seconds: f64,
    /// Per finished item: the means weighted by the share.
    pub per_item_wait_seconds: f64,
    pub per_item_process_seconds: f64,
    pub per_item_rework_seconds: f64,
    /// `false` when the log does not time the work (no start events, or the rule says `span: wait`): its measured lead time is split into the map's estimated process time and the rest waiting.
    pub timed: bool,
}

fn measured_report<'a>(
    stream: &'a ValueStream,
    measured: &vsm_core::analysis::MeasuredLeadTime,
) -> MeasuredReport<'a> {
    let id = |i: &usize| stream.steps[*i].id.as_str();
    MeasuredReport {
        items: DistributionReport::of(&measured.items),
        items_in_progress: measured.in_progress,
        items_abandoned: measured.abandoned,
        mean_lead_time_seconds: seconds(measured.mean()),
        ladder: measured
            .ladder
            .iter()
            .map(|rung| LadderReport {
                step: &stream.steps[rung.step].id,
                items: rung.visited,
                share_percent: percent(rung.share_percent),
                wait_time_seconds: seconds(rung.wait),
                process_time_seconds: seconds(rung.process),
                per_item_wait_seconds: seconds(rung.weighted_wait),
                per_item_process_seconds: seconds(rung.weighted_process),
                per_item_rework_seconds: seconds(rung.weighted_rework),
                timed: rung.timed,
            })
            .collect(),
        rework_seconds: seconds(measured.rework),
        unnamed_activities_seconds: seconds(measured.unnamed),
        remainder_seconds: measured.remainder_millis as f64 / 1000.0,
        estimated_steps: measured
            .estimated_before
            .iter()
            .chain(&measured.estimated_after)
            .map(id)
            .collect(),
        estimated_seconds: seconds(measured.estimated_time),
        not_added_steps: measured.estimated_inside.iter().map(id).collect(),
        projected_change_seconds: measured
            .projected_change_millis
            .map(|ms| ms as f64 / 1000.0),
    }
}

#[derive(Debug, Serialize)]
pub struct StepReport<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub team: Option<&'a str>,
    pub people: Option<u32>,
    pub automated: bool,
    pub after: Vec<&'a str>,
    pub process_time_seconds: f64,
    pub wait_time_seconds: f64,
    pub lead_time_seconds: f64,
    pub complete_accurate_percent: f64,
    pub lead_time_share_percent: f64,
    pub on_critical_path: bool,
    pub rework_time_seconds: f64,
    pub artifacts_in: &'a [String],
    pub artifacts_out: &'a [String],
    pub notes: Option<&'a str>,
    /// `estimated` (written) or `derived` (from the queue by Little's law), before measuring.
    pub wait_time_source: &'static str,
    /// Items waiting before the step; `null` when the map does not count them.
    pub queue: Option<QueueReport>,
    /// Where the step's numbers come from; absent in reports made without provenance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenanceReport>,
    /// A measured map's own estimates for the step, beside the measured values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<EstimateReport>,
}

/// Where a step's numbers come from: `estimated`, `measured`, `mixed` or `designed`.
#[derive(Debug, Serialize)]
pub struct ProvenanceReport {
    pub process_time: &'static str,
    pub wait_time: &'static str,
    pub complete_accurate: &'static str,
}

/// The numbers a measured map's file gives a step, which the measured ones replace.
#[derive(Debug, Serialize)]
pub struct EstimateReport {
    pub process_time_seconds: f64,
    pub wait_time_seconds: f64,
    pub complete_accurate_percent: f64,
}

#[derive(Debug, Serialize)]
pub struct BottleneckReport<'a> {
    pub rank: usize,
    pub step: &'a str,
    pub score: f64,
    pub reasons: Vec<ReasonReport>,
    /// What to try at the step, with its effect (`vsm analyze` and `vsm report` propose them;
    /// empty elsewhere, or when none fits).
    pub countermeasures: Vec<CountermeasureReport>,
}

/// A change to try at a bottleneck, as a future-state overlay, and the map's numbers with it.
#[derive(Debug, Serialize)]
pub struct CountermeasureReport {
    pub kind: &'static str,
    pub action: String,
    pub assumption: String,
    pub changes: Vec<ChangeReport>,
    /// The overlay (YAML) that makes the change, to save beside the map for `vsm compare`.
    pub overlay: String,
    pub lead_time_seconds: f64,
    /// Against the map's lead time (negative: shorter).
    pub lead_time_change_seconds: f64,
    pub lead_time_with_rework_seconds: f64,
    pub lead_time_with_rework_change_seconds: f64,
    pub rolled_complete_accurate_percent: f64,
    /// The step's bottleneck score with the change; `null` when it is no longer flagged.
    pub score: Option<f64>,
}

/// One field of one step the overlay sets.
#[derive(Debug, Serialize)]
pub struct ChangeReport {
    pub step: String,
    pub field: &'static str,
    /// As the reports show it; `null` when the map does not set it.
    pub from: Option<String>,
    /// As the overlay writes it.
    pub to: String,
}

#[derive(Debug, Serialize)]
pub struct ReasonReport {
    pub code: &'static str,
    pub message: String,
    pub value: f64,
    /// `seconds` or `percent`.
    pub unit: &'static str,
    pub share_percent: f64,
}

#[derive(Debug, Serialize)]
pub struct TeamReport<'a> {
    /// `null` for the steps that name no team.
    pub team: Option<&'a str>,
    pub steps: usize,
    pub people: u32,
    pub process_time_seconds: f64,
    pub wait_time_seconds: f64,
    pub lead_time_seconds: f64,
    pub work_content_share_percent: f64,
    pub critical_path_steps: usize,
}

#[derive(Debug, Serialize)]
pub struct ReworkReport<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub share_percent: f64,
    pub share_declared: bool,
    pub loop_lead_time_seconds: f64,
    pub expected_extra_passes: f64,
    pub expected_extra_time_seconds: f64,
}

#[derive(Debug, Serialize)]
pub struct FlowReport<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub kind: &'static str,
    pub label: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ImprovementReport<'a> {
    pub id: &'a str,
    pub step: &'a str,
    pub action: &'a str,
    pub owner: Option<&'a str>,
    pub due: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    pub status: &'static str,
    pub target: TargetReport,
}

#[derive(Debug, Serialize)]
pub struct TargetReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process_time_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_time_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_time_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete_accurate_percent: Option<f64>,
}

pub(crate) fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// A percentage (0 to 100, not a fraction) for JSON, rounded as the text reports write it
/// ([`vsm_core::format_percent`]): two decimals from 1% up (`63.75`), two significant digits
/// below 1% so that a small share is not rounded to nothing (`0.0092`, not `0`).
pub(crate) fn percent(value: f64) -> f64 {
    vsm_core::percent::round_percent(value)
}

fn ids(stream: &ValueStream, path: &[usize]) -> Vec<String> {
    path.iter().map(|&i| stream.steps[i].id.clone()).collect()
}

fn endpoint<'a>(stream: &'a ValueStream, endpoint: &Endpoint) -> &'a str {
    match endpoint {
        Endpoint::Step(i) => &stream.steps[*i].id,
        Endpoint::System(i) => &stream.systems[*i].id,
        Endpoint::Customer => "customer",
    }
}

impl<'a> Report<'a> {
    pub fn new(stream: &'a ValueStream, analysis: &'a Analysis) -> Self {
        let s = &analysis.summary;
        Report {
            schema_version: SCHEMA_VERSION,
            map: MapInfo {
                name: &stream.name,
                description: stream.description.as_deref(),
                customer: stream.customer.as_deref(),
                scope_start: stream.scope.start.as_deref(),
                scope_end: stream.scope.end.as_deref(),
            },
            working_time: WorkingTimeReport::of(&stream.working_time),
            summary: Summary {
                lead_time_seconds: seconds(s.lead_time),
                process_time_seconds: seconds(s.process_time),
                wait_time_seconds: seconds(s.wait_time),
                work_content_seconds: seconds(s.work_content),
                activity_ratio_percent: percent(s.activity_ratio_percent),
                rolled_complete_accurate_percent: percent(s.rolled_complete_accurate_percent),
                lead_time_with_rework_seconds: seconds(s.lead_time_with_rework),
                manual_process_time_seconds: seconds(s.manual_process_time),
                automated_process_time_seconds: seconds(s.automated_process_time),
                manual_share_percent: percent(s.manual_share_percent),
                automated_share_percent: percent(s.automated_share_percent),
                step_count: stream.steps.len(),
                critical_path: ids(stream, &analysis.critical_path),
                critical_path_with_rework: ids(stream, &analysis.critical_path_with_rework),
                provenance: None,
                lead_time_days: stream.working_time.days_of(s.lead_time),
                takt_time_seconds: s.takt_time.map(seconds),
                demand: demand_report(stream),
                available_seconds_per_day: seconds(stream.available_per_day()),
            },
            measured: analysis
                .measured
                .as_ref()
                .map(|measured| measured_report(stream, measured)),
            unfinished_items_in_progress: analysis.unfinished,
            steps: stream
                .steps
                .iter()
                .zip(&analysis.steps)
                .map(|(step, metrics)| step_report(stream, step, metrics))
                .collect(),
            bottlenecks: analysis
                .bottlenecks
                .iter()
                .enumerate()
                .map(|(rank, bottleneck)| {
                    bottleneck_report(stream, &analysis.summary, rank + 1, bottleneck)
                })
                .collect(),
            teams: analysis.teams.iter().map(team_report).collect(),
            rework: analysis
                .rework
                .iter()
                .zip(&stream.rework)
                .map(|(metrics, declared)| rework_report(stream, metrics, declared.share_declared))
                .collect(),
            flows: stream
                .flows
                .iter()
                .map(|flow| FlowReport {
                    from: endpoint(stream, &flow.from),
                    to: endpoint(stream, &flow.to),
                    kind: flow.kind.as_str(),
                    label: flow.label.as_deref(),
                })
                .collect(),
            improvements: stream
                .improvements
                .iter()
                .map(|improvement| improvement_report(stream, improvement))
                .collect(),
            measured_from: None,
        }
    }

    /// Marks each step's numbers as measured, estimated or designed, and the summary with the
    /// one kind they all are (`derived` for estimates with waits derived from queues; `mixed`
    /// for measured numbers with others); for a measured map, keeps the map's estimates beside
    /// the measured values and names the log. `measured` is `None` for an estimated map.
    pub fn with_provenance(
        mut self,
        stream: &ValueStream,
        measured: Option<&crate::measure::Measured<'a>>,
    ) -> Self {
        let mut kinds = std::collections::BTreeSet::new();
        for (index, step) in self.steps.iter_mut().enumerate() {
            let mark = measured.map_or_else(
                || StepProvenance::of(&stream.steps[index]),
                |m| m.provenance[index],
            );
            for kind in [mark.process_time, mark.wait_time, mark.complete_accurate] {
                kinds.insert(kind.as_str());
            }
            step.provenance = Some(ProvenanceReport {
                process_time: mark.process_time.as_str(),
                wait_time: mark.wait_time.as_str(),
                complete_accurate: mark.complete_accurate.as_str(),
            });
            step.estimate = measured.map(|m| {
                let estimate = &m.estimates.steps[index];
                EstimateReport {
                    process_time_seconds: seconds(estimate.process_time),
                    wait_time_seconds: seconds(estimate.wait_time),
                    complete_accurate_percent: estimate.complete_accurate.value(),
                }
            });
        }
        // Waits derived from queues are estimates too (the map's counts over its demand): a map
        // of estimates with some derived waits is `derived`, not `mixed`, which says some of
        // its numbers were measured.
        if kinds.contains("derived") {
            kinds.remove("estimated");
        }
        self.summary.provenance = Some(match kinds.len() {
            1 => kinds.into_iter().next().unwrap_or("mixed"),
            _ => "mixed",
        });
        self.measured_from = measured.map(|m| m.read.log);
        self
    }
}

fn step_report<'a>(
    stream: &'a ValueStream,
    step: &'a Step,
    metrics: &StepMetrics,
) -> StepReport<'a> {
    StepReport {
        id: &step.id,
        name: &step.name,
        team: step.team.as_deref(),
        people: step.people,
        automated: step.automated,
        after: step
            .after
            .iter()
            .map(|&i| stream.steps[i].id.as_str())
            .collect(),
        process_time_seconds: seconds(metrics.process_time),
        wait_time_seconds: seconds(metrics.wait_time),
        lead_time_seconds: seconds(metrics.lead_time),
        complete_accurate_percent: percent(metrics.complete_accurate.value()),
        lead_time_share_percent: percent(metrics.lead_time_share_percent),
        on_critical_path: metrics.on_critical_path,
        rework_time_seconds: seconds(metrics.rework_time),
        artifacts_in: &step.artifacts_in,
        artifacts_out: &step.artifacts_out,
        notes: step.notes.as_deref(),
        wait_time_source: match step.wait_source {
            vsm_core::worktime::WaitSource::Estimated => "estimated",
            vsm_core::worktime::WaitSource::Derived => "derived",
        },
        queue: queue_report(stream, step),
        provenance: None,
        estimate: None,
    }
}

fn countermeasure_report(
    summary: &vsm_core::analysis::Summary,
    countermeasure: &vsm_core::countermeasure::Countermeasure,
) -> CountermeasureReport {
    let effect = &countermeasure.effect;
    // In whole milliseconds, as `vsm compare` takes the difference.
    let change = |after: Duration, before: Duration| {
        (i128::from(after.as_millis()) - i128::from(before.as_millis())) as f64 / 1000.0
    };
    CountermeasureReport {
        kind: countermeasure.kind.as_str(),
        action: countermeasure.action.clone(),
        assumption: countermeasure.assumption.clone(),
        changes: countermeasure
            .changes
            .iter()
            .map(|c| ChangeReport {
                step: c.step.clone(),
                field: c.field,
                from: c.from.clone(),
                to: c.to.clone(),
            })
            .collect(),
        overlay: countermeasure.overlay.clone(),
        lead_time_seconds: seconds(effect.lead_time),
        lead_time_change_seconds: change(effect.lead_time, summary.lead_time),
        lead_time_with_rework_seconds: seconds(effect.lead_time_with_rework),
        lead_time_with_rework_change_seconds: change(
            effect.lead_time_with_rework,
            summary.lead_time_with_rework,
        ),
        rolled_complete_accurate_percent: percent(effect.rolled_complete_accurate_percent),
        score: effect.score,
    }
}

fn bottleneck_report<'a>(
    stream: &'a ValueStream,
    summary: &vsm_core::analysis::Summary,
    rank: usize,
    bottleneck: &Bottleneck,
) -> BottleneckReport<'a> {
    BottleneckReport {
        rank,
        step: &stream.steps[bottleneck.step].id,
        score: bottleneck.score,
        countermeasures: bottleneck
            .countermeasures
            .iter()
            .map(|c| countermeasure_report(summary, c))
            .collect(),
        reasons: bottleneck
            .reasons
            .iter()
            .map(|reason| {
                let (value, unit) = match reason.value {
                    ReasonValue::Duration(duration) => (seconds(duration), "seconds"),
                    ReasonValue::Percent(value) => (percent(value), "percent"),
                };
                ReasonReport {
                    code: reason.code.as_str(),
                    message: reason.message.clone(),
                    value,
                    unit,
                    share_percent: percent(reason.share_percent),
                }
            })
            .collect(),
    }
}

fn team_report(team: &TeamTotals) -> TeamReport<'_> {
    TeamReport {
        team: team.team.as_deref(),
        steps: team.steps,
        people: team.people,
        process_time_seconds: seconds(team.process_time),
        wait_time_seconds: seconds(team.wait_time),
        lead_time_seconds: seconds(team.lead_time),
        work_content_share_percent: percent(team.work_content_share_percent),
        critical_path_steps: team.critical_path_steps,
    }
}

fn rework_report<'a>(
    stream: &'a ValueStream,
    metrics: &ReworkMetrics,
    declared: bool,
) -> ReworkReport<'a> {
    ReworkReport {
        from: &stream.steps[metrics.from].id,
        to: &stream.steps[metrics.to].id,
        share_percent: percent(metrics.share.value()),
        share_declared: declared,
        loop_lead_time_seconds: seconds(metrics.loop_lead_time),
        expected_extra_passes: (metrics.expected_extra_passes * 10_000.0).round() / 10_000.0,
        expected_extra_time_seconds: seconds(metrics.expected_extra_time),
    }
}

fn improvement_report<'a>(
    stream: &'a ValueStream,
    improvement: &'a Improvement,
) -> ImprovementReport<'a> {
    let target = &improvement.target;
    ImprovementReport {
        id: &improvement.id,
        step: &stream.steps[improvement.step].id,
        action: &improvement.action,
        owner: improvement.owner.as_deref(),
        due: improvement.due.map(|date| date.to_string()),
        started: improvement.started.map(|date| date.to_string()),
        status: improvement.status.as_str(),
        target: TargetReport {
            process_time_seconds: target.process_time.map(seconds),
            wait_time_seconds: target.wait_time.map(seconds),
            lead_time_seconds: target.lead_time.map(seconds),
            complete_accurate_percent: target.complete_accurate.map(Percent::value),
        },
    }
}

/// A simulated percentile's 95% interval, in seconds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct IntervalReport {
    pub low: f64,
    pub high: f64,
}

/// A simulated percentile's 95% interval as JSON: `{low, high}` in seconds, or `null`.
pub fn interval(interval: Option<vsm_core::simulate::Interval>) -> Option<IntervalReport> {
    interval.map(|i| IntervalReport {
        low: seconds(i.low),
        high: seconds(i.high),
    })
}

/// What an import read from an event log (the `import` object of `vsm measure` and `vsm
/// discover`).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Import {
    pub events_read: u64,
    pub events_used: u64,
    pub events_skipped: u64,
    /// Object-centric logs: events that relate to no object of the chosen type (nor one reached
    /// through a followed link), not used and not bad input.
    pub events_of_other_objects: u64,
}

/// An activity of a log and how many events (or items) have it.
#[derive(Debug, Serialize)]
pub struct ActivityCount<'a> {
    pub activity: &'a str,
    pub count: u64,
}

/// Any report as pretty-printed JSON, ending in a newline: how every JSON output is written.
pub fn to_string<T: Serialize>(report: &T) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("the report serializes");
    text.push('\n');
    text
}

/// The analysis as pretty-printed JSON with where each number comes from (see
/// [`Report::with_provenance`]); `measured` is `None` for an estimated map.
pub fn render_with_provenance(
    stream: &ValueStream,
    analysis: &Analysis,
    measured: Option<&crate::measure::Measured<'_>>,
) -> String {
    to_string(&Report::new(stream, analysis).with_provenance(stream, measured))
}

/// The analysis as pretty-printed JSON, ending in a newline.
pub fn render(stream: &ValueStream, analysis: &Analysis) -> String {
    to_string(&Report::new(stream, analysis))
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_keep_two_decimals_or_two_significant_digits_below_one() {
        // As the doc says, and as the text reports write them (63.75%, 0.0092%).
        for (value, expected) in [
            (63.754_321, 63.75),
            (40.0, 40.0),
            (0.009_234_5, 0.0092),
            (0.014_49, 0.014),
        ] {
            assert!(
                (percent(value) - expected).abs() < 1e-12,
                "{value} gave {}",
                percent(value)
            );
        }
    }
}
