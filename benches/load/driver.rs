//! Drives a running instance over HTTP/1.1 keep-alive connections (hyper's bare client
//! connection: no pool, no per-request allocation beyond the headers), either flat out or at
//! a fixed offered rate (open loop: slot `i` is due at `start + i / rate` whatever happened
//! before, and its latency counts from then).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth_mirror::webhook::{sign, WebhookKey};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::deliveries::{Delivery, Endpoint, Generator, Mix};
use super::stats::Stats;

/// The instance under load.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    /// The `Host` header.
    pub authority: String,
}

/// One run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub target: Target,
    pub key: WebhookKey,
    pub connections: usize,
    /// Offered deliveries per second; `None`: flat out, each connection sends its next
    /// delivery when the previous one is answered.
    pub rate: Option<f64>,
    /// Stop after this long...
    pub duration: Option<Duration>,
    /// ...or after this many deliveries, whichever comes first.
    pub requests: Option<u64>,
    pub mix: Mix,
    pub seed: u64,
}

/// What a run measured, and how long it took (from the first send to the last answer).
#[derive(Debug)]
pub struct Measured {
    pub stats: Stats,
    pub elapsed: Duration,
}

/// Runs `plan`: opens every connection, then sends.
pub async fn run(plan: &Plan) -> std::io::Result<Measured> {
    let mut connections = Vec::with_capacity(plan.connections);
    for _ in 0..plan.connections {
        connections.push(Connection::open(&plan.target).await?);
    }
    let plan = Arc::new(plan.clone());
    let slots = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (number, connection) in connections.into_iter().enumerate() {
        let (plan, slots) = (plan.clone(), slots.clone());
        tasks.spawn(send_loop(plan, slots, start, connection, number as u64));
    }
    let mut stats = Stats::default();
    for finished in tasks.join_all().await {
        stats.merge(&finished);
    }
    Ok(Measured {
        stats,
        elapsed: start.elapsed(),
    })
}

async fn send_loop(
    plan: Arc<Plan>,
    slots: Arc<AtomicU64>,
    start: Instant,
    mut connection: Connection,
    number: u64,
) -> Stats {
    let seed = plan.seed.wrapping_mul(1_000_003).wrapping_add(number);
    let mut generator = Generator::new(plan.mix, seed);
    let mut stats = Stats::default();
    let deadline = plan.duration.map(|duration| start + duration);
    loop {
        let slot = slots.fetch_add(1, Ordering::Relaxed);
        if plan.requests.is_some_and(|requests| slot >= requests) {
            break;
        }
        let due = match plan.rate {
            Some(rate) => start + Duration::from_secs_f64(slot as f64 / rate),
            None => Instant::now(),
        };
        if deadline.is_some_and(|deadline| due >= deadline) {
            break;
        }
        let delivery = generator.next_delivery();
        if plan.rate.is_some() {
            tokio::time::sleep_until(due.into()).await;
        }
        let sent = Instant::now();
        match connection.send(&delivery, &plan.key).await {
            Ok(status) => {
                let done = Instant::now();
                stats.record(status, delivery.kind, done - due, done - sent);
                if (200..300).contains(&status) {
                    generator.acknowledged(delivery);
                }
            }
            Err(_) => {
                stats.no_answer += 1;
                match Connection::open(&plan.target).await {
                    Ok(fresh) => connection = fresh,
                    Err(_) => break,
                }
            }
        }
    }
    stats
}

/// One keep-alive connection.
struct Connection {
    sender: SendRequest<Full<Bytes>>,
    authority: String,
    /// `webhook-id`s are `msg_<connection>_<counter>`: unique without a random draw.
    prefix: String,
    sent: u64,
}

impl Connection {
    async fn open(target: &Target) -> std::io::Result<Self> {
        static OPENED: AtomicU64 = AtomicU64::new(0);
        let stream = TcpStream::connect(target.addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(connection);
        let number = OPENED.fetch_add(1, Ordering::Relaxed);
        Ok(Self {
            sender,
            authority: target.authority.clone(),
            prefix: format!("msg_{}{number}_", std::process::id()),
            sent: 0,
        })
    }

    /// Signs `delivery` now, sends it, reads the whole answer; its status.
    async fn send(&mut self, delivery: &Delivery, key: &WebhookKey) -> Result<u16, hyper::Error> {
        self.sender.ready().await?;
        self.sent += 1;
        let id = format!("{}{}", self.prefix, self.sent);
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_secs() as i64;
        let signature = sign(key, &id, timestamp, &delivery.body);
        let path = match delivery.endpoint {
            Endpoint::Auth => "/hooks/auth",
            Endpoint::Db => "/hooks/db",
        };
        let request = Request::post(path)
            .header(HOST, &self.authority)
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp)
            .header("webhook-signature", signature)
            .body(Full::new(delivery.body.clone()))
            .expect("a valid request");
        let response = self.sender.send_request(request).await?;
        let status = response.status().as_u16();
        response.into_body().collect().await?;
        Ok(status)
    }
}
