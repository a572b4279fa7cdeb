//! `vsm dora`: the DORA metrics of an event store.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use jiff::ToSpan as _;
use vsm_core::dora::{Config, Period, Window};
use vsm_render::Format;
use vsm_render::dora::Explain;

use crate::args;
use crate::output;

/// The DORA metrics of an event store (see docs/dora.md): deployment frequency, lead time for
/// changes, change failure rate, failed deployment recovery time and rework rate, per service
/// and period, with their coverage; `--explain METRIC` lists the items behind one.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event store (`vsm fetch` writes it).
    #[arg(default_value = vsm_events::DEFAULT_PATH)]
    store: PathBuf,
    /// The first day of the window, UTC (default: 90 days before --to).
    #[arg(long, value_name = "YYYY-MM-DD")]
    from: Option<jiff::civil::Date>,
    /// The day after the window, UTC: the window ends at its start (default: tomorrow).
    #[arg(long, value_name = "YYYY-MM-DD")]
    to: Option<jiff::civil::Date>,
    /// The periods figures are given for (weeks start on Monday).
    #[arg(long, default_value = "week", value_parser = periods())]
    period: Period,
    /// Only this service (a repository: `ants` and `panjf2000/ants` are one).
    #[arg(long, value_name = "NAME")]
    service: Option<String>,
    #[arg(long, short, value_parser = args::formats(args::REPORTS), default_value = "text")]
    format: Format,
    /// List the deployments, changes or incidents behind one metric.
    #[arg(long, value_name = "METRIC", value_parser = explains())]
    explain: Option<Explain>,
    /// A production environment: a name or a `*` pattern, without case (repeatable; default:
    /// `production` and `prod`).
    #[arg(long, value_name = "ENVIRONMENT")]
    production: Vec<String>,
    /// Issues with this label are incidents (repeatable; default: `incident`).
    #[arg(long, value_name = "LABEL")]
    incident_label: Vec<String>,
    /// Jira issues of this type are incidents (repeatable; default: `Incident`).
    #[arg(long, value_name = "TYPE")]
    incident_type: Vec<String>,
    /// How long after a deployment an incident is attributed to it.
    #[arg(long, value_name = "DURATION", default_value = "7d")]
    attribution_window: vsm_core::Duration,
    /// Take each release (tag) as a successful production deployment.
    #[arg(long)]
    releases_as_deployments: bool,
}

fn periods() -> impl clap::builder::TypedValueParser<Value = Period> {
    PossibleValuesParser::new(Period::ALL.map(Period::as_str))
        .map(|name| Period::from_name(&name).expect("a period's own name"))
}

fn explains() -> impl clap::builder::TypedValueParser<Value = Explain> {
    PossibleValuesParser::new(Explain::ALL.map(Explain::name))
        .map(|name| Explain::from_name(&name).expect("a metric's own name"))
}

fn midnight(day: jiff::civil::Date) -> Result<jiff::Timestamp> {
    Ok(jiff::tz::Offset::UTC.to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))?)
}

pub fn run(args: &Args) -> Result<()> {
    let to = match args.to {
        Some(day) => day,
        None => jiff::tz::Offset::UTC
            .to_datetime(jiff::Timestamp::now())
            .date()
            .checked_add(1.day())?,
    };
    let from = match args.from {
        Some(day) => day,
        None => to.checked_sub(90.days())?,
    };
    if from >= to {
        bail!(
            "--from {from} is not before --to {to}; the window is [from, to), so give a later --to"
        );
    }
    let defaults = Config::default();
    let or_default = |given: &[String], default: Vec<String>| {
        if given.is_empty() {
            default
        } else {
            given.to_vec()
        }
    };
    let request = vsm_app::dora::Request {
        config: Config {
            production: or_default(&args.production, defaults.production),
            incident_labels: or_default(&args.incident_label, defaults.incident_labels),
            incident_types: or_default(&args.incident_type, defaults.incident_types),
            attribution_window: args.attribution_window,
        },
        window: Window {
            from: midnight(from)?,
            to: midnight(to)?,
            period: args.period,
            service: args.service.clone(),
        },
        releases_as_deployments: args.releases_as_deployments,
    };
    let report = vsm_app::dora::report(&args.store, &request)?;
    let text = match args.format {
        Format::Json => vsm_render::dora::json(&report, args.explain),
        format => vsm_render::dora::text(
            &args.store.display().to_string(),
            &report,
            args.explain,
            format == Format::Markdown,
        ),
    };
    output::write(None, &text)
}
