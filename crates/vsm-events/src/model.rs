//! The vocabulary every source writes in: object types, event types, attributes, qualifiers.
//!
//! Ids are the source's own, qualified by the source so that two systems never collide:
//! `github:panjf2000/ants/pull/41`, `git:3f2a…` (a commit's full hash, the same whichever source
//! names it, so GitHub's PR commits and the local repository's join), `jira:PROJ-12`,
//! `gitlab:group/project/merge_requests/7`, `deploy:REPOSITORY:ENVIRONMENT:ID` for a
//! deployments file. An event's id is its object's id and what happened, e.g.
//! `github:panjf2000/ants/pull/41/merged`, or the source's own event id where it has one, so a
//! second run finds the same ids.

/// The kinds of object the store knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectType {
    /// A work item: a Jira issue, a GitHub or GitLab issue.
    Issue,
    /// A GitHub pull request or a GitLab merge request.
    PullRequest,
    Commit,
    /// A CI run: a GitHub Actions workflow run, a GitLab pipeline.
    PipelineRun,
    Deployment,
    /// A release: a tag.
    Release,
    Incident,
}

impl ObjectType {
    pub const ALL: [ObjectType; 7] = [
        ObjectType::Issue,
        ObjectType::PullRequest,
        ObjectType::Commit,
        ObjectType::PipelineRun,
        ObjectType::Deployment,
        ObjectType::Release,
        ObjectType::Incident,
    ];

    /// The OCEL type name, also the suffix of its `object_<name>` table.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Issue => "issue",
            ObjectType::PullRequest => "pull_request",
            ObjectType::Commit => "commit",
            ObjectType::PipelineRun => "pipeline_run",
            ObjectType::Deployment => "deployment",
            ObjectType::Release => "release",
            ObjectType::Incident => "incident",
        }
    }

    pub fn from_name(name: &str) -> Option<ObjectType> {
        ObjectType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// What happened. Each event type has one main object type (the object whose life it is part
/// of); sources link other objects too (a deployment's commits, a review's pull request).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    IssueCreated,
    /// A status change; attributes `from`, `to` and `category` (To Do / In Progress / Done).
    IssueStatusChanged,
    IssueClosed,
    IssueReopened,
    /// A label added (attribute `label`).
    IssueLabeled,
    PrOpened,
    PrReadyForReview,
    /// A review with its `state` (approved, changes_requested, commented, dismissed).
    ReviewSubmitted,
    PrApproved,
    PrChangesRequested,
    PrMerged,
    PrClosed,
    PrReopened,
    CommitAuthored,
    CommitCommitted,
    PipelineQueued,
    PipelineStarted,
    /// Finished, with its `conclusion` (success, failure, cancelled...).
    PipelineFinished,
    /// A deployment asked for (GitHub's deployment created), before it runs.
    DeploymentCreated,
    /// Attributes `environment`, `status`.
    DeploymentStarted,
    DeploymentFinished,
    TagCreated,
    IncidentOpened,
    IncidentResolved,
}

impl EventType {
    pub const ALL: [EventType; 24] = [
        EventType::IssueCreated,
        EventType::IssueStatusChanged,
        EventType::IssueClosed,
        EventType::IssueReopened,
        EventType::IssueLabeled,
        EventType::PrOpened,
        EventType::PrReadyForReview,
        EventType::ReviewSubmitted,
        EventType::PrApproved,
        EventType::PrChangesRequested,
        EventType::PrMerged,
        EventType::PrClosed,
        EventType::PrReopened,
        EventType::CommitAuthored,
        EventType::CommitCommitted,
        EventType::PipelineQueued,
        EventType::PipelineStarted,
        EventType::PipelineFinished,
        EventType::DeploymentCreated,
        EventType::DeploymentStarted,
        EventType::DeploymentFinished,
        EventType::TagCreated,
        EventType::IncidentOpened,
        EventType::IncidentResolved,
    ];

    /// The OCEL type name (the activity), also the suffix of its `event_<name>` table.
    pub fn as_str(self) -> &'static str {
        self.table().0
    }

    /// The object type whose life the event is part of.
    pub fn object_type(self) -> ObjectType {
        self.table().1
    }

    pub fn from_name(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    fn table(self) -> (&'static str, ObjectType) {
        use ObjectType as O;
        match self {
            EventType::IssueCreated => ("issue_created", O::Issue),
            EventType::IssueStatusChanged => ("issue_status_changed", O::Issue),
            EventType::IssueClosed => ("issue_closed", O::Issue),
            EventType::IssueReopened => ("issue_reopened", O::Issue),
            EventType::IssueLabeled => ("issue_labeled", O::Issue),
            EventType::PrOpened => ("pr_opened", O::PullRequest),
            EventType::PrReadyForReview => ("pr_ready_for_review", O::PullRequest),
            EventType::ReviewSubmitted => ("review_submitted", O::PullRequest),
            EventType::PrApproved => ("pr_approved", O::PullRequest),
            EventType::PrChangesRequested => ("pr_changes_requested", O::PullRequest),
            EventType::PrMerged => ("pr_merged", O::PullRequest),
            EventType::PrClosed => ("pr_closed", O::PullRequest),
            EventType::PrReopened => ("pr_reopened", O::PullRequest),
            EventType::CommitAuthored => ("commit_authored", O::Commit),
            EventType::CommitCommitted => ("commit_committed", O::Commit),
            EventType::PipelineQueued => ("pipeline_queued", O::PipelineRun),
            EventType::PipelineStarted => ("pipeline_started", O::PipelineRun),
            EventType::PipelineFinished => ("pipeline_finished", O::PipelineRun),
            EventType::DeploymentCreated => ("deployment_created", O::Deployment),
            EventType::DeploymentStarted => ("deployment_started", O::Deployment),
            EventType::DeploymentFinished => ("deployment_finished", O::Deployment),
            EventType::TagCreated => ("tag_created", O::Release),
            EventType::IncidentOpened => ("incident_opened", O::Incident),
            EventType::IncidentResolved => ("incident_resolved", O::Incident),
        }
    }
}

/// An attribute's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Time(jiff::Timestamp),
}

/// An object, with its attributes as the source last saw them.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    /// The source-qualified id (see the module's documentation).
    pub id: String,
    pub kind: ObjectType,
    /// Named attributes: `title`, `key`, `url`, `repository`, `author`, `environment`... (the
    /// store keeps each object type's own set; see the store's schema).
    pub attributes: Vec<(String, Value)>,
}

/// An event: something that happened to one or more objects at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The source-qualified id: the same event read again has the same id.
    pub id: String,
    pub kind: EventType,
    pub time: jiff::Timestamp,
    pub attributes: Vec<(String, Value)>,
    /// The objects it concerns, each with a qualifier (`pull_request`, `commit`, `reviewer`...).
    /// The first is its main object, of [`EventType::object_type`].
    pub objects: Vec<(String, String)>,
}

/// A link between two objects, e.g. an issue to a pull request (`implemented_by`), a pull
/// request to its commits (`contains`), a commit to the first deployment and release that
/// contain it (`deployed_by`, `released_in`), a deployment to its pipeline run (`run_by`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Relation {
    pub source: String,
    pub target: String,
    pub qualifier: String,
}

/// What one source read: objects, events and links, written to the store together.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    pub objects: Vec<Object>,
    pub events: Vec<Event>,
    pub relations: Vec<Relation>,
    /// What the batch gives in full: what the store holds there and the batch does not give
    /// is taken away, in the same transaction. Without it a batch only adds and updates.
    pub owned: Vec<Owned>,
}

/// A part of the store that a batch gives in full, so that a correction at the source (a
/// deployment's commit changed, a tag deleted) reaches the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owned {
    /// An object read in full: its outgoing links with these qualifiers, and the object links
    /// of its events in the batch, are as the batch gives them (stored ones not given are
    /// taken away). A page that adds links to an object it does not read in full (a pull
    /// request's commits page) does not say this.
    Links {
        object: String,
        qualifiers: Vec<String>,
    },
    /// Every object of `kind` whose id starts with `prefix` (a repository's releases): those
    /// the batch does not give are taken away with their events and links, and the links with
    /// a qualifier of `links_in` into such objects are as the batch gives them.
    Objects {
        kind: ObjectType,
        prefix: String,
        links_in: Vec<String>,
    },
    /// Objects of `kind` the batch gives under other ids now (a deployments file's rows,
    /// once named without their repository): the stored ones with these exact ids are taken
    /// away with their events and links, unless the batch gives them.
    Renamed { kind: ObjectType, ids: Vec<String> },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_come_back() {
        for kind in ObjectType::ALL {
            assert_eq!(ObjectType::from_name(kind.as_str()), Some(kind));
        }
        let mut names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        for kind in EventType::ALL {
            assert_eq!(EventType::from_name(kind.as_str()), Some(kind));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventType::ALL.len());
    }
}
