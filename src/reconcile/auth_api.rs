//! Reconciling from Supabase's Admin API, for a mirror in another database: page through
//! `GET /auth/v1/admin/users`, apply every user through the one convergence rule (a page
//! per statement), then tombstone the mirror rows the complete listing did not contain,
//! each confirmed gone by `GET /auth/v1/admin/users/{id}` (404) first.
//!
//! Resumable: after each page, the ids seen and the [`cursor::Cursor`] are saved in
//! `auth_mirror.reconcile_checkpoint` / `reconcile_seen`, in the transaction that applied
//! the page; a new run with the same `per_page` continues from there.

mod client;
mod cursor;
mod tombstones;

use std::collections::HashSet;

use sqlx::PgPool;
use uuid::Uuid;

use super::report::{Phase, Progress, Report};
use super::{ProgressFn, ReconcileError};
use crate::domain::UserState;
use crate::store::reconcile::{auth_api as store, auth_api::Checkpoint};
pub use client::{AuthApi, Backoff, DEFAULT_ATTEMPTS};
use cursor::{Cursor, Step};

/// How an Admin API reconcile runs.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Users per page.
    pub per_page: u32,
    /// Count only: every write is rolled back, nothing is checkpointed.
    pub dry_run: bool,
}

/// Runs a reconcile from the Admin API, holding the reconcile lock of the mirror's database.
pub async fn reconcile(
    pool: &PgPool,
    api: &AuthApi,
    options: Options,
    progress: ProgressFn<'_>,
) -> Result<Report, ReconcileError> {
    super::locked(pool, run(pool, api, options, progress)).await
}

async fn run(
    pool: &PgPool,
    api: &AuthApi,
    options: Options,
    progress: ProgressFn<'_>,
) -> Result<Report, ReconcileError> {
    let mut report = Report {
        dry_run: options.dry_run,
        ..Report::default()
    };
    let (mut cursor, mut seen) = resume(pool, options).await?;
    loop {
        let page_number = cursor.next_page();
        let page = api.page(page_number, cursor.per_page).await?;
        let count = page.users.len() as u64;
        let step = cursor.record(page_number, count, page.total);
        if step == Step::ShortPage {
            return Err(ReconcileError::AuthApiResponse(format!(
                "page {page_number} held {count} users of {} before the end of the list: the \
                 server caps the page size, use a smaller --per-page",
                page.total
            )));
        }
        let total = page.total;
        apply_page(
            pool,
            options,
            page.users,
            Some(&cursor),
            &mut seen,
            &mut report,
        )
        .await?;
        progress(&Progress {
            phase: Phase::Users,
            done: seen.len() as u64,
            total: Some(total.max(seen.len() as u64)),
            effects: report.effects,
        });
        if step == Step::Complete {
            break;
        }
    }
    // Users who signed up during the listing are at its head: read it again until a page
    // holds nobody new.
    for page_number in 1.. {
        let page = api.page(page_number, cursor.per_page).await?;
        let (count, before) = (page.users.len() as u64, seen.len());
        apply_page(pool, options, page.users, None, &mut seen, &mut report).await?;
        if seen.len() == before || count < cursor.per_page {
            break;
        }
    }
    tombstones::tombstone_missing(pool, api, options, &seen, &mut report, progress).await?;
    if !options.dry_run {
        store::clear(pool)
            .await
            .map_err(ReconcileError::database("clearing the checkpoint"))?;
    }
    Ok(report)
}

/// Applies the users of a page not seen yet in this listing (one already seen has only
/// moved back a page: applied once is enough), and saves the checkpoint with them.
async fn apply_page(
    pool: &PgPool,
    options: Options,
    users: Vec<UserState>,
    cursor: Option<&Cursor>,
    seen: &mut HashSet<Uuid>,
    report: &mut Report,
) -> Result<(), ReconcileError> {
    let fresh: Vec<UserState> = users
        .into_iter()
        .filter(|state| !seen.contains(&state.id))
        .collect();
    let ids: Vec<Uuid> = fresh.iter().map(|state| state.id).collect();
    let mut transaction = pool
        .begin()
        .await
        .map_err(ReconcileError::database("connecting"))?;
    let effects = store::apply_states(&mut transaction, &fresh)
        .await
        .map_err(ReconcileError::database("applying Admin API users"))?;
    if options.dry_run {
        transaction.rollback().await
    } else {
        if let Some(cursor) = cursor {
            store::save_progress(&mut transaction, &ids, checkpoint(cursor))
                .await
                .map_err(ReconcileError::database("saving the checkpoint"))?;
        }
        transaction.commit().await
    }
    .map_err(ReconcileError::database("committing a page"))?;
    report.effects += effects;
    report.users_read += ids.len() as i64;
    seen.extend(ids);
    Ok(())
}

/// The saved listing when it was made with the same page size (never in a dry run, which
/// neither reads nor writes checkpoints), or a fresh start.
async fn resume(
    pool: &PgPool,
    options: Options,
) -> Result<(Cursor, HashSet<Uuid>), ReconcileError> {
    let per_page = u64::from(options.per_page);
    if options.dry_run {
        return Ok((Cursor::start(per_page), HashSet::new()));
    }
    let saved = store::checkpoint(pool)
        .await
        .map_err(ReconcileError::database("reading the checkpoint"))?;
    match saved {
        Some(saved) if saved.per_page as u64 == per_page => {
            let seen: HashSet<Uuid> = store::seen(pool)
                .await
                .map_err(ReconcileError::database("reading the checkpoint"))?
                .into_iter()
                .collect();
            tracing::info!(
                offset = saved.covered,
                seen = seen.len(),
                "resuming an interrupted Admin API listing"
            );
            let cursor = Cursor {
                per_page,
                covered: saved.covered as u64,
                last_total: saved.last_total as u64,
            };
            Ok((cursor, seen))
        }
        _ => {
            store::clear(pool)
                .await
                .map_err(ReconcileError::database("clearing the checkpoint"))?;
            Ok((Cursor::start(per_page), HashSet::new()))
        }
    }
}

fn checkpoint(cursor: &Cursor) -> Checkpoint {
    Checkpoint {
        per_page: cursor.per_page as i32,
        covered: cursor.covered as i64,
        last_total: cursor.last_total as i64,
    }
}
