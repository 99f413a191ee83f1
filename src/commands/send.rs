//! `auth-mirror send`: signs a realistic sample event and posts it to a running instance,
//! to check a deployment end to end. Prints what the mirror did with it (the hook endpoint's
//! `auth-mirror-outcome` header) and exits non-zero unless it was applied or a documented
//! no-op (stale, unversioned, allowed).

use std::time::Duration;

use anyhow::Context;
use clap::ValueEnum as _;
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::secret::existing_dev_secret;
use crate::cli::SendArgs;
use crate::client::hooks::Report;
use crate::client::samples;
use crate::client::{self, hooks, Answer};
use crate::domain::reported::Reported;
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
    let report = answer.report.as_ref().context(
        "the service took the event but did not say what it did with it (no auth-mirror-outcome \
         header: not auth-mirror, an older version, or a proxy that drops the header)",
    )?;
    println!("{}", verdict(report)?);
    Ok(())
}

/// What the mirror did, for the person reading it; an error unless the event was applied or
/// asked for nothing to be written.
fn verdict(report: &Report) -> anyhow::Result<String> {
    let copy = if report.duplicate {
        " (a copy of an event stored before: this is what the first delivery came to)"
    } else {
        ""
    };
    let Some(outcome) = report.outcome.filter(|outcome| outcome.is_settled()) else {
        let why = match report.outcome {
            Some(Reported::Failed) => format!(
                "failed: stored, but applying it failed ({}). Fix the cause, then replay it: \
                 auth-mirror events replay --status failed (the retry worker also tries again \
                 on RETRY_SCHEDULE)",
                report.error.as_deref().unwrap_or("no reason given")
            ),
            Some(Reported::Spooled) => "spooled: the service's database did not take it in time; \
                 it is kept in the spool and applied when the database is back (GET /readyz)"
                .to_owned(),
            Some(Reported::Ignored) => {
                "ignored: recorded, but the service does not mirror this event".to_owned()
            }
            _ => format!(
                "the service answered the outcome {:?}, which this version does not know",
                report.outcome_text
            ),
        };
        anyhow::bail!("the event was not applied{copy}: {why}");
    };
    let what = match outcome {
        Reported::Applied => "public.users has the event's state",
        Reported::Stale => "public.users already holds this state or a newer one; nothing to write",
        Reported::Unversioned => "the event carries no real version, so it never writes",
        _ => "recorded; before-user-created never writes a row (the user does not exist yet)",
    };
    Ok(format!("{}: {what}{copy}", outcome.as_str()))
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
