//! Soft and hard deletes in auth.users leave a tombstone without personal data.

use super::{supabase_database, trigger_errors, T1, T2};
use crate::helpers::{as_auth_admin, at, mirror_row, MirrorRow, Signup};

#[tokio::test]
async fn soft_delete_leaves_a_tombstone_without_personal_data() {
    let db = supabase_database().await;
    let signup = Signup {
        phone: Some("15550002222"),
        ..Signup::email("ada@example.com", T1)
    };
    as_auth_admin(&db.pool, &signup.sql()).await;

    // Supabase Auth's soft delete: hashes instead of email and phone, metadata emptied.
    as_auth_admin(
        &db.pool,
        &format!(
            "update users set email = encode(sha256(convert_to(email, 'UTF8')), 'hex'), \
                 phone = encode(sha256(convert_to(phone, 'UTF8')), 'hex'), \
                 raw_user_meta_data = '{{}}', raw_app_meta_data = '{{}}', \
                 encrypted_password = '', deleted_at = '{T2}', updated_at = '{T2}' \
              where id = '{}'",
            signup.id
        ),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("tombstone");
    assert_eq!(
        row,
        MirrorRow {
            id: signup.id,
            email: None,
            phone: None,
            is_anonymous: false,
            user_metadata: None,
            app_metadata: None,
            email_confirmed_at: None,
            auth_created_at: Some(at(T1)),
            auth_updated_at: Some(at(T2)),
            deleted_at: Some(at(T2)),
        }
    );
}

#[tokio::test]
async fn hard_delete_leaves_a_tombstone() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;

    as_auth_admin(
        &db.pool,
        &format!("delete from users where id = '{}'", signup.id),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("tombstone");
    assert_eq!(
        (row.email, row.phone, row.user_metadata),
        (None, None, None)
    );
    assert_eq!(row.deleted_at, Some(at(T1)));
    assert!(trigger_errors(&db.pool).await.is_empty());
}

#[tokio::test]
async fn setting_only_deleted_at_fires_the_trigger_and_leaves_a_tombstone() {
    let db = supabase_database().await;
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;

    // Nothing else changes: not the email, not updated_at.
    as_auth_admin(
        &db.pool,
        &format!(
            "update users set deleted_at = '{T2}' where id = '{}'",
            signup.id
        ),
    )
    .await;

    let row = mirror_row(&db.pool, signup.id).await.expect("tombstone");
    assert_eq!(row.deleted_at, Some(at(T2)));
    assert_eq!((row.email, row.user_metadata), (None, None));
    assert_eq!(row.auth_updated_at, Some(at(T1)));
}
