//! Periods (UTC days, ISO weeks from Monday, calendar months) and DORA's deployment frequency
//! buckets.

use jiff::civil::Date;
use jiff::tz::Offset;
use jiff::{Timestamp, ToSpan as _};

/// The length of the periods figures are given for, in UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Period {
    Day,
    /// Monday to Sunday.
    #[default]
    Week,
    Month,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Day, Period::Week, Period::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        }
    }

    pub fn from_name(name: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The first day of the period `at` falls in.
    pub fn start_of(self, at: Timestamp) -> Date {
        let day = Offset::UTC.to_datetime(at).date();
        match self {
            Period::Day => day,
            Period::Week => day
                .checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days())
                .unwrap_or(day),
            Period::Month => day.first_of_month(),
        }
    }

    /// The first day of the next period.
    pub fn next(self, start: Date) -> Date {
        let step = match self {
            Period::Day => 1.day(),
            Period::Week => 1.week(),
            Period::Month => 1.month(),
        };
        start.checked_add(step).unwrap_or(Date::MAX)
    }

    /// The periods that `[from, to)` touches, as `[start, end)` days, the first and the last
    /// cut to the window: a week of a window that starts on a Wednesday starts on that
    /// Wednesday, so that no period is said to start before the window (nor end after it).
    pub fn spans(self, from: Timestamp, to: Timestamp) -> Vec<(Date, Date)> {
        let mut spans = Vec::new();
        if to <= from {
            return spans;
        }
        let first = Offset::UTC.to_datetime(from).date();
        // The day after the window's last instant: `to`'s day, or the next when `to` is not
        // at midnight.
        let last = Offset::UTC.to_datetime(to);
        let last = if last.time() == jiff::civil::Time::midnight() {
            last.date()
        } else {
            last.date().tomorrow().unwrap_or(Date::MAX)
        };
        let mut start = self.start_of(from);
        while midnight(start) < to && start < Date::MAX {
            let end = self.next(start);
            spans.push((start.max(first), end.min(last)));
            start = end;
        }
        spans
    }

    /// Whether `[start, end)` is a whole period (not one cut by a window's ends).
    pub fn is_whole(self, start: Date, end: Date) -> bool {
        self.start_of(midnight(start)) == start && self.next(start) == end
    }
}

/// The start of a day, in UTC.
pub fn midnight(day: Date) -> Timestamp {
    Offset::UTC
        .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
        .unwrap_or(Timestamp::MAX)
}

/// DORA's deployment frequency ranges, from the average number of successful production
/// deployments a day over a span: more than one a day is on demand; one a week to one a day,
/// daily; one a month (30 days) to one a week, weekly; one in six months (182 days) to one a
/// month, monthly; fewer, fewer than monthly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    OnDemand,
    Daily,
    Weekly,
    Monthly,
    FewerThanMonthly,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::OnDemand => "on_demand",
            Bucket::Daily => "daily",
            Bucket::Weekly => "weekly",
            Bucket::Monthly => "monthly",
            Bucket::FewerThanMonthly => "fewer_than_monthly",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Bucket::OnDemand => "on demand",
            Bucket::Daily => "daily",
            Bucket::Weekly => "weekly",
            Bucket::Monthly => "monthly",
            Bucket::FewerThanMonthly => "fewer than monthly",
        }
    }

    /// The bucket of `deployments` over `days` (none for an empty span).
    pub fn of(deployments: usize, days: f64) -> Option<Bucket> {
        if days <= 0.0 {
            return None;
        }
        let per_day = deployments as f64 / days;
        Some(if per_day > 1.0 {
            Bucket::OnDemand
        } else if per_day >= 1.0 / 7.0 {
            Bucket::Daily
        } else if per_day >= 1.0 / 30.0 {
            Bucket::Weekly
        } else if per_day >= 1.0 / 182.0 {
            Bucket::Monthly
        } else {
            Bucket::FewerThanMonthly
        })
    }
}

/// Days between two times, with fractions.
pub fn days_between(from: Timestamp, to: Timestamp) -> f64 {
    (to.as_millisecond() - from.as_millisecond()) as f64 / 86_400_000.0
}

/// A rate written as a number per day, week (7 days) or month (30 days, as DORA's ranges count
/// it): `1/day`, `0.5/d`, `3/week`, `2/month`; as a number a day.
pub fn per_day(text: &str) -> Option<f64> {
    let (count, unit) = text.split_once('/')?;
    let count = count.trim();
    if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let count: f64 = count.parse().ok()?;
    let days = match unit.trim() {
        "day" | "d" => 1.0,
        "week" | "w" => 7.0,
        "month" => 30.0,
        _ => return None,
    };
    Some(count / days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// `vsm dora --from 2024-03-10 --period week` labelled its first week 2024-03-04, six days
    /// before the window, and its last month ran past `--to`.
    #[test]
    fn the_first_and_last_periods_are_cut_to_the_window() {
        let weeks = Period::Week.spans(at("2024-03-10T00:00:00Z"), at("2024-03-20T00:00:00Z"));
        let days: Vec<(String, String)> = weeks
            .iter()
            .map(|(s, e)| (s.to_string(), e.to_string()))
            .collect();
        assert_eq!(
            days,
            [
                ("2024-03-10".into(), "2024-03-11".into()),
                ("2024-03-11".into(), "2024-03-18".into()),
                ("2024-03-18".into(), "2024-03-20".into()),
            ]
        );
        let whole: Vec<bool> = weeks
            .iter()
            .map(|(s, e)| Period::Week.is_whole(*s, *e))
            .collect();
        assert_eq!(whole, [false, true, false]);
        let months = Period::Month.spans(at("2024-01-15T00:00:00Z"), at("2024-03-01T05:00:00Z"));
        assert_eq!(
            months.first().map(|(s, _)| s.to_string()).as_deref(),
            Some("2024-01-15")
        );
        assert_eq!(
            months.last().map(|(s, e)| (s.to_string(), e.to_string())),
            Some(("2024-03-01".into(), "2024-03-02".into()))
        );
        // A window of whole periods is left whole.
        let whole = Period::Month.spans(at("2024-01-01T00:00:00Z"), at("2024-03-01T00:00:00Z"));
        assert!(whole.iter().all(|(s, e)| Period::Month.is_whole(*s, *e)));
        assert_eq!(whole.len(), 2);
    }
}
