//! `vsm compare --simulate`: both maps simulated side by side, and for each projected change
//! how much is the change the future map declares and how much is noise between replications.

use std::fmt::Write as _;

use serde::Serialize;
use vsm_core::simulate::{Calibration, Difference, FutureChanges, Projection, differences};
use vsm_core::{Duration, format_number};

use super::{BeforeAfter, Delta, Side, show, show_change};
use crate::json::{IntervalReport, interval, seconds};
use crate::report::{NOT_ALIGNED, Style, heading, push_table, table};
use crate::simulate::future::{self, FutureReport};

/// One map's simulation, for a comparison.
#[derive(Clone, Copy, Debug)]
pub struct SimulatedSide<'a> {
    pub projection: &'a Projection,
    /// `calibrated` or `fitted`.
    pub model: &'a str,
    /// For a calibrated future state: its calibration and what it changes in the current state.
    pub future: Option<(&'a Calibration, &'a FutureChanges)>,
}

/// Both simulations side by side: lead time percentiles (with intervals), throughput and the
/// constraint, and each difference over the paired replications.
#[derive(Debug, Serialize)]
pub struct SimulationComparison<'a> {
    pub items: u64,
    pub seed: u64,
    pub replications: u32,
    pub arrivals_per_week: f64,
    /// `calibrated` or `fitted`, each side.
    pub model: BeforeAfter<&'a str>,
    pub lead_time_seconds: SimulatedLeadTime,
    pub throughput_per_week: SimulatedFigure,
    pub constraint: BeforeAfter<Option<&'a str>>,
    /// What the future state changes in the calibrated current state (as `vsm simulate`'s
    /// `future`); `null` unless the future side runs calibrated from the current state's log.
    pub future: Option<FutureReport>,
    #[serde(skip)]
    future_lines: Vec<String>,
}

/// The simulated lead time's percentiles and mean, before and after.
#[derive(Debug, Serialize)]
pub struct SimulatedLeadTime {
    pub p50: SimulatedPercentile,
    pub p85: SimulatedPercentile,
    pub p95: SimulatedPercentile,
    pub mean: SimulatedFigure,
}

/// A simulated percentile before and after (pooled over all items), with their 95% intervals,
/// and its difference over the paired replications.
#[derive(Debug, Serialize)]
pub struct SimulatedPercentile {
    #[serde(flatten)]
    pub value: Delta<f64>,
    pub before_interval: Option<IntervalReport>,
    pub after_interval: Option<IntervalReport>,
    pub difference: Option<DifferenceReport>,
}

/// A simulated figure before and after, and its difference over the paired replications.
#[derive(Debug, Serialize)]
pub struct SimulatedFigure {
    #[serde(flatten)]
    pub value: Delta<f64>,
    pub difference: Option<DifferenceReport>,
}

/// After − before over the replications paired by seed: the mean of their differences, its 95%
/// interval, `noise` (half the interval's width) and `within_noise` (the interval covers 0).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct DifferenceReport {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
    pub noise: f64,
    pub within_noise: bool,
}

impl DifferenceReport {
    /// `difference` in its unit divided by `unit` (1000 for milliseconds to seconds).
    fn of(difference: &Difference, unit: f64) -> Self {
        let round = |v: f64| (v / unit * 1000.0).round() / 1000.0;
        DifferenceReport {
            mean: round(difference.mean),
            low: round(difference.low),
            high: round(difference.high),
            noise: round(difference.noise()),
            within_noise: difference.within_noise(),
        }
    }
}

/// Both sides' simulations compared, when both were simulated.
pub(super) fn comparison<'a>(
    before: Side<'a>,
    after: Side<'a>,
) -> Option<SimulationComparison<'a>> {
    let (bs, as_) = (before.simulated?, after.simulated?);
    let (b, a) = (bs.projection, as_.projection);
    let paired = differences(b, a);
    let ms = |pick: fn(&vsm_core::simulate::Differences) -> Difference| {
        paired
            .as_ref()
            .map(|d| DifferenceReport::of(&pick(d), 1000.0))
    };
    let [p50, p85, p95] = [ms(|d| d.p50), ms(|d| d.p85), ms(|d| d.p95)]
        .into_iter()
        .enumerate()
        .map(|(i, difference)| {
            let ((_, before, before_ci), (_, after, after_ci)) =
                (b.percentiles()[i], a.percentiles()[i]);
            SimulatedPercentile {
                value: Delta::numbers(seconds(before), seconds(after)),
                before_interval: interval(before_ci),
                after_interval: interval(after_ci),
                difference,
            }
        })
        .collect::<Vec<_>>()
        .try_into()
        .ok()?;
    let constraint = |side: Side<'a>, p: &Projection| {
        p.constraint
            .map(|(index, _)| side.stream.steps[index].id.as_str())
    };
    Some(SimulationComparison {
        items: b.items,
        seed: b.seed,
        replications: b.replications,
        arrivals_per_week: b.arrivals_per_week,
        model: BeforeAfter {
            before: bs.model,
            after: as_.model,
        },
        lead_time_seconds: SimulatedLeadTime {
            p50,
            p85,
            p95,
            mean: SimulatedFigure {
                value: Delta::numbers(seconds(b.lead_time.mean), seconds(a.lead_time.mean)),
                difference: ms(|d| d.mean),
            },
        },
        throughput_per_week: SimulatedFigure {
            value: Delta::numbers(b.throughput_per_week, a.throughput_per_week),
            difference: paired
                .as_ref()
                .map(|d| DifferenceReport::of(&d.throughput_per_week, 1.0)),
        },
        constraint: BeforeAfter {
            before: constraint(before, b),
            after: constraint(after, a),
        },
        future: as_
            .future
            .map(|(calibration, changes)| future::report(after.stream, calibration, changes)),
        future_lines: as_
            .future
            .map(|(calibration, changes)| future::lines(after.stream, calibration, changes))
            .unwrap_or_default(),
    })
}

/// The "Simulated" section for people, in words and cells: what ran, the table, what its last
/// columns mean, and the future state's changes. The text and the HTML page show it alike.
pub(crate) struct Section {
    pub note: String,
    pub rows: Vec<Vec<String>>,
    pub meaning: String,
    /// What the future state changes, when it runs calibrated from the current state's log.
    pub future: Option<Vec<String>>,
}

/// The table's columns.
pub(crate) const COLUMNS: [&str; 6] = [
    "Metric",
    "Before",
    "After",
    "Change",
    "± noise",
    "Is it the change?",
];

pub(crate) fn section(simulated: &SimulationComparison<'_>) -> Section {
    let note = format!(
        "{} items through each map in {} replications, seed {}, arrivals {} per week ({} → {}); 95% intervals in brackets.",
        simulated.items,
        simulated.replications,
        simulated.seed,
        format_number(simulated.arrivals_per_week, 1),
        simulated.model.before,
        simulated.model.after,
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    let with_interval = |value: Option<f64>, interval: Option<IntervalReport>| {
        let shown = show("_seconds", value);
        match interval {
            Some(i) => format!(
                "{shown} ({} to {})",
                Duration::from_secs_f64(i.low).human(),
                Duration::from_secs_f64(i.high).human()
            ),
            None => shown,
        }
    };
    // The change over the paired replications, its noise and the verdict; the pooled change
    // when there is no pairing.
    let paired = |difference: Option<DifferenceReport>,
                  change: Option<f64>,
                  shown: &dyn Fn(f64) -> String,
                  signed: &dyn Fn(f64) -> String| match difference {
        Some(d) => [
            signed(d.mean),
            shown(d.noise),
            if d.within_noise {
                "within noise".to_string()
            } else {
                "yes".to_string()
            },
        ],
        None => [
            change.map(signed).unwrap_or_default(),
            String::new(),
            String::new(),
        ],
    };
    let duration = |v: f64| show("_seconds", Some(v));
    let signed_duration = |v: f64| {
        if v == 0.0 {
            "=".to_string()
        } else {
            show_change("_seconds", Some(v))
        }
    };
    let lead = &simulated.lead_time_seconds;
    for (label, row) in [
        ("Lead time p50", &lead.p50),
        ("Lead time p85", &lead.p85),
        ("Lead time p95", &lead.p95),
    ] {
        let mut cells = vec![
            label.to_string(),
            with_interval(row.value.before, row.before_interval),
            with_interval(row.value.after, row.after_interval),
        ];
        cells.extend(paired(
            row.difference,
            row.value.change,
            &duration,
            &signed_duration,
        ));
        rows.push(cells);
    }
    let mut cells = vec![
        "Lead time mean".to_string(),
        show("_seconds", lead.mean.value.before),
        show("_seconds", lead.mean.value.after),
    ];
    cells.extend(paired(
        lead.mean.difference,
        lead.mean.value.change,
        &duration,
        &signed_duration,
    ));
    rows.push(cells);
    let throughput = &simulated.throughput_per_week;
    let per_week = |v: Option<f64>| format!("{}/week", format_number(v.unwrap_or(0.0), 1));
    let mut cells = vec![
        "Throughput".to_string(),
        per_week(throughput.value.before),
        per_week(throughput.value.after),
    ];
    cells.extend(paired(
        throughput.difference,
        throughput.value.change,
        &|v| format_number(v, 1),
        &|v| {
            format!(
                "{}{}",
                if v < 0.0 { "-" } else { "+" },
                format_number(v.abs(), 1)
            )
        },
    ));
    rows.push(cells);
    let name = |v: Option<&str>| v.unwrap_or("-").to_string();
    rows.push(vec![
        "Constraint".to_string(),
        name(simulated.constraint.before),
        name(simulated.constraint.after),
        String::new(),
        String::new(),
        String::new(),
    ]);
    let meaning = format!(
        "Change: after − before, the mean over the {} pairs of replications run with the same seed\n({}).\n± noise: half its 95% interval, how far the noise between replications alone moves it.\nWithin noise: the interval covers 0, so the change cannot be told from noise.",
        simulated.replications,
        if simulated.model.after == "calibrated" && simulated.model.before == "calibrated" {
            "the same items of the log, arriving at the same instants"
        } else {
            "the same random draws as far as the two maps allow"
        }
    );
    Section {
        note,
        rows,
        meaning,
        future: simulated.future.is_some().then(|| {
            if simulated.future_lines.is_empty() {
                vec!["nothing the simulation uses".to_string()]
            } else {
                simulated.future_lines.clone()
            }
        }),
    }
}

/// The "Simulated" section for people: the table, what its last columns mean, and the future
/// state's changes.
pub(super) fn tables(out: &mut String, style: Style, simulated: &SimulationComparison<'_>) {
    let section = section(simulated);
    heading(out, style, 2, "Simulated");
    let _ = writeln!(out, "{}\n", section.note);
    let mut rows = table(style, &COLUMNS, NOT_ALIGNED);
    for row in section.rows {
        rows.add_row(row);
    }
    push_table(out, &rows);
    let _ = writeln!(out, "\n{}", section.meaning);
    if let Some(future) = &section.future {
        let _ = writeln!(
            out,
            "\nWhat the future state changes in the calibrated current state (the log's items, moved only by these):"
        );
        for line in future {
            let _ = writeln!(out, "- {line}");
        }
    }
}
