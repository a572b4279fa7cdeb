//! A stream's pull sources on its page: what each reads, how its last run went (or why it
//! failed, with the fix) and when it runs next; never its token, only the variable's name.

use crate::App;
use crate::api::time;
use crate::pulls::Outcome;

/// One pull source, for people.
pub(super) struct PullRow {
    pub name: String,
    pub what: String,
    pub last: String,
    pub failed: bool,
    pub next: String,
}

/// The stream's pull sources, by name; none when they cannot be read (the page still shows).
pub(super) async fn rows(app: &App, stream: &str) -> Vec<PullRow> {
    let pulls = match app.store.pulls(stream).await {
        Ok(pulls) => pulls,
        Err(error) => {
            tracing::warn!(%stream, %error, "cannot read the pull sources for the page");
            return Vec::new();
        }
    };
    pulls
        .into_iter()
        .map(|p| {
            let outcome: Option<Outcome> = p
                .state
                .outcome
                .as_deref()
                .and_then(|o| serde_json::from_str(o).ok());
            let when = p.state.last_run_at.map(time).unwrap_or_default();
            let (last, failed) = match outcome {
                None => ("not run yet".to_string(), false),
                Some(o) if o.ok => (
                    format!(
                        "{when}: {} pages read, {} stored, {} unchanged",
                        o.pages, o.stored, o.unchanged
                    ),
                    false,
                ),
                Some(o) => (
                    format!(
                        "{when}: failed ({} in a row): {}",
                        p.state.failures,
                        crate::pulls::one_line(&o.error.unwrap_or_default())
                    ),
                    true,
                ),
            };
            PullRow {
                what: format!(
                    "{} {} from {}, every {} min, token in {}",
                    p.provider,
                    p.target,
                    p.api_url,
                    p.interval / 60,
                    p.token_env
                ),
                name: p.name,
                last,
                failed,
                next: time(p.state.next_due),
            }
        })
        .collect()
}
