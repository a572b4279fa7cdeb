//! Jira's REST responses: the site's statuses, issues with their changelogs (the board or search
//! endpoints with `expand=changelog`) and the per-issue changelog endpoint.
//!
//! Ids are `jira:KEY`. Every status change is an `issue_status_changed` event with `from`, `to`
//! and the `category` (To Do, In Progress, Done) of the status it moved to, looked up by id in
//! the status list; a status the list lacks (deleted since) gets category `unknown` and is
//! counted in [`Report::unknown_statuses`]. See `docs/sources.md`.

use std::collections::HashMap;
use std::path::Path;

use jiff::Timestamp;
use serde::Deserialize;
use vsm_events::{Batch, EventType, ObjectType, Value};

use crate::collect::{Collector, Page, Report, text};
use crate::decode::{ParseError, optional_time, parse, time};
use crate::http::{Client, FetchError, Paging, Progress, encode};
use crate::live::{Cursor, Fetch, Times};
use crate::saved::{Saved, SavedPage, add_pages, each_page, skipped};

/// The category of a status the status list lacks.
pub const UNKNOWN: &str = "unknown";

#[derive(Deserialize)]
struct Status {
    id: String,
    name: Option<String>,
    #[serde(rename = "statusCategory")]
    category: Option<Category>,
}

#[derive(Deserialize)]
struct Category {
    key: Option<String>,
}

/// The site's statuses: each id's name and category (To Do, In Progress, Done).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statuses {
    by_id: HashMap<String, (String, &'static str)>,
}

impl Statuses {
    /// The category of a status id: `To Do`, `In Progress`, `Done`, or [`UNKNOWN`].
    pub fn category(&self, id: &str) -> &'static str {
        self.by_id.get(id).map_or(UNKNOWN, |(_, category)| category)
    }

    /// A status's name, if the list has it.
    pub fn name(&self, id: &str) -> Option<&str> {
        self.by_id.get(id).map(|(name, _)| name.as_str())
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Adds another page of statuses.
    pub fn extend(&mut self, other: Statuses) {
        self.by_id.extend(other.by_id);
    }
}

/// `GET /rest/api/2/status`: the site's statuses. Categories are read from their key (`new`,
/// `indeterminate`, `done`), since their names are translated.
pub fn statuses(page: &[u8]) -> Result<Statuses, ParseError> {
    let list: Vec<Status> = parse(page, "Jira's status list (/rest/api/2/status)")?;
    let by_id = list
        .into_iter()
        .map(|status| {
            let category = match status.category.and_then(|c| c.key).as_deref() {
                Some("new") => "To Do",
                Some("indeterminate") => "In Progress",
                Some("done") => "Done",
                _ => UNKNOWN,
            };
            (status.id, (status.name.unwrap_or_default(), category))
        })
        .collect();
    Ok(Statuses { by_id })
}

#[derive(Deserialize)]
struct Issues {
    issues: Vec<Issue>,
}

#[derive(Deserialize)]
struct Issue {
    id: String,
    key: String,
    #[serde(rename = "self")]
    api_url: Option<String>,
    fields: Fields,
    changelog: Option<Changelog>,
}

#[derive(Deserialize)]
struct Fields {
    summary: Option<String>,
    #[serde(default, deserialize_with = "optional_time")]
    created: Option<Timestamp>,
    status: Option<Status>,
    issuetype: Option<Named>,
    project: Option<Project>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Project {
    key: Option<String>,
}

#[derive(Deserialize)]
struct Changelog {
    total: Option<usize>,
    #[serde(default)]
    histories: Vec<History>,
}

#[derive(Deserialize)]
struct ChangelogPage {
    values: Vec<History>,
}

#[derive(Deserialize)]
struct History {
    id: String,
    #[serde(deserialize_with = "time")]
    created: Timestamp,
    author: Option<Author>,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Author {
    #[serde(rename = "displayName")]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    field: Option<String>,
    #[serde(rename = "fieldId")]
    field_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[serde(rename = "fromString")]
    from_name: Option<String>,
    #[serde(rename = "toString")]
    to_name: Option<String>,
}

impl Item {
    fn is_status(&self) -> bool {
        self.field_id.as_deref() == Some("status")
            || self
                .field
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case("status"))
    }
}

/// The web address of an issue, from its API address (`https://SITE/rest/api/2/issue/ID`).
fn browse_url(api_url: &str, key: &str) -> Option<String> {
    let site = &api_url[..api_url.find("/rest/")?];
    Some(format!("{site}/browse/{key}"))
}

/// A page of `GET /rest/agile/1.0/board/N/issue` or `/rest/api/2/search` with
/// `expand=changelog`: each issue (attributes `key`, `title`, `type`, `project`, `status`,
/// `category`, `url`, `jira_id`), created, and its status changes. An embedded changelog shorter
/// than its `total` is counted in [`Report::skipped`]: the rest is read from [`changelog`].
pub fn issues(page: &[u8], statuses: &Statuses) -> Result<Page, ParseError> {
    let page: Issues = parse(
        page,
        "Jira's issue search (/rest/api/2/search or /rest/agile/1.0/board/N/issue)",
    )?;
    let mut into = Collector::for_page(page.issues.len());
    for issue in &page.issues {
        let id = format!("jira:{}", issue.key);
        let fields = &issue.fields;
        let status = fields.status.as_ref();
        into.object(
            &id,
            ObjectType::Issue,
            vec![
                ("key", text(Some(&issue.key))),
                ("title", text(fields.summary.as_deref())),
                (
                    "type",
                    text(fields.issuetype.as_ref().and_then(|t| t.name.as_deref())),
                ),
                (
                    "project",
                    text(fields.project.as_ref().and_then(|p| p.key.as_deref())),
                ),
                ("status", text(status.and_then(|s| s.name.as_deref()))),
                (
                    "category",
                    status.map(|s| Value::Text(statuses.category(&s.id).to_string())),
                ),
                (
                    "url",
                    text(
                        issue
                            .api_url
                            .as_deref()
                            .and_then(|u| browse_url(u, &issue.key))
                            .as_deref(),
                    ),
                ),
                ("jira_id", text(Some(&issue.id))),
            ],
        );
        if let Some(created) = fields.created {
            into.event(
                format!("{id}/created"),
                EventType::IssueCreated,
                created,
                Vec::new(),
                vec![(&id, "issue")],
            );
        }
        if let Some(changelog) = &issue.changelog {
            status_changes(&mut into, &id, &changelog.histories, statuses);
            if changelog
                .total
                .is_some_and(|total| total > changelog.histories.len())
            {
                into.skip("an issue whose embedded changelog is cut short (read the rest from its changelog endpoint)");
            }
        }
    }
    Ok(into.into_page())
}

/// A page of `GET /rest/api/3/issue/ISSUE/changelog`: the status changes of `issue`, its key (or,
/// for an issue known only by its number, that number: the object is then `jira:NUMBER`).
pub fn changelog(page: &[u8], issue: &str, statuses: &Statuses) -> Result<Page, ParseError> {
    let page: ChangelogPage = parse(
        page,
        "Jira's issue changelog (/rest/api/3/issue/ISSUE/changelog)",
    )?;
    let mut into = Collector::for_page(page.values.len());
    let id = format!("jira:{issue}");
    let key = issue.contains('-').then_some(issue);
    into.object(&id, ObjectType::Issue, vec![("key", text(key))]);
    status_changes(&mut into, &id, &page.values, statuses);
    Ok(into.into_page())
}

fn status_changes(into: &mut Collector, issue: &str, histories: &[History], statuses: &Statuses) {
    for history in histories {
        for (n, item) in history
            .items
            .iter()
            .filter(|item| item.is_status())
            .enumerate()
        {
            let id = match n {
                0 => format!("{issue}/changelog/{}", history.id),
                n => format!("{issue}/changelog/{}/{n}", history.id),
            };
            let mut categories = [None, None];
            for (slot, status, name) in [
                (0, &item.from, &item.from_name),
                (1, &item.to, &item.to_name),
            ] {
                let Some(status) = status else { continue };
                let category = statuses.category(status);
                if category == UNKNOWN && statuses.name(status).is_none() {
                    let name: String = name
                        .as_deref()
                        .unwrap_or_default()
                        .chars()
                        .take(80)
                        .collect();
                    into.unknown_status(
                        format!("{} {name}", crate::decode::bounded(status))
                            .trim_end()
                            .to_string(),
                    );
                }
                categories[slot] = Some(Value::Text(category.to_string()));
            }
            let [from_category, category] = categories;
            let attributes = vec![
                ("from", text(item.from_name.as_deref())),
                ("to", text(item.to_name.as_deref())),
                ("from_id", text(item.from.as_deref())),
                ("to_id", text(item.to.as_deref())),
                ("category", category),
                ("from_category", from_category),
                (
                    "author",
                    text(history.author.as_ref().and_then(|a| a.name.as_deref())),
                ),
            ];
            into.event(
                id,
                EventType::IssueStatusChanged,
                history.created,
                attributes,
                vec![(issue, "issue")],
            );
        }
    }
}

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

/// Which Jira answers: the search API differs. Jira Cloud removed `GET /rest/api/2|3/search`
/// (paged by `startAt`) in 2025 for `GET /rest/api/3/search/jql` (paged by `nextPageToken`, and
/// giving only the fields asked for); Jira Server and Data Center keep `/rest/api/2/search`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edition {
    /// Jira Cloud (`https://SITE.atlassian.net`).
    Cloud,
    /// Jira Server or Data Center (a site of one's own).
    Server,
}

impl Edition {
    /// The edition a site's address says: Cloud for `*.atlassian.net` (and the older
    /// `*.jira.com`), Server or Data Center for any other.
    pub fn of_site(api_url: &str) -> Edition {
        let origin = crate::url::origin(api_url);
        let host = origin.rsplit("://").next().unwrap_or(origin);
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        let cloud = [".atlassian.net", ".jira.com"]
            .iter()
            .any(|domain| host.ends_with(domain));
        if cloud {
            Edition::Cloud
        } else {
            Edition::Server
        }
    }
}

impl std::str::FromStr for Edition {
    type Err = String;

    fn from_str(text: &str) -> Result<Edition, String> {
        match text.to_ascii_lowercase().as_str() {
            "cloud" => Ok(Edition::Cloud),
            "server" | "datacenter" | "data-center" | "dc" => Ok(Edition::Server),
            _ => Err(format!(
                "`{text}` is not a Jira edition: give `cloud` (Jira Cloud) or `server` (Jira Server or Data Center)"
            )),
        }
    }
}

/// The fields a fetch asks for: what [`issues`] reads, and `updated` for the cursor (Cloud's
/// search gives only the fields named).
const FIELDS: &str = "summary,created,updated,status,issuetype,project";

/// The issues a Jira fetch reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// The issues of an agile board: `/rest/agile/1.0/board/N/issue`.
    Board(u64),
    /// The issues a JQL query finds: `/rest/api/3/search/jql` on Jira Cloud,
    /// `/rest/api/2/search` on Server and Data Center (see [`Edition`]).
    Jql(String),
}

#[derive(Deserialize)]
struct Cut {
    issues: Vec<CutIssue>,
}

#[derive(Deserialize)]
struct CutIssue {
    id: String,
    key: String,
    changelog: Option<CutChangelog>,
}

#[derive(Deserialize)]
struct CutChangelog {
    total: Option<usize>,
    #[serde(default)]
    histories: Vec<serde::de::IgnoredAny>,
}

/// The issues of a page whose embedded changelog is cut short: their id and key.
fn cut_short(page: &[u8]) -> Vec<(String, String)> {
    let Ok(page) = serde_json::from_slice::<Cut>(page) else {
        return Vec::new();
    };
    page.issues
        .into_iter()
        .filter(|issue| {
            issue
                .changelog
                .as_ref()
                .is_some_and(|c| c.total.is_some_and(|total| total > c.histories.len()))
        })
        .map(|issue| (issue.id, issue.key))
        .collect()
}

/// The JQL of a fetch: the query's (a board's: all its issues), and with `since`, only issues
/// updated since a day before it (JQL reads times in the user's time zone; a day covers any).
fn jql(query: &Query, since: Option<Timestamp>) -> String {
    let (filter, order) = match query {
        Query::Board(_) => (String::new(), "ORDER BY created ASC".to_string()),
        Query::Jql(text) => match text.to_ascii_lowercase().find("order by") {
            Some(at) => (text[..at].trim().to_string(), text[at..].trim().to_string()),
            None => (text.trim().to_string(), String::new()),
        },
    };
    let updated = since.map(|since| {
        let from = since
            .checked_sub(jiff::SignedDuration::from_hours(24))
            .unwrap_or(since);
        format!("updated >= '{}'", from.strftime("%Y/%m/%d %H:%M"))
    });
    let filter = match (filter.is_empty(), updated) {
        (_, None) => filter,
        (true, Some(updated)) => updated,
        (false, Some(updated)) => format!("({filter}) AND {updated}"),
    };
    [filter, order]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fetches issues from Jira: the site's statuses, then the board's or the query's issues with
/// their changelogs, every page; an issue whose embedded changelog is cut short has the rest read
/// from `/rest/api/3/issue/ID/changelog`. With `since` (the [`Cursor`] of the last run), only
/// issues updated since (see [`jql`]'s day of margin). A JQL query asks the search of the
/// site's `edition`. The client's token is sent as bearer (Server, Data Center) or, with a
/// user, basic auth (Cloud).
pub fn fetch(
    client: &Client,
    edition: Edition,
    query: &Query,
    since: Option<Timestamp>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Batch, Report, Cursor), FetchError> {
    let mut known = Statuses::default();
    let url = client.url("/rest/api/2/status");
    client.pages(url, Paging::Single, progress, |bytes, url| {
        known.extend(statuses(bytes).map_err(|e| e.in_file(&crate::url::shown(url)))?);
        Ok(true)
    })?;
    let mut run = Fetch::new(client, since, progress);
    let jql = encode(&jql(query, since));
    let (path, paging) = match (query, edition) {
        (Query::Board(board), _) => (
            format!(
                "/rest/agile/1.0/board/{board}/issue?expand=changelog&jql={jql}&maxResults=100&startAt=0"
            ),
            Paging::StartAt,
        ),
        (Query::Jql(_), Edition::Cloud) => (
            format!(
                "/rest/api/3/search/jql?expand=changelog&fields={FIELDS}&jql={jql}&maxResults=100"
            ),
            Paging::NextPageToken,
        ),
        (Query::Jql(_), Edition::Server) => (
            format!("/rest/api/2/search?expand=changelog&jql={jql}&maxResults=100&startAt=0"),
            Paging::StartAt,
        ),
    };
    let times = Some(Times {
        list: Some("issues"),
        field: &["fields", "updated"],
    });
    let mut short = Vec::new();
    run.endpoint(&path, paging, times, None, |bytes| {
        short.extend(cut_short(bytes));
        issues(bytes, &known)
    })?;
    for (id, key) in &short {
        let path = format!(
            "/rest/api/3/issue/{}/changelog?maxResults=100&startAt=0",
            encode(id)
        );
        run.endpoint(&path, Paging::StartAt, None, None, |bytes| {
            changelog(bytes, key, &known)
        })?;
    }
    Ok(run.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atlassian_net_sites_are_cloud_and_others_server() {
        for (site, edition) in [
            ("https://acme.atlassian.net", Edition::Cloud),
            ("https://ACME.Atlassian.NET/", Edition::Cloud),
            ("https://old.jira.com", Edition::Cloud),
            ("https://jira.acme.com", Edition::Server),
            ("https://atlassian.net.evil.example", Edition::Server),
            ("http://127.0.0.1:8080/jira", Edition::Server),
        ] {
            assert_eq!(Edition::of_site(site), edition, "{site}");
        }
        assert_eq!("Cloud".parse(), Ok(Edition::Cloud));
        assert!("saas".parse::<Edition>().unwrap_err().contains("`saas`"));
    }

    #[test]
    fn incremental_jql_keeps_the_query_and_its_order() {
        let since: Timestamp = "2024-03-02T10:30:00Z".parse().unwrap();
        assert_eq!(jql(&Query::Board(8), None), "ORDER BY created ASC");
        assert_eq!(
            jql(&Query::Board(8), Some(since)),
            "updated >= '2024/03/01 10:30' ORDER BY created ASC"
        );
        let query = Query::Jql("project = EE order by rank".into());
        assert_eq!(
            jql(&query, Some(since)),
            "(project = EE) AND updated >= '2024/03/01 10:30' order by rank"
        );
    }

    #[test]
    fn issues_whose_changelog_is_cut_short_are_found() {
        let page = br#"{"issues": [
            {"id": "1", "key": "A-1", "changelog": {"total": 3, "histories": [{}, {}]}},
            {"id": "2", "key": "A-2", "changelog": {"total": 1, "histories": [{}]}},
            {"id": "3", "key": "A-3"}]}"#;
        assert_eq!(cut_short(page), [("1".to_string(), "A-1".to_string())]);
    }
}
