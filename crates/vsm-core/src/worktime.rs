//! Working time, customer demand, queues and takt time: the numbers a classic value stream map
//! is drawn with.
//!
//! In a workshop people know how much is waiting before a step ("23 tickets in the review
//! column") and how fast the customer asks for work, more often than how long work waits. The
//! classic notation writes the count under each queue triangle and turns it into days with the
//! demand, by Little's law: wait = queue / throughput. Takt time is the pace the customer sets:
//! available working time / demand.
//!
//! Days mean working days where people count them so: hands-on process time (`2d` of work is two
//! working days, 16 h with an 8-hour day), demand (`920/day` is per working day) and the waits a
//! queue gives. Written waits are calendar days unless the map says `wait_days: working`.

use crate::Duration;

const MS_PER_DAY: f64 = 86_400_000.0;

/// Whether the days of waits are calendar days or working days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WaitDays {
    /// 24 hours, seven a week: a queue waits through nights and weekends (the default).
    #[default]
    Calendar,
    /// The map's working day, `working_week` of them a week, as lean texts count production lead
    /// time and workshop tools count every day.
    Working,
}

impl WaitDays {
    /// Each with its name in a map file.
    pub const ALL: [(WaitDays, &'static str); 2] = [
        (WaitDays::Calendar, "calendar"),
        (WaitDays::Working, "working"),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WaitDays::Calendar => "calendar",
            WaitDays::Working => "working",
        }
    }
}

/// How long a working day, week and month are, and which durations count in them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkingTime {
    /// A working day (`working_day:`, default 8 h; 24 h for a map that says nothing of its
    /// working time): the day of process times and of demand.
    pub day: Duration,
    /// Working days a week (`working_week:`, default 5).
    pub week_days: u32,
    /// Working days a month (`working_month:`, default 4 working weeks: 20), for a demand per month.
    pub month_days: u32,
    /// What the days of waits are (`wait_days:`).
    pub wait_days: WaitDays,
    /// Whether the map says what its working day is (`working_day:`). A map that does not
    /// keeps the meaning maps had before: days of process time are calendar days, 24 h each.
    pub declared: bool,
}

/// A map that says nothing of its working time: every day is 24 hours, a week 7 of them and a
/// month 30, so a demand of `10/day` is ten a calendar day, its takt time 2h 24m, and a queue of
/// ten waits one calendar day.
impl Default for WorkingTime {
    fn default() -> Self {
        WorkingTime {
            day: Duration::from_days(1),
            week_days: 7,
            month_days: 30,
            wait_days: WaitDays::Calendar,
            declared: false,
        }
    }
}

impl WorkingTime {
    /// What a map that sets any of `working_day:`, `working_week:` and `wait_days:` has for the
    /// ones it leaves out: a day of 8 h, 5 working days a week, a month of 4 such weeks, waits in
    /// calendar days.
    pub fn working() -> Self {
        WorkingTime {
            day: Duration::from_hours(8),
            week_days: 5,
            month_days: 20,
            wait_days: WaitDays::Calendar,
            declared: true,
        }
    }

    /// The day process times are written in: the working day, or 24 h when the map does not
    /// say what its working day is.
    pub fn process_day(&self) -> Duration {
        if self.declared {
            self.day
        } else {
            Duration::from_days(1)
        }
    }

    /// How much of a calendar week a week of waiting is in the time waits count in: 1 for
    /// calendar waits, the working week's hours over 168 for working waits (80 / 168 for 5 days
    /// of 16 h). A wait in one map's time is one in another's times their ratio.
    pub fn wait_share(&self) -> f64 {
        match self.wait_days {
            WaitDays::Calendar => 1.0,
            WaitDays::Working => {
                f64::from(self.week_days) * self.day.as_millis() as f64 / (7.0 * MS_PER_DAY)
            }
        }
    }

    /// Days in a week of process time.
    pub fn process_week_days(&self) -> u32 {
        if self.declared { self.week_days } else { 7 }
    }

    /// The day waits are written and told in: 24 h, or the working day.
    pub fn wait_day(&self) -> Duration {
        match self.wait_days {
            WaitDays::Calendar => Duration::from_days(1),
            WaitDays::Working => self.day,
        }
    }

    /// Days in a week of waits: 7, or the working week.
    pub fn wait_week_days(&self) -> u32 {
        match self.wait_days {
            WaitDays::Calendar => 7,
            WaitDays::Working => self.week_days,
        }
    }

    /// The working day reports tell durations in, or `None` for the calendar day.
    pub fn told_day(&self) -> Option<Duration> {
        match self.wait_days {
            WaitDays::Calendar => None,
            WaitDays::Working => Some(self.day),
        }
    }

    /// Working days in one period of a rate (`day`, `week`, `month`).
    pub fn days_in(&self, period: &str) -> Option<f64> {
        match period {
            "day" | "d" => Some(1.0),
            "week" | "w" => Some(f64::from(self.week_days)),
            "month" => Some(f64::from(self.month_days)),
            _ => None,
        }
    }

    /// The convention, in one sentence every report prints.
    pub fn convention(&self) -> String {
        if !self.declared {
            return "process time and waits in calendar days (24h); the map sets no `working_day:`"
                .into();
        }
        let waits = match self.wait_days {
            WaitDays::Calendar => "waits in calendar days (24h)".to_string(),
            WaitDays::Working => "waits in the same working days".to_string(),
        };
        format!(
            "process time in working days of {} ({} a week), {waits}",
            plain(self.day),
            self.week_days
        )
    }

    /// How long `working_days` of waiting are, in the days waits count in: working days as
    /// they are, calendar days stretched by the week's days off. `None` when that is not a
    /// number or longer than [`Duration::MAX`], never a wrapped, clipped or zero wait.
    pub fn wait_of_working_days(&self, working_days: f64) -> Option<Duration> {
        let millis = match self.wait_days {
            WaitDays::Working => working_days * self.day.as_millis() as f64,
            WaitDays::Calendar => working_days * 7.0 / f64::from(self.week_days) * MS_PER_DAY,
        };
        (millis.is_finite() && millis >= 0.0 && millis <= Duration::MAX.as_millis() as f64)
            .then(|| Duration::from_secs_f64(millis / 1000.0))
    }

    /// `duration` in the days waits count in: calendar days, or working days.
    pub fn days_of(&self, duration: Duration) -> f64 {
        duration.as_millis() as f64 / self.wait_day().as_millis().max(1) as f64
    }

    /// `wait` in working days: the inverse of [`Self::wait_of_working_days`].
    pub fn working_days_of_wait(&self, wait: Duration) -> f64 {
        let millis = wait.as_millis() as f64;
        match self.wait_days {
            WaitDays::Working => millis / self.day.as_millis().max(1) as f64,
            WaitDays::Calendar => millis / MS_PER_DAY * f64::from(self.week_days) / 7.0,
        }
    }
}

/// A duration in hours and minutes, never in days (a day's length told in days says nothing).
fn plain(duration: Duration) -> String {
    crate::duration::in_working_days(None, || {
        if duration.as_millis() >= 86_400_000 {
            format!(
                "{}h",
                crate::format_number(duration.as_secs_f64() / 3600.0, 2)
            )
        } else {
            duration.human()
        }
    })
}

/// The most items a working day a rate (`demand:`, `throughput:`) may give: a million, an item
/// every 29 ms of an 8-hour day. Past it the takt time and the waits a queue gives fall below
/// the millisecond durations are kept in; such a number is a slip of the exponent or the period.
pub const MAX_RATE_PER_DAY: f64 = 1_000_000.0;

/// The fewest items a working day a rate may give above zero: one item in 10,000 working days
/// (about 40 years of 5-day weeks). Below it the takt time and the waits a queue gives run past
/// any value stream's life.
pub const MIN_RATE_PER_DAY: f64 = 0.0001;

/// A rate a working day as a message quotes it: `920`, `0.25`, `1e-300`.
pub fn format_rate(per_day: f64) -> String {
    if per_day != 0.0 && !(0.01..1e15).contains(&per_day.abs()) {
        format!("{per_day:e}")
    } else {
        crate::format_number(per_day, 2)
    }
}

/// A number of items per working day, with how it was written (`18400/month`).
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    pub per_day: f64,
    pub written: String,
}

/// What the customer asks for: per working day, for the whole stream or per item type.
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    /// The whole stream's (the sum of the types' when given per type).
    pub total: Rate,
    /// Per item type, in the order written; empty when the demand is one number.
    pub by_type: Vec<(String, Rate)>,
}

/// Items waiting before a step: one count, or a count per item type.
#[derive(Clone, Debug, PartialEq)]
pub struct Queue {
    pub total: f64,
    /// Per item type, in the order written; empty when the queue is one count.
    pub by_type: Vec<(String, f64)>,
    /// Measured from the log (the time-weighted mean of the items waiting), not counted in the
    /// map: the step's wait is measured too, never derived from it.
    pub measured: bool,
}

/// Where a step's wait time comes from, before any measuring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WaitSource {
    /// Written in the map (or none: zero).
    #[default]
    Estimated,
    /// From the step's queue by Little's law: queue / throughput.
    Derived,
}

/// Which throughput turns a queue into a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateSource {
    /// The stream's `demand:`.
    Demand,
    /// The step's own `throughput:`.
    Step,
}

/// One line of the arithmetic: a type's queue over its rate.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueLine {
    /// The item type; `None` for a queue given as one count.
    pub item_type: Option<String>,
    pub queue: f64,
    pub per_day: f64,
    /// `queue / per_day`, in working days.
    pub days: f64,
}

/// How a queue becomes a wait: per type and in total.
#[derive(Clone, Debug, PartialEq)]
pub struct Derivation {
    pub lines: Vec<QueueLine>,
    pub queue: f64,
    pub per_day: f64,
    /// `queue / per_day`: the mean wait of an item, in working days (the throughput-weighted
    /// mean of the types' waits).
    pub days: f64,
    pub source: RateSource,
    /// `days` as a wait, in the days waits count in.
    pub wait: Duration,
}

/// Why a queue gives no wait.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum QueueError {
    #[error(
        "the queue cannot be turned into a wait: the map gives no `demand:` and the step no `throughput:`"
    )]
    NoRate,
    #[error("the queue is counted per item type, but the demand is one number")]
    TypesWithoutDemand,
    #[error("no demand is given for item type `{0}`")]
    UnknownType(String),
    #[error("the throughput is zero, so the queue never empties")]
    ZeroRate,
    #[error(
        "a queue of {} at {} a day waits {} working days, longer than the longest wait vsm holds ({})",
        format_count(*queue),
        format_rate(*per_day),
        format_count(*days),
        crate::duration::years(u128::from(Duration::MAX.as_millis()))
    )]
    TooLong { queue: f64, per_day: f64, days: f64 },
}

impl QueueError {
    pub fn help(&self, types: &[String]) -> String {
        match self {
            QueueError::NoRate => "add the customer's demand at the top level (`demand: 920/day`), the step's `throughput: 40/week`, or write `wait_time:`".into(),
            QueueError::TypesWithoutDemand => "give the demand per item type too, e.g. `demand: { left: 12000/month, right: 6400/month }`, or one queue count".into(),
            QueueError::UnknownType(_) => format!(
                "the demand names {}; count the queue by those types",
                crate::diagnostic::backticked(types.iter().map(String::as_str), usize::MAX)
            ),
            QueueError::ZeroRate => "give a demand or throughput above zero".into(),
            QueueError::TooLong { .. } => "check the queue count and the rate (its number and its period: `920/day`, `40/week`, `18400/month`), or write the step's `wait_time:`".into(),
        }
    }

    /// The code of the diagnostic the map check reports it with.
    pub fn code(&self) -> &'static str {
        match self {
            QueueError::TooLong { .. } => "queue_wait_too_long",
            _ => "queue_without_rate",
        }
    }
}

/// The wait a queue gives: `queue / throughput`, with the step's own throughput if it has one,
/// else the demand (per type when the queue is counted per type).
pub fn derive_wait(
    queue: &Queue,
    throughput: Option<&Rate>,
    demand: Option<&Demand>,
    time: &WorkingTime,
) -> Result<Derivation, QueueError> {
    let (lines, source) = match (throughput, demand) {
        (Some(rate), _) => (
            vec![QueueLine {
                item_type: None,
                queue: queue.total,
                per_day: rate.per_day,
                days: queue.total / rate.per_day,
            }],
            RateSource::Step,
        ),
        (None, None) => return Err(QueueError::NoRate),
        (None, Some(demand)) if queue.by_type.is_empty() => (
            vec![QueueLine {
                item_type: None,
                queue: queue.total,
                per_day: demand.total.per_day,
                days: queue.total / demand.total.per_day,
            }],
            RateSource::Demand,
        ),
        (None, Some(demand)) if demand.by_type.is_empty() => {
            return Err(QueueError::TypesWithoutDemand);
        }
        (None, Some(demand)) => {
            let mut lines = Vec::new();
            for (name, count) in &queue.by_type {
                let rate = demand
                    .by_type
                    .iter()
                    .find(|(t, _)| t == name)
                    .map(|(_, rate)| rate)
                    .ok_or_else(|| QueueError::UnknownType(name.clone()))?;
                lines.push(QueueLine {
                    item_type: Some(name.clone()),
                    queue: *count,
                    per_day: rate.per_day,
                    days: count / rate.per_day,
                });
            }
            (lines, RateSource::Demand)
        }
    };
    let per_day = match source {
        RateSource::Step => lines[0].per_day,
        // Every type flows through the stream, counted in its queue or not: the queue of all
        // items drains at the whole demand.
        RateSource::Demand => demand.map_or(0.0, |d| d.total.per_day),
    };
    if per_day <= 0.0 || lines.iter().any(|l| l.per_day <= 0.0) {
        return Err(QueueError::ZeroRate);
    }
    let days = queue.total / per_day;
    // Each type's wait too: a tiny rate of one type makes its line absurd on its own.
    let too_long = |queue: f64, per_day: f64, days: f64| QueueError::TooLong {
        queue,
        per_day,
        days,
    };
    if let Some(line) = lines
        .iter()
        .find(|l| time.wait_of_working_days(l.days).is_none())
    {
        return Err(too_long(line.queue, line.per_day, line.days));
    }
    let wait = time
        .wait_of_working_days(days)
        .ok_or_else(|| too_long(queue.total, per_day, days))?;
    Ok(Derivation {
        lines,
        queue: queue.total,
        per_day,
        days,
        source,
        wait,
    })
}

/// How far a written wait may be from the queue's before a warning: 20% of the larger.
pub const QUEUE_TOLERANCE_PERCENT: f64 = 20.0;

/// Whether two waits disagree beyond [`QUEUE_TOLERANCE_PERCENT`], with the gap in percent of
/// the larger.
pub fn disagreement(written: Duration, derived: Duration) -> Option<f64> {
    let (a, b) = (written.as_millis() as f64, derived.as_millis() as f64);
    let larger = a.max(b);
    if larger == 0.0 {
        return None;
    }
    let gap = (a - b).abs() * 100.0 / larger;
    (gap > QUEUE_TOLERANCE_PERCENT).then_some(gap)
}

/// Takt time: the available working time of a day over the items the customer asks for in it.
pub fn takt_time(available_per_day: Duration, demand_per_day: f64) -> Option<Duration> {
    (demand_per_day > 0.0)
        .then(|| Duration::from_secs_f64(available_per_day.as_secs_f64() / demand_per_day))
}

/// A count as people write it: `4600`, `7.5`; an absurd one (from a hostile map) as `1e300`,
/// not three hundred digits.
pub fn format_count(count: f64) -> String {
    if count.abs() >= 1e15 || !count.is_finite() {
        return format!("{count:e}");
    }
    crate::format_number(count, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(per_day: f64) -> Rate {
        Rate {
            per_day,
            written: String::new(),
        }
    }

    /// Learning to See's Acme Stamping: 12,000 left and 6,400 right brackets a month, 20
    /// working days; 4,600 left and 2,400 right waiting after stamping print as 7.6 days.
    fn acme_demand() -> Demand {
        Demand {
            total: rate(920.0),
            by_type: vec![("left".into(), rate(600.0)), ("right".into(), rate(320.0))],
        }
    }

    #[test]
    fn a_queue_by_type_drains_at_the_whole_demand() {
        let working = WorkingTime {
            day: Duration::from_hours(16),
            wait_days: WaitDays::Working,
            declared: true,
            ..WorkingTime::working()
        };
        let queue = Queue {
            total: 7000.0,
            by_type: vec![("left".into(), 4600.0), ("right".into(), 2400.0)],
            measured: false,
        };
        let derived = derive_wait(&queue, None, Some(&acme_demand()), &working).unwrap();
        assert!((derived.days - 7000.0 / 920.0).abs() < 1e-9);
        assert_eq!(format!("{:.1}", derived.days), "7.6");
        assert_eq!(format!("{:.2}", derived.lines[0].days), "7.67");
        assert_eq!(format!("{:.2}", derived.lines[1].days), "7.50");
        // 7.61 working days of 16 hours.
        let hours = derived.wait.as_secs_f64() / 3600.0;
        assert!((hours - 7000.0 / 920.0 * 16.0).abs() < 0.001, "{hours}");
    }

    #[test]
    fn calendar_waits_stretch_over_the_days_off() {
        let queue = Queue {
            total: 10.0,
            by_type: Vec::new(),
            measured: false,
        };
        let demand = Demand {
            total: rate(2.0),
            by_type: Vec::new(),
        };
        // 5 working days of waiting are a calendar week.
        let derived = derive_wait(&queue, None, Some(&demand), &WorkingTime::working()).unwrap();
        assert_eq!(derived.wait, Duration::from_days(7));
        // A map that says nothing of working time: 5 days are 5 calendar days.
        let derived = derive_wait(&queue, None, Some(&demand), &WorkingTime::default()).unwrap();
        assert_eq!(derived.wait, Duration::from_days(5));
        // The step's own throughput wins over the demand.
        let derived = derive_wait(
            &queue,
            Some(&rate(10.0)),
            Some(&demand),
            &WorkingTime::working(),
        )
        .unwrap();
        assert_eq!(derived.source, RateSource::Step);
        assert_eq!(derived.wait, Duration::from_secs_f64(7.0 / 5.0 * 86_400.0));
    }

    #[test]
    fn queues_that_cannot_be_converted_say_why() {
        let by_type = Queue {
            total: 3.0,
            by_type: vec![("defects".into(), 3.0)],
            measured: false,
        };
        let one = Demand {
            total: rate(1.0),
            by_type: Vec::new(),
        };
        let time = WorkingTime::default();
        assert_eq!(
            derive_wait(&by_type, None, None, &time),
            Err(QueueError::NoRate)
        );
        assert_eq!(
            derive_wait(&by_type, None, Some(&one), &time),
            Err(QueueError::TypesWithoutDemand)
        );
        assert_eq!(
            derive_wait(&by_type, None, Some(&acme_demand()), &time),
            Err(QueueError::UnknownType("defects".into()))
        );
    }

    #[test]
    fn takt_of_the_textbook() {
        // 27,600 s a shift, two shifts, 920 a day: 60 s.
        let takt = takt_time(Duration::from_secs(2 * 27_600), 920.0).unwrap();
        assert_eq!(takt, Duration::from_secs(60));
        assert_eq!(takt_time(Duration::from_hours(8), 0.0), None);
    }

    #[test]
    fn waits_within_the_tolerance_agree() {
        let day = Duration::from_days(1);
        assert_eq!(disagreement(day, Duration::from_hours(20)), None);
        let gap = disagreement(day, Duration::from_hours(12)).unwrap();
        assert!((gap - 50.0).abs() < 1e-9);
    }
}
