//! `vsm compare`: two maps (the current state and a future state) side by side.

use std::path::PathBuf;

use anyhow::Result;
use vsm_render::Format;

use crate::{args, output, simulate};

const FORMATS: &[(Format, &str)] = &[
    (Format::Text, ""),
    (Format::Json, ""),
    (Format::Markdown, ""),
    (
        Format::Html,
        "Both maps drawn one above the other, with the tables",
    ),
];

/// Compare two maps (the current state and a future state): every metric and step, before,
/// after and the change.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The current map.
    current: PathBuf,
    /// The future map.
    future: PathBuf,
    #[arg(long, short, value_parser = args::formats(FORMATS), default_value = "text")]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Also simulate both maps with the same arrivals and seed (see `vsm simulate`).
    #[arg(long)]
    simulate: bool,
    /// Items to send through each map.
    #[arg(long, default_value_t = 10_000, requires = "simulate", value_parser = clap::value_parser!(u64).range(1..))]
    items: u64,
    /// Seed of the random draws.
    #[arg(long, default_value_t = 1, requires = "simulate")]
    seed: u64,
    /// Arrival rate for both maps (default: the current map's log), e.g. `30/week`.
    #[arg(long, value_name = "RATE", requires = "simulate", value_parser = simulate::parse_rate)]
    arrivals: Option<f64>,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let before = output::loaded(&files, &args.current, None)?;
    let after = output::loaded(&files, &args.future, None)?;
    let projections = if args.simulate {
        Some(vsm_app::simulate::both(
            &before,
            &after,
            args.items,
            args.seed,
            args.arrivals,
        )?)
    } else {
        None
    };
    let b = vsm_render::compare::Side {
        stream: &before.stream,
        analysis: &before.analysis,
        simulated: projections.as_ref().map(|p| &p.0),
    };
    let a = vsm_render::compare::Side {
        stream: &after.stream,
        analysis: &after.analysis,
        simulated: projections.as_ref().map(|p| &p.1),
    };
    let text = vsm_render::compare::render(b, a, args.format)
        .expect("--format offers the formats compare writes");
    output::write(args.output.as_deref(), &text)
}
