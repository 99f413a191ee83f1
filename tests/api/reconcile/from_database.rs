//! `reconcile --from database`: users that predate auth-mirror, a drifted mirror, dry runs.

use sqlx::PgPool;
use uuid::Uuid;

use super::{auth_mirror, database_url, mirror_snapshot, reconcile_ok, stderr, T1, T2};
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

/// Supabase Auth's soft delete of `id` at `at`, with every trigger of this session off
/// (as if the mirror trigger had not existed).
fn soft_delete_unmirrored(id: Uuid, at: &str) -> String {
    format!(
        "set local session_replication_role = replica;
         update auth.users set email = encode(sha256(convert_to(email, 'UTF8')), 'hex'),
                raw_user_meta_data = '{{}}', raw_app_meta_data = '{{}}',
                deleted_at = '{at}', updated_at = '{at}'
          where id = '{id}';"
    )
}

async fn in_transaction(pool: &PgPool, statements: &str) {
    let mut transaction = pool.begin().await.expect("begin");
    sqlx::raw_sql(statements)
        .execute(&mut *transaction)
        .await
        .expect("statements");
    transaction.commit().await.expect("commit");
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
    let report = reconcile_ok(&url, &["--batch-size", "3"]).await;

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

    let again = reconcile_ok(&url, &[]).await;
    assert_eq!(
        again,
        "8 users read: 0 created, 0 updated, 8 unchanged, 0 tombstoned; \
         0 trigger error(s) resolved"
    );
}

/// A mirror that drifted from auth.users in every way it can, with `settings` set.
struct Drifted {
    db: TestDatabase,
    missing: Signup<'static>,
    edited: Signup<'static>,
    orphaned: Signup<'static>,
    soft_deleted: Signup<'static>,
    intact: Signup<'static>,
}

async fn drifted_mirror() -> Drifted {
    let db = TestDatabase::create(Setup::default()).await;
    let drifted = Drifted {
        missing: Signup::email("missing@example.com", T1),
        edited: Signup::email("edited@example.com", T1),
        orphaned: Signup::email("orphaned@example.com", T1),
        soft_deleted: Signup::email("soft@example.com", T1),
        intact: Signup::email("intact@example.com", T1),
        db,
    };
    for signup in [
        &drifted.missing,
        &drifted.edited,
        &drifted.orphaned,
        &drifted.soft_deleted,
        &drifted.intact,
    ] {
        // The trigger mirrors each signup.
        as_auth_admin(&drifted.db.pool, &signup.sql()).await;
    }
    in_transaction(
        &drifted.db.pool,
        &format!(
            "delete from public.users where id = '{missing}';
             insert into auth_mirror.trigger_errors (user_id, operation, sqlstate)
                  values ('{missing}', 'INSERT', '57014');
             update public.users set email = 'typo@example.com', user_metadata = '{{}}',
                    settings = '{{\"theme\": \"dark\"}}' where id = '{edited}';
             update public.users set settings = '{{\"plan\": \"pro\"}}' where id = '{intact}';
             set local session_replication_role = replica;
             delete from auth.users where id = '{orphaned}';",
            missing = drifted.missing.id,
            edited = drifted.edited.id,
            intact = drifted.intact.id,
            orphaned = drifted.orphaned.id,
        ),
    )
    .await;
    in_transaction(
        &drifted.db.pool,
        &soft_delete_unmirrored(drifted.soft_deleted.id, T2),
    )
    .await;
    drifted
}

async fn settings(pool: &PgPool, id: Uuid) -> Option<serde_json::Value> {
    sqlx::query_scalar("select settings from public.users where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("read settings")
}

async fn unresolved_trigger_errors(pool: &PgPool) -> i64 {
    sqlx::query_scalar("select count(*) from auth_mirror.trigger_errors where resolved_at is null")
        .fetch_one(pool)
        .await
        .expect("count trigger errors")
}

#[tokio::test]
async fn a_drifted_mirror_is_repaired_and_settings_are_kept() {
    let drifted = drifted_mirror().await;
    let pool = &drifted.db.pool;
    let url = database_url(&drifted.db, "postgres");

    let report = reconcile_ok(&url, &["--batch-size", "2"]).await;

    assert_eq!(
        report,
        "4 users read: 1 created, 1 updated, 1 unchanged, 2 tombstoned; \
         1 trigger error(s) resolved"
    );
    assert_eq!(unresolved_trigger_errors(pool).await, 0);
    let missing = mirror_row(pool, drifted.missing.id)
        .await
        .expect("re-created");
    assert_eq!(missing.email.as_deref(), Some("missing@example.com"));
    let edited = mirror_row(pool, drifted.edited.id)
        .await
        .expect("edited row");
    assert_eq!(
        (edited.email.as_deref(), edited.user_metadata),
        (
            Some("edited@example.com"),
            Some(serde_json::json!({"name": "Ada"}))
        )
    );
    assert_eq!(
        settings(pool, drifted.edited.id).await,
        Some(serde_json::json!({"theme": "dark"}))
    );
    assert_eq!(
        settings(pool, drifted.intact.id).await,
        Some(serde_json::json!({"plan": "pro"}))
    );
    let orphaned = mirror_row(pool, drifted.orphaned.id)
        .await
        .expect("tombstone");
    assert_eq!(
        (orphaned.email, orphaned.user_metadata, orphaned.deleted_at),
        (None, None, Some(at(T1)))
    );
    let soft = mirror_row(pool, drifted.soft_deleted.id)
        .await
        .expect("tombstone");
    assert_eq!((soft.email, soft.deleted_at), (None, Some(at(T2))));
}

#[tokio::test]
async fn a_dry_run_counts_what_a_real_run_does_and_changes_nothing() {
    let drifted = drifted_mirror().await;
    let pool = &drifted.db.pool;
    let url = database_url(&drifted.db, "postgres");
    let before = mirror_snapshot(pool).await;

    let dry = reconcile_ok(&url, &["--dry-run", "--batch-size", "2"]).await;

    assert_eq!(
        dry,
        "dry run, nothing written: 4 users read: 1 created, 1 updated, 1 unchanged, \
         2 tombstoned; 1 trigger error(s) would be resolved"
    );
    assert_eq!(mirror_snapshot(pool).await, before);
    assert_eq!(unresolved_trigger_errors(pool).await, 1);
    let real = reconcile_ok(&url, &["--batch-size", "2"]).await;
    assert_eq!(
        real,
        "4 users read: 1 created, 1 updated, 1 unchanged, 2 tombstoned; \
         1 trigger error(s) resolved"
    );
}
