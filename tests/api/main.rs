//! Black-box tests: the real application on a real socket, against a real PostgreSQL.

mod db_webhook;
mod health;
mod helpers;
mod mirror_auth_hook;
mod payloads;
mod trigger;
