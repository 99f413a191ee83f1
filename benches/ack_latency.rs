//! Acknowledgement latency and throughput of `POST /hooks/auth`, end to end: a real socket,
//! the real app, a real PostgreSQL (a throwaway cluster, or `DATABASE_URL`).
//!
//! `cargo bench --bench ack_latency` (options: `-- <requests> <concurrency>`, default 4000 16).
//! Each request is a distinct `after-user-created` delivery, signed like Supabase signs it.

use std::time::{Duration, Instant};

use auth_mirror::startup::Application;
use auth_mirror::webhook::{sign, WebhookSecrets};
use serde_json::json;

#[path = "support/mod.rs"]
mod support;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .filter_map(|arg| arg.parse::<usize>().ok());
    let requests = args.next().unwrap_or(4000);
    let concurrency = args.next().unwrap_or(16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(requests, concurrency));
}

async fn run(requests: usize, concurrency: usize) {
    let server = support::Server::start();
    let database = server.fresh_database().await;
    let pool = database.pool.clone();

    let secret = WebhookSecrets::generate();
    let secrets = WebhookSecrets::parse(&secret).expect("secret");
    let key = secrets.keys()[0].clone();
    let config = support::app_config(secrets);
    let app = Application::build(config, pool.clone()).expect("app");
    let url = format!("http://127.0.0.1:{}/hooks/auth", app.port());
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let (client, url, key) = (client.clone(), url.clone(), key.clone());
        let share = requests / concurrency + usize::from(worker < requests % concurrency);
        workers.spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let body = delivery_body();
                let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
                let timestamp = chrono::Utc::now().timestamp();
                let signature = sign(&key, &id, timestamp, &body);
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .header("webhook-id", id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signature)
                    .body(body)
                    .send()
                    .await
                    .expect("request");
                assert_eq!(response.status(), 200);
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let mut latencies: Vec<Duration> = workers.join_all().await.into_iter().flatten().collect();
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    let applied = support::count_events(&pool, "status = 'applied'").await;
    println!(
        "ack_latency: {requests} deliveries, {concurrency} concurrent: {:.0} deliveries/s; \
         p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {applied} applied",
        requests as f64 / elapsed.as_secs_f64(),
        ms(percentile(0.50)),
        ms(percentile(0.90)),
        ms(percentile(0.99)),
        ms(*latencies.last().expect("at least one request")),
    );
    database.drop().await;
    // Every acknowledged delivery must have been applied: a fast run that lost events is no
    // result.
    assert_eq!(
        applied, requests as i64,
        "{requests} deliveries acknowledged but {applied} applied"
    );
}

fn delivery_body() -> Vec<u8> {
    let now = chrono::Utc::now().to_rfc3339();
    serde_json::to_vec(&json!({
        "metadata": { "uuid": uuid::Uuid::new_v4(), "time": now, "name": "after-user-created", "ip_address": "127.0.0.1" },
        "user": {
            "id": uuid::Uuid::new_v4(), "aud": "authenticated", "role": "", "email": "bench@example.com",
            "phone": "", "app_metadata": { "provider": "email", "providers": ["email"] },
            "user_metadata": { "full_name": "Bench Mark" }, "identities": [],
            "created_at": now, "updated_at": now, "is_anonymous": false
        }
    }))
    .expect("json")
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
