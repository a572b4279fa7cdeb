//! One module per command: its flags (`Args`, whose doc comment is the command's help) and `run`.

pub mod analyze;
pub mod check;
pub mod compare;
pub mod demo;
pub mod discover;
pub mod dora;
pub mod fetch;
pub mod init;
pub mod measure;
pub mod plan;
pub mod pull;
pub mod push;
pub mod render;
pub mod report;
pub mod schema;
pub mod serve;
pub mod simulate;
pub mod snapshot;
pub mod trend;
pub mod validate;
