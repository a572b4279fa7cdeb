//! What the command line shows besides results (a map's problems, what an import read, errors)
//! and where results go; and the file system the application reads through.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use vsm_app::{Checked, FileDiagnostics, FileSystem, Loaded};

use crate::diagnostics;

/// A failure already explained to the user (diagnostics printed); exit non-zero without more.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("problems were reported")
    }
}

impl std::error::Error for Reported {}

/// Prints an error: a map's problems as annotated snippets, anything else as one line.
pub fn error(error: &anyhow::Error) {
    if let Some(invalid) = error.downcast_ref::<vsm_app::Invalid>() {
        problems(&invalid.files);
        if invalid.message.is_none() {
            return;
        }
    }
    if error.is::<Reported>() {
        return;
    }
    // `{:#}` prints the whole chain: "cannot write `x`: permission denied".
    let message = diagnostics::visible(&format!("{error:#}")).into_owned();
    anstream::eprintln!(
        "{}error:{} {message}",
        diagnostics::ERROR_STYLE.render(),
        diagnostics::ERROR_STYLE.render_reset()
    );
}

/// Prints the problems of each file, in order.
pub fn problems(files: &[FileDiagnostics]) {
    for file in files {
        diagnostics::print(&file.path, &file.source, &file.diagnostics);
    }
}

/// A line for people on standard error, with control characters made visible.
pub fn note(text: &str) {
    eprintln!("{}", diagnostics::visible(text));
}

/// The map at `path`, checked; its warnings (and those of the maps it extends) printed.
pub fn checked(files: &FileSystem, path: &Path) -> Result<Checked> {
    let checked = vsm_app::load::check(files, path)?;
    problems(&checked.warnings);
    Ok(checked)
}

/// The map at `path` checked, measured (from `events`, or the log it names) and analyzed; its
/// warnings and what its log import read printed as they come.
pub fn loaded(files: &FileSystem, path: &Path, events: Option<&Path>) -> Result<Loaded> {
    let checked = checked(files, path)?;
    measured(files, path, checked, events)
}

/// A checked map measured and analyzed, what the import read printed.
pub fn measured(
    files: &FileSystem,
    path: &Path,
    checked: Checked,
    events: Option<&Path>,
) -> Result<Loaded> {
    let loaded = vsm_app::load::measure(files, path, checked, events)?;
    if let Some(measured) = &loaded.measured {
        note(&crate::imports::measured(measured));
    }
    Ok(loaded)
}

/// The file system, with the limits set in the environment: `VSM_MAX_MAP_SIZE` for a map file,
/// `VSM_MAX_FIELD_SIZE` and `VSM_MAX_TRACE_SIZE` for a piece of an event log (e.g. `256MiB`).
pub fn file_system() -> Result<FileSystem> {
    let mut files = FileSystem::default();
    if let Some(size) = size_variable(files.map_limit_name)? {
        files.map_limit = size;
    }
    for (variable, slot) in [
        (
            vsm_ingest::Limits::FIELD_VARIABLE,
            &mut files.log_limits.field,
        ),
        (
            vsm_ingest::Limits::TRACE_VARIABLE,
            &mut files.log_limits.trace,
        ),
    ] {
        if let Some(size) = size_variable(variable)? {
            *slot = size;
        }
    }
    Ok(files)
}

/// A size read from an environment variable; `None` when it is unset or empty.
fn size_variable(variable: &str) -> Result<Option<u64>> {
    let Some(value) = std::env::var_os(variable) else {
        return Ok(None);
    };
    let text = value.to_string_lossy();
    if text.trim().is_empty() {
        return Ok(None);
    }
    vsm_ingest::parse_size(&text).map(Some).ok_or_else(|| {
        anyhow!(
            "{variable} is `{}`, which is not a size; write it like `256MiB`, `4GiB` or a number of bytes",
            text.chars().take(40).collect::<String>()
        )
    })
}

/// Writes `text` to `output`, or standard output.
pub fn write(output: Option<&Path>, text: &str) -> Result<()> {
    // Names from maps and logs are shown, never obeyed: no control character reaches a terminal.
    let text = &*diagnostics::visible(text);
    match output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`vsm analyze map.yaml | head`) is not an error worth a message.
            if let Err(error) = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                && error.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(error).context("cannot write to standard output");
            }
        }
    }
    Ok(())
}

/// Writes `vsm-map.schema.json` (which the maps' first line names) next to the map at `path`,
/// unless it is there as it should be; the path written, if any.
pub fn write_schema_beside(path: &Path) -> Result<Option<std::path::PathBuf>> {
    let schema_path = path.with_file_name("vsm-map.schema.json");
    let schema = schema_text();
    let current = std::fs::read_to_string(&schema_path).ok();
    if current.as_deref() == Some(schema.as_str()) {
        return Ok(None);
    }
    std::fs::write(&schema_path, schema)
        .with_context(|| format!("cannot write `{}`", schema_path.display()))?;
    Ok(Some(schema_path))
}

/// The JSON Schema of the map file.
pub fn schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&vsm_core::json_schema()).expect("the schema serializes");
    text.push('\n');
    text
}
