//! The load generator: signed Supabase-shaped deliveries against a running auth-mirror (or one
//! it starts itself), flat out over N keep-alive connections or at a fixed offered rate.
//! Reports events/s, latency percentiles, answers by status, and the server's peak RSS and
//! CPU per event. See BENCHMARKS.md ("Load") and `bench/ceiling.sh`.
//!
//! ```sh
//! cargo bench --bench load -- --duration 10s                # starts the service itself
//! cargo bench --bench load -- --url http://127.0.0.1:8080 --secret 'v1,whsec_...' \
//!     --server-pid "$(pgrep -n auth-mirror)" --rate 1000 --duration 20s
//! ```
//!
//! One thread: the generator shares the machine with the service and PostgreSQL, and costs
//! a few microseconds of CPU per delivery (reported as `loadgen_cpu_us`).

mod deliveries;
mod driver;
mod report;
mod server;
mod stats;

use std::time::Duration;

use auth_mirror::webhook::WebhookSecrets;
use clap::Parser;
use secrecy::ExposeSecret;

use self::deliveries::Mix;
use self::driver::{Plan, Target};

/// Signed Supabase deliveries against auth-mirror, with latency percentiles.
#[derive(Debug, Parser)]
struct Args {
    /// Base URL of a running instance. Without it, this build's `auth-mirror serve` is started
    /// on a fresh database of a throwaway PostgreSQL cluster (or of DATABASE_URL's server).
    #[arg(long)]
    url: Option<String>,
    /// The instance's webhook secret (`v1,whsec_...`; the first of several is used).
    #[arg(long, env = "WEBHOOK_SECRETS", hide_env_values = true)]
    secret: Option<secrecy::SecretString>,
    /// The service's process id, for its peak RSS and CPU per event.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Keep-alive connections (flat out: deliveries in flight).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Offered deliveries per second (open loop). Without it: flat out.
    #[arg(long)]
    rate: Option<f64>,
    /// How long to send.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
    duration: Duration,
    /// Stop after this many deliveries (whichever of this and --duration comes first).
    #[arg(long)]
    requests: Option<u64>,
    /// Share of database UPDATEs carrying newer versions of recent users.
    #[arg(long, default_value_t = 0.25)]
    updates: f64,
    /// Share of retries of recent deliveries (duplicates under a new webhook-id).
    #[arg(long, default_value_t = 0.10)]
    retries: f64,
    /// Deliveries sent flat out before measuring (connections, caches, the pool).
    #[arg(long, default_value_t = 500)]
    warmup: u64,
    /// Seed of the deliveries (users, invocations). Default: from the clock. A run repeated
    /// with the same seed against the same database sends deliveries already stored: every
    /// one a duplicate, which costs the service less than a new one.
    #[arg(long)]
    seed: Option<u64>,
    /// Print the body of one `after-user-created` delivery as sent, and exit (the payload
    /// `bench/ceiling.sh` gives pgbench).
    #[arg(long)]
    sample: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.sample {
        let mix = Mix {
            updates: 0.0,
            retries: 0.0,
        };
        let delivery = deliveries::Generator::new(mix, args.seed.unwrap_or(1)).next_delivery();
        println!("{}", String::from_utf8_lossy(&delivery.body));
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let spawned = match args.url {
        Some(_) => None,
        None => Some(server::Spawned::start().await),
    };
    let (url, secret, server_pid) = match &spawned {
        Some(service) => (
            service.url.clone(),
            service.secret.clone(),
            Some(service.pid()),
        ),
        None => (
            args.url.clone().unwrap_or_default(),
            args.secret
                .as_ref()
                .map(|secret| secret.expose_secret().to_owned())
                .ok_or_else(|| {
                    anyhow::anyhow!("--secret or WEBHOOK_SECRETS is required with --url")
                })?,
            args.server_pid,
        ),
    };
    let secrets = WebhookSecrets::parse(&secret).map_err(|error| anyhow::anyhow!("{error}"))?;
    let url = url::Url::parse(&url)?;
    let authority = format!(
        "{}:{}",
        url.host_str().unwrap_or("localhost"),
        url.port_or_known_default().unwrap_or(80)
    );
    let addr = tokio::net::lookup_host(&authority)
        .await?
        .next()
        .ok_or_else(|| anyhow::anyhow!("{authority} does not resolve"))?;
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |since| since.as_nanos() as u64)
    });
    let mut plan = Plan {
        target: Target { addr, authority },
        key: secrets.keys()[0].clone(),
        connections: args.connections.max(1),
        rate: None,
        duration: None,
        requests: Some(args.warmup),
        mix: Mix {
            updates: args.updates,
            retries: args.retries,
        },
        seed,
    };
    if args.warmup > 0 {
        driver::run(&plan).await?;
    }
    plan.rate = args.rate;
    plan.duration = Some(args.duration);
    plan.requests = args.requests;
    plan.seed = seed.wrapping_add(1);

    let rss_peak = server_pid.map(server::sample_rss);
    let server_cpu = server_pid.and_then(server::cpu_time);
    let own_cpu = server::cpu_time(std::process::id());
    let measured = driver::run(&plan).await?;
    let usage = report::Usage {
        server_cpu: server_pid
            .and_then(server::cpu_time)
            .zip(server_cpu)
            .map(|(after, before)| after - before),
        own_cpu: server::cpu_time(std::process::id())
            .zip(own_cpu)
            .map(|(after, before)| after - before),
        server_hwm_kb: server_pid.and_then(|pid| server::memory_kb(pid, "VmHWM:")),
        server_rss_peak_kb: rss_peak.map(|peak| peak.load(std::sync::atomic::Ordering::Relaxed)),
    };
    report::print(&plan, &measured, &usage);
    drop(spawned);
    Ok(())
}
