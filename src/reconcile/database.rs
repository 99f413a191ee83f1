//! Reconciling from `auth.users` in the same database: every auth user through the one
//! convergence rule, in keyset-ordered batches (one statement each), then a tombstone for
//! every live mirror row whose auth user is gone. `settings` is never touched: the rule
//! does not write it.

mod slices;

use std::sync::Mutex;

use futures_util::future::try_join_all;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use super::report::{Effects, Phase, Progress, Report};
use super::{ProgressFn, ReconcileError};
use crate::store::reconcile::{auth_users, Batch};

/// Users per statement unless told otherwise (`RECONCILE_BATCH_SIZE`'s default).
pub const DEFAULT_BATCH_SIZE: i64 = 5_000;
/// The largest batch accepted.
pub const MAX_BATCH_SIZE: i64 = 100_000;
/// Concurrent statements unless told otherwise (`RECONCILE_JOBS`'s default).
pub const DEFAULT_JOBS: usize = 2;

/// How a database reconcile runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Users per statement.
    pub batch_size: i64,
    /// Concurrent statements, each over its own slice of the id space.
    pub jobs: usize,
    /// Count only: every batch runs in a transaction that is rolled back.
    pub dry_run: bool,
}

/// Runs a reconcile from `auth.users`, holding the reconcile lock throughout.
pub async fn reconcile(
    pool: &PgPool,
    options: Options,
    progress: ProgressFn<'_>,
) -> Result<Report, ReconcileError> {
    ensure_auth_users(pool).await?;
    super::locked(pool, run(pool, options, progress)).await
}

/// Refuses a database without `auth.users`, saying which source to use instead.
pub async fn ensure_auth_users(pool: &PgPool) -> Result<(), ReconcileError> {
    let exist = auth_users::auth_users_exist(pool)
        .await
        .map_err(ReconcileError::database("looking for auth.users"))?;
    if exist {
        Ok(())
    } else {
        Err(ReconcileError::NoAuthUsers)
    }
}

/// Runs a reconcile from `auth.users` under `lock`, taken beforehand with
/// [`super::lock`] (so that a caller knows it won the lock before it starts the work).
pub async fn reconcile_holding(
    pool: &PgPool,
    lock: super::ReconcileLock,
    options: Options,
    progress: ProgressFn<'_>,
) -> Result<Report, ReconcileError> {
    super::holding(lock, run(pool, options, progress)).await
}

async fn run(
    pool: &PgPool,
    options: Options,
    progress: ProgressFn<'_>,
) -> Result<Report, ReconcileError> {
    let started_at = auth_users::now(pool)
        .await
        .map_err(ReconcileError::database("reading the clock"))?;
    let mut report = Report {
        dry_run: options.dry_run,
        ..Report::default()
    };

    let mut resolved;
    // Failed trigger runs first. A dry run only counts them: the full pass below applies
    // (and counts) the same users, so its totals are those of a real run.
    if options.dry_run {
        resolved = auth_users::unresolved_trigger_errors(pool)
            .await
            .map_err(ReconcileError::database("counting trigger errors"))?;
    } else {
        let applied = auth_users::apply_trigger_errors(
            &mut *pool
                .acquire()
                .await
                .map_err(ReconcileError::database("connecting"))?,
        )
        .await
        .map_err(ReconcileError::database(
            "re-applying users of trigger errors",
        ))?;
        // Each user is counted once: the full pass counts every user of auth.users again
        // and will find those written here unchanged. Only the writes count here.
        report.effects += Effects {
            unchanged: -applied.rewritten,
            unversioned: 0,
            ..applied.effects
        };
        resolved = applied.resolved;
    }
    progress(&Progress {
        phase: Phase::TriggerErrors,
        done: resolved as u64,
        total: Some(resolved as u64),
        effects: report.effects,
    });

    let total = auth_users::count_auth_users(pool)
        .await
        .map_err(ReconcileError::database("counting auth.users"))?;
    let tally = Mutex::new((report.effects, 0_u64));
    let slices = slices::id_slices(options.jobs.max(1));
    try_join_all(
        slices.into_iter().map(|(after, before)| {
            apply_slice(pool, options, after, before, &tally, total, progress)
        }),
    )
    .await?;
    let (effects, read) = *tally.lock().expect("tally lock");
    report.effects = effects;
    report.users_read = read as i64;

    let mut after = None;
    let mut tombstoned = 0;
    loop {
        let batch = in_batch(pool, options.dry_run, |transaction| {
            Box::pin(auth_users::tombstone_orphans(
                transaction,
                after,
                options.batch_size,
            ))
        })
        .await
        .map_err(ReconcileError::database(
            "tombstoning rows without an auth user",
        ))?;
        report.effects += batch.effects;
        tombstoned += batch.users as u64;
        progress(&Progress {
            phase: Phase::Tombstones,
            done: tombstoned,
            total: None,
            effects: report.effects,
        });
        match batch.last_id {
            Some(last) if batch.users == options.batch_size => after = Some(last),
            _ => break,
        }
    }

    if !options.dry_run {
        // Every user has just been re-applied: errors from before this run are fixed too
        // (including any without a user id).
        resolved += auth_users::resolve_trigger_errors_before(pool, started_at)
            .await
            .map_err(ReconcileError::database("marking trigger errors resolved"))?;
    }
    report.trigger_errors_resolved = Some(resolved);
    Ok(report)
}

/// Applies the auth users with `after < id < before`, batch by batch.
async fn apply_slice(
    pool: &PgPool,
    options: Options,
    mut after: Option<Uuid>,
    before: Option<Uuid>,
    tally: &Mutex<(Effects, u64)>,
    total: i64,
    progress: ProgressFn<'_>,
) -> Result<(), ReconcileError> {
    loop {
        let batch = in_batch(pool, options.dry_run, |transaction| {
            Box::pin(auth_users::apply_auth_users(
                transaction,
                after,
                before,
                options.batch_size,
            ))
        })
        .await
        .map_err(ReconcileError::database("applying auth.users"))?;
        let snapshot = {
            let mut tally = tally.lock().expect("tally lock");
            tally.0 += batch.effects;
            tally.1 += batch.users as u64;
            *tally
        };
        progress(&Progress {
            phase: Phase::Users,
            done: snapshot.1,
            total: Some(total.max(snapshot.1 as i64) as u64),
            effects: snapshot.0,
        });
        match batch.last_id {
            Some(last) if batch.users == options.batch_size => after = Some(last),
            _ => return Ok(()),
        }
    }
}

type BatchFuture<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Batch, sqlx::Error>> + Send + 'c>>;

/// Runs one batch statement in its own transaction: committed, or rolled back in a dry run
/// (row locks are held for one batch only, so live deliveries are never kept waiting long).
async fn in_batch(
    pool: &PgPool,
    dry_run: bool,
    statement: impl for<'c> FnOnce(&'c mut sqlx::PgConnection) -> BatchFuture<'c>,
) -> Result<Batch, sqlx::Error> {
    let mut transaction: Transaction<'_, Postgres> = pool.begin().await?;
    let batch = statement(&mut transaction).await?;
    if dry_run {
        transaction.rollback().await?;
    } else {
        transaction.commit().await?;
    }
    Ok(batch)
}
