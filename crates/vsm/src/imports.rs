//! What an import read, used and skipped, as the command line says it on standard error.

use std::fmt::Write as _;
use std::path::Path;

use vsm_app::Measured;
use vsm_app::discover::Discovered;
use vsm_ingest::source;

/// "read ...; used ...; skipped ..." plus what the log covers.
pub fn measured(measured: &Measured) -> String {
    let stats = &measured.stats;
    let coverage = &measured.measurement.coverage;
    let mut text = format!(
        "{}: read {} events; used {} events in {} items; skipped {}\n  measured steps cover {} of {} items ({} still in progress{})",
        measured.log,
        stats.events_read,
        stats.events_used,
        stats.items,
        stats.skipped_count,
        coverage.items_used,
        coverage.items,
        coverage.items_in_progress,
        if coverage.items_abandoned > 0 {
            format!(", {} abandoned", coverage.items_abandoned)
        } else {
            String::new()
        }
    );
    other_objects(&mut text, stats);
    if !coverage.unmatched.is_empty() {
        let total: u64 = coverage.unmatched.iter().map(|(_, n)| n).sum();
        let listed: Vec<String> = coverage
            .unmatched
            .iter()
            .take(5)
            .map(|(name, n)| format!("{name} ({n})"))
            .collect();
        let more = if coverage.unmatched.len() > 5 {
            ", ..."
        } else {
            ""
        };
        let _ = write!(
            text,
            "\n  {total} events matched no step: {}{more}",
            listed.join(", ")
        );
    }
    text
}

/// "read 262200 events in 13087 items; used 262200; skipped 0", and the first skipped rows.
pub fn discovered(path: &Path, found: &Discovered) -> String {
    let stats = &found.stats;
    let mut text = format!(
        "{}: read {} events ({}); used {} events in {} items; skipped {}",
        source::name_of(path),
        stats.events_read,
        found.format.name(),
        stats.events_used,
        stats.items,
        stats.skipped_count
    );
    other_objects(&mut text, stats);
    for skipped in &stats.skipped {
        text.push_str(&format!(
            "\n  skipped {}: {}",
            skipped.place, skipped.reason
        ));
    }
    if stats.skipped_count > stats.skipped.len() as u64 {
        text.push_str(&format!(
            "\n  ... and {} more",
            stats.skipped_count - stats.skipped.len() as u64
        ));
    }
    text
}

/// Object-centric logs: one line of the events that belong to other objects' journeys (not bad
/// input, so not listed one by one), by event type, most first.
fn other_objects(text: &mut String, stats: &vsm_ingest::ImportStats) {
    let total = stats.other_objects_count();
    if total == 0 {
        return;
    }
    let mut counts: Vec<(&String, &u64)> = stats.other_objects.iter().collect();
    counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let listed: Vec<String> = counts
        .iter()
        .map(|(activity, n)| format!("{activity} ({n})"))
        .collect();
    let _ = write!(
        text,
        "\n  {total} events of other objects not used: {}",
        listed.join(", ")
    );
}
