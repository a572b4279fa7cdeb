//! Setting up a what-if simulation of a map: the step models with the limits tried, the arrival
//! rate, and how close the simulation of a measured map comes to its log. A measured current
//! state is calibrated from its log by default, and a future state of one (`extends:`) runs on
//! that calibration moved by its changes; `Model::Fitted` keeps the map's graph and rework
//! shares, for comparison.

use anyhow::{Result, bail};
use vsm_core::ValueStream;
use vsm_core::simulate::{
    Calibration, Differences, FutureChanges, Projection, StepModel, Validation, validate,
};

use crate::{Loaded, Measured};

/// A WIP limit: for the whole stream, or for one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WipLimit {
    Stream(u32),
    Step(String, u32),
}

/// Which model of the stream the simulation runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Model {
    /// A measured map calibrated from its log (durations, routing, arrivals and capacity as the
    /// log shows them), a future state of one on that calibration with its changes; other maps
    /// as fitted.
    #[default]
    Calibrated,
    /// The map's graph and rework shares, Poisson arrivals, durations drawn from the items that
    /// came the map's way.
    Fitted,
}

impl Model {
    pub fn as_str(self) -> &'static str {
        match self {
            Model::Calibrated => "calibrated",
            Model::Fitted => "fitted",
        }
    }
}

/// What to simulate: how many items, the seed, and the settings tried.
#[derive(Clone, Debug)]
pub struct Request {
    pub items: u64,
    pub seed: u64,
    /// Items per week (default: the log's, for a measured map).
    pub arrivals: Option<f64>,
    pub wip_limits: Vec<WipLimit>,
    /// `(step, items worked on at once)`, overriding the map's.
    pub capacity: Vec<(String, u32)>,
    /// `(step, batch size)`, overriding the map's.
    pub batch: Vec<(String, u32)>,
    pub replications: u32,
    pub model: Model,
}

/// A simulation run, with what it was run with.
#[derive(Debug)]
pub struct Simulated {
    pub models: Vec<StepModel>,
    pub projection: Projection,
    /// Where the arrival rate comes from, for people.
    pub arrivals_source: String,
    /// Whether items arrive as the log's did (replayed gaps), not at random at the rate.
    pub replayed_arrivals: bool,
    /// The stream-wide WIP limit.
    pub wip_limit: Option<u32>,
    /// How close it comes to the log, for a map simulated as it was measured.
    pub validation: Option<Validation>,
    /// Why it is not held against the log, for a measured map that is not.
    pub unchecked: Option<&'static str>,
    /// The model that ran: calibrated only for a measured current state.
    pub model: Model,
    /// What the log showed, for a calibrated run (moved to the future map, for a future state).
    pub calibration: Option<Calibration>,
    /// What a future state changes in the calibrated current state, for a calibrated run of one.
    pub future: Option<FutureChanges>,
}

impl Simulated {
    /// The run as the renderers take it, for the map `stream` it ran on.
    pub fn report<'a>(&'a self, stream: &'a ValueStream) -> vsm_render::simulate::Report<'a> {
        vsm_render::simulate::Report {
            stream,
            models: &self.models,
            projection: &self.projection,
            arrivals_source: &self.arrivals_source,
            replayed_arrivals: self.replayed_arrivals,
            wip_limit: self.wip_limit,
            validation: self.validation.as_ref(),
            unchecked: self.unchecked,
            model: self.model.as_str(),
            calibration: self.calibration.as_ref(),
            future: self.future.as_ref(),
        }
    }
}

/// The calibration a run of `loaded` draws from: its own log's for a measured current state (or
/// a future state that names a log of its own); for a future state measured through the current
/// state at the bottom of its chain of `extends:`, that current state's, moved to the future map,
/// with what changed.
fn calibration_of(loaded: &Loaded) -> Option<(Calibration, Option<FutureChanges>)> {
    let measured = loaded.measured.as_ref()?;
    let Some(current) = measured
        .current
        .as_ref()
        .filter(|_| loaded.extends.is_some())
    else {
        return vsm_core::simulate::calibrate(&loaded.stream, &measured.measurement)
            .map(|calibration| (calibration, None));
    };
    let calibration = vsm_core::simulate::calibrate(&current.stream, &current.measurement)?;
    let (calibration, changes) =
        vsm_core::simulate::for_future(&calibration, &current.stream, &loaded.stream);
    Some((calibration, Some(changes)))
}

/// Simulates the loaded map with the settings of `request`.
pub fn simulate(loaded: &Loaded, request: &Request) -> Result<Simulated> {
    run(loaded, request, None)
}

/// As [`simulate`]; a run that neither replays a log's arrivals nor is given a rate, and has no
/// log of its own, takes `arrivals` (items per week) when given.
fn run(loaded: &Loaded, request: &Request, arrivals_otherwise: Option<f64>) -> Result<Simulated> {
    let measurement = loaded.measured.as_ref().map(|m| &m.measurement);
    // The log's calibration: what a calibrated run draws from, and what a run of the current
    // state is held against whichever model runs.
    let (log, future) = calibration_of(loaded).unzip();
    let (calibration, future) = match request.model {
        Model::Calibrated => (log.as_ref(), future.flatten()),
        Model::Fitted => (None, None),
    };
    let model = if calibration.is_some() {
        Model::Calibrated
    } else {
        Model::Fitted
    };
    let mut models = match calibration {
        Some(calibration) => {
            let mut models =
                vsm_core::simulate::calibrated_models(&loaded.stream, calibration, true);
            for (model, change) in models.iter_mut().zip(future.iter().flat_map(|f| &f.steps)) {
                model.scaled = (change.wait.is_some(), change.process.is_some());
            }
            models
        }
        None => vsm_core::simulate::models(&loaded.stream, measurement),
    };
    let stream_wip = stream_wip_limit(&request.wip_limits)?;
    let step_wip: Vec<(String, u32)> = request
        .wip_limits
        .iter()
        .filter_map(|w| match w {
            WipLimit::Step(step, n) => Some((step.clone(), *n)),
            WipLimit::Stream(_) => None,
        })
        .collect();
    override_models(
        &loaded.stream,
        &mut models,
        &request.capacity,
        &request.batch,
        &step_wip,
    )?;
    let replay_arrivals = model == Model::Calibrated && request.arrivals.is_none();
    let given = match (request.arrivals, &loaded.measured) {
        (Some(rate), _) => Some(rate),
        (None, None) if !replay_arrivals => arrivals_otherwise,
        _ => None,
    };
    let (arrivals_per_week, mut arrivals_source) = arrivals(
        given,
        loaded.measured.as_ref(),
        &loaded.stream,
        &models,
        stream_wip,
    )?;
    if request.arrivals.is_none() && given.is_some() {
        arrivals_source = "the current map's rate".to_string();
    }
    if replay_arrivals && let Some(calibration) = calibration {
        arrivals_source = format!(
            "replayed: the gaps between the log's {} item starts over {:.1} weeks, in order",
            calibration.gaps.len() + 1,
            calibration.span as f64 / (7.0 * 86_400_000.0)
        );
    }
    let config = vsm_core::simulate::Config {
        items: request.items,
        seed: request.seed,
        arrivals_per_week,
        wip_limit: stream_wip,
        replications: request.replications,
    };
    let projection = match calibration {
        Some(calibration) => vsm_core::simulate::simulate_calibrated(
            &loaded.stream,
            &models,
            &config,
            calibration,
            replay_arrivals,
        ),
        None => vsm_core::simulate::simulate(&loaded.stream, &models, &config),
    };
    // Only a map simulated as it was measured can be held against its log: not a future
    // state (a map that extends another), not with capacities or limits tried.
    // A working calendar measures in working time, which the log's clock times are not.
    let unchecked = if loaded.measured.is_none() {
        None
    } else if loaded.extends.is_some() {
        Some("a future state: the log is of the map it extends")
    } else if !(request.capacity.is_empty()
        && request.batch.is_empty()
        && request.wip_limits.is_empty()
        && request.arrivals.is_none())
    {
        Some("run with --capacity, --batch, --wip-limit or --arrivals: not as the log was")
    } else if loaded
        .estimates
        .measure
        .as_ref()
        .is_some_and(|s| s.calendar.is_some())
    {
        Some("measured in working time (`calendar:`), which the log's clock times are not")
    } else if log.is_none() {
        Some("no item of the log finished")
    } else {
        None
    };
    let validation = log
        .as_ref()
        .filter(|_| unchecked.is_none())
        .and_then(|calibration| validate(&projection, calibration));
    Ok(Simulated {
        models,
        projection,
        arrivals_source,
        replayed_arrivals: replay_arrivals && calibration.is_some(),
        wip_limit: stream_wip,
        validation,
        unchecked,
        model,
        calibration: calibration.cloned(),
        future,
    })
}

/// The one stream-wide limit among the `--wip-limit`s.
pub fn stream_wip_limit(limits: &[WipLimit]) -> Result<Option<u32>> {
    let mut stream = limits.iter().filter_map(|w| match w {
        WipLimit::Stream(n) => Some(*n),
        WipLimit::Step(..) => None,
    });
    let first = stream.next();
    if let (Some(a), Some(b)) = (first, stream.next()) {
        bail!(
            "--wip-limit {a} and --wip-limit {b}: give one limit for the whole stream (per step: `--wip-limit STEP=N`)"
        );
    }
    Ok(first)
}

/// Applies `--capacity`, `--batch` and per-step `--wip-limit` to the models.
pub fn override_models(
    stream: &ValueStream,
    models: &mut [StepModel],
    capacity: &[(String, u32)],
    batch: &[(String, u32)],
    wip: &[(String, u32)],
) -> Result<()> {
    for (settings, what) in [
        (capacity, "--capacity"),
        (batch, "--batch"),
        (wip, "--wip-limit"),
    ] {
        for (id, value) in settings {
            let Some(index) = stream.step_index(id) else {
                let ids: Vec<&str> = stream.steps.iter().map(|s| s.id.as_str()).collect();
                let hint = vsm_core::diagnostic::did_you_mean(id, ids.iter().copied())
                    .map_or_else(String::new, |close| format!("did you mean `{close}`? "));
                bail!(
                    "{what} {id}={value}: the map has no step `{id}`; {hint}its steps are {}",
                    ids.join(", ")
                );
            };
            match what {
                "--capacity" => models[index].capacity = Some(*value),
                "--batch" => models[index].batch_size = *value,
                _ => models[index].wip_limit = Some(*value),
            }
        }
    }
    Ok(())
}

/// The arrival rate to use and where it comes from: `--arrivals`, else the log's (a measured
/// map), else the map's `demand:`.
pub fn arrivals(
    given: Option<f64>,
    measured: Option<&Measured>,
    stream: &ValueStream,
    models: &[StepModel],
    stream_wip_limit: Option<u32>,
) -> Result<(f64, String)> {
    if let Some(rate) = given {
        return Ok((rate, "--arrivals".to_string()));
    }
    if let Some(measured) = measured
        && let Some((first, last)) = measured.measurement.span
        && last > first
    {
        let items = measured.measurement.coverage.items_used;
        let weeks = (last - first) as f64 / (7.0 * 86_400_000.0);
        return Ok((
            items as f64 / weeks,
            format!("measured: {items} items over {weeks:.1} weeks of the log"),
        ));
    }
    // The customer's demand, per working day: a week of working days of it.
    if let Some(demand) = &stream.demand {
        let week_days = stream.working_time.week_days;
        return Ok((
            demand.total.per_day * f64::from(week_days),
            format!(
                "the map's demand, {}: {} a working day x {week_days} working days a week",
                demand.total.written,
                vsm_core::worktime::format_count(demand.total.per_day)
            ),
        ));
    }
    if stream_wip_limit.is_some()
        || models
            .iter()
            .any(|m| m.capacity.is_some() || m.batch_size > 1 || m.wip_limit.is_some())
    {
        bail!(
            "the simulation has a capacity, a batch size or a WIP limit, so queues depend on how fast items arrive: give the rate with `--arrivals 10/week` (or measure the map from an event log)"
        );
    }
    Ok((
        1.0,
        "assumed (no capacity, batch or WIP limit, so it does not change lead times; give --arrivals for throughput)".to_string(),
    ))
}

/// Two maps simulated to be compared, and how much of each difference is the change.
#[derive(Debug)]
pub struct Compared {
    pub before: Simulated,
    pub after: Simulated,
    /// After − before, replication by replication (see [`vsm_core::simulate::differences`]).
    pub differences: Option<Differences>,
}

/// Both maps of a comparison simulated with the same items, seed and replications, so that
/// replication r of each draws from the same random stream: a future state of a measured map
/// draws the same items of the log, arriving as they did, as the calibrated current state. A map
/// that does not replay a log's arrivals takes the given rate, or the current map's.
pub fn both(before: &Loaded, after: &Loaded, request: &Request) -> Result<Compared> {
    let first = simulate(before, request)?;
    let current_rate = before
        .measured
        .is_some()
        .then_some(first.projection.arrivals_per_week);
    let second = run(after, request, current_rate)?;
    let differences = vsm_core::simulate::differences(&first.projection, &second.projection);
    Ok(Compared {
        before: first,
        after: second,
        differences,
    })
}
