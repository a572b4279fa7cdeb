//! The git source on real history: panjf2000/ants (testdata/git/ants.bundle), cloned into a
//! temporary folder, read with gix and checked against what the git CLI says.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use vsm_events::{Batch, ObjectType, Store};
use vsm_fetch::git::{self, GitError, Options};

fn git_cli(repo: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A clone of the bundle in a temporary folder (kept alive by the returned guard).
fn ants() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/git/ants.bundle");
    let repo = dir.path().join("ants");
    let status = Command::new("git")
        .args(["-c", "init.defaultBranch=main", "clone", "-q"])
        .arg(&bundle)
        .arg(&repo)
        .status()
        .unwrap();
    assert!(status.success());
    (dir, repo)
}

fn ids(batch: &[Batch], kind: ObjectType) -> Vec<String> {
    batch
        .iter()
        .flat_map(|b| &b.objects)
        .filter(|o| o.kind == kind)
        .map(|o| o.id.clone())
        .collect()
}

#[test]
fn the_walk_reads_every_commit_and_tag_as_git_does() {
    let (_dir, repo) = ants();
    let history = git::walk(&repo).unwrap();
    // Every reference of the clone (dev, master, v1.x and the tags): 712 commits; dev alone
    // (HEAD) has 698.
    let all: HashSet<String> = git_cli(&repo, &["rev-list", "--all"])
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(all.len(), 712);
    let walked: HashSet<String> = history.commits.iter().map(|c| c.id.to_string()).collect();
    assert_eq!(walked, all);
    assert_eq!(history.commits.len(), 712, "each commit once");
    assert_eq!(
        git_cli(&repo, &["rev-list", "--count", "HEAD"]).trim(),
        "698"
    );

    // Fields, for every commit, as `git log` prints them.
    let by_id: HashMap<String, &git::Commit> = history
        .commits
        .iter()
        .map(|c| (c.id.to_string(), c))
        .collect();
    let log = git_cli(
        &repo,
        &[
            "log",
            "--all",
            "--format=%H%x00%P%x00%at%x00%ct%x00%an%x00%cn%x00%s",
        ],
    );
    let mut merges = 0;
    for line in log.lines() {
        let f: Vec<&str> = line.split('\0').collect();
        let c = by_id[f[0]];
        let parents: Vec<String> = c.parents.iter().map(ToString::to_string).collect();
        assert_eq!(parents.join(" "), f[1], "{}", f[0]);
        assert_eq!(c.authored.as_second().to_string(), f[2]);
        assert_eq!(c.committed.as_second().to_string(), f[3]);
        assert_eq!((c.author.as_str(), c.committer.as_str()), (f[4], f[5]));
        // %s folds a first paragraph onto one line; the title is its first line.
        assert!(
            f[6].trim().starts_with(&c.title),
            "{} {:?} {:?}",
            f[0],
            f[6],
            c.title
        );
        merges += usize::from(c.parents.len() > 1);
    }
    assert_eq!(
        merges.to_string(),
        git_cli(&repo, &["rev-list", "--all", "--merges", "--count"]).trim()
    );

    // 48 tags, v1.0.0 to v2.11.4, all version-like; the annotated one dated by its tagger.
    let names: Vec<&str> = history.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names.len(), 48);
    assert!(
        names.contains(&"v1.0.0") && names.contains(&"v2.11.4") && names.contains(&"v2.0.0-rc.1")
    );
    let refs = git_cli(
        &repo,
        &[
            "for-each-ref",
            "refs/tags",
            "--format=%(refname:short) %(objecttype) %(*objectname)%(objectname) %(taggerdate:unix)%(committerdate:unix)",
        ],
    );
    let mut annotated = 0;
    for line in refs.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let tag = history.tags.iter().find(|t| t.name == f[0]).unwrap();
        let target = if f[1] == "tag" { &f[2][..40] } else { f[2] };
        assert_eq!(tag.commit.to_string(), target, "{}", f[0]);
        assert_eq!(tag.time.as_second().to_string(), f[3], "{}", f[0]);
        assert_eq!(tag.tagger.is_some(), f[1] == "tag");
        annotated += usize::from(f[1] == "tag");
    }
    assert_eq!(annotated, 1);
}

#[test]
fn each_commit_is_released_in_the_first_release_that_contains_it() {
    let (_dir, repo) = ants();
    let batches = git::read(&repo, &Options::default()).unwrap();
    assert_eq!(ids(&batches, ObjectType::Commit).len(), 712);
    assert_eq!(ids(&batches, ObjectType::Release).len(), 48);
    let mut released: HashMap<String, String> = HashMap::new();
    for r in batches.iter().flat_map(|b| &b.relations) {
        assert_eq!(r.qualifier, "released_in");
        let earlier = released.insert(r.source.clone(), r.target.clone());
        assert!(earlier.is_none(), "{} is in two first releases", r.source);
    }
    // Each release's commits are those git reaches from its tag but from no earlier tag.
    let tags = git_cli(
        &repo,
        &[
            "for-each-ref",
            "refs/tags",
            "--sort=creatordate",
            "--format=%(refname:short) %(creatordate:unix)",
        ],
    );
    let mut tags: Vec<(i64, String)> = tags
        .lines()
        .map(|l| {
            let (name, time) = l.split_once(' ').unwrap();
            (time.parse().unwrap(), name.to_string())
        })
        .collect();
    tags.sort();
    for (n, (_, tag)) in tags.iter().enumerate() {
        let mut args = vec!["rev-list".to_string(), tag.clone(), "--not".into()];
        args.extend(tags[..n].iter().map(|(_, t)| t.clone()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut expected: Vec<String> = git_cli(&repo, &args)
            .lines()
            .map(|h| format!("git:{h}"))
            .collect();
        expected.sort();
        let mut got: Vec<String> = released
            .iter()
            .filter(|(_, r)| **r == format!("git:ants/tag/{tag}"))
            .map(|(c, _)| c.clone())
            .collect();
        got.sort();
        assert_eq!(got, expected, "{tag}");
    }
    // A known fact: the first release holds the first commit.
    let root = git_cli(&repo, &["rev-list", "--max-parents=0", "v1.0.0"]);
    assert_eq!(
        released[&format!("git:{}", root.trim())],
        "git:ants/tag/v1.0.0"
    );

    // Into the store: everything new, then nothing changes.
    let store_dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&store_dir.path().join("events.sqlite")).unwrap();
    let mut first = vsm_events::Counts::default();
    for batch in &batches {
        first.add(&store.write(batch).unwrap());
    }
    assert_eq!(first.objects[&ObjectType::Commit].new, 712);
    assert_eq!(first.relations["released_in"].new, 712);
    assert_eq!(store.problems().unwrap(), Vec::<String>::new());
    for batch in git::read(&repo, &Options::default()).unwrap() {
        assert!(store.write(&batch).unwrap().changed_nothing());
    }
}

#[test]
fn a_tag_pattern_picks_the_releases_and_a_bad_one_says_how_to_write_it() {
    let (_dir, repo) = ants();
    let options = Options {
        tags: Some("v1.*".into()),
        deployments: None,
        name: None,
    };
    let releases = ids(&git::read(&repo, &options).unwrap(), ObjectType::Release);
    assert_eq!(releases.len(), 6, "{releases:?}");
    let options = Options {
        tags: Some("v[2".into()),
        deployments: None,
        name: None,
    };
    let error = git::read(&repo, &options).unwrap_err();
    assert!(
        error.to_string().starts_with(
            "the tag pattern `v[2` opens a `[` set it does not close; write a glob such as `v*`"
        ),
        "{error}"
    );
    let not_a_repo = tempfile::tempdir().unwrap();
    let error = git::read(not_a_repo.path(), &Options::default()).unwrap_err();
    assert!(
        matches!(error, GitError::NotARepository { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .ends_with("give the folder of a clone (the one with `.git` in it)"),
        "{error}"
    );
}

/// Which commits each deployment first shipped is computed over the store (crates/vsm's CLI
/// tests check it on this history); the walk gives the deployments, their events and commits.
#[test]
fn deployments_are_keyed_by_environment_and_id_and_linked_to_their_commit() {
    let (dir, repo) = ants();
    let commit = |rev: &str| {
        git_cli(&repo, &["rev-parse", &format!("{rev}^{{commit}}")])
            .trim()
            .to_string()
    };
    let (v210, v211) = (commit("v2.10.0"), commit("v2.11.0"));
    let csv = dir.path().join("deploys.csv");
    std::fs::write(
        &csv,
        format!(
            "id,environment,status,started,finished,sha\n\
             d1,production,success,2024-01-01T10:00:00Z,2024-01-01T10:05:00Z,{v210}\n\
             d2,production,failure,2024-01-02T10:00:00Z,,{v211}\n\
             d3,production,success,2024-01-03T10:00:00Z,2024-01-03T10:04:00Z,{}\n",
            &v211[..10]
        ),
    )
    .unwrap();
    let options = Options {
        tags: None,
        deployments: Some(csv.clone()),
        name: None,
    };
    let batches = git::read(&repo, &options).unwrap();
    let relations: Vec<_> = batches.iter().flat_map(|b| &b.relations).collect();
    assert!(relations.iter().all(|r| r.qualifier != "deployed_by"));
    let deploys: Vec<(&str, &str)> = relations
        .iter()
        .filter(|r| r.qualifier == "deploys")
        .map(|r| (r.source.as_str(), r.target.as_str()))
        .collect();
    let (v210, v211) = (format!("git:{v210}"), format!("git:{v211}"));
    assert_eq!(
        deploys,
        [
            ("deploy:ants:production:d1", v210.as_str()),
            ("deploy:ants:production:d2", v211.as_str()),
            ("deploy:ants:production:d3", v211.as_str())
        ]
    );
    let events: Vec<&str> = batches
        .iter()
        .flat_map(|b| &b.events)
        .filter(|e| e.id.starts_with("deploy:"))
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(events.len(), 5, "{events:?}");
    let v210 = &v210["git:".len()..];

    // The same as JSON Lines.
    let jsonl = dir.path().join("deploys.jsonl");
    std::fs::write(&jsonl, format!("{{\"id\":\"d1\",\"environment\":\"staging\",\"status\":\"success\",\"started\":\"2024-01-01T10:00:00Z\",\"finished\":null,\"commit\":\"{v210}\"}}\n")).unwrap();
    let options = Options {
        tags: None,
        deployments: Some(jsonl.clone()),
        name: None,
    };
    let batches = git::read(&repo, &options).unwrap();
    assert_eq!(
        ids(&batches, ObjectType::Deployment),
        ["deploy:ants:staging:d1"]
    );

    // Bad rows: the file, the row and field, the value, the fix.
    for (row, expected) in [
        (
            format!("d1,production,success,yesterday,,{v210}"),
            format!(
                "{}, row 2, field `started`: `yesterday` is not a time; write the time as RFC 3339 with its offset, e.g. `2024-05-01T14:03:00Z`",
                csv.display()
            ),
        ),
        (
            "d1,production,success,2024-01-01T10:00:00Z,,0000000".to_string(),
            format!(
                "{}, row 2, field `commit`: `0000000` is no commit reachable in the repository; give the full 40-character hash of a commit in this repository",
                csv.display()
            ),
        ),
        (
            format!(
                "{},production,success,2024-01-01T10:00:00Z,,{v210}",
                "x".repeat(3_000_000)
            ),
            format!(
                "{}, row 2, field `id`: `{}` is longer than 500 characters; check the row: a quote left open or a wrong separator runs fields together",
                csv.display(),
                "x".repeat(60)
            ),
        ),
        (
            format!("d1,production,success,2024-01-02T10:00:00Z,2024-01-01T10:00:00Z,{v210}"),
            format!(
                "{}, row 2, field `finished`: `2024-01-01T10:00:00Z` is before it started (2024-01-02T10:00:00Z); check the two times",
                csv.display()
            ),
        ),
    ] {
        std::fs::write(
            &csv,
            format!("id,environment,status,started,finished,commit\n{row}\n"),
        )
        .unwrap();
        let options = Options {
            tags: None,
            deployments: Some(csv.clone()),
            name: None,
        };
        assert_eq!(
            git::read(&repo, &options).unwrap_err().to_string(),
            expected
        );
    }
    std::fs::write(&csv, "id,environment,started\n").unwrap();
    let options = Options {
        tags: None,
        deployments: Some(csv.clone()),
        name: None,
    };
    assert_eq!(
        git::read(&repo, &options).unwrap_err().to_string(),
        format!(
            "{}, row 1 (the header): no `status` column; the columns found are `id`, `environment`, `started`\n  help: name the column `status`; a deployment's columns are id, environment, status, started, finished (may be empty) and commit (or sha)",
            csv.display()
        )
    );
}

#[test]
fn deployments_file_errors_name_what_was_found_and_what_is_expected() {
    let (dir, repo) = ants();
    let head = git_cli(&repo, &["rev-parse", "HEAD"]);
    let row = format!(
        "\"id\":\"d1\",\"environment\":\"prod\",\"status\":\"success\",\"started\":\"2024-01-01T00:00:00Z\",\"commit\":\"{}\"",
        head.trim()
    );
    let cases = [
        // A missing commit column: the columns found and the names accepted.
        (
            "no-commit.csv",
            "id,environment,status,started,finished\nd1,prod,success,2024-01-01T00:00:00Z,\n".to_string(),
            "no-commit.csv, row 1 (the header): no `commit` column; the columns found are `id`, `environment`, `status`, `started`, `finished`\n  help: name the column `commit` (or `sha`); a deployment's columns are id, environment, status, started, finished (may be empty) and commit (or sha)",
        ),
        // The same in JSON Lines.
        (
            "no-commit.jsonl",
            "{\"id\":\"d1\",\"environment\":\"prod\",\"status\":\"success\",\"started\":\"2024-01-01T00:00:00Z\"}\n".to_string(),
            "no-commit.jsonl, line 1: no `commit` field; the fields found are `id`, `environment`, `status`, `started`\n",
        ),
        // A JSON array instead of JSON Lines.
        (
            "array.json",
            format!("[{{{row}}}]\n"),
            "array.json` is a JSON array; a deployments file in JSON is JSON Lines: one object per line",
        ),
        // A position is the line's column, counted from 1, not serde's `line 1` of a later line.
        (
            "cut.jsonl",
            format!("{{{row}}}\n{{\"id\": \n"),
            "cut.jsonl, row 2, field `(line)`: `{\"id\": ` is not a JSON object (EOF while parsing a value at column 7)",
        ),
    ];
    for (name, content, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let options = Options {
            tags: None,
            deployments: Some(file),
            name: None,
        };
        let said = git::read(&repo, &options).unwrap_err().to_string();
        assert!(said.contains(expected), "{said}");
        assert!(
            !said.contains("column 0") && !said.contains("line 1 column"),
            "{said}"
        );
    }
    // A folder given as the file.
    let options = Options {
        tags: None,
        deployments: Some(dir.path().to_path_buf()),
        name: None,
    };
    let said = git::read(&repo, &options).unwrap_err().to_string();
    assert!(said.ends_with(": it is a folder; give the file"), "{said}");
}
