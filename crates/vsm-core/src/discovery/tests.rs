//! Discovery against hand-made logs and pm4py's numbers.

use super::*;

fn event(activity: u32, minutes: i64) -> LogEvent {
    LogEvent {
        activity,
        timestamp: minutes * 60_000,
        is_start: false,
        is_complete: true,
        start: None,
    }
}

#[test]
fn counts_pairs_and_durations_in_time_order() {
    let mut dfg = DirectlyFollows::default();
    // Item 1 is listed out of order: b (t=30) before a (t=0).
    dfg.add_item(&mut [event(1, 30), event(0, 0), event(2, 40)]);
    dfg.add_item(&mut [event(0, 0), event(1, 10), event(2, 70)]);
    let found = dfg.finish();
    assert_eq!((found.events, found.items), (6, 2));
    let ab = found
        .edges
        .iter()
        .find(|e| (e.from, e.to) == (0, 1))
        .unwrap();
    assert_eq!(ab.count, 2);
    assert_eq!(
        (
            ab.min_seconds,
            ab.max_seconds,
            ab.median_seconds,
            ab.mean_seconds
        ),
        (600.0, 1800.0, 1200.0, 1200.0)
    );
    let path: Vec<u32> = found.main_path.iter().map(|s| s.activity).collect();
    assert_eq!(path, vec![0, 1, 2]);
    // Waits: median of a->b (10m, 30m) = 20m; b->c (10m, 60m) = 35m.
    assert_eq!(found.main_path[1].lead_time, Duration::from_secs(20 * 60));
    assert_eq!(found.main_path[2].lead_time, Duration::from_secs(35 * 60));
}

#[test]
fn ties_keep_file_order_and_backward_moves_become_rework() {
    let mut dfg = DirectlyFollows::default();
    // b and c share a timestamp: the file says b first. Then c goes back to b.
    dfg.add_item(&mut [
        event(0, 0),
        event(1, 5),
        event(2, 5),
        event(1, 9),
        event(2, 12),
        event(3, 20),
    ]);
    dfg.add_item(&mut [event(0, 0), event(1, 5), event(2, 6), event(3, 8)]);
    let found = dfg.finish();
    assert!(
        found
            .edges
            .iter()
            .any(|e| (e.from, e.to, e.count) == (1, 2, 3))
    );
    let path: Vec<u32> = found.main_path.iter().map(|s| s.activity).collect();
    assert_eq!(path, vec![0, 1, 2, 3]);
    assert_eq!(found.loops.len(), 1);
    let loop_ = &found.loops[0];
    assert_eq!((loop_.from, loop_.to, loop_.count), (2, 1, 1));
    // One of c's three completions went back to b.
    assert_eq!(loop_.share, Percent::new(33.3).unwrap());
    let names: Vec<String> = ["Submit", "Review", "Fix", "Ship"]
        .iter()
        .map(ToString::to_string)
        .collect();
    let map = proposed_map(&found, &names, "test.csv", None, None);
    let parsed = crate::parse_map(&map);
    assert!(!parsed.has_errors(), "{map}\n{:#?}", parsed.diagnostics);
    assert_eq!(parsed.stream.unwrap().rework.len(), 1);
}

#[test]
fn a_proposed_map_with_any_activity_names_is_a_valid_map_with_those_names() {
    let mut dfg = DirectlyFollows::default();
    for _ in 0..2 {
        dfg.add_item(&mut [
            event(0, 0),
            event(1, 5),
            event(2, 9),
            event(3, 12),
            event(4, 20),
        ]);
    }
    dfg.add_item(&mut [event(0, 0), event(5, 1)]);
    let found = dfg.finish();
    let names: Vec<String> = [
        "null".to_string(),
        "line one\nline two".to_string(),
        "a \"quoted\" \\ name\t".to_string(),
        "x".repeat(300),
        "123".to_string(),
        "off the path\n- id: injected".to_string(),
    ]
    .to_vec();
    let map = proposed_map(&found, &names, "log\nname.csv", None, None);
    let parsed = crate::parse_map(&map);
    assert!(!parsed.has_errors(), "{map}\n{:#?}", parsed.diagnostics);
    let stream = parsed.stream.unwrap();
    let read: Vec<&str> = stream.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        read,
        names[..5].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(stream.steps[0].id, "null");
    assert_eq!(stream.steps[4].id, "123");
    assert!(stream.steps[3].id.len() <= 60);
    assert!(
        !map.contains("\n- id: injected"),
        "comments stay comments: {map}"
    );
}

#[test]
fn lifecycle_pairs_give_process_times() {
    let mut dfg = DirectlyFollows::default();
    let start = |activity, minutes: i64| LogEvent {
        activity,
        timestamp: minutes * 60_000,
        is_start: true,
        is_complete: false,
        start: None,
    };
    dfg.add_item(&mut [start(0, 0), event(0, 30), start(1, 100), event(1, 110)]);
    dfg.add_item(&mut [start(0, 0), event(0, 50), start(1, 200), event(1, 230)]);
    let found = dfg.finish();
    assert_eq!(
        found.main_path[0].process_time,
        Some(Duration::from_secs(40 * 60))
    );
    assert_eq!(
        found.main_path[1].process_time,
        Some(Duration::from_secs(20 * 60))
    );
    // Completion to completion: 80m and 180m.
    assert_eq!(found.main_path[1].lead_time, Duration::from_secs(130 * 60));
}
