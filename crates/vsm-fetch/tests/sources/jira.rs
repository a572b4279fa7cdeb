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

    // From the folder: its issues are on no page of board 8, so their changelogs are skipped and
    // counted, not made into issues known only by their number.
    let (batch, report) = jira::from_dir(&recorded("jira"), &jira::Query::Board(8)).unwrap();
    assert_consistent(&batch);
    assert_eq!((report.pages, report.items), (4, 30 + 279));
    assert_eq!(objects_of(&batch, ObjectType::Issue).len(), 30);
    assert!(!batch.objects.iter().any(|o| o.id == "jira:13383"));
    assert_eq!(
        report
            .skipped
            .get("changelog entries of issue 13383, which no saved issue page of board 8 holds"),
        Some(&100)
    );
    assert_eq!(report.skipped.values().sum::<usize>(), 279);
    assert_eq!(report.unknown_statuses.len(), 4);
}

#[test]
fn a_saved_folder_gives_only_the_board_asked_and_refuses_another() {
    let issues = |query: &jira::Query| {
        let (batch, _) = jira::from_dir(&recorded("jira"), query).unwrap();
        let mut keys: Vec<String> = objects_of(&batch, ObjectType::Issue)
            .iter()
            .map(|o| o.id.clone())
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        issues(&jira::Query::Board(93)),
        ["jira:K5-2", "jira:K5-3", "jira:K5-4"]
    );
    assert!(
        issues(&jira::Query::Board(8))
            .iter()
            .all(|key| key.starts_with("jira:EE-"))
    );

    // `vsm fetch jira --board 999 --from testdata/api/jira` read the folder's 36 issues.
    let error = jira::from_dir(&recorded("jira"), &jira::Query::Board(999)).unwrap_err();
    assert!(
        error.problem.contains("no saved issue page of board 999")
            && error.problem.contains("board 8, board 93"),
        "{error}"
    );
    assert!(error.fix.contains("`--board 8` or `--board 93`"), "{error}");
    // So did `--jql 'project = NOPE'`: JQL cannot be run on saved pages.
    let error = jira::from_dir(
        &recorded("jira"),
        &jira::Query::Jql("project = NOPE".into()),
    )
    .unwrap_err();
    assert!(
        error.problem.contains("`project = NOPE`")
            && error
                .problem
                .contains("JQL cannot be run on saved responses"),
        "{error}"
    );
}

#[test]
fn a_saved_search_is_read_for_the_same_jql_only() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("jira");
    std::fs::create_dir_all(folder.join("issues")).unwrap();
    std::fs::write(
        folder.join("issues/page-001.json"),
        page("jira/issues/page-002.json"),
    )
    .unwrap();
    // A search of an incremental run on Server: its clause `updated >=` is vsm's, not the query's.
    let request = "/rest/api/2/search?expand=changelog&jql=%28project+%3D+K5%29+AND+updated+%3E%3D+%272024%2F03%2F01+10%3A30%27+ORDER+BY+created+ASC&maxResults=100&startAt=0";
    std::fs::write(
        dir.path().join(vsm_fetch::INDEX),
        format!(r#"[{{"file": "jira/issues/page-001.json", "request": "{request}"}}]"#),
    )
    .unwrap();
    let query = jira::Query::Jql("project  =  K5 ORDER BY created ASC".into());
    let (batch, _) = jira::from_dir(&folder, &query).unwrap();
    assert_eq!(objects_of(&batch, ObjectType::Issue).len(), 3);
    let error = jira::from_dir(&folder, &jira::Query::Jql("project = K5".into())).unwrap_err();
    assert!(
        error
            .problem
            .contains("its issue pages are of the search `project = K5 ORDER BY created ASC`"),
        "{error}"
    );
    assert!(
        error
            .fix
            .contains("`--jql 'project = K5 ORDER BY created ASC'`"),
        "{error}"
    );
    let error = jira::from_dir(&folder, &jira::Query::Board(8)).unwrap_err();
    assert!(error.problem.contains("board 8"), "{error}");

    // A page the index does not place cannot be read as any board's.
    std::fs::write(dir.path().join(vsm_fetch::INDEX), "[]").unwrap();
    let error = jira::from_dir(&folder, &jira::Query::Board(8)).unwrap_err();
    assert!(
        error.problem.contains("cannot tell which board or search")
            && error.fix.contains("api-pages.json"),
        "{error}"
    );
}
