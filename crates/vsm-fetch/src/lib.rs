//! vsm's sources: what git (and GitHub, GitLab and Jira) know about the delivery of work, read
//! into [`vsm_events::Batch`]es for the event store. Each source reads and turns what it read
//! into objects, events and links; it never writes the store itself (the application does).
#![forbid(unsafe_code)]

pub mod deployments;
pub mod git;
pub mod pattern;
