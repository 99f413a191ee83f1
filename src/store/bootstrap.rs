//! Creating databases and giving them Supabase's shape, for the embedded database and tests.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions as _, Connection, Executor, PgConnection, PgPool};

use super::StoreError;
use crate::embedded_db::SUPABASE_AUTH_FIXTURE;

/// Creates database `name` on the server of `server` unless it exists.
pub async fn ensure_database(server: &PgConnectOptions, name: &str) -> Result<(), StoreError> {
    let mut connection = PgConnection::connect_with(server).await?;
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(name)
            .fetch_one(&mut connection)
            .await?;
    if !exists {
        create_database(&mut connection, name).await?;
    }
    connection.close().await?;
    Ok(())
}

/// Creates database `name`; fails if it exists.
pub async fn create_database(connection: &mut PgConnection, name: &str) -> Result<(), StoreError> {
    connection
        .execute(format!(r#"create database "{}""#, name.replace('"', "\"\"")).as_str())
        .await?;
    Ok(())
}

/// Drops database `name`, disconnecting whoever still uses it.
pub async fn drop_database(connection: &mut PgConnection, name: &str) -> Result<(), StoreError> {
    connection
        .execute(
            format!(
                r#"drop database if exists "{}" with (force)"#,
                name.replace('"', "\"\"")
            )
            .as_str(),
        )
        .await?;
    Ok(())
}

/// Gives the database Supabase's roles and `auth.users` (idempotent). Needs a superuser.
pub async fn apply_supabase_fixture(pool: &PgPool) -> Result<(), StoreError> {
    let mut connection = set_up_connection(pool).await?;
    sqlx::raw_sql(SUPABASE_AUTH_FIXTURE)
        .execute(&mut connection)
        .await?;
    connection.close().await?;
    Ok(())
}

/// A connection of its own to the pool's database for set-up (the fixture, migrations): long
/// statements by nature, so sqlx's statement logging, whose "slow statement" warning prints a
/// statement's whole text, is off; NOTICEs as `hide_notices_unless_debugging` says.
pub(crate) async fn set_up_connection(pool: &PgPool) -> Result<PgConnection, StoreError> {
    let options = pool
        .connect_options()
        .as_ref()
        .clone()
        .disable_statement_logging();
    let mut connection = PgConnection::connect_with(&options).await?;
    hide_notices_unless_debugging(&mut connection).await?;
    Ok(connection)
}

/// Idempotent set-up reports "already exists, skipping" as NOTICEs, which sqlx logs at INFO;
/// they are wanted only when debugging (`RUST_LOG=debug`).
pub(crate) async fn hide_notices_unless_debugging(
    connection: &mut PgConnection,
) -> Result<(), StoreError> {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        connection
            .execute("set client_min_messages = warning")
            .await?;
    }
    Ok(())
}
