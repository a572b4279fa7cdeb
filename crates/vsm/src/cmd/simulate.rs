//! `vsm simulate`: the what-if simulation of a map.

use std::path::PathBuf;

use anyhow::Result;
use vsm_app::simulate::{Model, Request, WipLimit};
use vsm_render::Format;

use crate::{args, output, simulate};

/// Simulate items flowing through the map (what-if): lead time percentiles with confidence
/// intervals, throughput, utilization and queues per step, and the constraint. On a measured
/// map it also says how close the simulation comes to the log.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The map file (YAML): the current state or a future state.
    file: PathBuf,
    /// Items to send through the stream.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    items: u64,
    /// Seed of the random draws: the same seed gives the same result.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Arrival rate (default: the log's, for a measured map), e.g. `30/week`, `4/day`.
    #[arg(long, value_name = "RATE", value_parser = simulate::parse_rate)]
    arrivals: Option<f64>,
    /// A WIP limit: `N` for the whole stream (the others wait to enter it), or `STEP=N` for a
    /// step (items waiting in it or worked on), overriding the map's (repeatable).
    #[arg(long, value_name = "N|STEP=N", value_parser = simulate::parse_wip_limit)]
    wip_limit: Vec<WipLimit>,
    /// Try a capacity for a step (items worked on at once), overriding the map's.
    #[arg(long, value_name = "STEP=N", value_parser = simulate::parse_setting)]
    capacity: Vec<(String, u32)>,
    /// Try a batch size for a step, overriding the map's.
    #[arg(long, value_name = "STEP=N", value_parser = simulate::parse_setting)]
    batch: Vec<(String, u32)>,
    /// Independent runs the items are split into (for the confidence intervals).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=1000))]
    replications: u32,
    /// `calibrated`: a measured map as its log shows it (each step's time drawn from the
    /// items' own, routing with the log's skips and loops, arrivals as they came, capacity where
    /// the log shows it); `fitted`: the map's steps and rework shares with Poisson arrivals,
    /// for comparison. A future state (`extends:`) of a measured map runs on its calibration,
    /// moved by the changes it declares; maps without a log always run fitted.
    #[arg(long, value_enum, default_value = "calibrated")]
    model: simulate::ModelArg,
    #[arg(long, short, value_parser = args::formats(args::TEXT_JSON), default_value = "text")]
    format: Format,
}

pub fn run(args: &Args) -> Result<()> {
    let request = Request {
        items: args.items,
        seed: args.seed,
        arrivals: args.arrivals,
        wip_limits: args.wip_limit.clone(),
        capacity: args.capacity.clone(),
        batch: args.batch.clone(),
        replications: args.replications,
        model: Model::from(args.model),
    };
    let files = output::file_system()?;
    let loaded = output::loaded(&files, &args.file, None)?;
    // Every duration this command prints, in the days the map counts.
    let _days = loaded.stream.telling();
    let simulated = vsm_app::simulate::simulate(&loaded, &request)?;
    let report = simulated.report(&loaded.stream);
    let text = match args.format {
        Format::Json => vsm_render::simulate::json(&report),
        _ => vsm_render::simulate::text(&report),
    };
    output::write(None, &text)
}
