//! Supabase exposes its API roles (`anon`, `authenticated`) to the internet through PostgREST:
//! none of auth-mirror's private tables, the console's sessions included, is theirs to read.

use crate::helpers::{spawn_admin_app, AdminSetup};

#[tokio::test]
async fn supabases_api_roles_reach_no_private_table_the_sessions_included() {
    let app = spawn_admin_app(AdminSetup::default()).await;

    let reachable: Vec<(String, String)> = sqlx::query_as(
        "select r.rolname::text, c.relname::text \
           from pg_class c join pg_namespace n on n.oid = c.relnamespace \
          cross join pg_roles r \
          where n.nspname = 'auth_mirror' and c.relkind in ('r', 'v', 'p') \
            and r.rolname in ('anon', 'authenticated') \
            and (has_schema_privilege(r.oid, n.oid, 'USAGE') \
                 or has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE'))",
    )
    .fetch_all(&app.database.pool)
    .await
    .unwrap();
    let roles: i64 = sqlx::query_scalar(
        "select count(*) from pg_roles where rolname in ('anon', 'authenticated')",
    )
    .fetch_one(&app.database.pool)
    .await
    .unwrap();
    let sessions: bool =
        sqlx::query_scalar("select to_regclass('auth_mirror.admin_sessions') is not null")
            .fetch_one(&app.database.pool)
            .await
            .unwrap();

    assert_eq!(roles, 2, "the test database has Supabase's roles");
    assert!(sessions);
    assert_eq!(reachable, vec![]);
}
