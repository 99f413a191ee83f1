//! The retry worker and a bulk replay over the same users at once: both lock users in one
//! order (by user id), so neither waits for the other in a cycle (a deadlock).
//!
//! The interleaving is forced, not hoped for. A third transaction holds the first user's
//! row; the replay (events of every user, claimed in id order) queues on it first; then the
//! worker's events (one more per user, due in the opposite order) become due, and the worker
//! queues behind the replay. Released, the replay takes the first user and moves on to the
//! others: had the worker locked the other users while in line (its due order), they would
//! wait for each other.

use serde_json::json;
use uuid::Uuid;

use super::worker::eventually;
use super::{admin_post, event_state, repair, sabotage};
use crate::helpers::{spawn_admin_app, AdminSetup, TestApp};
use crate::payloads::{hook, hook_user};

const USERS: usize = 5;

async fn signup(app: &TestApp, id: Uuid, email: &str, updated_at: &str) {
    let body = hook(
        "after-user-created",
        Uuid::new_v4(),
        hook_user(id, email, updated_at),
    );
    assert_eq!(app.post_signed("/hooks/auth", &body).await.status(), 200);
}

/// Sessions of the test database waiting for a lock.
async fn lock_waiters(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "select count(*) from pg_stat_activity \
         where datname = current_database() and wait_event_type = 'Lock'",
    )
    .fetch_one(&app.database.pool)
    .await
    .unwrap()
}

/// Deadlocks PostgreSQL has counted in the test database, once every session open now has
/// ended (a session reports its counts at the latest when it ends).
async fn deadlocks_once_sessions_end(app: &TestApp) -> i64 {
    let pool = &app.database.pool;
    let mut connection = pool.acquire().await.unwrap();
    let ended: Vec<i32> = sqlx::query_scalar(
        "select pid from pg_stat_activity \
         where datname = current_database() and pid <> pg_backend_pid()",
    )
    .fetch_all(&mut *connection)
    .await
    .unwrap();
    sqlx::query("select pg_terminate_backend(pid) from unnest($1::int[]) as pid")
        .bind(&ended)
        .execute(&mut *connection)
        .await
        .unwrap();
    eventually("the sessions have ended", || async {
        let left: i64 =
            sqlx::query_scalar("select count(*) from pg_stat_activity where pid = any($1)")
                .bind(&ended)
                .fetch_one(pool)
                .await
                .unwrap();
        left == 0
    })
    .await;
    sqlx::query_scalar("select deadlocks from pg_stat_database where datname = current_database()")
        .fetch_one(&mut *connection)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_retry_worker_and_a_bulk_replay_over_the_same_users_do_not_deadlock() {
    let app = spawn_admin_app(AdminSetup::default()).await;
    let mut users: Vec<Uuid> = (0..USERS).map(|_| Uuid::new_v4()).collect();
    users.sort();
    for id in &users {
        signup(&app, *id, "ada@example.org", "2024-05-01T10:00:00Z").await;
    }
    // Two failing states per user; ids in user order, round by round.
    sabotage(&app).await;
    for updated_at in ["2024-05-02T10:00:00Z", "2024-05-03T10:00:00Z"] {
        for id in &users {
            signup(&app, *id, "ada@example.com", updated_at).await;
        }
    }
    repair(&app).await;
    let failed: Vec<(i64, Uuid)> = sqlx::query_as(
        "select id, user_id from auth_mirror.events where status = 'failed' order by id",
    )
    .fetch_all(&app.database.pool)
    .await
    .unwrap();
    assert_eq!(failed.len(), 2 * USERS);
    let (replayed, retried) = failed.split_at(USERS);

    let mut holder = app.database.pool.begin().await.unwrap();
    sqlx::query("select 1 from public.users where id = $1 for update")
        .bind(users[0])
        .execute(&mut *holder)
        .await
        .unwrap();
    let replay = admin_post(
        &app,
        "/admin/events/replay",
        json!({"status": "failed", "limit": USERS}),
    );
    let worker_in_line = async {
        eventually("the replay waits for the first user", || async {
            lock_waiters(&app).await == 1
        })
        .await;
        // Due now, the last user's first: the order a worker without a lock order takes.
        for (rank, (id, _)) in retried.iter().enumerate() {
            sqlx::query(
                "update auth_mirror.events \
                 set next_attempt_at = now() - make_interval(secs => $2) where id = $1",
            )
            .bind(id)
            .bind(rank as f64)
            .execute(&app.database.pool)
            .await
            .unwrap();
        }
        eventually("the worker waits too", || async {
            lock_waiters(&app).await == 2
        })
        .await;
        holder.rollback().await.unwrap();
    };

    let ((status, answer), ()) = tokio::join!(replay, worker_in_line);

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["applied"], USERS, "{answer}");
    for (id, _) in retried {
        eventually("the worker has retried its events", || async {
            event_state(&app, *id).await.0 == "applied"
        })
        .await;
    }
    for (id, _) in replayed {
        assert_eq!(
            event_state(&app, *id).await,
            ("applied".into(), 2, Some("replay".into()))
        );
    }
    assert_eq!(deadlocks_once_sessions_end(&app).await, 0);
}
