//! The bounds a map's values must keep beyond their own syntax: time zones, rework shares,
//! and totals that must fit in a [`Duration`](crate::Duration). Each is reported where it is
//! written, with the value and the limit.

use super::nodes::{Node, Reader};
use crate::Percent;
use crate::diagnostic::{Diagnostic, Location, shorten};
use crate::model::{Step, ValueStream};

/// The largest UTC offset a zone may have, in minutes: ±18:00, the bound of ISO 8601 profiles
/// such as java.time's `ZoneOffset`. The time zone database's offsets lie well inside it
/// (today -12:00 to +14:00; the widest historical local mean time is about ±15:57), while
/// RFC 3339's ±23:59 and jiff's ±25:59:59 admit offsets no place on earth has used.
pub const MAX_OFFSET_MINUTES: i32 = 18 * 60;

/// A time zone: `UTC`, a UTC offset (`+02:00`, `+0200`, `+02`) within ±18:00, or a name in the
/// form of the time zone database (`Europe/Amsterdam`). Whether such a name exists is checked
/// where zones are looked up, when the log is read.
pub(super) fn read_zone(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<String> {
    let text = reader.text(node)?;
    let zone = text.trim();
    let quoted = shorten(zone);
    let location = reader.location(node);
    let examples =
        "an offset such as `+02:00`, `UTC`, or a time zone name such as `Europe/Amsterdam`";
    if let Some(rest) = zone.strip_prefix(['+', '-']) {
        let digits = |part: &str| {
            (part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit()))
                .then(|| part.parse::<i32>().ok())
                .flatten()
        };
        let parts = match (rest.len(), rest.split_once(':')) {
            (_, Some((hours, minutes))) => digits(hours).zip(digits(minutes)),
            (2, None) => digits(rest).map(|hours| (hours, 0)),
            (4, None) => digits(&rest[..2]).zip(digits(&rest[2..])),
            _ => None,
        };
        return match parts {
            Some((hours, minutes))
                if minutes < 60 && hours * 60 + minutes <= MAX_OFFSET_MINUTES =>
            {
                Some(zone.to_string())
            }
            Some(_) => {
                reader.report(
                    Diagnostic::error("invalid_offset", format!("`{quoted}` is not a UTC offset any place uses: offsets lie between `-18:00` and `+18:00`"))
                        .at(location)
                        .help("write the offset as `+HH:MM` with minutes below 60, e.g. `+05:30`, or use a time zone name such as `Asia/Kolkata`"),
                );
                None
            }
            None => {
                reader.report(
                    Diagnostic::error("invalid_offset", format!("`{quoted}` is not a UTC offset"))
                        .at(location)
                        .help(format!("write {examples}")),
                );
                None
            }
        };
    }
    let name_like = !zone.is_empty()
        && zone.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && zone
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
    if name_like {
        return Some(zone.to_string());
    }
    reader.report(
        Diagnostic::error("invalid_zone", format!("`{quoted}` is not a time zone"))
            .at(location)
            .help(format!("write {examples}")),
    );
    None
}

/// The highest rework share a loop may have, in percent: 99 extra passes per item on average.
/// Past it the expected lead time grows without bound (at 100% no item ever leaves the loop).
pub const MAX_REWORK_SHARE: f64 = 99.0;

/// "sends every item back forever", "means 999 extra passes per item on average".
pub(super) fn endless_loop(share: Percent) -> String {
    if share.value() >= 100.0 {
        "means no item ever leaves the loop".into()
    } else {
        let passes = share.fraction() / (1.0 - share.fraction());
        format!(
            "is too close to 100%: an item would go round the loop {} extra times on average",
            crate::format_number(passes, 0)
        )
    }
}

pub(super) fn share_too_high(message: String, location: Location, help: String) -> Diagnostic {
    Diagnostic::error("rework_share_too_high", message)
        .at(location)
        .help(help)
}

/// The share of a loop that gives none: 100% minus the %C&A of the step it returns to; an error
/// (reported at `location`) past [`MAX_REWORK_SHARE`].
pub(super) fn derived_share(
    reader: &mut Reader<'_>,
    steps: &[Step],
    from: usize,
    to: usize,
    location: Location,
) -> Option<Percent> {
    let ca = steps[to].complete_accurate;
    let derived = Percent::new(100.0 - ca.value()).unwrap_or(Percent::ZERO);
    if derived.value() <= MAX_REWORK_SHARE {
        return Some(derived);
    }
    reader.report(share_too_high(
        format!(
            "the rework loop from `{}` to `{}` gives no `share`, so it sends back 100% minus the %C&A of `{}` ({ca}) of the items; {derived} {}",
            steps[from].id,
            steps[to].id,
            steps[to].id,
            endless_loop(derived)
        ),
        location,
        format!(
            "set `share:` on the loop (at most 99%), or raise the `complete_accurate` of `{}`",
            steps[to].id
        ),
    ));
    None
}

/// Reports a total (lead time, work content, rework) past [`Duration::MAX`] at the step or loop
/// where it passes the limit.
pub(super) fn check_totals(
    reader: &mut Reader<'_>,
    stream: &ValueStream,
    step_locations: &[Location],
    rework_locations: &[Location],
    fallback: Location,
) {
    let Err(too_long) = crate::analysis::try_analyze(stream) else {
        return;
    };
    let location = match too_long.at {
        crate::analysis::TooLongAt::Step(index) => step_locations.get(index),
        crate::analysis::TooLongAt::Rework(index) => rework_locations.get(index),
    };
    reader.report(
        Diagnostic::error("total_too_long", too_long.to_string())
            .at(location.copied().unwrap_or(fallback))
            .help(too_long.help()),
    );
}
