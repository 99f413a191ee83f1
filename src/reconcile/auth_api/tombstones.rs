//! The end of a complete listing: live mirror rows it did not contain are confirmed gone
//! one by one (`GET /auth/v1/admin/users/{id}` answering 404) before they become tombstones.

use std::collections::HashSet;

use sqlx::PgPool;
use uuid::Uuid;

use super::client::AuthApi;
use super::Options;
use crate::domain::UserState;
use crate::reconcile::report::{Effects, Phase, Progress, Report};
use crate::reconcile::{ProgressFn, ReconcileError};
use crate::store::reconcile::auth_api as store;

/// Mirror rows checked per query.
const CANDIDATES_PER_QUERY: i64 = 5000;

/// After a complete listing: every live mirror row it did not contain is asked for by id;
/// a 404 makes it a tombstone, a user (created during the listing) is applied.
pub(super) async fn tombstone_missing(
    pool: &PgPool,
    api: &AuthApi,
    options: Options,
    seen: &HashSet<Uuid>,
    report: &mut Report,
    progress: ProgressFn<'_>,
) -> Result<(), ReconcileError> {
    let mut after = None;
    let mut checked = 0;
    loop {
        let ids = store::live_mirror_ids(pool, after, CANDIDATES_PER_QUERY)
            .await
            .map_err(ReconcileError::database("reading mirror ids"))?;
        let (mut gone, mut present) = (Vec::new(), Vec::new());
        for &id in ids.iter().filter(|id| !seen.contains(id)) {
            match api.user(id).await? {
                None => gone.push(id),
                Some(state) => present.push(state),
            }
        }
        checked += gone.len() + present.len();
        report.users_read += present.len() as i64;
        report.effects += apply_verdicts(pool, options.dry_run, &present, &gone).await?;
        progress(&Progress {
            phase: Phase::Tombstones,
            done: checked as u64,
            total: None,
            effects: report.effects,
        });
        match ids.last() {
            Some(&last) if ids.len() as i64 == CANDIDATES_PER_QUERY => after = Some(last),
            _ => return Ok(()),
        }
    }
}

async fn apply_verdicts(
    pool: &PgPool,
    dry_run: bool,
    present: &[UserState],
    gone: &[Uuid],
) -> Result<Effects, ReconcileError> {
    if present.is_empty() && gone.is_empty() {
        return Ok(Effects::default());
    }
    let step = "tombstoning users the Admin API no longer has";
    let mut transaction = pool.begin().await.map_err(ReconcileError::database(step))?;
    let mut effects = store::apply_states(&mut transaction, present)
        .await
        .map_err(ReconcileError::database(step))?;
    effects += store::tombstone(&mut transaction, gone)
        .await
        .map_err(ReconcileError::database(step))?;
    if dry_run {
        transaction.rollback().await
    } else {
        transaction.commit().await
    }
    .map_err(ReconcileError::database(step))?;
    Ok(effects)
}
