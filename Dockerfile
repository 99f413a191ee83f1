# auth-mirror's container image: `fly deploy` builds it (remotely), or `docker build .`.
#
# Stages: chef (the toolchain and cargo-chef) -> planner (the dependency recipe) -> builder
# (dependencies in their own cached layer, then the release binary) -> runtime (Debian slim,
# CA certificates, a non-root user, the one binary and its entrypoint). The migrations are
# compiled into the binary (build.rs embeds migrations/), so nothing else is copied.
#
# `deploy/image-check.sh` builds this file unchanged and runs the image as Fly does.
#
# The image has no PostgreSQL: DATABASE_URL is required (the embedded development database
# needs PostgreSQL's server binaries).

FROM rust:1-slim-bookworm AS chef
RUN cargo install cargo-chef --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# Only this layer rebuilds when Cargo.toml or Cargo.lock change.
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bin auth-mirror

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install --yes --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 auth-mirror \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin auth-mirror
COPY --from=builder /app/target/release/auth-mirror /usr/local/bin/auth-mirror
COPY deploy/entrypoint.sh /usr/local/bin/auth-mirror-entrypoint
# SPOOL_DIR as in fly.toml: on Fly's volume there, inside the container without one.
ENV PORT=8080 \
    LOG_FORMAT=json \
    SPOOL_DIR=/var/lib/auth-mirror/spool
EXPOSE 8080
# No USER: the container starts as root only so that the entrypoint can hand SPOOL_DIR (on a
# volume Fly mounts owned by root) to uid 10001; it then runs the command as uid 10001 with
# setpriv. Fly's release command (`auth-mirror migrate`) replaces CMD and goes through it too.
ENTRYPOINT ["auth-mirror-entrypoint"]
CMD ["auth-mirror", "serve"]
