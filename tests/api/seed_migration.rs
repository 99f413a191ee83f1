//! The migrations against a database that already holds the seed recipe's Prisma
//! `public.users`, and what they leave in `public` on a fresh one.

use auth_mirror::store::migrate;
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::{mirror_row, spawn_app_with, Setup, TestDatabase};
use crate::payloads::{hook, hook_user};

/// The seed recipe's Prisma model (`id String @id`, `email String @unique`,
/// `settings Json?`, `createdAt`, `updatedAt`), as `prisma migrate` creates it.
const PRISMA_USERS: &str = "
    create table public.users (
        id text primary key,
        email text not null,
        settings jsonb,
        created_at timestamp(3) not null default current_timestamp,
        updated_at timestamp(3) not null
    );
    create unique index users_email_key on public.users(email);
";

const UNMIGRATED: Setup = Setup {
    supabase_shaped: false,
    migrated: false,
};

async fn seed_row(pool: &PgPool, id: &str, email: &str, settings: Value) {
    sqlx::query(
        "insert into public.users (id, email, settings, updated_at) \
         values ($1, $2, $3, current_timestamp)",
    )
    .bind(id)
    .bind(email)
    .bind(settings)
    .execute(pool)
    .await
    .expect("seed row");
}

async fn column(pool: &PgPool, name: &str) -> Option<(String, String)> {
    sqlx::query_as(
        "select data_type::text, is_nullable::text from information_schema.columns \
          where table_schema = 'public' and table_name = 'users' and column_name = $1",
    )
    .bind(name)
    .fetch_optional(pool)
    .await
    .expect("read information_schema.columns")
}

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

#[tokio::test]
async fn a_seed_table_with_an_id_that_is_not_a_uuid_stops_the_migration_with_an_explanation() {
    let db = TestDatabase::create(UNMIGRATED).await;
    sqlx::raw_sql(PRISMA_USERS).execute(&db.pool).await.unwrap();
    seed_row(
        &db.pool,
        &Uuid::new_v4().to_string(),
        "ada@example.com",
        json!({}),
    )
    .await;
    seed_row(
        &db.pool,
        "cuid_ckx1a2b3c0000",
        "grace@example.com",
        json!({}),
    )
    .await;

    let error = migrate::run(&db.pool)
        .await
        .expect_err("a non-uuid id cannot be adopted");

    let message = error.to_string();
    assert!(message.contains("uuid"), "{message}");
    assert!(message.contains("public.users"), "{message}");
    // Nothing of the seed table was changed.
    assert_eq!(column(&db.pool, "id").await.unwrap().0, "text");
    assert_eq!(column(&db.pool, "email").await.unwrap().1, "NO");
    let rows: i64 = sqlx::query_scalar("select count(*) from public.users")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn a_migrated_database_holds_no_table_of_ours_in_public_but_users() {
    for setup in [UNMIGRATED, Setup::default()] {
        let db = TestDatabase::create(Setup {
            migrated: false,
            ..setup
        })
        .await;

        migrate::run(&db.pool).await.expect("migrate");
        // Running again (every deploy's release command) changes nothing.
        migrate::run(&db.pool).await.expect("migrate again");

        let public: Vec<String> = sqlx::query_scalar(
            "select tablename::text from pg_tables where schemaname = 'public' order by 1",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(public, vec!["users"], "{setup:?}");
        let history: Vec<String> = sqlx::query_scalar(
            "select schemaname::text from pg_tables where tablename = '_sqlx_migrations'",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(history, vec!["auth_mirror"], "{setup:?}");
        let applied: i64 =
            sqlx::query_scalar("select count(*) from auth_mirror._sqlx_migrations where success")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(
            applied as usize,
            migrate::MIGRATOR.iter().count(),
            "{setup:?}"
        );
    }
}
