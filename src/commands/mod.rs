//! What each subcommand does.

mod database;
mod db;
mod events;
mod migrate;
mod reconcile;
mod secret;
mod send;
mod serve;
mod spool_folder;

use crate::cli::{Cli, Command, DbCommand};

/// Runs the subcommand the command line asked for; `serve` when none.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        None => serve::run(cli.serve).await,
        Some(Command::Serve(args)) => serve::run(args).await,
        Some(Command::Migrate(args)) => migrate::run(args).await,
        Some(Command::Send(args)) => send::run(args).await,
        Some(Command::Events(args)) => events::run(args).await,
        Some(Command::Reconcile(args)) => reconcile::run(args).await,
        Some(Command::Secret(command)) => secret::run(command),
        Some(Command::Db(DbCommand::Url(args))) => db::url(&args),
        Some(Command::Db(DbCommand::Schema(args))) => db::schema(&args).await,
    }
}
