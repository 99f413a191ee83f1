//! `reconcile --from database` on a mirror that drifted in every way it can; dry runs.

use sqlx::PgPool;
use uuid::Uuid;

use super::{
    database_url, in_transaction, mirror_snapshot, reconcile_ok, soft_delete_unmirrored, T1, T2,
};
use crate::helpers::{as_auth_admin, at, mirror_row, Setup, Signup, TestDatabase};

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
