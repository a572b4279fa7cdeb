//! Working time: how much of a span falls in working hours.
//!
//! Teams often want waits and process times in working hours: a ticket that waits from Friday
//! evening to Monday morning has waited three calendar days but no working time. A calendar is a
//! time zone (whose daylight saving rules apply), the working days of the week, the working hours
//! of a day, and holidays.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

/// When people work.
#[derive(Clone, Debug)]
pub struct Calendar {
    zone: TimeZone,
    /// Monday first.
    days: [bool; 7],
    /// Minutes after midnight; the end may be 24:00 (1440), the midnight that ends the day.
    start_minute: u16,
    end_minute: u16,
    holidays: BTreeSet<Date>,
}

/// A calendar as written in the map file, before its zone is looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarSpec {
    /// An IANA zone name or an offset; `None` for the log's zone (or UTC).
    pub zone: Option<String>,
    /// Working days, Monday first.
    pub days: [bool; 7],
    /// Minutes after midnight.
    pub start_minute: u16,
    pub end_minute: u16,
    pub holidays: Vec<Date>,
}

impl Default for CalendarSpec {
    /// Monday to Friday, 09:00 to 17:00.
    fn default() -> Self {
        CalendarSpec {
            zone: None,
            days: [true, true, true, true, true, false, false],
            start_minute: 9 * 60,
            end_minute: 17 * 60,
            holidays: Vec::new(),
        }
    }
}

const MINUTES_PER_DAY: u16 = 24 * 60;

fn weekday_index(weekday: Weekday) -> usize {
    weekday.to_monday_zero_offset() as usize
}

impl Calendar {
    /// A calendar of `spec`'s days and hours in `zone`; minutes past 24:00 count as 24:00.
    pub fn new(spec: &CalendarSpec, zone: TimeZone) -> Calendar {
        Calendar {
            zone,
            days: spec.days,
            start_minute: spec.start_minute.min(MINUTES_PER_DAY),
            end_minute: spec.end_minute.min(MINUTES_PER_DAY),
            holidays: spec.holidays.iter().copied().collect(),
        }
    }

    /// The instant (milliseconds since the epoch) at `minute` after the midnight that starts
    /// `day` in the calendar's zone; 24:00 is the next day's midnight.
    fn instant_on(&self, day: Date, minute: u16) -> Option<i64> {
        let (date, minute) = if minute >= MINUTES_PER_DAY {
            (day.tomorrow().ok()?, 0)
        } else {
            (day, minute)
        };
        let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?;
        let zoned = date.to_datetime(time).to_zoned_datetime(self.zone.clone());
        zoned.ok().map(|zoned| zoned.timestamp().as_millisecond())
    }

    /// Working milliseconds between two instants (milliseconds since the epoch); 0 if `to` is
    /// not after `from`.
    pub fn working_millis(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let instant = |ms: i64| jiff::Timestamp::from_millisecond(ms).expect("in range");
        let first = instant(from).to_zoned_datetime(self.zone.clone()).date();
        let last = instant(to).to_zoned_datetime(self.zone.clone()).date();
        let mut total = 0;
        let mut day = first;
        while day <= last {
            if self.days[weekday_index(day.weekday())] && !self.holidays.contains(&day) {
                let bound = |minute: u16| self.instant_on(day, minute).unwrap_or(from);
                let (open, close) = (bound(self.start_minute), bound(self.end_minute));
                let overlap = close.min(to) - open.max(from);
                total += overlap.max(0);
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    fn office() -> Calendar {
        Calendar::new(&CalendarSpec::default(), TimeZone::UTC)
    }

    const HOUR: i64 = 3_600_000;

    /// Checks the working time of each `(from, to, expected)`, the instants written in RFC 3339.
    fn assert_working(calendar: &Calendar, cases: &[(&str, &str, i64)]) {
        for &(from, to, expected) in cases {
            assert_eq!(
                calendar.working_millis(at(from), at(to)),
                expected,
                "{from} to {to}"
            );
        }
    }

    #[test]
    fn counts_only_working_hours() {
        assert_working(
            &office(),
            &[
                // Friday 16:00 to Monday 10:00: one hour on Friday, one on Monday.
                ("2024-03-01T16:00:00Z", "2024-03-04T10:00:00Z", 2 * HOUR),
                // A whole week: five days of eight hours.
                ("2024-03-04T00:00:00Z", "2024-03-11T00:00:00Z", 40 * HOUR),
                // Within one working day.
                ("2024-03-05T10:30:00Z", "2024-03-05T11:00:00Z", HOUR / 2),
                // The night and the weekend count for nothing.
                ("2024-03-02T10:00:00Z", "2024-03-03T18:00:00Z", 0),
            ],
        );
    }

    #[test]
    fn holidays_and_zones() {
        let spec = CalendarSpec {
            holidays: vec![
                jiff::civil::date(2024, 12, 25),
                jiff::civil::date(2024, 12, 26),
            ],
            ..CalendarSpec::default()
        };
        // Tuesday 24th to Friday 27th 00:00: only the 24th works.
        assert_working(
            &Calendar::new(&spec, TimeZone::UTC),
            &[("2024-12-24T00:00:00Z", "2024-12-27T00:00:00Z", 8 * HOUR)],
        );
        // Amsterdam's 09:00 is 08:00 UTC in winter.
        let amsterdam = Calendar::new(
            &CalendarSpec::default(),
            TimeZone::fixed(jiff::tz::offset(1)),
        );
        assert_working(
            &amsterdam,
            &[("2024-01-15T07:00:00Z", "2024-01-15T09:00:00Z", HOUR)],
        );
    }

    #[test]
    fn a_working_day_may_end_at_midnight() {
        // `hours: 00:00-24:00` once panicked: 24:00 is no time of day.
        let spec = CalendarSpec {
            start_minute: 0,
            end_minute: 24 * 60,
            ..CalendarSpec::default()
        };
        assert_working(
            &Calendar::new(&spec, TimeZone::UTC),
            &[
                // Monday to Tuesday 12:00: all of Monday and half of Tuesday.
                ("2024-03-04T00:00:00Z", "2024-03-05T12:00:00Z", 36 * HOUR),
                // Friday 20:00 to Monday 02:00: four hours of Friday, two of Monday.
                ("2024-03-08T20:00:00Z", "2024-03-11T02:00:00Z", 6 * HOUR),
            ],
        );
    }

    proptest! {
        #[test]
        fn working_time_adds_up_and_never_exceeds_the_span(a in 0i64..3_000_000_000_000, b in 0i64..2_000_000_000, c in 0i64..2_000_000_000) {
            let calendar = office();
            let (start, middle, end) = (1_600_000_000_000 + a % 400_000_000_000, 0, 0);
            let middle = start + b + middle;
            let end = middle + c + end;
            let whole = calendar.working_millis(start, end);
            prop_assert_eq!(whole, calendar.working_millis(start, middle) + calendar.working_millis(middle, end));
            prop_assert!(whole <= end - start);
            prop_assert!(whole >= 0);
        }
    }
}
