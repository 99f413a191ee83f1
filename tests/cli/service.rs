//! A running `auth-mirror serve` as a child process, its output collected line by line.

// Shared by tests/cli/ and tests/deploy/; each uses part of it.
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth_mirror::webhook::{sign, WebhookSecrets};

use super::{auth_mirror, QUICK};

/// How long the service may take to start the embedded cluster (initdb on first run).
const START_UP: Duration = Duration::from_secs(90);

/// A running `auth-mirror serve` on the embedded database. Dropping it stops it with SIGTERM,
/// so its PostgreSQL cluster is stopped too.
pub struct Service {
    child: Child,
    port: u16,
    /// `METRICS_PORT`, when the test chose it.
    metrics_port: Option<u16>,
    stdout: Lines,
    stderr: Lines,
    client: reqwest::Client,
}

/// The lines read so far from one of the child's pipes, and whether the pipe is drained.
struct Lines {
    lines: Arc<Mutex<Vec<String>>>,
    drained: Arc<AtomicBool>,
}

impl Lines {
    fn snapshot(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

impl Service {
    /// Starts `auth-mirror serve` in `dir` on a free loopback port.
    pub fn start(dir: &Path) -> Self {
        Self::start_with_env(dir, &[])
    }

    /// Starts it with extra environment variables, and its metrics on another free port.
    pub fn start_with_env(dir: &Path, env: &[(&str, &str)]) -> Self {
        let (port, metrics_port) = (free_port(), free_port());
        let mut command = auth_mirror(dir, &["serve"]);
        command
            .env("METRICS_PORT", metrics_port.to_string())
            .envs(env.iter().copied())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string());
        let mut service = Self::spawn(command, port);
        service.metrics_port = Some(metrics_port);
        service
    }

    /// Starts `command`, which must make the service listen on loopback port `port`.
    pub fn spawn(mut command: Command, port: u16) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start auth-mirror serve");
        Self {
            stdout: collect_lines(child.stdout.take().unwrap()),
            stderr: collect_lines(child.stderr.take().unwrap()),
            child,
            port,
            metrics_port: None,
            client: reqwest::Client::new(),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, to send it signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `limit` for the process to exit by itself; `None` if it is still running.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return Some(status);
            }
            if started.elapsed() >= limit {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The service's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Everything printed so far, for failure messages.
    pub fn output(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            self.stdout.snapshot().join("\n"),
            self.stderr.snapshot().join("\n")
        )
    }

    /// Waits for the `Development webhook secret ... v1,whsec_...` line; returns the secret.
    pub async fn development_secret(&mut self) -> String {
        let started = Instant::now();
        loop {
            let line = self.stdout.snapshot().iter().find_map(|line| {
                line.starts_with("Development webhook secret")
                    .then(|| line.split_whitespace().last().unwrap().to_owned())
            });
            if let Some(secret) = line {
                assert!(secret.starts_with("v1,whsec_"), "{}", self.output());
                return secret;
            }
            self.still_starting(started);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until `GET /readyz` answers 200.
    pub async fn wait_until_ready(&mut self) {
        self.wait_until_ok("/readyz").await;
    }

    /// Waits until `GET <path>` answers 200.
    pub async fn wait_until_ok(&mut self, path: &str) {
        let started = Instant::now();
        loop {
            let url = format!("http://127.0.0.1:{}{path}", self.port);
            if let Ok(response) = self.client.get(url).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            self.still_starting(started);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Fails if the service exited or took longer than `START_UP`.
    fn still_starting(&mut self, started: Instant) {
        if let Some(status) = self.child.try_wait().expect("child status") {
            panic!("auth-mirror exited ({status}):\n{}", self.output());
        }
        assert!(
            started.elapsed() < START_UP,
            "not started within {START_UP:?}:\n{}",
            self.output()
        );
    }

    /// `GET /metrics` from the metrics port.
    pub async fn metrics(&self) -> String {
        let port = self.metrics_port.expect("started with a METRICS_PORT");
        let url = format!("http://127.0.0.1:{port}/metrics");
        let response = self.client.get(url).send().await.expect("metrics request");
        response.text().await.expect("metrics text")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("http://127.0.0.1:{}{path}", self.port))
            .send()
            .await
            .expect("request")
    }

    /// Everything the service wrote to standard error (its log), and standard output. Call it
    /// after `stop_in_place`, which waits until both pipes are read to the end.
    pub fn printed_lines(&self) -> Vec<String> {
        let mut lines = self.stderr.snapshot();
        lines.extend(self.stdout.snapshot());
        lines
    }

    /// POSTs `body` to `/hooks/auth` signed now with `secret`; returns the status.
    pub async fn deliver(&self, secret: &str, body: &[u8]) -> u16 {
        self.deliver_signed(secret, body).await.0
    }

    /// Like `deliver`, also returning the signature header it sent.
    pub async fn deliver_signed(&self, secret: &str, body: &[u8]) -> (u16, String) {
        let key = WebhookSecrets::parse(secret).expect("secret").keys()[0].clone();
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let timestamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let signature = sign(&key, &id, timestamp, body);
        let status = self
            .client
            .post(format!("http://127.0.0.1:{}/hooks/auth", self.port))
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", &signature)
            .body(body.to_vec())
            .send()
            .await
            .expect("request")
            .status()
            .as_u16();
        (status, signature)
    }

    /// Waits for the JSON log line whose message starts with `prefix`; returns it.
    pub async fn log_event(&mut self, prefix: &str) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let found = self.stderr.snapshot().iter().find_map(|line| {
                let event: serde_json::Value = serde_json::from_str(line).ok()?;
                event["message"]
                    .as_str()?
                    .starts_with(prefix)
                    .then_some(event)
            });
            if let Some(event) = found {
                return event;
            }
            self.still_starting(started);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process with SIGKILL, as a crash would, and reaps it.
    pub fn kill_hard(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub async fn stop(mut self) {
        self.stop_in_place().await;
    }

    /// Like `stop`, keeping the value to read what was printed: returns once the process
    /// has exited AND its output has been read to the end.
    pub async fn stop_in_place(&mut self) {
        let status = self.terminate().await;
        assert!(status.success(), "{status}:\n{}", self.output());
        let started = Instant::now();
        while !(self.stdout.drained.load(Ordering::Acquire)
            && self.stderr.drained.load(Ordering::Acquire))
        {
            assert!(
                started.elapsed() < QUICK,
                "the output pipes were not closed within {QUICK:?} of the exit"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM (nix's `signal` feature is not enabled, hence `kill(1)`), then the exit status.
    async fn terminate(&mut self) -> ExitStatus {
        if let Some(status) = self.child.try_wait().expect("child status") {
            return status;
        }
        sigterm(&self.child);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("child status") {
                return status;
            }
            assert!(
                started.elapsed() < QUICK,
                "no exit within {QUICK:?} of SIGTERM:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // After a failed assertion: stop gracefully so the cluster stops, then insist.
        if let Ok(None) = self.child.try_wait() {
            sigterm(&self.child);
            let started = Instant::now();
            while started.elapsed() < QUICK {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn sigterm(child: &Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
}

/// Collects the lines of `stream` on a thread of its own, until the pipe closes.
fn collect_lines(stream: impl std::io::Read + Send + 'static) -> Lines {
    use std::io::BufRead as _;
    let lines = Lines {
        lines: Arc::new(Mutex::new(Vec::new())),
        drained: Arc::new(AtomicBool::new(false)),
    };
    let (sink, drained) = (Arc::clone(&lines.lines), Arc::clone(&lines.drained));
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stream).lines() {
            match line {
                Ok(line) => sink.lock().unwrap().push(line),
                Err(_) => break,
            }
        }
        drained.store(true, Ordering::Release);
    });
    lines
}

/// A loopback port free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
