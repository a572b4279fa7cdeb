//! Jira's REST responses: the site's statuses, issues with their changelogs (the board or search
//! endpoints with `expand=changelog`) and the per-issue changelog endpoint.
//!
//! Ids are `jira:KEY`. Every status change is an `issue_status_changed` event with `from`, `to`
//! and the `category` (To Do, In Progress, Done) of the status it moved to, looked up by id in
//! the status list; a status the list lacks (deleted since) gets category `unknown` and is
//! counted in [`Report::unknown_statuses`]. See `docs/sources.md`.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;
use vsm_events::{EventType, ObjectType, Value};

use crate::collect::{Collector, Page, text};
use crate::decode::{ParseError, optional_time, parse, time};

mod live;
mod saved;
pub use live::{Edition, fetch};
pub use saved::from_dir;

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

/// The issues a Jira fetch reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// The issues of an agile board: `/rest/agile/1.0/board/N/issue`.
    Board(u64),
    /// The issues a JQL query finds: `/rest/api/3/search/jql` on Jira Cloud,
    /// `/rest/api/2/search` on Server and Data Center (see [`Edition`]).
    Jql(String),
}
