//! Options several commands share: the output format, how to read an event log, the history
//! database.

use anyhow::{Result, bail};
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use vsm_ingest::source::Format as LogFormat;
use vsm_render::Format;
use vsm_store::Store;

/// A `--format` that takes `allowed` (each with its help, or none), as [`Format`].
pub fn formats(
    allowed: &'static [(Format, &'static str)],
) -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(allowed.iter().map(|(format, help)| {
        let value = PossibleValue::new(format.name());
        if help.is_empty() {
            value
        } else {
            value.help(*help)
        }
    }))
    .map(|name| Format::from_name(&name).expect("a format's own name"))
}

/// A `--paper`: the sheets a map prints on, by name (`a3`, `letter`...).
pub fn papers() -> impl TypedValueParser<Value = vsm_render::Paper> {
    PossibleValuesParser::new(vsm_render::Paper::ALL.map(vsm_render::Paper::name))
        .map(|name| vsm_render::Paper::from_name(&name).expect("a sheet's own name"))
}

/// A `--scale`: a positive number of pixels per unit, at most 100.
pub fn scale(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(scale) if scale > 0.0 && scale <= 100.0 => Ok(scale),
        _ => Err(format!(
            "`{text}` is not a scale; give a number of pixels per unit above 0 and at most 100, e.g. `--scale 1` or `--scale 0.5`"
        )),
    }
}

/// A `--log-format`: the formats vsm reads, by their ids (`xes`, `csv`, `jsonl`...).
fn log_formats() -> impl TypedValueParser<Value = LogFormat> {
    PossibleValuesParser::new(LogFormat::ALL.map(LogFormat::id))
        .map(|id| LogFormat::from_id(&id).expect("a log format's own id"))
}

/// What most commands write: text for people, JSON for programs.
pub const TEXT_JSON: &[(Format, &str)] = &[(Format::Text, ""), (Format::Json, "")];

/// The analysis: text, JSON or Markdown.
pub const REPORTS: &[(Format, &str)] = &[
    (Format::Text, ""),
    (Format::Json, ""),
    (Format::Markdown, ""),
];

/// A duration flag (`--attribution-window 7d`): the reason a text is none, with the units
/// vsm reads (clap would print the reason alone: "unknown unit `y`").
pub fn duration(text: &str) -> Result<vsm_core::Duration, String> {
    text.parse::<vsm_core::Duration>().map_err(|e| {
        format!(
            "`{}`: {e}; {}",
            vsm_core::diagnostic::shorten(text),
            e.help()
        )
    })
}

/// A window's `--from` or `--to`: a day, `YYYY-MM-DD` (from its midnight, UTC), or a time in
/// RFC 3339 with its offset. Anything else is refused in our words, quoting the value, with
/// both forms (the date library's own message speaks of its types).
pub fn window_bound(text: &str) -> Result<jiff::Timestamp, String> {
    let quoted = vsm_core::diagnostic::shorten(text);
    let forms = "give a day as YYYY-MM-DD (e.g. `2024-03-10`, from midnight UTC) or a time as \
                 RFC 3339 with its offset (e.g. `2024-03-10T05:00:00Z`)";
    let trimmed = text.trim();
    // A day: exactly `YYYY-MM-DD` (jiff also reads longer years and a time after it).
    let shaped_as_day = trimmed.len() == 10
        && trimmed.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if shaped_as_day {
        let day: jiff::civil::Date = trimmed
            .parse()
            .map_err(|_| format!("`{quoted}` is not a day of the calendar; {forms}"))?;
        return jiff::tz::Offset::UTC
            .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
            .map_err(|_| {
                format!("{day} is past the last day vsm can count time to (9999-12-30); give an earlier date")
            });
    }
    if let Ok(at) = trimmed.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    if trimmed.parse::<jiff::civil::DateTime>().is_ok() {
        return Err(format!(
            "`{quoted}` is a time without an offset; add one (`Z` for UTC, or e.g. `+02:00`), or {forms}"
        ));
    }
    Err(format!("`{quoted}` is neither a day nor a time; {forms}"))
}

/// How to read an event log.
#[derive(Debug, clap::Args)]
pub struct LogOptions {
    /// Leave out bad events (counted and listed) instead of stopping at the first.
    #[arg(long)]
    skip_invalid: bool,
    /// Time zone of timestamps that carry no offset (IANA name or offset; default UTC).
    #[arg(long, value_name = "ZONE")]
    pub zone: Option<String>,
    /// Read the file as this format, whatever its name.
    #[arg(long, value_name = "FORMAT", value_parser = log_formats())]
    log_format: Option<LogFormat>,
    /// The column (or JSON field) that holds the item id.
    #[arg(long, value_name = "NAME")]
    item_column: Option<String>,
    /// The column that holds the activity.
    #[arg(long, value_name = "NAME")]
    activity_column: Option<String>,
    /// The column that holds the timestamp.
    #[arg(long, value_name = "NAME")]
    timestamp_column: Option<String>,
    /// The column that holds a start timestamp.
    #[arg(long, value_name = "NAME")]
    start_column: Option<String>,
    /// The column that holds the lifecycle transition.
    #[arg(long, value_name = "NAME")]
    lifecycle_column: Option<String>,
    /// The column that holds the resource.
    #[arg(long, value_name = "NAME")]
    resource_column: Option<String>,
    /// For object-centric (OCEL 2.0) logs: the object type whose journey is the stream.
    #[arg(long, value_name = "NAME")]
    object_type: Option<String>,
}

impl LogOptions {
    pub fn read_options(&self, files: &vsm_app::FileSystem) -> Result<vsm_ingest::ReadOptions> {
        let timestamps = match &self.zone {
            Some(zone) => {
                vsm_ingest::TimestampParser::for_zone(zone).map_err(anyhow::Error::msg)?
            }
            None => vsm_ingest::TimestampParser::default(),
        };
        Ok(vsm_ingest::ReadOptions {
            timestamps,
            skip_invalid: self.skip_invalid,
            columns: vsm_ingest::tabular::ColumnNames {
                item: self.item_column.clone(),
                activity: self.activity_column.clone(),
                timestamp: self.timestamp_column.clone(),
                start: self.start_column.clone(),
                lifecycle: self.lifecycle_column.clone(),
                resource: self.resource_column.clone(),
            },
            object_type: self.object_type.clone(),
            follow: Vec::new(),
            attributes: Vec::new(),
            limits: files.log_limits,
        })
    }

    pub fn format(&self) -> Option<LogFormat> {
        self.log_format
    }
}

/// Where the history is kept.
#[derive(Debug, Clone, clap::Args)]
pub struct DbOption {
    /// The history database: a SQLite file, as a path or `sqlite://PATH`
    /// (default: .vsm/history.db in the working directory).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
}

impl DbOption {
    pub fn url(&self) -> &str {
        self.db.as_deref().unwrap_or(vsm_store::DEFAULT_PATH)
    }

    /// Opens the database to add to it, creating it if needed.
    pub fn open(&self) -> Result<Box<dyn Store>> {
        Ok(vsm_store::open(self.url())?)
    }

    /// Opens the database to read (read-only: it works on a read-only file or folder); `None`
    /// when there is none yet at the default place. A database given with `--db` must exist.
    pub fn open_existing(&self) -> Result<Option<Box<dyn Store>>> {
        let path = vsm_store::sqlite_path(self.url())?;
        if !path.exists() {
            if self.db.is_some() {
                bail!(
                    "there is no history database at `{}`; take a snapshot first with `vsm snapshot MAP --db {}`",
                    path.display(),
                    self.url()
                );
            }
            return Ok(None);
        }
        Ok(Some(vsm_store::open_read_only(self.url())?))
    }

    /// As [`Self::open_existing`], but `None` for a missing database given with `--db` too,
    /// for a command that has something to do without one (`vsm check` checks the numbers
    /// measured now).
    pub fn open_if_present(&self) -> Result<Option<Box<dyn Store>>> {
        if vsm_store::sqlite_path(self.url())?.exists() {
            Ok(Some(vsm_store::open_read_only(self.url())?))
        } else {
            Ok(None)
        }
    }
}
