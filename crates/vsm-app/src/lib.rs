//! The application: what vsm does with maps, event logs and history, for any front end.
//!
//! The command line calls it today and the team server will. It never prints and never exits:
//! what a front end shows besides the result (a map's warnings, what an import read, used and
//! skipped) comes back as data, and errors come back as values ([`Invalid`] when a map has
//! errors, with their diagnostics). Files are read through [`Files`]: the file system for the
//! command line, the database or an upload for the server.
#![forbid(unsafe_code)]

pub mod check;
pub mod discover;
pub mod dora;
pub mod fetch;
pub mod files;
pub mod history;
pub mod load;
pub mod measure;
pub mod paths;
pub mod plan;
pub mod simulate;

pub use files::{FileSystem, Files};
pub use load::{Checked, FileDiagnostics, Invalid, Loaded};
pub use measure::Measured;
