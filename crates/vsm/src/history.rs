//! `vsm snapshot` and `vsm trend`: a map's numbers kept over time, and where they come from.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result};
use serde_json::json;
use vsm_app::history::{label, series};
use vsm_core::metrics;
use vsm_store::Snapshot;

/// The git commit that last changed `file`, and whether the file differs from it (or is not
/// committed). `(None, false)` outside a git repository or without git.
pub fn git_state(file: &Path) -> (Option<String>, bool) {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(name) = file.file_name() else {
        return (None, false);
    };
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .arg("--")
            .arg(name)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(commit) = git(&["log", "-1", "--format=%H"]) else {
        return (None, false);
    };
    let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
    ((!commit.is_empty()).then_some(commit), dirty)
}

pub use vsm_render::trend::show;

/// The widest sparkline: longer histories are drawn with one mark per group of snapshots.
const SPARK_WIDTH: usize = 60;

/// Means over `width` consecutive groups of about equal size (as they are when shorter).
fn squeeze(values: &[Option<f64>], width: usize) -> Vec<Option<f64>> {
    let n = values.len();
    if n <= width {
        return values.to_vec();
    }
    (0..width)
        .map(|i| {
            let group = &values[i * n / width..(i + 1) * n / width];
            let present: Vec<f64> = group.iter().flatten().copied().collect();
            (!present.is_empty()).then(|| present.iter().sum::<f64>() / present.len() as f64)
        })
        .collect()
}

/// `▁▂▃▄▅▆▇█` from the lowest to the highest value; a space where a snapshot lacks it.
pub fn sparkline(values: &[Option<f64>]) -> String {
    let values = &squeeze(values, SPARK_WIDTH)[..];
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let present = values.iter().flatten();
    let low = present.clone().copied().fold(f64::INFINITY, f64::min);
    let high = present.copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|value| match value {
            None => ' ',
            Some(_) if high <= low => BARS[3],
            Some(v) => BARS[(((v - low) / (high - low)) * 7.0).round() as usize],
        })
        .collect()
}

pub fn trend_text(map: &str, url: &str, history: &[Snapshot], names: &[String]) -> String {
    let first = &history[0];
    let last = &history[history.len() - 1];
    let mut out = format!(
        "Trend of {map}: {} snapshots, {} to {} ({url})\n\n",
        history.len(),
        first.taken_at,
        last.taken_at
    );
    let width = names.iter().map(String::len).max().unwrap_or(0);
    for name in names {
        let values = series(history, name);
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        let change = match (present.first(), present.last()) {
            (Some(a), Some(b)) if present.len() > 1 => {
                let moved = vsm_render::trend::change(name, *a, *b);
                let percent = if moved.is_empty() {
                    moved
                } else {
                    format!(" ({moved})")
                };
                format!("{} -> {}{percent}", show(name, *a), show(name, *b))
            }
            (Some(a), _) => show(name, *a),
            _ => "no values".to_string(),
        };
        let _ = writeln!(out, "  {name:<width$}  {}  {change}", sparkline(&values));
    }
    if history.len() > SPARK_WIDTH {
        let _ = writeln!(
            out,
            "\n(one mark per {:.1} snapshots on average: the mean of each group)",
            history.len() as f64 / SPARK_WIDTH as f64
        );
    }
    let _ = writeln!(out, "\nlatest: snapshot {}", label(last));
    out
}

pub fn trend_json(map: &str, history: &[Snapshot], names: &[String]) -> String {
    let snapshots: Vec<serde_json::Value> = history
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "taken_at": s.taken_at.to_string(),
                "commit": s.commit,
                "dirty": s.dirty,
            })
        })
        .collect();
    let mut metrics = serde_json::Map::new();
    for name in names {
        // Percentages rounded to two decimals, as in `analyze --format json`.
        let unit = metrics::unit(name);
        let values: Vec<Option<f64>> = series(history, name)
            .into_iter()
            .map(|value| {
                value.map(|v| match unit {
                    metrics::Unit::Percent => (v * 100.0).round() / 100.0,
                    _ => v,
                })
            })
            .collect();
        metrics.insert(
            name.clone(),
            json!({ "unit": unit.as_str(), "values": values }),
        );
    }
    let mut text = serde_json::to_string_pretty(&json!({
        "map": map,
        "snapshots": snapshots,
        "metrics": metrics,
    }))
    .expect("serializes");
    text.push('\n');
    text
}

/// What `vsm snapshot` says it stored.
pub fn stored_message(url: &str, snapshot: &Snapshot) -> String {
    let mut details = label(snapshot);
    let at = details.find(" of ").map_or(0, |i| i + 4);
    details.replace_range(..at, "");
    format!(
        "stored snapshot #{} of `{}` ({details}; {} numbers) in {url}",
        snapshot.id,
        snapshot.map,
        snapshot.metrics.len()
    )
}

/// The map file as a snapshot records it: the path as given on the command line.
pub fn file_label(file: &Path) -> Result<String> {
    file.to_str()
        .map(ToString::to_string)
        .with_context(|| format!("`{}` is not a UTF-8 path", file.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines_scale_and_squeeze() {
        assert_eq!(sparkline(&[Some(1.0), Some(8.0), None, Some(4.5)]), "▁█ ▅");
        assert_eq!(sparkline(&[Some(3.0), Some(3.0)]), "▄▄");
        let long: Vec<Option<f64>> = (0..300).map(|i| Some(f64::from(i))).collect();
        let line = sparkline(&long);
        assert_eq!(line.chars().count(), SPARK_WIDTH);
        assert!(line.starts_with('▁') && line.ends_with('█'));
        // Groups of five: the mean of 0..5 is 2.
        assert_eq!(squeeze(&long, 60)[0], Some(2.0));
    }
}
