//! auth-mirror: receives Supabase's signed auth events, stores each one durably and mirrors
//! the user it describes into `public.users` with an idempotent, order-independent upsert.
#![forbid(unsafe_code)]

pub mod admin;
pub mod cli;
pub mod client;
pub mod commands;
pub mod config;
pub mod domain;
pub mod embedded_db;
pub mod metrics;
pub mod processing;
pub mod reconcile;
pub mod routes;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod throttle;
pub mod webhook;
