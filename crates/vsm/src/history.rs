//! `vsm snapshot` and `vsm trend`: a map's numbers kept over time, and where they come from.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use vsm_core::metrics::{self, ItemsMetric, MetricKey};
use vsm_store::{Snapshot, Store};

/// Where the history is kept.
#[derive(Debug, Clone, clap::Args)]
pub struct DbOption {
    /// The history database: a SQLite file, as a path or `sqlite://PATH`
    /// (default: .vsm/history.db in the working directory).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
}

impl DbOption {
    pub fn url(&self) -> &str {
        self.db.as_deref().unwrap_or(vsm_store::DEFAULT_PATH)
    }

    /// Opens the database to add to it, creating it if needed.
    pub fn open(&self) -> Result<Box<dyn Store>> {
        Ok(vsm_store::open(self.url())?)
    }

    /// Opens the database to read (read-only: it works on a read-only file or folder); `None`
    /// when there is none yet at the default place. A database given with `--db` must exist.
    pub fn open_existing(&self) -> Result<Option<Box<dyn Store>>> {
        let path = vsm_store::sqlite_path(self.url())?;
        if !path.exists() {
            if self.db.is_some() {
                bail!(
                    "there is no history database at `{}`; take a snapshot first with `vsm snapshot MAP --db {}`",
                    path.display(),
                    self.url()
                );
            }
            return Ok(None);
        }
        Ok(Some(vsm_store::open_read_only(self.url())?))
    }
}

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

/// A snapshot's time: to the second, as the store keeps it.
pub fn timestamp(at: jiff::Timestamp) -> jiff::Timestamp {
    jiff::Timestamp::from_second(at.as_second()).expect("a timestamp's own second")
}

/// How a snapshot is named in messages: `#3 of 2026-11-26T09:00:00Z (commit 1a2b3c4)`.
pub fn label(snapshot: &Snapshot) -> String {
    info(snapshot).label()
}

/// A snapshot's identity, as the trend shows it.
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

/// A metric's value in each snapshot.
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
