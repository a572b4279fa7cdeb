//! The named numbers of an analysis, as snapshots keep them and trends and checks read them.
//!
//! Names: `lead_time`, `process_time`, `wait_time`, `work_content`, `lead_time_with_rework`
//! (seconds), `activity_ratio`, `rolled_complete_accurate` (percent); for a measured map (whose
//! `lead_time` is its items' mean, and `process_time`, `wait_time` the ladder's sums)
//! `items.count`, `items.in_progress`, `items.lead_time.mean|p50|p85|p95|min|max`,
//! `rework_time` and `unnamed_time` (seconds); per step
//! `steps.ID.process_time|wait_time|lead_time` (seconds), `steps.ID.complete_accurate` (percent)
//! and, when measured, `steps.ID.throughput_per_week` and `steps.ID.work_in_progress`; for a
//! map with a `dora:` section, the DORA figures of the last full period: `dora.deployments`,
//! `dora.production_deployments` (items), `dora.deployment_frequency_per_day` (per day),
//! `dora.lead_time.p50|p85`, `dora.recovery_time.p50` (seconds), `dora.changes_deployed`,
//! `dora.failures`, `dora.unrecovered` (items), `dora.change_failure_rate`, `dora.rework_rate` (percent).
//!
//! [`MetricKey`] is a name with its meaning: built and printed here, parsed back from the stored
//! text from the known endings, so a step id may hold dots (`steps.v1.2.wait_time` is step `v1.2`).

use std::fmt;
use std::str::FromStr;

use crate::analysis::Analysis;
use crate::measure::Measurement;
use crate::model::ValueStream;

/// What a metric's number counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Percent,
    Items,
    PerWeek,
    PerDay,
}

impl Unit {
    /// The unit as JSON outputs name it: `seconds`, `percent`, `items`, `per_week`.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Percent => "percent",
            Unit::Items => "items",
            Unit::PerWeek => "per_week",
            Unit::PerDay => "per_day",
        }
    }
}

/// The unit of a metric, from its stored name; seconds for a name this vsm does not know (one a
/// newer vsm stored).
pub fn unit(name: &str) -> Unit {
    name.parse::<MetricKey>()
        .map_or(Unit::Seconds, |key| key.unit())
}

/// An enum of metric names, each written once with its unit.
macro_rules! named {
    ($(#[$doc:meta])* $name:ident { $($(#[$variant_doc:meta])* $variant:ident = $text:literal, $unit:ident;)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$variant_doc])* $variant,)+
        }

        impl $name {
            /// Every one, in the order reports list them.
            pub const ALL: &[$name] = &[$($name::$variant,)+];

            /// The name, as stored after the key's prefix.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            pub fn unit(self) -> Unit {
                match self {
                    $($name::$variant => Unit::$unit,)+
                }
            }

            /// The metric `name` names, if it is one.
            pub fn from_name(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

named! {
    /// A number of the whole stream: `lead_time`, ...
    SummaryMetric {
        LeadTime = "lead_time", Seconds;
        ProcessTime = "process_time", Seconds;
        WaitTime = "wait_time", Seconds;
        WorkContent = "work_content", Seconds;
        LeadTimeWithRework = "lead_time_with_rework", Seconds;
        ActivityRatio = "activity_ratio", Percent;
        RolledCompleteAccurate = "rolled_complete_accurate", Percent;
        /// Measured maps: rework per item.
        ReworkTime = "rework_time", Seconds;
        /// Measured maps: time in activities the map does not name, per item.
        UnnamedTime = "unnamed_time", Seconds;
    }
}

named! {
    /// A number of a measured map's items: `items.count`, `items.lead_time.p85`, ...
    ItemsMetric {
        Count = "count", Items;
        InProgress = "in_progress", Items;
        LeadTimeMean = "lead_time.mean", Seconds;
        LeadTimeP50 = "lead_time.p50", Seconds;
        LeadTimeP85 = "lead_time.p85", Seconds;
        LeadTimeP95 = "lead_time.p95", Seconds;
        LeadTimeMin = "lead_time.min", Seconds;
        LeadTimeMax = "lead_time.max", Seconds;
    }
}

named! {
    /// A number of one step: `steps.ID.wait_time`, ...
    StepMetric {
        ProcessTime = "process_time", Seconds;
        WaitTime = "wait_time", Seconds;
        LeadTime = "lead_time", Seconds;
        CompleteAccurate = "complete_accurate", Percent;
        /// Measured steps.
        ThroughputPerWeek = "throughput_per_week", PerWeek;
        /// Measured steps.
        WorkInProgress = "work_in_progress", Items;
    }
}

named! {
    /// A DORA figure of the last full period: `dora.deployment_frequency_per_day`, ...
    DoraMetric {
        Deployments = "deployments", Items;
        DeploymentFrequencyPerDay = "deployment_frequency_per_day", PerDay;
        LeadTimeP50 = "lead_time.p50", Seconds;
        LeadTimeP85 = "lead_time.p85", Seconds;
        /// Changes whose first successful production deployment happened in the period, with a
        /// lead time or not (one deployed before its first commit has none).
        ChangesDeployed = "changes_deployed", Items;
        ProductionDeployments = "production_deployments", Items;
        ChangeFailureRate = "change_failure_rate", Percent;
        RecoveryTimeP50 = "recovery_time.p50", Seconds;
        /// The recovery time's failures that started in the period: failed production
        /// deployments, and incidents attributed to a deployment (not unattributed ones).
        Failures = "failures", Items;
        /// Of those, the ones not recovered from by the end of the data.
        Unrecovered = "unrecovered", Items;
        ReworkRate = "rework_rate", Percent;
    }
}

/// A metric's name with its meaning. `Display` gives the stored name (`steps.review.wait_time`);
/// parsing reads it back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MetricKey {
    Summary(SummaryMetric),
    Items(ItemsMetric),
    Step { id: String, metric: StepMetric },
    Dora(DoraMetric),
}

impl MetricKey {
    pub fn step(id: impl Into<String>, metric: StepMetric) -> MetricKey {
        MetricKey::Step {
            id: id.into(),
            metric,
        }
    }

    pub fn unit(&self) -> Unit {
        match self {
            MetricKey::Summary(metric) => metric.unit(),
            MetricKey::Items(metric) => metric.unit(),
            MetricKey::Step { metric, .. } => metric.unit(),
            MetricKey::Dora(metric) => metric.unit(),
        }
    }
}

impl fmt::Display for MetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricKey::Summary(metric) => write!(f, "{metric}"),
            MetricKey::Items(metric) => write!(f, "items.{metric}"),
            MetricKey::Step { id, metric } => write!(f, "steps.{id}.{metric}"),
            MetricKey::Dora(metric) => write!(f, "dora.{metric}"),
        }
    }
}

/// A name that is no metric this vsm knows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a metric this vsm knows")]
pub struct UnknownMetric {
    pub name: String,
}

impl FromStr for MetricKey {
    type Err = UnknownMetric;

    /// A step's metric is read from the end of the name: step ids may hold dots, metric names
    /// do not.
    fn from_str(name: &str) -> Result<MetricKey, UnknownMetric> {
        let key = if let Some(rest) = name.strip_prefix("steps.") {
            rest.rsplit_once('.')
                .filter(|(id, _)| !id.is_empty())
                .and_then(|(id, metric)| Some(MetricKey::step(id, StepMetric::from_name(metric)?)))
        } else if let Some(rest) = name.strip_prefix("items.") {
            ItemsMetric::from_name(rest).map(MetricKey::Items)
        } else if let Some(rest) = name.strip_prefix("dora.") {
            DoraMetric::from_name(rest).map(MetricKey::Dora)
        } else {
            SummaryMetric::from_name(name).map(MetricKey::Summary)
        };
        key.ok_or_else(|| UnknownMetric {
            name: name.to_string(),
        })
    }
}

/// The summary metrics, in the order reports list them.
pub const SUMMARY: [SummaryMetric; 7] = [
    SummaryMetric::LeadTime,
    SummaryMetric::ProcessTime,
    SummaryMetric::WaitTime,
    SummaryMetric::WorkContent,
    SummaryMetric::LeadTimeWithRework,
    SummaryMetric::ActivityRatio,
    SummaryMetric::RolledCompleteAccurate,
];

/// Every metric of the analysis (measured values where `stream` holds them), sorted by name.
pub fn of(
    stream: &ValueStream,
    analysis: &Analysis,
    measurement: Option<&Measurement>,
) -> Vec<(String, f64)> {
    let s = &analysis.summary;
    let secs = |d: crate::Duration| d.as_secs_f64();
    let mut metrics: Vec<(String, f64)> = Vec::new();
    let mut put = |key: MetricKey, value: f64| metrics.push((key.to_string(), value));
    for (metric, value) in [
        (SummaryMetric::LeadTime, secs(s.lead_time)),
        (SummaryMetric::ProcessTime, secs(s.process_time)),
        (SummaryMetric::WaitTime, secs(s.wait_time)),
        (SummaryMetric::WorkContent, secs(s.work_content)),
        (
            SummaryMetric::LeadTimeWithRework,
            secs(s.lead_time_with_rework),
        ),
        (SummaryMetric::ActivityRatio, s.activity_ratio_percent),
        (
            SummaryMetric::RolledCompleteAccurate,
            s.rolled_complete_accurate_percent,
        ),
    ] {
        put(MetricKey::Summary(metric), value);
    }
    for (step, m) in stream.steps.iter().zip(&analysis.steps) {
        let id = &step.id;
        put(
            MetricKey::step(id, StepMetric::ProcessTime),
            secs(m.process_time),
        );
        put(MetricKey::step(id, StepMetric::WaitTime), secs(m.wait_time));
        put(MetricKey::step(id, StepMetric::LeadTime), secs(m.lead_time));
        put(
            MetricKey::step(id, StepMetric::CompleteAccurate),
            m.complete_accurate.value(),
        );
    }
    if let Some(measurement) = measurement {
        let items = &measurement.item_lead_time;
        put(MetricKey::Items(ItemsMetric::Count), items.count as f64);
        put(
            MetricKey::Items(ItemsMetric::InProgress),
            measurement.coverage.items_in_progress as f64,
        );
        if items.count > 0 {
            for (metric, value) in [
                (ItemsMetric::LeadTimeMean, items.mean),
                (ItemsMetric::LeadTimeP50, items.p50),
                (ItemsMetric::LeadTimeP85, items.p85),
                (ItemsMetric::LeadTimeP95, items.p95),
                (ItemsMetric::LeadTimeMin, items.min),
                (ItemsMetric::LeadTimeMax, items.max),
            ] {
                put(MetricKey::Items(metric), secs(value));
            }
        }
        if let Some(headline) = &analysis.measured {
            put(
                MetricKey::Summary(SummaryMetric::ReworkTime),
                secs(headline.rework),
            );
            put(
                MetricKey::Summary(SummaryMetric::UnnamedTime),
                secs(headline.unnamed),
            );
        }
        for step in &measurement.steps {
            let id = &stream.steps[step.step].id;
            put(
                MetricKey::step(id, StepMetric::ThroughputPerWeek),
                step.throughput_per_week,
            );
            put(
                MetricKey::step(id, StepMetric::WorkInProgress),
                step.work_in_progress as f64,
            );
        }
    }
    metrics.sort_by(|a, b| a.0.cmp(&b.0));
    metrics.dedup_by(|a, b| a.0 == b.0);
    metrics
}

/// The DORA figures of one period (the last full one) as named metrics, unsorted: a figure
/// with nothing to take it from (a median of no change, a rate of no deployment) is left out.
pub fn of_dora(figures: &crate::dora::Figures, days: f64) -> Vec<(String, f64)> {
    let mut metrics = Vec::new();
    let mut put = |metric: DoraMetric, value: f64| {
        metrics.push((MetricKey::Dora(metric).to_string(), value));
    };
    put(DoraMetric::Deployments, figures.deployments as f64);
    if days > 0.0 {
        put(
            DoraMetric::DeploymentFrequencyPerDay,
            figures.deployments as f64 / days,
        );
    }
    put(
        DoraMetric::ProductionDeployments,
        figures.production_deployments as f64,
    );
    put(
        DoraMetric::ChangesDeployed,
        (figures.lead_time.count as usize + figures.changes_without_lead_time) as f64,
    );
    if figures.lead_time.count > 0 {
        put(DoraMetric::LeadTimeP50, figures.lead_time.p50.as_secs_f64());
        put(DoraMetric::LeadTimeP85, figures.lead_time.p85.as_secs_f64());
    }
    if figures.recovery.count > 0 {
        put(
            DoraMetric::RecoveryTimeP50,
            figures.recovery.p50.as_secs_f64(),
        );
    }
    put(
        DoraMetric::Failures,
        (figures.recovery.count as usize + figures.unrecovered) as f64,
    );
    put(DoraMetric::Unrecovered, figures.unrecovered as f64);
    if let Some(rate) = figures.change_failure_rate {
        put(DoraMetric::ChangeFailureRate, rate * 100.0);
    }
    if let Some(rate) = figures.rework_rate {
        put(DoraMetric::ReworkRate, rate * 100.0);
    }
    metrics
}

/// The value of `name` in metrics sorted by name.
pub fn get(metrics: &[(String, f64)], name: &str) -> Option<f64> {
    metrics
        .binary_search_by(|(n, _)| n.as_str().cmp(name))
        .ok()
        .map(|i| metrics[i].1)
}

/// The value of `key` in metrics sorted by name.
pub fn value(metrics: &[(String, f64)], key: &MetricKey) -> Option<f64> {
    get(metrics, &key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimated_map_gives_summary_and_step_metrics() {
        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: a, process_time: 1h, wait_time: 1d, complete_accurate: 80% }\n  - { id: b, process_time: 2h }\n",
        )
        .stream
        .unwrap();
        let metrics = of(&stream, &crate::analyze(&stream), None);
        assert_eq!(get(&metrics, "lead_time"), Some(27.0 * 3600.0));
        assert_eq!(get(&metrics, "steps.a.complete_accurate"), Some(80.0));
        assert_eq!(get(&metrics, "rolled_complete_accurate"), Some(80.0));
        assert_eq!(get(&metrics, "steps.b.wait_time"), Some(0.0));
        assert_eq!(get(&metrics, "items.count"), None, "not measured");
        assert_eq!(metrics.len(), 7 + 2 * 4);
        assert_eq!(unit("steps.a.complete_accurate"), Unit::Percent);
        assert_eq!(unit("items.lead_time.p85"), Unit::Seconds);
        assert_eq!(unit("steps.a.work_in_progress"), Unit::Items);
    }

    #[test]
    fn a_step_id_with_dots_round_trips_with_its_unit() {
        let key: MetricKey = "steps.v1.2.wait_time".parse().unwrap();
        assert_eq!(key, MetricKey::step("v1.2", StepMetric::WaitTime));
        assert_eq!(key.to_string(), "steps.v1.2.wait_time");
        assert_eq!(key.unit(), Unit::Seconds);
        // An id that ends like a metric name: the last part is the metric.
        let key: MetricKey = "steps.v1.2.complete_accurate.work_in_progress"
            .parse()
            .unwrap();
        assert_eq!(
            key,
            MetricKey::step("v1.2.complete_accurate", StepMetric::WorkInProgress)
        );
        assert_eq!(key.unit(), Unit::Items);
        assert_eq!(unit("steps.v1.2.complete_accurate"), Unit::Percent);
        assert_eq!(unit("steps.v1.2.throughput_per_week"), Unit::PerWeek);

        let stream = crate::parse_map(
            "name: T\nsteps:\n  - { id: v1.2, process_time: 1h, complete_accurate: 90% }\n",
        )
        .stream
        .unwrap();
        let metrics = of(&stream, &crate::analyze(&stream), None);
        assert_eq!(
            value(
                &metrics,
                &MetricKey::step("v1.2", StepMetric::CompleteAccurate)
            ),
            Some(90.0)
        );
        for (name, _) in &metrics {
            let key: MetricKey = name.parse().unwrap();
            assert_eq!(&key.to_string(), name);
        }
    }

    #[test]
    fn every_known_name_round_trips_and_others_are_refused() {
        let mut keys: Vec<MetricKey> = SummaryMetric::ALL
            .iter()
            .map(|m| MetricKey::Summary(*m))
            .collect();
        keys.extend(ItemsMetric::ALL.iter().map(|m| MetricKey::Items(*m)));
        keys.extend(
            StepMetric::ALL
                .iter()
                .map(|m| MetricKey::step("review", *m)),
        );
        keys.extend(DoraMetric::ALL.iter().map(|m| MetricKey::Dora(*m)));
        for key in keys {
            assert_eq!(key.to_string().parse::<MetricKey>(), Ok(key));
        }
        assert_eq!(
            MetricKey::Items(ItemsMetric::LeadTimeP85).to_string(),
            "items.lead_time.p85"
        );
        for name in [
            "",
            "nothing",
            "steps.wait_time",
            "steps..wait_time",
            "steps.a.p85",
            "items.lead_time",
            "items.wait_time",
            "lead_time.p85",
            "dora.lead_time",
            "dora.deployment_frequency",
        ] {
            assert_eq!(
                name.parse::<MetricKey>().unwrap_err().to_string(),
                format!("`{name}` is not a metric this vsm knows")
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_of_a_printed_key_gives_the_key_back(
            id in "[a-z0-9][a-z0-9._-]{0,20}",
            metric in 0..StepMetric::ALL.len(),
        ) {
            let key = MetricKey::step(id, StepMetric::ALL[metric]);
            proptest::prop_assert_eq!(key.to_string().parse::<MetricKey>(), Ok(key));
        }
    }
}
