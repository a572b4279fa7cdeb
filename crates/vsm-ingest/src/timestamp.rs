//! Timestamps as event logs write them, to milliseconds since the Unix epoch (UTC).
//!
//! RFC 3339 / ISO 8601 with or without a fraction and an offset (`T` or a space between date and
//! time), and epoch seconds or milliseconds. A timestamp without an offset is read in the
//! configured zone (UTC unless told otherwise), honouring its daylight saving rules.
//!
//! The common shape `YYYY-MM-DDTHH:MM:SS[.fff][offset]` is parsed by hand: it is on the hot path of
//! every import (one per event) and costs a few nanoseconds this way. Everything else goes to jiff.

use jiff::tz::TimeZone;

/// How to read timestamps.
#[derive(Clone, Debug)]
pub struct TimestampParser {
    /// The zone of timestamps that carry no offset.
    zone: TimeZone,
    /// The zone's fixed offset in seconds, when it has one (UTC, `+02:00`), for the fast path.
    fixed_offset: Option<i64>,
}

/// Why a text is not a timestamp.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{}` is not a timestamp", crate::error::shortened(.text.as_bytes()))]
pub struct TimestampError {
    pub text: String,
}

impl TimestampError {
    pub fn help() -> &'static str {
        "write timestamps as RFC 3339 (`2024-03-01T14:30:00Z`, `2024-03-01 14:30:00.250+01:00`) or epoch seconds or milliseconds"
    }
}

impl Default for TimestampParser {
    fn default() -> Self {
        TimestampParser::new(TimeZone::UTC)
    }
}

impl TimestampParser {
    /// Timestamps without an offset are read in `zone`.
    pub fn new(zone: TimeZone) -> Self {
        let fixed_offset = zone
            .to_fixed_offset()
            .ok()
            .map(|offset| i64::from(offset.seconds()));
        TimestampParser { zone, fixed_offset }
    }

    /// A zone by IANA name (`Europe/Amsterdam`) or fixed offset (`+02:00`, `UTC`).
    pub fn for_zone(name: &str) -> Result<Self, String> {
        zone_by_name(name).map(TimestampParser::new)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn parse(&self, text: &str) -> Result<i64, TimestampError> {
        let bytes = text.trim().as_bytes();
        if let Some(millis) = self.fast(bytes) {
            return Ok(millis);
        }
        self.slow(text.trim())
            .ok_or_else(|| TimestampError { text: text.into() })
    }

    fn fast(&self, b: &[u8]) -> Option<i64> {
        if b.len() < 19
            || b[4] != b'-'
            || b[7] != b'-'
            || !(b[10] == b'T' || b[10] == b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        let day = digits(&b[8..10])?;
        let hour = digits(&b[11..13])?;
        let minute = digits(&b[14..16])?;
        let second = digits(&b[17..19])?;
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let mut rest = &b[19..];
        let mut millis = 0;
        if let Some((b'.' | b',', fraction)) = rest.split_first() {
            let length = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if length == 0 {
                return None;
            }
            // Milliseconds, rounded from however many digits there are.
            let mut scaled = 0i64;
            for (i, &digit) in fraction[..length].iter().enumerate().take(4) {
                scaled += i64::from(digit - b'0') * [1000, 100, 10, 1][i];
            }
            millis = (scaled + 5) / 10;
            rest = &fraction[length..];
        }
        let offset = if rest.is_empty() {
            self.fixed_offset?
        } else {
            parse_offset(rest)?
        };
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset;
        Some(seconds * 1_000 + millis)
    }

    fn slow(&self, text: &str) -> Option<i64> {
        if !text.is_empty() && text.bytes().all(|c| c.is_ascii_digit()) {
            let value: i64 = text.parse().ok()?;
            // Epoch seconds until the year 5138; milliseconds beyond.
            let millis = if text.len() <= 11 {
                value.checked_mul(1_000)?
            } else {
                value
            };
            // Only instants jiff can represent (years -9999 to 9999).
            return jiff::Timestamp::from_millisecond(millis)
                .ok()
                .map(|_| millis);
        }
        if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
            return Some(timestamp.as_millisecond());
        }
        let civil: jiff::civil::DateTime = text.replacen(' ', "T", 1).parse().ok()?;
        let zoned = civil.to_zoned_datetime(self.zone.clone()).ok()?;
        Some(zoned.timestamp().as_millisecond())
    }
}

/// A time zone by IANA name (`Europe/Amsterdam`) or fixed offset (`+02:00`, `UTC`, `Z`).
pub fn zone_by_name(name: &str) -> Result<TimeZone, String> {
    if name.eq_ignore_ascii_case("utc") || name == "Z" {
        return Ok(TimeZone::UTC);
    }
    if let Some(seconds) = parse_offset(name.as_bytes()) {
        let offset = jiff::tz::Offset::from_seconds(seconds as i32).map_err(|e| e.to_string())?;
        return Ok(TimeZone::fixed(offset));
    }
    TimeZone::get(name).map_err(|_| {
        format!("unknown time zone `{name}`; use an IANA name such as `Europe/Amsterdam` or an offset such as `+01:00`")
    })
}

fn digits(bytes: &[u8]) -> Option<i64> {
    let mut value = 0i64;
    for &byte in bytes {
        if !byte.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(byte - b'0');
    }
    Some(value)
}

/// `Z`, `+02:00`, `+0200` or `+02` in seconds east of UTC.
fn parse_offset(b: &[u8]) -> Option<i64> {
    match b {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (hours, minutes) = match rest {
                [h1, h2] => (digits(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?)
                }
                _ => return None,
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3_600 + minutes * 60;
            Some(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => None,
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(text: &str) -> i64 {
        TimestampParser::default().parse(text).unwrap()
    }

    #[test]
    fn reads_every_form_found_in_the_real_logs() {
        // bpic2012: fraction and offset.
        assert_eq!(utc("2011-10-01T00:38:44.546+02:00"), 1_317_422_324_546);
        // helpdesk: no fraction, offset.
        assert_eq!(utc("2010-03-31T16:59:42+02:00"), 1_270_047_582_000);
        // receipt.csv: space separator, six fraction digits.
        assert_eq!(utc("2011-10-11 13:45:40.276000+02:00"), 1_318_333_540_276);
        // Billing: no offset at all, read in the configured zone.
        assert_eq!(utc("2012-12-16T19:33:10"), 1_355_686_390_000);
        assert_eq!(
            utc("2015-01-05 09:02:50+00:00"),
            utc("2015-01-05T09:02:50Z")
        );
        assert_eq!(utc("1317422324"), 1_317_422_324_000);
        assert_eq!(utc("1317422324546"), 1_317_422_324_546);
        // Forms the fast path leaves to jiff.
        assert_eq!(
            utc("2011-10-01T00:38:44.546+02:00[Europe/Amsterdam]"),
            1_317_422_324_546
        );
    }

    #[test]
    fn a_zone_with_daylight_saving_reads_naive_times_by_its_rules() {
        let amsterdam = TimestampParser::for_zone("Europe/Amsterdam").unwrap();
        // Winter: +01:00; summer: +02:00.
        assert_eq!(
            amsterdam.parse("2024-01-15 12:00:00").unwrap(),
            utc("2024-01-15T11:00:00Z")
        );
        assert_eq!(
            amsterdam.parse("2024-07-15 12:00:00").unwrap(),
            utc("2024-07-15T10:00:00Z")
        );
        let fixed = TimestampParser::for_zone("+05:30").unwrap();
        assert_eq!(
            fixed.parse("2024-01-15T12:00:00").unwrap(),
            utc("2024-01-15T06:30:00Z")
        );
        assert!(TimestampParser::for_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        let parser = TimestampParser::default();
        for text in [
            "",
            "yesterday",
            "99999999999999999",
            "2011-13-01T00:00:00Z",
            "2011-02-30T00:00:00Z",
            "2011-10-01T25:00:00Z",
            "2011-10-01T00:38:44.+02:00",
        ] {
            assert!(parser.parse(text).is_err(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_jiff(seconds in -2_000_000_000i64..4_000_000_000, millis in 0i64..1000, offset_minutes in -14 * 60i64..=14 * 60) {
            let timestamp = jiff::Timestamp::from_millisecond(seconds * 1000 + millis).unwrap();
            let offset = jiff::tz::Offset::from_seconds((offset_minutes * 60) as i32).unwrap();
            let text = timestamp.to_zoned_datetime(TimeZone::fixed(offset)).strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string();
            prop_assert_eq!(TimestampParser::default().parse(&text).unwrap(), timestamp.as_millisecond());
        }
    }
}
