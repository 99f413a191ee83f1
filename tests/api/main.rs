//! Black-box tests: the real application on a real socket, against a real PostgreSQL.

mod admin;
mod alert_metrics;
mod binary;
mod convergence;
mod db_webhook;
mod deadline;
mod duplicates;
mod failures;
mod group_commit;
mod health;
mod helpers;
mod hostile;
mod intake;
mod load_generator;
mod metrics;
mod mirror_auth_hook;
mod mirror_auth_more;
mod mirror_db_event;
mod payloads;
mod personal_data;
mod prisma;
mod reconcile;
mod seed_migration;
mod signature;
mod spool;
mod trigger;
