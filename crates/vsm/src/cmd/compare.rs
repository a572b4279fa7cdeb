//! `vsm compare`: two maps (the current state and a future state) side by side.

use std::path::PathBuf;

use anyhow::Result;
use vsm_app::simulate::{Model, Request, Simulated};
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
    /// Also simulate both maps with the same arrivals and seed (see `vsm simulate`), and say
    /// for each projected change whether it is more than the noise between replications.
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
    /// Runs each simulation is split into, paired by seed: the noise of each change comes from
    /// the spread of their differences.
    #[arg(long, default_value_t = 10, requires = "simulate", value_parser = clap::value_parser!(u32).range(2..=1000))]
    replications: u32,
    /// `calibrated`: a measured current state as its log shows it, and a future state of it
    /// (`extends:`) as that plus its changes; `fitted`: the maps' steps and rework shares.
    #[arg(long, value_enum, default_value = "calibrated", requires = "simulate")]
    model: simulate::ModelArg,
}

pub fn run(args: &Args) -> Result<()> {
    let files = output::file_system()?;
    let before = output::loaded(&files, &args.current, None)?;
    let mut after = output::loaded(&files, &args.future, None)?;
    let counted = after.stream.working_time.convention();
    if after.waits_as(&before.stream.working_time) {
        eprintln!(
            "note: `{}` counts {counted}; its waits are re-expressed in the current map's time ({}) to compare",
            args.future.display(),
            before.stream.working_time.convention()
        );
    }
    // Both maps told in the current map's days, so that each change is one difference.
    let _days = before.stream.telling();
    let compared = if args.simulate {
        let request = Request {
            items: args.items,
            seed: args.seed,
            arrivals: args.arrivals,
            wip_limits: Vec::new(),
            capacity: Vec::new(),
            batch: Vec::new(),
            replications: args.replications,
            model: Model::from(args.model),
        };
        Some(vsm_app::simulate::both(&before, &after, &request)?)
    } else {
        None
    };
    fn side(s: &Simulated) -> vsm_render::compare::SimulatedSide<'_> {
        vsm_render::compare::SimulatedSide {
            projection: &s.projection,
            model: s.model.as_str(),
            future: s.calibration.as_ref().zip(s.future.as_ref()),
        }
    }
    let b = vsm_render::compare::Side {
        stream: &before.stream,
        analysis: &before.analysis,
        simulated: compared.as_ref().map(|c| side(&c.before)),
    };
    let a = vsm_render::compare::Side {
        stream: &after.stream,
        analysis: &after.analysis,
        simulated: compared.as_ref().map(|c| side(&c.after)),
    };
    let text = vsm_render::compare::render(b, a, args.format)
        .expect("--format offers the formats compare writes");
    output::write(args.output.as_deref(), &text)
}
