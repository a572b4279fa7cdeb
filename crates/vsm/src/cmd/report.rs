//! `vsm report`: the self-contained HTML report of a map.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::args::DbOption;
use crate::cmd::render::report_page;
use crate::output;

/// Write the self-contained HTML report of a map: the picture, metrics, bottlenecks and plan.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    /// Where to write the report (default: the map's name with `.html`, in this directory).
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    db: DbOption,
    /// The sheet it prints on, landscape (default A3): the map fills the first with no text
    /// under 3 mm, or the error names the sheet it needs.
    #[arg(long, value_parser = crate::args::papers())]
    paper: Option<vsm_render::Paper>,
}

pub fn run(args: &Args) -> Result<()> {
    let output = args.output.clone().unwrap_or_else(|| {
        let stem = args
            .file
            .file_stem()
            .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from(format!("{stem}.html"))
    });
    let files = output::file_system()?;
    let loaded = output::loaded(&files, &args.file, None)?;
    let history = match args.db.open_existing()? {
        Some(store) => store.history(&loaded.stream.name)?,
        None => Vec::new(),
    };
    // A trend needs two points.
    let trend = (history.len() >= 2)
        .then(|| vsm_app::history::trend(&history))
        .transpose()?;
    std::fs::write(
        &output,
        report_page(&args.file, &loaded, trend.as_ref(), args.paper)?,
    )
    .with_context(|| format!("cannot write `{}`", output.display()))?;
    println!(
        "wrote {} (open it in a browser; it works offline)",
        output.display()
    );
    Ok(())
}
