//! Loading a map: its text, the maps it `extends:`, its problems as data; then measuring it from
//! the event log it names and analyzing it.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use vsm_core::{Diagnostic, ValueStream};

use crate::Files;
use crate::measure::{self, Measured};

/// A file's problems, with the text their places point into.
#[derive(Clone, Debug)]
pub struct FileDiagnostics {
    pub path: PathBuf,
    pub source: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// A map that cannot be used: the problems found (those of the maps it extends first), and what
/// to say after them when the problems alone do not say it.
#[derive(Debug)]
pub struct Invalid {
    pub files: Vec<FileDiagnostics>,
    pub message: Option<String>,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or("the map has errors"))
    }
}

impl std::error::Error for Invalid {}

/// A map as read, with the map it extends.
#[derive(Debug)]
pub struct Parsed {
    /// The problems of the maps it extends (first) and of the map itself (last).
    pub files: Vec<FileDiagnostics>,
    /// The map, when it has no errors.
    pub stream: Option<ValueStream>,
    /// The map it extends, with its path.
    pub base: Option<(PathBuf, ValueStream)>,
    /// When the map it extends extends another in turn: the map at the bottom of the chain (the
    /// current state the future states are built on), with its path.
    pub root: Option<(PathBuf, ValueStream)>,
}

impl Parsed {
    /// The map itself, or [`Invalid`] with its problems.
    pub fn checked(self) -> Result<Checked, Invalid> {
        match self.stream {
            Some(stream) => Ok(Checked {
                stream,
                base: self.base,
                root: self.root,
                warnings: self.files,
            }),
            None => Err(Invalid {
                files: self.files,
                message: None,
            }),
        }
    }
}

/// A map without errors.
#[derive(Debug)]
pub struct Checked {
    pub stream: ValueStream,
    /// The map it extends, with its path.
    pub base: Option<(PathBuf, ValueStream)>,
    /// When the map it extends extends another in turn: the map at the bottom of the chain.
    pub root: Option<(PathBuf, ValueStream)>,
    /// Its warnings, and those of the maps it extends, by file.
    pub warnings: Vec<FileDiagnostics>,
}

/// How deep maps may extend maps: deeper is taken for a loop.
const MAX_EXTENDS: usize = 8;

/// Reads and parses the map at `path`, and the maps it extends (relative to it).
pub fn parse(files: &dyn Files, path: &Path) -> Result<Parsed> {
    let source = files.read_map(path)?;
    parse_source(files, path, source)
}

/// As [`parse`], for map text already read from `path`.
pub fn parse_source(files: &dyn Files, path: &Path, source: String) -> Result<Parsed> {
    parse_at(files, path, source, 0)
}

fn parse_at(files: &dyn Files, path: &Path, source: String, depth: usize) -> Result<Parsed> {
    let header = match vsm_core::Header::read(&source) {
        Ok(header) => header,
        Err(diagnostics) => {
            return Ok(Parsed {
                files: vec![file_diagnostics(path, source, diagnostics)],
                stream: None,
                base: None,
                root: None,
            });
        }
    };
    let Some(extends) = header.extends else {
        let parsed = vsm_core::parse_map(&source);
        return Ok(Parsed {
            files: vec![file_diagnostics(path, source, parsed.diagnostics)],
            stream: parsed.stream,
            base: None,
            root: None,
        });
    };
    if depth > MAX_EXTENDS {
        bail!(
            "`{}` extends maps more than eight deep; is there a loop of `extends:`?",
            path.display()
        );
    }
    let base_name = &extends.base;
    let base_path = path.parent().unwrap_or(Path::new(".")).join(base_name);
    let base_source = files
        .read_map(&base_path)
        .with_context(|| format!("`{}` extends `{base_name}`", path.display()))?;
    let base = parse_at(files, &base_path, base_source, depth + 1)?;
    // The bottom of the chain: the base's own root, or the map the base extends.
    let root = base.root.or(base.base);
    let Some(base_stream) = base.stream else {
        return Err(Invalid {
            files: base.files,
            message: Some(format!(
                "`{}` extends `{}`, which has errors (above)",
                path.display(),
                base_path.display()
            )),
        }
        .into());
    };
    let parsed = vsm_core::parse_map_extending(&source, &base_stream);
    let mut all = base.files;
    all.push(file_diagnostics(path, source, parsed.diagnostics));
    Ok(Parsed {
        files: all,
        stream: parsed.stream,
        base: Some((base_path, base_stream)),
        root,
    })
}

/// The problems of `files` (the map itself last) as the diagnostics report (JSON): what
/// `vsm validate --format json` prints for a map and the server answers for one it refuses.
pub fn diagnostics_report(files: &[FileDiagnostics], message: Option<&str>) -> serde_json::Value {
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    let shown: Vec<vsm_render::diagnostics::File<'_>> = files
        .iter()
        .zip(&names)
        .map(|(f, name)| vsm_render::diagnostics::File {
            path: name,
            diagnostics: &f.diagnostics,
        })
        .collect();
    serde_json::to_value(vsm_render::diagnostics::report(&shown, message))
        .expect("the report serializes")
}

fn file_diagnostics(path: &Path, source: String, diagnostics: Vec<Diagnostic>) -> FileDiagnostics {
    FileDiagnostics {
        path: path.to_path_buf(),
        source,
        diagnostics,
    }
}

/// Reads the map at `path` and checks it: [`Invalid`] (in the error) when it has errors.
pub fn check(files: &dyn Files, path: &Path) -> Result<Checked> {
    Ok(parse(files, path)?.checked()?)
}

/// A map, analyzed with measured numbers where it has them.
#[derive(Debug)]
pub struct Loaded {
    /// The map as written: the estimates.
    pub estimates: ValueStream,
    /// The map with measured numbers in place of estimates (the same as `estimates` unmeasured).
    pub stream: ValueStream,
    pub analysis: vsm_core::Analysis,
    pub measured: Option<Measured>,
    /// The path of the map it extends, if it is a future state.
    pub extends: Option<PathBuf>,
    /// Its warnings, and those of the maps it extends, by file.
    pub warnings: Vec<FileDiagnostics>,
}

impl Loaded {
    /// Re-expresses the map's waits in the time `time` counts waits in (calendar or working
    /// time), and analyses it again, so that it compares with a map that counts waits so: 31 days
    /// of calendar waiting are 22.2 working days of 16 h over 5-day weeks, not 46.6. `false`
    /// (nothing changed) when both count waits alike, or the map is measured (its waits are the
    /// log's, in the log's clock).
    pub fn waits_as(&mut self, time: &vsm_core::WorkingTime) -> bool {
        let (from, to) = (self.stream.working_time.wait_share(), time.wait_share());
        if self.measured.is_some() || (from - to).abs() < 1e-12 {
            return false;
        }
        for stream in [&mut self.estimates, &mut self.stream] {
            for step in &mut stream.steps {
                step.wait_time =
                    vsm_core::Duration::from_secs_f64(step.wait_time.as_secs_f64() * to / from);
            }
            stream.working_time = *time;
        }
        self.analysis = vsm_core::analyze(&self.stream);
        true
    }

    /// Proposes what to try at each bottleneck and puts the proposals under it (see
    /// [`vsm_core::countermeasure`]), each with the numbers `vsm compare` gives for its overlay
    /// saved beside the map at `path`. A measured map's overlays are measured through its log, as
    /// the loader measures a future state. A measured future state gets none: its overlay would
    /// be measured through the current state at the bottom of its chain, which is not at hand.
    pub fn propose_countermeasures(&mut self, path: &Path) {
        use vsm_core::countermeasure::{attach, propose_with};
        let extends = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let proposals = match &self.measured {
            None => propose_with(
                &self.estimates,
                &self.stream,
                &self.analysis,
                &extends,
                &|future| vsm_core::try_analyze(future).ok(),
            ),
            Some(measured) if measured.current.is_none() => {
                let evaluate = |future: &ValueStream| {
                    let measurement = measured
                        .measurement
                        .clone()
                        .for_future(&self.estimates, future);
                    let (stream, _) = vsm_core::measure::apply(future, &measurement);
                    vsm_core::analysis::try_analyze_measured(&stream, &measurement).ok()
                };
                propose_with(
                    &self.estimates,
                    &self.stream,
                    &self.analysis,
                    &extends,
                    &evaluate,
                )
            }
            Some(_) => Vec::new(),
        };
        attach(&mut self.analysis, proposals);
    }

    /// The named numbers snapshots keep and checks read.
    pub fn metrics(&self) -> Vec<(String, f64)> {
        vsm_core::metrics::of(
            &self.stream,
            &self.analysis,
            self.measured.as_ref().map(|m| &m.measurement),
        )
    }

    /// The analysis as JSON, each step's numbers marked measured or estimated.
    pub fn analysis_json(&self) -> String {
        let measured = self.measured.as_ref().map(|m| m.view(&self.estimates));
        vsm_render::json::render_with_provenance(&self.stream, &self.analysis, measured.as_ref())
    }

    /// Each step's provenance: measured, or estimated (a wait derived from a queue as such).
    pub fn provenance(&self) -> Vec<vsm_core::measure::StepProvenance> {
        self.measured.as_ref().map_or_else(
            || {
                self.stream
                    .steps
                    .iter()
                    .map(vsm_core::measure::StepProvenance::of)
                    .collect()
            },
            |m| m.provenance.clone(),
        )
    }
}

/// Measures a checked map (read from `path`) from `events`, or the log it names, and analyzes
/// it. A future state is measured through the map it extends (its log, its steps), with its
/// design applied to that: the items never passed the steps it adds, nor skipped those it
/// removes.
pub fn measure(
    files: &dyn Files,
    path: &Path,
    checked: Checked,
    events: Option<&Path>,
) -> Result<Loaded> {
    let Checked {
        stream: estimates,
        base,
        root,
        warnings,
    } = checked;
    // A future state is measured through the current state at the bottom of its chain of
    // `extends:` (the map it extends, or that map's own base, and so on): the log's items passed
    // that map's steps, and every future state on the way only designs.
    let measured = match root.as_ref().or(base.as_ref()) {
        Some((current_path, current))
            if current.measure.is_some() && current.measure == estimates.measure =>
        {
            measure::measure(files, current_path, current, events)?
                .map(|m| m.for_future(current, &estimates))
        }
        _ => measure::measure(files, path, &estimates, events)?,
    };
    let (stream, analysis) = match &measured {
        Some(m) => {
            // The reader checked the map's own numbers; measured ones are checked here.
            let analysis = vsm_core::analysis::try_analyze_measured(&m.stream, &m.measurement)
                .map_err(|error| {
                    anyhow::anyhow!(
                        "the numbers measured for `{}` do not add up: {error}; check the log's timestamps for dates far in the past or future",
                        path.display()
                    )
                })?;
            (m.stream.clone(), analysis)
        }
        None => (estimates.clone(), vsm_core::analyze(&estimates)),
    };
    Ok(Loaded {
        estimates,
        stream,
        analysis,
        measured,
        extends: base.map(|(path, _)| path),
        warnings,
    })
}

/// Reads, checks, measures and analyzes the map at `path` in one step (see [`check`] and
/// [`measure()`], which a front end calls apart to show the warnings before measuring).
pub fn load(files: &dyn Files, path: &Path, events: Option<&Path>) -> Result<Loaded> {
    let checked = check(files, path)?;
    measure(files, path, checked, events)
}
