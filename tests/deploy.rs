//! The deployment against the real binary: `fly.toml` and the `Dockerfile` checked against
//! what the binary does (deploy/image-check.sh runs the image itself, with Docker), the
//! image's entrypoint on a root-owned volume, the operator's alert rules and dashboard against
//! the metrics, graceful shutdown under load, and `auth-mirror send` against a running
//! instance. Every service runs on a fresh database of the test run's PostgreSQL server
//! (`DATABASE_URL`, or a throwaway cluster).

// A crate root looks for modules beside itself; these live in folders.
#[path = "api/payloads.rs"]
#[allow(dead_code)]
mod payloads;
#[path = "cli/process.rs"]
mod process;
#[path = "api/helpers/server.rs"]
#[allow(dead_code)]
mod server;
#[path = "cli/service.rs"]
mod service;
#[path = "api/helpers/template.rs"]
mod template;

#[path = "deploy/files.rs"]
mod files;
#[path = "deploy/running.rs"]
mod running;

#[path = "deploy/chaos.rs"]
mod chaos;
#[path = "deploy/crash.rs"]
mod crash;
#[path = "deploy/docker.rs"]
mod docker;
#[path = "deploy/fly.rs"]
mod fly;
#[path = "deploy/operator_kit.rs"]
mod operator_kit;
#[path = "deploy/send.rs"]
mod send;
#[path = "deploy/shutdown.rs"]
mod shutdown;
#[path = "deploy/volume.rs"]
mod volume;

// `service` finds these in its parent module.
use process::{auth_mirror, QUICK};
