#!/usr/bin/env bash
# The cost of the auth.users mirror trigger on Supabase-shaped signups (BENCHMARKS.md).
#
# Two databases prepared identically (src/embedded_db/supabase_auth.sql, then migrations/
# in order), one with the mirror triggers dropped; then the same pgbench signup script
# (bench/signup.sql, run as supabase_auth_admin) against each, same clients, same duration,
# in the same run (ROUNDS > 1 alternates them, to spread out a noisy machine's drift).
# Prints tps and latency of both and the ratio.
#
# Server: DATABASE_URL (a superuser URL; the benchmark databases are created on it and
# dropped afterwards), else a throwaway cluster from /usr/lib/postgresql/*/bin, removed
# on exit. Run from anywhere:
#
#   bench/trigger_overhead.sh
#   CLIENTS=4 THREADS=2 DURATION=20 ROUNDS=1 SYNC_COMMIT="on off" bench/trigger_overhead.sh
#
# SYNC_COMMIT: the synchronous_commit values to measure. "on" is Supabase's durable
# default (every commit waits for its WAL flush); "off" takes the flush out, so the
# ratio shows the trigger's CPU cost alone (the worst case).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENTS=${CLIENTS:-4}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-1}
SYNC_COMMIT=${SYNC_COMMIT:-on off}
DATABASES=(bench_trigger_without bench_trigger_with)
export PGOPTIONS='-c client_min_messages=warning'

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "${DATABASE_URL:-}" ]; then
        for db in "${DATABASES[@]}"; do
            psql "$DATABASE_URL" -qAtX -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
        done
    elif [ -n "$SERVER_PID" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${DATABASE_URL:-}" ]; then
    # DATABASE_URL with its database swapped for $1 (a URL with a /database path).
    conn() {
        local base=${DATABASE_URL%%\?*}
        echo "${base%/*}/$1${DATABASE_URL#"$base"}"
    }
    # Supabase Auth's session without its password: the superuser's session, with role
    # supabase_auth_admin (every permission check is then made for supabase_auth_admin).
    auth_conn() { conn "$1"; }
    AUTH_OPTIONS="-c role=supabase_auth_admin -c search_path=auth"
    SERVER="DATABASE_URL ($(psql "$DATABASE_URL" -qAtX -c 'show server_version'))"
else
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    chown postgres: "$WORK" 2>/dev/null || true
    as_postgres "$PG_BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
        -o "-c listen_addresses='' -k $WORK -p 5499" start >/dev/null
    SERVER_PID=$(head -n 1 "$WORK/data/postmaster.pid")
    conn() { echo "host=$WORK port=5499 user=postgres dbname=$1"; }
    # Supabase Auth logs in as supabase_auth_admin (LOGIN in the fixture, trust here);
    # its search_path = auth comes from the role's settings.
    auth_conn() { echo "host=$WORK port=5499 user=supabase_auth_admin dbname=$1"; }
    AUTH_OPTIONS=
    SERVER="throwaway cluster, $("$PG_BIN/postgres" --version), default settings"
fi
sql() { local db=$1; shift; psql "$(conn "$db")" -qAtX -v ON_ERROR_STOP=1 "$@"; }

for db in "${DATABASES[@]}"; do
    sql postgres -c "drop database if exists $db with (force)" -c "create database $db"
    sql "$db" -f "$ROOT/src/embedded_db/supabase_auth.sql" >/dev/null
    for migration in "$ROOT"/migrations/*.sql; do
        PGOPTIONS="$PGOPTIONS -c search_path=auth_mirror" \
            sql "$db" -f "$migration" >/dev/null
    done
done
sql bench_trigger_without \
    -c "drop trigger auth_mirror_user_inserted on auth.users" \
    -c "drop trigger auth_mirror_user_updated on auth.users" \
    -c "drop trigger auth_mirror_user_deleted on auth.users"

# Runs the signup script against database $1 with synchronous_commit $2; prints "tps latency_ms".
run() {
    local db=$1 sync=$2 out
    sql "$db" -c "checkpoint"
    out=$(PGOPTIONS="$AUTH_OPTIONS -c synchronous_commit=$sync" \
        pgbench -n -M prepared -f "$ROOT/bench/signup.sql" \
            -c "$CLIENTS" -j "$THREADS" -T "$DURATION" "$(auth_conn "$db")" 2>&1) || { echo "$out" >&2; return 1; }
    echo "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out") $(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")"
}

echo "server: $SERVER; nproc $(nproc); $(lscpu | sed -n 's/^Model name: *//p' | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pgbench -n -M prepared -f bench/signup.sql -c $CLIENTS -j $THREADS -T $DURATION, $ROUNDS round(s) alternating without/with"
printf '%-18s %-6s %-8s %10s %12s\n' synchronous_commit round trigger tps latency_ms
for sync in $SYNC_COMMIT; do
    results=()
    for round in $(seq "$ROUNDS"); do
        for mode in without with; do
            read -r tps latency < <(run "bench_trigger_$mode" "$sync")
            printf '%-18s %-6s %-8s %10.1f %12.3f\n' "$sync" "$round" "$mode" "$tps" "$latency"
            results+=("$mode $tps $latency")
        done
    done
    printf '%s\n' "${results[@]}" | awk -v sync="$sync" '
        { tps[$1] += $2; lat[$1] += $3; n[$1]++ }
        END {
            tw = tps["with"] / n["with"]; to = tps["without"] / n["without"]
            lw = lat["with"] / n["with"]; lo = lat["without"] / n["without"]
            printf "%-18s mean   without  %10.1f %12.3f\n", sync, to, lo
            printf "%-18s mean   with     %10.1f %12.3f\n", sync, tw, lw
            printf "%-18s ratio with/without: tps %.3f, latency %.3f (the trigger costs %.1f%% of throughput)\n", sync, tw / to, lw / lo, (1 - tw / to) * 100
        }'
done

# The trigger really mirrored every signup, and nothing failed.
sql bench_trigger_with -c "
    select format('check: %s auth users, %s mirrored, %s trigger errors',
                  (select count(*) from auth.users),
                  (select count(*) from public.users),
                  (select count(*) from auth_mirror.trigger_errors))"
