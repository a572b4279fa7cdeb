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
    )
}

/// The targets of the loaded map checked against its numbers now (measured where it is).
pub fn live(loaded: &Loaded) -> Vec<TargetResult> {
    let provenance = loaded
        .measured
        .as_ref()
        .map_or(&[][..], |m| &m.provenance[..]);
    vsm_core::check::check(
        &loaded.stream,
        &loaded.metrics(),
        Basis::Live { provenance },
    )
}
