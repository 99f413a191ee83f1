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

/// Runs `work` while holding the database's reconcile lock: at most one reconcile per
/// database, whichever process or source; a second one fails at once.
async fn locked<T>(
    pool: &sqlx::PgPool,
    work: impl std::future::Future<Output = Result<T, ReconcileError>>,
) -> Result<T, ReconcileError> {
    let lock = crate::store::reconcile::try_lock(&pool.connect_options())
        .await
        .map_err(ReconcileError::database("taking the reconcile lock"))?
        .map_err(ReconcileError::AlreadyRunning)?;
    let outcome = work.await;
    // On failure the lock goes with its connection anyway; release it explicitly otherwise.
    if outcome.is_ok() {
        lock.release()
            .await
            .map_err(ReconcileError::database("releasing the reconcile lock"))?;
    }
    outcome
}
