//! `auth-mirror send`: signs a realistic sample event and posts it to a running instance,
//! to check a deployment end to end. Exits non-zero unless the service accepted it.

use std::time::Duration;

use anyhow::Context;
use clap::ValueEnum as _;
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::secret::existing_dev_secret;
use crate::cli::SendArgs;
use crate::client::samples;
use crate::client::{self, hooks, Answer};
use crate::webhook::WebhookSecrets;

/// Where `send` goes when no URL is given: `serve`'s default address.
const LOCAL_SERVICE: &str = "http://localhost:8080";

pub async fn run(args: SendArgs) -> anyhow::Result<()> {
    let secrets = signing_secrets(&args)?;
    let key = &secrets.keys()[0];
    let base = args
        .target
        .as_deref()
        .or(args.url.as_deref())
        .unwrap_or(LOCAL_SERVICE);
    let url = client::endpoint(base, args.kind.default_path())?;
    let user_id = args.user_id.unwrap_or_else(Uuid::new_v4);
    let now = chrono::Utc::now();
    let body = samples::body(args.kind, user_id, now);
    let http = client::http_client(Duration::from_secs(args.timeout_seconds))?;

    let kind = args.kind.to_possible_value().expect("no kind is skipped");
    println!("POST {url} ({}, user {user_id})", kind.get_name());
    let answer = hooks::post_signed(&http, &url, key, now.timestamp(), body).await?;
    println!("{} {}", answer.status, answer.body.trim());

    let accepted = if args.kind.is_auth_hook() {
        hooks::auth_hook_accepted(&answer)
    } else {
        hooks::db_event_accepted(&answer)
    };
    if !accepted {
        anyhow::bail!("the service did not accept the event: {}", hint(&answer));
    }
    println!("accepted: the service stored the event");
    Ok(())
}

/// `--secret`/`WEBHOOK_SECRETS`, else the development secret of the data folder.
fn signing_secrets(args: &SendArgs) -> anyhow::Result<WebhookSecrets> {
    let raw = match &args.secret {
        Some(secret) => secret.expose_secret().to_owned(),
        None => existing_dev_secret(&args.auth_mirror_data_dir).context(
            "no secret to sign with: set WEBHOOK_SECRETS or --secret to the service's secret",
        )?,
    };
    WebhookSecrets::parse(&raw)
        .context("the signing secret (WEBHOOK_SECRETS or --secret) is invalid")
}

/// What the answer most likely means, for the person reading it.
fn hint(answer: &Answer) -> String {
    let status = answer.status;
    let why = match status.as_u16() {
        200..=299 => "it answered with Supabase's error object (see the message above)",
        401 => "the signature did not verify: the secret differs from the service's WEBHOOK_SECRETS, or this machine's clock is off by more than WEBHOOK_TOLERANCE_SECONDS",
        404 => "nothing at that path: give the service's origin, e.g. https://<app>.fly.dev",
        503 => "the service could not store the event: is its database reachable (GET /readyz)?",
        _ => "see the body above",
    };
    format!("{status}: {why}")
}
