//! Writing user states into `public.users`, through the one SQL function that holds the
//! convergence rule (shared with the `auth.users` trigger).

use sqlx::PgConnection;

use crate::domain::{MirrorEffect, UserState};

/// Applies one state with `auth_mirror.apply_user_state`.
pub async fn apply_user_state(
    connection: &mut PgConnection,
    state: &UserState,
) -> Result<MirrorEffect, sqlx::Error> {
    let effect: String = sqlx::query_scalar(
        "select auth_mirror.apply_user_state($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(state.id)
    .bind(&state.email)
    .bind(&state.phone)
    .bind(state.is_anonymous)
    .bind(&state.user_metadata)
    .bind(&state.app_metadata)
    .bind(state.email_confirmed_at)
    .bind(state.created_at)
    .bind(state.version.map(|version| version.time()))
    .bind(state.deleted_at)
    .bind(state.removed)
    .fetch_one(connection)
    .await?;
    MirrorEffect::from_sql(&effect).ok_or_else(|| {
        sqlx::Error::Decode(
            format!("apply_user_state returned an unknown effect {effect:?}").into(),
        )
    })
}
