//! Shutdown stops a background reconcile (`Runs::stop`, which the composition root calls
//! after the HTTP server has drained): the run is marked `interrupted` and its lock is free.

use std::time::Duration;

use auth_mirror::admin::reconcile::RunState;
use auth_mirror::reconcile::database::Options;
use auth_mirror::reconcile::runs::Runs;

use crate::helpers::{as_auth_admin, Setup, Signup, TestDatabase};

#[tokio::test]
async fn stopping_interrupts_a_running_reconcile_and_frees_its_lock() {
    let db = TestDatabase::create(Setup::default()).await;
    let signup = Signup::email("ada@example.com", "2024-05-01T10:00:00Z");
    as_auth_admin(&db.pool, &signup.sql()).await;
    sqlx::query("update public.users set email = 'drift@example.com' where id = $1")
        .bind(signup.id)
        .execute(&db.pool)
        .await
        .unwrap();
    // Hold the drifted row: the reconcile blocks on it, mid-batch, until it is stopped.
    let mut blocker = db.pool.begin().await.unwrap();
    sqlx::query("select 1 from public.users where id = $1 for update")
        .bind(signup.id)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let runs = Runs::default();
    let options = Options {
        batch_size: 100,
        jobs: 1,
        dry_run: false,
    };
    let run = runs.start(db.pool.clone(), options).await.expect("started");

    tokio::time::timeout(Duration::from_secs(10), runs.stop())
        .await
        .expect("stop does not wait for the blocked batch");

    let run = runs.get(run.id).expect("still known");
    assert_eq!(run.state, RunState::Failed, "{run:?}");
    assert_eq!(run.error.as_ref().unwrap().code, "interrupted");
    assert!(run.finished_at.is_some());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match auth_mirror::reconcile::lock(&db.pool).await {
            Ok(lock) => break lock.release().await.unwrap(),
            Err(error) => assert!(
                tokio::time::Instant::now() < deadline,
                "the lock outlived the stopped run: {error}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    blocker.rollback().await.unwrap();
    let email: Option<String> = sqlx::query_scalar("select email from public.users where id = $1")
        .bind(signup.id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        email.as_deref(),
        Some("drift@example.com"),
        "the blocked batch rolled back"
    );
}
