//! Jira's saved responses: a folder of recorded pages, read for the board or the search asked.

use std::collections::HashMap;
use std::path::Path;

use vsm_events::{Batch, Value};

use super::live::jql;
use super::{Query, Statuses, changelog, issues, statuses};
use crate::collect::{Collector, Report};
use crate::decode::ParseError;
use crate::saved::{Saved, SavedPage, add_pages, each_page, skipped};

/// Reads a folder of saved Jira responses laid out as the recorded data: `status/`, `issues/` and
/// `issue_changelogs/`, each of `page-NNN.json` files, with their request paths in
/// `api-pages.json` (see [`crate::INDEX`]). Only the issue pages of the `query` asked are read: a
/// board's (`/rest/agile/1.0/board/N/issue`) or, since JQL cannot be run on saved pages, a
/// search's saved with the same JQL (the clause `updated >= ...` of an incremental run aside). A
/// query no page is of is refused, naming what the folder holds. A changelog page (its issue from
/// its request path) of an issue no page read holds is skipped and counted.
pub fn from_dir(dir: &Path, query: &Query) -> Result<(Batch, Report), ParseError> {
    let saved = Saved::open(dir)?;
    let mut asked = Vec::new();
    let mut held: Vec<Query> = Vec::new();
    for page in saved.pages("issues")? {
        let Some(of) = page.request.as_deref().and_then(asked_by) else {
            return Err(unplaced(&page));
        };
        if same(&of, query) {
            asked.push(page);
        } else if !held.contains(&of) {
            held.push(of);
        }
    }
    if asked.is_empty() && !held.is_empty() {
        return Err(not_held(dir, query, &held));
    }
    let mut known = Statuses::default();
    for page in saved.pages("status")? {
        known.extend(statuses(&page.bytes).map_err(|e| e.in_file(&page.name))?);
    }
    let mut into = Collector::new();
    if asked.is_empty() {
        // A folder without issue pages: the caller says it holds no Jira responses.
        return Ok(into.finish());
    }
    add_pages(asked, &mut into, |page| issues(&page.bytes, &known))?;
    let mut keys: HashMap<String, String> = HashMap::new();
    for object in &into.batch().objects {
        let attribute = |name: &str| match object.attributes.iter().find(|(n, _)| n == name) {
            Some((_, Value::Text(value))) => Some(value.clone()),
            _ => None,
        };
        if let Some(key) = attribute("key") {
            if let Some(id) = attribute("jira_id") {
                keys.insert(id, key.clone());
            }
            keys.insert(key.clone(), key);
        }
    }
    each_page(&saved, "issue_changelogs", &mut into, |page| {
        let issue = page.segment_after("issue", "issue")?;
        match keys.get(issue) {
            Some(key) => changelog(&page.bytes, key, &known),
            None => {
                let parsed = changelog(&page.bytes, issue, &known)?;
                let reason = format!(
                    "changelog entries of issue {}, which no saved issue page of {} holds",
                    crate::decode::bounded(issue),
                    described(query)
                );
                Ok(skipped(&parsed, &reason))
            }
        }
    })?;
    Ok(into.finish())
}

/// What a saved issue page answered, from its request path: a board's issues, or a search's
/// (its JQL without the clause an incremental run adds); none for another request.
fn asked_by(request: &str) -> Option<Query> {
    let path = request.split('?').next().unwrap_or_default();
    if let Some(at) = path.find("/rest/agile/") {
        let segments: Vec<&str> = path[at..].split('/').collect();
        return match segments.as_slice() {
            ["", "rest", "agile", _, "board", board, "issue"] => {
                board.parse().ok().map(Query::Board)
            }
            _ => None,
        };
    }
    let search = [
        "/rest/api/2/search",
        "/rest/api/3/search",
        "/rest/api/3/search/jql",
    ]
    .iter()
    .any(|end| path.ends_with(end));
    search.then(|| {
        let jql = crate::url::param(request, "jql").unwrap_or_default();
        Query::Jql(without_since(&jql))
    })
}

/// A fetch's JQL without the clause [`jql`] adds for an incremental run.
fn without_since(text: &str) -> String {
    let text = text.trim();
    const SINCE: &str = "updated >= '";
    let (filter, rest) = match text.strip_prefix(SINCE) {
        Some(rest) => ("", rest),
        None => match text
            .strip_prefix('(')
            .and_then(|t| t.rsplit_once(&format!(") AND {SINCE}")))
        {
            Some(parts) => parts,
            None => return text.to_string(),
        },
    };
    match rest.split_once('\'') {
        Some((_, order)) => format!("{filter} {}", order.trim()).trim().to_string(),
        None => text.to_string(),
    }
}

/// Whether a saved page of `saved` answers the `asked` query: the same board, or the same JQL
/// (spaces aside).
fn same(saved: &Query, asked: &Query) -> bool {
    let words = |query: &Query| {
        jql(query, None)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    match (saved, asked) {
        (Query::Board(saved), Query::Board(asked)) => saved == asked,
        (Query::Jql(_), Query::Jql(_)) => words(saved) == words(asked),
        _ => false,
    }
}

/// `board 8`, ``the search `project = EE` ``.
fn described(query: &Query) -> String {
    match query {
        Query::Board(board) => format!("board {board}"),
        Query::Jql(text) => format!("the search `{}`", crate::decode::bounded(text)),
    }
}

fn unplaced(page: &SavedPage) -> ParseError {
    let found = match &page.request {
        Some(request) => format!(
            "its request `{}` is neither a board's issues nor a search",
            crate::decode::bounded(request)
        ),
        None => format!("it has no request path in {}", crate::INDEX),
    };
    ParseError::new(
        Some(page.name.clone()),
        format!("cannot tell which board or search this issue page is of: {found}"),
        format!(
            "list the file with its request path (`/rest/agile/1.0/board/N/issue?...` or `/rest/api/2/search?jql=...`) in {}, as the recorded data does",
            crate::INDEX
        ),
    )
}

/// The error of a query no saved issue page is of, naming what the folder's pages are of.
fn not_held(dir: &Path, query: &Query, held: &[Query]) -> ParseError {
    let held_list = held.iter().map(described).collect::<Vec<_>>().join(", ");
    let boards: Vec<String> = held
        .iter()
        .filter_map(|q| match q {
            Query::Board(board) => Some(format!("`--board {board}`")),
            Query::Jql(_) => None,
        })
        .collect();
    let searches: Vec<String> = held
        .iter()
        .filter_map(|q| match q {
            Query::Jql(text) => Some(format!("`--jql '{}'`", crate::decode::bounded(text))),
            Query::Board(_) => None,
        })
        .collect();
    let choices = [boards, searches].concat().join(" or ");
    let (problem, fix) = match query {
        Query::Board(board) => (
            format!(
                "holds no saved issue page of board {board}; its issue pages are of {held_list}"
            ),
            format!(
                "pass {choices} to read what the folder holds, or give the folder of board {board}'s saved responses"
            ),
        ),
        Query::Jql(text) => (
            format!(
                "holds no saved issue page of the search `{}`, and JQL cannot be run on saved responses: only a search saved with the same query (`/rest/api/2/search` or `/rest/api/3/search/jql`, its `jql` alike) can be read; its issue pages are of {held_list}",
                crate::decode::bounded(text)
            ),
            format!(
                "pass {choices} to read what the folder holds, or fetch the query live with `--api-url`"
            ),
        ),
    };
    ParseError::new(Some(dir.display().to_string()), problem, fix)
}
