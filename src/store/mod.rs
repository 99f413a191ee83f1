//! Storage: every SQL statement of the service lives under this module.

// First: its `from_row!` is in scope (by name) in every module declared after it.
#[macro_use]
mod rows;

pub mod admin_events;
pub mod admin_sessions;
pub mod bootstrap;
pub mod claims;
mod error;
pub mod events;
pub mod ingest;
pub mod migrate;
pub mod plans;
pub mod pool;
pub mod readiness;
pub mod reconcile;
pub mod retention;
pub mod schema;
pub mod stats;

pub use error::StoreError;
