//! The values of a map's fields: texts, ids, numbers, durations, percentages, dates and choices,
//! each checked where it is written.

use std::fmt;

use saphyr::{Scalar, YamlData};

use super::nodes::{Node, Reader};
use crate::diagnostic::{Diagnostic, backticked, did_you_mean, shorten};
use crate::{Duration, DurationError, Percent, PercentError};

/// The longest id, in characters.
pub const MAX_ID_CHARS: usize = 100;

/// How a value with units is written, for the messages about it.
struct Units {
    /// The diagnostic's code when the text does not parse.
    code: &'static str,
    /// What it is, in "is not a valid ...".
    noun: &'static str,
    /// What was expected, for a value of another type.
    expected: &'static str,
    help: &'static str,
}

impl Reader<'_> {
    pub fn text(&mut self, node: &Node<'_>) -> Option<String> {
        match &node.data {
            YamlData::Value(Scalar::String(text)) => Some(text.to_string()),
            YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_) | Scalar::Boolean(_)) => {
                Some(self.raw(node).trim_matches(['"', '\'']).to_string())
            }
            _ => {
                self.type_error(
                    node,
                    "a text",
                    "write the text on the same line after the `:`",
                );
                None
            }
        }
    }

    /// An identifier: letters, digits, `-`, `_` and `.`.
    pub fn id(&mut self, node: &Node<'_>) -> Option<String> {
        let id = self.text(node)?;
        // Ids are quoted in many messages and drawn in every picture: keep them short.
        let length = id.chars().count();
        if length > MAX_ID_CHARS {
            self.report_at(
                node,
                Diagnostic::error(
                    "invalid_id",
                    format!(
                        "`{}` is too long for an id: {length} characters, the most is {MAX_ID_CHARS}",
                        shorten(&id)
                    ),
                )
                .help("use a short id such as `review` and put the full text in `name:`"),
            );
            return None;
        }
        let valid = id.chars().next().is_some_and(char::is_alphanumeric)
            && id
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid {
            return Some(id);
        }
        let suggestion: String = id
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '.' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let location = self.location(node);
        let mut diagnostic = Diagnostic::error(
            "invalid_id",
            format!("`{}` is not a valid id", shorten(&id)),
        )
        .at(location);
        diagnostic = if suggestion.is_empty() {
            diagnostic.help("an id uses letters, digits, `-`, `_` and `.`")
        } else {
            diagnostic.help(format!(
                "an id uses letters, digits, `-`, `_` and `.`; try `{}` (the display name goes in `name:`)",
                shorten(&suggestion)
            ))
        };
        self.report(diagnostic);
        None
    }

    pub fn text_list(&mut self, node: &Node<'_>) -> Vec<String> {
        match &node.data {
            YamlData::Sequence(items) => items.iter().filter_map(|item| self.text(item)).collect(),
            YamlData::Value(Scalar::String(text)) => vec![text.to_string()],
            _ => {
                self.type_error(
                    node,
                    "a list of texts",
                    "write `[first, second]` or one `- item` per line",
                );
                Vec::new()
            }
        }
    }

    pub fn boolean(&mut self, node: &Node<'_>) -> Option<bool> {
        if let YamlData::Value(Scalar::Boolean(value)) = node.data {
            return Some(value);
        }
        let raw = self.raw(node).to_lowercase();
        let suggestion = match raw.as_str() {
            "yes" | "y" | "on" => "true",
            "no" | "n" | "off" => "false",
            _ => "true` or `false",
        };
        self.type_error(node, "`true` or `false`", &format!("write `{suggestion}`"));
        None
    }

    pub fn integer(&mut self, node: &Node<'_>, min: u64) -> Option<u32> {
        if let YamlData::Value(Scalar::Integer(value)) = node.data {
            if let Ok(value) = u32::try_from(value)
                && u64::from(value) >= min
            {
                return Some(value);
            }
            self.report_at(
                node,
                Diagnostic::error("out_of_range", format!("`{value}` is out of range"))
                    .help(format!("write a whole number of at least {min}")),
            );
            return None;
        }
        self.type_error(
            node,
            "a whole number",
            &format!("write a whole number of at least {min}, e.g. `2`"),
        );
        None
    }

    pub fn duration(&mut self, node: &Node<'_>) -> Option<Duration> {
        self.duration_in_days(node, Duration::from_days(1), 7)
    }

    /// Hands-on time: days and weeks are the map's working days and weeks.
    pub fn process_duration(&mut self, node: &Node<'_>) -> Option<Duration> {
        let time = self.working_time;
        self.duration_in_days(node, time.process_day(), time.process_week_days())
    }

    /// A wait (or a lead time): days are calendar days, or working days under `wait_days: working`.
    pub fn wait_duration(&mut self, node: &Node<'_>) -> Option<Duration> {
        let time = self.working_time;
        self.duration_in_days(node, time.wait_day(), time.wait_week_days())
    }

    fn duration_in_days(
        &mut self,
        node: &Node<'_>,
        day: Duration,
        week_days: u32,
    ) -> Option<Duration> {
        self.with_units(
            node,
            &Units {
                code: "invalid_duration",
                noun: "duration",
                expected: "a duration such as `2h` or `1d 4h`",
                help: "use ms, s, m, h, d or w, e.g. `90m`, `1.5h`, `1d 4h`",
            },
            |text| Duration::parse_in_days(text, day, week_days),
            DurationError::help,
        )
    }

    /// A number per day, week or month (`1/day`, `3/week`), as a number a day.
    pub fn rate(&mut self, node: &Node<'_>) -> Option<f64> {
        let text = self.raw(node).trim().trim_matches(['"', '\'']).to_string();
        if let Some(per_day) = crate::dora::per_day(&text) {
            return Some(per_day);
        }
        let help = match text.trim().parse::<f64>() {
            Ok(_) => format!(
                "say per what: `{}/day`, `{}/week` or `{}/month`",
                text.trim(),
                text.trim(),
                text.trim()
            ),
            Err(_) => "write a number per day, week or month, e.g. `1/day`, `3/week`, `2/month`"
                .to_string(),
        };
        self.report_at(
            node,
            Diagnostic::error(
                "invalid_rate",
                format!("`{}` is not a rate", shorten(&text)),
            )
            .help(help),
        );
        None
    }

    pub fn percent(&mut self, node: &Node<'_>) -> Option<Percent> {
        let percent = self.with_units(
            node,
            &Units {
                code: "invalid_percent",
                noun: "percentage",
                expected: "a percentage such as `75%`",
                help: "write a number from 0 to 100, e.g. `75%`",
            },
            str::parse::<Percent>,
            PercentError::help,
        )?;
        if let YamlData::Value(Scalar::FloatingPoint(value)) = node.data
            && value.0 > 0.0
            && value.0 < 1.0
        {
            let location = self.location(node);
            let meant = Percent::new(value.0 * 100.0).expect("under 100");
            self.report(
                Diagnostic::warning(
                    "fraction_as_percent",
                    format!(
                        "`{}` is read as {percent}, not {meant}",
                        shorten(self.raw(node))
                    ),
                )
                .at(location)
                .help(format!(
                    "percentages are written out of 100; write `{meant}` if that is what you mean"
                )),
            );
        }
        Some(percent)
    }

    /// A value with units, written as text or a bare number; one of another type, or one that
    /// does not parse, is reported.
    fn with_units<T, E: fmt::Display>(
        &mut self,
        node: &Node<'_>,
        units: &Units,
        parse: impl Fn(&str) -> Result<T, E>,
        error_help: fn(&E) -> String,
    ) -> Option<T> {
        let text = match &node.data {
            YamlData::Value(Scalar::String(text)) => text.to_string(),
            YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => {
                self.raw(node).to_string()
            }
            _ => {
                self.type_error(node, units.expected, units.help);
                return None;
            }
        };
        match parse(&text) {
            Ok(value) => Some(value),
            Err(error) => {
                self.report_at(
                    node,
                    Diagnostic::error(
                        units.code,
                        format!(
                            "`{}` is not a valid {}: {error}",
                            shorten(self.raw(node)),
                            units.noun
                        ),
                    )
                    .help(error_help(&error)),
                );
                None
            }
        }
    }

    pub fn date(&mut self, node: &Node<'_>) -> Option<jiff::civil::Date> {
        let text = self.text(node)?;
        match text.parse::<jiff::civil::Date>() {
            Ok(date) => Some(date),
            Err(_) => {
                self.report_at(
                    node,
                    Diagnostic::error(
                        "invalid_date",
                        format!("`{}` is not a date", shorten(&text)),
                    )
                    .help("write the date as `YYYY-MM-DD`, e.g. `2027-02-01`"),
                );
                None
            }
        }
    }

    /// One of the words of `choices` (an enum's table of names), with a suggestion for a near
    /// miss.
    pub fn choice<T: Copy>(
        &mut self,
        node: &Node<'_>,
        field: &str,
        choices: &[(T, &'static str)],
    ) -> Option<T> {
        let text = self.text(node)?;
        let normalized = text.trim().to_lowercase().replace([' ', '-'], "_");
        if let Some((choice, _)) = choices.iter().find(|(_, name)| *name == normalized) {
            return Some(*choice);
        }
        let names = choices.iter().map(|(_, name)| *name);
        let location = self.location(node);
        let listed = backticked(names.clone(), usize::MAX);
        let help = match did_you_mean(&normalized, names) {
            Some(suggestion) => {
                format!("did you mean `{suggestion}`? `{field}` is one of {listed}")
            }
            None => format!("`{field}` is one of {listed}"),
        };
        self.report(
            Diagnostic::error(
                "invalid_choice",
                format!("`{}` is not a valid `{field}`", shorten(&text)),
            )
            .at(location)
            .help(help),
        );
        None
    }
}

/// The items of a list, or the one value written in its place (`after: review`).
pub fn one_or_many<'n, 'y>(node: &'n Node<'y>) -> Vec<&'n Node<'y>> {
    match &node.data {
        YamlData::Sequence(items) => items.iter().collect(),
        _ => vec![node],
    }
}

/// A field read with its problems reported: `None` when it was given but could not be read (so
/// what holds it cannot be built), else `Some` of the value if it was given.
#[allow(clippy::option_option)] // a field that may be absent, holding a value that may be unreadable
pub fn checked<T>(read: Option<Option<T>>) -> Option<Option<T>> {
    match read {
        Some(None) => None,
        Some(Some(value)) => Some(Some(value)),
        None => Some(None),
    }
}
