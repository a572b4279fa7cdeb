//! `vsm dora`: the DORA metrics of an event store.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use vsm_core::dora::{Period, Settings};
use vsm_render::Format;
use vsm_render::dora::Explain;

use crate::args;
use crate::output;

/// The DORA metrics of an event store (see docs/dora.md): deployment frequency, lead time for
/// changes, change failure rate, failed deployment recovery time and rework rate, per service
/// and period, with their coverage; `--explain METRIC` lists the items behind one.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The event store (`vsm fetch` writes it; default: the `--map`'s `dora: { store: }`, else
    /// `.vsm/events.sqlite`).
    store: Option<PathBuf>,
    /// Read what counts as production, failure and service from this map's `dora:` section;
    /// the flags below override it.
    #[arg(long, value_name = "FILE")]
    map: Option<PathBuf>,
    /// The first day of the window, `YYYY-MM-DD` from midnight UTC, or a time in RFC 3339 with
    /// its offset (default: 90 days before --to).
    #[arg(long, value_name = "DAY", value_parser = args::window_bound)]
    from: Option<jiff::Timestamp>,
    /// The day after the window, `YYYY-MM-DD`: the window ends at its midnight UTC (or at a
    /// time in RFC 3339 with its offset; default: tomorrow).
    #[arg(long, value_name = "DAY", value_parser = args::window_bound)]
    to: Option<jiff::Timestamp>,
    /// The periods figures are given for (weeks start on Monday; default: the map's, else week).
    #[arg(long, value_parser = periods())]
    period: Option<Period>,
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
    /// How long after a deployment an incident is attributed to it (default: 7d).
    #[arg(long, value_name = "DURATION", value_parser = args::duration)]
    attribution_window: Option<vsm_core::Duration>,
    /// Take each release (tag) as a successful production deployment.
    #[arg(long)]
    releases_as_deployments: bool,
    /// A file of incidents, CSV or JSON Lines (`id`, `started`; optionally `service`,
    /// `resolved`, `deployment`, `title`), in place of the map's `dora: { incidents: }`.
    #[arg(long, value_name = "FILE")]
    incidents: Option<PathBuf>,
}

fn periods() -> impl clap::builder::TypedValueParser<Value = Period> {
    PossibleValuesParser::new(Period::ALL.map(Period::as_str))
        .map(|name| Period::from_name(&name).expect("a period's own name"))
}

fn explains() -> impl clap::builder::TypedValueParser<Value = Explain> {
    PossibleValuesParser::new(Explain::ALL.map(Explain::name))
        .map(|name| Explain::from_name(&name).expect("a metric's own name"))
}

/// The map's `dora:` section (defaults without `--map`) with the flags given laid over it, and
/// the store: the argument, else the map's, else the default.
fn settings(args: &Args) -> Result<(Settings, PathBuf)> {
    let mut settings = match &args.map {
        Some(map) => {
            let files = output::file_system()?;
            let checked = output::checked(&files, map)?;
            let Some(settings) = checked.stream.dora else {
                bail!(
                    "`{}` has no `dora:` section; add `dora: {{}}` (see docs/dora.md), or leave out --map",
                    map.display()
                );
            };
            settings
        }
        None => Settings::default(),
    };
    let store = match (&args.store, &args.map) {
        (Some(store), _) => store.clone(),
        (None, Some(map)) => vsm_app::dora::store_of(map, &settings),
        (None, None) => PathBuf::from(vsm_events::DEFAULT_PATH),
    };
    let config = &mut settings.config;
    let replace = |given: &[String], value: &mut Vec<String>| {
        if !given.is_empty() {
            *value = given.to_vec();
        }
    };
    replace(&args.production, &mut config.production);
    replace(&args.incident_label, &mut config.incident_labels);
    replace(&args.incident_type, &mut config.incident_types);
    if let Some(window) = args.attribution_window {
        config.attribution_window = window;
    }
    settings.releases_as_deployments |= args.releases_as_deployments;
    if let Some(period) = args.period {
        settings.period = period;
    }
    Ok((settings, store))
}

pub fn run(args: &Args) -> Result<()> {
    let (settings, store) = settings(args)?;
    let asked = vsm_app::dora::Asked {
        from: args.from,
        to: args.to,
    };
    let window = vsm_app::dora::asked_window(
        asked,
        vsm_app::dora::dora_reach(),
        jiff::Timestamp::now(),
        settings.period,
        args.service.clone(),
    )?;
    let mut request = vsm_app::dora::Request::of_settings(args.map.as_deref(), &settings, window);
    if let Some(file) = &args.incidents {
        // `-` is no file vsm reads standard input for: it would be "no file `-`".
        if file.as_os_str() == "-" {
            bail!(
                "--incidents reads a file, not `-`; to read standard input, give `--incidents /dev/stdin`"
            );
        }
        request.incidents = Some(file.clone());
    }
    let report = vsm_app::dora::report(&store, &request)?;
    let text = match args.format {
        Format::Json => vsm_render::dora::json(&report, args.explain),
        format => vsm_render::dora::text(
            &store.display().to_string(),
            &report,
            args.explain,
            format == Format::Markdown,
            request.releases_as_deployments,
        ),
    };
    output::write(None, &text)
}
