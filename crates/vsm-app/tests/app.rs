//! The application through a `Files` that is not the file system: maps and logs held in memory,
//! as the server will hand them over (uploads, rows of a database). Everything a front end shows
//! comes back as data: warnings, the problems of an invalid map, what an import read.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use vsm_app::{Files, Invalid};
use vsm_ingest::IngestError;

/// Files in memory, by normalized path.
#[derive(Default)]
struct Memory(HashMap<PathBuf, Vec<u8>>);

impl Memory {
    fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.0.insert(PathBuf::from(path), bytes.into());
        self
    }

    fn get(&self, path: &Path) -> Option<&Vec<u8>> {
        self.0.get(&vsm_app::paths::normalize(path))
    }
}

impl Files for Memory {
    fn read_map(&self, path: &Path) -> anyhow::Result<String> {
        let bytes = self
            .get(path)
            .ok_or_else(|| anyhow::anyhow!("no map `{}` was uploaded", path.display()))?;
        vsm_app::files::map_text(bytes.clone())
            .map_err(|problem| anyhow::anyhow!("`{}` {problem}", path.display()))
    }

    fn open_log(&self, path: &Path) -> Result<Box<dyn Read + Send>, IngestError> {
        let bytes = self.get(path).cloned().ok_or_else(|| IngestError::Io {
            file: path.display().to_string(),
            cause: std::io::Error::new(std::io::ErrorKind::NotFound, "not uploaded"),
        })?;
        Ok(Box::new(std::io::Cursor::new(bytes)))
    }
}

fn repo(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path),
    )
    .unwrap()
}

/// The orders map and its interval log (testdata/csv/interval_event_log.csv), in memory.
fn orders() -> Memory {
    Memory::default()
        .with("maps/orders.yaml", repo("testdata/measure/orders.yaml"))
        .with(
            "csv/interval_event_log.csv",
            repo("testdata/csv/interval_event_log.csv"),
        )
}

#[test]
fn a_map_is_measured_from_a_log_held_in_memory_as_from_the_file() {
    let loaded = vsm_app::load::load(&orders(), Path::new("maps/orders.yaml"), None).unwrap();
    let measured = loaded.measured.as_ref().expect("the map names a log");
    assert_eq!(measured.log, "csv/interval_event_log.csv");
    assert!(measured.stats.events_read > 0);
    assert_eq!(measured.stats.events_read, measured.stats.events_used);
    assert_eq!(measured.stats.skipped_count, 0);

    // The same map measured from the file system gives the same numbers.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let from_disk = vsm_app::load::load(
        &vsm_app::FileSystem::default(),
        &root.join("testdata/measure/orders.yaml"),
        None,
    )
    .unwrap();
    assert_eq!(loaded.metrics(), from_disk.metrics());
    assert_eq!(
        loaded.analysis_json(),
        from_disk
            .analysis_json()
            .replace(&from_disk.measured.as_ref().unwrap().log, &measured.log)
    );
}

#[test]
fn a_future_state_is_measured_through_the_map_it_extends() {
    let files = orders().with(
        "maps/reminders.yaml",
        "extends: orders.yaml\nname: Web orders with payment reminders\nsteps:\n  - { id: pay, wait_time: 5d }\n",
    );
    let loaded = vsm_app::load::load(&files, Path::new("maps/reminders.yaml"), None).unwrap();
    assert_eq!(loaded.extends, Some(PathBuf::from("maps/orders.yaml")));
    assert!(loaded.measured.is_some(), "measured through its base's log");
    let pay = loaded.stream.step_index("pay").unwrap();
    assert_eq!(
        loaded.stream.steps[pay].wait_time,
        vsm_core::Duration::from_secs(5 * 86_400),
        "its design sets the wait it changes"
    );
}

/// Checks `future.yaml`, a map that extends `base.yaml` with the text `base`.
fn check_future_of(base: &str) -> anyhow::Result<vsm_app::load::Checked> {
    let files = Memory::default()
        .with("base.yaml", base)
        .with("future.yaml", "extends: base.yaml\nname: Future\n");
    vsm_app::load::check(&files, Path::new("future.yaml"))
}

#[test]
fn warnings_come_back_as_data_with_their_file() {
    // `0.75` for a percentage is read as 0.75%, with a warning.
    let checked = check_future_of(
        "name: x\nsteps:\n  - { id: a, process_time: 1h, complete_accurate: 0.75 }\n",
    )
    .unwrap();
    let files: Vec<&Path> = checked.warnings.iter().map(|f| f.path.as_path()).collect();
    assert_eq!(files, [Path::new("base.yaml"), Path::new("future.yaml")]);
    let [warning] = &checked.warnings[0].diagnostics[..] else {
        panic!("{:?}", checked.warnings);
    };
    assert!(!warning.is_error());
    assert!(warning.message.contains("0.75"), "{}", warning.message);
    assert!(checked.warnings[1].diagnostics.is_empty());
}

#[test]
fn a_base_with_errors_gives_its_problems_and_says_which_map_extends_it() {
    let error =
        check_future_of("name: Base\nsteps:\n  - { id: a, process_time: soon }\n").unwrap_err();
    let invalid = error.downcast_ref::<Invalid>().expect("problems as data");
    assert_eq!(invalid.files.len(), 1);
    assert_eq!(invalid.files[0].path, Path::new("base.yaml"));
    assert!(
        invalid.files[0]
            .diagnostics
            .iter()
            .any(vsm_core::Diagnostic::is_error)
    );
    assert_eq!(
        invalid.message.as_deref(),
        Some("`future.yaml` extends `base.yaml`, which has errors (above)")
    );
}

#[test]
fn a_map_with_errors_is_invalid_with_nothing_more_to_say() {
    let files = Memory::default().with("map.yaml", "name: x\nsteps: 3\n");
    let error = vsm_app::load::check(&files, Path::new("map.yaml")).unwrap_err();
    let invalid = error.downcast_ref::<Invalid>().expect("problems as data");
    assert_eq!(invalid.message, None);
    assert!(
        invalid.files[0]
            .diagnostics
            .iter()
            .any(vsm_core::Diagnostic::is_error)
    );
}

#[test]
fn extends_that_loop_are_refused() {
    let files = Memory::default()
        .with("a.yaml", "extends: b.yaml\nname: A\n")
        .with("b.yaml", "extends: a.yaml\nname: B\n");
    let error = vsm_app::load::check(&files, Path::new("a.yaml")).unwrap_err();
    assert!(
        format!("{error:#}").contains("extends maps more than eight deep"),
        "{error:#}"
    );
}

#[test]
fn discovery_reads_an_upload_and_proposes_no_measure_section_for_it() {
    let files = orders();
    let options = vsm_ingest::ReadOptions::default();
    let log = Path::new("csv/interval_event_log.csv");
    let found = vsm_app::discover::run(&files, log, None, &options).unwrap();
    assert_eq!(found.stats.events_read, found.stats.events_used);
    assert!(!found.discovery.main_path.is_empty());
    let reading = vsm_app::discover::LogReading {
        options: &options,
        format: None,
        zone: None,
    };
    // An upload cannot be read again by path: the proposed map does not name it.
    let map = vsm_app::discover::propose(&files, log, &found, None, reading).unwrap();
    assert!(!map.contains("\nmeasure:"), "{map}");
    assert!(vsm_core::parse_map(&map).stream.is_some(), "{map}");
}

#[test]
fn a_missing_upload_is_an_error_that_names_it() {
    let files = Memory::default().with(
        "map.yaml",
        "name: x\nsteps:\n  - { id: a, process_time: 1h, measure: { activity: a } }\nmeasure:\n  log: gone.csv\n",
    );
    let error = vsm_app::load::load(&files, Path::new("map.yaml"), None).unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("gone.csv"), "{message}");
    assert!(message.contains("not uploaded"), "{message}");
}

#[test]
fn an_extends_that_is_not_a_file_name_is_a_located_problem_of_the_map() {
    let files = Memory::default().with("future.yaml", "name: F\nextends: [a.yaml]\n");
    let error = vsm_app::load::check(&files, Path::new("future.yaml")).unwrap_err();
    let invalid = error.downcast_ref::<Invalid>().expect("problems as data");
    let [problem] = &invalid.files[0].diagnostics[..] else {
        panic!("{:?}", invalid.files);
    };
    assert!(problem.is_error());
    assert_eq!(problem.location.map(|l| (l.line, l.column)), Some((2, 10)));
}
