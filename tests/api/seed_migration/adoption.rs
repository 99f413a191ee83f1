//! The seed recipe's `public.users` is converted in place, keeping its rows, then mirrored into.

use auth_mirror::store::migrate;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::{column, seed_row, PRISMA_USERS, UNMIGRATED};
use crate::helpers::{mirror_row, spawn_app_with, Setup};
use crate::payloads::{hook, hook_user};

/// Unique indexes of public.users whose only key column is `email`.
async fn unique_email_indexes(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "select i.indexrelid::regclass::text from pg_index i \
           join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0] \
          where i.indrelid = 'public.users'::regclass and i.indisunique \
            and i.indnkeyatts = 1 and a.attname = 'email'",
    )
    .fetch_all(pool)
    .await
    .expect("read pg_index")
}

#[tokio::test]
async fn the_seed_recipes_users_table_is_converted_in_place_keeping_its_rows() {
    assert_seed_table_adopted(UNMIGRATED).await;
}

#[tokio::test]
async fn the_seed_recipes_users_table_is_converted_in_place_on_a_supabase_database() {
    assert_seed_table_adopted(Setup {
        migrated: false,
        ..Setup::default()
    })
    .await;
}

/// Creates the seed table with two rows in a database of `setup` (not migrated), migrates,
/// and checks the rows, the new shape and that hooks then mirror into it.
async fn assert_seed_table_adopted(setup: Setup) {
    let app = spawn_app_with(setup).await;
    let pool = &app.database.pool;
    sqlx::raw_sql(PRISMA_USERS).execute(pool).await.unwrap();
    let (ada, grace) = (Uuid::new_v4(), Uuid::new_v4());
    seed_row(
        pool,
        &ada.to_string(),
        "ada@example.com",
        json!({ "theme": "dark" }),
    )
    .await;
    seed_row(
        pool,
        &grace.to_string(),
        "grace@example.com",
        json!({ "theme": "light", "beta": true }),
    )
    .await;

    migrate::run(pool).await.expect("the seed table is adopted");

    let rows: Vec<(Uuid, Option<String>, Option<Value>)> =
        sqlx::query_as("select id, email, settings from public.users order by email")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![
            (
                ada,
                Some("ada@example.com".into()),
                Some(json!({ "theme": "dark" }))
            ),
            (
                grace,
                Some("grace@example.com".into()),
                Some(json!({ "theme": "light", "beta": true }))
            ),
        ]
    );
    assert_eq!(column(pool, "id").await.unwrap().0, "uuid");
    assert_eq!(column(pool, "email").await.unwrap().1, "YES");
    assert_eq!(unique_email_indexes(pool).await, Vec::<String>::new());
    let (row_security, lower_email_index): (bool, bool) = sqlx::query_as(
        "select c.relrowsecurity, exists (select 1 from pg_indexes \
                 where schemaname = 'public' and tablename = 'users' \
                   and indexdef like '%lower(email)%') \
           from pg_class c where c.oid = 'public.users'::regclass",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert!(row_security, "row level security is off");
    assert!(lower_email_index, "no index on lower(email)");
    for name in [
        "phone",
        "is_anonymous",
        "user_metadata",
        "app_metadata",
        "email_confirmed_at",
        "auth_created_at",
        "auth_updated_at",
        "deleted_at",
    ] {
        assert!(column(pool, name).await.is_some(), "column {name} missing");
    }

    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(ada, "ada@lovelace.org", "2024-05-01T10:00:00Z"),
    );
    let response = app.post_signed("/hooks/auth", &body).await;

    assert_eq!(response.status(), 200);
    let row = app.mirror_row(ada).await.expect("still there");
    assert_eq!(row["email"], "ada@lovelace.org");
    assert_eq!(row["settings"], json!({ "theme": "dark" }));
    assert_eq!(row["user_metadata"], json!({ "full_name": "Ada Lovelace" }));
    // Two users may now share an email (SSO), which the seed's unique index refused.
    let second = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(grace, "ada@lovelace.org", "2024-05-01T10:00:00Z"),
    );
    assert_eq!(app.post_signed("/hooks/auth", &second).await.status(), 200);
    let grace_row = mirror_row(pool, grace).await.expect("still there");
    assert_eq!(grace_row.email.as_deref(), Some("ada@lovelace.org"));
    // A new user gets a row despite Prisma's updated_at having had no default.
    let newcomer = Uuid::new_v4();
    let signup = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(newcomer, "new@example.com", "2024-05-02T10:00:00Z"),
    );
    assert_eq!(app.post_signed("/hooks/auth", &signup).await.status(), 200);
    let new_row = mirror_row(pool, newcomer).await.expect("mirrored");
    assert_eq!(new_row.email.as_deref(), Some("new@example.com"));
    let statuses: Vec<String> = app
        .events()
        .await
        .into_iter()
        .map(|event| event.1)
        .collect();
    assert_eq!(statuses, vec!["applied"; 3]);
}
