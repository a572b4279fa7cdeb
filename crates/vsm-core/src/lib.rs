//! The value stream model, the map file reader, the metrics and the bottleneck analysis.
//!
//! Pure by design: no file or network I/O, no clock, no printing. Callers hand in text and get
//! back a checked [`ValueStream`] (or every problem in it) and an [`Analysis`].
#![forbid(unsafe_code)]

pub mod analysis;
pub mod bottleneck;
pub mod calendar;
pub mod check;
pub mod countermeasure;
pub mod diagnostic;
pub mod discovery;
pub mod dora;
mod duration;
pub mod graph;
pub mod mapfile;
pub mod measure;
pub mod metrics;
pub mod model;
pub mod percent;
pub mod plan;
pub mod simulate;
pub mod worktime;

pub use analysis::{Analysis, TooLong, TooLongAt, analyze, analyze_measured, try_analyze};
pub use diagnostic::{Diagnostic, Location, Severity};
pub use duration::{Duration, DurationError, TellingDays, in_working_days};
pub use mapfile::{Header, ParsedMap, json_schema, parse_map, parse_map_extending};
pub use model::ValueStream;
pub use percent::{Percent, PercentError, format_number, format_percent, format_points};
pub use worktime::WorkingTime;
