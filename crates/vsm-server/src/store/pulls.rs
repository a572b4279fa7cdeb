//! What the store keeps for scheduled pulls: each pull source of a stream (what to fetch, from
//! where, how often, and the NAME of the environment variable holding its token, never the token),
//! its state (cursor, last run and its outcome, when it is due next), and the lease a replica
//! holds while it runs it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The API a pull source reads, as `vsm fetch` does.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// GitHub's REST API: `target` is `OWNER/REPO`.
    Github,
    /// GitLab's REST API: `target` is the project's path (`group/project`) or id.
    Gitlab,
    /// Jira's REST API (Server or Data Center with a bearer token): `target` is a board's
    /// number or a JQL query.
    Jira,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Github, Provider::Gitlab, Provider::Jira];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Github => "github",
            Provider::Gitlab => "gitlab",
            Provider::Jira => "jira",
        }
    }

    pub fn parse(text: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pull source: what a stream's admin asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pull {
    pub name: String,
    pub provider: Provider,
    /// What to fetch: the repository, project, board or JQL query, as `vsm fetch` takes it.
    pub target: String,
    /// The API's base URL.
    pub api_url: String,
    /// The name of the environment variable (of each server process) holding the token.
    pub token_env: String,
    /// The account the token belongs to, sent with it as basic auth (Jira Cloud).
    pub user: Option<String>,
    /// Seconds between pulls.
    pub interval: i64,
    pub created_at: i64,
    pub state: PullState,
}

/// Where a pull source is: kept by the replica that ran it last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullState {
    /// Where the next run starts (RFC 3339), as `vsm fetch` keeps it.
    pub cursor: Option<String>,
    /// When it last finished a run (Unix seconds).
    pub last_run_at: Option<i64>,
    /// What the last run did (the JSON of [`crate::pulls::Outcome`]).
    pub outcome: Option<String>,
    /// When it is due next (Unix seconds).
    pub next_due: i64,
    /// Runs that failed in a row (it backs off on each).
    pub failures: i64,
}
