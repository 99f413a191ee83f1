//! The test harness: one PostgreSQL server per test run, one fresh database per test, and the
//! real application (the same composition root as `main`) on a free port.
//!
//! The server is `DATABASE_URL` if set; otherwise a throwaway cluster started once from the
//! system's PostgreSQL binaries and removed when the test process exits.

use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use auth_mirror::config::{AppConfig, WebhookConfig};
use auth_mirror::embedded_db::Throwaway;
use auth_mirror::startup::Application;
use auth_mirror::store;
use auth_mirror::webhook::WebhookSecrets;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};

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
        store::bootstrap::create_database(&mut admin, &name)
            .await
            .expect("create database");
        admin.close().await.ok();
        let pool = store::pool::connect_lazy(server().clone().database(&name));
        if setup.supabase_shaped {
            store::bootstrap::apply_supabase_fixture(&pool)
                .await
                .expect("supabase fixture");
        }
        if setup.migrated {
            store::migrate::run(&pool).await.expect("migrate");
        }
        Self { name, pool }
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

/// The running application and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub database: TestDatabase,
    pub secrets: String,
    pub client: reqwest::Client,
}

/// `WEBHOOK_TOLERANCE_SECONDS` of every test app (the product's default).
pub const TOLERANCE_SECONDS: u64 = 300;

/// `MAX_BODY_BYTES` of every test app (the product's default, 1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Starts the app on a fresh Supabase-shaped, migrated database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Setup::default()).await
}

pub async fn spawn_app_with(setup: Setup) -> TestApp {
    spawn_app_configured(setup, WebhookSecrets::generate()).await
}

/// Starts the app on a fresh database with `WEBHOOK_SECRETS` set to `secrets` (for example
/// two `|`-separated keys, as during a rotation).
pub async fn spawn_app_with_secrets(secrets: &str) -> TestApp {
    spawn_app_configured(Setup::default(), secrets.to_owned()).await
}

async fn spawn_app_configured(setup: Setup, secrets: String) -> TestApp {
    let database = TestDatabase::create(setup).await;
    let config = AppConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        webhook: WebhookConfig {
            secrets: WebhookSecrets::parse(&secrets).expect("test secrets parse"),
            tolerance: Duration::from_secs(TOLERANCE_SECONDS),
            max_body_bytes: MAX_BODY_BYTES,
        },
    };
    let application = Application::build(config, database.pool.clone()).expect("build app");
    let address = format!("http://127.0.0.1:{}", application.port());
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        database,
        secrets,
        client: reqwest::Client::new(),
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }
}

// Writing auth.users the way Supabase Auth does, and reading the mirror
// (used by tests/api/trigger.rs and tests/api/db_webhook.rs).

/// Opens a transaction that acts like Supabase Auth: role `supabase_auth_admin` (which has
/// no rights on `public` or `auth_mirror`) with its `search_path = auth`.
pub async fn begin_as_auth_admin(pool: &PgPool) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut transaction = pool.begin().await.expect("begin");
    sqlx::raw_sql("set local role supabase_auth_admin; set local search_path = auth")
        .execute(&mut *transaction)
        .await
        .expect("become supabase_auth_admin");
    transaction
}

/// Runs `statements` in one transaction as `supabase_auth_admin` and commits.
pub async fn as_auth_admin(pool: &PgPool, statements: &str) {
    let mut transaction = begin_as_auth_admin(pool).await;
    sqlx::raw_sql(statements)
        .execute(&mut *transaction)
        .await
        .expect("auth write as supabase_auth_admin");
    transaction.commit().await.expect("commit auth write");
}

/// A SQL literal: `null`, or the text quoted.
pub fn sql_literal(value: Option<&str>) -> String {
    value.map_or_else(
        || "null".to_owned(),
        |text| format!("'{}'", text.replace('\'', "''")),
    )
}

/// A signup as Supabase Auth writes it: the INSERT (password hash and tokens included),
/// then, in the same transaction, the UPDATE of `role`.
pub struct Signup<'a> {
    pub id: uuid::Uuid,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub is_anonymous: bool,
    pub user_metadata: &'a str,
    pub app_metadata: &'a str,
    /// `created_at` = `updated_at`, RFC 3339.
    pub at: &'a str,
}

impl<'a> Signup<'a> {
    pub fn email(email: &'a str, at: &'a str) -> Self {
        Self {
            id: uuid::Uuid::new_v4(),
            email: Some(email),
            phone: None,
            is_anonymous: false,
            user_metadata: r#"{"name": "Ada"}"#,
            app_metadata: r#"{"provider": "email", "providers": ["email"]}"#,
            at,
        }
    }

    pub fn sql(&self) -> String {
        format!(
            "insert into users (instance_id, id, aud, role, email, encrypted_password, \
                confirmation_token, confirmation_sent_at, recovery_token, \
                email_change_token_new, email_change, raw_app_meta_data, raw_user_meta_data, \
                is_super_admin, created_at, updated_at, phone, is_anonymous) \
             values ('00000000-0000-0000-0000-000000000000', '{id}', 'authenticated', '', \
                {email}, '$2a$10$secret.password.hash', 'secret-confirmation-token', '{at}', '', \
                '', '', {app}, {user}, false, '{at}', '{at}', {phone}, {anonymous}); \
             update users set role = 'authenticated' where id = '{id}';",
            id = self.id,
            email = sql_literal(self.email),
            at = self.at,
            app = sql_literal(Some(self.app_metadata)),
            user = sql_literal(Some(self.user_metadata)),
            phone = sql_literal(self.phone),
            anonymous = self.is_anonymous,
        )
    }
}

/// The mirrored columns of a `public.users` row (not `settings` nor the row timestamps).
#[derive(Debug, PartialEq, sqlx::FromRow)]
pub struct MirrorRow {
    pub id: uuid::Uuid,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub is_anonymous: bool,
    pub user_metadata: Option<serde_json::Value>,
    pub app_metadata: Option<serde_json::Value>,
    pub email_confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub auth_created_at: Option<chrono::DateTime<chrono::Utc>>,
    pub auth_updated_at: Option<chrono::DateTime<chrono::Utc>>,
    pub deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The mirror row of user `id`, if any.
pub async fn mirror_row(pool: &PgPool, id: uuid::Uuid) -> Option<MirrorRow> {
    sqlx::query_as(
        "select id, email, phone, is_anonymous, user_metadata, app_metadata, \
                email_confirmed_at, auth_created_at, auth_updated_at, deleted_at \
           from public.users where id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .expect("read public.users")
}

/// An RFC 3339 time as the database returns it.
pub fn at(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("RFC 3339 time")
        .with_timezone(&chrono::Utc)
}

/// Seconds since the epoch, as a signer would stamp a delivery now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

impl TestApp {
    /// The app's first webhook key, to sign deliveries like Supabase does.
    pub fn key(&self) -> auth_mirror::webhook::WebhookKey {
        WebhookSecrets::parse(&self.secrets)
            .expect("secret parses")
            .keys()[0]
            .clone()
    }

    /// Standard Webhooks headers for `body`, signed now with the app's key and a fresh id.
    pub fn signed_headers(&self, body: &[u8]) -> Vec<(&'static str, String)> {
        let id = format!("msg_{}", uuid::Uuid::new_v4().simple());
        let timestamp = unix_now();
        let signature = auth_mirror::webhook::sign(&self.key(), &id, timestamp, body);
        vec![
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ]
    }

    /// POSTs `body` as JSON with exactly the given extra headers.
    pub async fn post_with_headers(
        &self,
        path: &str,
        headers: &[(&str, String)],
        body: impl Into<Vec<u8>>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/json")
            .body(body.into());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request.send().await.expect("request")
    }

    /// POSTs `body` signed like Supabase signs a delivery (a new webhook-id each time, as on
    /// Supabase's retries).
    pub async fn post_signed(&self, path: &str, body: &[u8]) -> reqwest::Response {
        let headers = self.signed_headers(body);
        self.post_with_headers(path, &headers, body.to_vec()).await
    }

    /// The mirror row of `id` as JSON (without the row's own timestamps), if any.
    pub async fn mirror_row(&self, id: uuid::Uuid) -> Option<serde_json::Value> {
        sqlx::query_scalar(
            "select to_jsonb(u) - 'created_at' - 'updated_at' from public.users u where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.database.pool)
        .await
        .expect("query mirror")
    }

    /// Stored events as (kind, status, effect, last_error), oldest first.
    pub async fn events(&self) -> Vec<(String, String, Option<String>, Option<String>)> {
        sqlx::query_as(
            "select kind, status, effect, last_error from auth_mirror.events order by id",
        )
        .fetch_all(&self.database.pool)
        .await
        .expect("query events")
    }
}
