//! Black-box tests: the real application on a real socket, against a real PostgreSQL. Its
//! harness (`helpers`, `payloads`) serves the other parts of the suite too.

pub(crate) mod admin;
mod alert_metrics;
mod binary;
mod convergence;
mod db_webhook;
mod deadline;
mod duplicates;
mod exact_metadata;
mod failures;
mod group_commit;
mod health;
pub(crate) mod helpers;
mod hostile;
mod intake;
mod load_generator;
mod metrics;
mod mirror_auth_hook;
mod mirror_auth_more;
mod mirror_db_event;
mod outcome_headers;
pub(crate) mod payloads;
mod personal_data;
mod prisma;
mod reconcile;
mod schema;
mod seed_migration;
pub(crate) mod signature;
mod spool;
mod trigger;
