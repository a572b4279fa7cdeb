//! `plan` and `check`: improvements with their due dates, and targets.

use crate::{
    folder_with, history_fixture, json_of, json_ok, json_ok_in, stderr, stdout, vsm, vsm_in, vsm_ok,
};

#[test]
fn plan_checks_due_dates_and_targets() {
    let output = vsm_ok(&[
        "plan",
        "examples/feature-delivery.yaml",
        "--today",
        "2027-02-10",
    ]);
    insta::assert_snapshot!("plan-feature-delivery", stdout(&output));
    let plan = json_ok(&[
        "plan",
        "examples/feature-delivery.yaml",
        "--today",
        "2027-02-10",
    ]);
    let first = &plan["improvements"][0];
    assert_eq!(
        (
            first["id"].as_str(),
            first["overdue"].as_bool(),
            first["days_left"].as_i64()
        ),
        (Some("ready-definition"), Some(true), Some(-26))
    );
    assert_eq!(first["targets"][1]["current"]["percent"], 70.0);
    assert_eq!(first["targets"][1]["met"], false);
    // A measured map checks targets against the measured values.
    json_ok(&[
        "plan",
        "testdata/measure/claims.yaml",
        "--today",
        "2027-02-10",
    ]);
}

#[test]
fn check_fails_with_the_list_of_broken_targets() {
    let output = vsm(&["check", "testdata/measure/claims.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("check-claims", stdout(&output));
    let json = json_of(&vsm(&[
        "check",
        "testdata/measure/claims.yaml",
        "--format",
        "json",
    ]));
    assert_eq!(
        (json["passed"].as_bool(), json["failed"].as_u64()),
        (Some(false), Some(1))
    );
    // The lead time is the p85 of the six cases' lead times: 18d 6h, within 3 weeks.
    assert_eq!(json["targets"][0]["metric"], "lead_time");
    assert_eq!(json["targets"][0]["passed"], true);
    // A map whose targets hold exits 0.
    let dir = folder_with(&[(
        "ok.yaml",
        "name: Fine\nsteps:\n  - { id: a, process_time: 1d, wait_time: 1d }\ntargets:\n  lead_time: { max: 5d }\n  activity_ratio: { min: 15% }\n",
    )]);
    let output = vsm_in(dir.path(), &["check", "ok.yaml"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).starts_with("ok.yaml: all 2 targets met"));
}

#[test]
fn check_without_a_history_database_checks_the_numbers_now_and_says_so() {
    // `--db db.sqlite` with no such file was an error, though the docs say a check without a
    // snapshot uses the numbers measured now.
    let dir = folder_with(&[(
        "ok.yaml",
        "name: Fine\nsteps:\n  - { id: a, process_time: 1d, wait_time: 1d }\ntargets:\n  lead_time: { max: 5d }\n",
    )]);
    let output = vsm_in(dir.path(), &["check", "ok.yaml", "--db", "db.sqlite"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("ok.yaml: all 1 targets met"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains(
            "no history database at db.sqlite, so no snapshot: checking the numbers measured now"
        ),
        "{}",
        stderr(&output)
    );
    // Nothing was created.
    assert!(!dir.path().join("db.sqlite").exists());
}

#[test]
fn plan_states_the_measured_lead_time_it_is_to_move() {
    let (dir, _) = history_fixture();
    let analysis = json_ok_in(dir.path(), &["analyze", "orders.yaml"]);
    let text = stdout(&vsm_in(dir.path(), &["plan", "orders.yaml"]));
    assert!(text.contains("Lead time now: "), "{text}");
    let plan = json_ok_in(dir.path(), &["plan", "orders.yaml"]);
    assert_eq!(
        plan["lead_time_now"]["items"],
        analysis["measured"]["items"]
    );
}
