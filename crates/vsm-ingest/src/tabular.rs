//! Row-per-event logs: CSV and JSON Lines.
//!
//! Columns are found by the names process-mining tools and trackers use (`case:concept:name`,
//! `concept:name`, `time:timestamp`, `lifecycle:transition`, `org:resource`, and plain `case_id`,
//! `activity`, `timestamp`...), or named explicitly. A row file need not be sorted, so events are
//! grouped by item in memory (16-32 bytes per event) and each item is handed on at the end, in
//! the order items first appear.

use std::collections::HashMap;
use std::io::{BufRead, Read as _};

use crate::guard::{CsvGuard, Stop};
use crate::xes::LogNames;
use crate::{
    Attributes, Event, Flow, ImportStats, IngestError, Lifecycle, Limits, Place, ReadError,
    ReadOptions, TraceSink,
};

/// Column names chosen by the user; `None` means: find it by the usual names.
#[derive(Clone, Debug, Default)]
pub struct ColumnNames {
    pub item: Option<String>,
    pub activity: Option<String>,
    pub timestamp: Option<String>,
    pub start: Option<String>,
    pub lifecycle: Option<String>,
    pub resource: Option<String>,
}

const ITEM: &[&str] = &[
    "case:concept:name",
    "case_id",
    "case",
    "caseid",
    "case id",
    "item",
    "item_id",
    "issue",
    "ticket",
    "id",
];
const ACTIVITY: &[&str] = &[
    "concept:name",
    "activity",
    "activity_name",
    "event",
    "task",
    "status",
    "state",
    "step",
];
const TIMESTAMP: &[&str] = &[
    "time:timestamp",
    "timestamp",
    "time",
    "end_timestamp",
    "end_time",
    "complete_timestamp",
    "date",
    "created_at",
];
const START: &[&str] = &["start_timestamp", "start_time", "time:start", "start"];
const LIFECYCLE: &[&str] = &["lifecycle:transition", "lifecycle", "transition"];
const RESOURCE: &[&str] = &["org:resource", "resource", "user", "assignee", "actor"];

/// Positions of the columns in a header.
#[derive(Debug)]
struct Columns {
    item: usize,
    activity: usize,
    timestamp: usize,
    start: Option<usize>,
    lifecycle: Option<usize>,
    resource: Option<usize>,
    /// The columns of the attributes asked for, in `ReadOptions::attributes` order.
    kept: Vec<usize>,
    names: Vec<String>,
}

fn find(header: &[String], chosen: Option<&String>, candidates: &[&str]) -> Option<usize> {
    match chosen {
        Some(name) => header.iter().position(|h| h == name),
        None => candidates.iter().find_map(|candidate| {
            header
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(candidate))
        }),
    }
}

impl Columns {
    fn resolve(
        header: Vec<String>,
        chosen: &ColumnNames,
        options_attributes: &[String],
        file: &str,
    ) -> Result<Columns, IngestError> {
        let required = [
            ("item", "--item-column", chosen.item.as_ref(), ITEM),
            (
                "activity",
                "--activity-column",
                chosen.activity.as_ref(),
                ACTIVITY,
            ),
            (
                "timestamp",
                "--timestamp-column",
                chosen.timestamp.as_ref(),
                TIMESTAMP,
            ),
        ];
        let mut found = [0usize; 3];
        for (slot, (what, flag, name, candidates)) in required.iter().enumerate() {
            match find(&header, *name, candidates) {
                Some(index) => found[slot] = index,
                None => {
                    let listed = crate::error::listed_columns(&header);
                    let message = match name {
                        Some(name) => format!("there is no column `{name}`"),
                        None => format!(
                            "no {what} column (looked for {})",
                            candidates
                                .iter()
                                .take(4)
                                .map(|c| format!("`{c}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    return Err(IngestError::invalid(
                        Place {
                            file: file.to_string(),
                            line: Some(1),
                            ..Place::default()
                        },
                        message,
                        format!(
                            "the columns are {listed}; name the {what} column with {flag} NAME"
                        ),
                    ));
                }
            }
        }
        let mut kept = Vec::with_capacity(options_attributes.len());
        for wanted in options_attributes {
            match header.iter().position(|h| h == wanted) {
                Some(index) => kept.push(index),
                None => {
                    let listed = crate::error::listed_columns(&header);
                    return Err(IngestError::invalid(
                        Place {
                            file: file.to_string(),
                            line: Some(1),
                            ..Place::default()
                        },
                        format!(
                            "there is no column `{wanted}` for the `attribute:` of a measure rule"
                        ),
                        format!("the columns are {listed}"),
                    ));
                }
            }
        }
        Ok(Columns {
            item: found[0],
            activity: found[1],
            timestamp: found[2],
            start: find(&header, chosen.start.as_ref(), START),
            lifecycle: find(&header, chosen.lifecycle.as_ref(), LIFECYCLE),
            resource: find(&header, chosen.resource.as_ref(), RESOURCE),
            kept,
            names: header,
        })
    }
}

/// Events grouped by item, items in order of first appearance.
#[derive(Default)]
pub(crate) struct Grouped {
    index: HashMap<String, usize>,
    /// (item, events, their kept attributes: empty when none were asked for)
    items: Vec<(String, Vec<Event>, Vec<Attributes>)>,
}

impl Grouped {
    fn push(&mut self, item: &str, event: Event, attributes: Option<Attributes>) {
        let slot = match self.index.get(item) {
            Some(&slot) => slot,
            None => {
                self.index.insert(item.to_string(), self.items.len());
                self.items.push((item.to_string(), Vec::new(), Vec::new()));
                self.items.len() - 1
            }
        };
        self.items[slot].1.push(event);
        if let Some(attributes) = attributes {
            self.items[slot].2.push(attributes);
        }
    }
}

/// A bad field: (field name, what is wrong, what to do).
type RowProblem = (String, String, String);

/// Turns one row into an event, or says which field is wrong.
fn event_of(
    field: impl Fn(usize) -> Option<String>,
    columns: &Columns,
    options: &ReadOptions,
    names: &mut LogNames,
) -> Result<(String, Event, Option<Attributes>), RowProblem> {
    let name = |index: usize| columns.names[index].clone();
    // A field that may not be empty: its text, or what is wrong and what to do.
    let required = |index: usize, message: &str, help: &str| {
        field(index)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| (name(index), message.to_string(), help.to_string()))
    };
    let item = required(
        columns.item,
        "the item id is empty",
        "give every row the id of its item",
    )?;
    let activity = required(
        columns.activity,
        "the activity is empty",
        "give every row an activity",
    )?;
    let stamp = field(columns.timestamp).unwrap_or_default();
    let timestamp = options.timestamps.parse(&stamp).map_err(|error| {
        (
            name(columns.timestamp),
            error.to_string(),
            crate::TimestampError::help().to_string(),
        )
    })?;
    let start = match columns
        .start
        .and_then(&field)
        .filter(|v| !v.trim().is_empty())
    {
        Some(text) => Some(options.timestamps.parse(&text).map_err(|error| {
            (
                name(columns.start.expect("present")),
                error.to_string(),
                crate::TimestampError::help().to_string(),
            )
        })?),
        None => None,
    };
    let lifecycle = columns
        .lifecycle
        .and_then(&field)
        .map_or(Lifecycle::Complete, |value| {
            if value.trim().is_empty() {
                Lifecycle::Complete
            } else {
                Lifecycle::parse(value.trim())
            }
        });
    let resource = columns
        .resource
        .and_then(&field)
        .filter(|v| !v.trim().is_empty())
        .map(|value| names.resources.intern(&value));
    let attributes = (!columns.kept.is_empty()).then(|| {
        columns
            .kept
            .iter()
            .enumerate()
            .filter_map(|(position, &column)| {
                let value = field(column).filter(|v| !v.is_empty())?;
                Some((position as u32, names.values.intern(&value)))
            })
            .collect()
    });
    Ok((
        item,
        Event {
            activity: names.activities.intern(&activity),
            timestamp,
            start,
            lifecycle,
            resource,
        },
        attributes,
    ))
}

fn row_problem(
    stats: &mut ImportStats,
    options: &ReadOptions,
    file: &str,
    line: u64,
    (field, message, help): RowProblem,
) -> Result<(), IngestError> {
    let place = Place {
        file: file.to_string(),
        line: Some(line),
        field: Some(field),
        ..Place::default()
    };
    if options.skip_invalid {
        stats.skip(place, message);
        Ok(())
    } else {
        Err(IngestError::invalid(
            place,
            message,
            format!("{help}, or pass --skip-invalid to leave such rows out"),
        ))
    }
}

/// Hands the items grouped to the sink, until it stops the read, and ends the read.
pub(crate) fn hand_on<S: TraceSink>(
    grouped: Result<(Grouped, ImportStats), IngestError>,
    names: &LogNames,
    sink: &mut S,
) -> Result<ImportStats, ReadError<S::Error>> {
    let (grouped, mut stats) = grouped?;
    for (item, events, attributes) in grouped.items {
        stats.items += 1;
        stats.events_used += events.len() as u64;
        let flow = sink
            .trace(names.trace(&item, &events, &attributes))
            .map_err(ReadError::Sink)?;
        if flow == Flow::Stop {
            break;
        }
    }
    crate::finished(sink, stats)
}

/// The events of a CSV log (comma, semicolon or tab separated; the header names the columns),
/// grouped by item.
pub(crate) fn group_csv(
    mut input: impl BufRead,
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
) -> Result<(Grouped, ImportStats), IngestError> {
    let first_line = input
        .fill_buf()
        .map(|head| {
            head.split(|&b| b == b'\n')
                .next()
                .unwrap_or_default()
                .to_vec()
        })
        .unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| memchr::memchr_iter(*d, &first_line).count())
        .unwrap_or(b',');
    let limit = options.limits.field;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(CsvGuard::new(input, delimiter, limit));
    // A row past the limit, or a quote never closed, stops the read inside the csv crate.
    let stopped = |error: &csv::Error| match error.kind() {
        csv::ErrorKind::Io(cause) => {
            Stop::of(cause).map(|stop| stop.to_error(file, "one row", limit))
        }
        _ => None,
    };
    let place = |line: u64| Place {
        file: file.to_string(),
        line: Some(line),
        ..Place::default()
    };
    let header: Vec<String> = reader
        .headers()
        .map_err(|error| {
            stopped(&error).unwrap_or_else(|| {
                IngestError::invalid(
                    place(1),
                    format!(
                        "cannot read the header: {}",
                        crate::error::cut_message(&error.to_string())
                    ),
                    "the first line names the columns",
                )
            })
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    for (index, name) in header.iter().enumerate() {
        let name = name.trim();
        // Unnamed columns (trailing separators) are never picked by name.
        if name.is_empty() {
            continue;
        }
        if let Some(first) = header[..index].iter().position(|h| h.trim() == name) {
            return Err(IngestError::invalid(
                place(1),
                format!(
                    "columns {} and {} are both named `{name}`",
                    first + 1,
                    index + 1
                ),
                "give each column its own name in the header line, so that vsm reads the one you mean",
            ));
        }
    }
    let columns = Columns::resolve(header, &options.columns, &options.attributes, file)?;
    let mut stats = ImportStats::default();
    let mut grouped = Grouped::default();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                if let Some(stop) = stopped(&error) {
                    return Err(stop);
                }
                if error.is_io_error() {
                    // The file could not be read (a truncated gzip stream ends up here).
                    let csv::ErrorKind::Io(cause) = error.into_kind() else {
                        unreachable!("checked")
                    };
                    return Err(IngestError::Io {
                        file: file.to_string(),
                        cause,
                    });
                }
                let line = error.position().map_or(0, csv::Position::line);
                let message = match error.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("the row has {len} fields where the header has {expected_len}")
                    }
                    csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8 text".to_string(),
                    _ => error.to_string(),
                };
                if options.skip_invalid {
                    stats.events_read += 1;
                    stats.skip(place(line), message);
                    continue;
                }
                return Err(IngestError::invalid(
                    place(line),
                    message,
                    "fix the row, or pass --skip-invalid to leave such rows out",
                ));
            }
        }
        stats.events_read += 1;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |index: usize| {
            record
                .get(index)
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        };
        match event_of(field, &columns, options, names) {
            Ok((item, event, attributes)) => grouped.push(&item, event, attributes),
            Err(problem) => row_problem(&mut stats, options, file, line, problem)?,
        }
    }
    Ok((grouped, stats))
}

/// The events of a JSON Lines log (one JSON object per line, with the same field names as CSV
/// columns), grouped by item.
pub(crate) fn group_json_lines(
    mut input: impl BufRead,
    file: &str,
    options: &ReadOptions,
    names: &mut LogNames,
) -> Result<(Grouped, ImportStats), IngestError> {
    let mut stats = ImportStats::default();
    let mut grouped = Grouped::default();
    let mut columns: Option<Columns> = None;
    let limit = options.limits.field;
    let mut buffer = Vec::new();
    let mut line_number = 0u64;
    let mut byte = 0u64;
    loop {
        buffer.clear();
        // One line at a time, and never more than the limit of it in memory.
        let read = (&mut input)
            .take(limit.saturating_add(1))
            .read_until(b'\n', &mut buffer)
            .map_err(|cause| IngestError::Io {
                file: file.to_string(),
                cause,
            })?;
        if read == 0 {
            break;
        }
        line_number += 1;
        let place = Place {
            file: file.to_string(),
            line: Some(line_number),
            ..Place::default()
        };
        if buffer.len() as u64 > limit && buffer.last() != Some(&b'\n') {
            return Err(Limits::exceeded(
                Place {
                    byte: Some(byte),
                    ..place
                },
                "one line",
                limit,
                Limits::FIELD_VARIABLE,
                &buffer,
            ));
        }
        byte += read as u64;
        let text = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let line = std::str::from_utf8(text).map_err(|error| {
            IngestError::invalid(
                Place {
                    column: Some(
                        String::from_utf8_lossy(&text[..error.valid_up_to()])
                            .chars()
                            .count() as u64
                            + 1,
                    ),
                    ..place.clone()
                },
                "the line is not valid UTF-8 text",
                "a JSON Lines file is UTF-8 text; save it as UTF-8",
            )
        })?;
        if line.trim().is_empty() {
            continue;
        }
        stats.events_read += 1;
        let object: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(line) {
            Ok(object) => object,
            Err(error) => {
                let message = format!(
                    "not a JSON object: {}",
                    crate::error::cut_message(&error.to_string())
                );
                if options.skip_invalid {
                    stats.skip(place, message);
                    continue;
                }
                return Err(IngestError::invalid(
                    Place {
                        column: Some(error.column() as u64),
                        ..place
                    },
                    message,
                    "each line holds one JSON object such as {\"case_id\": \"42\", \"activity\": \"review\", \"timestamp\": \"2024-03-01T10:00:00Z\"}, or pass --skip-invalid",
                ));
            }
        };
        // The first object fixes the field names, as a CSV header does.
        let columns = match &columns {
            Some(columns) => columns,
            None => columns.insert(
                Columns::resolve(
                    object.keys().cloned().collect(),
                    &options.columns,
                    &options.attributes,
                    file,
                )
                .map_err(|error| match error {
                    IngestError::Invalid(problem) => {
                        IngestError::invalid(place.clone(), problem.message, problem.help)
                    }
                    other @ IngestError::Io { .. } => other,
                })?,
            ),
        };
        let field = |index: usize| {
            object
                .get(&columns.names[index])
                .and_then(|value| match value {
                    serde_json::Value::String(text) => Some(text.clone()),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                })
        };
        match event_of(field, columns, options, names) {
            Ok((item, event, attributes)) => grouped.push(&item, event, attributes),
            Err(problem) => row_problem(&mut stats, options, file, line_number, problem)?,
        }
    }
    Ok((grouped, stats))
}
