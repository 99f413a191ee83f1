//! Reconciling from `auth.users` in the same database: thousands of users per statement, all
//! handed to `auth_mirror.apply_states`, the one convergence rule, in one call.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Batch, Effects, APPLY_STATES, COUNT_EFFECTS, ORPHAN_DELETION, STATE_COLUMNS};

/// An auth.users row `a` as the rule's arguments (`p_removed` = false: the row exists; a
/// soft-deleted user's `deleted_at` makes it a deletion).
const AUTH_USER_STATE: &str = "a.id, a.email, a.phone, a.is_anonymous, a.raw_user_meta_data, \
    a.raw_app_meta_data, a.email_confirmed_at, a.created_at, a.updated_at, a.deleted_at, false";

/// Applies the auth users with `after < id < before` (unbounded where `None`), at most
/// `limit` of them, in id order.
pub async fn apply_auth_users(
    connection: &mut PgConnection,
    after: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Batch, sqlx::Error> {
    let sql = format!(
        "with picked as (
             -- The mirrored columns only: password hashes and tokens are never read.
             select a.id, a.email, a.phone, a.is_anonymous, a.raw_user_meta_data,
                    a.raw_app_meta_data, a.email_confirmed_at, a.created_at, a.updated_at,
                    a.deleted_at
               from auth.users a
              where ($1::uuid is null or a.id > $1) and ($2::uuid is null or a.id < $2)
              order by a.id
              limit $3
         ), states ({STATE_COLUMNS}) as (
             select row_number() over (order by a.id), {AUTH_USER_STATE} from picked a
         ), {APPLY_STATES}
         select {COUNT_EFFECTS}, count(*) as users,
                (select id from picked order by id desc limit 1) as last_id
           from applied"
    );
    let row: BatchRow = sqlx::query_as(&sql)
        .bind(after)
        .bind(before)
        .bind(limit)
        .fetch_one(connection)
        .await?;
    Ok(row.into())
}

/// Tombstones at most `limit` live mirror rows with `id > after` whose auth user no longer
/// exists.
pub async fn tombstone_orphans(
    connection: &mut PgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Batch, sqlx::Error> {
    let sql = format!(
        "with picked as (
             select u.* from public.users u
              where ($1::uuid is null or u.id > $1) and u.deleted_at is null
                and not exists (select 1 from auth.users a where a.id = u.id)
              order by u.id
              limit $2
         ), states ({STATE_COLUMNS}) as (
             select row_number() over (order by u.id), {ORPHAN_DELETION} from picked u
         ), {APPLY_STATES}
         select {COUNT_EFFECTS}, count(*) as users,
                (select id from picked order by id desc limit 1) as last_id
           from applied"
    );
    let row: BatchRow = sqlx::query_as(&sql)
        .bind(after)
        .bind(limit)
        .fetch_one(connection)
        .await?;
    Ok(row.into())
}

/// What re-applying the users of trigger errors did.
#[derive(Debug, Clone, Copy, Default)]
pub struct TriggerErrorsApplied {
    pub effects: Effects,
    /// Users of `auth.users` this wrote (the full pass will find them unchanged).
    pub rewritten: i64,
    /// Errors marked resolved.
    pub resolved: i64,
}
from_row!(TriggerErrorsApplied {
    effects: flatten,
    rewritten,
    resolved
});

/// Re-applies every user named by an unresolved trigger error (its auth row, or a tombstone
/// when the auth user is gone) and marks those errors resolved.
pub async fn apply_trigger_errors(
    connection: &mut PgConnection,
) -> Result<TriggerErrorsApplied, sqlx::Error> {
    let sql = format!(
        "with pending as (
             select distinct user_id from auth_mirror.trigger_errors
              where resolved_at is null and user_id is not null
         ), states ({STATE_COLUMNS}, in_auth) as (
             select row_number() over (order by x.id), x.*
               from (
                   select {AUTH_USER_STATE}, true
                     from auth.users a join pending p on p.user_id = a.id
                   union all
                   select {ORPHAN_DELETION}, false
                     from public.users u join pending p on p.user_id = u.id
                    where u.deleted_at is null
                      and not exists (select 1 from auth.users a where a.id = u.id)
               ) as x (id)
         ), {APPLY_STATES}, resolved as (
             update auth_mirror.trigger_errors e set resolved_at = now()
              where e.resolved_at is null and e.user_id in (select user_id from pending)
             returning 1
         )
         select {COUNT_EFFECTS},
                count(*) filter (where in_auth and effect in ('inserted', 'updated')) as rewritten,
                (select count(*) from resolved) as resolved
           from applied"
    );
    sqlx::query_as(&sql).fetch_one(connection).await
}

/// How many trigger errors are unresolved.
pub async fn unresolved_trigger_errors(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from auth_mirror.trigger_errors where resolved_at is null")
        .fetch_one(pool)
        .await
}

/// Marks resolved the errors recorded before `started_at`: a complete reconcile that began
/// after them has re-applied every user, including those without a user id.
pub async fn resolve_trigger_errors_before(
    pool: &PgPool,
    started_at: chrono::DateTime<chrono::Utc>,
) -> Result<i64, sqlx::Error> {
    let result = sqlx::query(
        "update auth_mirror.trigger_errors set resolved_at = now() \
          where resolved_at is null and occurred_at < $1",
    )
    .bind(started_at)
    .execute(pool)
    .await?;
    Ok(result.rows_affected() as i64)
}

/// Whether this database has `auth.users` (a separate app database has not).
pub async fn auth_users_exist(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select to_regclass('auth.users') is not null")
        .fetch_one(pool)
        .await
}

/// How many users `auth.users` holds, for progress.
pub async fn count_auth_users(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("select count(*) from auth.users")
        .fetch_one(pool)
        .await
}

/// The database's clock, so "before this run" compares times from one clock.
pub async fn now(pool: &PgPool) -> Result<chrono::DateTime<chrono::Utc>, sqlx::Error> {
    sqlx::query_scalar("select now()").fetch_one(pool).await
}

struct BatchRow {
    effects: Effects,
    users: i64,
    last_id: Option<Uuid>,
}
from_row!(BatchRow {
    effects: flatten,
    users,
    last_id
});

impl From<BatchRow> for Batch {
    fn from(row: BatchRow) -> Self {
        Self {
            effects: row.effects,
            users: row.users,
            last_id: row.last_id,
        }
    }
}
