//! Who may write `public.users` through the convergence function: only those who may write the
//! table themselves (it runs as its caller), and the trigger, which runs as the owner.

use sqlx::PgPool;
use uuid::Uuid;

use super::{supabase_database, T1};
use crate::helpers::{as_auth_admin, mirror_row, Signup};

const APPLY_USER_STATE: &str = "auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, \
     jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean)";

/// A role of its own (roles are cluster-wide; tests share the cluster), dropped by `drop`.
struct Caller {
    name: String,
}

impl Caller {
    /// A role that may call `apply_user_state` (a later `GRANT EXECUTE`, say) but has no
    /// right on `public.users`.
    async fn granted_execute_only(pool: &PgPool) -> Self {
        let name = format!("test_caller_{}", Uuid::new_v4().simple());
        sqlx::raw_sql(&format!(
            "create role {name} nologin; \
             grant usage on schema auth_mirror to {name}; \
             grant execute on function {APPLY_USER_STATE} to {name};"
        ))
        .execute(pool)
        .await
        .expect("create the caller role");
        Self { name }
    }

    async fn drop(self, pool: &PgPool) {
        sqlx::raw_sql(&format!("drop owned by {0}; drop role {0};", self.name))
            .execute(pool)
            .await
            .expect("drop the caller role");
    }
}

#[tokio::test]
async fn execute_on_apply_user_state_alone_does_not_allow_writing_public_users() {
    let db = supabase_database().await;
    let caller = Caller::granted_execute_only(&db.pool).await;
    let id = Uuid::new_v4();

    let mut transaction = db.pool.begin().await.unwrap();
    sqlx::raw_sql(&format!("set local role {}", caller.name))
        .execute(&mut *transaction)
        .await
        .unwrap();
    let result: Result<String, sqlx::Error> = sqlx::query_scalar(
        "select auth_mirror.apply_user_state($1, 'mallory@example.com', null, false, null, \
                null, null, $2, $2, null, false)",
    )
    .bind(id)
    .bind(crate::helpers::at(T1))
    .fetch_one(&mut *transaction)
    .await;
    transaction.rollback().await.unwrap();
    caller.drop(&db.pool).await;

    let error = result.expect_err("a caller without rights on public.users must not write it");
    let code = error.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("42501"), "{error}");
    assert_eq!(mirror_row(&db.pool, id).await, None);
}

#[tokio::test]
async fn apply_user_state_runs_as_its_caller_and_the_trigger_still_writes_as_the_owner() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);

    as_auth_admin(&db.pool, &signup.sql()).await;

    let (apply_definer, trigger_definer): (bool, bool) = sqlx::query_as(&format!(
        "select (select prosecdef from pg_proc where oid = '{APPLY_USER_STATE}'::regprocedure), \
                (select prosecdef from pg_proc \
                  where oid = 'auth_mirror.mirror_auth_user()'::regprocedure)"
    ))
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((apply_definer, trigger_definer), (false, true));
    assert!(mirror_row(&db.pool, signup.id).await.is_some());
    assert!(super::trigger_errors(&db.pool).await.is_empty());
}
