//! A map's history: its snapshots, the metrics a trend shows, and taking a snapshot.

use anyhow::{Result, bail};
use vsm_core::metrics::{self, ItemsMetric, MetricKey};
use vsm_store::{Snapshot, Store};

use crate::Loaded;

/// The map's history, oldest first; an error that lists the maps there are when it has none.
pub fn history_of(store: &dyn Store, url: &str, map: &str) -> Result<Vec<Snapshot>> {
    let history = store.history(map)?;
    if history.is_empty() {
        let maps = store.maps()?;
        let known = if maps.is_empty() {
            "it holds no snapshots yet".to_string()
        } else {
            format!("it holds snapshots of {}", quoted(&maps))
        };
        bail!(
            "`{url}` has no snapshot of the map `{map}` ({known}); take one with `vsm snapshot MAP`"
        );
    }
    Ok(history)
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A snapshot's time: to the second, as the store keeps it.
pub fn timestamp(at: jiff::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(at.as_second()).expect("a timestamp's own second")
}

/// How a snapshot is named in messages: `#3 of 2026-11-26T09:00:00Z (commit 1a2b3c4)`.
pub fn label(snapshot: &Snapshot) -> String {
    info(snapshot).label()
}

/// A snapshot's identity, as the renderers take it.
pub fn info(snapshot: &Snapshot) -> vsm_render::trend::SnapshotInfo<'_> {
    vsm_render::trend::SnapshotInfo {
        id: snapshot.id,
        taken_at: snapshot.taken_at,
        commit: snapshot.commit.as_deref(),
        dirty: snapshot.dirty,
    }
}

/// How old a snapshot is: `3 days old`, `less than a day old`.
pub fn age(snapshot: &Snapshot, now: jiff::Timestamp) -> String {
    match (now.as_second() - snapshot.taken_at.as_second()) / 86_400 {
        days if days < 0 => "taken in the future".to_string(),
        0 => "less than a day old".to_string(),
        1 => "1 day old".to_string(),
        days => format!("{days} days old"),
    }
}

/// The metrics a trend shows: those asked for (each must be in some snapshot), or the summary
/// and, when measured, the items' p85 lead time.
pub fn pick_metrics(history: &[Snapshot], asked: &[String]) -> Result<Vec<String>> {
    let mut known: Vec<&str> = history
        .iter()
        .flat_map(|s| s.metrics.iter().map(|(n, _)| n.as_str()))
        .collect();
    known.sort_unstable();
    known.dedup();
    if asked.is_empty() {
        let mut names: Vec<String> = metrics::SUMMARY.iter().map(ToString::to_string).collect();
        let p85 = MetricKey::Items(ItemsMetric::LeadTimeP85).to_string();
        if known.contains(&p85.as_str()) {
            names.insert(0, p85);
        }
        return Ok(names);
    }
    for name in asked {
        if !known.contains(&name.as_str()) {
            let hint = vsm_core::diagnostic::did_you_mean(name, known.iter().copied())
                .map_or_else(String::new, |close| format!("did you mean `{close}`? "));
            bail!(
                "no snapshot has the metric `{name}`; {hint}the summary metrics are {}, and per step `steps.ID.lead_time` (also process_time, wait_time, complete_accurate)",
                metrics::SUMMARY
                    .map(metrics::SummaryMetric::as_str)
                    .join(", ")
            );
        }
    }
    Ok(asked.to_vec())
}

/// One metric's value in each snapshot, oldest first.
pub fn series(history: &[Snapshot], name: &str) -> Vec<Option<f64>> {
    history.iter().map(|s| s.metric(name)).collect()
}

/// The report's trend: the default metrics over the snapshots.
pub fn trend(history: &[Snapshot]) -> Result<vsm_render::trend::Trend> {
    let names = pick_metrics(history, &[])?;
    Ok(vsm_render::trend::Trend {
        taken_at: history.iter().map(|s| s.taken_at.to_string()).collect(),
        series: names
            .into_iter()
            .map(|name| {
                let values = series(history, &name);
                (name, values)
            })
            .collect(),
    })
}

/// Where a snapshot comes from, besides the numbers.
#[derive(Clone, Debug)]
pub struct Origin<'a> {
    /// The map file as the user named it.
    pub file: &'a str,
    /// Where the map file is, to find what its `dora:` section names.
    pub path: &'a std::path::Path,
    /// The time the numbers stand for.
    pub at: jiff::Timestamp,
    /// The git commit that last changed the map file, and whether the file differs from it.
    pub commit: Option<String>,
    pub dirty: bool,
}

/// Stores the loaded map's analysis (with provenance) and its named metrics as a snapshot; a
/// map with a `dora:` section adds the DORA figures of the last full period before the
/// snapshot's time.
pub fn snapshot(store: &dyn Store, loaded: &Loaded, origin: Origin<'_>) -> Result<Snapshot> {
    let analysis = loaded.analysis_json();
    let mut metrics = loaded.metrics();
    if let Some(settings) = &loaded.stream.dora {
        metrics.extend(crate::dora::metrics_of_map(
            origin.path,
            settings,
            origin.at,
        )?);
        metrics.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut snapshot = Snapshot {
        id: 0,
        map: loaded.stream.name.clone(),
        file: origin.file.to_string(),
        taken_at: timestamp(origin.at),
        commit: origin.commit,
        dirty: origin.dirty,
        metrics,
    };
    snapshot.id = store.save(&vsm_store::NewSnapshot {
        map: &snapshot.map,
        file: &snapshot.file,
        taken_at: snapshot.taken_at,
        commit: snapshot.commit.as_deref(),
        dirty: snapshot.dirty,
        analysis: &analysis,
        metrics: &snapshot.metrics,
    })?;
    Ok(snapshot)
}
