//! `vsm`: value stream maps kept as code, analyzed from the command line.
//!
//! A thin front end: each command (a module of `cmd`) turns its flags into a request once, asks
//! the application (`vsm-app`) for the result, and picks a renderer (`vsm-render`). Only this
//! crate prints, and sets exit codes.
#![forbid(unsafe_code)]

mod args;
mod cmd;
mod diagnostics;
mod imports;
mod invocation;
mod output;
mod remote;
mod simulate;
mod templates;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Value stream mapping for software delivery: map the stream as code, find where work waits
/// and comes back, and plan what to change.
#[derive(Debug, Parser)]
#[command(name = "vsm", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Init(cmd::init::Args),
    Validate(cmd::validate::Args),
    Analyze(cmd::analyze::Args),
    Render(cmd::render::Args),
    Report(cmd::report::Args),
    Discover(cmd::discover::Args),
    Fetch(cmd::fetch::Args),
    Dora(cmd::dora::Args),
    Measure(cmd::measure::Args),
    Compare(cmd::compare::Args),
    Plan(cmd::plan::Args),
    Simulate(cmd::simulate::Args),
    Check(cmd::check::Args),
    Snapshot(cmd::snapshot::Args),
    Trend(cmd::trend::Args),
    Schema(cmd::schema::Args),
    Serve(cmd::serve::Args),
    Push(cmd::push::Args),
    Pull(cmd::pull::Args),
    Demo(cmd::demo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            output::error(&error);
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init(args) => cmd::init::run(&args),
        Command::Validate(args) => cmd::validate::run(&args),
        Command::Analyze(args) => cmd::analyze::run(&args),
        Command::Render(args) => cmd::render::run(&args),
        Command::Report(args) => cmd::report::run(&args),
        Command::Discover(args) => cmd::discover::run(&args),
        Command::Fetch(args) => cmd::fetch::run(&args),
        Command::Dora(args) => cmd::dora::run(&args),
        Command::Measure(args) => cmd::measure::run(&args),
        Command::Compare(args) => cmd::compare::run(&args),
        Command::Plan(args) => cmd::plan::run(&args),
        Command::Simulate(args) => cmd::simulate::run(&args),
        Command::Check(args) => cmd::check::run(&args),
        Command::Snapshot(args) => cmd::snapshot::run(&args),
        Command::Trend(args) => cmd::trend::run(&args),
        Command::Schema(args) => cmd::schema::run(&args),
        Command::Serve(args) => cmd::serve::run(&args),
        Command::Push(args) => cmd::push::run(&args),
        Command::Pull(args) => cmd::pull::run(&args),
        Command::Demo(args) => cmd::demo::run(&args),
    }
}
