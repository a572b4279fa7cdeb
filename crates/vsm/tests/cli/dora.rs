//! `vsm dora` on the real ants data: a clone of testdata/git/ants.bundle fetched with `vsm fetch
//! git`, and `vsm fetch github --from testdata/api/github`, its figures recomputed here from
//! `git` and GitHub's JSON.

use std::collections::BTreeMap;
use std::path::Path;

use crate::store_log::{clone_ants, fetched};
use crate::{json_ok_in, repo_root, stdout, vsm_fails_in, vsm_in, vsm_ok_in};

/// `git ARGS` in the clone: what it printed.
pub(crate) fn git(clone: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(clone)
        .output()
        .unwrap();
    assert!(output.status.success());
    stdout(&output)
}

/// The first day of the UTC month of a Unix time, as `YYYY-MM-01`.
fn month_of(seconds: i64) -> String {
    let at = jiff::Timestamp::from_second(seconds).unwrap();
    let day = jiff::tz::Offset::UTC.to_datetime(at).date();
    format!("{:04}-{:02}-01", day.year(), day.month())
}

const WHOLE: [&str; 7] = [
    "dora",
    "--releases-as-deployments",
    "--from",
    "2018-01-01",
    "--to",
    "2026-01-01",
    "--period",
];

#[test]
fn releases_as_deployments_count_the_tags_of_each_month_and_a_pull_requests_lead_time_is_git_s() {
    let dir = fetched(None);
    let clone = dir.path().join("ants");
    let json = json_ok_in(
        dir.path(),
        &[&WHOLE[..], &["month", "--explain", "lead-time"]].concat(),
    );
    // Deployments per month: the tags per month, at the tagger's time (or the commit's for a
    // lightweight tag), as git gives them.
    let mut tags: BTreeMap<String, u64> = BTreeMap::new();
    for line in git(
        &clone,
        &["for-each-ref", "--format=%(creatordate:unix)", "refs/tags"],
    )
    .lines()
    {
        *tags.entry(month_of(line.parse().unwrap())).or_default() += 1;
    }
    let service = &json["services"][0];
    assert_eq!(service["service"], "ants", "{json}");
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for period in service["periods"].as_array().unwrap() {
        let deployments = period["deployments"].as_u64().unwrap();
        if deployments > 0 {
            counted.insert(period["start"].as_str().unwrap().into(), deployments);
        }
    }
    assert_eq!(counted, tags);
    assert_eq!(service["total"]["deployments"], 48);
    assert_eq!(json["overall"]["change_failure_rate"], 0.0);
    // Every change of the window started in it and was released: Little's law holds exactly.
    let law = &json["littles_law"];
    assert_eq!(law["holds"], true, "{law}");
    assert!(law["mismatch"].as_f64().unwrap() < 1e-9, "{law}");

    // Pull request #40 by hand: its first commit's author time from GitHub's JSON, its merge
    // commit from the pull request list, the first tag (by time) that contains it from git.
    let read = |path: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(repo_root().join("testdata/api").join(path)).unwrap(),
        )
        .unwrap()
    };
    let pages = read("api-pages.json");
    let commits_page = pages
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["request"].as_str().unwrap().contains("/pulls/40/commits"))
        .unwrap()["file"]
        .as_str()
        .unwrap()
        .to_string();
    let first_commit = read(&commits_page)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["commit"]["author"]["date"]
                .as_str()
                .unwrap()
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_second()
        })
        .min()
        .unwrap();
    let pulls = read("github/pull_requests/page-001.json");
    let merge_commit = pulls
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["number"] == 40)
        .unwrap()["merge_commit_sha"]
        .as_str()
        .unwrap()
        .to_string();
    let tagged: i64 = git(
        &clone,
        &[
            "tag",
            "--contains",
            &merge_commit,
            "--sort=creatordate",
            "--format=%(creatordate:unix)",
        ],
    )
    .lines()
    .next()
    .unwrap()
    .parse()
    .unwrap();
    let change = json["explain"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "github:panjf2000/ants/pull/40")
        .unwrap();
    assert_eq!(change["via"], "merge_commit");
    assert_eq!(
        change["lead_time"].as_f64().unwrap(),
        (tagged - first_commit) as f64,
        "{change}"
    );
}

/// The fetched folder with four deployments from a file: 1 (success, v2.0.0), 2 (failure)
/// and 3 (success, both v2.1.0) to production in March 2024, 4 to staging.
pub(crate) fn fetched_with_deployments() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    clone_ants(&dir.path().join("ants"));
    let clone = dir.path().join("ants");
    let commit = |rev: &str| {
        git(&clone, &["rev-parse", &format!("{rev}^{{commit}}")])
            .trim()
            .to_string()
    };
    let (first, second) = (commit("v2.0.0"), commit("v2.1.0"));
    let csv = format!(
        "id,environment,status,started,finished,commit\n\
         1,production,success,2024-03-04T10:00:00Z,2024-03-04T10:10:00Z,{first}\n\
         2,production,failure,2024-03-05T10:00:00Z,2024-03-05T10:10:00Z,{second}\n\
         3,production,success,2024-03-05T12:00:00Z,2024-03-05T12:10:00Z,{second}\n\
         4,staging,success,2024-03-01T10:00:00Z,2024-03-01T10:10:00Z,{second}\n"
    );
    drop(dir);
    fetched(Some(&csv))
}

#[test]
fn deployments_from_a_file_give_failure_rate_recovery_and_production_only() {
    let dir = fetched_with_deployments();
    let json = json_ok_in(
        dir.path(),
        &[
            "dora",
            "--from",
            "2024-03-01",
            "--to",
            "2024-04-01",
            "--explain",
            "change-failure-rate",
        ],
    );
    let overall = &json["overall"];
    assert_eq!(overall["deployments"], 2, "{json}");
    assert_eq!(overall["production_deployments"], 3);
    assert_eq!(overall["deployments_with_failures"], 1);
    assert_eq!(overall["change_failure_rate"], 1.0 / 3.0);
    // From the failed deployment's finish to the next success's: 2 hours.
    assert_eq!(overall["recovery_time"]["median"], 7200.0);
    let left_out = json["left_out"].as_array().unwrap();
    let staging = left_out.iter().find(|l| l["what"] == "deployment").unwrap();
    assert_eq!(
        (&staging["reason"], &staging["count"]),
        (
            &"its environment `staging` is not production".into(),
            &1.into()
        )
    );
    let deployments = json["explain"]["deployments"].as_array().unwrap();
    assert_eq!(deployments[1]["restored_by"], "deploy:ants:production:3");
    assert_eq!(
        deployments[2]["rework"],
        "it restored the failed deployment `deploy:ants:production:2`"
    );
    // The failed deployment shipped nothing; the one after it shipped what v2.1.0 added.
    assert_eq!(deployments[1]["changes"], 0);
    assert!(deployments[2]["changes"].as_u64().unwrap() > 0, "{json}");
    // The first deployment ships six years of history at once, and nothing ships what came
    // after v2.1.0: Little's law is far off, and the text says data is missing.
    assert_eq!(json["littles_law"]["holds"], false, "{json}");
    assert_eq!(json["littles_law"]["tolerance"], 0.25);
    let text = stdout(&vsm_ok_in(
        dir.path(),
        &["dora", "--from", "2024-03-01", "--to", "2024-04-01"],
    ));
    assert!(
        text.contains("apart, beyond 25%, so data is missing: changes merged and never deployed"),
        "{text}"
    );
}

/// `--releases-as-deployments` over a store with deployments too counted the tags and the
/// deployments together, silently: the text and JSON say so, with both counts and the way out.
#[test]
fn releases_counted_with_deployments_are_named_with_both_counts() {
    let dir = fetched_with_deployments();
    let args = [
        "dora",
        "--releases-as-deployments",
        "--from",
        "2024-01-01",
        "--to",
        "2024-07-01",
    ];
    let said = "releases and deployments are counted together: `ants` has 2 release tags and 3 \
                production deployments in the window; a version both tagged and deployed counts \
                twice. Leave out --releases-as-deployments";
    let text = stdout(&vsm_ok_in(dir.path(), &args));
    assert!(text.contains(&format!("Note: {said}")), "{text}");
    let json = json_ok_in(dir.path(), &args);
    assert!(json["note"].as_str().unwrap().starts_with(said), "{json}");
    assert_eq!(json["overall"]["production_deployments"], 5, "{json}");
    // Without the flag, or with tags only, there is nothing to say.
    let json = json_ok_in(
        dir.path(),
        &args[..1]
            .iter()
            .chain(&args[2..])
            .copied()
            .collect::<Vec<_>>(),
    );
    assert!(json.get("note").is_none(), "{json}");
    let tags_only = fetched(None);
    let json = json_ok_in(tags_only.path(), &args);
    assert!(json.get("note").is_none(), "{json}");
}

/// A missing store had two messages: `vsm dora`'s own check ("fetch one with `vsm fetch git
/// .`") pre-empted the store's. The store says it, once, for every command that reads it.
#[test]
fn a_missing_store_is_named_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let said = "there is no event store at `.vsm/events.sqlite`; make one with `vsm fetch git \
                REPOSITORY -o .vsm/events.sqlite` (or `vsm fetch github OWNER/REPO -o \
                .vsm/events.sqlite`)";
    let error = vsm_fails_in(dir.path(), &["dora"]);
    assert_eq!(
        error.matches("there is no event store").count(),
        1,
        "{error}"
    );
    assert!(error.contains(said), "{error}");
    std::fs::write(
        dir.path().join("vsm.yaml"),
        "name: T\nsteps:\n  - { id: a, process_time: 1h }\ndora: {}\n",
    )
    .unwrap();
    let error = vsm_fails_in(dir.path(), &["report", "vsm.yaml", "-o", "r.html"]);
    assert!(error.contains(said), "{error}");
}

/// `vsm dora FOLDER` said "make one with `vsm fetch git REPOSITORY -o FOLDER`", which cannot
/// write a store over a folder: it names the store in the folder, or where to make one.
#[test]
fn a_folder_given_as_the_store_names_the_store_in_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("repo")).unwrap();
    let error = vsm_fails_in(dir.path(), &["dora", "repo"]);
    assert!(
        error.contains(
            "`repo` is a folder, not a vsm event store; give the file `vsm fetch` wrote (by \
             default `.vsm/events.sqlite`), or make one in it with `vsm fetch git REPOSITORY -o \
             repo/.vsm/events.sqlite`"
        ),
        "{error}"
    );
    std::fs::create_dir(dir.path().join("repo/.vsm")).unwrap();
    std::fs::write(dir.path().join("repo/.vsm/events.sqlite"), "").unwrap();
    let error = vsm_fails_in(dir.path(), &["dora", "repo"]);
    assert!(
        error.contains(
            "`repo` is a folder, not a vsm event store; give the store in it, \
             `repo/.vsm/events.sqlite`"
        ),
        "{error}"
    );
}

/// A window of thousands of years by day was 171 s, 5.4 GB of memory and 3 GB of output (found
/// by a hostile review); the whole calendar overflowed the date library. Both are refused at
/// once, before any store is read, with the way out.
#[test]
fn a_window_of_more_periods_than_a_report_holds_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to, period, spans) in [
        ("1000-01-01", "9000-01-01", "day", "spans 2921940 days"),
        ("0001-01-01", "9999-12-30", "month", "months, more than"),
    ] {
        let error = vsm_fails_in(
            dir.path(),
            &["dora", "--from", from, "--to", to, "--period", period],
        );
        assert!(
            error.contains(spans)
                && error.contains("more than the 5000 periods a report holds")
                && error.contains("--period week or month"),
            "{error}"
        );
    }
    let output = vsm_in(dir.path(), &["dora", "--to", "9999-12-31"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "refused as the value of --to"
    );
    let error = crate::stderr(&output);
    assert!(
        error.contains("9999-12-31 is past the last day vsm can count time to (9999-12-30)"),
        "{error}"
    );
}

/// A map with a `dora:` section (releases as deployments, by month) and DORA targets.
const DORA_MAP: &str = "name: Ants delivery\nsteps:\n  - { id: build, process_time: 1h }\ndora:\n  releases_as_deployments: true\n  period: month\ntargets:\n  deployment_frequency: { min: 1/day }\n  change_failure_rate: { max: 15% }\n  recovery_time: { max: 1d }\n";

#[test]
fn a_maps_dora_section_configures_vsm_dora_and_flags_override_it() {
    let dir = fetched(None);
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    // The map is one folder below the store: the store is found from the map's folder up.
    std::fs::write(dir.path().join("docs/vsm.yaml"), DORA_MAP).unwrap();
    let window = ["--from", "2024-01-01", "--to", "2024-07-01"];
    let json = json_ok_in(
        dir.path(),
        &[&["dora", "--map", "docs/vsm.yaml"][..], &window].concat(),
    );
    assert_eq!(json["period"], "month", "{json}");
    assert_eq!(json["overall"]["deployments"], 2, "the two tags of 2024");
    // The flag overrides the map.
    let json = json_ok_in(
        dir.path(),
        &[
            &["dora", "--map", "docs/vsm.yaml", "--period", "week"][..],
            &window,
        ]
        .concat(),
    );
    assert_eq!(json["period"], "week");
    // A map without `dora:` says how to add one.
    std::fs::write(
        dir.path().join("plain.yaml"),
        "name: P\nsteps:\n  - { id: a, process_time: 1h }\n",
    )
    .unwrap();
    let error = vsm_fails_in(dir.path(), &["dora", "--map", "plain.yaml"]);
    assert!(
        error.contains("`plain.yaml` has no `dora:` section; add `dora: {}`"),
        "{error}"
    );
}

#[test]
fn a_snapshot_keeps_the_last_full_periods_dora_figures_for_trend_and_check() {
    let dir = fetched(None);
    std::fs::write(dir.path().join("vsm.yaml"), DORA_MAP).unwrap();
    // July 2nd: the last full month is June 2024, with one tag (v2.10.0).
    vsm_ok_in(
        dir.path(),
        &["snapshot", "vsm.yaml", "--at", "2024-07-02T00:00:00Z"],
    );
    let month = json_ok_in(
        dir.path(),
        &[
            "dora",
            "--map",
            "vsm.yaml",
            "--from",
            "2024-06-01",
            "--to",
            "2024-07-01",
        ],
    );
    let trend = json_ok_in(
        dir.path(),
        &[
            "trend",
            "vsm.yaml",
            "--metric",
            "dora.deployment_frequency_per_day",
            "--metric",
            "dora.lead_time.p50",
            "--metric",
            "dora.change_failure_rate",
        ],
    );
    let last = |name: &str| {
        let values = trend["metrics"][name]["values"].as_array().unwrap();
        values.last().unwrap().as_f64().unwrap()
    };
    assert_eq!(
        last("dora.deployment_frequency_per_day"),
        1.0 / 30.0,
        "{trend}"
    );
    assert_eq!(
        trend["metrics"]["dora.deployment_frequency_per_day"]["unit"],
        "per_day"
    );
    assert_eq!(
        last("dora.lead_time.p50"),
        month["overall"]["lead_time"]["median"].as_f64().unwrap(),
        "the snapshot's median is `vsm dora`'s over the month"
    );
    assert_eq!(last("dora.change_failure_rate"), 0.0);
    // One deployment in 30 days is below 1/day; no failure is at most 15%, and with no
    // failure there is nothing to recover from.
    let output = vsm_in(dir.path(), &["check", "vsm.yaml"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("1 of 3 targets failed"), "{text}");
    assert!(
        text.contains("FAIL deployment_frequency: 0.03/day, below the minimum 1/day"),
        "{text}"
    );
    assert!(
        text.contains("ok   change_failure_rate: 0%, at most 15%"),
        "{text}"
    );
    assert!(
        text.contains(
            "ok   recovery_time: no failed deployment or incident attributed to one to recover from in the month 2024-06-01 to 2024-06-30, snapshot #1 of 2024-07-02T00:00:00Z"
        ),
        "{text}"
    );
}

#[test]
fn incidents_from_a_file_are_failures_of_the_deployment_they_name_or_the_one_before() {
    let dir = fetched_with_deployments();
    // INC-1 names deployment 1 (the file's id), though 3 is the last one before it; INC-2
    // names none and follows deployment 3; INC-3 names a deployment the store does not have.
    std::fs::write(
        dir.path().join("incidents.csv"),
        "id,started,resolved,deployment\n\
         INC-1,2024-03-06T09:00:00Z,2024-03-06T10:30:00Z,1\n\
         INC-2,2024-03-07T09:00:00Z,,\n\
         INC-3,2024-03-08T09:00:00Z,2024-03-08T09:30:00Z,99\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("vsm.yaml"),
        "name: Ants\nsteps:\n  - { id: build, process_time: 1h }\ndora: { incidents: incidents.csv }\n",
    )
    .unwrap();
    let window = ["--from", "2024-03-01", "--to", "2024-04-01"];
    let json = json_ok_in(
        dir.path(),
        &[
            &[
                "dora",
                "--map",
                "vsm.yaml",
                "--explain",
                "change-failure-rate",
            ][..],
            &window,
        ]
        .concat(),
    );
    let deployments = json["explain"]["deployments"].as_array().unwrap();
    let failures = |n: usize| deployments[n]["failures"].clone();
    assert_eq!(failures(0), serde_json::json!(["incident:INC-1"]), "{json}");
    assert_eq!(failures(1), serde_json::json!(["deployment failed"]));
    assert_eq!(failures(2), serde_json::json!(["incident:INC-2"]));
    let overall = &json["overall"];
    assert_eq!(overall["change_failure_rate"], 1.0, "all three failed");
    // One name, one meaning: deployments with any failure (one of them failed itself, two
    // had incidents), not `failed_deployments`, which the map's `failures:` uses for those
    // whose status failed.
    assert_eq!(overall["deployments_with_failures"], 3);
    assert!(overall.get("failed_deployments").is_none(), "{overall}");
    // Recoveries: deployment 2 (2h), INC-1 (1h 30m); INC-2 is unresolved; INC-3, attributed
    // to no deployment, is no failure of one and is counted apart.
    assert_eq!(overall["recovery_time"]["count"], 2);
    assert_eq!(overall["unrecovered"], 1);
    assert_eq!(overall["incidents_unattributed"], 1);
    let coverage = &json["coverage"];
    assert_eq!(
        (&coverage["incidents"], &coverage["incidents_attributed"]),
        (&3.into(), &2.into())
    );
    // The change failure rate's incidents are those that made a deployment fail; the
    // recovery time's, every one of the window, with why one is attributed to none.
    let incidents = json["explain"]["incidents"].as_array().unwrap();
    let ids: Vec<&str> = incidents
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["incident:INC-1", "incident:INC-2"], "{json}");
    let recovery = json_ok_in(
        dir.path(),
        &[
            &["dora", "--map", "vsm.yaml", "--explain", "recovery-time"][..],
            &window,
        ]
        .concat(),
    );
    let incidents = recovery["explain"]["incidents"].as_array().unwrap();
    assert_eq!(
        incidents[2]["unattributed"],
        "its deployment `99` is no production deployment of the store"
    );
    // `--incidents` replaces the map's file; a bad row names its place.
    std::fs::write(
        dir.path().join("bad.csv"),
        "id,started\nINC-9,last tuesday\n",
    )
    .unwrap();
    let error = vsm_fails_in(
        dir.path(),
        &[
            &["dora", "--map", "vsm.yaml", "--incidents", "bad.csv"][..],
            &window,
        ]
        .concat(),
    );
    assert!(
        error.contains("bad.csv, row 2, field `started`: `last tuesday` is not a time; write the time as RFC 3339"),
        "{error}"
    );
}

#[test]
fn the_report_of_a_map_with_a_dora_section_shows_its_figures_and_coverage() {
    let dir = fetched(None);
    std::fs::write(dir.path().join("vsm.yaml"), DORA_MAP).unwrap();
    vsm_ok_in(dir.path(), &["report", "vsm.yaml", "-o", "report.html"]);
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.contains("<h2 id=\"dora-heading\">DORA metrics</h2>"));
    assert!(
        page.contains("From .vsm/events.sqlite, "),
        "the store, as seen from the map"
    );
    for metric in [
        "Deployment frequency",
        "Lead time for changes",
        "Change failure rate",
        "Failed deployment recovery time",
        "Rework rate",
    ] {
        assert!(page.contains(&format!("<td>{metric}</td>")), "{metric}");
    }
    assert!(page.contains("Coverage: "), "the coverage is stated");
    // A map without `dora:` has no such section.
    std::fs::write(
        dir.path().join("plain.yaml"),
        "name: P\nsteps:\n  - { id: a, process_time: 1h }\n",
    )
    .unwrap();
    vsm_ok_in(dir.path(), &["report", "plain.yaml", "-o", "plain.html"]);
    let page = std::fs::read_to_string(dir.path().join("plain.html")).unwrap();
    assert!(!page.contains("dora-heading"));
}

/// GitLab's recorded pages (`testdata/api/gitlab`): the JSON of each page of `endpoint`.
fn gitlab_pages(endpoint: &str) -> Vec<serde_json::Value> {
    let folder = repo_root().join("testdata/api/gitlab").join(endpoint);
    let mut files: Vec<_> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let page: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            page.as_array().unwrap().clone()
        })
        .collect()
}

#[test]
fn gitlabs_recorded_deployments_join_no_merge_request_and_the_coverage_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let from = repo_root().join("testdata/api/gitlab");
    vsm_ok_in(
        dir.path(),
        &[
            "fetch",
            "gitlab",
            "12345678",
            "--from",
            from.to_str().unwrap(),
        ],
    );
    let deployments = gitlab_pages("deployments");
    let merge_requests = gitlab_pages("merge_requests");
    let window = ["--from", "2019-01-01", "--to", "2022-01-01"];
    let in_window = |at: &str| ("2019-01-01".."2022-01-01").contains(&at);
    // With the default production environments, none of the recorded deployments counts: the
    // production ones were canceled, created or blocked, the others are staging.
    let json = json_ok_in(dir.path(), &[&["dora"][..], &window].concat());
    assert_eq!(json["overall"]["production_deployments"], 0, "{json}");
    let staging = deployments
        .iter()
        .filter(|d| d["environment"]["name"] != "production")
        .count();
    let left_out = json["left_out"].as_array().unwrap();
    let not_production = left_out
        .iter()
        .find(|l| l["reason"] == "its environment `staging` is not production")
        .unwrap();
    assert_eq!(not_production["count"], staging);
    for d in deployments
        .iter()
        .filter(|d| d["environment"]["name"] == "production")
    {
        let reason = format!(
            "its status `{}` is neither success nor failure",
            d["status"].as_str().unwrap()
        );
        assert!(
            left_out.iter().any(|l| l["reason"] == reason),
            "{reason}: {json}"
        );
    }

    // Every environment as production: the pages' successful and failed deployments count, and
    // the commits they deployed are in no merge request (nor is their git history fetched).
    let json = json_ok_in(
        dir.path(),
        &[
            &["dora", "--production", "*", "--explain", "lead-time"][..],
            &window,
        ]
        .concat(),
    );
    let status = |s: &str| deployments.iter().filter(|d| d["status"] == s).count();
    // (`completed` is a success too.)
    let succeeded = status("success") + status("completed");
    assert_eq!(json["overall"]["deployments"], succeeded, "{json}");
    assert_eq!(
        json["overall"]["production_deployments"],
        succeeded + status("failed")
    );
    let deployed: std::collections::BTreeSet<&str> = deployments
        .iter()
        .map(|d| d["sha"].as_str().unwrap())
        .collect();
    let in_merge_requests = merge_requests.iter().any(|m| {
        m["merge_commit_sha"]
            .as_str()
            .is_some_and(|sha| deployed.contains(sha))
            || m["sha"].as_str().is_some_and(|sha| deployed.contains(sha))
    });
    assert!(
        !in_merge_requests,
        "the pages join no deployment to a merge request"
    );
    let merged = merge_requests
        .iter()
        .filter(|m| m["merged_at"].as_str().is_some_and(in_window))
        .count();
    let changes = json["explain"]["changes"].as_array().unwrap();
    let requests: Vec<&serde_json::Value> = changes
        .iter()
        .filter(|c| c["kind"] == "pull_request")
        .collect();
    assert_eq!(requests.len(), merged);
    for request in requests {
        assert_eq!(request["deployment"], serde_json::Value::Null);
        assert_eq!(
            request["not_deployed"],
            "none of its commits is in the store's git history (fetch the repository with `vsm fetch git`)"
        );
    }
    // A commit only deployments that did not succeed deployed says so, with their statuses (it
    // said none of its commits was in the store's git history).
    for (sha, statuses) in [
        ("35c3a3d8", "`canceled`, `failed`"),
        ("fc449afa", "`created`, `running`"),
        ("d8e7440f", "`blocked`, `undeployed`"),
    ] {
        let change = changes
            .iter()
            .find(|c| c["id"].as_str().unwrap().starts_with(&format!("git:{sha}")))
            .unwrap();
        assert_eq!(
            change["not_deployed"],
            format!(
                "its production deployments did not succeed (status {statuses}): only a successful one ships its commits"
            ),
            "{change}"
        );
    }
    // Coverage: the merge requests and the deployed commits were merged in the window; only the
    // successful deployment's own commit reached it, and no deployment's change set is known.
    let coverage = &json["coverage"];
    assert_eq!(
        coverage["changes_merged"],
        merged + deployed.len(),
        "{coverage}"
    );
    assert_eq!(coverage["changes_deployed"], succeeded);
    assert_eq!(coverage["deployments_with_change_set"], 0);
    assert_eq!(json["littles_law"]["holds"], false);
    assert_eq!(json["overall"]["lead_time"]["count"], succeeded);
}
