//! The PostgreSQL server of the test run and one fresh database (`TestDatabase`) per test,
//! a copy of the template for its set-up (see `template`).

use std::str::FromStr;
use std::sync::OnceLock;

use auth_mirror::embedded_db::Throwaway;
use auth_mirror::store;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection, PgPool};

/// The PostgreSQL server all tests of this run share (each in its own database).
fn server() -> &'static PgConnectOptions {
    static SERVER: OnceLock<(PgConnectOptions, Option<Throwaway>)> = OnceLock::new();
    &SERVER
        .get_or_init(|| match std::env::var("DATABASE_URL") {
            Ok(url) => (
                PgConnectOptions::from_str(&url).expect("DATABASE_URL is not a PostgreSQL URL"),
                None,
            ),
            Err(_) => {
                let throwaway = Throwaway::start().expect("cannot start a throwaway PostgreSQL");
                (
                    throwaway.cluster().connect_options("postgres"),
                    Some(throwaway),
                )
            }
        })
        .0
}

/// How a test wants its database.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    /// Give the database Supabase's roles and `auth.users` before migrating.
    pub supabase_shaped: bool,
    /// Apply the migrations before the app starts.
    pub migrated: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            supabase_shaped: true,
            migrated: true,
        }
    }
}

/// A fresh database, dropped when the value is dropped.
pub struct TestDatabase {
    pub name: String,
    pub pool: PgPool,
}

impl TestDatabase {
    pub async fn create(setup: Setup) -> Self {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect_with(server())
            .await
            .expect("connect to server");
        let statement = match super::template::for_setup(server(), setup) {
            Some(template) => format!(r#"create database "{name}" template "{template}""#),
            None => format!(r#"create database "{name}""#),
        };
        admin
            .execute(statement.as_str())
            .await
            .expect("create database");
        admin.close().await.ok();
        let pool = store::pool::connect_lazy(server().clone().database(&name));
        Self { name, pool }
    }

    /// A `DATABASE_URL` for this database, to hand to the `auth-mirror` binary.
    pub fn url(&self) -> String {
        match std::env::var("DATABASE_URL") {
            // The same server and credentials, another database (keeping any parameters).
            Ok(url) => {
                let (server, rest) = url.rsplit_once('/').expect("a URL with a database");
                let parameters = rest.split_once('?').map_or("", |(_, query)| query);
                let separator = if parameters.is_empty() { "" } else { "?" };
                format!("{server}/{}{separator}{parameters}", self.name)
            }
            // The throwaway cluster: loopback, trust authentication.
            Err(_) => {
                let server = server();
                format!(
                    "postgres://{}@{}:{}/{}",
                    server.get_username(),
                    server.get_host(),
                    server.get_port(),
                    self.name
                )
            }
        }
    }

    /// Drops the database now, as if the server lost it.
    pub async fn drop_now(&self) {
        let mut admin = PgConnection::connect_with(server())
            .await
            .expect("connect to server");
        store::bootstrap::drop_database(&mut admin, &self.name)
            .await
            .expect("drop database");
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on async work: use a thread
        // with a runtime of its own.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect_with(server()).await {
                    let _ = store::bootstrap::drop_database(&mut admin, &name).await;
                }
            });
        })
        .join();
    }
}
