//! What the end-to-end benchmarks share: the PostgreSQL server of the run (`DATABASE_URL`, or
//! a throwaway cluster) and a fresh Supabase-shaped, migrated database on it.

use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use auth_mirror::config::{
    AppConfig, DeliveryConfig, HttpLimits, MetricsConfig, SecurityConfig, SpoolConfig,
    WebhookConfig, WorkerConfig,
};
use auth_mirror::webhook::WebhookSecrets;

use auth_mirror::embedded_db::Throwaway;
use auth_mirror::store;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

/// The server; the throwaway cluster (if any) lives as long as the value.
pub struct Server {
    options: PgConnectOptions,
    _throwaway: Option<Throwaway>,
}

impl Server {
    pub fn start() -> Self {
        match std::env::var("DATABASE_URL") {
            Ok(url) => Self {
                options: PgConnectOptions::from_str(&url).expect("DATABASE_URL"),
                _throwaway: None,
            },
            Err(_) => {
                let throwaway = Throwaway::start().expect("throwaway cluster");
                Self {
                    options: throwaway.cluster().connect_options("postgres"),
                    _throwaway: Some(throwaway),
                }
            }
        }
    }

    /// A new database with Supabase's `auth` schema and every migration.
    pub async fn fresh_database(&self) -> BenchDatabase {
        let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect_with(&self.options)
            .await
            .expect("connect");
        store::bootstrap::create_database(&mut admin, &name)
            .await
            .expect("create");
        let pool = store::pool::connect_lazy(self.options.clone().database(&name));
        store::bootstrap::apply_supabase_fixture(&pool)
            .await
            .expect("fixture");
        store::migrate::run(&pool).await.expect("migrate");
        let url = format!(
            "postgres://{}@{}:{}/{name}",
            self.options.get_username(),
            self.options.get_host(),
            self.options.get_port()
        );
        BenchDatabase {
            name,
            admin,
            pool,
            url,
        }
    }
}

/// A benchmark's database; `drop` removes it.
pub struct BenchDatabase {
    name: String,
    admin: PgConnection,
    pub pool: PgPool,
    #[allow(dead_code)] // read by the load generator only
    url: String,
}

impl BenchDatabase {
    /// A URL of the database for another process (no password: the server trusts loopback).
    #[allow(dead_code)] // used by the load generator only
    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn drop(mut self) {
        self.pool.close().await;
        store::bootstrap::drop_database(&mut self.admin, &self.name)
            .await
            .expect("drop");
    }
}

/// Stored events matching `condition`, a fixed SQL condition on `auth_mirror.events`.
pub async fn count_events(pool: &PgPool, condition: &str) -> i64 {
    sqlx::query_scalar(&format!(
        "select count(*) from auth_mirror.events where {condition}"
    ))
    .fetch_one(pool)
    .await
    .expect("count events")
}

/// The product's defaults on a free loopback port, with `secrets`.
pub fn app_config(secrets: WebhookSecrets) -> AppConfig {
    AppConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        shutdown_timeout: Duration::from_secs(5),
        webhook: WebhookConfig {
            secrets,
            tolerance: Duration::from_secs(300),
            max_body_bytes: 1 << 20,
        },
        admin_token: None,
        worker: WorkerConfig::with_schedule(Default::default()),
        delivery: DeliveryConfig::default(),
        http: HttpLimits::default(),
        // Kept after the benchmark: a spooled delivery would be one it did not count.
        spool: SpoolConfig::new(
            Some(&tempfile::tempdir().expect("a spool folder").keep()),
            std::path::Path::new("."),
            SpoolConfig::DEFAULT_MAX_BYTES,
        ),
        // No metrics listener: the benchmarks read the database, not /metrics.
        metrics: MetricsConfig {
            listen: None,
            on_public_port: false,
        },
        security: SecurityConfig::default(),
    }
}
