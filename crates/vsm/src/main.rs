//! `vsm`: value stream maps kept as code, analyzed from the command line.
//!
//! The only crate that reads files, prints and sets exit codes; everything it shows comes from
//! `vsm-core` (model and analysis) and `vsm-render` (text, Markdown, JSON).
#![forbid(unsafe_code)]

mod diagnostics;
mod discover;
mod history;
mod input;
mod invocation;
mod measure;
mod paths;
mod plan;
mod simulate;
mod templates;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

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
    /// Write a starter map file to edit (and its JSON Schema, for editor completion).
    Init {
        /// Where to write the map.
        #[arg(default_value = "vsm.yaml")]
        path: PathBuf,
        /// Start from a realistic example instead of the commented starter.
        #[arg(long, short, value_name = "NAME", value_parser = templates::names())]
        template: Option<String>,
        /// List the templates and exit.
        #[arg(long, conflicts_with = "template")]
        list: bool,
        /// Overwrite the map file if it exists.
        #[arg(long)]
        force: bool,
        /// Do not write `vsm-map.schema.json` next to the map.
        #[arg(long)]
        no_schema: bool,
    },
    /// Check map files and report every problem, with its line and column.
    Validate {
        /// Map files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print a map's metrics and its ranked bottlenecks.
    Analyze {
        /// The map file (YAML).
        file: PathBuf,
        #[arg(long, short, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Draw the map: SVG, PNG, HTML, Mermaid or Graphviz DOT.
    Render {
        /// The map file (YAML).
        file: PathBuf,
        /// Where to write; the format follows the extension unless --format says otherwise.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[arg(long, short, value_enum)]
        format: Option<Picture>,
    },
    /// Write the self-contained HTML report of a map: the picture, metrics, bottlenecks and plan.
    Report {
        /// The map file (YAML).
        file: PathBuf,
        /// Where to write the report (default: the map's name with `.html`, in this directory).
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: history::DbOption,
    },
    /// Read an event log (XES, .xes.gz, CSV, JSON Lines, OCEL 2.0) and propose a map from it.
    Discover {
        /// The event log.
        log: PathBuf,
        #[arg(long, short, value_enum, default_value_t = DiscoverFormat::Text)]
        format: DiscoverFormat,
        /// Write the proposed map (YAML) to this file.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        log_options: LogOptions,
    },
    /// Measure a map's steps from the event log its `measure:` section names.
    Measure {
        /// The map file (YAML).
        file: PathBuf,
        #[arg(long, short, value_enum, default_value_t = MeasureFormat::Text)]
        format: MeasureFormat,
        /// List the items behind one step's numbers.
        #[arg(long, value_name = "STEP")]
        explain: Option<String>,
    },
    /// Compare two maps (the current state and a future state): every metric and step, before,
    /// after and the change.
    Compare {
        /// The current map.
        current: PathBuf,
        /// The future map.
        future: PathBuf,
        #[arg(long, short, value_enum, default_value_t = CompareFormat::Text)]
        format: CompareFormat,
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
    },
    /// The improvement plan by status: overdue items, and each target next to the step's value now
    /// and at the snapshot taken when the improvement started.
    Plan {
        /// The map file (YAML).
        file: PathBuf,
        #[arg(long, short, value_enum, default_value_t = MeasureFormat::Text)]
        format: MeasureFormat,
        /// The date to check due dates against (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<jiff::civil::Date>,
        #[command(flatten)]
        db: history::DbOption,
    },
    /// Simulate items flowing through the map (what-if): lead time percentiles with confidence
    /// intervals, throughput, utilization and queues per step, and the constraint. On a measured
    /// map it also says how close the simulation comes to the log.
    Simulate {
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
        wip_limit: Vec<simulate::WipLimit>,
        /// Try a capacity for a step (items worked on at once), overriding the map's.
        #[arg(long, value_name = "STEP=N", value_parser = simulate::parse_setting)]
        capacity: Vec<(String, u32)>,
        /// Try a batch size for a step, overriding the map's.
        #[arg(long, value_name = "STEP=N", value_parser = simulate::parse_setting)]
        batch: Vec<(String, u32)>,
        /// Independent runs the items are split into (for the confidence intervals).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..=1000))]
        replications: u32,
        #[arg(long, short, value_enum, default_value_t = MeasureFormat::Text)]
        format: MeasureFormat,
    },
    /// Check the map's latest snapshot (or, without one, its numbers measured now) against its
    /// `targets:`; exits non-zero with the list of what failed, for a nightly CI job.
    Check {
        /// The map file (YAML).
        file: PathBuf,
        #[arg(long, short, value_enum, default_value_t = MeasureFormat::Text)]
        format: MeasureFormat,
        /// Measure now instead of reading the latest snapshot.
        #[arg(long)]
        live: bool,
        #[command(flatten)]
        db: history::DbOption,
    },
    /// Store the map's analysis (measured where it is measured) with its time and git commit, in
    /// the history database.
    Snapshot {
        /// The map file (YAML).
        file: PathBuf,
        /// Measure from this event log instead of the one the map's `measure:` names.
        #[arg(long, value_name = "LOG")]
        events: Option<PathBuf>,
        /// The time the numbers stand for (default: now), e.g. `2026-11-01T00:00:00Z`.
        #[arg(long, value_name = "TIMESTAMP")]
        at: Option<jiff::Timestamp>,
        #[command(flatten)]
        db: history::DbOption,
    },
    /// Show how the map's numbers moved over its snapshots.
    Trend {
        /// The map file (YAML).
        file: PathBuf,
        /// Metrics to show (repeatable; default: the summary), e.g. `lead_time`,
        /// `items.lead_time.p85`, `steps.review.wait_time`.
        #[arg(long, value_name = "NAME")]
        metric: Vec<String>,
        #[arg(long, short, value_enum, default_value_t = MeasureFormat::Text)]
        format: MeasureFormat,
        #[command(flatten)]
        db: history::DbOption,
    },
    /// Print the JSON Schema of the map file.
    Schema {
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Analyze the bundled example map, print the result and write its HTML report.
    Demo {
        #[arg(long, short, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Where to write the example's HTML report.
        #[arg(long, short, default_value = "vsm-demo-report.html")]
        output: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Picture {
    Svg,
    Png,
    Html,
    Mermaid,
    Dot,
}

impl Picture {
    fn from_extension(path: &Path) -> Option<Picture> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match extension.as_str() {
            "svg" => Picture::Svg,
            "png" => Picture::Png,
            "html" | "htm" => Picture::Html,
            "mmd" | "mermaid" => Picture::Mermaid,
            "dot" | "gv" => Picture::Dot,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CompareFormat {
    Text,
    Json,
    Markdown,
    /// Both maps drawn one above the other, with the tables.
    Html,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MeasureFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DiscoverFormat {
    /// A summary for people.
    Text,
    /// The machine interface: counts, edges with durations, main path, rework.
    Json,
    /// The proposed map file.
    Yaml,
}

/// How to read an event log.
#[derive(Debug, clap::Args)]
struct LogOptions {
    /// Leave out bad events (counted and listed) instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
    /// Time zone of timestamps that carry no offset (IANA name or offset; default UTC).
    #[arg(long, value_name = "ZONE")]
    zone: Option<String>,
    /// Read the file as this format, whatever its name.
    #[arg(long, value_enum, value_name = "FORMAT")]
    log_format: Option<LogFormat>,
    /// The column (or JSON field) that holds the item id.
    #[arg(long, value_name = "NAME")]
    item_column: Option<String>,
    /// The column that holds the activity.
    #[arg(long, value_name = "NAME")]
    activity_column: Option<String>,
    /// The column that holds the timestamp.
    #[arg(long, value_name = "NAME")]
    timestamp_column: Option<String>,
    /// The column that holds a start timestamp.
    #[arg(long, value_name = "NAME")]
    start_column: Option<String>,
    /// The column that holds the lifecycle transition.
    #[arg(long, value_name = "NAME")]
    lifecycle_column: Option<String>,
    /// The column that holds the resource.
    #[arg(long, value_name = "NAME")]
    resource_column: Option<String>,
    /// For object-centric (OCEL 2.0) logs: the object type whose journey is the stream.
    #[arg(long, value_name = "NAME")]
    object_type: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Xes,
    Csv,
    Jsonl,
    OcelJson,
    OcelXml,
}

impl LogOptions {
    fn read_options(&self) -> Result<vsm_ingest::ReadOptions> {
        let timestamps = match &self.zone {
            Some(zone) => {
                vsm_ingest::TimestampParser::for_zone(zone).map_err(anyhow::Error::msg)?
            }
            None => vsm_ingest::TimestampParser::default(),
        };
        Ok(vsm_ingest::ReadOptions {
            timestamps,
            skip_invalid: self.skip_invalid,
            columns: vsm_ingest::tabular::ColumnNames {
                item: self.item_column.clone(),
                activity: self.activity_column.clone(),
                timestamp: self.timestamp_column.clone(),
                start: self.start_column.clone(),
                lifecycle: self.lifecycle_column.clone(),
                resource: self.resource_column.clone(),
            },
            object_type: self.object_type.clone(),
            attributes: Vec::new(),
            limits: input::log_limits()?,
        })
    }

    fn format(&self) -> Option<vsm_ingest::source::Format> {
        self.log_format.map(|format| match format {
            LogFormat::Xes => vsm_ingest::source::Format::Xes,
            LogFormat::Csv => vsm_ingest::source::Format::Csv,
            LogFormat::Jsonl => vsm_ingest::source::Format::JsonLines,
            LogFormat::OcelJson => vsm_ingest::source::Format::OcelJson,
            LogFormat::OcelXml => vsm_ingest::source::Format::OcelXml,
        })
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
    Markdown,
}

/// A failure already explained to the user (diagnostics printed); exit non-zero without more.
#[derive(Debug)]
struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("problems were reported")
    }
}

impl std::error::Error for Reported {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<Reported>() => ExitCode::FAILURE,
        Err(error) => {
            // `{:#}` prints the whole chain: "cannot write `x`: permission denied".
            let message = diagnostics::visible(&format!("{error:#}")).into_owned();
            anstream::eprintln!(
                "{}error:{} {message}",
                diagnostics::ERROR_STYLE.render(),
                diagnostics::ERROR_STYLE.render_reset()
            );
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Init {
            path,
            template,
            list,
            force,
            no_schema,
        } => {
            if list {
                for template in templates::TEMPLATES {
                    println!("{:<18} {}", template.name, template.summary);
                }
                return Ok(());
            }
            init(&path, template.as_deref(), force, !no_schema)
        }
        Command::Validate { files } => validate(&files),
        Command::Analyze {
            file,
            format,
            output,
        } => {
            let source = input::read_map_file(&file)?;
            let Loaded {
                estimates,
                stream,
                analysis,
                measured,
            } = load_measured(&file, &source)?;
            let measured = measured.as_ref().map(|m| m.view(&estimates));
            let text = match (format, &measured) {
                (Format::Json, measured) => {
                    vsm_render::json::render_with_provenance(&stream, &analysis, measured.as_ref())
                }
                (_, Some(measured)) => {
                    report_text(&stream, &analysis, format)
                        + &vsm_render::measure::comparison_text(
                            measured,
                            &file.display().to_string(),
                        )
                }
                (_, None) => report_text(&stream, &analysis, format),
            };
            write_output(output.as_deref(), &text)
        }
        Command::Check {
            file,
            format,
            live,
            db,
        } => {
            let source = input::read_map_file(&file)?;
            let stream = parse_checked(&file, &source)?;
            // `--live` measures now: no history is needed, or opened.
            let latest = if live {
                None
            } else {
                match db.open_existing()? {
                    Some(store) => store.latest(&stream.name)?,
                    None => None,
                }
            };
            let results = if let Some(snapshot) = &latest {
                eprintln!(
                    "checking snapshot {} ({}) in {} (--live measures now instead)",
                    history::label(snapshot),
                    history::age(snapshot, jiff::Timestamp::now()),
                    db.url()
                );
                vsm_core::check::check(
                    &stream,
                    &snapshot.metrics,
                    vsm_core::check::Basis::Snapshot {
                        id: snapshot.id,
                        taken_at: &snapshot.taken_at.to_string(),
                    },
                )
            } else {
                let loaded = measure_loaded(&file, &source, stream, None)?;
                let provenance = loaded
                    .measured
                    .as_ref()
                    .map_or(&[][..], |m| &m.provenance[..]);
                vsm_core::check::check(
                    &loaded.stream,
                    &loaded.metrics(),
                    vsm_core::check::Basis::Live { provenance },
                )
            };
            let failed = results.iter().filter(|r| !r.passed).count();
            let text = match format {
                MeasureFormat::Text => {
                    vsm_render::check::text(&file.display().to_string(), &results)
                }
                MeasureFormat::Json => vsm_render::check::json(&results),
            };
            write_output(None, &text)?;
            if failed > 0 {
                return Err(Reported.into());
            }
            Ok(())
        }
        Command::Snapshot {
            file,
            events,
            at,
            db,
        } => {
            let source = input::read_map_file(&file)?;
            let loaded = load_measured_from(&file, &source, events.as_deref())?;
            let measured = loaded.measured.as_ref().map(|m| m.view(&loaded.estimates));
            let analysis = vsm_render::json::render_with_provenance(
                &loaded.stream,
                &loaded.analysis,
                measured.as_ref(),
            );
            let (commit, dirty) = history::git_state(&file);
            let mut snapshot = vsm_store::Snapshot {
                id: 0,
                map: loaded.stream.name.clone(),
                file: history::file_label(&file)?,
                taken_at: history::timestamp(at.unwrap_or_else(jiff::Timestamp::now)),
                commit,
                dirty,
                metrics: loaded.metrics(),
            };
            let store = db.open()?;
            snapshot.id = store.save(&vsm_store::NewSnapshot {
                map: &snapshot.map,
                file: &snapshot.file,
                taken_at: snapshot.taken_at,
                commit: snapshot.commit.as_deref(),
                dirty: snapshot.dirty,
                analysis: &analysis,
                metrics: &snapshot.metrics,
            })?;
            println!("{}", history::stored_message(db.url(), &snapshot));
            Ok(())
        }
        Command::Trend {
            file,
            metric,
            format,
            db,
        } => {
            let source = input::read_map_file(&file)?;
            let stream = parse_checked(&file, &source)?;
            let Some(store) = db.open_existing()? else {
                bail!(
                    "there is no history yet ({} does not exist); take a snapshot with `vsm snapshot {}`",
                    db.url(),
                    file.display()
                );
            };
            let history = history::history_of(store.as_ref(), db.url(), &stream.name)?;
            let names = history::pick_metrics(&history, &metric)?;
            let snapshots: Vec<_> = history.iter().map(history::info).collect();
            let series: Vec<(String, Vec<Option<f64>>)> = names
                .into_iter()
                .map(|name| {
                    let values = history::series(&history, &name);
                    (name, values)
                })
                .collect();
            let text = match format {
                MeasureFormat::Text => {
                    vsm_render::trend::text(&stream.name, db.url(), &snapshots, &series)
                }
                MeasureFormat::Json => vsm_render::trend::json(&stream.name, &snapshots, &series),
            };
            write_output(None, &text)
        }
        Command::Simulate {
            file,
            items,
            seed,
            arrivals,
            wip_limit,
            capacity,
            batch,
            replications,
            format,
        } => {
            let source = input::read_map_file(&file)?;
            let loaded = load_measured(&file, &source)?;
            let measurement = loaded.measured.as_ref().map(|m| &m.measurement);
            let mut models = vsm_core::simulate::models(&loaded.stream, measurement);
            let stream_wip = simulate::stream_wip_limit(&wip_limit)?;
            let step_wip: Vec<(String, u32)> = wip_limit
                .iter()
                .filter_map(|w| match w {
                    simulate::WipLimit::Step(step, n) => Some((step.clone(), *n)),
                    simulate::WipLimit::Stream(_) => None,
                })
                .collect();
            simulate::override_models(&loaded.stream, &mut models, &capacity, &batch, &step_wip)?;
            let (arrivals_per_week, arrivals_source) =
                simulate::arrivals(arrivals, loaded.measured.as_ref(), &models, stream_wip)?;
            let config = vsm_core::simulate::Config {
                items,
                seed,
                arrivals_per_week,
                wip_limit: stream_wip,
                replications,
            };
            let projection = vsm_core::simulate::simulate(&loaded.stream, &models, &config);
            // Only a map simulated as it was measured can be held against its log: not a future
            // state (a map that extends another), not with capacities or limits tried.
            // A working calendar measures in working time, which the log's clock times are not.
            let as_measured = capacity.is_empty()
                && batch.is_empty()
                && wip_limit.is_empty()
                && vsm_core::extends_of(&source).is_none()
                && loaded
                    .estimates
                    .measure
                    .as_ref()
                    .is_some_and(|s| s.calendar.is_none());
            let validation = loaded
                .measured
                .as_ref()
                .filter(|_| as_measured)
                .and_then(|m| vsm_core::simulate::complete_journeys(&loaded.stream, &m.measurement))
                .and_then(|journeys| vsm_core::simulate::validate(&projection, journeys));
            let report = vsm_render::simulate::Report {
                stream: &loaded.stream,
                models: &models,
                projection: &projection,
                arrivals_source: &arrivals_source,
                wip_limit: stream_wip,
                validation: validation.as_ref(),
            };
            let text = match format {
                MeasureFormat::Text => vsm_render::simulate::text(&report),
                MeasureFormat::Json => vsm_render::simulate::json(&report),
            };
            write_output(None, &text)
        }
        Command::Plan {
            file,
            format,
            today,
            db,
        } => {
            let today = today.unwrap_or_else(|| jiff::ZonedDateTime::now().date());
            let source = input::read_map_file(&file)?;
            let loaded = load_measured(&file, &source)?;
            let provenance = loaded.measured.as_ref().map_or_else(
                || vec![vsm_core::measure::StepProvenance::default(); loaded.stream.steps.len()],
                |m| m.provenance.clone(),
            );
            let mut items = vsm_core::plan::check(&loaded.stream, &provenance, today);
            let store = db.open_existing()?;
            let history = match &store {
                Some(store) => store.history(&loaded.stream.name)?,
                None => Vec::new(),
            };
            let baselines = plan::baselines(&items, &history, |id| match &store {
                Some(store) => store.analysis(id),
                None => Ok(None),
            })?;
            for (item, baseline) in items.iter_mut().zip(baselines) {
                if let Some(snapshot) = baseline {
                    vsm_core::plan::set_baseline(
                        item,
                        &loaded.stream,
                        history::label(snapshot),
                        &snapshot.metrics,
                    );
                }
            }
            let has_history = !history.is_empty();
            let text = match format {
                MeasureFormat::Text => vsm_render::plan::text(
                    &loaded.stream,
                    &loaded.analysis,
                    &items,
                    today,
                    has_history,
                ),
                MeasureFormat::Json => {
                    vsm_render::plan::json(&loaded.stream, &loaded.analysis, &items, today)
                }
            };
            write_output(None, &text)
        }
        Command::Compare {
            current,
            future,
            format,
            output,
            simulate: with_simulation,
            items,
            seed,
            arrivals,
        } => {
            let before = load_measured(&current, &input::read_map_file(&current)?)?;
            let after = load_measured(&future, &input::read_map_file(&future)?)?;
            let projections = if with_simulation {
                Some(simulate::both(&before, &after, items, seed, arrivals)?)
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
            let text = match format {
                CompareFormat::Text => vsm_render::compare::text(b, a, false),
                CompareFormat::Markdown => vsm_render::compare::text(b, a, true),
                CompareFormat::Json => vsm_render::compare::json(b, a),
                CompareFormat::Html => vsm_render::compare::html(b, a),
            };
            write_output(output.as_deref(), &text)
        }
        Command::Measure {
            file,
            format,
            explain,
        } => {
            let source = input::read_map_file(&file)?;
            let parsed = parse_file(&file, &source, 0)?;
            diagnostics::print(&file, &source, &parsed.diagnostics);
            let stream = parsed.stream.ok_or(Reported)?;
            let Some(measured) = measure::measure(&file, &stream, None)? else {
                bail!(
                    "`{}` names no event log; add `measure: {{ log: events.xes.gz }}` and a `measure:` rule to the steps to measure",
                    file.display()
                );
            };
            eprintln!(
                "{}",
                diagnostics::visible(&measure::import_report(&measured))
            );
            let view = measured.view(&stream);
            let text = match (explain, format) {
                (Some(step), _) => {
                    vsm_render::measure::explain(&stream, &measured.measurement, &step)?
                }
                (None, MeasureFormat::Json) => vsm_render::measure::json(&stream, &view),
                (None, MeasureFormat::Text) => vsm_render::measure::text(&stream, &view),
            };
            write_output(None, &text)
        }
        Command::Discover {
            log,
            format,
            output,
            log_options,
        } => {
            let options = log_options.read_options()?;
            let found =
                discover::run(&log, log_options.format(), &options).map_err(ingest_error)?;
            eprintln!(
                "{}",
                diagnostics::visible(&discover::import_report(&log, &found))
            );
            let log_name = match log.file_name() {
                Some(name) if !vsm_ingest::source::is_standard_input(&log) => {
                    name.to_string_lossy().into_owned()
                }
                _ => vsm_ingest::source::name_of(&log),
            };
            let measure = discover::measure_source(&log, output.as_deref(), &log_options);
            let propose = |measured| {
                vsm_core::discovery::proposed_map(
                    &found.discovery,
                    &found.activities,
                    &log_name,
                    measure.as_ref(),
                    measured,
                )
            };
            if found.discovery.main_path.is_empty()
                && (output.is_some() || matches!(format, DiscoverFormat::Yaml))
            {
                bail!(
                    "no event of `{}` completes an activity, so there is no path to propose a map from: vsm reads lifecycle `complete` (or none) as a completion, and this log's events all carry another lifecycle value (`start`, or statuses such as `In Progress`); export it with completion events (lifecycle `complete`), or without lifecycle values",
                    log.display()
                );
            }
            let mut map = propose(None);
            // A map measured from its log says what `vsm analyze` will show for it: measure it
            // (a second read of the log, only when the map is written or printed).
            let map_wanted = output.is_some() || matches!(format, DiscoverFormat::Yaml);
            if measure.is_some()
                && map_wanted
                && let Some(measured) = discover::measure_proposed(&map, output.as_deref())?
            {
                map = propose(Some(&measured));
            }
            if let Some(output) = &output {
                std::fs::write(output, &map)
                    .with_context(|| format!("cannot write `{}`", output.display()))?;
                write_schema_beside(output)?;
                eprintln!(
                    "wrote the proposed map to {}; run `vsm analyze {}` next",
                    output.display(),
                    output.display()
                );
            }
            let text = match format {
                DiscoverFormat::Text => {
                    vsm_render::discover::text(&found.discovery, &found.activities)
                }
                DiscoverFormat::Json => vsm_render::discover::json(
                    &found.discovery,
                    &found.activities,
                    measure::import(&found.stats),
                ),
                DiscoverFormat::Yaml => map,
            };
            write_output(None, &text)
        }
        Command::Render {
            file,
            output,
            format,
        } => render(&file, output.as_deref(), format),
        Command::Schema { output } => write_output(output.as_deref(), &schema_text()),
        Command::Report { file, output, db } => {
            let output = output.unwrap_or_else(|| {
                let stem = file
                    .file_stem()
                    .map_or_else(|| "report".into(), |s| s.to_string_lossy().into_owned());
                PathBuf::from(format!("{stem}.html"))
            });
            let source = input::read_map_file(&file)?;
            let loaded = load_measured(&file, &source)?;
            let history = match db.open_existing()? {
                Some(store) => store.history(&loaded.stream.name)?,
                None => Vec::new(),
            };
            // A trend needs two points.
            let trend = (history.len() >= 2)
                .then(|| history::trend(&history))
                .transpose()?;
            std::fs::write(&output, report_page(&file, &loaded, trend.as_ref()))
                .with_context(|| format!("cannot write `{}`", output.display()))?;
            println!(
                "wrote {} (open it in a browser; it works offline)",
                output.display()
            );
            Ok(())
        }
        Command::Demo { format, output } => {
            let example = templates::demo();
            let (stream, analysis) = load_source(Path::new(example.file_name), example.source)?;
            write_output(None, &report_text(&stream, &analysis, format))?;
            std::fs::write(&output, vsm_render::html(&stream, &analysis))
                .with_context(|| format!("cannot write `{}`", output.display()))?;
            let vsm = invocation::command();
            eprintln!(
                "This is the bundled example `{}`; its HTML report is in {}.\nRun `{vsm} init --template {}` to get a copy to edit{}.",
                example.file_name,
                output.display(),
                example.name,
                invocation::install_note(&vsm)
            );
            Ok(())
        }
    }
}

fn schema_text() -> String {
    let mut text =
        serde_json::to_string_pretty(&vsm_core::json_schema()).expect("the schema serializes");
    text.push('\n');
    text
}

/// An import error with its place and the fix, as one clear message.
fn ingest_error(error: vsm_ingest::IngestError) -> anyhow::Error {
    match error.help() {
        Some(help) => anyhow::anyhow!("{error}\n  help: {help}"),
        None => anyhow::Error::new(error),
    }
}

/// The HTML report, with the measured distributions when the map was measured.
/// The HTML report of the map in `file`; the log it was measured from is named relative to the
/// map, as the map names it, not by where it lies on this machine.
fn report_page(file: &Path, loaded: &Loaded, trend: Option<&vsm_render::trend::Trend>) -> String {
    let log = loaded.measured.as_ref().map(|m| {
        paths::relative_to_map(file, Path::new(&m.log))
            .display()
            .to_string()
    });
    vsm_render::html_report(
        &loaded.stream,
        &loaded.analysis,
        loaded
            .measured
            .as_ref()
            .zip(log.as_deref())
            .map(|(m, log)| (&m.measurement, log)),
        trend,
    )
}

/// The analysis as text, Markdown or JSON.
fn report_text(
    stream: &vsm_core::ValueStream,
    analysis: &vsm_core::Analysis,
    format: Format,
) -> String {
    match format {
        Format::Text => vsm_render::text(stream, analysis),
        Format::Markdown => vsm_render::markdown(stream, analysis),
        Format::Json => vsm_render::json(stream, analysis),
    }
}

/// Checks and analyzes map text read from `path`; a map with a `measure:` section is measured
/// from its event log first, and analyzed with the measured numbers.
fn load_source(path: &Path, source: &str) -> Result<(vsm_core::ValueStream, vsm_core::Analysis)> {
    let loaded = load_measured(path, source)?;
    Ok((loaded.stream, loaded.analysis))
}

/// Parses a map file's text, loading the map it `extends:` first (relative to the file). Problems
/// are printed with the file they are in.
fn parse_file(path: &Path, source: &str, depth: usize) -> Result<vsm_core::ParsedMap> {
    let Some(base_name) = vsm_core::extends_of(source) else {
        return Ok(vsm_core::parse_map(source));
    };
    if depth > 8 {
        bail!(
            "`{}` extends maps more than eight deep; is there a loop of `extends:`?",
            path.display()
        );
    }
    let base_path = path.parent().unwrap_or(Path::new(".")).join(&base_name);
    let base_source = input::read_map_file(&base_path)
        .with_context(|| format!("`{}` extends `{base_name}`", path.display()))?;
    let base = parse_file(&base_path, &base_source, depth + 1)?;
    diagnostics::print(&base_path, &base_source, &base.diagnostics);
    let Some(base) = base.stream else {
        bail!(
            "`{}` extends `{}`, which has errors (above)",
            path.display(),
            base_path.display()
        );
    };
    Ok(vsm_core::parse_map_extending(source, &base))
}

/// The map that the map at `path` extends, if any, with its path (its problems were printed
/// when the map was read).
fn measured_base(path: &Path, source: &str) -> Result<Option<(PathBuf, vsm_core::ValueStream)>> {
    let Some(base_name) = vsm_core::extends_of(source) else {
        return Ok(None);
    };
    let base_path = path.parent().unwrap_or(Path::new(".")).join(&base_name);
    let base_source = input::read_map_file(&base_path)?;
    let base = parse_file(&base_path, &base_source, 1)?;
    Ok(base.stream.map(|stream| (base_path, stream)))
}

/// A map, analyzed with measured numbers where it has them.
pub(crate) struct Loaded {
    /// The map as written: the estimates.
    estimates: vsm_core::ValueStream,
    /// The map with measured numbers in place of estimates (the same as `estimates` unmeasured).
    stream: vsm_core::ValueStream,
    analysis: vsm_core::Analysis,
    measured: Option<measure::Measured>,
}

impl Loaded {
    /// The named numbers snapshots keep and checks read.
    fn metrics(&self) -> Vec<(String, f64)> {
        vsm_core::metrics::of(
            &self.stream,
            &self.analysis,
            self.measured.as_ref().map(|m| &m.measurement),
        )
    }
}

fn load_measured(path: &Path, source: &str) -> Result<Loaded> {
    load_measured_from(path, source, None)
}

/// As [`load_measured`], from the event log `events` instead of the one the map names.
fn load_measured_from(path: &Path, source: &str, events: Option<&Path>) -> Result<Loaded> {
    measure_loaded(path, source, parse_checked(path, source)?, events)
}

/// Parses map text read from `path`, printing its diagnostics; an error when it is not valid.
fn parse_checked(path: &Path, source: &str) -> Result<vsm_core::ValueStream> {
    let parsed = parse_file(path, source, 0)?;
    diagnostics::print(path, source, &parsed.diagnostics);
    Ok(parsed.stream.ok_or(Reported)?)
}

/// Measures a checked map (from `events`, or the log it names) and analyzes it.
fn measure_loaded(
    path: &Path,
    source: &str,
    estimates: vsm_core::ValueStream,
    events: Option<&Path>,
) -> Result<Loaded> {
    // A future state is measured through the map it extends (its log, its steps), and its
    // design applied to that: the items never passed the steps it adds or skipped those it
    // removes.
    let measured = match measured_base(path, source)? {
        Some((base_path, base)) if base.measure.is_some() && base.measure == estimates.measure => {
            measure::measure(&base_path, &base, events)?
                .map(|m| measure::for_future(m, &base, &estimates))
        }
        _ => measure::measure(path, &estimates, events)?,
    };
    if let Some(measured) = &measured {
        eprintln!(
            "{}",
            diagnostics::visible(&measure::import_report(measured))
        );
    }
    let (stream, analysis) = match &measured {
        Some(m) => {
            // The reader checked the map's own numbers; measured ones are checked here.
            let analysis = vsm_core::analysis::try_analyze_measured(&m.stream, &m.measurement)
                .map_err(|error| {
                    anyhow::anyhow!(
                        "the numbers measured for `{}` do not add up: {error}; check the log's timestamps for dates far in the past or future",
                        path.display()
                    )
                })?;
            (m.stream.clone(), analysis)
        }
        None => (estimates.clone(), vsm_core::analyze(&estimates)),
    };
    Ok(Loaded {
        estimates,
        stream,
        analysis,
        measured,
    })
}

fn render(file: &Path, output: Option<&Path>, format: Option<Picture>) -> Result<()> {
    let format = match (format, output) {
        (Some(format), _) => format,
        (None, Some(path)) => Picture::from_extension(path).with_context(|| {
            format!(
                "cannot tell the format from `{}`; use an extension .svg, .png, .html, .mmd or .dot, or pass --format",
                path.display()
            )
        })?,
        (None, None) => Picture::Svg,
    };
    let source = input::read_map_file(file)?;
    let loaded = load_measured(file, &source)?;
    let (stream, analysis) = (&loaded.stream, &loaded.analysis);
    let text = match format {
        Picture::Svg => vsm_render::svg(stream, analysis),
        Picture::Mermaid => vsm_render::mermaid(stream, analysis),
        Picture::Dot => vsm_render::dot(stream, analysis),
        Picture::Html => report_page(file, &loaded, None),
        Picture::Png => {
            let Some(output) = output else {
                bail!("a PNG needs a file to go to; pass `-o map.png`");
            };
            let bytes = vsm_render::png(stream, analysis)?;
            std::fs::write(output, bytes)
                .with_context(|| format!("cannot write `{}`", output.display()))?;
            eprintln!("wrote {}", output.display());
            return Ok(());
        }
    };
    write_output(output, &text)
}

fn validate(files: &[PathBuf]) -> Result<()> {
    let mut failed = 0;
    for file in files {
        let read = input::read_map_file(file)
            .and_then(|source| parse_file(file, &source, 0).map(|parsed| (source, parsed)));
        let (source, parsed) = match read {
            Ok(read) => read,
            Err(error) => {
                anstream::eprintln!(
                    "{}error:{} {}",
                    diagnostics::ERROR_STYLE.render(),
                    diagnostics::ERROR_STYLE.render_reset(),
                    diagnostics::visible(&format!("{error:#}"))
                );
                failed += 1;
                continue;
            }
        };
        diagnostics::print(file, &source, &parsed.diagnostics);
        let warnings = parsed.diagnostics.iter().filter(|d| !d.is_error()).count();
        let errors = parsed.diagnostics.len() - warnings;
        match &parsed.stream {
            Some(stream) => {
                let note = if warnings == 0 {
                    String::new()
                } else {
                    format!(", {warnings} warning{}", plural(warnings))
                };
                println!(
                    "{}: valid ({} step{}{note})",
                    file.display(),
                    stream.steps.len(),
                    plural(stream.steps.len())
                );
            }
            None => {
                failed += 1;
                eprintln!(
                    "{}: {errors} error{}{}",
                    file.display(),
                    plural(errors),
                    if warnings == 0 {
                        String::new()
                    } else {
                        format!(", {warnings} warning{}", plural(warnings))
                    }
                );
            }
        }
    }
    if failed > 0 {
        return Err(Reported.into());
    }
    Ok(())
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

fn init(path: &Path, template: Option<&str>, force: bool, with_schema: bool) -> Result<()> {
    if path.is_dir() {
        bail!(
            "`{}` is a directory; give the map file to write, e.g. `vsm init {}`",
            path.display(),
            path.join("vsm.yaml").display()
        );
    }
    if path.exists() && !force {
        bail!(
            "`{}` already exists; pass --force to overwrite it, or give another file name",
            path.display()
        );
    }
    let source = templates::render(template);
    std::fs::write(path, &source).with_context(|| format!("cannot write `{}`", path.display()))?;
    println!("wrote {}", path.display());
    if with_schema && let Some(schema_path) = write_schema_beside(path)? {
        println!(
            "wrote {} (editors use it for completion and checking)",
            schema_path.display()
        );
    }
    let vsm = invocation::command();
    println!(
        "next: edit it, then run `{vsm} validate {0}` and `{vsm} analyze {0}`{1}",
        path.display(),
        invocation::install_note(&vsm)
    );
    Ok(())
}

/// Writes `vsm-map.schema.json` (which the maps' first line names) next to the map at `path`,
/// unless it is there as it should be; the path written, if any.
fn write_schema_beside(path: &Path) -> Result<Option<PathBuf>> {
    let schema_path = path.with_file_name("vsm-map.schema.json");
    let schema = schema_text();
    let current = std::fs::read_to_string(&schema_path).ok();
    if current.as_deref() == Some(schema.as_str()) {
        return Ok(None);
    }
    std::fs::write(&schema_path, schema)
        .with_context(|| format!("cannot write `{}`", schema_path.display()))?;
    Ok(Some(schema_path))
}

fn write_output(output: Option<&Path>, text: &str) -> Result<()> {
    // Names from maps and logs are shown, never obeyed: no control character reaches a terminal.
    let text = &*diagnostics::visible(text);
    match output {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`vsm analyze map.yaml | head`) is not an error worth a message.
            if let Err(error) = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                && error.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(error).context("cannot write to standard output");
            }
        }
    }
    Ok(())
}
