use vsm_fetch::jira;

use super::*;

fn statuses() -> jira::Statuses {
    jira::statuses(&page("jira/status/page-001.json")).unwrap()
}

#[test]
fn the_status_list_gives_each_status_its_category() {
    let known = statuses();
    assert_eq!(known.len(), 53);
    assert_eq!(
        (
            known.category("1"),
            known.category("3"),
            known.category("6")
        ),
        ("To Do", "In Progress", "Done")
    );
    // Its names are translated; the category comes from the key.
    assert_eq!(
        (known.name("10068"), known.category("10068")),
        (Some("已完成"), "Done")
    );
    assert_eq!(known.category("10029"), jira::UNKNOWN);
}

#[test]
fn every_status_change_is_an_event_with_from_to_and_category() {
    let known = statuses();
    let mut collector = vsm_fetch::Collector::new();
    for file in ["jira/issues/page-001.json", "jira/issues/page-002.json"] {
        collector.add(jira::issues(&page(file), &known).unwrap());
    }
    let (batch, report) = collector.finish();
    assert_consistent(&batch);
    assert_eq!(objects_of(&batch, ObjectType::Issue).len(), 33);
    assert_eq!(events_of(&batch, EventType::IssueCreated).len(), 33);
    let changes = events_of(&batch, EventType::IssueStatusChanged);
    assert_eq!(changes.len(), 165);

    // 4 of the 9 statuses the changelogs name are missing from the list: kept, category unknown.
    let missing: Vec<&str> = report.unknown_statuses.keys().map(String::as_str).collect();
    assert_eq!(
        missing,
        [
            "10000 To Do",
            "10020 Inbox",
            "10029 Ready for Dev",
            "5 Resolved"
        ]
    );
    assert_eq!(
        report.unknown_statuses.values().sum::<usize>(),
        61 + 8 + 12 + 74
    );
    let by_category = tally(&changes, "category");
    assert_eq!(
        by_category.keys().copied().collect::<Vec<_>>(),
        ["Done", "In Progress", "To Do", "unknown"]
    );

    // EE-1's five changes, as recorded (times with +0800 offsets).
    let mut ee1: Vec<&Event> = changes
        .iter()
        .copied()
        .filter(|e| e.objects[0].0 == "jira:EE-1")
        .collect();
    ee1.sort_by_key(|e| e.time);
    let seen: Vec<(String, &str, &str, &str)> = ee1
        .iter()
        .map(|e| {
            let get = |name| attribute(&e.attributes, name).unwrap();
            (e.time.to_string(), get("from"), get("to"), get("category"))
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "2020-06-12T01:45:24.493Z".to_string(),
                "Inbox",
                "Ready for Dev",
                "unknown"
            ),
            (
                "2020-06-12T03:38:39.785Z".to_string(),
                "Ready for Dev",
                "In Development",
                "In Progress"
            ),
            (
                "2020-06-12T06:22:49.352Z".to_string(),
                "In Progress",
                "Open",
                "To Do"
            ),
            (
                "2020-06-19T06:31:18.526Z".to_string(),
                "Open",
                "Closed",
                "Done"
            ),
            (
                "2021-03-28T08:06:08.715Z".to_string(),
                "Closed",
                "已完成",
                "Done"
            ),
        ]
    );
    assert_eq!(ee1[4].id, "jira:EE-1/changelog/86412");
    let issue = object(&batch, "jira:EE-1");
    assert_eq!(
        attribute(&issue.attributes, "url"),
        Some("https://merico.atlassian.net/browse/EE-1")
    );
    assert_eq!(attribute(&issue.attributes, "category"), Some("Done"));
}

#[test]
fn the_changelog_endpoint_adds_the_changes_of_one_issue() {
    let parsed = jira::changelog(
        &page("jira/issue_changelogs/page-003.json"),
        "EE-99",
        &statuses(),
    )
    .unwrap();
    assert_eq!(parsed.report.items, 79);
    let changes = events_of(&parsed.batch, EventType::IssueStatusChanged);
    assert_eq!(changes.len(), 1);
    assert_eq!(
        changes[0].objects,
        [("jira:EE-99".to_string(), "issue".to_string())]
    );
    assert_eq!(
        (
            attribute(&changes[0].attributes, "from"),
            attribute(&changes[0].attributes, "to")
        ),
        (Some("Open"), Some("Closed"))
    );

    // From the folder: its issues are on no issue page, so they keep their numbers; two more
    // statuses are missing from the list.
    let (batch, report) = jira::from_dir(&recorded("jira")).unwrap();
    assert_consistent(&batch);
    assert_eq!(report.pages, 5);
    assert!(batch.objects.iter().any(|o| o.id == "jira:13383"));
    assert_eq!(report.unknown_statuses.len(), 6);
    assert!(report.unknown_statuses.contains_key("10075 Code Review"));
}
