//! Checking a map's `targets:` against its latest snapshot, or against its numbers now.

use vsm_core::ValueStream;
use vsm_core::check::{Basis, TargetResult};
use vsm_store::Snapshot;

use crate::Loaded;

/// The targets of `stream` checked against the numbers of `snapshot`.
pub fn against_snapshot(stream: &ValueStream, snapshot: &Snapshot) -> Vec<TargetResult> {
    vsm_core::check::check(
        stream,
        &snapshot.metrics,
        Basis::Snapshot {
            id: snapshot.id,
            taken_at: &snapshot.taken_at.to_string(),
        },
        &dora_period(stream, snapshot.taken_at),
    )
}

/// The name of the period whose DORA figures numbers taken `at` hold: the last full period
/// before it (of the map's `dora:` period, as the map is now).
fn dora_period(stream: &ValueStream, at: jiff::Timestamp) -> String {
    let period = stream.dora.as_ref().map(|d| d.period).unwrap_or_default();
    crate::dora::period_name(&crate::dora::last_full_period(period, at))
}

/// The targets of the loaded map (read from `map`) checked against its numbers now (measured
/// where it is; with a `dora:` section, the DORA figures of the last full period before `now`).
pub fn live(
    loaded: &Loaded,
    map: &std::path::Path,
    now: jiff::Timestamp,
) -> anyhow::Result<Vec<TargetResult>> {
    let provenance = loaded
        .measured
        .as_ref()
        .map_or(&[][..], |m| &m.provenance[..]);
    let mut metrics = loaded.metrics();
    if let Some(settings) = &loaded.stream.dora {
        metrics.extend(crate::dora::metrics_of_map(map, settings, now)?);
        metrics.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(vsm_core::check::check(
        &loaded.stream,
        &metrics,
        Basis::Live { provenance },
        &dora_period(&loaded.stream, now),
    ))
}
