//! Hostile and unusual input (issue 10): binary and UTF-16 files, pipes, standard input, limits,
//! terminal escapes.

use std::path::Path;
use std::process::{Command, Output};

use crate::{
    folder_with, history_fixture, repo_root, stderr, stdout, vsm, vsm_command, vsm_fails_in,
    vsm_ok, vsm_ok_in,
};

#[test]
fn a_binary_file_is_refused_with_its_byte_offset() {
    let dir = folder_with(&[("map.yaml", b"name: x\n\xff\xfe\x00")]);
    assert_eq!(
        vsm_fails_in(dir.path(), &["validate", "map.yaml"]),
        "error: `map.yaml` is not a text file: invalid UTF-8 at byte 8; a map file is YAML text (UTF-8)\n"
    );
}

#[test]
fn a_map_extending_a_text_file_quotes_only_its_first_line() {
    let dir = folder_with(&[
        (
            "passwd",
            "root:x:0:0:root:/root:/bin/bash\nci:x:1000:1000:token=s3cr3t:/home/ci:/bin/sh\n",
        ),
        ("future.yaml", "extends: passwd\nname: Future\n"),
    ]);
    let said = vsm_fails_in(dir.path(), &["validate", "future.yaml"]);
    assert!(!said.contains("s3cr3t"), "{said}");
    assert!(
        said.contains("found the text `root:x:0:0:root:/root:/bin/bash…`"),
        "{said}"
    );
}

/// Runs `vsm` in `dir` with `input` on its standard input.
fn vsm_with_stdin(dir: &Path, args: &[&str], input: Vec<u8>) -> Output {
    use std::io::Write as _;
    let mut child = vsm_command(dir, args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Written from a thread: the pipe holds only so much before vsm reads it.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

#[test]
fn discover_reads_a_log_from_standard_input_and_from_a_fifo() {
    let root = repo_root();
    for log in [
        "testdata/xes/running-example.xes",
        "testdata/xes/03_repairExample.xes.gz",
        "testdata/csv/interval_event_log.csv",
    ] {
        let from_file = vsm_ok(&["discover", log, "--format", "json"]);
        let bytes = std::fs::read(root.join(log)).unwrap();
        // `-` and `/dev/stdin`: the bytes looked at to tell the format are not lost.
        for name in ["-", "/dev/stdin"] {
            let piped = vsm_with_stdin(
                &root,
                &["discover", name, "--format", "json"],
                bytes.clone(),
            );
            assert!(
                piped.status.success(),
                "{log} as {name}: {}",
                stderr(&piped)
            );
            assert_eq!(stdout(&piped), stdout(&from_file), "{log} as {name}");
        }
        let said = stderr(&vsm_with_stdin(&root, &["discover", "-"], bytes.clone()));
        assert!(said.starts_with("standard input: read "), "{said}");
        // A named pipe, as `<(zcat log.gz)` gives.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("log-pipe");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, bytes).unwrap())
        };
        let piped = vsm(&["discover", fifo.to_str().unwrap(), "--format", "json"]);
        writer.join().unwrap();
        assert!(
            piped.status.success(),
            "{log} from a FIFO: {}",
            stderr(&piped)
        );
        assert_eq!(stdout(&piped), stdout(&from_file), "{log} from a FIFO");
    }
    // A map proposed from standard input names no log to measure from: it cannot be read again.
    let bytes = std::fs::read(root.join("testdata/xes/running-example.xes")).unwrap();
    let map = vsm_with_stdin(&root, &["discover", "-", "--format", "yaml"], bytes);
    assert!(map.status.success(), "{}", stderr(&map));
    assert!(!stdout(&map).contains("\nmeasure:"), "{}", stdout(&map));
}

#[test]
fn snapshot_measures_from_events_on_standard_input() {
    let (dir, _) = history_fixture();
    let log = std::fs::read(repo_root().join("testdata/csv/interval_event_log.csv")).unwrap();
    let output = vsm_with_stdin(
        dir.path(),
        &["snapshot", "orders.yaml", "--events", "-", "--db", "h.db"],
        log,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("standard input: read 8109 events"),
        "{}",
        stderr(&output)
    );
    vsm_ok_in(
        dir.path(),
        &["trend", "orders.yaml", "--db", "h.db", "--format", "json"],
    );
}

#[test]
fn utf16_maps_are_said_to_be_utf16() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name: x\nsteps:\n  - id: a\n";
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    for (name, bytes) in [
        ("bom.yaml", [&[0xff, 0xfe][..], &little].concat()),
        ("le.yaml", little),
        ("be.yaml", big),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        assert_eq!(
            vsm_fails_in(dir.path(), &["validate", name]),
            format!(
                "error: `{name}` is UTF-16 text: save it as UTF-8 (a map file is YAML text in UTF-8)\n"
            )
        );
    }
}

#[test]
fn a_map_or_log_that_never_ends_is_refused_not_read_forever() {
    // The map itself, a map it extends, and the log it measures from: all `/dev/zero`.
    let dir = folder_with(&[
        ("future.yaml", "extends: /dev/zero\nname: x\n"),
        (
            "measured.yaml",
            "name: x\nsteps:\n  - { id: a, measure: { activity: a } }\nmeasure:\n  log: /dev/zero\n",
        ),
    ]);
    assert_eq!(
        vsm_fails_in(dir.path(), &["validate", "/dev/zero"]),
        "error: `/dev/zero` is larger than 16 MiB, the most vsm reads as a map file; check that it is the map you meant, or raise the limit with VSM_MAX_MAP_SIZE=64MiB\n"
    );
    let said = vsm_fails_in(dir.path(), &["analyze", "future.yaml"]);
    assert!(said.contains("`/dev/zero` is larger than 16 MiB"), "{said}");
    let said = vsm_fails_in(dir.path(), &["analyze", "measured.yaml"]);
    assert!(
        said.contains("/dev/zero:1: the content is binary data, not an event log"),
        "{said}"
    );
}

#[test]
fn log_limits_are_raised_and_lowered_with_environment_variables() {
    let log = "testdata/csv/interval_event_log.csv";
    let with = |variable: &str, value: &str| {
        vsm_command(&repo_root(), &["discover", log])
            .env(variable, value)
            .output()
            .unwrap()
    };
    let output = with("VSM_MAX_FIELD_SIZE", "40");
    assert_eq!(output.status.code(), Some(1));
    let said = stderr(&output);
    assert!(
        said.starts_with(&format!("error: {log}:1: one row is longer than 40 bytes")),
        "{said}"
    );
    assert!(said.contains("help: if the log really holds one row this long, raise the limit: set VSM_MAX_FIELD_SIZE=160"), "{said}");
    assert!(with("VSM_MAX_FIELD_SIZE", "1KiB").status.success());
    let output = with("VSM_MAX_TRACE_SIZE", "lots");
    assert_eq!(
        stderr(&output),
        "error: VSM_MAX_TRACE_SIZE is `lots`, which is not a size; write it like `256MiB`, `4GiB` or a number of bytes\n"
    );
}

#[test]
fn names_with_terminal_escapes_are_shown_not_obeyed() {
    // A step name that would turn a terminal red and clear it, and a misspelled field on a line
    // that carries the same escape: no control character reaches the output.
    let dir = folder_with(&[
        (
            "map.yaml",
            "name: \"Esc \\e[31mred\\e[2J\"\nsteps:\n  - { id: a, name: \"\\e]0;title\\a A\", process_time: 1h }\n",
        ),
        (
            "bad.yaml",
            "name: B\nsteps:\n  - { id: a, proces_time: 1h }  # \u{1b}[2J\n",
        ),
    ]);
    for format in ["text", "markdown"] {
        let text = stdout(&vsm_ok_in(
            dir.path(),
            &["analyze", "map.yaml", "--format", format],
        ));
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{format}: {text:?}"
        );
        if format == "text" {
            assert!(text.contains(r"\u{1b}[31mred"), "{text}");
        }
    }
    let said = vsm_fails_in(dir.path(), &["validate", "bad.yaml"]);
    assert!(!said.contains('\u{1b}'), "{said:?}");
    assert!(said.contains("proces_time"), "{said}");
}
