//! A stream's pull sources through the sources API: made by its admins with what to fetch,
//! from which API, how often, and the name of the environment variable holding the token;
//! listed with their state (cursor, last run and its outcome, next run); pulled now on demand.
//! See [`crate::pulls`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiError, ErrorBody, time};
use crate::App;
use crate::auth::Caller;
use crate::pulls::{MAX_INTERVAL_MINUTES, MIN_INTERVAL_MINUTES, Outcome, TOKEN_ENV_PREFIX};
use crate::store::{Provider, Pull, PullState, Role};

/// What a pull source reads (with `kind: "pull"`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPull {
    pub provider: Provider,
    /// GitHub: `OWNER/REPO`; GitLab: the project's path or id; Jira: a board's number or a
    /// JQL query.
    pub target: String,
    /// The API's base URL: GitHub's `https://api.github.com` and GitLab's
    /// `https://gitlab.com/api/v4` by default; Jira's site has none.
    pub api_url: Option<String>,
    /// Minutes between pulls, 5 to 10080 (a week); 60 by default.
    pub interval_minutes: Option<i64>,
    /// The NAME of the environment variable of the server processes that holds the token,
    /// starting with `VSM_PULL_` (default `VSM_PULL_GITHUB_TOKEN`, `..._GITLAB_...`,
    /// `..._JIRA_...`). The token itself is never sent here, and never kept.
    pub token_env: Option<String>,
    /// Jira Cloud only: the account (its e-mail) the token belongs to, sent with the token as
    /// basic auth. Leave it out for Jira Server and Data Center (a bearer token), GitHub and
    /// GitLab.
    pub user: Option<String>,
}

/// A pull source, with its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct PullBody {
    pub provider: Provider,
    pub target: String,
    pub api_url: String,
    pub interval_minutes: i64,
    pub token_env: String,
    /// The account the token belongs to (Jira Cloud).
    pub user: Option<String>,
    /// Whether the token's variable is set in the server process that answered.
    pub token_set: bool,
    /// Where the next run starts: the latest update time the last runs read (RFC 3339).
    pub cursor: Option<String>,
    /// When the last run ended (RFC 3339).
    pub last_run_at: Option<String>,
    /// What the last run did, or why it failed and how to fix it.
    pub outcome: Option<Outcome>,
    /// When it runs next (RFC 3339).
    pub next_run_at: String,
    /// Runs failed in a row (each waits twice as long as the one before).
    pub failures: i64,
}

impl PullBody {
    pub fn of(app: &App, pull: &Pull) -> PullBody {
        PullBody {
            provider: pull.provider,
            target: pull.target.clone(),
            api_url: pull.api_url.clone(),
            interval_minutes: pull.interval / 60,
            token_env: pull.token_env.clone(),
            user: pull.user.clone(),
            token_set: app.settings.environment.get(&pull.token_env).is_some(),
            cursor: pull.state.cursor.clone(),
            last_run_at: pull.state.last_run_at.map(time),
            outcome: pull
                .state
                .outcome
                .as_deref()
                .and_then(|o| serde_json::from_str(o).ok()),
            next_run_at: time(pull.state.next_due),
            failures: pull.state.failures,
        }
    }
}

fn invalid(message: String) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// The pull source `new` asks for, named `name`, due at once; 422 naming the field for what
/// cannot be used, 403 from someone not a server admin: a pull reads with a token of the
/// server's, which may read more than the stream's own repositories (another team's private
/// one), so only those who run the server choose what it reads.
pub fn pull_of(caller: &Caller, name: String, new: Option<NewPull>) -> Result<Pull, ApiError> {
    if !caller.user.admin {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "a pull source reads with a token of the server's (`VSM_PULL_...` in its environment), which may read other teams' repositories too: only a server admin may make one; ask a server admin, or send this stream's events by webhook (a `github`, `gitlab` or `events` source)".to_string(),
        ));
    }
    let Some(new) = new else {
        return Err(invalid(
            "a pull source needs `pull`: {\"provider\": \"github\", \"target\": \"OWNER/REPO\", \"interval_minutes\": 60, \"token_env\": \"VSM_PULL_GITHUB_TOKEN\"}".into(),
        ));
    };
    let target = new.target.trim().to_string();
    check_target(new.provider, &target)?;
    let public = match new.provider {
        Provider::Github => Some(vsm_fetch::github::API_URL),
        Provider::Gitlab => Some(vsm_fetch::gitlab::API_URL),
        Provider::Jira => None,
    };
    let api_url = match (new.api_url, public) {
        (Some(url), _) => url.trim().trim_end_matches('/').to_string(),
        (None, Some(public)) => public.to_string(),
        (None, None) => {
            return Err(invalid(
                "`pull.api_url` is needed for Jira: give the site's address, e.g. https://jira.example.com".into(),
            ));
        }
    };
    check_url(&api_url)?;
    let minutes = new.interval_minutes.unwrap_or(60);
    if !(MIN_INTERVAL_MINUTES..=MAX_INTERVAL_MINUTES).contains(&minutes) {
        return Err(invalid(format!(
            "`pull.interval_minutes` {minutes} is out of range: pull every {MIN_INTERVAL_MINUTES} to {MAX_INTERVAL_MINUTES} minutes (a week)"
        )));
    }
    let token_env = new.token_env.unwrap_or_else(|| {
        format!(
            "{TOKEN_ENV_PREFIX}{}_TOKEN",
            new.provider.as_str().to_ascii_uppercase()
        )
    });
    check_token_env(&token_env)?;
    let user = new.user.map(|user| user.trim().to_string());
    if let Some(user) = &user {
        check_user(new.provider, user)?;
    }
    let now = crate::now();
    Ok(Pull {
        name,
        provider: new.provider,
        target,
        api_url,
        token_env,
        user,
        interval: minutes * 60,
        created_at: now,
        state: PullState {
            next_due: now,
            ..PullState::default()
        },
    })
}

/// At most this many characters of a value quoted in an error.
fn shown(text: &str) -> String {
    vsm_core::diagnostic::shorten(text).into_owned()
}

fn check_target(provider: Provider, target: &str) -> Result<(), ApiError> {
    let path_like = |t: &str| {
        !t.is_empty()
            && t.len() <= 300
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            && !t.starts_with('/')
            && !t.ends_with('/')
            && !t.contains("..")
    };
    let (fine, expected) = match provider {
        Provider::Github => (
            path_like(target) && target.matches('/').count() == 1,
            "`OWNER/REPO`, e.g. `panjf2000/ants`",
        ),
        Provider::Gitlab => (
            path_like(target),
            "the project's path or id, e.g. `group/project` or `278964`",
        ),
        Provider::Jira => (
            !target.is_empty() && target.len() <= 2000 && !target.chars().any(char::is_control),
            "a board's number (`8`) or a JQL query (`project = PROJ`)",
        ),
    };
    if fine {
        return Ok(());
    }
    Err(invalid(format!(
        "`pull.target` `{}` is not what a {provider} pull reads: give {expected}",
        shown(target)
    )))
}

fn check_url(url: &str) -> Result<(), ApiError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or_default());
    let fine = url.len() <= 300
        && host.is_some_and(|h| !h.is_empty() && !h.contains('@'))
        && !url.contains(['?', '#'])
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if fine {
        return Ok(());
    }
    Err(invalid(format!(
        "`pull.api_url` `{}` is not an API's address: give `https://HOST/...` without a user, query or spaces, e.g. https://api.github.com or https://HOST/api/v4",
        shown(url)
    )))
}

/// The account of a Jira Cloud token: an e-mail-like name (no `:`, which basic auth would read
/// as the end of the name, no spaces or control characters).
fn check_user(provider: Provider, user: &str) -> Result<(), ApiError> {
    if provider != Provider::Jira {
        return Err(invalid(format!(
            "`pull.user` is for Jira Cloud alone (its token goes with the account's e-mail): a {provider} pull sends its token by itself; leave `user` out"
        )));
    }
    let fine = !user.is_empty()
        && user.len() <= 254
        && !user.contains(':')
        && !user.chars().any(|c| c.is_whitespace() || c.is_control());
    if fine {
        return Ok(());
    }
    Err(invalid(format!(
        "`pull.user` `{}` is not an account name: give the e-mail the Jira Cloud token belongs to, e.g. `me@example.com`, without spaces or `:`",
        shown(user)
    )))
}

fn check_token_env(name: &str) -> Result<(), ApiError> {
    let fine = name.len() <= 100
        && name.starts_with(TOKEN_ENV_PREFIX)
        && name.len() > TOKEN_ENV_PREFIX.len()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if fine {
        return Ok(());
    }
    Err(invalid(format!(
        "`pull.token_env` `{}` cannot name the token's variable: name an environment variable starting with `{TOKEN_ENV_PREFIX}` in capitals, digits and `_` (e.g. `{TOKEN_ENV_PREFIX}GITHUB_TOKEN`), set in every server process; send the variable's name, never the token",
        shown(name)
    )))
}

/// Seconds after a run before a stream's admin (not a server admin) may ask for the next.
pub const ASK_SPACING: i64 = 60;

/// Makes a pull source due now (its stream's admins, once a minute after a run; server admins
/// at any time); this server looks at once, another replica may take it first. Answers the
/// source's state.
#[utoipa::path(
    post,
    path = "/api/streams/{stream}/sources/{source}/pull",
    tag = "webhooks",
    params(
        ("stream" = String, Path, description = "The stream's id"),
        ("source" = String, Path, description = "The pull source's name"),
    ),
    responses(
        (status = 202, body = PullBody, description = "Due now: it runs in a moment"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody, description = "No pull source by that name"),
        (status = 429, body = ErrorBody, description = "A stream's admin asked within a minute of the last run"),
    )
)]
pub async fn pull_now(
    State(app): State<App>,
    caller: Caller,
    Path((stream, name)): Path<(String, String)>,
) -> Result<(StatusCode, Json<PullBody>), ApiError> {
    caller.require(&app, &stream, Role::Admin).await?;
    let missing = || {
        ApiError::not_found(format!(
            "`{stream}` has no pull source `{}`; GET /api/streams/{stream}/sources lists them (a webhook source is not pulled: its sender posts)",
            shown(&name)
        ))
    };
    let now = crate::now();
    if !caller.user.admin {
        // A run spends the server's token's rate limit, shared by every stream: a stream's admin
        // may ask once a minute after a run; a server admin (who owns the token) at any time.
        let pulls = app.store.pulls(&stream).await?;
        let pull = pulls.iter().find(|p| p.name == name).ok_or_else(missing)?;
        if let Some(ran) = pull.state.last_run_at
            && now - ran < ASK_SPACING
        {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "`{}` last ran {} s ago: a stream's admin may ask for a pull {ASK_SPACING} s after the last run at the soonest (its runs share the server's token's rate limit); ask again in {} s",
                    shown(&name),
                    now - ran,
                    ASK_SPACING - (now - ran)
                ),
            ));
        }
    }
    if !app.store.pull_now(&stream, &name, now).await? {
        return Err(missing());
    }
    app.pulls_due.notify_one();
    tracing::info!(%stream, source = %name, by = %caller.user.name, "pull asked for now");
    let pulls = app.store.pulls(&stream).await?;
    let pull = pulls.iter().find(|p| p.name == name).ok_or_else(missing)?;
    Ok((StatusCode::ACCEPTED, Json(PullBody::of(&app, pull))))
}
