//! `reconcile --from database` on users that predate auth-mirror, as hosted Supabase's
//! non-superuser project owner.

use uuid::Uuid;

use super::{
    auth_mirror, database_url, in_transaction, reconcile_ok, soft_delete_unmirrored, stderr, T1, T2,
};
use crate::helpers::{as_auth_admin, at, mirror_row, MirrorRow, Setup, Signup, TestDatabase};

/// A role like the `postgres` role of hosted Supabase: not a superuser, owns what
/// `auth-mirror migrate` creates, may read `auth.users` but not write it.
async fn project_owner(db: &TestDatabase) -> String {
    let role = format!("owner_{}", Uuid::new_v4().simple());
    sqlx::raw_sql(&format!(
        "create role {role} login nosuperuser nocreatedb nocreaterole nobypassrls;
         grant create on database \"{db}\" to {role};
         grant usage, create on schema public to {role};
         grant usage on schema auth to {role};
         grant select on auth.users to {role};",
        db = db.name
    ))
    .execute(&db.pool)
    .await
    .expect("create the project owner role");
    role
}

#[tokio::test]
async fn users_created_before_auth_mirror_existed_are_mirrored_by_a_non_superuser_owner() {
    let db = TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await;
    let ada = Signup::email("ada@example.com", T1);
    let phone = Signup {
        email: None,
        phone: Some("15550001111"),
        ..Signup::email("", T1)
    };
    let anonymous = Signup {
        email: None,
        is_anonymous: true,
        ..Signup::email("", T1)
    };
    let gone = Signup::email("gone@example.com", T1);
    let mut others = Vec::new();
    for index in 0..4 {
        others.push(format!("user{index}@example.com"));
    }
    let others: Vec<Signup> = others
        .iter()
        .map(|email| Signup::email(email, T1))
        .collect();
    for signup in [&ada, &phone, &anonymous, &gone].into_iter().chain(&others) {
        as_auth_admin(&db.pool, &signup.sql()).await;
    }
    in_transaction(&db.pool, &soft_delete_unmirrored(gone.id, T2)).await;
    let url = database_url(&db, &project_owner(&db).await);

    let migrated = auth_mirror(&url, &["migrate"], &[]).await;
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let output = auth_mirror(&url, &["reconcile", "--batch-size", "3"], &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let report = super::stdout(&output).trim_end().to_owned();

    assert_eq!(
        report,
        "8 users read: 7 created, 0 updated, 0 unchanged, 1 tombstoned; \
         0 trigger error(s) resolved"
    );
    assert_eq!(
        mirror_row(&db.pool, ada.id).await,
        Some(MirrorRow {
            id: ada.id,
            email: Some("ada@example.com".into()),
            phone: None,
            is_anonymous: false,
            user_metadata: Some(serde_json::json!({"name": "Ada"})),
            app_metadata: Some(serde_json::json!({"provider": "email", "providers": ["email"]})),
            email_confirmed_at: None,
            auth_created_at: Some(at(T1)),
            auth_updated_at: Some(at(T1)),
            deleted_at: None,
        })
    );
    let phone_row = mirror_row(&db.pool, phone.id).await.expect("phone user");
    assert_eq!(
        (phone_row.email, phone_row.phone),
        (None, Some("15550001111".into()))
    );
    assert!(
        mirror_row(&db.pool, anonymous.id)
            .await
            .expect("anonymous")
            .is_anonymous
    );
    let tombstone = mirror_row(&db.pool, gone.id).await.expect("tombstone");
    assert_eq!(
        (tombstone.email, tombstone.deleted_at),
        (None, Some(at(T2)))
    );
    for signup in &others {
        assert!(mirror_row(&db.pool, signup.id).await.is_some());
    }
    // Standard error is not a terminal here: plain progress lines, no progress bar.
    let progress = stderr(&output);
    assert!(progress.contains("reconcile: users: "), "{progress}");
    assert!(
        !progress.contains('\u{1b}'),
        "terminal escapes in: {progress}"
    );

    let again = reconcile_ok(&url, &[]).await;
    assert_eq!(
        again,
        "8 users read: 0 created, 0 updated, 8 unchanged, 0 tombstoned; \
         0 trigger error(s) resolved"
    );
}
