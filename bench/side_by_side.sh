#!/usr/bin/env bash
# auth-mirror side by side with what it replaces (issue 24; results in BENCHMARKS.md, "Side
# by side"), in one run on one machine, every target under the same load:
#
#   auth-mirror     the release build, `auth-mirror serve`, default settings;
#   edge-function   Supabase's way: bench/peers/edge-function (Deno from the npm package
#                   `deno`, npm:standardwebhooks, npm:postgres), one statement per event;
#   node-receiver   a hand-written receiver: bench/peers/node-receiver (express, pg), the
#                   same statement;
#   pgbench         that statement alone (bench/peers/mirror_statement.sql), CLIENTS clients,
#                   no HTTP, no signature, no JSON.
#
# The three HTTP targets get the project's load generator (benches/load): signed Supabase
# deliveries over CONNECTIONS keep-alive connections, UPDATES of them database UPDATEs with
# newer versions of recent users, RETRIES of them retries of recent deliveries, the rest
# after-user-created Auth Hooks for new users. Each target, in each MODE, runs on a FRESH
# throwaway PostgreSQL cluster (synchronous_commit on, fsync on) with the same
# Supabase-shaped database migrated by `auth-mirror migrate`:
#
#   steady   warmed WARMUP seconds flat out, then ANALYZE, then measured flat out for
#            DURATION seconds, then for DURATION seconds at RATE deliveries/s offered (open
#            loop: latency counts from each delivery's scheduled send time);
#   cold     measured flat out for DURATION seconds from the first delivery: new tables, no
#            statistics, a process that just started (the first seconds of a new deployment).
#
# Every row prints events/s, p50 and p99 latency, and beside them CPU per event of each
# process from /proc: the target (svc), the whole PostgreSQL cluster (pg), the load generator
# or pgbench (gen); the target's peak RSS (VmHWM); sequential scans of public.users and
# auth_mirror.events per 1,000 events (pg_stat_user_tables); the load average. Targets are
# interleaved: each round starts with the next target, and alternates steady and cold first.
# Then medians over the rounds, and ratios within each round.
#
#   bench/side_by_side.sh
#   ROUNDS=3 DURATION=10 WARMUP=5 CONNECTIONS=32 CLIENTS=16 RATE=1000 UPDATES=0.25 \
#     RETRIES=0 TARGETS="auth-mirror edge-function node-receiver pgbench" MODES="steady cold" \
#     bench/side_by_side.sh
#
# Takes about 5 minutes per round on the 2-core machine (the default 3 rounds: about 16 minutes),
# plus the builds: `cargo build --release`, `cargo bench --bench load --no-run`, and `npm ci`
# in each peer folder that has no node_modules yet (npm registry only; the Deno binary comes
# in the npm package @deno/linux-x64-glibc, nothing is downloaded when the peers run).
# Never touches another server: clusters listen on 127.0.0.1:PG_PORT, targets on
# 127.0.0.1:PORT, and everything is stopped and removed on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-32}
CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-2}
RATE=${RATE:-1000}
UPDATES=${UPDATES:-0.25}
RETRIES=${RETRIES:-0}
POOL_SIZE=${POOL_SIZE:-16}
TARGETS=${TARGETS:-auth-mirror edge-function node-receiver pgbench}
MODES=${MODES:-steady cold}
PG_PORT=${PG_PORT:-55511}
PORT=${PORT:-58111}
# shellcheck source=bench/lib/setup.sh
. "$(dirname "$0")/lib/setup.sh"
PEERS=$ROOT/bench/peers
for peer in edge-function node-receiver; do
    [ -d "$PEERS/$peer/node_modules" ] ||
        (cd "$PEERS/$peer" && npm ci --ignore-scripts --no-audit --no-fund --silent)
done
DENO=$PEERS/edge-function/node_modules/@deno/linux-x64-glibc/deno

# A real after-user-created body as the load generator sends it: pgbench stores these bytes.
PAYLOAD=$("$LOAD" --sample)
# pgbench's copy of the peers' statement: the parameters become pgbench expressions (a new
# user and event key per transaction), everything else is the same text.
PGBENCH_SCRIPT=$WORK/mirror_statement.pgbench
{
    echo '\set a random(1, 9223372036854775807)'
    echo '\set b random(1, 9223372036854775807)'
    grep -v '^--' "$PEERS/mirror_statement.sql" | tr '\n' ' ' | perl -pe '
        my @v = (undef, q{'"'"'auth_hook'"'"'}, q{'"'"'after-user-created'"'"'},
                 q{('"'"'hook:'"'"' || md5(:b::text)::uuid)}, q{md5(:a::text)},
                 q{('"'"'msg_'"'"' || :b::text)}, q{extract(epoch from now())::text}, q{:payload},
                 q{('"'"'user'"'"' || :a::text || '"'"'@example.com'"'"')}, q{null}, q{'"'"'false'"'"'},
                 q{:user_metadata}, q{:app_metadata}, q{null}, q{now()::text},
                 q{clock_timestamp()::text}, q{null});
        s/\$(\d+)/($v[$1])/g; s/\s+/ /g; s/ *$/;\n/;'
} >"$PGBENCH_SCRIPT"

start_target() {
    local target=$1
    case $target in
    auth-mirror)
        DATABASE_URL=$DB_URL WEBHOOK_SECRETS=$SECRET HOST=127.0.0.1 PORT=$PORT \
            "$SERVICE" serve >"$WORK/target.log" 2>&1 &
        ;;
    edge-function)
        (cd "$PEERS/edge-function" && DATABASE_URL=$DB_URL WEBHOOK_SECRETS=$SECRET PORT=$PORT \
            POOL_SIZE=$POOL_SIZE exec "$DENO" run --quiet --cached-only --allow-net \
            --allow-env --allow-read index.ts) >"$WORK/target.log" 2>&1 &
        ;;
    node-receiver)
        (cd "$PEERS/node-receiver" && DATABASE_URL=$DB_URL WEBHOOK_SECRETS=$SECRET PORT=$PORT \
            POOL_SIZE=$POOL_SIZE exec node server.mjs) >"$WORK/target.log" 2>&1 &
        ;;
    esac
    SERVICE_PID=$!
    local attempt code
    for attempt in $(seq 150); do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz" || true)
        # auth-mirror answers 200 once ready; the peers have no /readyz (404: listening).
        if [ "$code" = 200 ] || { [ "$target" != auth-mirror ] && [ "$code" != 000 ]; }; then
            return 0
        fi
        sleep 0.1
    done
    echo "$target did not start:" >&2
    cat "$WORK/target.log" >&2
    return 1
}

# Sequential scans so far of public.users and auth_mirror.events: "users events". Counters
# reach the statistics up to a second after a busy backend's statement: read after a pause.
seq_scans() {
    sleep 1.5
    sql -F' ' -c "select coalesce(sum(seq_scan) filter (where relname = 'users'), 0),
                         coalesce(sum(seq_scan) filter (where relname = 'events'), 0)
                  from pg_stat_user_tables
                  where (schemaname, relname) in (('public', 'users'), ('auth_mirror', 'events'))"
}
per_k() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f/%.1f", (a) * 1000 / n, (b) * 1000 / n }'; }

# The load generator against the running target, extra arguments appended. Prints
# "events/s p50 p99 svc_µs pg_µs gen_µs rss_MB seq_scans_per_1k errors".
load_run() {
    local out before after scans_before scans_after ok u1 e1 u2 e2
    SEED=$((SEED + 1)) # a new seed per run: a repeated one would send stored deliveries
    scans_before=$(seq_scans)
    before=$(cluster_ticks "$CLUSTER_PID")
    out=$(WEBHOOK_SECRETS=$SECRET "$LOAD" --url "http://127.0.0.1:$PORT" --server-pid "$SERVICE_PID" \
        --warmup 0 --connections "$CONNECTIONS" --updates "$UPDATES" --retries "$RETRIES" \
        --seed "$SEED" "$@") || { echo "$out" >&2; return 1; }
    after=$(cluster_ticks "$CLUSTER_PID")
    scans_after=$(seq_scans)
    line=$(grep '^load:' <<<"$out")
    ok=$(field ok <<<"$line")
    ok=$((ok > 0 ? ok : 1))
    read -r u1 e1 <<<"$scans_before"
    read -r u2 e2 <<<"$scans_after"
    echo "$(field events_per_s <<<"$line") $(field p50_ms <<<"$line") $(field p99_ms <<<"$line")" \
        "$(field server_cpu_us <<<"$line") $(((after - before) * 10000 / ok))" \
        "$(field loadgen_cpu_us <<<"$line")" \
        "$(awk -v kb="$(field server_hwm_kb <<<"$line")" 'BEGIN { printf "%.1f", kb / 1024 }')" \
        "$(per_k "$((u2 - u1))" "$((e2 - e1))" "$ok") $(field errors <<<"$line")"
}
field() { grep -o " $1=[0-9.]*" | cut -d= -f2; }

# pgbench running the statement, extra arguments appended; prints the same columns as
# load_run (no svc_µs or RSS: there is no service). Latency from the per-transaction log:
# the transaction's time, plus its schedule lag at a fixed rate (-R).
pgbench_run() {
    local dir=$WORK/pgbench before after scans_before scans_after out events tps u1 e1 u2 e2
    rm -rf "$dir" && mkdir -p "$dir"
    scans_before=$(seq_scans)
    before=$(cluster_ticks "$CLUSTER_PID")
    (
        cd "$dir"
        pgbench -n -M prepared -f "$PGBENCH_SCRIPT" -c "$CLIENTS" -j "$THREADS" -l \
            -D payload="$PAYLOAD" -D user_metadata="$(jq -c .user.user_metadata <<<"$PAYLOAD")" \
            -D app_metadata="$(jq -c .user.app_metadata <<<"$PAYLOAD")" "$@" \
            "host=127.0.0.1 port=$PG_PORT user=postgres dbname=bench" >out 2>&1 ||
            { cat out >&2; exit 1; }
        times >times
    )
    after=$(cluster_ticks "$CLUSTER_PID")
    scans_after=$(seq_scans)
    out=$(cat "$dir/out")
    events=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
    read -r u1 e1 <<<"$scans_before"
    read -r u2 e2 <<<"$scans_after"
    cat "$dir"/pgbench_log.* | awk '{ print ($7 == "" ? $3 : $3 + $7) / 1000 }' | sort -g >"$dir/latency"
    echo "$tps $(quantile 0.5 <"$dir/latency") $(quantile 0.99 <"$dir/latency")" \
        "- $(((after - before) * 10000 / events))" \
        "$(tail -n 1 "$dir/times" | awk -v n="$events" '{
             split($1, u, /[ms]/); split($2, s, /[ms]/)
             printf "%.1f", ((u[1] * 60 + u[2]) + (s[1] * 60 + s[2])) * 1e6 / n }')" \
        "- $(per_k "$((u2 - u1))" "$((e2 - e1))" "$events") 0"
}
quantile() { awk -v q="$1" '{ v[NR] = $1 } END { i = int(NR * q); if (i < 1) i = 1; printf "%.3f", v[i] }'; }

RESULTS=$WORK/results
row() { printf '%-5s %-14s %-13s %9s %8s %8s %7s %7s %7s %7s %11s %5s\n' "$@"; }
record() {
    local round=$1 target=$2 mode=$3 eps p50 p99 svc pg gen rss scans errors
    read -r eps p50 p99 svc pg gen rss scans errors <<<"$4"
    row "$round" "$target" "$mode" "${eps%.*}" "$p50" "$p99" "$svc" "$pg" "$gen" "$rss" "$scans" \
        "$(cut -d' ' -f1 /proc/loadavg)"
    [ "${errors:-0}" = 0 ] || echo "      ! $errors deliveries not acknowledged" >&2
    echo "$round $target $mode $eps $p50 $p99 $svc $pg $gen $rss" >>"$RESULTS"
}

run_case() {
    local round=$1 target=$2 mode=$3
    cluster_start "$WORK/pg" "$PG_PORT" synchronous_commit=on fsync=on
    supabase_database "$DB_URL" "$SERVICE"
    if [ "$target" = pgbench ]; then
        if [ "$mode" = steady ]; then
            pgbench_run -T "$WARMUP" >/dev/null
            sql -c analyze
            record "$round" "$target" steady "$(pgbench_run -T "$DURATION")"
            record "$round" "$target" "at $RATE/s" "$(pgbench_run -T "$DURATION" -R "$RATE")"
        else
            record "$round" "$target" cold "$(pgbench_run -T "$DURATION")"
        fi
    else
        start_target "$target"
        if [ "$mode" = steady ]; then
            load_run --duration "${WARMUP}s" >/dev/null
            sql -c analyze
            record "$round" "$target" steady "$(load_run --duration "${DURATION}s")"
            record "$round" "$target" "at $RATE/s" "$(load_run --duration "${DURATION}s" --rate "$RATE")"
        else
            record "$round" "$target" cold "$(load_run --duration "${DURATION}s")"
        fi
        stop_service
    fi
    cluster_stop "$WORK/pg"
    rm -rf "$WORK/pg"
}

echo "machine: nproc $(nproc); $(sed -n 's/^model name\t*: //p' /proc/cpuinfo | head -n 1);" \
    "$(free -g | awk '/^Mem:/ { print $2 " GiB RAM" }'); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "clusters: throwaway $("$PG_BIN/postgres" --version), synchronous_commit=on, fsync=on, one per target and mode"
echo "load: $CONNECTIONS connections, ${UPDATES} updates, ${RETRIES} retries; pgbench -c $CLIENTS -j $THREADS;" \
    "warm-up ${WARMUP}s, measured ${DURATION}s, $ROUNDS round(s); peers' pools: $POOL_SIZE connections"
echo "columns: CPU per event in µs (svc: the target, pg: the whole cluster, gen: load generator or pgbench);"
echo "         rss: the target's VmHWM; seqscan: public.users/auth_mirror.events scans per 1,000 events"
row round target mode events/s p50_ms p99_ms svc_µs pg_µs gen_µs rss_MB seqscan/1k load
read -r -a targets <<<"$TARGETS"
read -r -a modes <<<"$MODES"
for round in $(seq "$ROUNDS"); do
    for i in "${!targets[@]}"; do
        target=${targets[$(((i + round - 1) % ${#targets[@]}))]}
        if [ $((round % 2)) -eq 1 ]; then order=("${modes[@]}"); else order=($(printf '%s\n' "${modes[@]}" | tac)); fi
        for mode in "${order[@]}"; do
            run_case "$round" "$target" "$mode"
        done
    done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; else print "-" }'; }
of() { awk -v t="$1" -v m="$2" -v c="$3" '$2 == t && ($3 == m || $3 " " $4 == m) { print $(c + ($3 == "at")) }' "$RESULTS" | grep -v '^-$' || true; }
echo
echo "medians over $ROUNDS round(s):"
printf '  %-14s %-13s %9s %8s %8s %7s %7s %7s %7s\n' target mode events/s p50_ms p99_ms svc_µs pg_µs gen_µs rss_MB
for target in "${targets[@]}"; do
    for mode in steady "at $RATE/s" cold; do
        [ -n "$(of "$target" "$mode" 4)" ] || continue
        printf '  %-14s %-13s %9.0f %8s %8s %7s %7s %7s %7s\n' "$target" "$mode" \
            "$(of "$target" "$mode" 4 | median)" "$(of "$target" "$mode" 5 | median)" \
            "$(of "$target" "$mode" 6 | median)" "$(of "$target" "$mode" 7 | median)" \
            "$(of "$target" "$mode" 8 | median)" "$(of "$target" "$mode" 9 | median)" \
            "$(of "$target" "$mode" 10 | median)"
    done
done
echo "auth-mirror's events/s over each peer's, within each round (median; range):"
for peer in edge-function node-receiver pgbench; do
    for mode in steady cold; do
        values=$(awk -v p="$peer" -v m="$mode" '$3 == m && $2 == "auth-mirror" { a[$1] = $4 }
                 $3 == m && $2 == p { b[$1] = $4 } END { for (r in a) if (b[r] > 0) print a[r] / b[r] }' "$RESULTS" | sort -g)
        [ -n "$values" ] || continue
        printf '  %-28s %6.2f  (%s)\n' "over $peer, $mode" "$(median <<<"$values")" "$(tr '\n' ' ' <<<"$values" | sed 's/ $//')"
    done
done
