#!/usr/bin/env bash
# Do the service's plans depend on statistics? (issue 24; results in BENCHMARKS.md, "Plans
# without statistics"). Two cases, each on a fresh throwaway cluster (synchronous_commit on)
# with auto_explain logging the plan of every statement, nested ones included, that takes
# longer than EXPLAIN_MS:
#
#   growth   the release build from an empty database, never analyzed, under the load
#            generator flat out (CONNECTIONS connections, UPDATES database updates) in SLICES
#            slices of SLICE deliveries each; then ANALYZE and one more slice: the steady
#            state the slices are compared with;
#   bulk     USERS users in public.users and EVENTS events in auth_mirror.events (the real
#            delivery body as payload) written by SQL, autovacuum held off those two tables
#            (the minutes before it catches up after a load), no ANALYZE; then BULK_SLICES
#            slices; then ANALYZE and one more slice.
#
# One service runs through all slices of a case (its connections, and the plans they have
# cached, live as long as a deployment's would). Each slice prints the rows before it,
# events/s, p99, CPU per event of the service and of PostgreSQL, the sequential scans of
# public.users and auth_mirror.events per 1,000 deliveries (pg_stat_user_tables), and how
# many times autovacuum has analyzed each table so far (it may, during a run: that is what
# it does after the first minute of a new deployment).
# Then which statements auto_explain caught scanning a whole table, and how often.
#
#   bench/cold_plans.sh
#   CASES="growth bulk" SLICES=10 SLICE=10000 USERS=1000000 EVENTS=2000000 bench/cold_plans.sh
#
# Takes about 3 minutes for growth and 5 to 10 for bulk (the load itself writes ~3 GB).
# Never touches another server: the cluster listens on 127.0.0.1:PG_PORT, removed on exit.
set -euo pipefail

CASES=${CASES:-growth bulk}
SLICES=${SLICES:-10}
SLICE=${SLICE:-10000}
BULK_SLICES=${BULK_SLICES:-3}
USERS=${USERS:-1000000}
EVENTS=${EVENTS:-2000000}
CONNECTIONS=${CONNECTIONS:-32}
UPDATES=${UPDATES:-0.25}
EXPLAIN_MS=${EXPLAIN_MS:-20}
PG_PORT=${PG_PORT:-55531}
PORT=${PORT:-58141}
# shellcheck source=bench/lib/setup.sh
. "$(dirname "$0")/lib/setup.sh"

scans() {
    sql -F' ' -c "select coalesce(sum(seq_scan) filter (where relname = 'users'), 0),
                         coalesce(sum(seq_scan) filter (where relname = 'events'), 0)
                  from pg_stat_user_tables
                  where (schemaname, relname) in (('public', 'users'), ('auth_mirror', 'events'))"
}
field() { grep -o " $1=[0-9.]*" | cut -d= -f2; }
row() { printf '%-8s %-16s %16s %9s %8s %8s %8s %9s %9s %9s\n' "$@"; }

# One slice: SLICE deliveries flat out to the running service. Counters are read after a
# pause: a busy backend reports its counts up to a second late.
slice() {
    local name=$1 line u1 e1 u2 e2 ticks after rows analyzed
    rows=$(sql -c "select string_agg(n_live_tup::text, '/' order by relname desc)
                   from pg_stat_user_tables
                   where (schemaname, relname) in (('public', 'users'), ('auth_mirror', 'events'))")
    read -r u1 e1 < <(scans)
    ticks=$(cluster_ticks "$CLUSTER_PID")
    SEED=$((SEED + 1))
    line=$(WEBHOOK_SECRETS=$SECRET "$LOAD" --url "http://127.0.0.1:$PORT" --server-pid "$SERVICE_PID" \
        --warmup 0 --connections "$CONNECTIONS" --updates "$UPDATES" --retries 0 --seed "$SEED" \
        --requests "$SLICE" --duration 600s | grep '^load:')
    after=$(cluster_ticks "$CLUSTER_PID")
    sleep 1.5
    read -r u2 e2 < <(scans)
    analyzed=$(sql -c "select string_agg(autoanalyze_count::text, '/' order by relname desc)
                       from pg_stat_user_tables
                       where (schemaname, relname) in (('public', 'users'), ('auth_mirror', 'events'))")
    row "$CASE" "$name" "$rows" "$(field events_per_s <<<"$line" | cut -d. -f1)" \
        "$(field p99_ms <<<"$line")" "$(field server_cpu_us <<<"$line" | cut -d. -f1)" \
        "$(((after - ticks) * 10000 / SLICE))" \
        "$(awk -v a="$((u2 - u1))" -v n="$SLICE" 'BEGIN { printf "%.1f", a * 1000 / n }')" \
        "$(awk -v a="$((e2 - e1))" -v n="$SLICE" 'BEGIN { printf "%.1f", a * 1000 / n }')" "$analyzed"
}

bulk_load() {
    local payload
    payload=$("$LOAD" --sample)
    sql -c "alter table public.users set (autovacuum_enabled = false);
            alter table auth_mirror.events set (autovacuum_enabled = false)"
    sql -v payload="$payload" -v users="$USERS" -v events="$EVENTS" <<'SQL'
insert into public.users (id, email, is_anonymous, user_metadata, app_metadata, auth_created_at,
                          auth_updated_at)
select md5(g::text)::uuid, 'user' || g || '@example.com', false,
       '{"email_verified": false, "phone_verified": false}', '{"provider": "email"}',
       now() - interval '1 day', now() - interval '1 day'
  from generate_series(1, :users) as g;
insert into auth_mirror.events (source, kind, event_key, user_id, webhook_id, signed_at,
                                received_at, payload, status, effect, applied_via)
select 'auth_hook', 'after-user-created', 'hook:' || md5(g::text || 'k')::uuid,
       md5((1 + g % :users)::text)::uuid, 'msg_' || g, now() - interval '1 day',
       now() - interval '1 day', convert_to(:'payload', 'UTF8'), 'applied', 'inserted', 'delivery'
  from generate_series(1, :events) as g;
checkpoint;
SQL
}

echo "machine: nproc $(nproc); $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1);" \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "service: release build, $CONNECTIONS connections, $UPDATES updates, $SLICE deliveries a slice;" \
    "auto_explain of statements over ${EXPLAIN_MS} ms"
row case slice "users/events" events/s p99_ms svc_µs pg_µs users_seq events_seq autoanalyze
row "" "" "before the slice" "" "" "per event" "per event" "per 1k" "per 1k" "users/events"
for CASE in $CASES; do
    cluster_start "$WORK/pg" "$PG_PORT" synchronous_commit=on fsync=on \
        session_preload_libraries=auto_explain auto_explain.log_min_duration="${EXPLAIN_MS}ms" \
        auto_explain.log_nested_statements=on
    supabase_database "$DB_URL" "$SERVICE"
    if [ "$CASE" = bulk ]; then
        started=$(date +%s)
        bulk_load
        echo "bulk     $USERS users, $EVENTS events loaded in $(($(date +%s) - started)) s, not analyzed"
        start_service "$DB_URL" "$SECRET" "$PORT" "$WORK/service.log"
        for i in $(seq "$BULK_SLICES"); do slice "not analyzed $i"; done
    else
        start_service "$DB_URL" "$SECRET" "$PORT" "$WORK/service.log"
        for i in $(seq "$SLICES"); do slice "from empty $i"; done
    fi
    sql -c analyze
    slice "analyzed"
    stop_service
    echo "$CASE: statements auto_explain caught reading a whole table (plans over ${EXPLAIN_MS} ms):"
    awk '/duration: .* plan:/ { plan = 1; text = ""; next }
         plan && /Query Text:/ { sub(/.*Query Text: */, ""); text = substr($0, 1, 90); next }
         plan && /Seq Scan on/ { sub(/.*Seq Scan on /, ""); sub(/ .*/, ""); seen[$0 " <- " text]++ }
         /^[0-9][0-9][0-9][0-9]-/ && !/plan:/ { plan = 0 }
         END { for (s in seen) printf "  %6d  %s\n", seen[s], s }' "$WORK/pg/server.log" | sort -rn | head -n 10
    cluster_stop "$WORK/pg"
    rm -rf "$WORK/pg"
done
