//! `auth-mirror reconcile`: make `public.users` equal to the source of truth and report what
//! changed. The work is in [`crate::reconcile`]; this is the command line around it.

mod display;

use anyhow::Context;

use super::database::Database;
use crate::cli::{ReconcileArgs, ReconcileSource};
use crate::reconcile::auth_api::{self, AuthApi, Backoff};
use crate::reconcile::{self, database};
use crate::store;
use crate::store::readiness::Readiness;
use display::ProgressDisplay;

pub async fn run(args: ReconcileArgs) -> anyhow::Result<()> {
    let database = Database::open(&args.database).await?;
    let outcome = reconcile_open(&args, &database).await;
    database.close().await?;
    let report = outcome?;
    println!("{report}");
    Ok(())
}

async fn reconcile_open(
    args: &ReconcileArgs,
    database: &Database,
) -> anyhow::Result<reconcile::Report> {
    ensure_migrated(database).await?;
    let display = ProgressDisplay::new(args.dry_run);
    let progress = |progress: &reconcile::Progress| display.update(progress);
    let outcome = match args.from {
        ReconcileSource::Database => {
            let options = database::Options {
                batch_size: args.batch_size,
                jobs: usize::from(args.jobs),
                dry_run: args.dry_run,
            };
            database::reconcile(&database.pool, options, &progress)
                .await
                .context("reconcile from auth.users failed")
        }
        ReconcileSource::AuthApi => {
            let (Some(url), Some(key)) = (&args.supabase_url, &args.supabase_service_role_key)
            else {
                anyhow::bail!("--from admin-api needs SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY");
            };
            let backoff = Backoff {
                attempts: args.max_attempts,
                ..Backoff::default()
            };
            let api = AuthApi::new(url, key, backoff)?;
            let options = auth_api::Options {
                per_page: args.per_page,
                dry_run: args.dry_run,
            };
            auth_api::reconcile(&database.pool, &api, options, &progress)
                .await
                .context("reconcile from the Admin API failed")
        }
    };
    display.finish();
    outcome
}

/// The embedded development database is migrated here (as `serve` would); a real one must
/// have been migrated by `auth-mirror migrate`.
async fn ensure_migrated(database: &Database) -> anyhow::Result<()> {
    if database.is_embedded() {
        return database.migrate().await;
    }
    match store::readiness::check(&database.pool).await {
        Readiness::Ready => Ok(()),
        Readiness::MigrationsPending => anyhow::bail!(
            "the database is missing auth-mirror's migrations: run `auth-mirror migrate` first"
        ),
        Readiness::DatabaseUnreachable => {
            anyhow::bail!("cannot reach the database (is DATABASE_URL right?)")
        }
    }
}
