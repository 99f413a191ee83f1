//! `POST /admin/reconcile`: a database reconcile started over HTTP, polled to its end, and
//! checked in SQL.

use std::time::Duration;

use serde_json::{json, Value};
use uuid::Uuid;

use super::{admin_get, mirrored};
use crate::helpers::{
    as_auth_admin, mirror_row, spawn_admin_app, AdminSetup, Signup, TestApp, ADMIN_TOKEN,
};

const T1: &str = "2024-05-01T10:00:00.123456Z";

/// Creates a user in `auth.users` as Supabase Auth does, with every trigger off (as if the
/// mirror trigger had not existed): nothing reaches `public.users`.
pub async fn unmirrored_signup(app: &TestApp, email: &str) -> Uuid {
    let signup = Signup::email(email, T1);
    let mut transaction = app.database.pool.begin().await.unwrap();
    sqlx::raw_sql(&format!(
        "set local session_replication_role = replica; set local search_path = auth; {}",
        signup.sql()
    ))
    .execute(&mut *transaction)
    .await
    .expect("insert into auth.users");
    transaction.commit().await.unwrap();
    signup.id
}

/// `POST /admin/reconcile` with `body`, expecting `202`: the run as answered, and where to
/// poll it.
pub async fn start(app: &TestApp, base: &str, body: Value) -> (Value, String) {
    let response = app
        .client
        .post(format!("{base}/admin/reconcile"))
        .bearer_auth(ADMIN_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    (response.json().await.unwrap(), location)
}

/// Polls `location` until the run is no longer `running` (within 30 s); its last status.
pub async fn finished(app: &TestApp, location: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, run) = admin_get(app, location).await;
        assert_eq!(status, 200, "{run}");
        if run["state"] != "running" {
            return run;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still running: {run}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The counts of a run: (users_read, created, updated, unchanged, tombstoned).
fn counts(run: &Value) -> [i64; 5] {
    [
        "users_read",
        "created",
        "updated",
        "unchanged",
        "tombstoned",
    ]
    .map(|field| {
        run[field]
            .as_i64()
            .unwrap_or_else(|| panic!("{field}: {run}"))
    })
}

#[tokio::test]
async fn users_the_trigger_never_saw_are_mirrored_after_a_reconcile_over_http() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let mut ids = Vec::new();
    for email in ["ada@example.com", "grace@example.com", "alan@example.com"] {
        ids.push(unmirrored_signup(&app, email).await);
    }
    assert_eq!(mirrored(&app).await, 0);

    let (run, location) = start(&app, &app.address, json!({})).await;

    let id = run["id"].as_str().unwrap();
    assert_eq!(location, format!("/admin/reconcile/{id}"));
    assert_eq!(run["dry_run"], false);
    assert_eq!(run["batch_size"], 5000);
    let run = finished(&app, &location).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(counts(&run), [3, 3, 0, 0, 0], "{run}");
    assert_eq!(run["trigger_errors_resolved"], 0);
    assert!(run["finished_at"].is_string(), "{run}");
    assert!(run["error"].is_null(), "{run}");
    let row = mirror_row(&app.database.pool, ids[1])
        .await
        .expect("mirrored");
    assert_eq!(row.email.as_deref(), Some("grace@example.com"));
    assert_eq!(mirrored(&app).await, 3);
    let (status, latest) = admin_get(&app, "/admin/reconcile").await;
    assert_eq!((status, &latest), (200, &run));
}

#[tokio::test]
async fn a_dry_run_over_http_counts_and_writes_nothing() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    unmirrored_signup(&app, "ada@example.com").await;
    unmirrored_signup(&app, "grace@example.com").await;
    // A failed trigger run waiting to be resolved: a dry run leaves it unresolved.
    sqlx::query(
        "insert into auth_mirror.trigger_errors (user_id, operation, sqlstate) \
         values (gen_random_uuid(), 'INSERT', '57014')",
    )
    .execute(&app.database.pool)
    .await
    .unwrap();

    let (_, location) = start(
        &app,
        &app.address,
        json!({"dry_run": true, "batch_size": 1}),
    )
    .await;

    let run = finished(&app, &location).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(
        (run["dry_run"].clone(), run["batch_size"].clone()),
        (json!(true), json!(1))
    );
    assert_eq!(counts(&run), [2, 2, 0, 0, 0], "{run}");
    assert_eq!(run["trigger_errors_resolved"], 1, "{run}");
    assert_eq!(mirrored(&app).await, 0);
    let unresolved: i64 = sqlx::query_scalar(
        "select count(*) from auth_mirror.trigger_errors where resolved_at is null",
    )
    .fetch_one(&app.database.pool)
    .await
    .unwrap();
    assert_eq!(unresolved, 1);
}

#[tokio::test]
async fn a_second_reconcile_is_refused_on_this_and_another_instance_while_one_runs() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let second = app.another_instance();
    let signup = Signup::email("ada@example.com", T1);
    as_auth_admin(&app.database.pool, &signup.sql()).await;
    sqlx::query("update public.users set email = 'drift@example.com' where id = $1")
        .bind(signup.id)
        .execute(&app.database.pool)
        .await
        .unwrap();
    // Hold the drifted row: the first reconcile blocks on it while holding the lock.
    let mut blocker = app.database.pool.begin().await.unwrap();
    sqlx::query("select 1 from public.users where id = $1 for update")
        .bind(signup.id)
        .execute(&mut *blocker)
        .await
        .unwrap();

    let (_, location) = start(&app, &app.address, json!({})).await;

    for base in [&app.address, &second] {
        let (status, body) = super::send(
            app.client
                .post(format!("{base}/admin/reconcile"))
                .bearer_auth(ADMIN_TOKEN),
        )
        .await;
        assert_eq!(status, 409, "{base}: {body}");
        assert_eq!(body["error"]["code"], "reconcile_running", "{body}");
    }
    let (_, running) = admin_get(&app, &location).await;
    assert_eq!(running["state"], "running", "{running}");
    blocker.rollback().await.unwrap();
    let run = finished(&app, &location).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(counts(&run), [1, 0, 1, 0, 0], "{run}");
    let row = mirror_row(&app.database.pool, signup.id).await.unwrap();
    assert_eq!(row.email.as_deref(), Some("ada@example.com"));
    // Once it is done, the other instance may start one.
    let (_, location) = start(&app, &second, json!({})).await;
    let (status, body) = admin_get(&app, &location).await;
    assert_eq!(
        (status, body["error"]["code"].clone()),
        (404, json!("reconcile_not_found")),
        "runs are polled on the instance that started them"
    );
}
