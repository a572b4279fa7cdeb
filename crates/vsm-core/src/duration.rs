//! Durations written the way people say them: `90s`, `45m`, `2h`, `1.5h`, `3d`, `1w`, `1d 4h`.
//!
//! A value stream mixes seconds (an automated deploy) with weeks (a change board), so one type
//! holds both at millisecond precision. Written on their own, days and weeks are calendar days
//! (24 h) and weeks (7 d): the wait in a queue runs through nights and weekends. A map's working
//! time ([`crate::WorkingTime`]) reads them as working days instead where it says so
//! ([`Duration::parse_in_days`]), and reports tell such durations in working days
//! ([`in_working_days`]).

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;

use crate::diagnostic::shorten;

const MS_PER_SECOND: u64 = 1_000;
const MS_PER_MINUTE: u64 = 60 * MS_PER_SECOND;
const MS_PER_HOUR: u64 = 60 * MS_PER_MINUTE;
const MS_PER_DAY: u64 = 24 * MS_PER_HOUR;
const MS_PER_WEEK: u64 = 7 * MS_PER_DAY;

/// Units in printing order, with the suffix the canonical form uses.
const UNITS: [(u64, &str); 6] = [
    (MS_PER_WEEK, "w"),
    (MS_PER_DAY, "d"),
    (MS_PER_HOUR, "h"),
    (MS_PER_MINUTE, "m"),
    (MS_PER_SECOND, "s"),
    (1, "ms"),
];

/// A non-negative span of time with millisecond precision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    millis: u64,
}

/// Why a text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("a duration cannot be empty")]
    Empty,
    #[error("a duration cannot be negative")]
    Negative,
    #[error("`{number}` has no unit")]
    MissingUnit { number: String },
    #[error("unknown unit `{unit}`")]
    UnknownUnit { unit: String },
    #[error("`{text}` is not a duration")]
    Invalid { text: String },
    #[error("the duration is longer than the longest vsm holds ({})", years(Duration::MAX.millis.into()))]
    Overflow,
}

impl DurationError {
    /// What the user can write instead.
    pub fn help(&self) -> String {
        let units = "use ms, s, m, h, d or w, e.g. `90m`, `1.5h`, `1d 4h`";
        match self {
            DurationError::Empty => format!("write a duration; {units}"),
            DurationError::Negative => "write the time as a positive duration such as `2h`".into(),
            DurationError::MissingUnit { number } => {
                format!("add a unit: `{number}h` for hours, `{number}d` for days ({units})")
            }
            DurationError::UnknownUnit { .. } | DurationError::Invalid { .. } => units.into(),
            DurationError::Overflow => {
                "a value stream's times run from seconds to months; check the number and its unit"
                    .into()
            }
        }
    }
}

/// Milliseconds in an average Gregorian year, for naming huge durations.
const MS_PER_YEAR: f64 = 365.2425 * MS_PER_DAY as f64;

/// A count of milliseconds as years, for messages about values past [`Duration::MAX`]:
/// `about 950,650 years`.
pub(crate) fn years(millis: u128) -> String {
    let years = (millis as f64 / MS_PER_YEAR).round() as u128;
    let digits = years.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("about {grouped} years")
}

thread_local! {
    /// The day reports tell durations in: 0 for the calendar day (24 h, `4d 2h`), else a working
    /// day's milliseconds (days told with one decimal, `7.6d`).
    static TOLD_DAY: Cell<u64> = const { Cell::new(0) };
}

/// Runs `tell` with [`Duration::human`] telling days as working days of `day` (a calendar day
/// when `day` is `None` or 24 h), as the map being told counts them. Renderers wrap their work in
/// it, so every duration of one report is told in one day.
pub fn in_working_days<T>(day: Option<Duration>, tell: impl FnOnce() -> T) -> T {
    // Restored even if `tell` panics, so one report cannot leak its day into the next.
    let _told = TellingDays::set(day);
    tell()
}

/// The day [`Duration::human`] tells days in, set until the guard is dropped (then the day
/// before it is back): a command sets it once for everything it prints about one map, so that
/// every output of the map (the analysis, a comparison, a simulation, a plan, a check) tells
/// the same durations in the same days.
#[must_use = "the day is told only while the guard lives"]
#[derive(Debug)]
pub struct TellingDays {
    before: u64,
}

impl TellingDays {
    /// Tells days as working days of `day` (a calendar day when `None` or 24 h) from now on.
    pub fn set(day: Option<Duration>) -> TellingDays {
        let millis = day.map_or(0, |d| d.millis);
        let millis = if millis == MS_PER_DAY { 0 } else { millis };
        // A thread being torn down has no day to set or restore: durations it still tells
        // read the calendar day.
        let before = TOLD_DAY.try_with(|told| told.replace(millis)).unwrap_or(0);
        TellingDays { before }
    }
}

impl Drop for TellingDays {
    fn drop(&mut self) {
        // `try_with`: a guard dropped while its thread's locals are torn down (a guard held in a
        // thread-local, or by a thread that is exiting) must not panic.
        let _ = TOLD_DAY.try_with(|told| told.set(self.before));
    }
}

impl Duration {
    pub const ZERO: Duration = Duration { millis: 0 };

    /// The longest duration vsm holds, written or added up (about 950,650 years): a step's time
    /// or a total past it is an error, never a wrapped or clipped number. Twice it still fits in
    /// the integer, so adding two durations never wraps before the check.
    pub const MAX: Duration = Duration {
        millis: 30_000_000_000_000_000,
    };

    pub const fn from_millis(millis: u64) -> Self {
        Duration { millis }
    }

    pub const fn from_secs(secs: u64) -> Self {
        Duration {
            millis: secs * MS_PER_SECOND,
        }
    }

    pub const fn from_hours(hours: u64) -> Self {
        Duration {
            millis: hours * MS_PER_HOUR,
        }
    }

    pub const fn from_days(days: u64) -> Self {
        Duration {
            millis: days * MS_PER_DAY,
        }
    }

    /// From seconds as a float, rounded to the millisecond; negative and NaN become zero.
    pub fn from_secs_f64(secs: f64) -> Self {
        if secs.is_finite() && secs > 0.0 {
            Duration {
                millis: (secs * 1_000.0).round() as u64,
            }
        } else {
            Duration::ZERO
        }
    }

    pub const fn as_millis(self) -> u64 {
        self.millis
    }

    pub fn as_secs_f64(self) -> f64 {
        self.millis as f64 / 1_000.0
    }

    pub fn is_zero(self) -> bool {
        self.millis == 0
    }

    pub fn saturating_add(self, other: Duration) -> Duration {
        Duration::from_millis(self.millis.saturating_add(other.millis))
    }

    /// The sum, or `None` past [`Duration::MAX`].
    pub fn checked_add(self, other: Duration) -> Option<Duration> {
        self.millis
            .checked_add(other.millis)
            .filter(|&millis| millis <= Duration::MAX.millis)
            .map(Duration::from_millis)
    }

    pub fn checked_sub(self, other: Duration) -> Option<Duration> {
        self.millis
            .checked_sub(other.millis)
            .map(Duration::from_millis)
    }

    /// A short, rounded form for reports: at most two units, days as the largest
    /// (`4d 2h`, `16h`, `15m`, `45s`, `250ms`). The canonical form is [`fmt::Display`].
    ///
    /// Inside [`in_working_days`], a duration of a working day or more is told in working days
    /// with one decimal (`23.6d`), as lean texts count production lead time.
    ///
    /// Saturating: a duration too long for the arithmetic (a value from outside the bounds a
    /// map keeps) is told as the longest it can be, never a panic.
    pub fn human(self) -> String {
        let day = TOLD_DAY.try_with(Cell::get).unwrap_or(0);
        if day > 0 && self.millis >= day {
            return format!(
                "{}d",
                crate::format_number(self.millis as f64 / day as f64, 1)
            );
        }
        const HUMAN_UNITS: [(u64, &str); 4] = [
            (MS_PER_DAY, "d"),
            (MS_PER_HOUR, "h"),
            (MS_PER_MINUTE, "m"),
            (MS_PER_SECOND, "s"),
        ];
        if self.millis == 0 {
            return "0".into();
        }
        if self.millis < MS_PER_SECOND {
            return format!("{}ms", self.millis);
        }
        let largest_unit = |millis: u64| {
            HUMAN_UNITS
                .iter()
                .position(|(size, _)| millis >= *size)
                .unwrap_or(HUMAN_UNITS.len() - 1)
        };
        let first = largest_unit(self.millis);
        let Some(&(small, _)) = HUMAN_UNITS.get(first + 1) else {
            let (size, name) = HUMAN_UNITS[first];
            return format!("{}{name}", self.millis.saturating_add(size / 2) / size);
        };
        let rounded = self.millis.saturating_add(small / 2) / small * small;
        // Rounding may carry into the next unit up (23h 59m 50s is 1d).
        let largest = largest_unit(rounded);
        let (big, big_name) = HUMAN_UNITS[largest];
        let Some(&(small, small_name)) = HUMAN_UNITS.get(largest + 1) else {
            return format!("{}{big_name}", rounded.saturating_add(big / 2) / big);
        };
        let (major, minor) = (rounded / big, rounded % big / small);
        if minor == 0 {
            format!("{major}{big_name}")
        } else {
            format!("{major}{big_name} {minor}{small_name}")
        }
    }
}

impl fmt::Display for Duration {
    /// The canonical form: every non-zero unit from weeks down to milliseconds (`1w 2d 3h`).
    /// `parse(print(d)) == d` for every duration.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis == 0 {
            return f.write_str("0s");
        }
        let mut rest = self.millis;
        let mut first = true;
        for (size, name) in UNITS {
            let count = rest / size;
            rest %= size;
            if count > 0 {
                if !first {
                    f.write_str(" ")?;
                }
                write!(f, "{count}{name}")?;
                first = false;
            }
        }
        Ok(())
    }
}

fn unit_size(unit: &str) -> Option<u64> {
    let size = match unit.to_ascii_lowercase().as_str() {
        "ms" | "msec" | "millis" | "millisecond" | "milliseconds" => 1,
        "s" | "sec" | "secs" | "second" | "seconds" => MS_PER_SECOND,
        "m" | "min" | "mins" | "minute" | "minutes" => MS_PER_MINUTE,
        "h" | "hr" | "hrs" | "hour" | "hours" => MS_PER_HOUR,
        "d" | "day" | "days" => MS_PER_DAY,
        "w" | "wk" | "wks" | "week" | "weeks" => MS_PER_WEEK,
        _ => return None,
    };
    Some(size)
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Duration::parse_in_days(text, Duration::from_days(1), 7)
    }
}

impl Duration {
    /// Parses `text` with a day of `day` and a week of `week_days` such days: working days
    /// (`2d` of hands-on time is 16 h with an 8-hour day). [`FromStr`] uses calendar days.
    pub fn parse_in_days(text: &str, day: Duration, week_days: u32) -> Result<Self, DurationError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DurationError::Empty);
        }
        if text.starts_with('-') {
            return Err(DurationError::Negative);
        }
        let invalid = || DurationError::Invalid {
            text: shorten(text).into(),
        };
        let mut total: f64 = 0.0;
        let mut rest = text.trim_start_matches('+');
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let number = &rest[..number_len];
            if number.is_empty() {
                return Err(invalid());
            }
            let value: f64 = number.parse().map_err(|_| invalid())?;
            rest = rest[number_len..].trim_start();
            let unit_len = rest
                .find(|c: char| !c.is_alphabetic())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_len];
            if unit.is_empty() {
                // A lone `0` needs no unit: zero is zero in any unit.
                if value == 0.0 && text == number {
                    return Ok(Duration::ZERO);
                }
                return Err(DurationError::MissingUnit {
                    number: shorten(number).into(),
                });
            }
            let size = match unit_size(unit) {
                Some(MS_PER_DAY) => day.millis,
                Some(MS_PER_WEEK) => day.millis.saturating_mul(u64::from(week_days)),
                Some(size) => size,
                None => {
                    return Err(DurationError::UnknownUnit {
                        unit: shorten(unit).into(),
                    });
                }
            };
            total += value * size as f64;
            rest = rest[unit_len..].trim_start_matches([' ', '\t', ',']);
        }
        if total > Duration::MAX.millis as f64 {
            return Err(DurationError::Overflow);
        }
        Ok(Duration::from_millis(total.round() as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(text: &str) -> Duration {
        text.parse().unwrap()
    }

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(parse("90s"), Duration::from_secs(90));
        assert_eq!(parse("45m"), Duration::from_secs(45 * 60));
        assert_eq!(parse("2h"), Duration::from_hours(2));
        assert_eq!(parse("1.5h"), Duration::from_secs(5400));
        assert_eq!(parse("3d"), Duration::from_days(3));
        assert_eq!(parse("1w"), Duration::from_days(7));
        assert_eq!(parse("1d 4h"), Duration::from_hours(28));
        assert_eq!(parse("1d4h30m"), Duration::from_secs(28 * 3600 + 1800));
        assert_eq!(parse("250ms"), Duration::from_millis(250));
        assert_eq!(parse("2 hours"), Duration::from_hours(2));
        assert_eq!(parse("0"), Duration::ZERO);
        assert_eq!(parse("0h"), Duration::ZERO);
    }

    #[test]
    fn days_and_weeks_may_be_working_days() {
        let eight = Duration::from_hours(8);
        let parse = |text: &str| Duration::parse_in_days(text, eight, 5).unwrap();
        assert_eq!(parse("2d"), Duration::from_hours(16));
        assert_eq!(parse("1w"), Duration::from_hours(40));
        assert_eq!(parse("1d 4h"), Duration::from_hours(12));
        assert_eq!(parse("90m"), Duration::from_secs(5400));
        // Told in working days inside `in_working_days`, in calendar days outside.
        let lead = Duration::from_hours(8 * 23 + 5);
        assert_eq!(in_working_days(Some(eight), || lead.human()), "23.6d");
        assert_eq!(in_working_days(Some(eight), || parse("5h").human()), "5h");
        assert_eq!(lead.human(), "7d 21h");
        assert_eq!(
            in_working_days(Some(Duration::from_days(1)), || lead.human()),
            "7d 21h"
        );
    }

    #[test]
    fn rejects_bad_durations_with_a_reason() {
        assert_eq!("-2h".parse::<Duration>(), Err(DurationError::Negative));
        assert_eq!("".parse::<Duration>(), Err(DurationError::Empty));
        assert_eq!(
            "3".parse::<Duration>(),
            Err(DurationError::MissingUnit { number: "3".into() })
        );
        assert_eq!(
            "3 fortnights".parse::<Duration>(),
            Err(DurationError::UnknownUnit {
                unit: "fortnights".into()
            })
        );
        assert!(matches!(
            "soon".parse::<Duration>(),
            Err(DurationError::Invalid { .. })
        ));
        assert!(matches!(
            "1..5h".parse::<Duration>(),
            Err(DurationError::Invalid { .. })
        ));
    }

    #[test]
    fn prints_canonical_and_human_forms() {
        assert_eq!(Duration::ZERO.to_string(), "0s");
        assert_eq!(
            parse("1w 2d 3h 4m 5s 6ms").to_string(),
            "1w 2d 3h 4m 5s 6ms"
        );
        assert_eq!(parse("28h").to_string(), "1d 4h");
        assert_eq!(parse("9d 2h 40m").human(), "9d 3h");
        assert_eq!(parse("16h").human(), "16h");
        assert_eq!(parse("15m").human(), "15m");
        assert_eq!(parse("250ms").human(), "250ms");
        assert_eq!(Duration::ZERO.human(), "0");
        assert_eq!(parse("23h 59m 50s").human(), "1d");
        assert_eq!(parse("59s").human(), "59s");
    }

    #[test]
    fn the_longest_durations_are_told_without_overflow() {
        // A derived wait of `1e300` items over a demand of `1/day` once came out as u64::MAX
        // milliseconds and panicked in the rounding of `human()`.
        let longest = Duration::from_millis(u64::MAX);
        assert_eq!(longest.human(), "213503982334d 14h");
        assert_eq!(Duration::from_secs_f64(1e300), longest);
        let eight = Duration::from_hours(8);
        assert_eq!(
            in_working_days(Some(eight), || longest.human()),
            "640511947003.8d"
        );
    }

    #[test]
    fn a_guard_tells_working_days_until_it_is_dropped() {
        let lead = Duration::from_hours(8 * 23 + 5);
        {
            let _days = TellingDays::set(Some(Duration::from_hours(8)));
            assert_eq!(lead.human(), "23.6d");
            // Nested: the inner day, then the outer one again.
            assert_eq!(in_working_days(None, || lead.human()), "7d 21h");
            assert_eq!(lead.human(), "23.6d");
        }
        assert_eq!(lead.human(), "7d 21h");
    }

    #[test]
    fn a_guard_dropped_as_its_thread_exits_does_not_panic() {
        thread_local! {
            static HELD: std::cell::RefCell<Option<TellingDays>> = const { std::cell::RefCell::new(None) };
        }
        let joined = std::thread::spawn(|| {
            let guard = TellingDays::set(Some(Duration::from_hours(8)));
            HELD.with(|held| *held.borrow_mut() = Some(guard));
        })
        .join();
        assert!(joined.is_ok(), "the thread panicked on exit");
    }

    proptest! {
        #[test]
        fn parse_of_print_is_identity(millis in 0u64..10_000_000_000_000) {
            let duration = Duration::from_millis(millis);
            prop_assert_eq!(duration.to_string().parse::<Duration>(), Ok(duration));
        }

        #[test]
        fn print_of_parse_is_canonical(weeks in 0u64..50, days in 0u64..7, hours in 0u64..24, minutes in 0u64..60) {
            let text = format!("{weeks}w {days}d {hours}h {minutes}m");
            let duration: Duration = text.parse().unwrap();
            let expected = ((weeks * 7 + days) * 24 + hours) * 3_600_000 + minutes * 60_000;
            prop_assert_eq!(duration.as_millis(), expected);
            prop_assert_eq!(duration.to_string().parse::<Duration>(), Ok(duration));
        }

        #[test]
        fn human_form_is_close(millis in 1_000u64..10_000_000_000) {
            // Two units keep the rounding error under one unit of the second, at most 1/24 of the first.
            let duration = Duration::from_millis(millis);
            let shown: Duration = duration.human().parse().unwrap();
            let error = shown.as_millis().abs_diff(millis) as f64;
            prop_assert!(error <= millis as f64 / 24.0 + 500.0, "{} shown as {}", duration, duration.human());
        }
    }
}
