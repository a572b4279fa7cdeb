//! Files of records that teams write by hand or export: CSV with a header row, or JSON Lines
//! (one object per line). Each row comes out as its fields' texts in a [`Layout`]'s order, and
//! every problem names the file, the row (or line) and the field, quotes the value and says
//! what to do. The deployments file and the incidents file are read through it.

use std::path::Path;

/// The shape of one kind of file.
#[derive(Debug)]
pub struct Layout {
    /// What the file holds, plural: `deployments`.
    pub noun: &'static str,
    /// One record: `deployment`.
    pub item: &'static str,
    /// One record with its article: `a deployment`, `an incident`.
    pub an_item: &'static str,
    /// The file with its article: `a deployments file`.
    pub a_file: &'static str,
    pub fields: &'static [&'static str],
    /// Fields that may be left out (read as empty).
    pub optional: &'static [&'static str],
    /// Another name a field is read by: (`commit`, `sha`).
    pub alias: Option<(&'static str, &'static str)>,
    /// The fields for people: `id, environment, ... and commit (or sha)`.
    pub described: &'static str,
}

/// What is wrong with such a file: where, the value, and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("cannot read the {noun} file `{file}`: {detail}")]
    Io {
        noun: &'static str,
        file: String,
        detail: String,
    },
    #[error(transparent)]
    Missing(Box<MissingField>),
    #[error(
        "`{file}` is a JSON array; {a_file} in JSON is JSON Lines: one object per line, with no `[` around them or `,` between\n  help: write each {item}'s object on a line of its own (`jq -c '.[]' FILE` does it)"
    )]
    Array {
        a_file: &'static str,
        item: &'static str,
        file: String,
    },
    #[error(transparent)]
    Row(Box<BadRow>),
}

/// A field every record needs that the file's header (or a JSON line) lacks.
#[derive(Debug, thiserror::Error)]
#[error(
    "{file}, {place}: no `{field}` {kind}; the {kind}s found are {found}\n  help: name the {kind} `{field}`{also}; {an_item}'s {kind}s are {described}"
)]
pub struct MissingField {
    pub file: String,
    /// `row 1 (the header)` or `line N`.
    pub place: String,
    pub field: String,
    /// `column` (CSV) or `field` (JSON Lines).
    pub kind: &'static str,
    /// The names found, each in backticks, or `none`.
    pub found: String,
    /// `` (or `sha`)`` for a field with another name.
    pub also: String,
    pub an_item: &'static str,
    pub described: &'static str,
}

/// A row with a bad field.
#[derive(Debug, thiserror::Error)]
#[error("{file}, row {row}, field `{field}`: `{value}` {problem}; {fix}")]
pub struct BadRow {
    pub file: String,
    /// The line (JSON Lines) or row (CSV, the header being row 1).
    pub row: usize,
    pub field: String,
    pub value: String,
    pub problem: String,
    pub fix: String,
}

/// The longest field of a row.
const MAX_FIELD: usize = 500;

/// A row: its number (the line, or the CSV row with the header as row 1) and its fields' texts
/// in the layout's order (empty for an optional field left out).
pub type Row = (usize, Vec<String>);

/// The file's rows, and its name as given (`shown`) for messages.
pub fn read(path: &Path, layout: &Layout) -> Result<(String, Vec<Row>), TableError> {
    let shown = path.display().to_string();
    let content = std::fs::read_to_string(path).map_err(|error| TableError::Io {
        noun: layout.noun,
        file: shown.clone(),
        detail: match error.kind() {
            std::io::ErrorKind::IsADirectory => "it is a folder; give the file".to_string(),
            std::io::ErrorKind::NotFound => "there is no such file".to_string(),
            std::io::ErrorKind::InvalidData => "it is not UTF-8 text".to_string(),
            _ => error.to_string(),
        },
    })?;
    if content.trim_start().starts_with('[') {
        return Err(TableError::Array {
            a_file: layout.a_file,
            item: layout.item,
            file: shown,
        });
    }
    let rows = if content.trim_start().starts_with('{') {
        json_lines(&content, layout, &shown)?
    } else {
        csv_rows(&content, layout, &shown)?
    };
    // Ids, times and hashes are short: a long field is a broken file (a missing quote, a wrong
    // separator), and would be copied into every link it names.
    for (row, fields) in &rows {
        for (field, value) in layout.fields.iter().zip(fields) {
            if value.chars().count() > MAX_FIELD {
                return Err(bad(
                    &shown,
                    *row,
                    field,
                    shorten(value),
                    &format!("is longer than {MAX_FIELD} characters"),
                    "check the row: a quote left open or a wrong separator runs fields together",
                ));
            }
        }
    }
    Ok((shown, rows))
}

/// The error for a bad value of `field` in `row` of `file`.
pub fn bad(
    file: &str,
    row: usize,
    field: &str,
    value: &str,
    problem: &str,
    fix: &str,
) -> TableError {
    TableError::Row(Box::new(BadRow {
        file: file.to_string(),
        row,
        field: field.to_string(),
        value: value.to_string(),
        problem: problem.to_string(),
        fix: fix.to_string(),
    }))
}

/// Checks that `row`'s fields (`(name, value)` each) are given and that its `id` (the first)
/// is no earlier row's (`seen` holds those).
pub fn given_and_new<S: std::hash::BuildHasher>(
    file: &str,
    layout: &Layout,
    row: usize,
    fields: &[(&str, &str)],
    seen: &mut std::collections::HashSet<String, S>,
) -> Result<(), TableError> {
    for (field, value) in fields {
        if value.is_empty() {
            return Err(bad(
                file,
                row,
                field,
                value,
                "is empty",
                &format!("give every {} its {field}", layout.item),
            ));
        }
    }
    let Some((_, id)) = fields.first() else {
        return Ok(());
    };
    if !seen.insert((*id).to_string()) {
        return Err(bad(
            file,
            row,
            "id",
            id,
            "is the id of an earlier row",
            &format!("give every {} its own id", layout.item),
        ));
    }
    Ok(())
}

/// A start and an optional end (`(field, text)` each) of `row`: RFC 3339 times, the end not
/// before the start.
pub fn span(
    file: &str,
    row: usize,
    (start_field, start): (&str, &str),
    (end_field, end): (&str, &str),
) -> Result<(jiff::Timestamp, Option<jiff::Timestamp>), TableError> {
    let time = |field: &str, text: &str| {
        text.parse::<jiff::Timestamp>().map_err(|_| {
            let (why, fix) = not_a_time(text);
            bad(file, row, field, text, &why, &fix)
        })
    };
    let started = time(start_field, start)?;
    if end.is_empty() {
        return Ok((started, None));
    }
    let ended = time(end_field, end)?;
    if ended < started {
        return Err(bad(
            file,
            row,
            end_field,
            end,
            &format!("is before it started ({start})"),
            "check the two times",
        ));
    }
    Ok((started, Some(ended)))
}

/// Why `text` is no time vsm reads, and what to write: a time past the last day vsm counts
/// to (`9999-12-31T00:00:00Z`, valid RFC 3339), a day its month does not have (`2024-02-30`),
/// a time without an offset, else not a time at all.
fn not_a_time(text: &str) -> (String, String) {
    let rfc3339 = "write the time as RFC 3339 with its offset, e.g. `2024-05-01T14:03:00Z`";
    let trimmed = text.trim();
    // The date alone, `YYYY-MM-DD` at the start, when it has that shape.
    let date = trimmed.get(..10).filter(|d| {
        d.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
    });
    if let Some(date) = date {
        let number = |range: std::ops::Range<usize>| date[range].parse::<i16>().unwrap_or(0);
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        if !(1..=12).contains(&month) {
            return (
                format!("is not a time: `{month:02}` is no month"),
                rfc3339.into(),
            );
        }
        if jiff::civil::Date::new(year, month as i8, day as i8).is_err() {
            let days = jiff::civil::Date::new(year, month as i8, 1)
                .map_or(31, jiff::civil::Date::days_in_month);
            return (
                format!(
                    "is not a time: {year:04}-{month:02} has no day {day} (it has {days} days)"
                ),
                "check the day".into(),
            );
        }
        // A valid day of a time jiff refuses: past the last day it counts to (as `--to
        // 9999-12-31` says), when the time goes on after the day.
        let last = jiff::tz::Offset::UTC
            .to_datetime(jiff::Timestamp::MAX)
            .date();
        let goes_on = trimmed[10..].starts_with(['T', 't', ' ']);
        if goes_on && date.parse::<jiff::civil::Date>().is_ok_and(|d| d >= last) {
            return (
                format!("is past the last day vsm can count time to ({last})"),
                "give an earlier time".into(),
            );
        }
    }
    ("is not a time".into(), rfc3339.into())
}

fn missing(
    file: &str,
    layout: &Layout,
    place: String,
    field: &str,
    kind: &'static str,
    names: &[&str],
) -> TableError {
    let found = if names.is_empty() {
        "none".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("`{}`", shorten(n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // One column whose name holds tabs: a tab-separated file, read as CSV.
    let found = match names {
        [one] if one.contains('\t') => format!(
            "{found}, one column whose name holds tabs: the file looks tab-separated, and vsm \
             reads commas (convert it with `tr '\\t' ,` when no value holds a comma)"
        ),
        _ => found,
    };
    let also = match layout.alias {
        Some((name, other)) if name == field => format!(" (or `{other}`)"),
        _ => String::new(),
    };
    TableError::Missing(Box::new(MissingField {
        file: file.to_string(),
        place,
        field: field.to_string(),
        kind,
        found,
        also,
        an_item: layout.an_item,
        described: layout.described,
    }))
}

/// Whether a name (a header or a JSON key) is `field`, or its other name.
fn names(layout: &Layout, field: &str, name: &str) -> bool {
    name.eq_ignore_ascii_case(field)
        || layout
            .alias
            .is_some_and(|(of, other)| of == field && name.eq_ignore_ascii_case(other))
}

fn json_lines(content: &str, layout: &Layout, shown: &str) -> Result<Vec<Row>, TableError> {
    let mut rows = Vec::new();
    for (n, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            // serde_json counts this line's columns from 1; 0 means it does not know.
            let at = match e.column() {
                0 => String::new(),
                column => format!(" at column {column}"),
            };
            let said = e.to_string();
            let said = said
                .rfind(" at line ")
                .map_or(said.as_str(), |end| &said[..end]);
            bad(
                shown,
                n + 1,
                "(line)",
                shorten(line),
                &format!("is not a JSON object ({said}{at})"),
                "write one JSON object per line",
            )
        })?;
        let Some(object) = value.as_object() else {
            return Err(bad(
                shown,
                n + 1,
                "(line)",
                shorten(line),
                "is not a JSON object",
                "write one JSON object per line, `{\"id\": ...}`",
            ));
        };
        let mut fields = Vec::with_capacity(layout.fields.len());
        for &field in layout.fields {
            let found = object
                .iter()
                .find(|(key, _)| *key == field)
                .or_else(|| object.iter().find(|(key, _)| names(layout, field, key)))
                .map(|(_, value)| value);
            fields.push(match found {
                None if !layout.optional.contains(&field) => {
                    let names: Vec<&str> = object.keys().map(String::as_str).collect();
                    return Err(missing(
                        shown,
                        layout,
                        format!("line {}", n + 1),
                        field,
                        "field",
                        &names,
                    ));
                }
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            });
        }
        rows.push((n + 1, fields));
    }
    Ok(rows)
}

fn csv_rows(content: &str, layout: &Layout, shown: &str) -> Result<Vec<Row>, TableError> {
    // Flexible, so that a row of another length is judged here, quoting its value.
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(content.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| {
            bad(
                shown,
                1,
                "(header)",
                "",
                &format!("does not read as CSV ({e})"),
                "write a header row",
            )
        })?
        .clone();
    let mut columns = Vec::new();
    for &field in layout.fields {
        let found = headers.iter().position(|h| names(layout, field, h));
        match found {
            Some(at) => columns.push(Some(at)),
            None if layout.optional.contains(&field) => columns.push(None),
            None => {
                let names: Vec<&str> = headers.iter().filter(|h| !h.is_empty()).collect();
                return Err(missing(
                    shown,
                    layout,
                    "row 1 (the header)".to_string(),
                    field,
                    "column",
                    &names,
                ));
            }
        }
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let row = n + 2;
        let record = record.map_err(|e| {
            bad(
                shown,
                row,
                "(row)",
                "",
                &format!("does not read as CSV ({e})"),
                "give every row as many fields as the header",
            )
        })?;
        uneven(shown, row, &record, headers.len())?;
        rows.push((
            row,
            columns
                .iter()
                .map(|at| {
                    at.and_then(|at| record.get(at))
                        .unwrap_or_default()
                        .to_string()
                })
                .collect(),
        ));
    }
    Ok(rows)
}

/// Refuses a row of more or fewer fields than the header: the first field past the header's
/// columns, quoted with its column, or the row that falls short.
fn uneven(
    shown: &str,
    row: usize,
    record: &csv::StringRecord,
    columns: usize,
) -> Result<(), TableError> {
    if let Some(extra) = record.get(columns) {
        return Err(bad(
            shown,
            row,
            &format!("column {}", columns + 1),
            shorten(extra),
            &format!(
                "is past the header's {columns} columns ({} fields in the row)",
                record.len()
            ),
            "remove it, or quote a value that holds a comma (`\"a, b\"`)",
        ));
    }
    if record.len() < columns {
        let text = record.iter().collect::<Vec<_>>().join(",");
        return Err(bad(
            shown,
            row,
            "(row)",
            shorten(&text),
            &format!(
                "has {} fields, and the header {columns} columns",
                record.len()
            ),
            "give every row as many fields as the header (an empty one as `a,,c`)",
        ));
    }
    Ok(())
}

/// The first 60 characters of a value, for a message.
pub fn shorten(text: &str) -> &str {
    text.char_indices()
        .nth(60)
        .map_or(text, |(end, _)| &text[..end])
}
