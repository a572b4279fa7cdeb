//! What `vsm discover` shows: the import, and the log's activities, paths and rework.

use std::path::Path;

use serde_json::json;
use vsm_app::discover::Discovered;
use vsm_ingest::source;

/// "read 262200 events in 13087 items; used 262200; skipped 0", and the first skipped rows.
pub fn import_report(path: &Path, found: &Discovered) -> String {
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

pub fn json(found: &Discovered) -> String {
    let name = |activity: u32| found.activities[activity as usize].as_str();
    let d = &found.discovery;
    let counts = |list: &[(u32, u64)]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|(a, c)| json!({ "activity": name(*a), "count": c }))
            .collect()
    };
    let value = json!({
        "events": d.events,
        "items": d.items,
        "import": {
            "events_read": found.stats.events_read,
            "events_used": found.stats.events_used,
            "events_skipped": found.stats.skipped_count,
        },
        "activities": counts(&d.activities),
        "start_activities": counts(&d.start_activities),
        "end_activities": counts(&d.end_activities),
        "edges": d.edges.iter().map(|e| json!({
            "from": name(e.from),
            "to": name(e.to),
            "count": e.count,
            "mean_seconds": e.mean_seconds,
            "median_seconds": e.median_seconds,
            "min_seconds": e.min_seconds,
            "max_seconds": e.max_seconds,
        })).collect::<Vec<_>>(),
        "main_path": d.main_path.iter().map(|s| json!({
            "activity": name(s.activity),
            "count": s.count,
            "lead_time_seconds": s.lead_time.as_secs_f64(),
            "process_time_seconds": s.process_time.map(vsm_core::Duration::as_secs_f64),
            "process_samples": s.process_samples,
        })).collect::<Vec<_>>(),
        "rework": d.loops.iter().map(|l| json!({
            "from": name(l.from),
            "to": name(l.to),
            "count": l.count,
            "share_percent": l.share.value(),
        })).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&value).expect("serializes");
    text.push('\n');
    text
}

pub fn text(found: &Discovered) -> String {
    let name = |activity: u32| found.activities[activity as usize].as_str();
    let d = &found.discovery;
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
