//! `vsm demo`: the bundled example analyzed, with its HTML report.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use vsm_render::Format;

use crate::cmd::analyze::report_text;
use crate::{args, invocation, output, templates};

/// Analyze the bundled example map, print the result and write its HTML report.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, short, value_parser = args::formats(args::REPORTS), default_value = "text")]
    format: Format,
    /// Where to write the example's HTML report.
    #[arg(long, short, default_value = "vsm-demo-report.html")]
    output: PathBuf,
}

pub fn run(args: &Args) -> Result<()> {
    let example = templates::demo();
    let files = output::file_system()?;
    let path = Path::new(example.file_name);
    let checked =
        vsm_app::load::parse_source(&files, path, example.source.to_string())?.checked()?;
    output::problems(&checked.warnings);
    let mut loaded = output::measured(&files, path, checked, None)?;
    loaded.propose_countermeasures(path);
    let (stream, analysis) = (&loaded.stream, &loaded.analysis);
    let _days = stream.telling();
    output::write(None, &report_text(stream, analysis, args.format))?;
    std::fs::write(&args.output, vsm_render::html(stream, analysis))
        .with_context(|| format!("cannot write `{}`", args.output.display()))?;
    let vsm = invocation::command();
    eprintln!(
        "This is the bundled example `{}`; its HTML report is in {}.\nRun `{vsm} init --template {}` to get a copy to edit{}.",
        example.file_name,
        args.output.display(),
        example.name,
        invocation::install_note(&vsm)
    );
    Ok(())
}
