//! The deployment against the real binary: `fly.toml` and the `Dockerfile` checked against
//! what the binary does (deploy/image-check.sh runs the image itself, with Docker), the
//! image's entrypoint on a root-owned volume, the operator's alert rules and dashboard against
//! the metrics, graceful shutdown under load, and `auth-mirror send` against a running
//! instance. Every service runs on a fresh database of the test run's PostgreSQL server
//! (`DATABASE_URL`, or a throwaway cluster).

mod files;
mod running;

mod chaos;
mod crash;
mod docker;
mod fly;
mod operator_kit;
mod send;
mod shutdown;
mod volume;
