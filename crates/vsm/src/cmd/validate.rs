//! `vsm validate`: every problem of each map file, with its line and column.

use std::path::PathBuf;

use anyhow::Result;
use vsm_render::Format;

use crate::args;
use crate::output::{self, Reported};

const FORMATS: &[(Format, &str)] = &[
    (Format::Text, ""),
    (
        Format::Json,
        "A JSON array with one report per file: its problems with code, line, column and fix (one file's report is the body `vsm serve` answers 422 with for that map, not the array)",
    ),
];

/// Check map files and report every problem, with its line and column.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Map files (YAML).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[arg(long, short, value_parser = args::formats(FORMATS), default_value = "text")]
    format: Format,
}

pub fn run(args: &Args) -> Result<()> {
    if args.format == Format::Json {
        return json(args);
    }
    let files = output::file_system()?;
    let mut failed = 0;
    for file in &args.files {
        let parsed = match vsm_app::load::parse(&files, file) {
            Ok(parsed) => parsed,
            Err(error) => {
                output::error(&error);
                failed += 1;
                continue;
            }
        };
        output::problems(&parsed.files);
        let own = parsed.files.last().map_or(&[][..], |f| &f.diagnostics[..]);
        let warnings = own.iter().filter(|d| !d.is_error()).count();
        let errors = own.len() - warnings;
        let warned = if warnings == 0 {
            String::new()
        } else {
            format!(", {warnings} warning{}", plural(warnings))
        };
        match &parsed.stream {
            Some(stream) => println!(
                "{}: valid ({} step{}{warned})",
                file.display(),
                stream.steps.len(),
                plural(stream.steps.len())
            ),
            None => {
                failed += 1;
                eprintln!(
                    "{}: {errors} error{}{warned}",
                    file.display(),
                    plural(errors)
                );
            }
        }
    }
    if failed > 0 {
        return Err(Reported.into());
    }
    Ok(())
}

/// Every file's report as one JSON array; exit 1 when any map is not valid.
fn json(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let mut reports = Vec::new();
    let mut failed = false;
    for file in &args.files {
        let (parsed, message) = match vsm_app::load::parse(&files, file) {
            Ok(parsed) => (parsed.files, None),
            Err(error) => match error.downcast::<vsm_app::Invalid>() {
                Ok(invalid) => (invalid.files, invalid.message),
                Err(error) => (Vec::new(), Some(format!("{error:#}"))),
            },
        };
        let report = vsm_app::load::diagnostics_report(&parsed, message.as_deref());
        failed |= report["valid"] != true;
        reports.push(report);
    }
    output::write(None, &vsm_render::json::to_string(&reports))?;
    if failed {
        return Err(Reported.into());
    }
    Ok(())
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
