//! Template databases: the first test of a process that wants a prepared database (the
//! Supabase fixture, the migrations) prepares a template once; every test then gets a copy
//! (`CREATE DATABASE … TEMPLATE …`), which costs a fraction of a migration run.
//!
//! A template's name is a digest of what it holds (the migrations' checksums, the fixture,
//! the set-up, the user that builds it). Test processes sharing one server (`DATABASE_URL`)
//! therefore share a template only when it holds exactly what each would have built, and a
//! later run with the same migrations reuses it: one small database per migration set stays
//! on such a server. A template is built under a name of its own and renamed once complete,
//! so no copy is ever taken of a half-built one; it refuses connections, so nobody can
//! change it or hold a session that would block the copies.

use std::sync::OnceLock;

use auth_mirror::embedded_db::SUPABASE_AUTH_FIXTURE;
use auth_mirror::store;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};

use super::server::Setup;

/// PostgreSQL's code for "database already exists".
const DUPLICATE_DATABASE: &str = "42P04";

/// The template for `setup` on `server`, prepared on first use; `None` for a bare database,
/// which needs none.
pub fn for_setup(server: &PgConnectOptions, setup: Setup) -> Option<&'static str> {
    static TEMPLATES: [OnceLock<String>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let slot = match (setup.supabase_shaped, setup.migrated) {
        (false, false) => return None,
        (true, false) => 0,
        (false, true) => 1,
        (true, true) => 2,
    };
    let name = TEMPLATES[slot].get_or_init(|| {
        let server = server.clone();
        // Called from a test's runtime, which cannot block on async work: the template is
        // prepared on a thread with a runtime of its own while the callers wait.
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(prepare(&server, setup))
        })
        .join()
        .expect("the template is prepared")
    });
    Some(name)
}

/// Publishes the template for `setup` unless the server has it already; returns its name.
async fn prepare(server: &PgConnectOptions, setup: Setup) -> String {
    let name = format!("auth_mirror_template_{}", digest(server, setup));
    let mut admin = PgConnection::connect_with(server)
        .await
        .expect("connect to server");
    if exists(&mut admin, &name).await {
        return name;
    }
    let building = format!(
        "{name}_building_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    store::bootstrap::create_database(&mut admin, &building)
        .await
        .expect("create the template");
    let pool = store::pool::connect_lazy(server.clone().database(&building));
    if setup.supabase_shaped {
        store::bootstrap::apply_supabase_fixture(&pool)
            .await
            .expect("supabase fixture");
    }
    if setup.migrated {
        store::migrate::run(&pool).await.expect("migrate");
    }
    pool.close().await;
    admin
        .execute(
            format!(r#"alter database "{building}" with is_template true allow_connections false"#)
                .as_str(),
        )
        .await
        .expect("lock the template");
    let renamed = admin
        .execute(format!(r#"alter database "{building}" rename to "{name}""#).as_str())
        .await;
    match renamed {
        Ok(_) => {}
        // Another process published the same template meanwhile: use theirs.
        Err(sqlx::Error::Database(error))
            if error.code().as_deref() == Some(DUPLICATE_DATABASE) =>
        {
            admin
                .execute(format!(r#"alter database "{building}" is_template false"#).as_str())
                .await
                .expect("unlock the spare template");
            store::bootstrap::drop_database(&mut admin, &building)
                .await
                .expect("drop the spare template");
        }
        Err(error) => panic!("cannot publish the template: {error}"),
    }
    admin.close().await.ok();
    name
}

async fn exists(admin: &mut PgConnection, name: &str) -> bool {
    sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
        .bind(name)
        .fetch_one(admin)
        .await
        .expect("look for the template")
}

/// 16 hex digits naming everything the template's content depends on.
fn digest(server: &PgConnectOptions, setup: Setup) -> String {
    let mut hash = Sha256::new();
    hash.update(format!(
        "{}\0{}\0{}\0",
        server.get_username(),
        setup.supabase_shaped,
        setup.migrated
    ));
    hash.update(SUPABASE_AUTH_FIXTURE);
    for migration in store::migrate::migrations().iter() {
        hash.update(migration.version.to_le_bytes());
        hash.update(&migration.checksum);
    }
    hex::encode(&hash.finalize()[..8])
}
