//! The object-centric event store: what git, GitHub, GitLab and Jira know about a piece of work
//! (the issue, its pull requests, their commits, the pipeline runs and the deployments that
//! shipped them) as objects, events and the links between them, in the OCEL 2.0 relational
//! layout.
//!
//! Sources turn what they read into a [`Batch`] in the vocabulary of [`model`] (object and
//! event types, their attributes, qualifiers), with ids that come from the source, so that
//! writing the same batch twice changes nothing.
#![forbid(unsafe_code)]

pub mod model;

pub use model::{Batch, Event, EventType, Object, ObjectType, Relation, Value};
