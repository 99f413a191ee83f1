//! The README's steps, run as written: the db-webhook install is safe to run again.

use std::process::Command;

use sqlx::{Connection, Executor, PgConnection};

use super::cluster::new_database;
use super::{auth_mirror, run, sandbox, stderr};

/// Supabase Vault's functions and view, as far as the install uses them: a secret name is
/// unique, so a second `create_secret` of the same name fails as on Supabase.
const STAND_IN_VAULT: &str = r#"
create schema vault;
create table vault.secrets (
    id         uuid primary key default gen_random_uuid(),
    name       text unique,
    secret     text not null,
    created_at timestamptz not null default now()
);
create function vault.create_secret(new_secret text, new_name text default null,
    new_description text default '', new_key_id uuid default null) returns uuid
language sql as $$ insert into vault.secrets (name, secret) values (new_name, new_secret) returning id $$;
create function vault.update_secret(secret_id uuid, new_secret text default null,
    new_name text default null, new_description text default null, new_key_id uuid default null)
returns void
language sql as $$ update vault.secrets set secret = coalesce(new_secret, secret) where id = secret_id $$;
create view vault.decrypted_secrets as
    select id, name, secret as decrypted_secret, created_at from vault.secrets;
-- pg_net's entry point, which the install checks for; nothing is sent in this test.
create schema net;
create function net.http_post(url text, body jsonb default '{}', params jsonb default '{}',
    headers jsonb default '{}', timeout_milliseconds integer default 5000) returns bigint
language sql as $$ select 0::bigint $$;
"#;

/// The first `sh` block of the README section `heading`.
fn readme_block(heading: &str) -> String {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find(heading).expect("README section")..];
    let start = section.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let end = start + section[start..].find("```").expect("end of the block");
    section[start..end].to_owned()
}

#[tokio::test]
async fn the_readme_db_webhook_install_can_be_run_again_to_rotate_the_secret() {
    let url = new_database("readme_install").await;
    let mut connection = PgConnection::connect(&url).await.unwrap();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    auth_mirror::store::bootstrap::apply_supabase_fixture(&pool)
        .await
        .unwrap();
    connection.execute(STAND_IN_VAULT).await.unwrap();
    let dir = sandbox();
    let mut migrate = auth_mirror(dir.path(), &["migrate"]);
    migrate.env("DATABASE_URL", &url);
    let migrated = run(migrate).await;
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let steps = readme_block("## Signed database webhook");
    let install = |secret: &str| {
        let output = Command::new("sh")
            .args(["-e", "-c", &steps])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("DATABASE_URL", &url)
            .env("WEBHOOK_SECRETS", secret)
            .output()
            .expect("sh runs");
        assert!(output.status.success(), "{}", stderr(&output));
    };
    let first = auth_mirror::webhook::WebhookSecrets::generate();
    let rotated = auth_mirror::webhook::WebhookSecrets::generate();

    install(&first);
    install(&rotated);

    let vault: Vec<String> = sqlx::query_scalar(
        "select decrypted_secret from vault.decrypted_secrets where name = 'auth_mirror_webhook_secret'",
    )
    .fetch_all(&mut connection)
    .await
    .unwrap();
    assert_eq!(vault, std::slice::from_ref(&rotated));
    let settings: Vec<(String, String)> =
        sqlx::query_as("select key, value from auth_mirror.settings order by key")
            .fetch_all(&mut connection)
            .await
            .unwrap();
    assert_eq!(
        settings,
        [
            (
                "db_webhook_url".to_owned(),
                "https://<your-host>/hooks/db".to_owned()
            ),
            ("webhook_secret".to_owned(), rotated),
        ]
    );
    let triggers: i64 = sqlx::query_scalar(
        "select count(*) from pg_trigger where tgname like 'auth_mirror_db_webhook_%'",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert_eq!(triggers, 3);
}
