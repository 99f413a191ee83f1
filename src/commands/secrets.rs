//! Where the webhook secrets come from: `WEBHOOK_SECRETS`, or a development secret kept in the
//! data folder when running on the embedded database. Never no secret: unsigned traffic is
//! never accepted.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use secrecy::ExposeSecret;

use crate::cli::ServeArgs;
use crate::webhook::WebhookSecrets;

const DEV_SECRET_FILE: &str = "dev-webhook-secret";

pub fn resolve(args: &ServeArgs, embedded_database: bool) -> anyhow::Result<WebhookSecrets> {
    if let Some(raw) = &args.webhook_secrets {
        return WebhookSecrets::parse(raw.expose_secret()).context("WEBHOOK_SECRETS is invalid");
    }
    if !embedded_database {
        anyhow::bail!(
            "WEBHOOK_SECRETS is not set: give the secret(s) you configured in Supabase \
             (`auth-mirror secret new` prints a fresh one)"
        );
    }
    let raw = dev_secret(&args.database.auth_mirror_data_dir)?;
    // Shown like `supabase start` shows its keys: this is a local development secret.
    println!("Development webhook secret (set WEBHOOK_SECRETS to use your own): {raw}");
    WebhookSecrets::parse(&raw).context("the development secret in the data folder is invalid")
}

/// Reads the development secret, creating it (mode 0600) on first use.
fn dev_secret(data_dir: &Path) -> anyhow::Result<String> {
    if let Some(existing) = existing_dev_secret(data_dir) {
        return Ok(existing);
    }
    let path = data_dir.join(DEV_SECRET_FILE);
    let secret = WebhookSecrets::generate();
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(file, "{secret}")?;
    Ok(secret)
}

/// The development secret kept in the data folder, if one was made.
pub(super) fn existing_dev_secret(data_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data_dir.join(DEV_SECRET_FILE)).ok()?;
    Some(text.trim().to_string())
}
