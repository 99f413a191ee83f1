//! `send`'s arguments: which sample event, where to, signed with which secret.

use std::path::PathBuf;

use clap::Args;
use secrecy::SecretString;
use uuid::Uuid;

use super::{secret, DEFAULT_DATA_DIR};
use crate::client::samples::SampleKind;

/// What to send, where, signed with what.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The service: `https://<app>.fly.dev` (the kind's path, `/hooks/auth` or `/hooks/db`, is
    /// added) or a full URL.
    #[arg(value_name = "URL", conflicts_with = "url")]
    pub target: Option<String>,

    /// Same as the positional URL.
    #[arg(long)]
    pub url: Option<String>,

    /// Which sample event.
    #[arg(long, value_enum, default_value_t = SampleKind::AfterUserCreated)]
    pub kind: SampleKind,

    /// Secret to sign with, in Supabase's format (the first of a `|`-separated list is used).
    /// Unset: the development secret in the data folder, if there is one.
    #[arg(long, env = "WEBHOOK_SECRETS", hide_env_values = true, value_parser = secret)]
    pub secret: Option<SecretString>,

    /// The sample user's id (default: a new one). Give the same id to send an insert, an
    /// update and a delete of one user.
    #[arg(long, value_name = "UUID")]
    pub user_id: Option<Uuid>,

    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 10)]
    pub timeout_seconds: u64,

    /// Folder holding the development secret of `serve` on the embedded database.
    #[arg(long, env = "AUTH_MIRROR_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub auth_mirror_data_dir: PathBuf,
}
