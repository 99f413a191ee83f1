//! Reconcile: make `public.users` equal to a source of truth, on demand. Two sources:
//! `auth.users` in the same database ([`database`]) and Supabase's Admin API
//! ([`admin_api`]), both applied through the one convergence rule.
//!
//! Each is a plain async function taking a progress callback, so a command line and an HTTP
//! route can run it alike.

pub mod admin_api;
pub mod database;
mod error;
pub mod report;

pub use error::ReconcileError;
pub use report::{Effects, Phase, Progress, Report};

/// Called after every batch; must be cheap (it runs between statements).
pub type ProgressFn<'a> = &'a (dyn Fn(&Progress) + Send + Sync);
