//! Opening the database the configuration names: `DATABASE_URL`, or the embedded cluster.

use std::str::FromStr;

use anyhow::Context;
use secrecy::ExposeSecret;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;

use crate::cli::DatabaseArgs;
use crate::embedded_db::{self, LocalCluster};
use crate::store::{self, StoreError};

/// An open database, and the embedded cluster behind it if there is one.
pub struct Database {
    pub pool: PgPool,
    embedded: Option<LocalCluster>,
}

impl Database {
    pub async fn open(args: &DatabaseArgs) -> anyhow::Result<Self> {
        match &args.database_url {
            Some(url) => {
                // The value is not echoed: it may carry a password.
                let options =
                    PgConnectOptions::from_str(url.expose_secret()).map_err(|_| invalid_url())?;
                tracing::info!(
                    host = options.get_host(),
                    port = options.get_port(),
                    database = options.get_database().unwrap_or("(the user's)"),
                    "using the database of DATABASE_URL"
                );
                Ok(Self {
                    pool: store::pool::connect_lazy(options),
                    embedded: None,
                })
            }
            None => Self::open_embedded(args).await,
        }
    }

    async fn open_embedded(args: &DatabaseArgs) -> anyhow::Result<Self> {
        let data_dir = args.auth_mirror_data_dir.clone();
        let cluster = tokio::task::spawn_blocking(move || LocalCluster::start(&data_dir))
            .await?
            .context("cannot start the embedded PostgreSQL (or set DATABASE_URL)")?;
        let location = cluster.location();
        let url = embedded_db::url(cluster.port());
        let folder = location.pgdata.display();
        let arrival = cluster.arrival();
        if location.relocated {
            tracing::info!(%url, %folder, "embedded PostgreSQL {arrival}; kept outside the data folder, which the postgres OS user cannot reach");
        } else {
            tracing::info!(%url, %folder, "embedded PostgreSQL {arrival}");
        }
        store::bootstrap::ensure_database(
            &cluster.connect_options("postgres"),
            embedded_db::DATABASE,
        )
        .await
        .context("cannot create the embedded database")?;
        let pool = store::pool::connect_lazy(cluster.connect_options(embedded_db::DATABASE));
        // A Supabase-shaped `auth` schema, so the trigger and every path work locally.
        store::bootstrap::apply_supabase_fixture(&pool)
            .await
            .context("cannot give the embedded database Supabase's auth schema")?;
        Ok(Self {
            pool,
            embedded: Some(cluster),
        })
    }

    /// Whether this is the local embedded cluster (development) rather than `DATABASE_URL`.
    pub fn is_embedded(&self) -> bool {
        self.embedded.is_some()
    }

    /// Applies pending migrations; a failure says what to check.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        store::migrate::run(&self.pool).await.map_err(|error| {
            let context = match (&error, self.is_embedded()) {
                // The migration ran and PostgreSQL refused it: its text says why.
                (StoreError::Migration(_), _) => "cannot apply migrations",
                (StoreError::Database(_), true) => "cannot apply migrations to the embedded database",
                (StoreError::Database(_), false) => {
                    "cannot apply migrations (check that DATABASE_URL names a running server you can reach)"
                }
            };
            anyhow::Error::new(error).context(context)
        })
    }

    /// Closes the pool and leaves the embedded cluster (stopping it if no other instance uses it).
    pub async fn close(mut self) -> anyhow::Result<()> {
        self.pool.close().await;
        if let Some(mut cluster) = self.embedded.take() {
            tokio::task::spawn_blocking(move || cluster.leave())
                .await?
                .context("cannot stop the embedded PostgreSQL")?;
        }
        Ok(())
    }
}

/// `DATABASE_URL` does not parse. The value is not echoed: it may carry a password.
pub(super) fn invalid_url() -> anyhow::Error {
    anyhow::anyhow!(
        "DATABASE_URL is not a valid PostgreSQL URL \
         (expected postgres://user:password@host:port/database)"
    )
}
