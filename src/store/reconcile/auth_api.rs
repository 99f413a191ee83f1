//! Reconciling from Supabase's Admin API: states fetched over HTTP applied through the one
//! convergence rule (a page per statement), and the listing's checkpoint, so an interrupted
//! run resumes. The checkpoint's stored source is still named `admin_api` (Supabase's name,
//! which the table's check constraint allows); renaming a stored value needs a migration.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Effects, APPLY_STATES, COUNT_EFFECTS, ORPHAN_DELETION, STATE_COLUMNS};
use crate::domain::UserState;

/// The checkpoint of an unfinished listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub per_page: i32,
    pub covered: i64,
    pub last_total: i64,
}
from_row!(Checkpoint {
    per_page,
    covered,
    last_total
});

/// Applies `states` with `auth_mirror.apply_states`, in one statement, in user-id order.
pub async fn apply_states(
    connection: &mut PgConnection,
    states: &[UserState],
) -> Result<Effects, sqlx::Error> {
    // The Auth API lists users in its own order; rows are locked as the states are applied,
    // so apply them by user id, the order retry, replay and the batch take their locks in (no
    // deadlock with a retry worker or a bulk replay over the same users). A stable sort keeps
    // two states of one user in the listing's order.
    let mut by_user: Vec<&UserState> = states.iter().collect();
    by_user.sort_by_key(|state| state.id);
    let states = by_user.as_slice();
    let sql = format!(
        "with states ({STATE_COLUMNS}) as (
             select s.n, s.id, s.email, s.phone, s.is_anonymous, s.user_metadata,
                    s.app_metadata, s.email_confirmed_at, s.created_at, s.updated_at,
                    s.deleted_at, s.removed
               from unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::jsonb[],
                           $6::jsonb[], $7::timestamptz[], $8::timestamptz[],
                           $9::timestamptz[], $10::timestamptz[], $11::boolean[])
                    with ordinality
                 as s(id, email, phone, is_anonymous, user_metadata, app_metadata,
                      email_confirmed_at, created_at, updated_at, deleted_at, removed, n)
         ), {APPLY_STATES}
         select {COUNT_EFFECTS} from applied"
    );
    sqlx::query_as(&sql)
        .bind(column(states, |state| state.id))
        .bind(column(states, |state| state.email.clone()))
        .bind(column(states, |state| state.phone.clone()))
        .bind(column(states, |state| state.is_anonymous))
        .bind(column(states, |state| state.user_metadata.clone()))
        .bind(column(states, |state| state.app_metadata.clone()))
        .bind(column(states, |state| state.email_confirmed_at))
        .bind(column(states, |state| state.created_at))
        .bind(column(states, |state| {
            state.version.map(|version| version.time())
        }))
        .bind(column(states, |state| state.deleted_at))
        .bind(column(states, |state| state.removed))
        .fetch_one(connection)
        .await
}

/// One field of every state, as an array parameter.
fn column<T>(states: &[&UserState], pick: impl Fn(&UserState) -> T) -> Vec<T> {
    states.iter().map(|state| pick(state)).collect()
}

/// Tombstones the live mirror rows of `ids` (users the Admin API confirmed are gone).
pub async fn tombstone(
    connection: &mut PgConnection,
    ids: &[Uuid],
) -> Result<Effects, sqlx::Error> {
    let sql = format!(
        "with states ({STATE_COLUMNS}) as (
             select row_number() over (order by u.id), {ORPHAN_DELETION}
               from public.users u
              where u.id = any($1) and u.deleted_at is null
         ), {APPLY_STATES}
         select {COUNT_EFFECTS} from applied"
    );
    sqlx::query_as(&sql).bind(ids).fetch_one(connection).await
}

/// Up to `limit` live mirror ids after `after`, in id order.
pub async fn live_mirror_ids(
    pool: &PgPool,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "select id from public.users where deleted_at is null and ($1::uuid is null or id > $1) \
          order by id limit $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The checkpoint of an unfinished listing, if any.
pub async fn checkpoint(pool: &PgPool) -> Result<Option<Checkpoint>, sqlx::Error> {
    sqlx::query_as(
        "select per_page, covered, last_total from auth_mirror.reconcile_checkpoint \
          where source = 'admin_api'",
    )
    .fetch_optional(pool)
    .await
}

/// The user ids the unfinished listing has seen.
pub async fn seen(pool: &PgPool) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar("select user_id from auth_mirror.reconcile_seen")
        .fetch_all(pool)
        .await
}

/// Forgets any earlier listing.
pub async fn clear(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "delete from auth_mirror.reconcile_checkpoint where source = 'admin_api';
         truncate auth_mirror.reconcile_seen;",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Records a page: the ids it held and where the listing is now. Run in the transaction
/// that applied the page, so a resumed run never skips a page whose writes were lost.
pub async fn save_progress(
    connection: &mut PgConnection,
    ids: &[Uuid],
    checkpoint: Checkpoint,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into auth_mirror.reconcile_seen (user_id) select unnest($1::uuid[]) \
         on conflict do nothing",
    )
    .bind(ids)
    .execute(&mut *connection)
    .await?;
    sqlx::query(
        "insert into auth_mirror.reconcile_checkpoint (source, per_page, covered, last_total)
         values ('admin_api', $1, $2, $3)
         on conflict (source) do update set per_page = excluded.per_page,
             covered = excluded.covered, last_total = excluded.last_total, updated_at = now()",
    )
    .bind(checkpoint.per_page)
    .bind(checkpoint.covered)
    .bind(checkpoint.last_total)
    .execute(connection)
    .await?;
    Ok(())
}
