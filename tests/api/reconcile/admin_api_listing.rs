//! `reconcile --from admin-api` against a GoTrue stand-in: pagination while users sign up
//! and are deleted, 429 with `retry-after` and a 500 midway; the key stays secret.

use std::process::Output;

use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::gotrue::{api_user, Fault, GoTrue};
use super::{auth_mirror, database_url, stderr, stdout};
use crate::helpers::{at, mirror_row, Setup, TestDatabase};

/// A mirror in its own database: no `auth` schema, as for a Supabase project whose app
/// data lives elsewhere.
pub(super) async fn mirror_database() -> TestDatabase {
    TestDatabase::create(Setup {
        supabase_shaped: false,
        migrated: true,
    })
    .await
}

pub(super) fn service_role_key() -> String {
    format!(
        "eyJhbGciOiJIUzI1NiJ9.service-role-{}",
        Uuid::new_v4().simple()
    )
}

/// Users `count` users, newest first, created on successive days of May 2024.
pub(super) fn api_users(count: usize) -> Vec<(Uuid, Value)> {
    (0..count)
        .map(|index| {
            let id = Uuid::new_v4();
            let day = format!("2024-05-{:02}T10:00:00Z", 28 - index);
            (
                id,
                api_user(id, &format!("user{index}@example.com"), &day, &day),
            )
        })
        .collect()
}

pub(super) async fn reconcile_from(
    gotrue: &GoTrue,
    db: &TestDatabase,
    key: &str,
    args: &[&str],
) -> Output {
    let mut all = vec!["reconcile", "--from", "admin-api"];
    all.extend_from_slice(args);
    auth_mirror(
        &database_url(db, "postgres"),
        &all,
        &[
            ("SUPABASE_URL", gotrue.url.as_str()),
            ("SUPABASE_SERVICE_ROLE_KEY", key),
            ("RUST_LOG", "debug"),
        ],
    )
    .await
}

/// Applies a state to the mirror directly, as an earlier delivery would have.
pub(super) async fn mirror(pool: &PgPool, id: Uuid, email: &str, updated_at: &str) {
    sqlx::query(
        "select auth_mirror.apply_user_state($1, $2, null, false, '{}', '{}', null, $3, $3, null, false)",
    )
    .bind(id)
    .bind(email)
    .bind(at(updated_at))
    .execute(pool)
    .await
    .expect("seed the mirror");
}

pub(super) fn assert_key_never_printed(key: &str, outputs: &[&Output]) {
    for output in outputs {
        let printed = format!("{}{}", stdout(output), stderr(output));
        assert!(!printed.contains(key), "the key was printed:\n{printed}");
        assert!(
            !printed.contains("service-role-"),
            "part of the key was printed:\n{printed}"
        );
    }
}

#[tokio::test]
async fn a_listing_that_shifts_under_signups_deletions_429_and_500_skips_nobody() {
    let db = mirror_database().await;
    let users = api_users(7);
    let (first, removed) = (users[0].0, users[1].0);
    let orphan = Uuid::new_v4();
    // The first user is mirrored at an older version, with application settings.
    mirror(&db.pool, first, "old@example.com", "2024-04-01T10:00:00Z").await;
    sqlx::query("update public.users set settings = '{\"theme\": \"dark\"}' where id = $1")
        .bind(first)
        .execute(&db.pool)
        .await
        .unwrap();
    mirror(
        &db.pool,
        orphan,
        "orphan@example.com",
        "2024-04-01T10:00:00Z",
    )
    .await;
    let gotrue = GoTrue::start(users.iter().map(|(_, user)| user.clone()).collect()).await;
    let signups: Vec<(Uuid, Value)> = (0..2)
        .map(|index| {
            let id = Uuid::new_v4();
            let day = format!("2024-06-0{}T10:00:00Z", 2 - index);
            (
                id,
                api_user(id, &format!("new{index}@example.com"), &day, &day),
            )
        })
        .collect();
    let new_users: Vec<Value> = signups.iter().map(|(_, user)| user.clone()).collect();
    gotrue.after(1, move |list| {
        list.splice(0..0, new_users);
    });
    gotrue.fault(2, Fault::TooManyRequests(1));
    gotrue.fault(4, Fault::ServerError);
    // A user of page 1 is deleted: everyone behind it moves one place towards the front.
    gotrue.after(5, move |list| {
        list.retain(|user| user["id"] != removed.to_string())
    });
    let key = service_role_key();

    let output = reconcile_from(&gotrue, &db, &key, &["--per-page", "2"]).await;

    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).trim_end(),
        "9 users read: 8 created, 1 updated, 0 unchanged, 1 tombstoned"
    );
    let targets: Vec<String> = gotrue.requests().into_iter().map(|r| r.target).collect();
    let page = |n: u32| format!("/auth/v1/admin/users?page={n}&per_page=2");
    assert_eq!(
        targets,
        vec![
            page(1),
            page(2), // 429, retry-after: 1
            page(2),
            page(3), // 500
            page(3),
            page(4), // the total dropped: users may have moved back into page 3
            page(3),
            page(4),
            page(5), // empty: the listing is complete
            page(1), // the head again: the two signups
            page(2),
            format!("/auth/v1/admin/users/{orphan}"), // 404: gone
        ]
    );
    for request in gotrue.requests() {
        assert_eq!(request.headers.get("apikey"), Some(&key));
        assert_eq!(
            request.headers.get("authorization"),
            Some(&format!("Bearer {key}"))
        );
    }
    for (id, user) in users.iter().chain(&signups) {
        let row = mirror_row(&db.pool, *id).await.expect("mirrored");
        assert_eq!(row.email.as_deref(), user["email"].as_str(), "{id}");
        assert_eq!(row.deleted_at, None);
    }
    let settings: Option<Value> =
        sqlx::query_scalar("select settings from public.users where id = $1")
            .bind(first)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(settings, Some(json!({"theme": "dark"})));
    let tombstone = mirror_row(&db.pool, orphan).await.expect("tombstone");
    assert_eq!(
        (tombstone.email, tombstone.deleted_at),
        (None, Some(at("2024-04-01T10:00:00Z")))
    );
    assert_key_never_printed(&key, &[&output]);
}
