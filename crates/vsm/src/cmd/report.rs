//! `vsm report`: the self-contained HTML report of a map.

use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::args::DbOption;
use crate::cmd::render::report_page;
use crate::output;

/// Write the self-contained HTML report of a map: the picture, metrics, bottlenecks and plan;
/// with a `dora:` section, the DORA figures of the last twelve full weeks or months (28 days by
/// day) before today, or of the window --from and --to give (as `vsm dora` takes them).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML).
    file: PathBuf,
    /// Where to write the report (default: the map's name with `.html`, in this directory).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The first day of the DORA section's window, `YYYY-MM-DD` from midnight UTC, or a time in
    /// RFC 3339 with its offset (default: twelve weeks or months before --to, 28 days by day;
    /// with neither, the last full periods before today).
    #[arg(long, value_name = "DAY", value_parser = crate::args::window_bound)]
    from: Option<jiff::Timestamp>,
    /// The day after the DORA section's window: it ends at its midnight UTC (or at a time in RFC
    /// 3339 with its offset; default: tomorrow).
    #[arg(long, value_name = "DAY", value_parser = crate::args::window_bound)]
    to: Option<jiff::Timestamp>,
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
    let mut loaded = output::loaded(&files, &args.file, None)?;
    loaded.propose_countermeasures(&args.file);
    // Every duration this command prints, in the days the map counts.
    let _days = loaded.stream.telling();
    let history = match args.db.open_existing()? {
        Some(store) => store.history(&loaded.stream.name)?,
        None => Vec::new(),
    };
    // A trend needs two points.
    let trend = (history.len() >= 2)
        .then(|| vsm_app::history::trend(&history))
        .transpose()?;
    let asked = vsm_app::dora::Asked {
        from: args.from,
        to: args.to,
    };
    if asked != vsm_app::dora::Asked::default() && loaded.stream.dora.is_none() {
        anyhow::bail!(
            "--from and --to choose the window of the DORA section, and `{}` has no `dora:` \
             section; add one (see docs/dora.md), or leave them out",
            args.file.display()
        );
    }
    let page = report_page(&args.file, &loaded, trend.as_ref(), asked, args.paper)?;
    std::fs::write(&output, page)
        .with_context(|| format!("cannot write `{}`", output.display()))?;
    println!(
        "wrote {} (open it in a browser; it works offline)",
        output.display()
    );
    Ok(())
}
