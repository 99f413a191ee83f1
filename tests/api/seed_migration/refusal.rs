//! A seed table that cannot be adopted stops the migration with an explanation, unchanged.

use auth_mirror::store::migrate;
use serde_json::json;
use uuid::Uuid;

use super::{column, seed_row, PRISMA_USERS, UNMIGRATED};
use crate::helpers::TestDatabase;

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

/// Migrates a seed table that `dependent` (SQL) depends on; returns the error message after
/// checking that the table was left as it was.
async fn refusal_with(dependent: &str) -> String {
    let db = TestDatabase::create(UNMIGRATED).await;
    sqlx::raw_sql(PRISMA_USERS).execute(&db.pool).await.unwrap();
    seed_row(
        &db.pool,
        &Uuid::new_v4().to_string(),
        "ada@example.com",
        json!({}),
    )
    .await;
    sqlx::raw_sql(dependent).execute(&db.pool).await.unwrap();

    let error = migrate::run(&db.pool)
        .await
        .expect_err("a dependent object pins users.id");

    assert_eq!(column(&db.pool, "id").await.unwrap().0, "text");
    assert_eq!(column(&db.pool, "email").await.unwrap().1, "NO");
    error.to_string()
}

#[tokio::test]
async fn a_foreign_key_onto_the_seed_tables_id_stops_the_migration_naming_it() {
    let message = refusal_with(
        "create table public.posts (id serial primary key, \
             author_id text constraint posts_author_fk references public.users (id))",
    )
    .await;

    assert!(message.contains("posts_author_fk"), "{message}");
    assert!(message.contains("foreign key"), "{message}");
}

#[tokio::test]
async fn a_view_over_the_seed_tables_id_stops_the_migration() {
    let message =
        refusal_with("create view public.user_ids as select id, email from public.users").await;

    assert!(message.contains("public.users.id"), "{message}");
    assert!(message.contains("uuid"), "{message}");
}
