#!/usr/bin/env bash
# Builds the container image from the unmodified Dockerfile and runs it the way Fly does,
# on this machine, from nothing, with no image registry:
#
#   tools      docker.io and mmdebstrap from Debian when missing; dockerd started if it is not
#              running (--iptables=false --bridge=none: no container gets a bridge address)
#   base       debian:bookworm-slim from mmdebstrap; rust:1-slim-bookworm = that + gcc,
#              libc6-dev, ca-certificates (and this machine's extra CA certificates, so cargo
#              reaches the crate registry as the host does) + this machine's Rust toolchain,
#              laid out as the official image does. Both are reused when already built.
#   build      `docker build --network host .` with the project's Dockerfile as it is
#   release    a throwaway PostgreSQL on loopback, Supabase-shaped; the release command
#              (`auth-mirror migrate`) in the image, no volume, as Fly's release machine
#   serve      the image on a fresh root-owned named volume at /var/lib/auth-mirror
#              (volume-nocopy: Fly copies nothing into a volume), fly.toml's [env],
#              DATABASE_URL and WEBHOOK_SECRETS; /healthz and /readyz; runs as uid 10001
#   deliver    signed deliveries with `auth-mirror send`, mirrored
#   outage     the database stopped: deliveries answered and spooled on the volume
#   recover    the database and the container restarted: the spool drains, each delivery is
#              mirrored exactly once
#   stop       SIGTERM: exit 0 within fly.toml's kill_timeout
#
# Every container uses the host's network and every request goes to 127.0.0.1. Ports are free
# ones picked here, not fly.toml's (the host's ports are shared). Prints each step's time and
# the image size; cleans up its container, volume and database on exit (images stay, as cache).
#
# Usage: deploy/image-check.sh            (as root, or a user who can run docker and apt-get)
#   IMAGE_CHECK_REBUILD_BASE=1 rebuilds the two base images.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly IMAGE=auth-mirror:image-check
readonly RUN_ID="auth-mirror-image-check-$$"
readonly CONTAINER="$RUN_ID"
readonly VOLUME="$RUN_ID-volume"
readonly UNPREPARED_VOLUME="$RUN_ID-unprepared"
readonly SERVICE_UID=10001
readonly DELIVERIES=3
WORK=$(mktemp -d /tmp/auth-mirror-image-check.XXXXXX)
chmod 0755 "$WORK"
readonly WORK

started_dockerd=""
pg_bin=""
pg_data="$WORK/postgres"
pg_port=""
timings=()
run_started=$(date +%s.%N)

say() { printf '   %s\n' "$*"; }
fail() { printf 'image-check: %s\n' "$*" >&2; exit 1; }
seconds_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; else "$@"; fi
}
psql_check() {
    "$pg_bin/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d auth_mirror -c "$1"
}

# Runs one step (a function), printing and recording its time.
step() {
    local name=$1 started
    printf '\n== %s\n' "$name"
    started=$(date +%s.%N)
    "$2"
    timings+=("$(printf '%8s s  %s' "$(seconds_since "$started")" "$name")")
    say "($(seconds_since "$started") s)"
}

cleanup() {
    local status=$?
    if [ "$status" -ne 0 ] && docker inspect "$CONTAINER" >/dev/null 2>&1; then
        echo "--- the service's log (last 40 lines)" >&2
        docker logs --tail 40 "$CONTAINER" >&2 2>&1 || true
    fi
    docker rm --force "$CONTAINER" >/dev/null 2>&1 || true
    docker volume rm --force "$VOLUME" "$UNPREPARED_VOLUME" >/dev/null 2>&1 || true
    if [ -n "$pg_bin" ] && [ -f "$pg_data/postmaster.pid" ]; then
        as_postgres "$pg_bin/pg_ctl" --pgdata "$pg_data" stop --mode=immediate >/dev/null 2>&1 || true
    fi
    if [ -n "$started_dockerd" ]; then
        kill "$started_dockerd" 2>/dev/null && wait "$started_dockerd" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT

free_port() {
    local port
    for port in $(shuf -i 20000-59999 -n 100); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    fail "no free port found"
}

# Waits until `curl` gets a 2xx from $1, for up to $2 seconds.
wait_for() {
    local url=$1 limit=$2 waited=0
    until curl --silent --fail --max-time 2 --output /dev/null "$url"; do
        [ "$waited" -lt "$((limit * 10))" ] || fail "$url did not answer 2xx within $limit s"
        sleep 0.1
        waited=$((waited + 1))
    done
}

tools() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
    command -v curl >/dev/null || missing+=(curl)
    command -v python3 >/dev/null || missing+=(python3)
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -x "$pg_bin/initdb" ] || fail "no PostgreSQL server binaries in /usr/lib/postgresql (apt-get install postgresql)"
    if ! docker info >/dev/null 2>&1; then
        say "starting dockerd"
        dockerd --iptables=false --bridge=none >"$WORK/dockerd.log" 2>&1 &
        started_dockerd=$!
        local waited=0
        until docker info >/dev/null 2>&1; do
            [ "$waited" -lt 300 ] || { cat "$WORK/dockerd.log" >&2; fail "dockerd did not start"; }
            sleep 0.1
            waited=$((waited + 1))
        done
    fi
    say "docker $(docker version --format '{{.Server.Version}}'), PostgreSQL binaries in $pg_bin"
}

# debian:bookworm-slim as the official image is made: minbase bookworm with /usr merged
# without the usrmerge package (and its perl), no documentation, man pages or translations,
# apt set up to keep no caches or indexes in image layers, and its default command.
debian_base() {
    if [ -z "${IMAGE_CHECK_REBUILD_BASE:-}" ] && docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
        say "reusing debian:bookworm-slim"
        return
    fi
    local options=() folder conf="$WORK/apt.conf.d"
    for folder in doc man info locale groff linda lintian; do
        options+=("--dpkgopt=path-exclude=/usr/share/$folder/*")
    done
    options+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")
    mkdir -p "$conf"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$conf/docker-autoremove-suggests"
    cat >"$conf/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
    echo 'Acquire::GzipIndexes "true";' >"$conf/docker-gzip-indexes"
    echo 'Acquire::Languages "none";' >"$conf/docker-no-languages"
    for file in "$conf"/*; do
        options+=("--customize-hook=copy-in $file /etc/apt/apt.conf.d/")
    done
    # Written by apt during the bootstrap, before the lines above told it not to.
    options+=('--customize-hook=rm -f "$1"/var/cache/apt/*.bin')
    options+=("--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr")
    mmdebstrap --quiet --variant=minbase "${options[@]}" bookworm "$WORK/bookworm-slim.tar"
    docker import --change 'CMD ["bash"]' "$WORK/bookworm-slim.tar" debian:bookworm-slim >/dev/null
    rm -f "$WORK/bookworm-slim.tar"
}

# rust:1-slim-bookworm: debian:bookworm-slim + what the official image adds, with this machine's
# toolchain (the only one that can be had here) instead of a downloaded one.
rust_base() {
    local sysroot toolchain rustup_bin label
    sysroot=$(rustc --print sysroot)
    toolchain=$(basename "$sysroot")
    rustup_bin=$(command -v rustup) || fail "rustup not found: the Rust toolchain is copied from rustup's layout"
    label="$(rustc --version) $(docker image inspect --format '{{.Id}}' debian:bookworm-slim)"
    if [ -z "${IMAGE_CHECK_REBUILD_BASE:-}" ] && [ "$(docker image inspect --format \
        '{{ index .Config.Labels "auth-mirror.image-check.toolchain" }}' rust:1-slim-bookworm 2>/dev/null)" = "$label" ]; then
        say "reusing rust:1-slim-bookworm ($(rustc --version))"
        return
    fi
    local context="$WORK/rust-context"
    mkdir -p "$context/rustup/toolchains" "$context/cargo/bin" "$context/ca-certificates"
    # The toolchain without its offline documentation (the official image has none either).
    tar -C "$(dirname "$sysroot")" --exclude="$toolchain/share/doc" -cf - "$toolchain" \
        | tar -C "$context/rustup/toolchains" -xf -
    printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n' "$toolchain" \
        >"$context/rustup/settings.toml"
    cp "$rustup_bin" "$context/cargo/bin/rustup"
    # The CA certificates this machine adds (a TLS-inspecting egress proxy): without them cargo
    # inside the build cannot verify the crate registry.
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$context/ca-certificates/"
    fi
    cat >"$context/Dockerfile" <<DOCKERFILE
FROM debian:bookworm-slim
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:\$PATH
RUN apt-get update \\
    && apt-get install --yes --no-install-recommends ca-certificates gcc libc6-dev \\
    && rm -rf /var/lib/apt/lists/*
COPY ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
COPY rustup/ /usr/local/rustup/
COPY cargo/ /usr/local/cargo/
RUN for proxy in cargo rustc rustdoc cargo-clippy clippy-driver rustfmt cargo-fmt; do \\
        ln /usr/local/cargo/bin/rustup /usr/local/cargo/bin/\$proxy; done \\
    && chmod -R a+w /usr/local/rustup /usr/local/cargo \\
    && rustc --version && cargo --version
LABEL auth-mirror.image-check.toolchain="$label"
DOCKERFILE
    docker build --network host --quiet --tag rust:1-slim-bookworm "$context" >/dev/null
    rm -rf "$context"
}

build_image() {
    say "Dockerfile $(sha256sum Dockerfile | cut -c1-16)... as committed: $(git diff --quiet HEAD -- Dockerfile 2>/dev/null && echo yes || echo 'no (local changes)')"
    docker build --network host --tag "$IMAGE" .
    image_bytes=$(docker image inspect --format '{{.Size}}' "$IMAGE")
    say "image size: $((image_bytes / 1000000)) MB ($image_bytes bytes)"
    # Debian slim, CA certificates, the binary and its entrypoint: no build tools came along.
    local tools
    tools=$(docker run --rm --network host --entrypoint sh "$IMAGE" -c \
        'for tool in cargo rustc gcc cc make; do command -v "$tool"; done' || true)
    [ -z "$tools" ] || fail "build tools in the image: $tools"
    say "no build tools in the image; its own files: $(docker run --rm --network host \
        --entrypoint sh "$IMAGE" -c 'ls /usr/local/bin | tr "\n" " "')"
}

# A cluster of its own on a free loopback port, trust authentication, with Supabase's roles
# and auth.users (the SQL the test suite and the embedded database use).
database() {
    pg_port=$(free_port)
    mkdir -p "$pg_data"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pg_data"
    chmod 0700 "$pg_data"
    as_postgres "$pg_bin/initdb" --username=postgres --auth=trust --encoding=UTF8 --locale=C \
        --no-sync --pgdata "$pg_data" >/dev/null
    start_database
    "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
        -c 'create database auth_mirror'
    "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U postgres -d auth_mirror \
        -f src/embedded_db/supabase_auth.sql >/dev/null
    say "PostgreSQL on 127.0.0.1:$pg_port, database auth_mirror with Supabase's auth.users"
}

start_database() {
    as_postgres "$pg_bin/pg_ctl" --pgdata "$pg_data" start --wait --log "$pg_data/server.log" \
        -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" >/dev/null
}

stop_database() {
    as_postgres "$pg_bin/pg_ctl" --pgdata "$pg_data" stop --wait --mode=fast >/dev/null
}

# fly.toml's [env] as an env file, with free ports for its *PORT variables; and kill_timeout.
fly_settings() {
    python3 - "$@" <<'PYTHON'
import sys, tomllib
fly = tomllib.load(open("fly.toml", "rb"))
if sys.argv[1] == "env":
    for name, value in fly.get("env", {}).items():
        print(f"{name}={value}")
else:
    timeout = fly.get("kill_timeout", 5)
    if isinstance(timeout, str):
        minutes, _, rest = timeout.rpartition("m")
        timeout = int(minutes or 0) * 60 + int(rest.rstrip("s") or 0)
    print(timeout)
PYTHON
}

release_command() {
    local name value
    : >"$WORK/service.env"
    chmod 0600 "$WORK/service.env"
    while IFS='=' read -r name value; do
        case "$name" in
            *PORT) value=$(free_port) ;;
        esac
        printf '%s=%s\n' "$name" "$value" >>"$WORK/service.env"
    done < <(fly_settings env)
    port=$(sed -n 's/^PORT=//p' "$WORK/service.env")
    metrics_port=$(sed -n 's/^METRICS_PORT=//p' "$WORK/service.env")
    metrics_port=${metrics_port:-$port}
    kill_timeout=$(fly_settings kill_timeout)
    WEBHOOK_SECRETS=$(docker run --rm --network host "$IMAGE" auth-mirror secret new | tail -n 1)
    export WEBHOOK_SECRETS
    {
        echo "DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/auth_mirror"
        echo "WEBHOOK_SECRETS=$WEBHOOK_SECRETS"
        # Loopback only here: with the host's network, Fly's 0.0.0.0 would be this machine's.
        echo "HOST=127.0.0.1"
    } >>"$WORK/service.env"
    local release
    release=$(python3 -c 'import tomllib; print(tomllib.load(open("fly.toml", "rb"))["deploy"]["release_command"])')
    say "fly.toml: release_command '$release', kill_timeout ${kill_timeout} s; [env] with PORT=$port"
    # As Fly's release machine: the image's entrypoint, the command for CMD, no volume.
    # shellcheck disable=SC2086 # the release command is words
    docker run --rm --network host --env-file "$WORK/service.env" --env RELEASE_COMMAND=1 \
        "$IMAGE" $release
    local migrations triggers
    migrations=$(psql_check 'select count(*) from auth_mirror._sqlx_migrations where success')
    triggers=$(psql_check "select count(*) from pg_trigger where tgrelid = 'auth.users'::regclass and not tgisinternal")
    say "migrated: $migrations migrations applied, $triggers triggers on auth.users"
    [ "$migrations" -gt 0 ] && [ "$triggers" -gt 0 ] || fail "the release command did not migrate"
}

volume_path() { docker volume inspect --format '{{.Mountpoint}}' "$VOLUME"; }

start_service() {
    docker run --detach --name "$CONTAINER" --network host --env-file "$WORK/service.env" \
        --mount "type=volume,src=$VOLUME,dst=/var/lib/auth-mirror,volume-nocopy" "$IMAGE" >/dev/null
    wait_for "http://127.0.0.1:$port/healthz" 30
    wait_for "http://127.0.0.1:$port/readyz" 30
}

# The image started as Fly starts it, on a fresh volume that belongs to root.
serve() {
    docker volume create "$VOLUME" >/dev/null
    say "fresh volume: $(stat -c '%U:%G %a' "$(volume_path)")"
    start_service
    say "/readyz: $(curl --silent "http://127.0.0.1:$port/readyz")"
    local pid uid
    pid=$(docker inspect --format '{{.State.Pid}}' "$CONTAINER")
    uid=$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")
    say "the service ($(cat "/proc/$pid/comm"), pid $pid) runs as uid $uid"
    [ "$uid" = "$SERVICE_UID" ] || fail "the service runs as uid $uid, not $SERVICE_UID"
    say "spool folder on the volume: $(stat -c '%u:%g %a' "$(volume_path)/spool")"
}

users=()
# $1: what `send` must report (a grep pattern): `^applied: ` (it exits 0), or
# `not applied: spooled` (database down: it exits 1, the event is kept in the spool).
send_deliveries() {
    local expected=$1 user output
    for _ in $(seq "$DELIVERIES"); do
        user=$(cat /proc/sys/kernel/random/uuid)
        users+=("$user")
        output=$(docker run --rm --network host --env WEBHOOK_SECRETS "$IMAGE" \
            auth-mirror send --url "http://127.0.0.1:$port" --user-id "$user" 2>&1) || true
        sed 's/^/   /' <<<"$output"
        grep -q "$expected" <<<"$output" || fail "send did not report $expected"
    done
}

user_list() { printf "'%s'," "$@" | sed 's/,$//'; }

deliver() {
    send_deliveries '^applied: '
    local mirrored
    mirrored=$(psql_check "select count(*) from public.users where id in ($(user_list "${users[@]}"))")
    say "mirrored: $mirrored of ${#users[@]} users"
    [ "$mirrored" -eq "${#users[@]}" ] || fail "expected ${#users[@]} mirrored users"
}

metric() {
    curl --silent "http://127.0.0.1:$metrics_port/metrics" | awk -v name="$1" '$1 == name { print $2 }'
}

spooled_users=()
outage() {
    stop_database
    say "database stopped"
    local before=${#users[@]}
    send_deliveries 'not applied: spooled'
    spooled_users=("${users[@]:$before}")
    say "/readyz: $(curl --silent "http://127.0.0.1:$port/readyz")"
    say "auth_mirror_spool_records $(metric auth_mirror_spool_records)"
    say "on the volume:"
    (cd "$(volume_path)" && find . -printf '%M %u:%g %8s %p\n' | sed 's/^/     /')
    local records
    records=$(metric auth_mirror_spool_records)
    [ "$records" = "$DELIVERIES" ] || fail "expected $DELIVERIES spooled deliveries, the spool holds $records"
}

recover() {
    start_database
    say "database started; restarting the container (SIGTERM, then a new start on the same volume)"
    docker restart --time "$kill_timeout" "$CONTAINER" >/dev/null
    wait_for "http://127.0.0.1:$port/readyz" 30
    local waited=0
    until [ "$(metric auth_mirror_spool_records)" = 0 ]; do
        [ "$waited" -lt 300 ] || fail "the spool did not drain within 30 s"
        sleep 0.1
        waited=$((waited + 1))
    done
    say "/readyz: $(curl --silent "http://127.0.0.1:$port/readyz")"
    local all spooled events keys
    all=$(user_list "${users[@]}")
    spooled=$(psql_check "select count(*) from public.users where id in ($(user_list "${spooled_users[@]}"))")
    events=$(psql_check "select count(*) from auth_mirror.events where user_id in ($all)")
    keys=$(psql_check "select count(distinct event_key) from auth_mirror.events where user_id in ($all)")
    say "spooled users mirrored: $spooled of ${#spooled_users[@]}; events stored: $events for ${#users[@]} deliveries ($keys distinct)"
    [ "$spooled" -eq "${#spooled_users[@]}" ] || fail "the spooled deliveries were not all mirrored"
    [ "$events" -eq "${#users[@]}" ] && [ "$keys" -eq "$events" ] || fail "not exactly one event per delivery"
    local left
    left=$(find "$(volume_path)/spool" -name '*.seg' | wc -l)
    say "segments left on the volume: $left"
}

stop() {
    local started elapsed code
    started=$(date +%s.%N)
    docker kill --signal TERM "$CONTAINER" >/dev/null
    code=$(timeout "$kill_timeout" docker wait "$CONTAINER") || fail "still running ${kill_timeout} s after SIGTERM"
    elapsed=$(seconds_since "$started")
    say "exit code $code, $elapsed s after SIGTERM (kill_timeout ${kill_timeout} s)"
    [ "$code" = 0 ] || fail "exit code $code after SIGTERM"
    # Every line the service wrote is JSON (LOG_FORMAT=json): nothing plain from the entrypoint.
    docker logs "$CONTAINER" 2>&1 | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
for line in lines:
    json.loads(line)
print(f"   {len(lines)} log lines, all JSON; the last: {lines[-1]}")'
}

# Without root (the entrypoint prepares nothing), a fresh volume is not writable: the service
# says why, as a JSON log line, instead of starting.
unusable_spool() {
    local output
    docker volume create "$UNPREPARED_VOLUME" >/dev/null
    if output=$(docker run --rm --network host --user "$SERVICE_UID" --env-file "$WORK/service.env" \
        --mount "type=volume,src=$UNPREPARED_VOLUME,dst=/var/lib/auth-mirror,volume-nocopy" \
        "$IMAGE" 2>&1); then
        fail "the service started on a spool folder it cannot write"
    fi
    say "$output"
    grep -q '"level":"ERROR"' <<<"$output" && grep -q 'SPOOL_DIR' <<<"$output" \
        || fail "no JSON error naming SPOOL_DIR"
}

step "tools" tools
step "base image debian:bookworm-slim" debian_base
step "base image rust:1-slim-bookworm" rust_base
step "docker build (the Dockerfile as it is)" build_image
step "throwaway PostgreSQL" database
step "release command" release_command
step "serve on a fresh root-owned volume" serve
step "signed deliveries" deliver
step "database outage: deliveries spooled on the volume" outage
step "database and container restarted: mirrored exactly once" recover
step "SIGTERM" stop
step "no root, no spool: the start-up error" unusable_spool

printf '\n== image-check passed: image %s, %s MB\n' "$IMAGE" "$((image_bytes / 1000000))"
printf '%s\n' "${timings[@]}"
printf '%8s s  total\n' "$(seconds_since "$run_started")"
