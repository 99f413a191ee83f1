# auth-mirror's container image: `fly deploy` builds it (remotely), or `docker build .`.
#
# Stages: chef (the toolchain and cargo-chef) -> planner (the dependency recipe) -> builder
# (dependencies in their own cached layer, then the release binary) -> runtime (Debian slim,
# CA certificates, a non-root user, the one binary). The migrations are compiled into the
# binary (sqlx::migrate!), so nothing else is copied.
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
    && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin auth-mirror
COPY --from=builder /app/target/release/auth-mirror /usr/local/bin/auth-mirror
USER auth-mirror
ENV PORT=8080 \
    LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["auth-mirror"]
CMD ["serve"]
