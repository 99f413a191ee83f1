//! `auth-mirror` running on a fresh database of the test run's server, as it runs on Fly:
//! `DATABASE_URL` and `WEBHOOK_SECRETS` set, no embedded database.

use auth_mirror::webhook::WebhookSecrets;

use crate::cli::process::sandbox;
use crate::cli::service::Service;
use crate::helpers::{Setup, TestDatabase};

/// A running service, its database and its secret.
pub struct Running {
    pub service: Service,
    pub database: TestDatabase,
    pub secret: String,
    // Working folder of the process; removed after it.
    pub dir: tempfile::TempDir,
}

impl Running {
    /// Starts `auth-mirror serve` with `env` on a fresh Supabase-shaped database (the service
    /// migrates it) and waits until `/readyz` answers 200.
    pub async fn start(env: &[(&str, &str)]) -> Self {
        let database = TestDatabase::create(Setup {
            supabase_shaped: true,
            migrated: false,
        })
        .await;
        let secret = WebhookSecrets::generate();
        let dir = sandbox();
        let url = database_url(&database);
        let mut all = vec![("DATABASE_URL", url.as_str()), ("WEBHOOK_SECRETS", &secret)];
        all.extend_from_slice(env);
        let mut service = Service::start_with_env(dir.path(), &all);
        service.wait_until_ready().await;
        Self {
            service,
            database,
            secret,
            dir,
        }
    }

    /// Starts the service again on the same database with the same secret (after the last
    /// one stopped or was killed) and waits until it is ready.
    pub async fn restart(&mut self, env: &[(&str, &str)]) {
        let url = database_url(&self.database);
        let mut all = vec![
            ("DATABASE_URL", url.as_str()),
            ("WEBHOOK_SECRETS", &self.secret),
        ];
        all.extend_from_slice(env);
        self.service = Service::start_with_env(self.dir.path(), &all);
        self.service.wait_until_ready().await;
    }

    /// `http://127.0.0.1:<port>`, an origin as a user would give `send`.
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.service.port())
    }
}

/// A URL of `database` for the binary: `DATABASE_URL` with the database's name, or the
/// throwaway cluster (trust authentication, no password).
pub fn database_url(database: &TestDatabase) -> String {
    if let Ok(server) = std::env::var("DATABASE_URL") {
        let mut url = reqwest::Url::parse(&server).expect("DATABASE_URL is a URL");
        url.set_path(&format!("/{}", database.name));
        return url.to_string();
    }
    let options = database.pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        database.name
    )
}
