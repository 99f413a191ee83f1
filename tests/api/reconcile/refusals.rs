//! One reconcile at a time per database; failures exit non-zero with a clear message.

use std::time::Duration;

use super::{auth_mirror, database_url, reconcile_ok, stderr, T1};
use crate::helpers::{as_auth_admin, Setup, Signup, TestDatabase};

#[tokio::test]
async fn a_second_reconcile_is_refused_while_one_runs() {
    let db = TestDatabase::create(Setup::default()).await;
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&db.pool, &signup.sql()).await;
    sqlx::query("update public.users set email = 'drift@example.com' where id = $1")
        .bind(signup.id)
        .execute(&db.pool)
        .await
        .unwrap();
    let url = database_url(&db, "postgres");
    // Hold the drifted row: the first reconcile blocks on it while holding the lock.
    let mut blocker = db.pool.begin().await.unwrap();
    sqlx::query("select 1 from public.users where id = $1 for update")
        .bind(signup.id)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let first_url = url.clone();
    let first = tokio::spawn(async move { reconcile_ok(&first_url, &[]).await });
    wait_for_reconcile_lock(&db).await;

    let second = auth_mirror(&url, &["reconcile"], &[]).await;

    assert!(!second.status.success());
    assert!(
        stderr(&second).contains("another reconcile is already running on this database"),
        "{}",
        stderr(&second)
    );
    blocker.rollback().await.unwrap();
    assert_eq!(
        first.await.unwrap(),
        "1 users read: 0 created, 1 updated, 0 unchanged, 0 tombstoned; \
         0 trigger error(s) resolved"
    );
}

/// Waits until some session holds an advisory lock in `db`.
async fn wait_for_reconcile_lock(db: &TestDatabase) {
    for _ in 0..300 {
        let held: bool = sqlx::query_scalar(
            "select exists (select 1 from pg_locks where locktype = 'advisory' and granted \
               and database = (select oid from pg_database where datname = current_database()))",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        if held {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the first reconcile never took its lock");
}

#[tokio::test]
async fn reconcile_on_an_unmigrated_database_says_to_migrate_first() {
    let db = TestDatabase::create(Setup {
        supabase_shaped: true,
        migrated: false,
    })
    .await;

    let output = auth_mirror(&database_url(&db, "postgres"), &["reconcile"], &[]).await;

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("run `auth-mirror migrate` first"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn reconcile_from_a_database_without_auth_users_says_to_use_the_admin_api() {
    let db = TestDatabase::create(Setup {
        supabase_shaped: false,
        migrated: true,
    })
    .await;

    let output = auth_mirror(&database_url(&db, "postgres"), &["reconcile"], &[]).await;

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("reconcile it with `auth-mirror reconcile --from admin-api`"),
        "{}",
        stderr(&output)
    );
}
