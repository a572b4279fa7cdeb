//! The top-level `measure:` section: where the event log is, how to read it, and the working
//! calendar measured times count in.

use super::bounds::read_zone;
use super::fields;
use super::nodes::{Node, Reader};
use super::values::{checked, one_or_many};
use crate::calendar::CalendarSpec;
use crate::diagnostic::Diagnostic;
use crate::measure::{Abandon, MeasureSource, Pattern, Reentry};

/// The `measure:` section; `None` when a field could not be read (every problem is reported).
pub(super) fn read_measure_source(
    reader: &mut Reader<'_>,
    node: &Node<'_>,
) -> Option<MeasureSource> {
    let fields = reader.object(node, &fields::MEASURE)?;
    // Every field is read (and its problems reported) before any failure drops the section.
    let calendar = fields
        .get("calendar")
        .map(|node| read_calendar(reader, node));
    let reentry = fields
        .get("reentry")
        .map(|node| reader.choice(node, "reentry", &Reentry::ALL));
    let zone = fields.get("zone").map(|node| read_zone(reader, node));
    let last_event = fields
        .get("last_event")
        .map(|node| reader.choice(node, "last_event", &fields::LAST_EVENT));
    let log = fields.get("log").and_then(|node| reader.text(node));
    let object_type = fields.get("object_type").and_then(|node| reader.text(node));
    let follow = fields.get("follow").map(|node| reader.text_list(node));
    let abandoned = fields
        .get("abandoned")
        .map(|node| read_abandoned(reader, node));
    Some(MeasureSource {
        log: log?,
        zone: checked(zone)?,
        object_type,
        follow: follow.unwrap_or_default(),
        calendar: checked(calendar)?,
        reentry: checked(reentry)?.unwrap_or_default(),
        last_event_ends: checked(last_event)?.unwrap_or(false),
        abandoned: checked(abandoned)?,
    })
}

/// `abandoned: { activity: [...], attribute: ... }`.
fn read_abandoned(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<Abandon> {
    let fields = reader.object(node, &fields::ABANDONED)?;
    let activity = fields.get("activity").map(|node| reader.text_list(node))?;
    Some(Abandon {
        activity: activity.into_iter().map(Pattern).collect(),
        attribute: fields.get("attribute").and_then(|node| reader.text(node)),
    })
}

/// `days`, `hours` and `holidays` of a working calendar, each checked.
fn read_calendar(reader: &mut Reader<'_>, node: &Node<'_>) -> Option<CalendarSpec> {
    let fields = reader.object(node, &fields::CALENDAR)?;
    let mut ok = true;
    let zone = fields.get("zone").and_then(|node| {
        let zone = read_zone(reader, node);
        ok &= zone.is_some();
        zone
    });
    let mut spec = CalendarSpec {
        zone,
        ..CalendarSpec::default()
    };
    if let Some(node) = fields.get("days") {
        spec.days = [false; 7];
        let items = one_or_many(node);
        const FULL: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        if items.is_empty() {
            reader.report_at(
                node,
                Diagnostic::error(
                    "no_working_days",
                    "`days: []` lists no working day, so every measured time would be 0",
                )
                .help("list the working days, e.g. `days: [mon, tue, wed, thu, fri]`, or remove `days:` for monday to friday"),
            );
            ok = false;
        }
        for item in items {
            // `friday` reads as `fri`; anything else must be one of the short names.
            let full = reader.text(item).and_then(|text| {
                FULL.iter()
                    .position(|d| d.eq_ignore_ascii_case(text.trim()))
            });
            match full.or_else(|| reader.choice(item, "days", &fields::WEEKDAYS)) {
                Some(index) => spec.days[index] = true,
                None => ok = false,
            }
        }
    }
    if let Some(node) = fields.get("hours") {
        let text = reader.text(node)?;
        let minute = |part: &str| -> Option<u16> {
            let (hours, minutes) = part.trim().split_once(':')?;
            let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
            // Checked before multiplying: `99999:00` must not overflow.
            if hours > 24 || minutes >= 60 {
                return None;
            }
            let minute = hours * 60 + minutes;
            (minute <= 24 * 60).then_some(minute)
        };
        match text
            .split_once('-')
            .and_then(|(a, b)| Some((minute(a)?, minute(b)?)))
        {
            Some((start, end)) if start < end => {
                spec.start_minute = start;
                spec.end_minute = end;
            }
            _ => {
                reader.report_at(
                    node,
                    Diagnostic::error("invalid_hours", format!("`{text}` is not a span of working hours"))
                        .help("write the start and end of the working day as `HH:MM-HH:MM`, e.g. `09:00-17:30`"),
                );
                ok = false;
            }
        }
    }
    if let Some(node) = fields.get("holidays") {
        let items = one_or_many(node);
        for item in items {
            match reader.date(item) {
                Some(date) => spec.holidays.push(date),
                None => ok = false,
            }
        }
    }
    ok.then_some(spec)
}
