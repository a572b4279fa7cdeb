//! A stream's event store, derived from its webhook deliveries: the server keeps only the
//! deliveries (in its database); each process keeps a cache of what they give, per stream, in
//! a folder of its own ([`Caches`]), brought up to date from the deliveries after the last one it
//! holds on every page load, and built again from the first delivery when it is missing. Nothing
//! is lost when the cache is deleted, and replicas each build their own.
//!
//! A stream's folder holds `events.sqlite`, the OCEL 2.0 store the GitHub and GitLab deliveries
//! give (read by the same parsers as `vsm fetch`, see `vsm_fetch::github::webhook`), then
//! computed over as a fetch does (first shipped, mentions, incidents); `events.jsonl`, the events
//! of the generic `events` source, one a line; and `state.json`, the last delivery read and what
//! the deliveries gave (used, not used and why, malformed with their ids). The state is written
//! last: a process stopped halfway reads the same deliveries again, which writes the same
//! objects and events (ids come from the sources) and cuts the events log back to where the
//! state says it ended.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};
use vsm_fetch::{Collector, Hook};

use crate::store::{Delivery, SourceKind, Store};

/// Deliveries read from the database at once.
pub const PAGE: usize = 500;

/// Malformed deliveries listed by id (more are counted).
const LISTED: usize = 20;

/// Reasons a delivery was not used, counted apart (more are counted together).
const REASONS: usize = 50;

/// The OCEL store's file in a stream's folder.
const OCEL: &str = "events.sqlite";
/// The generic events' log in a stream's folder.
const LOG: &str = "events.jsonl";
const STATE: &str = "state.json";

/// The caches of every stream, in one folder.
#[derive(Debug)]
pub struct Caches {
    folder: PathBuf,
    /// A temporary folder, removed when the process ends.
    _temporary: Option<tempfile::TempDir>,
    /// One update of a stream's cache at a time.
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// The analyses measured from the caches.
    measurements: Arc<crate::measurements::Measurements>,
}

/// A delivery that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Malformed {
    pub seq: i64,
    pub source: String,
    pub delivery_id: String,
    pub problem: String,
}

/// What a stream's deliveries gave, so far.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The last delivery read (its `seq`).
    pub seq: i64,
    /// Deliveries read, by source kind (`github`, `gitlab`, `events`, `pull`).
    pub read: BTreeMap<String, usize>,
    /// Deliveries that gave objects and events (GitHub, GitLab, pulls).
    pub used_hooks: usize,
    /// Events the generic `events` source gave.
    pub used_events: usize,
    /// Deliveries not used, by why.
    pub not_used: BTreeMap<String, usize>,
    /// Malformed deliveries: how many, and the first ones.
    pub malformed: usize,
    pub malformed_listed: Vec<Malformed>,
    /// How long the events log is, in bytes, with the deliveries read.
    log_bytes: u64,
}

impl Summary {
    pub fn deliveries(&self) -> usize {
        self.read.values().sum()
    }

    fn not_used(&mut self, why: String) {
        let key = if self.not_used.len() < REASONS || self.not_used.contains_key(&why) {
            why
        } else {
            "other reasons".to_string()
        };
        *self.not_used.entry(key).or_default() += 1;
    }

    fn malformed(&mut self, delivery: &Delivery, problem: String) {
        self.malformed += 1;
        if self.malformed_listed.len() < LISTED {
            self.malformed_listed.push(Malformed {
                seq: delivery.seq,
                source: delivery.source.clone(),
                delivery_id: delivery.delivery_id.clone(),
                problem,
            });
        }
    }

    /// The malformed deliveries, for people: `2 malformed deliveries not read: gh/abc (...)`.
    pub fn malformed_note(&self) -> Option<String> {
        if self.malformed == 0 {
            return None;
        }
        let listed: Vec<String> = self
            .malformed_listed
            .iter()
            .map(|m| {
                format!(
                    "`{}` of source `{}`: {}",
                    m.delivery_id,
                    m.source,
                    first_line(&m.problem)
                )
            })
            .collect();
        let more = self.malformed - self.malformed_listed.len();
        let more = if more > 0 {
            format!("; and {more} more")
        } else {
            String::new()
        };
        Some(format!(
            "{} not read (the others are): {}{more}",
            counted(self.malformed, "malformed delivery", "malformed deliveries"),
            listed.join("; ")
        ))
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// `1 delivery`, `2 deliveries`.
pub fn counted(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A stream's event store as of now.
#[derive(Clone, Debug, Default)]
pub struct Current {
    pub summary: Summary,
    /// The OCEL store, once a GitHub or GitLab delivery gave something.
    pub ocel: Option<PathBuf>,
    /// The generic events' log, once the `events` source gave an event.
    pub log: Option<PathBuf>,
    /// The analyses measured from it, kept in the process (none: measured on every call).
    pub measurements: Option<Arc<crate::measurements::Measurements>>,
    /// How current the analyses must be.
    pub wanted: crate::measurements::Wanted,
    /// The maps the stream's latest map extends, when it is a future state: it is measured
    /// from the deliveries of the current state at the bottom of the chain, which these are.
    pub bases: crate::future::Bases,
}

impl Caches {
    /// The caches in `folder`, or in a temporary folder of this process's.
    pub fn new(folder: Option<PathBuf>) -> std::io::Result<Caches> {
        let (folder, temporary) = match folder {
            Some(folder) => (folder, None),
            None => {
                let temporary = tempfile::Builder::new().prefix("vsm-cache-").tempdir()?;
                (temporary.path().to_path_buf(), Some(temporary))
            }
        };
        Ok(Caches {
            folder,
            _temporary: temporary,
            locks: Mutex::default(),
            measurements: Arc::default(),
        })
    }

    /// Where the caches are.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The analyses measured from the caches, kept in the process.
    pub fn measurements(&self) -> &Arc<crate::measurements::Measurements> {
        &self.measurements
    }

    fn lock(&self, stream: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(locks.entry(stream.to_string()).or_default())
    }

    /// Brings `stream`'s cache up to date with its deliveries in `store`, reading them in pages
    /// of [`PAGE`], and says what it holds.
    pub async fn current(&self, store: &dyn Store, stream: &str) -> Result<Current> {
        let lock = self.lock(stream);
        let _turn = lock.lock().await;
        let folder = self.folder.join(stream);
        let opened = folder.clone();
        let mut summary = tokio::task::spawn_blocking(move || open(&opened)).await??;
        let mut wrote_hooks = false;
        loop {
            let page = store
                .deliveries_after(stream, summary.seq, PAGE)
                .await
                .map_err(|e| anyhow::anyhow!("reading the deliveries of `{stream}`: {e}"))?;
            let full = page.len() == PAGE;
            if page.is_empty() {
                break;
            }
            let at = folder.clone();
            let (next, hooks) =
                tokio::task::spawn_blocking(move || apply(&at, summary, &page)).await??;
            summary = next;
            wrote_hooks |= hooks;
            if !full {
                break;
            }
        }
        let ocel = folder.join(OCEL);
        if wrote_hooks {
            let at = ocel.clone();
            tokio::task::spawn_blocking(move || derive(&at)).await??;
        }
        Ok(Current {
            ocel: (summary.used_hooks > 0 && ocel.is_file()).then_some(ocel),
            log: (summary.used_events > 0).then(|| folder.join(LOG)),
            summary,
            measurements: Some(Arc::clone(&self.measurements)),
            wanted: crate::measurements::Wanted::Now,
            bases: crate::future::Bases::default(),
        })
    }
}

/// The state of the cache in `folder`: what its files hold. A folder without a readable state,
/// or whose store is gone, starts again from nothing; an events log longer than the state says
/// (a process stopped before writing the state) is cut back.
fn open(folder: &Path) -> Result<Summary> {
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot make the cache folder `{}`", folder.display()))?;
    let state = std::fs::read(folder.join(STATE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Summary>(&bytes).ok());
    let whole = |s: &Summary| s.used_hooks == 0 || folder.join(OCEL).is_file();
    let Some(summary) = state.filter(whole) else {
        for file in [OCEL, LOG, STATE] {
            let _ = std::fs::remove_file(folder.join(file));
        }
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(folder.join(format!("{OCEL}{suffix}")));
        }
        return Ok(Summary::default());
    };
    let log = folder.join(LOG);
    if log.is_file() {
        let file = std::fs::OpenOptions::new().write(true).open(&log)?;
        if file.metadata()?.len() > summary.log_bytes {
            file.set_len(summary.log_bytes)?;
        }
    }
    Ok(summary)
}

/// Reads a page of deliveries into the cache in `folder`: the hooks' objects and events in one
/// transaction, the generic events appended to the log, then the state. Says whether the
/// store was written.
fn apply(folder: &Path, mut summary: Summary, deliveries: &[Delivery]) -> Result<(Summary, bool)> {
    let mut into = Collector::new();
    let mut settled: HashMap<String, jiff::Timestamp> = HashMap::new();
    let mut lines = String::new();
    let mut store: Option<vsm_events::Store> = None;
    let ocel = folder.join(OCEL);
    for delivery in deliveries {
        *summary
            .read
            .entry(delivery.kind.as_str().to_string())
            .or_default() += 1;
        summary.seq = delivery.seq;
        let body = delivery.body.as_bytes();
        let hook = match delivery.kind {
            SourceKind::Github => vsm_fetch::github::webhook(&delivery.event, body),
            SourceKind::Gitlab => vsm_fetch::gitlab::webhook(&delivery.event, body),
            SourceKind::Pull => {
                match crate::pulls::units::read(&delivery.body) {
                    Ok(batch) => {
                        opened(&mut store, &ocel)?;
                        into.add(vsm_fetch::Page {
                            batch,
                            report: vsm_fetch::Report::default(),
                        });
                        summary.used_hooks += 1;
                    }
                    Err(problem) => summary.malformed(delivery, problem),
                }
                continue;
            }
            SourceKind::Events => {
                match event_line(&delivery.body) {
                    Ok(line) => {
                        lines.push_str(&line);
                        lines.push('\n');
                        summary.used_events += 1;
                    }
                    Err(problem) => summary.malformed(delivery, problem),
                }
                continue;
            }
        };
        match hook {
            Ok(Hook::Used(mut page)) => {
                let stored = opened(&mut store, &ocel)?;
                vsm_fetch::settle(&mut page, |id| {
                    settled
                        .get(id)
                        .copied()
                        .or_else(|| stored.event_time(id).ok().flatten())
                });
                for event in &page.batch.events {
                    use vsm_events::EventType::{DeploymentFinished, DeploymentStarted};
                    if matches!(event.kind, DeploymentStarted | DeploymentFinished) {
                        settled.insert(event.id.clone(), event.time);
                    }
                }
                into.add(page);
                summary.used_hooks += 1;
            }
            Ok(Hook::NotUsed(why)) => summary.not_used(why),
            Err(error) => summary.malformed(delivery, error.to_string()),
        }
    }
    let (batch, _) = into.finish();
    let wrote = match &mut store {
        Some(store) => {
            store.write(&batch)?;
            true
        }
        None => false,
    };
    if !lines.is_empty() {
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(folder.join(LOG))?;
        log.write_all(lines.as_bytes())?;
        log.sync_data()?;
        summary.log_bytes = log.metadata()?.len();
    }
    let state = folder.join(STATE);
    let written = folder.join(format!("{STATE}.new"));
    std::fs::write(&written, serde_json::to_vec(&summary)?)?;
    std::fs::rename(&written, &state)?;
    Ok((summary, wrote))
}

/// The OCEL store at `ocel`, opened the first time it is needed.
fn opened<'a>(
    store: &'a mut Option<vsm_events::Store>,
    ocel: &Path,
) -> Result<&'a vsm_events::Store> {
    if store.is_none() {
        *store = Some(vsm_events::Store::open(ocel)?);
    }
    Ok(store.as_ref().expect("opened above"))
}

/// What a fetch computes over the whole store after writing: first shipped, the issues the
/// pull requests mention, the incidents.
fn derive(ocel: &Path) -> Result<()> {
    let mut store = vsm_events::Store::open(ocel)?;
    vsm_app::fetch::ship(&mut store)?;
    vsm_app::fetch::link_mentions(&mut store)?;
    vsm_app::fetch::flag_incidents(&mut store, &mut vsm_events::Counts::default())?;
    Ok(())
}

/// One event of the generic `events` source, as sent: `id`, `case`, `activity`, `time` (RFC 3339
/// with its offset), optional `lifecycle` (`start`, `complete`) and `attributes` (an object of
/// texts, numbers and booleans).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SentEvent {
    id: String,
    case: String,
    activity: String,
    time: String,
    lifecycle: Option<String>,
    #[serde(default)]
    attributes: serde_json::Map<String, serde_json::Value>,
}

/// The log's line for an event's body (`{"case", "activity", "timestamp", "lifecycle",
/// "attributes"}`), or what is wrong with it and how to fix it.
fn event_line(body: &str) -> Result<String, String> {
    let example = r#"send one JSON object such as {"id": "e-1", "case": "42", "activity": "review", "time": "2024-03-01T10:00:00Z"}"#;
    let sent: SentEvent = serde_json::from_str(body).map_err(|e| format!("{e}; {example}"))?;
    for (field, value) in [
        ("id", &sent.id),
        ("case", &sent.case),
        ("activity", &sent.activity),
    ] {
        if value.trim().is_empty() {
            return Err(format!("`{field}` is empty; {example}"));
        }
    }
    let time: jiff::Timestamp = sent.time.parse().map_err(|e| {
        let shown: String = sent.time.chars().take(60).collect();
        format!("`time` `{shown}` is not a time with an offset ({e}); write it as RFC 3339, e.g. 2024-03-01T10:00:00Z")
    })?;
    if let Some(lifecycle) = &sent.lifecycle
        && !["start", "complete"].contains(&lifecycle.as_str())
    {
        let shown: String = lifecycle.chars().take(40).collect();
        return Err(format!(
            "`lifecycle` `{shown}` is neither `start` nor `complete`"
        ));
    }
    if let Some((name, _)) = sent
        .attributes
        .iter()
        .find(|(_, v)| v.is_object() || v.is_array())
    {
        let shown: String = name.chars().take(40).collect();
        return Err(format!(
            "attribute `{shown}` is not a text, number or boolean; send attributes as {{\"name\": \"value\"}}"
        ));
    }
    Ok(serde_json::json!({
        "case": sent.case,
        "activity": sent.activity,
        "timestamp": time.to_string(),
        "lifecycle": sent.lifecycle,
        "attributes": sent.attributes,
    })
    .to_string())
}

/// The generic events' log as the JSON Lines reader takes it: each line's attributes laid out
/// as fields, `wanted` on every line (the reader takes its fields from the first line), so that
/// a map's rules can match on them.
pub fn flattened(log: &Path, wanted: &[String]) -> std::io::Result<impl Read + Send + use<>> {
    let lines = BufReader::new(std::fs::File::open(log)?).lines();
    let wanted = wanted.to_vec();
    Ok(Flattened {
        lines,
        wanted,
        buffer: Vec::new(),
        at: 0,
    })
}

struct Flattened {
    lines: std::io::Lines<BufReader<std::fs::File>>,
    wanted: Vec<String>,
    buffer: Vec<u8>,
    at: usize,
}

impl Read for Flattened {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.buffer.len() {
            let Some(line) = self.lines.next().transpose()? else {
                return Ok(0);
            };
            let mut stored: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&line).map_err(std::io::Error::other)?;
            let attributes = stored.remove("attributes");
            for name in &self.wanted {
                let value = attributes
                    .as_ref()
                    .and_then(|a| a.get(name))
                    .cloned()
                    .unwrap_or(serde_json::Value::Null);
                stored.entry(name.clone()).or_insert(value);
            }
            self.buffer = serde_json::to_vec(&stored).map_err(std::io::Error::other)?;
            self.buffer.push(b'\n');
            self.at = 0;
        }
        let n = out.len().min(self.buffer.len() - self.at);
        out[..n].copy_from_slice(&self.buffer[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generic_event_is_checked_and_laid_out_for_the_reader() {
        let line = event_line(
            r#"{"id": "e1", "case": "42", "activity": "review", "time": "2024-03-01T11:00:00+01:00", "attributes": {"team": "web"}}"#,
        )
        .unwrap();
        assert!(
            line.contains(r#""timestamp":"2024-03-01T10:00:00Z""#),
            "{line}"
        );
        for (body, said) in [
            (
                r#"{"id": "e1", "case": "42", "activity": "a", "time": "yesterday"}"#,
                "`yesterday`",
            ),
            (
                r#"{"id": "e1", "case": "", "activity": "a", "time": "2024-03-01T10:00:00Z"}"#,
                "`case` is empty",
            ),
            (
                r#"{"id": "e1", "case": "1", "activity": "a", "time": "2024-03-01T10:00:00Z", "lifecycle": "begin"}"#,
                "`begin`",
            ),
            (
                r#"{"id": "e1", "case": "1", "activity": "a", "time": "2024-03-01T10:00:00Z", "attributes": {"x": [1]}}"#,
                "`x`",
            ),
            (r#"{"case": "1"}"#, "missing field"),
            ("not json", "such as"),
        ] {
            let problem = event_line(body).unwrap_err();
            assert!(problem.contains(said), "{body}: {problem}");
        }
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join(LOG);
        std::fs::write(&log, format!("{line}\n{}\n", event_line(r#"{"id": "e2", "case": "42", "activity": "merge", "time": "2024-03-01T12:00:00Z"}"#).unwrap())).unwrap();
        let mut text = String::new();
        flattened(&log, &["team".to_string()])
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows[0]["team"], "web");
        assert_eq!(rows[1]["team"], serde_json::Value::Null);
        assert_eq!(rows[1]["activity"], "merge");
    }
}
