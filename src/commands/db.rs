//! `auth-mirror db url`: the URL of the database the service uses, for `psql`; `auth-mirror db
//! schema`: the SQL objects the migrations created there (or in a fresh database).

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;

use super::database::{invalid_url, Database};
use crate::cli::{DatabaseArgs, SchemaArgs};
use crate::embedded_db::{self, port, Throwaway};
use crate::store;

/// Prints the URL: `DATABASE_URL` without its password (psql then reads it from
/// `PGPASSWORD` or `~/.pgpass`, or asks), or the embedded cluster's stable URL. Starts
/// nothing; says on standard error when the embedded cluster is not running.
pub fn url(args: &DatabaseArgs) -> anyhow::Result<()> {
    if let Some(url) = &args.database_url {
        println!("{}", without_password(url.expose_secret())?);
        return Ok(());
    }
    let data_dir = &args.auth_mirror_data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let port = port::stored_or_new(data_dir)?;
    println!("{}", embedded_db::url(port));
    if !accepts_connections(port) {
        eprintln!("auth-mirror: the embedded PostgreSQL is not running; `auth-mirror serve` starts it on this URL");
    }
    Ok(())
}

/// `url` with any password removed; the value is never echoed, as it may hold one.
fn without_password(url: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).map_err(|_| invalid_url())?;
    parsed.set_password(None).map_err(|()| invalid_url())?;
    Ok(parsed.to_string())
}

/// Prints the schema of the database the service uses, or with `--fresh` of a throwaway one
/// that has every migration: the text of `sql/schema.sql`.
pub async fn schema(args: &SchemaArgs) -> anyhow::Result<()> {
    let schema = if args.fresh {
        fresh_schema().await?
    } else {
        let database = Database::open(&args.database).await?;
        let schema = store::schema::current(&database.pool).await;
        database.close().await?;
        schema.context("cannot read the schema")?
    };
    print!("{schema}");
    Ok(())
}

/// A throwaway cluster (removed when this process exits) with Supabase's `auth` schema and
/// every migration, as the tests' databases are made.
async fn fresh_schema() -> anyhow::Result<String> {
    let throwaway = tokio::task::spawn_blocking(Throwaway::start)
        .await?
        .context("cannot start a throwaway PostgreSQL")?;
    let cluster = throwaway.cluster();
    store::bootstrap::ensure_database(&cluster.connect_options("postgres"), embedded_db::DATABASE)
        .await?;
    let pool = store::pool::connect_lazy(cluster.connect_options(embedded_db::DATABASE));
    store::bootstrap::apply_supabase_fixture(&pool).await?;
    store::migrate::run(&pool).await?;
    let schema = store::schema::current(&pool).await?;
    pool.close().await;
    Ok(schema)
}

fn accepts_connections(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_removed_and_the_rest_kept() {
        let url = "postgres://app:s3cret@db.example.com:6543/postgres?sslmode=require";
        assert_eq!(
            without_password(url).unwrap(),
            "postgres://app@db.example.com:6543/postgres?sslmode=require"
        );
    }

    #[test]
    fn an_invalid_url_is_refused_without_echoing_it() {
        let error = without_password("not a url s3cret")
            .unwrap_err()
            .to_string();
        assert!(error.contains("DATABASE_URL"), "{error}");
        assert!(!error.contains("s3cret"), "{error}");
    }
}
