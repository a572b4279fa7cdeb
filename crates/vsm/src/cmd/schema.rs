//! `vsm schema`: the JSON Schema of the map file.

use std::path::PathBuf;

use anyhow::Result;

use crate::output;

/// Print the JSON Schema of the map file.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<()> {
    output::write(args.output.as_deref(), &output::schema_text())
}
