//! Sources of the event store: what git, GitHub, GitLab and Jira know about the delivery of work,
//! read into the objects, events and links of [`vsm_events`]. Sources never write the store
//! themselves (the application does).
//!
//! Each source parses one page of a response at a time (the bytes the API returned and what the
//! page is about: the repository, the pull request), so a client can feed pages as they arrive;
//! a [`Collector`] gathers the pages into one batch, keeping what was read twice once. Each
//! source's `from_dir` reads a folder of saved responses laid out as the recorded data, and its
//! `fetch` asks the live API through a [`Client`] (pagination, rate limits, retries, a
//! [`Cursor`] for incremental runs). Parsing is pure: no network, no clock; the same pages give
//! the same batch.
//!
//! How each field becomes an object, an event or a link is in `docs/sources.md`.
#![forbid(unsafe_code)]

mod collect;
mod decode;
pub mod deployments;
pub mod flagged;
pub mod git;
pub mod github;
pub mod gitlab;
mod hook;
mod http;
pub mod incidents;
pub mod jira;
mod live;
pub mod pattern;
mod refs;
mod saved;
pub mod shipped;
pub mod table;
mod url;

pub use collect::{Collector, Page, Report};
pub use decode::{MAX_TEXT, ParseError};
pub use hook::{Hook, settle};
pub use http::{ATTEMPTS, Client, FetchError, MAX_BODY, MAX_PAGES, MAX_WAIT, Progress, Token};
pub use live::Cursor;
pub use refs::MAX_MENTIONS;
pub use saved::INDEX;

use jiff::Timestamp;
use vsm_events::{EventType, ObjectType};

use crate::collect::text;

/// The store's id of a commit, `git:<full hash>`, the same whichever source names it; none for
/// something that is not a full SHA-1 or SHA-256 hash.
pub fn commit_id(sha: &str) -> Option<String> {
    let full = matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_hexdigit());
    full.then(|| format!("git:{}", sha.to_ascii_lowercase()))
}

/// What a source knows of a commit.
struct CommitSeen<'a> {
    sha: &'a str,
    message: Option<&'a str>,
    author: Option<&'a str>,
    authored: Option<Timestamp>,
    committer: Option<&'a str>,
    committed: Option<Timestamp>,
}

/// Adds a commit object (its title is the message's first line) with its authored event (the
/// `author`) and committed event (the `committer`, as git's are), and returns its id; a hash that
/// is not a full one is skipped and counted.
fn commit(into: &mut Collector, seen: &CommitSeen) -> Option<String> {
    let Some(id) = commit_id(seen.sha) else {
        into.skip("a commit hash that is not a full hash");
        return None;
    };
    let title = seen.message.and_then(|m| m.lines().next());
    into.object(
        &id,
        ObjectType::Commit,
        vec![
            ("title", text(title)),
            ("author", text(seen.author)),
            ("committer", text(seen.committer)),
        ],
    );
    for (time, kind, what, who, person) in [
        (
            seen.authored,
            EventType::CommitAuthored,
            "authored",
            "author",
            seen.author,
        ),
        (
            seen.committed,
            EventType::CommitCommitted,
            "committed",
            "committer",
            seen.committer,
        ),
    ] {
        if let Some(time) = time {
            let attributes = vec![(who, text(person))];
            into.event(
                format!("{id}/{what}"),
                kind,
                time,
                attributes,
                vec![(&id, "commit")],
            );
        }
    }
    Some(id)
}

/// A commit known only by its hash (a merge commit, a run's head): an object with no attributes,
/// so that links to it have both ends.
fn commit_named(into: &mut Collector, sha: &str) -> Option<String> {
    let Some(id) = commit_id(sha) else {
        into.skip("a commit hash that is not a full hash");
        return None;
    };
    into.object(&id, ObjectType::Commit, Vec::new());
    Some(id)
}

/// What a source knows of a pull request (a GitLab merge request).
struct PullSeen<'a> {
    id: &'a str,
    number: u64,
    repository: &'a str,
    title: Option<&'a str>,
    body: Option<&'a str>,
    url: Option<&'a str>,
    author: Option<&'a str>,
    state: Option<&'a str>,
    branch: Option<&'a str>,
    target_branch: Option<&'a str>,
    draft: Option<bool>,
    opened: Timestamp,
    merged: Option<Timestamp>,
    merge_commit: Option<&'a str>,
    closed: Option<Timestamp>,
    /// The issues `#N` names: `github:OWNER/REPO/issues`.
    issues: &'a str,
}

/// Adds a pull request, opened, then merged (its merge commit linked `merged_as`) or closed, with
/// the issues its title, branch or body names as its `mentions`.
fn pull_request(into: &mut Collector, seen: &PullSeen) {
    let id = seen.id;
    into.object(
        id,
        ObjectType::PullRequest,
        vec![
            ("number", collect::integer(seen.number)),
            ("title", text(seen.title)),
            ("url", text(seen.url)),
            ("repository", text(Some(seen.repository))),
            ("author", text(seen.author)),
            ("state", text(seen.state)),
            ("branch", text(seen.branch)),
            ("target_branch", text(seen.target_branch)),
            ("draft", seen.draft.map(vsm_events::Value::Bool)),
            // Given even when empty: mentions edited away are taken away.
            ("mentions", Some(vsm_events::Value::Text(mentions(seen)))),
        ],
    );
    // The list gives the pull request in full: a merge commit corrected (a force-push, a
    // revert and merge again) replaces the old one. Its commits page only adds `contains`.
    into.read_in_full(id, &["merged_as"]);
    let mut objects = vec![(id, "pull_request")];
    let by = vec![("author", text(seen.author))];
    into.event(
        format!("{id}/opened"),
        EventType::PrOpened,
        seen.opened,
        by,
        objects.clone(),
    );
    if let Some(time) = seen.merged {
        let commit = seen.merge_commit.and_then(|sha| commit_named(into, sha));
        if let Some(commit) = &commit {
            objects.push((commit, "merge_commit"));
            into.relation(id, commit, "merged_as");
        }
        into.event(
            format!("{id}/merged"),
            EventType::PrMerged,
            time,
            Vec::new(),
            objects,
        );
    } else if let Some(time) = seen.closed {
        into.event(
            format!("{id}/closed"),
            EventType::PrClosed,
            time,
            Vec::new(),
            objects,
        );
    }
}

/// The qualifier of the links from an issue to the pull requests that name it.
pub const IMPLEMENTED_BY: &str = "implemented_by";

/// The issues a pull request's title, branch or body names, as store ids separated by spaces
/// (`github:o/r/issues/7 jira:PROJ-9`): its `mentions` attribute, from which the store's
/// `implemented_by` links are made once the issues are in it ([`mentioned_links`]), whichever
/// was fetched first.
fn mentions(seen: &PullSeen) -> String {
    let found =
        refs::mentions(&[seen.title, seen.branch, seen.body].map(Option::unwrap_or_default));
    let numbers = found
        .numbers
        .iter()
        .map(|number| format!("{}/{number}", seen.issues));
    let keys = found.keys.iter().map(|key| format!("jira:{key}"));
    numbers.chain(keys).collect::<Vec<_>>().join(" ")
}

/// The `implemented_by` links (issue, pull request) that pull requests' `mentions` give.
pub fn mentioned_links<'a>(
    mentions: impl IntoIterator<Item = &'a (String, String)>,
) -> std::collections::BTreeSet<(String, String)> {
    mentions
        .into_iter()
        .flat_map(|(pull_request, issues)| {
            issues
                .split_whitespace()
                .map(|issue| (issue.to_string(), pull_request.clone()))
        })
        .collect()
}

/// A pull request known only by its number (on its reviews or commits page).
fn pull_request_named(into: &mut Collector, id: &str, number: u64) {
    into.object(
        id,
        ObjectType::PullRequest,
        vec![("number", collect::integer(number))],
    );
}

/// Adds a review of `pull_request` with its `state` (approved, changes_requested, commented,
/// dismissed); an approval or a change request is also an event of its own, `ID/STATE`.
fn review(
    into: &mut Collector,
    pull_request: &str,
    id: &str,
    time: Timestamp,
    state: &str,
    reviewer: Option<&str>,
) {
    let objects = vec![(pull_request, "pull_request")];
    let attributes = vec![("state", text(Some(state))), ("reviewer", text(reviewer))];
    let verdict = match state {
        "approved" => Some(EventType::PrApproved),
        "changes_requested" => Some(EventType::PrChangesRequested),
        _ => None,
    };
    into.event(
        id.to_string(),
        EventType::ReviewSubmitted,
        time,
        attributes,
        objects.clone(),
    );
    if let Some(kind) = verdict {
        let attributes = vec![("reviewer", text(reviewer))];
        into.event(format!("{id}/{state}"), kind, time, attributes, objects);
    }
}
