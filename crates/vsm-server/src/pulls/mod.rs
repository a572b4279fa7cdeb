//! Scheduled pulls: the server runs `vsm fetch` itself, on an interval per pull source, through
//! the same connectors (`vsm_app::fetch::live`), and stores what each run read as deliveries of
//! the source (see [`units`]), from which the stream's event store is made like from webhooks
//! (see [`crate::events`]).
//!
//! The server keeps no state of its own: the scheduler of every replica asks the store for the
//! sources that are due, takes one's lease with a conditional UPDATE (one replica gets it), runs
//! the blocking fetch on a blocking thread from the source's cursor, stores the units, then
//! writes the cursor, the outcome and when it is due next and frees the lease. A run that fails
//! says why with the fix (a token refused, a rate limit, a wrong URL) on the source and is tried
//! again later, waiting twice as long after each failure in a row. The token is read from the
//! environment variable the source names, in the process that runs it; it never reaches the
//! store, an answer, a page or a log.

pub mod units;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::App;
use crate::auth::secret;
use crate::store::{NewDelivery, Provider, Pull, PullState, Recorded, SourceKind};

/// The shortest interval between pulls of a source.
pub const MIN_INTERVAL_MINUTES: i64 = 5;
/// The longest: a week.
pub const MAX_INTERVAL_MINUTES: i64 = 7 * 24 * 60;
/// What token variables must be called: the server's operator puts the tokens meant for pulls
/// in such variables, so that no other variable of the server's (its database's password) can
/// be named by a stream's admin and sent to an API.
pub const TOKEN_ENV_PREFIX: &str = "VSM_PULL_";
/// How long a replica's lease on a source lasts unless renewed: a replica that died (or lost
/// its database) lets another run the source that much later.
pub const LEASE: Duration = Duration::from_mins(10);
/// How often a replica renews the lease of a run in flight (a fetch may wait out rate limits
/// for an hour and more).
pub const RENEW: Duration = Duration::from_mins(3);
/// Units stored in one transaction.
const CHUNK: usize = 500;
/// Pulls one replica runs at a time.
pub const RUNS_AT_ONCE: usize = 4;

/// Where tokens are read: the process's environment, or (tests) a fixed set.
#[derive(Clone, Default)]
pub struct Environment(Option<Arc<BTreeMap<String, String>>>);

impl Environment {
    /// These variables, in place of the process's.
    pub fn fixed(variables: impl IntoIterator<Item = (String, String)>) -> Environment {
        Environment(Some(Arc::new(variables.into_iter().collect())))
    }

    /// The value of `name`, if set and not blank.
    pub fn get(&self, name: &str) -> Option<String> {
        let value = match &self.0 {
            Some(fixed) => fixed.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|v| !v.trim().is_empty())
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("Environment(process)"),
            Some(fixed) => f.debug_list().entries(fixed.keys()).finish(),
        }
    }
}

/// What a pull's last run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outcome {
    /// Whether it read everything and stored it.
    pub ok: bool,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// Response pages read.
    pub pages: usize,
    /// Items the pages held.
    pub items: usize,
    /// Objects and events read.
    pub objects: usize,
    pub events: usize,
    /// Units (an object with its events and links) stored now, changed since the last run.
    pub stored: usize,
    /// Units read again as they were stored: nothing stored for them.
    pub unchanged: usize,
    /// Why it failed, with how to fix it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Finds due pulls and runs them until `stop` says so, up to [`RUNS_AT_ONCE`] at a time (a
/// source whose API is slow or waits out rate limits for hours holds up no other): a run in
/// flight is let go (its lease freed, its fetch left to end on its own thread, nothing of it
/// stored).
pub async fn schedule(app: App, mut stop: tokio::sync::watch::Receiver<bool>) {
    let Some(every) = app.settings.pull_check else {
        return;
    };
    let owner = secret::random_hex(12);
    tracing::info!(every_seconds = every.as_secs(), "pull scheduler started");
    let mut running = tokio::task::JoinSet::new();
    while !stopping(&stop) {
        while running.try_join_next().is_some() {}
        let room = RUNS_AT_ONCE.saturating_sub(running.len());
        let due = match app.store.due_pulls(crate::now(), room).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "cannot read which pull sources are due");
                Vec::new()
            }
        };
        for (stream, name) in due.into_iter().take(room) {
            if stopping(&stop) {
                break;
            }
            let now = crate::now();
            let until = now.saturating_add(LEASE.as_secs() as i64);
            let pull = match app
                .store
                .claim_pull(&stream, &name, &owner, now, until)
                .await
            {
                Ok(Some(pull)) => pull,
                Ok(None) => continue,
                Err(error) => {
                    tracing::warn!(%stream, source = %name, %error, "cannot take a pull source's lease");
                    continue;
                }
            };
            let (app, owner, mut stop) = (app.clone(), owner.clone(), stop.clone());
            running.spawn(async move {
                let state = held(&app, &owner, &stream, &pull, &mut stop).await;
                if let Err(error) = app.store.finish_pull(&stream, &name, &owner, &state).await {
                    tracing::warn!(%stream, source = %name, %error, "cannot save a pull's outcome");
                }
            });
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = app.pulls_due.notified() => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = stop.changed() => {}
        }
    }
    // Each run in flight sees the stop too, and frees its lease.
    while running.join_next().await.is_some() {}
    tracing::info!("pull scheduler stopped");
}

/// Runs `pull` while renewing its lease; its state as it was when the stop comes first, or
/// when the lease was lost (another replica took it: the run is let go).
async fn held(
    app: &App,
    owner: &str,
    stream: &str,
    pull: &Pull,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> PullState {
    let running = run(app, stream, pull);
    tokio::pin!(running);
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + RENEW, RENEW);
    loop {
        tokio::select! {
            state = &mut running => return state,
            _ = stop.changed() => return pull.state.clone(),
            _ = renew.tick() => {
                let until = crate::now().saturating_add(LEASE.as_secs() as i64);
                match app.store.renew_pull(stream, &pull.name, owner, until).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(%stream, source = %pull.name, "a pull's lease was lost: another replica runs it");
                        return pull.state.clone();
                    }
                    Err(error) => {
                        tracing::warn!(%stream, source = %pull.name, %error, "cannot renew a pull's lease");
                    }
                }
            }
        }
    }
}

/// Whether the scheduler is told to stop (or whoever could tell it is gone).
fn stopping(stop: &tokio::sync::watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Runs one pull and says the source's state after it.
pub async fn run(app: &App, stream: &str, pull: &Pull) -> PullState {
    let started = crate::now();
    let mut outcome = Outcome {
        started_at: crate::api::time(started),
        ..Outcome::default()
    };
    let mut state = pull.state.clone();
    let fetched = fetch_and_store(app, stream, pull, &mut outcome).await;
    let finished = crate::now();
    match fetched {
        Ok(cursor) => {
            outcome.ok = true;
            state.cursor = cursor.or(state.cursor);
            state.failures = 0;
            state.next_due = finished.saturating_add(pull.interval);
            tracing::info!(%stream, source = %pull.name, pages = outcome.pages, stored = outcome.stored, unchanged = outcome.unchanged, "pulled");
        }
        Err(error) => {
            state.failures = state.failures.saturating_add(1);
            state.next_due = finished.saturating_add(backoff(pull.interval, state.failures));
            tracing::warn!(%stream, source = %pull.name, failures = state.failures, error = %one_line(&error), "a pull failed");
            outcome.error = Some(error);
        }
    }
    state.last_run_at = Some(finished);
    state.outcome = serde_json::to_string(&outcome).ok();
    state
}

/// The wait after `failures` failed runs in a row: the interval, then twice as long after each
/// further failure, up to a day (or the interval, if longer).
pub fn backoff(interval: i64, failures: i64) -> i64 {
    let doubled = interval.saturating_mul(1i64 << (failures - 1).clamp(0, 20));
    doubled.min(interval.max(24 * 3600))
}

/// Fetches from the source's cursor on and stores the units that changed; answers the cursor
/// the next run starts from.
async fn fetch_and_store(
    app: &App,
    stream: &str,
    pull: &Pull,
    outcome: &mut Outcome,
) -> Result<Option<String>, String> {
    let secret = app.settings.environment.get(&pull.token_env).ok_or_else(|| {
        format!(
            "no token in the environment variable {0} of the server process that ran the pull\n  help: set {0} to an API token that can read `{1}` in the environment of every `vsm serve` process (then restart it), or make the source again naming the variable that holds it",
            pull.token_env, pull.target
        )
    })?;
    let since = pull
        .state
        .cursor
        .as_deref()
        .and_then(|c| c.parse::<jiff::Timestamp>().ok());
    let (provider, target) = (pull.provider, pull.target.clone());
    let mut token = vsm_fetch::Token::new(pull.token_env.clone(), secret);
    if let Some(user) = &pull.user {
        token = token.with_user(user);
    }
    let guard = token.clone();
    let client = vsm_fetch::Client::new(&pull.api_url, token);
    let (batch, report, cursor) = tokio::task::spawn_blocking(move || {
        let hosted = match provider {
            Provider::Github => vsm_app::fetch::Hosted::GitHub { repo: &target },
            Provider::Gitlab => vsm_app::fetch::Hosted::GitLab { project: &target },
            Provider::Jira => vsm_app::fetch::Hosted::Jira {
                query: jira_query(&target),
                edition: None,
            },
        };
        vsm_app::fetch::live(&hosted, &client, since, &mut |_| {})
    })
    .await
    .map_err(|e| format!("the pull stopped: {e}"))?
    .map_err(|e| guard.scrub(&e.to_string()))?;
    outcome.pages = report.pages;
    outcome.items = report.items;
    outcome.objects = batch.objects.len();
    outcome.events = batch.events.len();
    let units = units::split(&batch)?;
    // The stream's members read what is stored: an API that answers the token back in its
    // data (a hostile or broken server) gets nothing of the run stored.
    if let Some((unit, _)) = units.iter().find(|(_, text)| guard.scrub(text) != *text) {
        return Err(format!(
            "{} answered the token back in what it gave (in {}): nothing of this run is stored\n  help: check `api_url`: the provider's API never sends a token back",
            pull.api_url,
            guard.scrub(unit)
        ));
    }
    let (stored, unchanged) = store(app, stream, &pull.name, units).await?;
    outcome.stored = stored;
    outcome.unchanged = unchanged;
    Ok(cursor.since.map(|t| t.to_string()))
}

/// An error's lines (what went wrong, then `help: ...`) on one line, for a table cell or a log line.
pub fn one_line(error: &str) -> String {
    error
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A Jira target: a board's number, or a JQL query.
pub fn jira_query(target: &str) -> vsm_fetch::jira::Query {
    match target.trim().parse::<u64>() {
        Ok(board) => vsm_fetch::jira::Query::Board(board),
        Err(_) => vsm_fetch::jira::Query::Jql(target.to_string()),
    }
}

/// The units whose text differs from the one last stored for them (`before`: each one's latest
/// delivery id and how many it has), each as (delivery id, what it is, text), and how many are
/// unchanged. A delivery id is `HASH-N`: its text's SHA-256, and how many the same object or
/// event had before, so that a unit coming back to an earlier text is stored again.
fn changed(
    units: Vec<(String, String)>,
    before: Vec<(String, String, i64)>,
) -> (Vec<(String, String, String)>, usize) {
    let last: HashMap<String, (String, i64)> = before
        .into_iter()
        .map(|(key, id, n)| {
            let hash = id.split('-').next().unwrap_or_default().to_string();
            (key, (hash, n))
        })
        .collect();
    let mut new = Vec::new();
    let mut unchanged = 0;
    for (key, text) in units {
        let hash = secret::digest(&text);
        match last.get(&key) {
            Some((stored, _)) if *stored == hash => unchanged += 1,
            seen => {
                let n = seen.map_or(0, |(_, n)| *n);
                new.push((format!("{hash}-{n}"), key, text));
            }
        }
    }
    (new, unchanged)
}

/// Stores the units that [`changed`]; answers (stored, unchanged).
async fn store(
    app: &App,
    stream: &str,
    source: &str,
    units: Vec<(String, String)>,
) -> Result<(usize, usize), String> {
    let before = app
        .store
        .latest_deliveries(stream, source)
        .await
        .map_err(|e| e.to_string())?;
    let (new, mut unchanged) = changed(units, before);
    let mut stored = 0;
    for chunk in new.chunks(CHUNK) {
        let deliveries: Vec<NewDelivery<'_>> = chunk
            .iter()
            .map(|(id, key, text)| NewDelivery {
                delivery_id: id,
                event: key,
                body: text,
            })
            .collect();
        let recorded = app
            .store
            .record_deliveries(stream, source, SourceKind::Pull, &deliveries, crate::now())
            .await
            .map_err(|e| format!("storing what was pulled: {e}"))?;
        let new = recorded
            .iter()
            .filter(|r| matches!(r, Recorded::New(_)))
            .count();
        stored += new;
        unchanged += recorded.len() - new;
    }
    Ok((stored, unchanged))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_pull_waits_its_interval_then_twice_as_long_each_time_up_to_a_day() {
        let hour = 3600;
        let waits: Vec<i64> = (1..=7).map(|f| backoff(hour, f)).collect();
        assert_eq!(
            waits,
            [
                hour,
                2 * hour,
                4 * hour,
                8 * hour,
                16 * hour,
                24 * hour,
                24 * hour
            ]
        );
        let week = 7 * 24 * hour;
        assert_eq!(backoff(week, 5), week, "never sooner than its interval");
        assert_eq!(backoff(300, 1000), 24 * hour, "no overflow");
    }

    #[test]
    fn a_unit_is_stored_when_it_differs_from_its_latest_even_if_an_older_one_had_its_text() {
        let unit = |key: &str, text: &str| (key.to_string(), text.to_string());
        let (first, _) = changed(vec![unit("object pr", "open")], Vec::new());
        let open_id = first[0].0.clone();
        assert!(open_id.ends_with("-0"), "{open_id}");
        let (second, _) = changed(
            vec![unit("object pr", "closed")],
            vec![("object pr".into(), open_id.clone(), 1)],
        );
        let closed_id = second[0].0.clone();
        // Reopened: the text of the first delivery, stored again under a new id.
        let (third, unchanged) = changed(
            vec![unit("object pr", "open"), unit("object other", "same")],
            vec![
                ("object pr".into(), closed_id, 2),
                (
                    "object other".into(),
                    format!("{}-0", secret::digest("same")),
                    1,
                ),
            ],
        );
        assert_eq!(unchanged, 1, "the other unit read again as it was");
        assert_eq!(third.len(), 1);
        assert_ne!(third[0].0, open_id);
        assert!(third[0].0.ends_with("-2"), "{}", third[0].0);
    }

    #[test]
    fn a_fixed_environment_shows_names_never_values() {
        let environment = Environment::fixed([("VSM_PULL_X".to_string(), "s3cret".to_string())]);
        assert_eq!(environment.get("VSM_PULL_X").as_deref(), Some("s3cret"));
        assert_eq!(environment.get("VSM_PULL_Y"), None);
        let shown = format!("{environment:?}");
        assert!(
            shown.contains("VSM_PULL_X") && !shown.contains("s3cret"),
            "{shown}"
        );
    }
}
