//! Signups (email, phone, anonymous), email changes and sign-ins, as the trigger mirrors them.

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use super::{supabase_database, trigger_errors, T1, T2, T3};
use crate::helpers::{as_auth_admin, at, begin_as_auth_admin, mirror_row, MirrorRow, Signup};

/// `xmin` and `updated_at` of the mirror row: they change whenever the row is written.
async fn row_write_marks(pool: &PgPool, id: Uuid) -> (String, chrono::DateTime<chrono::Utc>) {
    sqlx::query_as("select xmin::text, updated_at from public.users where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("mirror row")
}

#[tokio::test]
async fn email_signup_is_mirrored_once_and_the_role_update_does_not_write() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);

    let mut auth = begin_as_auth_admin(&db.pool).await;
    sqlx::raw_sql(&signup.sql())
        .execute(&mut *auth)
        .await
        .unwrap();
    // This transaction's own writes to public.users, trigger writes included.
    let (inserted, updated): (i64, i64) = sqlx::query_as(
        "select n_tup_ins, n_tup_upd from pg_stat_xact_user_tables \
          where schemaname = 'public' and relname = 'users'",
    )
    .fetch_one(&mut *auth)
    .await
    .unwrap();
    auth.commit().await.unwrap();

    assert_eq!(
        (inserted, updated),
        (1, 0),
        "the role update wrote the mirror"
    );
    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(
        row,
        MirrorRow {
            id: signup.id,
            email: Some("ada@example.com".into()),
            phone: None,
            is_anonymous: false,
            user_metadata: Some(json!({"name": "Ada"})),
            app_metadata: Some(json!({"provider": "email", "providers": ["email"]})),
            email_confirmed_at: None,
            auth_created_at: Some(at(T1)),
            auth_updated_at: Some(at(T1)),
            deleted_at: None,
        }
    );
    assert!(trigger_errors(&db.pool).await.is_empty());
}

#[tokio::test]
async fn phone_only_signup_is_mirrored_without_email() {
    let db = supabase_database().await;
    let signup = Signup {
        email: None,
        phone: Some("15550001111"),
        app_metadata: r#"{"provider": "phone", "providers": ["phone"]}"#,
        ..Signup::email("unused", T1)
    };

    as_auth_admin(&db.pool, &signup.sql()).await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(row.email, None);
    assert_eq!(row.phone.as_deref(), Some("15550001111"));
    assert_eq!(row.auth_updated_at, Some(at(T1)));
}

#[tokio::test]
async fn anonymous_user_upgraded_to_email_is_mirrored() {
    let db = supabase_database().await;
    let signup = Signup {
        email: None,
        is_anonymous: true,
        user_metadata: "{}",
        app_metadata: "{}",
        ..Signup::email("unused", T1)
    };
    as_auth_admin(&db.pool, &signup.sql()).await;
    let anonymous = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert!(anonymous.is_anonymous);
    assert_eq!((anonymous.email, anonymous.phone), (None, None));

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = 'upgraded@example.com', is_anonymous = false, \
                 raw_app_meta_data = '{{\"provider\": \"email\", \"providers\": [\"email\"]}}', \
                 updated_at = '{T2}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert!(!row.is_anonymous);
    assert_eq!(row.email.as_deref(), Some("upgraded@example.com"));
    assert_eq!(
        row.app_metadata,
        Some(json!({"provider": "email", "providers": ["email"]}))
    );
    assert_eq!(row.auth_created_at, Some(at(T1)));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
}

#[tokio::test]
async fn email_change_is_mirrored_when_confirmed() {
    let db = supabase_database().await;
    let signup = Signup::email("old@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;
    // Requesting the change touches only unmirrored columns.
    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email_change = 'new@example.com', \
                 email_change_token_new = 'secret-change-token', email_change_sent_at = '{T2}', \
                 updated_at = '{T2}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;
    let requested = mirror_row(&db.pool, signup.id).await.expect("mirrored");

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = email_change, email_change = '', \
                 email_change_token_new = '', updated_at = '{T3}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;

    assert_eq!(requested.email.as_deref(), Some("old@example.com"));
    assert_eq!(requested.auth_updated_at, Some(at(T1)));
    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("new@example.com"));
    assert_eq!(row.auth_updated_at, Some(at(T3)));
}

#[tokio::test]
async fn sign_in_does_not_write_the_mirror() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;
    let before = mirror_row(&db.pool, signup.id).await;
    let marks_before = row_write_marks(&db.pool, signup.id).await;

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set last_sign_in_at = '{T2}', updated_at = '{T2}' where id = '{}'",
            signup.id
        ),
    )
    .await;

    assert_eq!(mirror_row(&db.pool, signup.id).await, before);
    assert_eq!(row_write_marks(&db.pool, signup.id).await, marks_before);
}

#[tokio::test]
async fn empty_email_and_phone_in_auth_users_become_null_in_the_mirror() {
    let db = supabase_database().await;
    let signup = Signup {
        email: Some(""),
        phone: Some(""),
        ..Signup::email("unused", T1)
    };

    as_auth_admin(&db.pool, &signup.sql()).await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!((row.email, row.phone), (None, None));
    assert!(trigger_errors(&db.pool).await.is_empty());
}

/// An UPDATE goes through `apply_user_state` (the INSERT path has its own copy of the rule for
/// new users since 0014), and the HTTP path drops `""` before calling it: this is where the
/// function's own `""` to NULL is seen.
#[tokio::test]
async fn an_update_that_empties_email_and_phone_mirrors_null() {
    let db = supabase_database().await;
    let signup = Signup {
        phone: Some("15550003333"),
        ..Signup::email("ada@example.com", T1)
    };
    as_auth_admin(&db.pool, &signup.sql()).await;

    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = '', phone = '', updated_at = '{T2}' where id = '{}'",
            signup.id
        ),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!((row.email, row.phone), (None, None));
    assert_eq!(row.auth_updated_at, Some(at(T2)));
    assert!(trigger_errors(&db.pool).await.is_empty());
}

#[tokio::test]
async fn a_row_without_a_real_version_never_writes_the_mirror() {
    let db = supabase_database().await;
    let placeholder = Signup::email("ada@example.com", "0001-01-01T00:00:00Z");
    let versioned = Signup::email("grace@example.com", T1);
    as_auth_admin(&db.pool, &versioned.sql()).await;
    let before = mirror_row(&db.pool, versioned.id).await;

    as_auth_admin(&db.pool, &placeholder.sql()).await;
    // A later state of an existing user without a version (updated_at back to the placeholder).
    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = 'changed@example.com', updated_at = '0001-01-01' \
              where id = '{}'",
            versioned.id
        ),
    )
    .await;

    assert_eq!(mirror_row(&db.pool, placeholder.id).await, None);
    assert_eq!(mirror_row(&db.pool, versioned.id).await, before);
    assert!(trigger_errors(&db.pool).await.is_empty());
}
