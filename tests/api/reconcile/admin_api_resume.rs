//! `reconcile --from admin-api`: resuming after an interruption, failed listings (which
//! tombstone nobody), dry runs, refused keys.

use uuid::Uuid;

use super::admin_api_listing::{
    api_users, assert_key_never_printed, mirror, mirror_database, reconcile_from, service_role_key,
};
use super::gotrue::{Fault, GoTrue};
use super::{mirror_snapshot, stderr, stdout};
use crate::helpers::mirror_row;

#[tokio::test]
async fn an_interrupted_listing_resumes_where_it_stopped() {
    let db = mirror_database().await;
    let users = api_users(5);
    let gotrue = GoTrue::start(users.iter().map(|(_, user)| user.clone()).collect()).await;
    gotrue.fault(2, Fault::ServerError);
    gotrue.fault(3, Fault::ServerError);
    let key = service_role_key();

    let interrupted = reconcile_from(
        &gotrue,
        &db,
        &key,
        &["--per-page", "2", "--max-attempts", "2"],
    )
    .await;

    assert!(!interrupted.status.success());
    assert!(
        stderr(&interrupted).contains("run the same command again to resume"),
        "{}",
        stderr(&interrupted)
    );
    assert!(mirror_row(&db.pool, users[0].0).await.is_some());
    assert!(mirror_row(&db.pool, users[2].0).await.is_none());

    let resumed = reconcile_from(&gotrue, &db, &key, &["--per-page", "2"]).await;

    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(
        stdout(&resumed).trim_end(),
        "3 users read: 3 created, 0 updated, 0 unchanged, 0 tombstoned"
    );
    let targets: Vec<String> = gotrue.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets[3], "/auth/v1/admin/users?page=2&per_page=2");
    for (id, _) in &users {
        assert!(mirror_row(&db.pool, *id).await.is_some());
    }
    let checkpoints: i64 =
        sqlx::query_scalar("select count(*) from auth_mirror.reconcile_checkpoint")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(checkpoints, 0);
    assert_key_never_printed(&key, &[&interrupted, &resumed]);
}

#[tokio::test]
async fn an_admin_api_dry_run_counts_and_writes_nothing() {
    let db = mirror_database().await;
    let users = api_users(3);
    mirror(
        &db.pool,
        users[0].0,
        "old@example.com",
        "2024-04-01T10:00:00Z",
    )
    .await;
    mirror(
        &db.pool,
        Uuid::new_v4(),
        "orphan@example.com",
        "2024-04-01T10:00:00Z",
    )
    .await;
    let gotrue = GoTrue::start(users.iter().map(|(_, user)| user.clone()).collect()).await;
    let before = mirror_snapshot(&db.pool).await;
    let key = service_role_key();

    let output = reconcile_from(&gotrue, &db, &key, &["--dry-run"]).await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim_end(),
        "dry run, nothing written: 3 users read: 2 created, 1 updated, 0 unchanged, 1 tombstoned"
    );
    assert_eq!(mirror_snapshot(&db.pool).await, before);
    assert_key_never_printed(&key, &[&output]);
}

#[tokio::test]
async fn a_rejected_key_fails_with_a_clear_message_that_does_not_print_it() {
    let db = mirror_database().await;
    let gotrue = GoTrue::start(Vec::new()).await;
    let key = "not a header value\n";

    let output = reconcile_from(&gotrue, &db, key, &[]).await;

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("SUPABASE_SERVICE_ROLE_KEY"),
        "{}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("not a header value"));
}

#[tokio::test]
async fn a_failed_listing_tombstones_nobody() {
    let db = mirror_database().await;
    let orphan = Uuid::new_v4();
    mirror(
        &db.pool,
        orphan,
        "orphan@example.com",
        "2024-04-01T10:00:00Z",
    )
    .await;
    let users = api_users(3);
    let gotrue = GoTrue::start(users.iter().map(|(_, user)| user.clone()).collect()).await;
    gotrue.fault(2, Fault::ServerError);
    let key = service_role_key();

    let output = reconcile_from(
        &gotrue,
        &db,
        &key,
        &["--per-page", "2", "--max-attempts", "1"],
    )
    .await;

    assert!(!output.status.success());
    let row = mirror_row(&db.pool, orphan).await.expect("still there");
    assert_eq!(row.deleted_at, None);
    assert_eq!(row.email.as_deref(), Some("orphan@example.com"));
    assert_key_never_printed(&key, &[&output]);
}

#[tokio::test]
async fn a_refused_key_stops_with_a_message_naming_the_setting() {
    let db = mirror_database().await;
    let gotrue = GoTrue::start(api_users(1).into_iter().map(|(_, user)| user).collect()).await;
    gotrue.fault(1, Fault::Unauthorized);
    let key = service_role_key();

    let output = reconcile_from(&gotrue, &db, &key, &[]).await;

    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(
            "the Admin API answered HTTP 401 (check SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY)"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(gotrue.requests().len(), 1, "a 401 is not retried");
    assert_key_never_printed(&key, &[&output]);
}

#[tokio::test]
async fn admin_api_without_its_settings_says_which_are_missing() {
    let db = mirror_database().await;

    let output = super::auth_mirror(
        &super::database_url(&db, "postgres"),
        &["reconcile", "--from", "admin-api"],
        &[],
    )
    .await;

    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains("--from admin-api needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY"),
        "{}",
        stderr(&output)
    );
}
