//! The service's side: its memory and CPU read from `/proc/<pid>`, and, for a one-command
//! benchmark, the service itself (this build's `auth-mirror serve`, release profile under
//! `cargo bench`) started on a fresh database of a throwaway cluster.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use auth_mirror::webhook::WebhookSecrets;

#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

/// A `kB` field of `/proc/<pid>/status` (`VmHWM`: peak resident set; `VmRSS`: now).
pub fn memory_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time (user + system) of a process so far (`/proc/<pid>/stat`, in USER_HZ = 100 ticks
/// per second on Linux).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Samples `VmRSS` of `pid` every 100 ms; the largest value seen, in kB.
pub fn sample_rss(pid: u32) -> Arc<AtomicU64> {
    let peak = Arc::new(AtomicU64::new(0));
    let seen = peak.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        while let Some(rss) = memory_kb(pid, "VmRSS:") {
            seen.fetch_max(rss, Ordering::Relaxed);
            tick.tick().await;
        }
    });
    peak
}

/// A service started by the load generator; stopped (and its database removed with the
/// cluster) when dropped.
pub struct Spawned {
    pub url: String,
    pub secret: String,
    child: Child,
    _server: support::Server,
}

impl Spawned {
    pub async fn start() -> Self {
        let server = support::Server::start();
        let database = server.fresh_database().await;
        let secret = WebhookSecrets::generate();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_auth-mirror"))
            .arg("serve")
            .env("DATABASE_URL", database.url())
            .env("WEBHOOK_SECRETS", &secret)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start auth-mirror serve");
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url).await;
        Self {
            url,
            secret,
            child,
            _server: server,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_ready(url: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        let ready = client.get(format!("{url}/readyz")).send().await;
        if ready.is_ok_and(|answer| answer.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("auth-mirror did not become ready at {url}");
}
