//! The trigger, column by column: for every column `public.users` mirrors, an `auth.users`
//! UPDATE that changes that column alone reaches the mirror through the trigger, and changes
//! nothing else there. One test per column; `every_mirrored_column_has_a_case` reads the
//! columns from the catalog, so a column added to `public.users` later fails until it has
//! a case here (or is named in `NOT_MIRRORED`).

use serde_json::json;

use super::{supabase_database, trigger_errors, T1, T2};
use crate::helpers::{as_auth_admin, at, mirror_row, MirrorRow, Signup};

/// The columns of `public.users` that are not copied from `auth.users`: the key, the
/// application's own `settings`, and the row's timestamps.
const NOT_MIRRORED: [&str; 4] = ["id", "settings", "created_at", "updated_at"];

/// Earlier than `T1`: the earliest creation time seen is the one kept.
const T0: &str = "2024-04-30T09:00:00.000001Z";

/// Signs a user up (email, phone, metadata, not confirmed, at `T1`), then runs
/// `update auth.users set <set>` as Supabase Auth; the mirror row must become `expected` of
/// the row it was.
async fn changing_only(set: &str, expected: fn(MirrorRow) -> MirrorRow) {
    let db = supabase_database().await;
    let signup = Signup {
        phone: Some("15550001"),
        ..Signup::email("ada@example.com", T1)
    };
    as_auth_admin(&db.pool, &signup.sql()).await;
    let before = mirror_row(&db.pool, signup.id).await.expect("mirrored");

    as_auth_admin(
        &db.pool,
        &format!("update users set {set} where id = '{}'", signup.id),
    )
    .await;

    let after = mirror_row(&db.pool, signup.id).await.expect("mirrored");
    assert_eq!(after, expected(before), "set {set}");
    assert!(trigger_errors(&db.pool).await.is_empty());
}

/// `column: SET clause => the mirror row expected from the one before`; one test each.
macro_rules! column_cases {
    ($($column:ident: $set:expr => $expected:expr;)+) => {
        /// The mirrored columns that have a case.
        const CASES: &[&str] = &[$(stringify!($column)),+];
        $(
            #[tokio::test]
            async fn $column() {
                changing_only(&$set, $expected).await;
            }
        )+
    };
}

column_cases! {
    email: "email = 'grace@example.com'"
        => |row| MirrorRow { email: Some("grace@example.com".into()), ..row };
    phone: "phone = '15559999'"
        => |row| MirrorRow { phone: Some("15559999".into()), ..row };
    is_anonymous: "is_anonymous = true"
        => |row| MirrorRow { is_anonymous: true, ..row };
    user_metadata: r#"raw_user_meta_data = '{"name": "Grace", "plan": "pro"}'"#
        => |row| MirrorRow { user_metadata: Some(json!({"name": "Grace", "plan": "pro"})), ..row };
    app_metadata: r#"raw_app_meta_data = '{"provider": "github", "providers": ["github"]}'"#
        => |row| MirrorRow {
            app_metadata: Some(json!({"provider": "github", "providers": ["github"]})),
            ..row
        };
    email_confirmed_at: format!("email_confirmed_at = '{T2}'")
        => |row| MirrorRow { email_confirmed_at: Some(at(T2)), ..row };
    auth_created_at: format!("created_at = '{T0}'")
        => |row| MirrorRow { auth_created_at: Some(at(T0)), ..row };
    // `updated_at` alone is what a sign-in changes (with `last_sign_in_at`): the UPDATE
    // trigger's WHEN clause leaves it out on purpose, so the mirror is not written. The
    // version reaches the mirror with every change of another column.
    auth_updated_at: format!("updated_at = '{T2}'")
        => |row| row;
    // A soft delete: the row becomes a tombstone, without personal data.
    deleted_at: format!("deleted_at = '{T2}'")
        => |row| MirrorRow {
            email: None,
            phone: None,
            user_metadata: None,
            app_metadata: None,
            email_confirmed_at: None,
            deleted_at: Some(at(T2)),
            ..row
        };
}

#[tokio::test]
async fn every_mirrored_column_has_a_case() {
    let db = supabase_database().await;

    let mirrored: Vec<String> = sqlx::query_scalar(
        "select attname::text from pg_attribute \
          where attrelid = 'public.users'::regclass and attnum > 0 and not attisdropped \
            and attname <> all($1) \
          order by attname",
    )
    .bind(NOT_MIRRORED)
    .fetch_all(&db.pool)
    .await
    .expect("read public.users' columns");

    let mut cases: Vec<&str> = CASES.to_vec();
    cases.sort_unstable();
    assert_eq!(
        mirrored, cases,
        "every mirrored column of public.users needs a case in tests/api/trigger/columns.rs \
         (or, if auth-mirror does not copy it from auth.users, a place in NOT_MIRRORED)"
    );
}
