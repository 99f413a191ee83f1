#!/usr/bin/env bash
# Users per second reconciled from auth.users by `auth-mirror reconcile` (BENCHMARKS.md).
#
# For each size N: a fresh Supabase-shaped database (src/embedded_db/supabase_auth.sql),
# `auth-mirror migrate`, then N users inserted into auth.users by supabase_auth_admin with
# its triggers disabled (users from before auth-mirror: the mirror is empty). Then, timed:
#   1. `auth-mirror reconcile`           every user created in public.users
#   2. `auth-mirror reconcile` again     every user unchanged (the steady state)
#   3. the ceiling: one set-based INSERT .. SELECT of the same columns into an empty copy
#      of public.users, without the convergence rule (what PostgreSQL itself does for
#      the same rows on this machine)
#   4. where the time of the steady state goes, one statement on one core each, the mirror
#      in sync: the rule per row as shipped (SECURITY DEFINER, SET search_path); the same
#      body without those two clauses; an empty plpgsql function with the same arguments
#      (the call alone); a scan of the same rows with no call at all.
# and prints users/s for each. Builds the release binary first.
#
# Server: a throwaway cluster from /usr/lib/postgresql/*/bin on 127.0.0.1:$PORT, default
# settings, removed on exit. Run from anywhere:
#
#   bench/reconcile.sh
#   SIZES="100000" JOBS=2 BATCH=5000 bench/reconcile.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=${SIZES:-100000 1000000}
JOBS=${JOBS:-2}
BATCH=${BATCH:-5000}
PORT=${PORT:-5498}
export PGOPTIONS='-c client_min_messages=warning'

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin auth-mirror
BINARY="$ROOT/target/release/auth-mirror"

WORK=$(mktemp -d)
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
cleanup() {
    as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
chown postgres: "$WORK" 2>/dev/null || true
as_postgres "$PG_BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -k $WORK -p $PORT" start >/dev/null

sql() { local db=$1; shift; psql "postgres://postgres@127.0.0.1:$PORT/$db" -qAtX -v ON_ERROR_STOP=1 "$@"; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f users/s (%.2f s)", n / s, s }'; }

echo "server: $("$PG_BIN/postgres" --version), default settings; $(nproc) CPUs; jobs=$JOBS batch=$BATCH"
for n in $SIZES; do
    db="bench_reconcile_$n"
    url="postgres://postgres@127.0.0.1:$PORT/$db"
    sql postgres -c "create database $db"
    sql "$db" -f "$ROOT/src/embedded_db/supabase_auth.sql" >/dev/null
    DATABASE_URL="$url" LOG_FORMAT=json RUST_LOG=warn "$BINARY" migrate
    # Supabase Auth's own role, which owns auth.users and may switch its triggers off.
    psql "postgres://supabase_auth_admin@127.0.0.1:$PORT/$db" -qAtX -v ON_ERROR_STOP=1 -c "
        alter table auth.users disable trigger user;
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
                email_confirmed_at, is_anonymous)
        select '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated',
               'authenticated', 'user' || i || '@example.com', '\$2a\$10\$hash',
               '{\"provider\": \"email\", \"providers\": [\"email\"]}',
               jsonb_build_object('name', 'User ' || i),
               now() - make_interval(secs => i), now() - make_interval(secs => i),
               now() - make_interval(secs => i), false
          from generate_series(1, $n) as i;
        alter table auth.users enable trigger user;"
    sql "$db" -c "vacuum analyze auth.users"

    for run in "first (all created)" "second (all unchanged)"; do
        start=$(now)
        DATABASE_URL="$url" LOG_FORMAT=json RUST_LOG=warn "$BINARY" reconcile \
            --jobs "$JOBS" --batch-size "$BATCH" >"$WORK/report" 2>"$WORK/progress"
        seconds=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
        echo "N=$n reconcile, $run: $(rate "$n" "$seconds") -- $(cat "$WORK/report")"
    done

    sql "$db" -c "create table public.users_ceiling (like public.users including all)"
    start=$(now)
    sql "$db" -c "
        insert into public.users_ceiling as u (id, email, phone, is_anonymous, user_metadata,
               app_metadata, email_confirmed_at, auth_created_at, auth_updated_at, deleted_at)
        select id, email, phone, is_anonymous, raw_user_meta_data, raw_app_meta_data,
               email_confirmed_at, created_at, updated_at, deleted_at
          from auth.users
        on conflict (id) do update set email = excluded.email"
    seconds=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
    echo "N=$n ceiling, one set-based INSERT without the rule: $(rate "$n" "$seconds")"
    timed() {
        local label=$1 query=$2 start seconds
        start=$(now)
        sql "$db" -c "$query" >/dev/null
        seconds=$(awk -v a="$start" -v b="$(now)" 'BEGIN { print b - a }')
        echo "N=$n rule cost, $label: $(rate "$n" "$seconds")"
    }
    sql "$db" -c "
        do \$\$ declare v_definition text; begin
            v_definition := pg_get_functiondef('auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean)'::regprocedure);
            v_definition := replace(v_definition, 'auth_mirror.apply_user_state(', 'auth_mirror.apply_user_state_plain(');
            v_definition := replace(v_definition, E'\n SECURITY DEFINER', '');
            v_definition := replace(v_definition, E'\n SET search_path TO \'\'', '');
            execute v_definition;
        end \$\$;
        create function auth_mirror.empty_call(uuid, text, text, boolean, jsonb, jsonb,
            timestamptz, timestamptz, timestamptz, timestamptz, boolean) returns text
            language plpgsql as \$\$ begin return 'stale'; end \$\$;"
    args="a.id, a.email, a.phone, a.is_anonymous, a.raw_user_meta_data, a.raw_app_meta_data, a.email_confirmed_at, a.created_at, a.updated_at, a.deleted_at, false"
    timed "apply_user_state as shipped" "select count(auth_mirror.apply_user_state($args)) from auth.users a"
    timed "same body, no SECURITY DEFINER / SET" "select count(auth_mirror.apply_user_state_plain($args)) from auth.users a"
    timed "empty plpgsql call" "select count(auth_mirror.empty_call($args)) from auth.users a"
    timed "scan only" "select count(a.raw_user_meta_data) from auth.users a"
    sql postgres -c "drop database $db with (force)"
done
