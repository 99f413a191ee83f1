//! Throughput of replaying stored failed events: the admin API's bulk replay (one instance,
//! then two instances sharing the work) and the retry worker, against a real PostgreSQL (a
//! throwaway cluster, or `DATABASE_URL`).
//!
//! `cargo bench --bench replay` (option: `-- <events>`, default 20000). The events are
//! `after-user-created` hooks for distinct users, stored as `failed` by SQL (what a delivery
//! during a bad migration leaves), then replayed through the real apply path.

use std::time::{Duration, Instant};

use auth_mirror::config::{AdminToken, AppConfig, WorkerConfig};
use auth_mirror::startup::Application;
use auth_mirror::webhook::WebhookSecrets;
use secrecy::SecretString;
use serde_json::{json, Value};
use sqlx::PgPool;

#[path = "support/mod.rs"]
mod support;

const TOKEN: &str = "bench-admin-token-5e0c9a27f4d1b83e";

fn main() {
    let events = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse::<usize>().ok())
        .next()
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(events));
}

async fn run(events: usize) {
    let server = support::Server::start();
    let client = reqwest::Client::new();
    for (case, instances, worker) in [
        ("bulk replay, 1 instance", 1, false),
        ("bulk replay, 2 instances at once", 2, false),
        ("retry worker, 1 instance", 1, true),
    ] {
        let database = server.fresh_database().await;
        let pool = database.pool.clone();
        store_failed_events(&pool, events, worker).await;

        // In the bulk cases no event is due for a retry, so the worker stays out of the way.
        let schedule = if worker { "10ms" } else { "1h" };
        let started = Instant::now();
        let urls: Vec<String> = (0..instances).map(|_| start(&pool, schedule)).collect();
        if !worker {
            let calls = urls.iter().map(|url| {
                client
                    .post(format!("{url}/admin/events/replay"))
                    .bearer_auth(TOKEN)
                    .json(&json!({"status": "failed", "limit": 100_000}))
                    .send()
            });
            for response in futures_util::future::join_all(calls).await {
                let summary: Value = response.expect("replay").json().await.expect("JSON");
                assert_eq!(summary["still_failing"], 0, "{summary}");
            }
        }
        while support::count_events(&pool, "status = 'applied'").await < events as i64 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let elapsed = started.elapsed();
        let twice = support::count_events(&pool, "attempts <> 2").await;
        println!(
            "replay: {case}: {events} events in {:.2} s, {:.0} events/s; applied more than once: {twice}",
            elapsed.as_secs_f64(),
            events as f64 / elapsed.as_secs_f64()
        );
        database.drop().await;
    }
}

/// `events` failed after-user-created events, due for a retry now or in a day.
async fn store_failed_events(pool: &PgPool, events: usize, due_now: bool) {
    let now = chrono::Utc::now().to_rfc3339();
    let (mut keys, mut users, mut payloads) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..events {
        let (invocation, user) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
        let body = json!({
            "metadata": { "uuid": invocation, "time": now, "name": "after-user-created", "ip_address": "127.0.0.1" },
            "user": {
                "id": user, "aud": "authenticated", "role": "", "email": "bench@example.com",
                "phone": "", "app_metadata": { "provider": "email" },
                "user_metadata": { "full_name": "Bench Mark" }, "identities": [],
                "created_at": now, "updated_at": now, "is_anonymous": false
            }
        });
        keys.push(format!("hook:{invocation}"));
        users.push(user);
        payloads.push(serde_json::to_vec(&body).expect("JSON"));
    }
    sqlx::query(
        "insert into auth_mirror.events (source, kind, event_key, user_id, webhook_id, signed_at, \
           payload, status, last_error, next_attempt_at) \
         select 'auth_hook', 'after-user-created', key, user_id, 'msg_bench', now(), payload, \
                'failed', 'database error 23514', \
                now() + case when $4 then interval '0' else interval '1 day' end \
         from unnest($1::text[], $2::uuid[], $3::bytea[]) as t(key, user_id, payload)",
    )
    .bind(keys)
    .bind(users)
    .bind(payloads)
    .bind(due_now)
    .execute(pool)
    .await
    .expect("store failed events");
}

/// Starts an instance with the admin API; its base URL.
fn start(pool: &PgPool, schedule: &str) -> String {
    let secrets = WebhookSecrets::parse(&WebhookSecrets::generate()).expect("secret");
    let config = AppConfig {
        admin_token: Some(AdminToken::new(SecretString::from(TOKEN)).expect("a strong token")),
        worker: WorkerConfig::with_schedule(schedule.parse().expect("schedule")),
        ..support::app_config(secrets)
    };
    let app = Application::build(config, pool.clone()).expect("app");
    let url = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    url
}
