//! `vsm validate`: every problem of each map file, with its line and column.

use std::path::PathBuf;

use anyhow::Result;

use crate::output::{self, Reported};

/// Check map files and report every problem, with its line and column.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Map files (YAML).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
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

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
