//! Percentages as people write them: `75%` or `75`.

use std::fmt;
use std::str::FromStr;

use crate::diagnostic::shorten;

/// A share between 0 % and 100 %, kept as the percentage value (75.0 for 75 %).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Percent(f64);

/// Why a text is not a percentage.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PercentError {
    #[error("`{text}` is not a percentage")]
    Invalid { text: String },
    #[error("a percentage cannot be negative")]
    Negative,
    #[error("a percentage cannot be over 100%")]
    OverHundred,
}

impl PercentError {
    pub fn help(&self) -> String {
        match self {
            PercentError::Invalid { .. } => "write a number from 0 to 100, e.g. `75%`".into(),
            PercentError::Negative | PercentError::OverHundred => {
                "a share of items lies between `0%` and `100%`".into()
            }
        }
    }
}

impl Percent {
    pub const HUNDRED: Percent = Percent(100.0);
    pub const ZERO: Percent = Percent(0.0);

    /// From a percentage value; `None` unless it lies in 0..=100.
    pub fn new(value: f64) -> Option<Percent> {
        (0.0..=100.0).contains(&value).then_some(Percent(value))
    }

    /// The percentage value: 75.0 for 75 %.
    pub fn value(self) -> f64 {
        self.0
    }

    /// The share as a fraction: 0.75 for 75 %.
    pub fn fraction(self) -> f64 {
        self.0 / 100.0
    }
}

impl fmt::Display for Percent {
    /// `75%`, `87.5%`: at most two decimals, no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_percent(self.0))
    }
}

/// A percentage for people, the one way every report writes it: at most two decimals, no
/// trailing zeros (`63.75%`, `40%`), two significant digits below 1% so that a small share is
/// not shown as nothing (`0.0092%`, not `0%`), and just under 100% the digits that keep it from
/// showing as 100% (`99.999%`). Changes of a percentage are in points, written the
/// same way.
pub fn format_percent(value: f64) -> String {
    format!("{}%", format_number(value, percent_decimals(value)))
}

/// A change of a percentage in points, signed, written as [`format_percent`] writes a
/// percentage: `+5 pts`, `-3.75 pts`, `+0.0063 pts` (two significant digits below a point, so
/// a small change is neither hidden nor overstated).
pub fn format_points(change: f64) -> String {
    let sign = if change < 0.0 { "-" } else { "+" };
    let magnitude = change.abs();
    format!(
        "{sign}{} pts",
        format_number(magnitude, percent_decimals(magnitude))
    )
}

/// The decimals a percentage is written with: two, or as many as two significant digits need
/// below 1%, and just under 100% as many as keep it from showing 100% (`99.999%`); at most 12.
pub fn percent_decimals(value: f64) -> usize {
    let magnitude = value.abs();
    if !magnitude.is_finite() || magnitude == 0.0 {
        return 2;
    }
    let gap = 100.0 - magnitude;
    if magnitude >= 1.0 {
        // Two decimals would round 99.995% and over up to 100%; keep the digits that show
        // the gap to 100 instead.
        return if gap > 0.0 && gap < 0.005 {
            significant_decimals(gap)
        } else {
            2
        };
    }
    significant_decimals(magnitude)
}

/// The decimals two significant digits of `magnitude` (0 < magnitude < 1) need, 2 to 12.
fn significant_decimals(magnitude: f64) -> usize {
    let leading = -magnitude.log10().floor() as usize;
    (leading + 1).clamp(2, 12)
}

/// A percentage rounded as [`format_percent`] writes it, for JSON.
pub fn round_percent(value: f64) -> f64 {
    let scale = 10f64.powi(percent_decimals(value) as i32);
    (value * scale).round() / scale
}

/// Formats with at most `decimals` decimals and no trailing zeros (`87.5`, `40`).
pub fn format_number(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

impl FromStr for Percent {
    type Err = PercentError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let number = trimmed.strip_suffix('%').unwrap_or(trimmed).trim_end();
        let value: f64 = number
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| PercentError::Invalid {
                text: shorten(text).into(),
            })?;
        if value < 0.0 {
            return Err(PercentError::Negative);
        }
        Percent::new(value).ok_or(PercentError::OverHundred)
    }
}

#[cfg(test)]
mod small_tests {
    use super::*;

    #[test]
    fn small_percentages_keep_two_significant_digits() {
        // Learning to See's Acme Stamping: 188 s over 23.6 days of 24 h.
        let ratio = 188.0 * 100.0 / (23.6 * 86_400.0);
        assert_eq!(format_percent(ratio), "0.0092%");
        assert_eq!(format_percent(0.5), "0.5%");
        assert_eq!(format_percent(0.05), "0.05%");
        assert_eq!(format_percent(0.0138), "0.014%");
        assert_eq!(format_percent(0.0), "0%");
        assert_eq!(format_percent(15.4545), "15.45%");
        assert_eq!(format_percent(-0.004), "-0.004%");
        assert!((round_percent(ratio) - 0.0092).abs() < 1e-12);
        assert!((round_percent(63.756) - 63.76).abs() < 1e-12);
    }

    #[test]
    fn just_under_hundred_percent_is_never_shown_as_hundred() {
        // A rolled %C&A of 99.999% printed `100%`.
        assert_eq!(format_percent(99.999), "99.999%");
        assert_eq!(format_percent(99.9954), "99.9954%");
        assert_eq!(format_percent(99.994), "99.99%");
        assert_eq!(format_percent(100.0), "100%");
        assert!((round_percent(99.999) - 99.999).abs() < 1e-12);
    }

    #[test]
    fn small_changes_in_points_keep_two_significant_digits() {
        // `+0.01 pts` for +0.0063 overstated it; `-0.01 pts` for -0.0068 too.
        assert_eq!(format_points(0.0063), "+0.0063 pts");
        assert_eq!(format_points(-0.0068), "-0.0068 pts");
        assert_eq!(format_points(5.0), "+5 pts");
        assert_eq!(format_points(-3.754), "-3.75 pts");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_with_and_without_sign() {
        assert_eq!("75%".parse(), Ok(Percent(75.0)));
        assert_eq!("75".parse(), Ok(Percent(75.0)));
        assert_eq!("87.5 %".parse(), Ok(Percent(87.5)));
        assert_eq!("100%".parse(), Ok(Percent::HUNDRED));
    }

    #[test]
    fn rejects_out_of_range_and_garbage() {
        assert_eq!("120%".parse::<Percent>(), Err(PercentError::OverHundred));
        assert_eq!("-5%".parse::<Percent>(), Err(PercentError::Negative));
        assert!(matches!(
            "most".parse::<Percent>(),
            Err(PercentError::Invalid { .. })
        ));
    }

    #[test]
    fn prints_without_trailing_zeros() {
        assert_eq!(Percent(75.0).to_string(), "75%");
        assert_eq!(Percent(87.5).to_string(), "87.5%");
        assert_eq!(Percent(33.333_333).to_string(), "33.33%");
    }

    proptest! {
        #[test]
        fn parse_of_print_is_identity(hundredths in 0u32..=10_000) {
            let percent = Percent(f64::from(hundredths) / 100.0);
            prop_assert_eq!(percent.to_string().parse::<Percent>(), Ok(percent));
        }
    }
}
