//! Runs the real `vsm` binary for each command, with snapshots of what it prints: one module per
//! command (or per kind of input), the running of the binary and the shared fixtures here.
#![allow(clippy::float_cmp)] // durations in whole seconds compare exactly

#[path = "../common/mod.rs"]
mod common;

mod analyze;
mod compare;
mod deployments_file;
mod discover;
mod dora;
mod dora_inputs;
mod dora_numbers;
mod fetch;
mod history;
mod hooks;
mod hosted;
mod hostile;
mod init;
mod jira_board;
mod measure;
mod plan;
mod pulls;
mod queues;
mod render;
mod report;
mod serve;
mod simulate;
mod store_log;
mod validate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

use common::repo_root;

/// `vsm` with `args`, to run in `dir`, without colours.
fn vsm_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vsm"));
    command.args(args).current_dir(dir).env("NO_COLOR", "1");
    command
}

/// Runs `vsm args` in `dir` and kills it at instants spread over the time one whole run takes
/// (measured here, so that they land inside a running process on a fast machine and on a loaded
/// one alike), each round from an empty `store`, then runs it again to the end and hands the
/// store to `check`: a run killed at any instant and started again ends as one clean run.
fn killed_and_run_again(dir: &Path, args: &[&str], store: &Path, check: impl Fn(&Path)) {
    const ROUNDS: u32 = 12;
    let remove = || {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", store.display()));
        }
    };
    remove();
    let started = std::time::Instant::now();
    vsm_ok_in(dir, args);
    let whole = started.elapsed();
    let mut interrupted = 0;
    for round in 0..ROUNDS {
        remove();
        let mut child = vsm_command(dir, args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * (2 * round + 1) / (2 * ROUNDS + 2));
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        vsm_ok_in(dir, args);
        check(store);
    }
    assert!(
        interrupted >= 4,
        "only {interrupted} of {ROUNDS} kills hit a running `vsm {}` (one whole run took {whole:?})",
        args.join(" ")
    );
}

/// Runs `vsm` from the repository root, so paths in messages are short and stable.
fn vsm(args: &[&str]) -> Output {
    vsm_in(&repo_root(), args)
}

/// As a user who installed vsm runs it: not under cargo, with `vsm` on the PATH.
fn vsm_in(dir: &Path, args: &[&str]) -> Output {
    vsm_command(dir, args)
        .env_remove("CARGO")
        .env("PATH", installed_path())
        .output()
        .unwrap()
}

/// The PATH with the built `vsm` first.
fn installed_path() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_vsm")).parent().unwrap();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap()
}

/// Runs `vsm` from the repository root, which must succeed.
fn vsm_ok(args: &[&str]) -> Output {
    vsm_ok_in(&repo_root(), args)
}

/// Runs `vsm` in `dir`, which must succeed.
fn vsm_ok_in(dir: &Path, args: &[&str]) -> Output {
    let output = vsm_in(dir, args);
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

/// Runs `vsm` from the repository root, which must fail with exit code 1: what it said on standard
/// error.
fn vsm_fails(args: &[&str]) -> String {
    vsm_fails_in(&repo_root(), args)
}

/// Runs `vsm` in `dir`, which must fail with exit code 1: what it said on standard error.
fn vsm_fails_in(dir: &Path, args: &[&str]) -> String {
    let output = vsm_in(dir, args);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    stderr(&output)
}

/// Runs `vsm` with `args` and `--format json` from the repository root, which must succeed: what
/// it printed.
fn json_ok(args: &[&str]) -> serde_json::Value {
    json_ok_in(&repo_root(), args)
}

/// Runs `vsm` with `args` and `--format json` in `dir`, which must succeed: what it printed.
fn json_ok_in(dir: &Path, args: &[&str]) -> serde_json::Value {
    json_of(&vsm_ok_in(dir, &[args, &["--format", "json"]].concat()))
}

/// A new temporary folder holding `files`, each a name and its contents.
fn folder_with<C: AsRef<[u8]>>(files: &[(&str, C)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    dir
}

/// What a run printed on standard output.
fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// What a run printed on standard error.
fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The example maps in `examples/`, by name.
const EXAMPLES: [&str; 3] = ["feature-delivery", "platform-change", "regulated-release"];

/// What a run printed on standard output, as JSON.
fn json_of(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(output), stderr(output)))
}

/// What `vsm simulate ARGS --format json` prints in `dir`, which must succeed.
fn simulate_json_in(dir: &Path, args: &[&str]) -> serde_json::Value {
    json_ok_in(dir, &[&["simulate"][..], args].concat())
}

/// The entry of `list`, a JSON array, whose `key` is `value`.
fn entry<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|entry| entry[key] == value)
        .unwrap_or_else(|| panic!("no {key} `{value}` in {list}"))
}

/// The entry of `list`, a JSON array, whose `id` is `id`.
fn by_id<'a>(list: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    entry(list, "id", id)
}

/// The interval log's orders as a team would have measured them at three moments: the events up
/// to 1 February and 1 April 2015 (cut from the real log), then the whole log: a new temporary
/// folder, and the path of the map in it, `orders.yaml`.
fn history_fixture() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = repo_root().join("testdata/csv/interval_event_log.csv");
    let text = std::fs::read_to_string(&log).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    for (name, cutoff) in [("jan.csv", "2015-02-01"), ("mar.csv", "2015-04-01")] {
        let mut cut = format!("{header}\n");
        for row in rows
            .lines()
            .filter(|row| row.split(',').nth(2).unwrap() < cutoff)
        {
            cut.push_str(row);
            cut.push('\n');
        }
        std::fs::write(dir.path().join(name), cut).unwrap();
    }
    let map = dir.path().join("orders.yaml");
    let source = std::fs::read_to_string(repo_root().join("testdata/measure/orders.yaml"))
        .unwrap()
        .replace("../csv/interval_event_log.csv", log.to_str().unwrap())
        + "targets:\n  lead_time: { max: 30d }\n  complete_accurate: { min: 80% }\nimprovements:\n  - { id: remind, step: pay, action: Send payment reminders sooner, target: { wait_time: 7d } }\n  - { id: daily, step: prepare, action: Prepare deliveries daily, started: 2015-03-01, status: in_progress, target: { wait_time: 2d } }\n";
    std::fs::write(&map, source).unwrap();
    (dir, map)
}
