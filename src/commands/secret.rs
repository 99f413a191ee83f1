//! The webhook secret, in one place: `secret new` prints a fresh one; `serve` takes its
//! secrets from `WEBHOOK_SECRETS`, or a development secret kept in the data folder when
//! running on the embedded database (never no secret: unsigned traffic is never accepted);
//! `send` signs with that development secret when given none.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::ExposeSecret;

use crate::cli::{SecretCommand, ServeArgs};
use crate::webhook::WebhookSecrets;

const DEV_SECRET_FILE: &str = "dev-webhook-secret";

/// `secret new`: prints a fresh secret in Supabase's format.
pub fn run(command: SecretCommand) -> anyhow::Result<()> {
    match command {
        SecretCommand::New => println!("{}", WebhookSecrets::generate()),
    }
    Ok(())
}

/// The secrets to verify with, and where they came from.
pub struct Resolved {
    pub secrets: WebhookSecrets,
    /// The development secret and its file, when it is one.
    development: Option<(String, PathBuf)>,
}

impl Resolved {
    /// Says where the secrets come from; shows the development secret. Called once start-up
    /// has succeeded, so a failed start prints no secret.
    pub fn announce(&self) {
        match &self.development {
            None => tracing::info!(
                keys = self.secrets.len(),
                "webhook secrets from WEBHOOK_SECRETS"
            ),
            Some((raw, file)) => {
                tracing::info!(file = %file.display(), "development webhook secret (WEBHOOK_SECRETS is unset)");
                // Shown like `supabase start` shows its keys: this is a local development secret.
                println!("Development webhook secret (set WEBHOOK_SECRETS to use your own): {raw}");
            }
        }
    }
}

pub fn resolve(args: &ServeArgs, embedded_database: bool) -> anyhow::Result<Resolved> {
    if let Some(raw) = &args.webhook_secrets {
        let secrets =
            WebhookSecrets::parse(raw.expose_secret()).context("WEBHOOK_SECRETS is invalid")?;
        return Ok(Resolved {
            secrets,
            development: None,
        });
    }
    if !embedded_database {
        anyhow::bail!(
            "WEBHOOK_SECRETS is not set: give the secret(s) you configured in Supabase \
             (`auth-mirror secret new` prints a fresh one)"
        );
    }
    let data_dir = &args.database.auth_mirror_data_dir;
    let raw = dev_secret(data_dir)?;
    let secrets = WebhookSecrets::parse(&raw)
        .context("the development secret in the data folder is invalid")?;
    Ok(Resolved {
        secrets,
        development: Some((raw, data_dir.join(DEV_SECRET_FILE))),
    })
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
