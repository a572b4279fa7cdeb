//! Incidents from the trackers: an issue labelled `incident` (GitHub, GitLab) or of the Jira
//! issue type `Incident` (either without regard to case) is also an `incident` object,
//! `incident:<issue id>`, opened when the issue was created (`incident_opened`) and resolved
//! when it was closed or first moved to a Done status (`incident_resolved`), which the issue
//! `records`. The incidents are made again over the whole store after every fetch, so an issue
//! whose label is taken away stops being one (see `vsm_app::fetch::flag_incidents`).

use vsm_events::{Batch, Event, EventType, Object, ObjectType, Owned, Relation, Value};

/// The qualifier of the link from an issue to the incident it records.
pub const RECORDS: &str = "records";

/// The start of every incident object's id.
pub const PREFIX: &str = "incident:";

/// Whether an issue is an incident: labelled `incident`, or of the Jira type `Incident`.
pub fn is_incident(issue: &vsm_events::StoredIssue) -> bool {
    issue
        .labels
        .iter()
        .any(|label| label.trim().eq_ignore_ascii_case("incident"))
        || issue
            .kind
            .as_deref()
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("incident"))
}

/// The incidents the issues record, as a batch that gives all of them (any other incident of
/// the store, and its link, is taken away when it is written).
pub fn incidents(issues: &[vsm_events::StoredIssue]) -> Batch {
    let mut batch = Batch {
        owned: vec![Owned::Objects {
            kind: ObjectType::Incident,
            prefix: PREFIX.to_string(),
            links_in: vec![RECORDS.to_string()],
        }],
        ..Batch::default()
    };
    for issue in issues.iter().filter(|issue| is_incident(issue)) {
        let id = format!("{PREFIX}{}", issue.id);
        let text = |value: &Option<String>| value.clone().map(Value::Text);
        batch.objects.push(Object {
            id: id.clone(),
            kind: ObjectType::Incident,
            attributes: [
                ("title", text(&issue.title)),
                ("repository", text(&issue.repository)),
                ("issue", Some(Value::Text(issue.id.clone()))),
            ]
            .into_iter()
            .filter_map(|(name, value)| Some((name.to_string(), value?)))
            .collect(),
        });
        for (kind, what, time) in [
            (EventType::IncidentOpened, "opened", issue.created),
            (EventType::IncidentResolved, "resolved", issue.resolved),
        ] {
            if let Some(time) = time {
                batch.events.push(Event {
                    id: format!("{id}/{what}"),
                    kind,
                    time,
                    attributes: Vec::new(),
                    objects: vec![
                        (id.clone(), "incident".to_string()),
                        (issue.id.clone(), "issue".to_string()),
                    ],
                });
            }
        }
        batch.relations.push(Relation {
            source: issue.id.clone(),
            target: id,
            qualifier: RECORDS.to_string(),
        });
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(id: &str, labels: &[&str], kind: Option<&str>) -> vsm_events::StoredIssue {
        vsm_events::StoredIssue {
            id: id.to_string(),
            repository: None,
            title: Some(format!("{id}'s title")),
            labels: labels.iter().map(ToString::to_string).collect(),
            kind: kind.map(str::to_string),
            created: Some("2024-01-01T00:00:00Z".parse().unwrap()),
            resolved: None,
        }
    }

    #[test]
    fn labelled_and_typed_issues_record_incidents_others_do_not() {
        let issues = [
            issue("github:o/r/issues/1", &["bug", "Incident"], None),
            issue("jira:OPS-2", &[], Some("Incident")),
            issue("jira:OPS-3", &["incident-review"], Some("Bug")),
        ];
        let batch = incidents(&issues);
        let ids: Vec<&str> = batch.objects.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(ids, ["incident:github:o/r/issues/1", "incident:jira:OPS-2"]);
        // Opened only: neither is resolved.
        assert_eq!(batch.events.len(), 2);
        assert!(
            batch
                .events
                .iter()
                .all(|e| e.kind == EventType::IncidentOpened)
        );
        assert_eq!(batch.relations[1].source, "jira:OPS-2");
        assert_eq!(batch.relations[1].qualifier, RECORDS);
    }
}
