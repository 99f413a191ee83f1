//! Graceful shutdown of the real binary: under load, SIGTERM lets in-flight deliveries
//! finish, every delivery answered 2xx is stored, and the process exits 0 within
//! `SHUTDOWN_TIMEOUT_SECONDS`. SIGINT does the same.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use auth_mirror::webhook::{sign, WebhookKey, WebhookSecrets};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::deploy::running::Running;
use crate::payloads;

const SHUTDOWN_TIMEOUT_SECONDS: u64 = 10;

/// Bounds of each load worker: it stops at its first request that gets no answer.
const MAX_REQUESTS_PER_WORKER: usize = 2_000;
const MAX_LOAD_TIME: Duration = Duration::from_secs(60);
const WORKERS: usize = 4;

/// One answered delivery: whose user, the status, when the answer came.
pub struct Answered {
    pub user: Uuid,
    pub status: u16,
    pub at: Instant,
}

/// Posts signed after-user-created deliveries, one at a time, until one gets no answer.
pub async fn load(url: String, secret: String, answered: Arc<AtomicUsize>) -> Vec<Answered> {
    let key = WebhookSecrets::parse(&secret).unwrap().keys()[0].clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let started = Instant::now();
    let mut results = Vec::new();
    while results.len() < MAX_REQUESTS_PER_WORKER && started.elapsed() < MAX_LOAD_TIME {
        let user = Uuid::new_v4();
        let Ok(response) = post_signup(&client, &url, &key, user).await else {
            break;
        };
        let status = response.status().as_u16();
        results.push(Answered {
            user,
            status,
            at: Instant::now(),
        });
        answered.fetch_add(1, Ordering::Relaxed);
    }
    results
}

/// Starts `workers` load workers against `running` and waits (at most a minute) until they
/// have `answers` answers; the workers go on until a request gets no answer.
pub async fn load_until_answered(
    running: &Running,
    workers: usize,
    answers: usize,
) -> Vec<JoinHandle<Vec<Answered>>> {
    let url = format!("{}/hooks/auth", running.origin());
    let answered = Arc::new(AtomicUsize::new(0));
    let workers = (0..workers)
        .map(|_| tokio::spawn(load(url.clone(), running.secret.clone(), answered.clone())))
        .collect();
    let warm_up = Instant::now();
    while answered.load(Ordering::Relaxed) < answers && warm_up.elapsed() < Duration::from_secs(60)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    workers
}

/// Posts one signed after-user-created delivery for a new `user`.
pub async fn post_signup(
    client: &reqwest::Client,
    url: &str,
    key: &WebhookKey,
    user: Uuid,
) -> reqwest::Result<reqwest::Response> {
    let body = payloads::hook(
        "after-user-created",
        Uuid::new_v4(),
        payloads::hook_user(user, "load@example.com", "2024-05-01T10:00:00Z"),
    );
    let id = format!("msg_{}", user.simple());
    let now = chrono::Utc::now().timestamp();
    client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", sign(key, &id, now, &body))
        .body(body)
        .send()
        .await
}

#[tokio::test]
async fn sigterm_under_load_finishes_in_flight_deliveries_and_stores_every_answered_one() {
    let timeout = SHUTDOWN_TIMEOUT_SECONDS.to_string();
    let mut running = Running::start(&[("SHUTDOWN_TIMEOUT_SECONDS", &timeout)]).await;
    let workers = load_until_answered(&running, WORKERS, 50).await;

    // Hold the deliveries in flight: the apply waits for this lock.
    let mut blocker = running.database.pool.begin().await.unwrap();
    sqlx::query("lock table public.users in exclusive mode")
        .execute(&mut *blocker)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let signalled = Instant::now();
    kill(Pid::from_raw(running.service.pid() as i32), Signal::SIGTERM).unwrap();
    let early_exit = running.service.wait_exit(Duration::from_secs(1)).await;
    assert!(
        early_exit.is_none(),
        "exited with deliveries in flight: {early_exit:?}"
    );
    blocker.rollback().await.unwrap();
    let status = running
        .service
        .wait_exit(Duration::from_secs(SHUTDOWN_TIMEOUT_SECONDS))
        .await;

    let stopped_after = signalled.elapsed();
    assert!(
        status.is_some_and(|status| status.success()),
        "{status:?} {stopped_after:?}:\n{}",
        running.service.output()
    );
    let mut results = Vec::new();
    for worker in workers {
        results.extend(worker.await.unwrap());
    }
    let accepted: Vec<Uuid> = results
        .iter()
        .filter(|a| (200..300).contains(&a.status))
        .map(|a| a.user)
        .collect();
    let finished_after_signal = results
        .iter()
        .filter(|a| a.at > signalled && a.status == 200)
        .count();
    assert!(
        finished_after_signal >= 1,
        "no delivery in flight at SIGTERM was answered"
    );
    let stored: i64 = sqlx::query_scalar(
        "select count(*) from auth_mirror.events e join public.users u on u.id = e.user_id \
          where e.user_id = any($1) and e.status = 'applied'",
    )
    .bind(&accepted)
    .fetch_one(&running.database.pool)
    .await
    .unwrap();
    assert_eq!(
        stored as usize,
        accepted.len(),
        "answered 2xx but not stored"
    );
    assert!(running
        .service
        .printed_lines()
        .iter()
        .any(|l| l.contains("SIGTERM")));
}

#[tokio::test]
async fn sigint_stops_gracefully_too() {
    let mut running = Running::start(&[("SHUTDOWN_TIMEOUT_SECONDS", "10")]).await;

    kill(Pid::from_raw(running.service.pid() as i32), Signal::SIGINT).unwrap();
    let status = running.service.wait_exit(Duration::from_secs(10)).await;

    assert!(
        status.is_some_and(|status| status.success()),
        "{status:?}:\n{}",
        running.service.output()
    );
    assert!(running
        .service
        .printed_lines()
        .iter()
        .any(|l| l.contains("SIGINT")));
}
