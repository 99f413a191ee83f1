//! A failing mirror never blocks Supabase Auth; where the trigger is installed and who may run it.

use auth_mirror::store;
use sqlx::PgPool;

use super::{supabase_database, trigger_errors, T1};
use crate::helpers::{as_auth_admin, mirror_row, Setup, Signup, TestDatabase};

#[tokio::test]
async fn failing_mirror_lets_the_signup_commit_and_records_the_error() {
    let db = supabase_database().await;
    sqlx::query(
        "alter table public.users add constraint test_rejects_blocked \
         check (email is distinct from 'blocked@example.com')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let signup = Signup::email("blocked@example.com", T1);

    as_auth_admin(&db.pool, &signup.sql()).await;

    let committed: bool =
        sqlx::query_scalar("select exists (select 1 from auth.users where id = $1)")
            .bind(signup.id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert!(committed, "the auth insert must commit");
    assert_eq!(mirror_row(&db.pool, signup.id).await, None);
    assert_eq!(
        trigger_errors(&db.pool).await,
        vec![(Some(signup.id), "INSERT".to_owned(), "23514".to_owned())]
    );
}

/// The mirror triggers on `auth.users`, by name.
async fn mirror_triggers(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select tgname::text from pg_trigger \
          where tgfoid = 'auth_mirror.mirror_auth_user()'::regprocedure order by tgname",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn trigger_is_installed_only_where_auth_users_exists_and_migrating_again_is_harmless() {
    let plain = TestDatabase::create(Setup {
        supabase_shaped: false,
        migrated: true,
    })
    .await;
    let supabase = supabase_database().await;

    store::migrate::run(&plain.pool)
        .await
        .expect("re-migrate plain");
    store::migrate::run(&supabase.pool)
        .await
        .expect("re-migrate supabase");

    let has_auth_users: bool = sqlx::query_scalar("select to_regclass('auth.users') is not null")
        .fetch_one(&plain.pool)
        .await
        .unwrap();
    assert!(!has_auth_users);
    assert!(mirror_triggers(&plain.pool).await.is_empty());
    assert_eq!(
        mirror_triggers(&supabase.pool).await,
        [
            "auth_mirror_user_deleted",
            "auth_mirror_user_inserted",
            "auth_mirror_user_updated"
        ]
    );
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&supabase.pool, &signup.sql()).await;
    assert!(mirror_row(&supabase.pool, signup.id).await.is_some());
}

#[tokio::test]
async fn mirror_functions_are_closed_to_api_roles_and_auth_admin_has_no_rights_on_public() {
    let db = supabase_database().await;

    for (function, security_definer) in [
        ("auth_mirror.mirror_auth_user()", true),
        (
            "auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, \
             timestamptz, timestamptz, timestamptz, boolean)",
            false,
        ),
        ("auth_mirror.record_trigger_error(uuid, text, text)", false),
    ] {
        let (definer, config, public, anon, authenticated): (bool, Vec<String>, bool, bool, bool) =
            sqlx::query_as(
                "select p.prosecdef, p.proconfig, \
                        exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a \
                                 where a.grantee = 0 and a.privilege_type = 'EXECUTE'), \
                        has_function_privilege('anon', p.oid, 'EXECUTE'), \
                        has_function_privilege('authenticated', p.oid, 'EXECUTE') \
                   from pg_proc p where p.oid = $1::regprocedure",
            )
            .bind(function)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(definer, security_definer, "{function}: SECURITY DEFINER");
        assert_eq!(config, [r#"search_path="""#], "{function}");
        assert_eq!(
            (public, anon, authenticated),
            (false, false, false),
            "{function}"
        );
    }
    // USAGE on public comes from PUBLIC, as on Supabase; no table of it is writable.
    let (table, schema, private): (bool, bool, bool) = sqlx::query_as(
        "select has_table_privilege('supabase_auth_admin', 'public.users', \
                    'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'), \
                has_schema_privilege('supabase_auth_admin', 'public', 'CREATE'), \
                has_schema_privilege('supabase_auth_admin', 'auth_mirror', 'USAGE, CREATE')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!((table, schema, private), (false, false, false));
}

#[tokio::test]
async fn the_trigger_is_installed_when_auth_users_appears_after_the_first_migrate() {
    let db = TestDatabase::create(Setup {
        supabase_shaped: false,
        migrated: true,
    })
    .await;
    assert!(mirror_triggers(&db.pool).await.is_empty());

    store::bootstrap::apply_supabase_fixture(&db.pool)
        .await
        .expect("auth.users appears");
    store::migrate::run(&db.pool).await.expect("migrate again");

    assert_eq!(mirror_triggers(&db.pool).await.len(), 3);
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;
    assert!(mirror_row(&db.pool, signup.id).await.is_some());
}
