//! Storage: every SQL statement of the service lives under this module.

pub mod bootstrap;
mod error;
pub mod events;
pub mod migrate;
pub mod pool;
pub mod readiness;
pub mod reconcile;
pub mod users;

pub use error::StoreError;
