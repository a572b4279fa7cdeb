//! What the store holds about delivery, as the DORA metrics read it: deployments with the
//! commits each first shipped (`deployed_by`), releases with the commits each first released
//! (`released_in`), commits with their author and committer times, pull requests with their
//! opening, first review, merge, merge commit (`merged_as`) and commits (`contains`), and
//! issues with their labels, type, creation and resolution. Whichever source wrote them.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use crate::error::StoreError;
use crate::model::{EventType, ObjectType};
use crate::shipping::{StoredDeployment, has_column, parent_ids, text};
use crate::store::Store;

/// Everything the DORA metrics read from a store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredDelivery {
    pub deployments: Vec<DeliveryDeployment>,
    pub releases: Vec<StoredRelease>,
    pub commits: Vec<DeliveryCommit>,
    pub pull_requests: Vec<StoredPullRequest>,
    pub issues: Vec<StoredIssue>,
}

/// A deployment, with its finish and the commits it first shipped.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryDeployment {
    pub deployment: StoredDeployment,
    /// Its `deployment_finished` event.
    pub finished: Option<jiff::Timestamp>,
    /// The commits whose `deployed_by` link names it.
    pub shipped: Vec<String>,
}

/// A release (a tag) and the commits it released first.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRelease {
    pub id: String,
    pub repository: Option<String>,
    pub tag: Option<String>,
    /// Its `tag_created` event.
    pub created: Option<jiff::Timestamp>,
    /// The tagged commit.
    pub commit: Option<String>,
    /// The commits whose `released_in` link names it.
    pub shipped: Vec<String>,
}

/// A commit, with its times.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryCommit {
    pub id: String,
    pub repository: Option<String>,
    pub title: Option<String>,
    pub authored: Option<jiff::Timestamp>,
    pub committed: Option<jiff::Timestamp>,
    /// Whether git's history gave its parents.
    pub in_history: bool,
    /// Its parents (`git:<hash>`), first parent first, where git's history gave them.
    pub parents: Vec<String>,
}

/// A pull request (merge request), with its times and commits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredPullRequest {
    pub id: String,
    pub repository: Option<String>,
    pub title: Option<String>,
    pub branch: Option<String>,
    pub opened: Option<jiff::Timestamp>,
    /// Its first `review_submitted` by someone other than its author (the author's own
    /// comments on it are not a review); any reviewer's when the author or the reviewer is not
    /// in the store.
    pub first_review: Option<jiff::Timestamp>,
    pub merged: Option<jiff::Timestamp>,
    /// Its `merged_as` commit.
    pub merge_commit: Option<String>,
    /// Its `contains` commits.
    pub commits: Vec<String>,
}

/// An issue, with what says whether it is an incident.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoredIssue {
    pub id: String,
    /// The repository (GitHub, GitLab) or the project (Jira).
    pub repository: Option<String>,
    pub title: Option<String>,
    /// Its `labels` attribute and every label an `issue_labeled` event added.
    pub labels: Vec<String>,
    /// Jira's issue type.
    pub kind: Option<String>,
    pub created: Option<jiff::Timestamp>,
    /// Its first `issue_closed`, else its first status change to a Done status.
    pub resolved: Option<jiff::Timestamp>,
}

impl Store {
    /// The issues of every tracker, with their labels, type, creation and resolution.
    pub fn issues(&self) -> Result<Vec<StoredIssue>, StoreError> {
        issues(self.connection()).map_err(|e| self.fail(&e))
    }

    /// What the store holds about delivery, for the DORA metrics.
    pub fn delivery(&self) -> Result<StoredDelivery, StoreError> {
        delivery(self.connection()).map_err(|e| self.fail(&e))
    }
}

fn delivery(c: &Connection) -> rusqlite::Result<StoredDelivery> {
    let mut links: HashMap<&str, HashMap<String, Vec<String>>> = HashMap::new();
    for qualifier in ["deployed_by", "released_in", "merged_as", "contains"] {
        // deployed_by and released_in go from the commit; merged_as and contains to it.
        let by_target = matches!(qualifier, "deployed_by" | "released_in");
        let mut found: HashMap<String, Vec<String>> = HashMap::new();
        for (source, target) in relations(c, qualifier)? {
            let (key, value) = if by_target {
                (target, source)
            } else {
                (source, target)
            };
            found.entry(key).or_default().push(value);
        }
        links.insert(qualifier, found);
    }
    let mut take = |qualifier: &str, id: &str| -> Vec<String> {
        links
            .get_mut(qualifier)
            .and_then(|found| found.remove(id))
            .unwrap_or_default()
    };
    let finished = first_times(c, EventType::DeploymentFinished, "deployment")?;
    let deployments = crate::shipping::deployments(c)?
        .into_iter()
        .map(|deployment| DeliveryDeployment {
            finished: finished.get(&deployment.id).copied(),
            shipped: take("deployed_by", &deployment.id),
            deployment,
        })
        .collect();
    let created = first_times(c, EventType::TagCreated, "release")?;
    let releases = attributes(c, ObjectType::Release, &["repository", "tag", "commit"])?
        .into_iter()
        .map(|(id, mut values)| StoredRelease {
            repository: values[0].take(),
            tag: values[1].take(),
            commit: values[2].take().map(|hash| format!("git:{hash}")),
            created: created.get(&id).copied(),
            shipped: take("released_in", &id),
            id,
        })
        .collect();
    let authored = first_times(c, EventType::CommitAuthored, "commit")?;
    let committed = first_times(c, EventType::CommitCommitted, "commit")?;
    let commits = attributes(c, ObjectType::Commit, &["repository", "title", "parents"])?
        .into_iter()
        .map(|(id, mut values)| DeliveryCommit {
            repository: values[0].take(),
            title: values[1].take(),
            in_history: values[2].is_some() || parents_known(c, &id),
            parents: values[2]
                .take()
                .as_deref()
                .map(parent_ids)
                .unwrap_or_default(),
            authored: authored.get(&id).copied(),
            committed: committed.get(&id).copied(),
            id,
        })
        .collect();
    let opened = first_times(c, EventType::PrOpened, "pull_request")?;
    let reviews = reviews(c)?;
    let merged = first_times(c, EventType::PrMerged, "pull_request")?;
    let pull_requests = attributes(
        c,
        ObjectType::PullRequest,
        &["repository", "title", "branch", "author"],
    )?
    .into_iter()
    .map(|(id, mut values)| StoredPullRequest {
        repository: values[0].take(),
        title: values[1].take(),
        branch: values[2].take(),
        opened: opened.get(&id).copied(),
        first_review: first_review_by_another(
            reviews.get(&id).map_or(&[][..], Vec::as_slice),
            values[3].as_deref(),
        ),
        merged: merged.get(&id).copied(),
        merge_commit: take("merged_as", &id).into_iter().next(),
        commits: take("contains", &id),
        id,
    })
    .collect();
    let issues = issues(c)?;
    Ok(StoredDelivery {
        deployments,
        releases,
        commits,
        pull_requests,
        issues,
    })
}

/// Whether the commit's row has a `parents` cell (empty for a root commit git wrote).
/// The issues, with their labels (the attribute and every label an `issue_labeled` event added),
/// type, creation and resolution.
fn issues(c: &Connection) -> rusqlite::Result<Vec<StoredIssue>> {
    let issue_created = first_times(c, EventType::IssueCreated, "issue")?;
    let closed = first_times(c, EventType::IssueClosed, "issue")?;
    let done = done_times(c)?;
    let mut labeled = labels_added(c)?;
    Ok(attributes(
        c,
        ObjectType::Issue,
        &["repository", "project", "title", "labels", "type"],
    )?
    .into_iter()
    .map(|(id, mut values)| {
        let mut labels: Vec<String> = values[3]
            .take()
            .map(|l| l.split(", ").map(str::to_string).collect())
            .unwrap_or_default();
        for label in labeled.remove(&id).unwrap_or_default() {
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        StoredIssue {
            repository: values[0].take().or_else(|| values[1].take()),
            title: values[2].take(),
            labels,
            kind: values[4].take(),
            created: issue_created.get(&id).copied(),
            resolved: closed.get(&id).or_else(|| done.get(&id)).copied(),
            id,
        }
    })
    .collect())
}

fn parents_known(c: &Connection, id: &str) -> bool {
    c.query_row(
        "SELECT parents IS NOT NULL FROM object_commit WHERE ocel_id = ?1",
        params![id],
        |row| row.get::<_, bool>(0),
    )
    .unwrap_or(false)
}

fn relations(c: &Connection, qualifier: &str) -> rusqlite::Result<Vec<(String, String)>> {
    c.prepare(
        "SELECT ocel_source_id, ocel_target_id FROM object_object
         WHERE ocel_qualifier = ?1 ORDER BY 1, 2",
    )?
    .query_map(params![qualifier], |row| Ok((row.get(0)?, row.get(1)?)))?
    .collect()
}

/// Each object of `kind` with the named attributes (`None` where the store has no such column
/// or no value), by id.
fn attributes(
    c: &Connection,
    kind: ObjectType,
    names: &[&str],
) -> rusqlite::Result<Vec<(String, Vec<Option<String>>)>> {
    let table = format!("object_{}", kind.as_str());
    if !has_column(c, &table, "ocel_id")? {
        return Ok(Vec::new());
    }
    let mut columns = Vec::new();
    for name in names {
        columns.push(if has_column(c, &table, name)? {
            format!("\"{name}\"")
        } else {
            "NULL".into()
        });
    }
    let sql = format!(
        "SELECT ocel_id, {} FROM \"{table}\" WHERE ocel_changed_field IS NULL ORDER BY ocel_id",
        columns.join(", ")
    );
    c.prepare(&sql)?
        .query_map([], |row| {
            let values = (1..=names.len())
                .map(|i| Ok(text(row.get_ref(i)?)))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((row.get(0)?, values))
        })?
        .collect()
}

/// A review: when, and by whom where the store knows.
type Review = (jiff::Timestamp, Option<String>);

/// Each pull request's reviews.
fn reviews(c: &Connection) -> rusqlite::Result<HashMap<String, Vec<Review>>> {
    let events = format!("event_{}", EventType::ReviewSubmitted.as_str());
    if !has_column(c, &events, "ocel_time")? {
        return Ok(HashMap::new());
    }
    let reviewer = if has_column(c, &events, "reviewer")? {
        "e.reviewer"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT eo.ocel_object_id, e.ocel_time, {reviewer} FROM event_object eo
         JOIN \"{events}\" e ON e.ocel_id = eo.ocel_event_id
         WHERE eo.ocel_qualifier = 'pull_request'"
    );
    let rows: Vec<(String, String, Option<String>)> = c
        .prepare(&sql)?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, text(row.get_ref(2)?)))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut reviews: HashMap<String, Vec<Review>> = HashMap::new();
    for (id, time, reviewer) in rows {
        if let Some(time) = crate::time::parse(&time) {
            reviews.entry(id).or_default().push((time, reviewer));
        }
    }
    Ok(reviews)
}

/// The first review by someone other than the pull request's author (names compared without
/// case: GitHub's and GitLab's are case-insensitive). A review whose reviewer, or a pull request
/// whose author, the store does not know counts, as before authors were compared.
fn first_review_by_another(reviews: &[Review], author: Option<&str>) -> Option<jiff::Timestamp> {
    reviews
        .iter()
        .filter(|(_, reviewer)| match (reviewer, author) {
            (Some(reviewer), Some(author)) => !reviewer.eq_ignore_ascii_case(author),
            _ => true,
        })
        .map(|(time, _)| *time)
        .min()
}

/// The first time of each object's events of `kind`, where it is the `qualifier` object.
fn first_times(
    c: &Connection,
    kind: EventType,
    qualifier: &str,
) -> rusqlite::Result<HashMap<String, jiff::Timestamp>> {
    times_where(c, kind, qualifier, "")
}

fn times_where(
    c: &Connection,
    kind: EventType,
    qualifier: &str,
    condition: &str,
) -> rusqlite::Result<HashMap<String, jiff::Timestamp>> {
    let events = format!("event_{}", kind.as_str());
    if !has_column(c, &events, "ocel_time")? {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT eo.ocel_object_id, MIN(e.ocel_time) FROM event_object eo
         JOIN \"{events}\" e ON e.ocel_id = eo.ocel_event_id
         WHERE eo.ocel_qualifier = ?1 {condition} GROUP BY eo.ocel_object_id"
    );
    let rows: Vec<(String, String)> = c
        .prepare(&sql)?
        .query_map(params![qualifier], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, time)| Some((id, crate::time::parse(&time)?)))
        .collect())
}

/// Each issue's first move to a status of the Done category.
fn done_times(c: &Connection) -> rusqlite::Result<HashMap<String, jiff::Timestamp>> {
    let kind = EventType::IssueStatusChanged;
    if !has_column(c, &format!("event_{}", kind.as_str()), "category")? {
        return Ok(HashMap::new());
    }
    times_where(c, kind, "issue", "AND lower(e.category) = 'done'")
}

/// The labels `issue_labeled` events added, per issue.
fn labels_added(c: &Connection) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    let events = format!("event_{}", EventType::IssueLabeled.as_str());
    if !has_column(c, &events, "label")? {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT eo.ocel_object_id, e.label FROM event_object eo
         JOIN \"{events}\" e ON e.ocel_id = eo.ocel_event_id
         WHERE eo.ocel_qualifier = 'issue' AND e.label IS NOT NULL ORDER BY e.ocel_time"
    );
    let rows: Vec<(String, String)> = c
        .prepare(&sql)?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut found: HashMap<String, Vec<String>> = HashMap::new();
    for (issue, label) in rows {
        found.entry(issue).or_default().push(label);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Batch, Event, Object, Relation, Value};

    fn at(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    fn text_value(name: &str, value: &str) -> (String, Value) {
        (name.into(), Value::Text(value.into()))
    }

    #[test]
    fn a_pull_request_its_commits_its_deployment_and_an_incident_are_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("events.sqlite")).unwrap();
        let object = |id: &str, kind, attributes| Object {
            id: id.into(),
            kind,
            attributes,
        };
        let event = |id: &str, kind, time: &str, objects: &[(&str, &str)]| Event {
            id: id.into(),
            kind,
            time: at(time),
            attributes: Vec::new(),
            objects: objects
                .iter()
                .map(|(o, q)| (o.to_string(), q.to_string()))
                .collect(),
        };
        let link = |source: &str, target: &str, qualifier: &str| Relation {
            source: source.into(),
            target: target.into(),
            qualifier: qualifier.into(),
        };
        let batch = Batch {
            objects: vec![
                object(
                    "git:a",
                    ObjectType::Commit,
                    vec![text_value("title", "start"), text_value("parents", "")],
                ),
                object(
                    "git:m",
                    ObjectType::Commit,
                    vec![text_value("parents", "a b")],
                ),
                object(
                    "pr",
                    ObjectType::PullRequest,
                    vec![
                        text_value("branch", "hotfix/x"),
                        text_value("author", "Ann"),
                    ],
                ),
                object(
                    "d",
                    ObjectType::Deployment,
                    vec![
                        text_value("environment", "production"),
                        text_value("status", "success"),
                    ],
                ),
                object(
                    "i",
                    ObjectType::Issue,
                    vec![
                        text_value("labels", "bug, incident"),
                        text_value("repository", "o/r"),
                    ],
                ),
            ],
            events: vec![
                event(
                    "git:a/authored",
                    EventType::CommitAuthored,
                    "2024-01-01T00:00:00Z",
                    &[("git:a", "commit")],
                ),
                event(
                    "pr/opened",
                    EventType::PrOpened,
                    "2024-01-01T01:00:00Z",
                    &[("pr", "pull_request")],
                ),
                event(
                    "pr/r1",
                    EventType::ReviewSubmitted,
                    "2024-01-01T03:00:00Z",
                    &[("pr", "pull_request")],
                ),
                event(
                    "pr/r0",
                    EventType::ReviewSubmitted,
                    "2024-01-01T02:00:00Z",
                    &[("pr", "pull_request")],
                ),
                // The author's own comment before anyone reviewed is not the first review.
                Event {
                    attributes: vec![text_value("reviewer", "ann")],
                    ..event(
                        "pr/own",
                        EventType::ReviewSubmitted,
                        "2024-01-01T01:30:00Z",
                        &[("pr", "pull_request")],
                    )
                },
                event(
                    "pr/merged",
                    EventType::PrMerged,
                    "2024-01-01T04:00:00Z",
                    &[("pr", "pull_request")],
                ),
                event(
                    "d/started",
                    EventType::DeploymentStarted,
                    "2024-01-01T05:00:00Z",
                    &[("d", "deployment")],
                ),
                event(
                    "d/finished",
                    EventType::DeploymentFinished,
                    "2024-01-01T06:00:00Z",
                    &[("d", "deployment")],
                ),
                event(
                    "i/created",
                    EventType::IssueCreated,
                    "2024-01-01T07:00:00Z",
                    &[("i", "issue")],
                ),
                event(
                    "i/closed",
                    EventType::IssueClosed,
                    "2024-01-01T08:00:00Z",
                    &[("i", "issue")],
                ),
            ],
            relations: vec![
                link("pr", "git:a", "contains"),
                link("pr", "git:a", "merged_as"),
                link("d", "git:a", "deploys"),
                link("git:a", "d", "deployed_by"),
            ],
            owned: Vec::new(),
        };
        store.write(&batch).unwrap();
        let delivery = store.delivery().unwrap();
        let commit = &delivery.commits[0];
        assert_eq!(commit.authored, Some(at("2024-01-01T00:00:00Z")));
        assert!(
            commit.in_history,
            "a root commit git wrote has its (empty) parents"
        );
        assert!(commit.parents.is_empty());
        let merge = &delivery.commits[1];
        assert_eq!(merge.parents, ["git:a", "git:b"], "first parent first");
        let pr = &delivery.pull_requests[0];
        assert_eq!(pr.first_review, Some(at("2024-01-01T02:00:00Z")));
        assert_eq!(pr.merge_commit.as_deref(), Some("git:a"));
        assert_eq!(pr.commits, ["git:a"]);
        assert_eq!(pr.branch.as_deref(), Some("hotfix/x"));
        let deployment = &delivery.deployments[0];
        assert_eq!(deployment.finished, Some(at("2024-01-01T06:00:00Z")));
        assert_eq!(deployment.shipped, ["git:a"]);
        let issue = &delivery.issues[0];
        assert_eq!(issue.labels, ["bug", "incident"]);
        assert_eq!(issue.repository.as_deref(), Some("o/r"));
        assert_eq!(issue.resolved, Some(at("2024-01-01T08:00:00Z")));
    }
}
