//! The object-centric event store: what git, GitHub, GitLab and Jira know about a piece of work
//! (the issue, its pull requests, their commits, the pipeline runs and the deployments that
//! shipped them) as objects, events and the links between them, in the OCEL 2.0 relational
//! layout.
//!
//! Sources turn what they read into a [`Batch`] in the vocabulary of [`model`] (object and
//! event types, their attributes, qualifiers), with ids that come from the source, so that
//! writing the same batch twice changes nothing. [`Store`] keeps them in a SQLite file that
//! pm4py reads (`pm4py.read_ocel2_sqlite`), one transaction per batch: a fetch killed at any
//! instant leaves what its last committed batch wrote, and running it again ends where one
//! uninterrupted run would. [`Counts`] says what each write did.
#![forbid(unsafe_code)]

mod counts;
mod delivery;
mod error;
mod inspect;
pub mod model;
mod owned;
mod shipping;
mod store;
pub mod time;
mod write;

pub use counts::{Counts, Skipped, Tally};
pub use delivery::{
    DeliveryCommit, DeliveryDeployment, StoredDelivery, StoredIssue, StoredPullRequest,
    StoredRelease,
};
pub use error::StoreError;
pub use model::{Batch, Event, EventType, Object, ObjectType, Owned, Relation, Value};
pub use shipping::{Replaced, StoredCommit, StoredDeployment};
pub use store::{BUSY_TIMEOUT, Cursor, DEFAULT_PATH, Store};
