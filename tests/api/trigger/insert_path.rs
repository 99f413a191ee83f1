//! The INSERT trigger's own path (migrations/0014, 0019): a new live user is inserted directly;
//! a user the mirror already holds, and an inserted deletion, still go through the rule.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{supabase_database, trigger_errors, T1, T2};
use crate::helpers::{as_auth_admin, at, mirror_row, MirrorRow, Signup};

/// Mirrors a state of user `id` the way the HTTP path does, before auth.users has the user.
async fn mirrored_by_http(pool: &PgPool, id: Uuid, email: &str, version: &str) {
    let effect: String = sqlx::query_scalar(
        "select auth_mirror.apply_user_state($1, $2, null, false, '{\"name\": \"Old\"}', \
                null, null, $3, $3, null, false)",
    )
    .bind(id)
    .bind(email)
    .bind(at(version))
    .fetch_one(pool)
    .await
    .expect("apply_user_state");
    assert_eq!(effect, "inserted");
}

#[tokio::test]
async fn an_insert_for_a_user_already_mirrored_with_an_older_state_applies_the_newer_one() {
    let db = supabase_database().await;
    let signup = Signup::email("new@example.com", T2);
    mirrored_by_http(&db.pool, signup.id, "old@example.com", T1).await;

    as_auth_admin(&db.pool, &signup.sql()).await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("new@example.com"));
    assert_eq!(row.user_metadata, Some(json!({"name": "Ada"})));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
    // The earliest real creation time seen stays.
    assert_eq!(row.auth_created_at, Some(at(T1)));
    assert!(trigger_errors(&db.pool).await.is_empty());
}

#[tokio::test]
async fn an_insert_for_a_user_already_mirrored_with_a_newer_state_changes_nothing() {
    let db = supabase_database().await;
    let signup = Signup::email("older@example.com", T1);
    mirrored_by_http(&db.pool, signup.id, "newer@example.com", T2).await;
    let before = mirror_row(&db.pool, signup.id).await.expect("mirrored");

    as_auth_admin(&db.pool, &signup.sql()).await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("newer@example.com"));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
    // Only the earlier creation time of the stale state counts.
    assert_eq!(
        row,
        MirrorRow {
            auth_created_at: Some(at(T1)),
            ..before
        }
    );
}

#[tokio::test]
async fn an_auth_user_inserted_already_deleted_is_mirrored_as_a_tombstone() {
    let db = supabase_database().await;
    let id = Uuid::new_v4();

    as_auth_admin(
        &db.pool,
        &format!(
            "insert into users (instance_id, id, aud, role, email, raw_user_meta_data, \
                 raw_app_meta_data, created_at, updated_at, deleted_at) \
             values ('00000000-0000-0000-0000-000000000000', '{id}', 'authenticated', \
                 'authenticated', 'gone@example.com', '{{\"name\": \"Gone\"}}', '{{}}', \
                 '{T1}', '{T2}', '{T2}')"
        ),
    )
    .await;

    assert_eq!(
        mirror_row(&db.pool, id).await,
        Some(MirrorRow {
            id,
            email: None,
            phone: None,
            is_anonymous: false,
            user_metadata: None,
            app_metadata: None,
            email_confirmed_at: None,
            auth_created_at: Some(at(T1)),
            auth_updated_at: Some(at(T2)),
            deleted_at: Some(at(T2)),
        })
    );
}

#[tokio::test]
async fn a_placeholder_creation_time_is_not_mirrored() {
    let db = supabase_database().await;
    let id = Uuid::new_v4();

    as_auth_admin(
        &db.pool,
        &format!(
            "insert into users (instance_id, id, aud, role, email, created_at, updated_at) \
             values ('00000000-0000-0000-0000-000000000000', '{id}', 'authenticated', \
                 'authenticated', 'ada@example.com', '0001-01-01T00:00:00Z', '{T1}')"
        ),
    )
    .await;

    let row = mirror_row(&db.pool, id).await.expect("mirrored");
    assert_eq!(row.auth_created_at, None);
    assert_eq!(row.auth_updated_at, Some(at(T1)));
    assert_eq!(row.email.as_deref(), Some("ada@example.com"));
}

/// An application's own unique index on `public.users`: a state it rejects is not mirrored.
async fn add_unique_lower_email_index(pool: &PgPool) {
    sqlx::query("create unique index test_users_lower_email_key on public.users (lower(email))")
        .execute(pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_signup_that_violates_an_applications_unique_index_commits_and_records_the_error() {
    let db = supabase_database().await;
    add_unique_lower_email_index(&db.pool).await;
    let first = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &first.sql()).await;
    // auth.users' own unique index on email is case-sensitive: Supabase Auth lets this in.
    let second = Signup::email("ADA@example.com", T2);

    as_auth_admin(&db.pool, &second.sql()).await;

    assert!(mirror_row(&db.pool, first.id).await.is_some());
    assert_eq!(mirror_row(&db.pool, second.id).await, None);
    assert_eq!(
        trigger_errors(&db.pool).await,
        vec![(Some(second.id), "INSERT".to_owned(), "23505".to_owned())]
    );
}

#[tokio::test]
async fn an_update_that_violates_an_applications_unique_index_commits_and_records_the_error() {
    let db = supabase_database().await;
    add_unique_lower_email_index(&db.pool).await;
    let ada = Signup::email("ada@example.com", T1);
    let bob = Signup::email("bob@example.com", T1);
    as_auth_admin(&db.pool, &format!("{} {}", ada.sql(), bob.sql())).await;

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = 'ADA@example.com', updated_at = '{T2}' where id = '{}'",
            bob.id
        ),
    )
    .await;

    let email: String = sqlx::query_scalar("select email from auth.users where id = $1")
        .bind(bob.id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(email, "ADA@example.com", "the auth update must commit");
    let row = mirror_row(&db.pool, bob.id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("bob@example.com"));
    assert_eq!(
        trigger_errors(&db.pool).await,
        vec![(Some(bob.id), "UPDATE".to_owned(), "23505".to_owned())]
    );
}
