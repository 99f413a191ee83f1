//! `auth-mirror migrate`: apply pending migrations and exit.

use super::database::Database;
use crate::cli::DatabaseArgs;

pub async fn run(args: DatabaseArgs) -> anyhow::Result<()> {
    let database = Database::open(&args).await?;
    database.migrate().await?;
    database.close().await
}
