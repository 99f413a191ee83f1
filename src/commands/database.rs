//! Opening the database the configuration names: `DATABASE_URL`, or the embedded cluster.

use std::str::FromStr;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use crate::cli::DatabaseArgs;
use crate::embedded_db::EmbeddedPostgres;
use crate::store;

/// Name of the database inside the embedded cluster.
const EMBEDDED_DATABASE: &str = "auth_mirror";

/// An open database, and the embedded cluster behind it if there is one.
pub struct Database {
    pub pool: PgPool,
    embedded: Option<EmbeddedPostgres>,
}

impl Database {
    pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Self> {
        match &args.database_url {
            Some(url) => {
                // The value is not echoed: it may carry a password.
                let options = PgConnectOptions::from_str(url.expose_secret()).map_err(|_| {
                    anyhow::anyhow!(
                        "DATABASE_URL is not a valid PostgreSQL URL \
                         (expected postgres://user:password@host:port/database)"
                    )
                })?;
                Ok(Self {
                    pool: store::pool::connect_lazy(options),
                    embedded: None,
                })
            }
            None => Self::open_embedded(args).await,
        }
    }

    /// Whether this is the local embedded cluster (development) rather than `DATABASE_URL`.
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    async fn open_embedded(args: &DatabaseArgs) -> anyhow::Result<Self> {
        let folder = args.auth_mirror_data_dir.join("postgres");
        let cluster = tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&folder))
            .await?
            .context("cannot start the embedded PostgreSQL (or set DATABASE_URL)")?;
        // Loopback only and trust authentication: the URL carries no credential.
        tracing::info!(
            url = format!(
                "postgres://postgres@127.0.0.1:{}/{EMBEDDED_DATABASE}",
                cluster.port()
            ),
            "embedded PostgreSQL is running"
        );
        store::bootstrap::ensure_database(&cluster.connect_options("postgres"), EMBEDDED_DATABASE)
            .await
            .context("cannot create the embedded database")?;
        let pool = store::pool::connect_lazy(cluster.connect_options(EMBEDDED_DATABASE));
        // A Supabase-shaped `auth` schema, so the trigger and every path work locally.
        store::bootstrap::apply_supabase_fixture(&pool)
            .await
            .context("cannot give the embedded database Supabase's auth schema")?;
        Ok(Self {
            pool,
            embedded: Some(cluster),
        })
    }

    /// Closes the pool and stops the embedded cluster if this process started it.
    pub async fn close(mut self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(mut cluster) = self.embedded.take() {
            tokio::task::spawn_blocking(move || cluster.stop())
                .await?
                .context("cannot stop the embedded PostgreSQL")?;
        }
        Ok(())
    }
}
