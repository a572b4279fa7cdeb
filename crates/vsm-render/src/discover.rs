//! `vsm discover`: what an event log says (its directly-follows graph, main path and rework), as
//! JSON and for people. `activities` are the log's activity names, which the discovery's numbers
//! index.

use serde::Serialize;
use vsm_core::discovery::Discovery;

use crate::json::{ActivityCount, Import, SCHEMA_VERSION};

/// The JSON of `vsm discover`.
#[derive(Debug, Serialize)]
pub struct DiscoveryReport<'a> {
    pub schema_version: u32,
    pub events: u64,
    pub items: u64,
    pub import: Import,
    pub activities: Vec<ActivityCount<'a>>,
    pub start_activities: Vec<ActivityCount<'a>>,
    pub end_activities: Vec<ActivityCount<'a>>,
    pub edges: Vec<EdgeReport<'a>>,
    pub main_path: Vec<PathStepReport<'a>>,
    pub rework: Vec<LoopReport<'a>>,
}

/// A directly-follows pair with its durations.
#[derive(Debug, Serialize)]
pub struct EdgeReport<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub count: u64,
    pub mean_seconds: f64,
    pub median_seconds: f64,
    pub min_seconds: f64,
    pub max_seconds: f64,
}

/// A step of the main path.
#[derive(Debug, Serialize)]
pub struct PathStepReport<'a> {
    pub activity: &'a str,
    pub count: u64,
    pub lead_time_seconds: f64,
    pub process_time_seconds: Option<f64>,
    pub process_samples: u64,
}

/// A backward move along the main path.
#[derive(Debug, Serialize)]
pub struct LoopReport<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub count: u64,
    pub share_percent: f64,
}

impl<'a> DiscoveryReport<'a> {
    pub fn new(d: &Discovery, activities: &'a [String], import: Import) -> Self {
        let name = |activity: u32| activities[activity as usize].as_str();
        let counts = |list: &[(u32, u64)]| -> Vec<ActivityCount<'a>> {
            list.iter()
                .map(|&(activity, count)| ActivityCount {
                    activity: name(activity),
                    count,
                })
                .collect()
        };
        DiscoveryReport {
            schema_version: SCHEMA_VERSION,
            events: d.events,
            items: d.items,
            import,
            activities: counts(&d.activities),
            start_activities: counts(&d.start_activities),
            end_activities: counts(&d.end_activities),
            edges: d
                .edges
                .iter()
                .map(|e| EdgeReport {
                    from: name(e.from),
                    to: name(e.to),
                    count: e.count,
                    mean_seconds: e.mean_seconds,
                    median_seconds: e.median_seconds,
                    min_seconds: e.min_seconds,
                    max_seconds: e.max_seconds,
                })
                .collect(),
            main_path: d
                .main_path
                .iter()
                .map(|s| PathStepReport {
                    activity: name(s.activity),
                    count: s.count,
                    lead_time_seconds: s.lead_time.as_secs_f64(),
                    process_time_seconds: s.process_time.map(vsm_core::Duration::as_secs_f64),
                    process_samples: s.process_samples,
                })
                .collect(),
            rework: d
                .loops
                .iter()
                .map(|l| LoopReport {
                    from: name(l.from),
                    to: name(l.to),
                    count: l.count,
                    share_percent: l.share.value(),
                })
                .collect(),
        }
    }
}

/// The discovery as pretty JSON.
pub fn json(discovery: &Discovery, activities: &[String], import: Import) -> String {
    crate::json::to_string(&DiscoveryReport::new(discovery, activities, import))
}

/// The discovery for people: the main path, rework and the most frequent pairs.
pub fn text(d: &Discovery, activities: &[String]) -> String {
    let name = |activity: u32| activities[activity as usize].as_str();
    let mut out = format!(
        "{} events in {} items, {} activities, {} directly-follows pairs\n\nMain path (most frequent completions):\n",
        d.events,
        d.items,
        d.activities.len(),
        d.edges.len()
    );
    for (index, step) in d.main_path.iter().enumerate() {
        let process = step.process_time.map_or_else(
            || "process time unknown".to_string(),
            |p| format!("process {}", p.human()),
        );
        out.push_str(&format!(
            "  {}. {} ({} completions; lead {}, {process})\n",
            index + 1,
            name(step.activity),
            step.count,
            step.lead_time.human()
        ));
    }
    if !d.loops.is_empty() {
        out.push_str("\nRework (backward moves along the path):\n");
        for loop_ in &d.loops {
            out.push_str(&format!(
                "  {} -> {}: {} times ({} of items leaving it)\n",
                name(loop_.from),
                name(loop_.to),
                loop_.count,
                loop_.share
            ));
        }
    }
    out.push_str("\nMost frequent directly-follows pairs:\n");
    for edge in d.edges.iter().take(15) {
        out.push_str(&format!(
            "  {:>8}  {} -> {}  (median {}, mean {})\n",
            edge.count,
            name(edge.from),
            name(edge.to),
            vsm_core::Duration::from_secs_f64(edge.median_seconds).human(),
            vsm_core::Duration::from_secs_f64(edge.mean_seconds).human()
        ));
    }
    out
}
