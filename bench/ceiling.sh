#!/usr/bin/env bash
# PostgreSQL's own per-event ceiling against the service, in one run on one machine
# (issue 12; results in BENCHMARKS.md, "Throughput against the per-event ceiling").
#
# One throwaway PostgreSQL cluster (synchronous_commit on, fsync on: durable commits), one
# Supabase-shaped database migrated by `auth-mirror migrate`, then in each round:
#   1. pgbench, bench/ceiling_per_event.sql: the exact statements the service ran, before group commit, per
#      new delivery (begin, insert event, savepoint, apply_user_state, release, mark applied,
#      commit), one event per transaction, CLIENTS clients;
#   2. pgbench, bench/ceiling_one_statement.sql: one statement storing the event and upserting
#      the user (what a hand-written Edge Function does), for reference;
#   3. the service (release build) under the load generator (benches/load), flat out over
#      CONNECTIONS connections, every delivery a new after-user-created (the work of 1.);
#   4. the same with the realistic mix (25 % db UPDATEs of recent users, 10 % retries);
#   5. the realistic mix at a fixed offered RATE per second (open loop): latency.
# Odd rounds run 1-2 first, even rounds 3-5 first. Prints every round, then medians and the
# ratios of the same rounds.
#
#   bench/ceiling.sh
#   ROUNDS=5 DURATION=10 CLIENTS=16 CONNECTIONS=32 RATE=1000 bench/ceiling.sh
#
# Needs PostgreSQL's binaries under /usr/lib/postgresql/*/bin and pgbench; as root, the
# cluster runs as the postgres OS user. Never touches another server: the cluster listens on
# 127.0.0.1:PG_PORT and is removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
RATE=${RATE:-1000}
PG_PORT=${PG_PORT:-55499}
SERVICE_PORT=${SERVICE_PORT:-58080}
WARMUP=500 # deliveries sent before each measured service run
export PGOPTIONS='-c client_min_messages=warning'

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

cd "$ROOT"
# shellcheck source=bench/lib/service.sh
. "$ROOT/bench/lib/service.sh"
build_binaries

WORK=$(mktemp -d)
PG_PID=
SERVICE_PID=
cleanup() {
    if [ -n "$SERVICE_PID" ]; then
        kill "$SERVICE_PID" 2>/dev/null || true
        wait "$SERVICE_PID" 2>/dev/null || true
    fi
    if [ -n "$PG_PID" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
chown postgres: "$WORK" 2>/dev/null || true
as_postgres "$PG_BIN/initdb" -D "$WORK/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK -c synchronous_commit=on -c fsync=on" \
    start >/dev/null
PG_PID=$(head -n 1 "$WORK/data/postmaster.pid")
CONN="host=127.0.0.1 port=$PG_PORT user=postgres dbname=ceiling"
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/ceiling"
sql() { psql "$CONN" -qAtX -v ON_ERROR_STOP=1 "$@"; }
psql "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres" -qAtX -c "create database ceiling"
sql -f src/embedded_db/supabase_auth.sql >/dev/null
"$SERVICE" migrate >/dev/null 2>&1

SECRET=$("$SERVICE" secret new)
WEBHOOK_SECRETS=$SECRET HOST=127.0.0.1 PORT=$SERVICE_PORT "$SERVICE" serve >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
for attempt in $(seq 101); do
    curl -fs "http://127.0.0.1:$SERVICE_PORT/readyz" >/dev/null && break
    if [ "$attempt" = 101 ]; then
        echo "the service did not become ready:" >&2
        cat "$WORK/service.log" >&2
        exit 1
    fi
    sleep 0.1
done

# A real after-user-created body as the load generator sends it: pgbench stores the same bytes.
PAYLOAD=$("$LOAD" --sample)
USER_METADATA=$(jq -c .user.user_metadata <<<"$PAYLOAD")
APP_METADATA=$(jq -c .user.app_metadata <<<"$PAYLOAD")

# CPU ticks (1/100 s) used by the whole cluster so far: the postmaster, its live children,
# and (cutime, cstime) the children it has reaped, such as pgbench's finished backends.
pg_ticks() {
    local total=0 pid fields
    for pid in "$PG_PID" $(pgrep -P "$PG_PID"); do
        fields=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f12-15) || continue
        for ticks in $fields; do total=$((total + ticks)); done
    done
    echo "$total"
}

# WAL flushes and bytes so far (pg_stat_wal): "syncs bytes".
wal() { sql -F' ' -c "select wal_sync, wal_bytes from pg_stat_wal"; }
# Per event between two `wal` readings $1 $2 and events $3: "syncs_per_event bytes_per_event".
wal_per_event() {
    local s1 b1 s2 b2
    read -r s1 b1 <<<"$1"
    read -r s2 b2 <<<"$2"
    awk -v s="$((s2 - s1))" -v b="$((b2 - b1))" -v n="$3" 'BEGIN { printf "%.3f %.0f", s / n, b / n }'
}

# pgbench with script $1; prints "events/s pg_cpu_us_per_event latency_avg_ms wal_syncs wal_bytes"
# (the last two per event).
pgbench_run() {
    local script=$1 out before after events wal_before
    sql -c checkpoint
    wal_before=$(wal)
    before=$(pg_ticks)
    out=$(pgbench -n -M prepared -f "$script" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" \
        -D payload="$PAYLOAD" -D user_metadata="$USER_METADATA" -D app_metadata="$APP_METADATA" \
        "$CONN" 2>&1) || { echo "$out" >&2; return 1; }
    after=$(pg_ticks)
    events=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
    echo "$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")" \
        "$(((after - before) * 10000 / events))" \
        "$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")" \
        "$(wal_per_event "$wal_before" "$(wal)" "$events")"
}

# The load generator with extra arguments; prints its `load:` line plus pg_cpu_us=,
# wal_syncs= and wal_bytes= (per event).
load_run() {
    local out before after ok wal_before syncs bytes
    sql -c checkpoint
    wal_before=$(wal)
    before=$(pg_ticks)
    out=$(WEBHOOK_SECRETS=$SECRET "$LOAD" --url "http://127.0.0.1:$SERVICE_PORT" \
        --server-pid "$SERVICE_PID" --warmup "$WARMUP" --connections "$CONNECTIONS" --duration "${DURATION}s" "$@") ||
        { echo "$out" >&2; return 1; }
    after=$(pg_ticks)
    ok=$(grep -o ' ok=[0-9]*' <<<"$out" | cut -d= -f2)
    read -r syncs bytes < <(wal_per_event "$wal_before" "$(wal)" "$((ok > 0 ? ok : 1))")
    echo "$(grep '^load:' <<<"$out") pg_cpu_us=$(((after - before) * 10000 / (ok > 0 ? ok : 1))) wal_syncs=$syncs wal_bytes=$bytes"
}
field() { grep -o " $1=[0-9.]*" | cut -d= -f2; }

echo "machine: nproc $(nproc); $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1);" \
    "$(free -g | awk '/^Mem:/ { print $2 " GiB RAM" }'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: throwaway $("$PG_BIN/postgres" --version), synchronous_commit=$(sql -c 'show synchronous_commit'), fsync=$(sql -c 'show fsync')"
echo "pgbench -n -M prepared -c $CLIENTS -j $THREADS -T $DURATION; load generator --connections $CONNECTIONS --duration ${DURATION}s; $ROUNDS round(s)"
RESULTS=$WORK/results
# round, case, events/s, p99 ms, max ms, service CPU µs/event, PostgreSQL CPU µs/event, WAL
# flushes/event, WAL bytes/event, service peak RSS MB, load generator CPU µs/delivery
row() { printf '%-5s %-32s %9s %8s %8s %8s %8s %8s %8s %7s %7s\n' "$@"; }
row round case events/s p99_ms max_ms svc_µs pg_µs fsyncs wal_B rss_MB gen_µs
pgbench_cases() {
    read -r tps pg_us latency syncs bytes < <(pgbench_run bench/ceiling_per_event.sql)
    row "$round" "pgbench per-event (pre-batch SQL)" "${tps%.*}" - - - "$pg_us" "$syncs" "$bytes" - -
    echo "$round ceiling $tps" >>"$RESULTS"
    read -r tps pg_us latency syncs bytes < <(pgbench_run bench/ceiling_one_statement.sql)
    row "$round" "pgbench one statement" "${tps%.*}" - - - "$pg_us" "$syncs" "$bytes" - -
    echo "$round one_statement $tps" >>"$RESULTS"
}
service_cases() {
    for case in "creates:--updates 0 --retries 0" "mix:" "rate:--rate $RATE"; do
        name=${case%%:*}
        # shellcheck disable=SC2086 # the arguments are meant to split
        line=$(load_run ${case#*:})
        rate=$(field events_per_s <<<"$line")
        row "$round" "service: $name$([ "$name" = rate ] && echo " $RATE/s offered" || echo ", flat out")" \
            "${rate%.*}" "$(field p99_ms <<<"$line")" "$(field max_ms <<<"$line")" \
            "$(field server_cpu_us <<<"$line")" "$(field pg_cpu_us <<<"$line")" \
            "$(field wal_syncs <<<"$line")" "$(field wal_bytes <<<"$line")" \
            "$(awk -v kb="$(field server_hwm_kb <<<"$line")" 'BEGIN { printf "%.1f", kb / 1024 }')" \
            "$(field loadgen_cpu_us <<<"$line")"
        errors=$(field errors <<<"$line")
        [ "$errors" = 0 ] || echo "      ! $errors deliveries not acknowledged: $line"
        echo "$round $name $rate $(field p99_ms <<<"$line")" >>"$RESULTS"
    done
}
# Odd rounds measure pgbench first, even rounds the service first: a machine whose load
# drifts during a round favours neither side.
for round in $(seq "$ROUNDS"); do
    if [ $((round % 2)) -eq 1 ]; then
        pgbench_cases
        service_cases
    else
        service_cases
        pgbench_cases
    fi
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
of() { awk -v c="$1" -v col="${2:-3}" '$2 == c { print $col }' "$RESULTS"; }
# Per round: the service's figure over a pgbench figure of the same round.
ratio() {
    awk -v a="$1" -v b="$2" '$2 == a { x[$1] = $3 } $2 == b { y[$1] = $3 }
        END { for (r in x) if (y[r] > 0) print x[r] / y[r] }' "$RESULTS"
}
echo
echo "medians over $ROUNDS round(s):"
printf '  %-44s %10.0f events/s\n' "pgbench per-event ceiling (pre-batch SQL)" "$(of ceiling | median)"
printf '  %-44s %10.0f events/s\n' "pgbench one statement" "$(of one_statement | median)"
printf '  %-44s %10.0f events/s\n' "service flat out, new users" "$(of creates | median)"
printf '  %-44s %10.0f events/s\n' "service flat out, realistic mix" "$(of mix | median)"
printf '  %-44s %10.2f ms p99\n' "service at $RATE/s offered, mix" "$(of rate 4 | median)"
echo "ratios within each round (median; range):"
for pair in "creates ceiling" "creates one_statement" "mix ceiling"; do
    read -r a b <<<"$pair"
    values=$(ratio "$a" "$b" | sort -g)
    printf '  %-44s %6.3f  (%s)\n' "service $a / pgbench $b" "$(median <<<"$values")" "$(tr '\n' ' ' <<<"$values" | sed 's/ $//')"
done

# Round trips per new delivery: PostgreSQL answers every round trip with at least one send()
# (one per Sync), so the sends of the service pool's backends, counted with perf over one more
# flat-out run of new users (warm-up included), divided by the deliveries. Skipped without perf.
if command -v perf >/dev/null 2>&1; then
    backends=$(sql -c "select string_agg(pid::text, ',') from pg_stat_activity where application_name = 'auth-mirror'")
    perf stat -x, -o "$WORK/perf" -e syscalls:sys_enter_sendto -p "$backends" -- sleep 3600 &
    perf_pid=$!
    sleep 0.5
    line=$(load_run --updates 0 --retries 0)
    # perf prints its counts when its workload ends (a background job ignores SIGINT).
    kill "$(pgrep -P "$perf_pid" sleep)"
    wait "$perf_pid" || true
    sends=$(awk -F, '/sys_enter_sendto/ { print $1 }' "$WORK/perf")
    events=$(($(field ok <<<"$line") + WARMUP))
    awk -v s="$sends" -v n="$events" 'BEGIN { printf "round trips per new delivery (backend sends / deliveries): %.2f\n", s / n }'
fi
sql -c "select format('check: %s events (%s applied, %s failed), %s users in public.users',
                      count(*), count(*) filter (where status = 'applied'),
                      count(*) filter (where status = 'failed'), (select count(*) from public.users))
        from auth_mirror.events"
