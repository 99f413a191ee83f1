//! `auth-mirror migrate`: apply pending migrations and exit.

use anyhow::Context;

use super::database::Database;
use crate::cli::DatabaseArgs;
use crate::store;

pub async fn run(args: DatabaseArgs) -> anyhow::Result<()> {
    let database = Database::open(&args).await?;
    store::migrate::run(&database.pool)
        .await
        .context("cannot apply migrations")?;
    database.close().await
}
