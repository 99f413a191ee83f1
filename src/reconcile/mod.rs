//! Reconcile: make `public.users` equal to a source of truth, on demand. Two sources:
//! `auth.users` in the same database ([`database`]) and Supabase's Admin API
//! ([`auth_api`]: the admin endpoints of Supabase Auth; in this code "admin" means only
//! auth-mirror's own admin API), both applied through the one convergence rule.
//!
//! Each is a plain async function taking a progress callback, so a command line and an HTTP
//! route can run it alike.

pub mod auth_api;
pub mod database;
mod error;
pub mod report;
pub mod runs;

pub use crate::store::reconcile::ReconcileLock;
pub use error::ReconcileError;
pub use report::{Effects, Phase, Progress, Report};

/// Called after every batch; must be cheap (it runs between statements).
pub type ProgressFn<'a> = &'a (dyn Fn(&Progress) + Send + Sync);

/// Takes the database's reconcile lock without waiting: at most one reconcile per database,
/// whichever process or source; [`ReconcileError::AlreadyRunning`] while another holds it.
pub async fn lock(pool: &sqlx::PgPool) -> Result<ReconcileLock, ReconcileError> {
    crate::store::reconcile::try_lock(&pool.connect_options())
        .await
        .map_err(ReconcileError::database("taking the reconcile lock"))?
        .map_err(ReconcileError::AlreadyRunning)
}

/// Runs `work` while holding the database's reconcile lock; a second one fails at once.
async fn locked<T>(
    pool: &sqlx::PgPool,
    work: impl std::future::Future<Output = Result<T, ReconcileError>>,
) -> Result<T, ReconcileError> {
    holding(lock(pool).await?, work).await
}

/// Runs `work` with `lock` taken beforehand, and releases it.
async fn holding<T>(
    lock: ReconcileLock,
    work: impl std::future::Future<Output = Result<T, ReconcileError>>,
) -> Result<T, ReconcileError> {
    let outcome = work.await;
    // On failure the lock goes with its connection anyway; release it explicitly otherwise.
    if outcome.is_ok() {
        lock.release()
            .await
            .map_err(ReconcileError::database("releasing the reconcile lock"))?;
    }
    outcome
}
