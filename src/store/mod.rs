//! Storage: every SQL statement of the service lives under this module.

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
mod rows;
pub mod schema;
pub mod stats;

pub use error::StoreError;
