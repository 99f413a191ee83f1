#!/usr/bin/env bash
# Where the service's CPU per delivery goes (issue 24; results in BENCHMARKS.md, "Where the
# service's CPU goes"). The release build on a fresh throwaway cluster, warmed WARMUP seconds
# flat out, tables analyzed, then sampled with `perf record -e cpu-clock --call-graph dwarf`
# (a software clock: this machine's virtual CPUs expose no hardware counters) during DURATION
# seconds of the load generator flat out (CONNECTIONS connections, UPDATES database updates).
#
# Prints, per delivery: the service's CPU (from /proc), then every sample charged to ONE
# category, the first of this list found anywhere on its stack (so an allocation made while
# formatting a log line is logging, a send() made by sqlx is the database client):
#
#   logging        tracing, tracing-subscriber, tracing-actix-web (spans, the JSON log line,
#                  its write); not the wrappers that hold a span around a whole request
#   metrics        prometheus-client, auth_mirror::metrics (recording and label look-ups)
#   verify         auth_mirror::webhook (HMAC-SHA256, header parsing, base64)
#   parse          serde_json reading, auth_mirror::domain (the body into domain types)
#   database       sqlx (encoding the batch, the protocol, the pool) and its socket I/O
#   batching       auth_mirror::processing (group commit, intake) not covered above
#   http           actix-http, actix-web, actix-server (request parsing, routing, answer)
#   runtime        tokio's scheduler: parking and waking threads (with the context switches
#                  under them), the I/O driver (epoll), timers
#   kernel         other time in the kernel (TCP, epoll, interrupts)
#   allocator      malloc/free not under any of the above
#   other
#
# and the 30 functions with the most samples of their own. Needs perf (Debian: linux-perf).
#
#   bench/profile.sh
#   DURATION=10 FREQUENCY=2999 bench/profile.sh
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-32}
UPDATES=${UPDATES:-0.25}
FREQUENCY=${FREQUENCY:-2999}
PG_PORT=${PG_PORT:-55521}
PORT=${PORT:-58121}
# shellcheck source=bench/lib/setup.sh
. "$(dirname "$0")/lib/setup.sh"
cluster_start "$WORK/pg" "$PG_PORT" synchronous_commit=on fsync=on
supabase_database "$DB_URL" "$SERVICE"
start_service "$DB_URL" "$SECRET" "$PORT" "$WORK/service.log"
load() {
    WEBHOOK_SECRETS=$SECRET "$LOAD" --url "http://127.0.0.1:$PORT" --server-pid "$SERVICE_PID" \
        --warmup 0 --connections "$CONNECTIONS" --updates "$UPDATES" --retries 0 --seed "$1" \
        --duration "$2"
}
load "$(date +%s)" "${WARMUP}s" >/dev/null
psql "$DB_URL" -qAtX -c analyze

# Context switches of all the service's threads so far.
switches() { cat /proc/"$SERVICE_PID"/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'; }
switches_before=$(switches)
perf stat -x, -e raw_syscalls:sys_enter -p "$SERVICE_PID" -o "$WORK/syscalls" -- sleep "$((DURATION + 2))" &
STAT_PID=$!
perf record -q -e cpu-clock -F "$FREQUENCY" --call-graph dwarf,16384 -p "$SERVICE_PID" \
    -o "$WORK/perf.data" -- sleep "$((DURATION + 2))" 2>/dev/null &
PERF_PID=$!
sleep 0.5
line=$(load "$(($(date +%s) + 1))" "${DURATION}s" | grep '^load:')
wait "$PERF_PID" "$STAT_PID" || true
switches_after=$(switches)
cpu_us=$(grep -o ' server_cpu_us=[0-9.]*' <<<"$line" | cut -d= -f2)
echo "$(cut -d' ' -f1-3 /proc/loadavg) load average; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "$line"
ok=$(grep -o ' ok=[0-9]*' <<<"$line" | cut -d= -f2)
awk -F, -v n="$ok" -v cs="$((switches_after - switches_before))" '/raw_syscalls/ {
    printf "per delivery: %.2f system calls, %.2f context switches of the service'"'"'s threads\n", $1 / n, cs / n }' "$WORK/syscalls"
echo
perf script -i "$WORK/perf.data" -F ip,sym,dso 2>/dev/null | awk -v cpu="$cpu_us" '
    function category(frames,    order, n, i, c) {
        n = split("logging metrics verify parse database batching http runtime kernel allocator", order, " ")
        for (i = 1; i <= n; i++) if (index(frames, "<" order[i] ">")) return order[i]
        return "other"
    }
    function tag(sym, dso) {
        # Wrappers around a whole request or task: what runs inside them is charged to itself.
        if (sym ~ /Span::in_scope|Instrumented<|TracingLoggerMiddleware|StreamSpan|routes::observe/) return ""
        if (sym ~ /tracing_subscriber|tracing_core|tracing_serde|tracing_log|tracing_actix_web|tracing::span|tracing::event/) return "<logging>"
        if (sym ~ /prometheus_client|auth_mirror::metrics/) return "<metrics>"
        if (sym ~ /auth_mirror::webhook|sha2::|hmac::|base64::/) return "<verify>"
        if (sym ~ /serde_json::de|serde_json::read|auth_mirror::domain/) return "<parse>"
        if (sym ~ /sqlx_core|sqlx_postgres/) return "<database>"
        if (sym ~ /auth_mirror::processing/) return "<batching>"
        if (sym ~ /actix_http|actix_web|actix_server|actix_service|actix_router/) return "<http>"
        # Not the frames that poll a task (every stack has them): parking, waking, the I/O
        # driver and timers.
        if (sym ~ /tokio::runtime.*(park|unpark|wake|Driver|notify|steal|Inject|schedule)|tokio::time|mio::/) return "<runtime>"
        if (dso ~ /kernel/) return "<kernel>"
        if (sym ~ /malloc|free|realloc|_int_|tcache/) return "<allocator>"
        return ""
    }
    /^[ \t]*$/ { if (frames != "" || leaf != "") { total++; count[category(frames)]++; self[leaf]++ } frames = ""; leaf = ""; next }
    {
        sym = $0; sub(/^[ \t]*[0-9a-f]+ /, "", sym); dso = sym
        sub(/ \([^()]*\)$/, "", sym); sub(/^.* \(/, "", dso); sub(/\)$/, "", dso)
        sub(/\+0x[0-9a-f]+$/, "", sym)
        if (leaf == "") leaf = sym " [" dso "]"
        frames = frames tag(sym, dso)
    }
    END {
        if (frames != "" || leaf != "") { total++; count[category(frames)]++; self[leaf]++ }
        printf "%d samples; service CPU %.1f µs per delivery\n", total, cpu
        printf "  %-10s %7s %12s\n", "category", "share", "µs/delivery"
        n = split("logging metrics verify parse database batching http runtime kernel allocator other", order, " ")
        for (i = 1; i <= n; i++)
            printf "  %-10s %6.1f%% %12.1f\n", order[i], 100 * count[order[i]] / total, cpu * count[order[i]] / total
        print ""
        print "functions with the most samples of their own (share of all samples):"
        for (s in self) printf "%6.2f%%  %s\n", 100 * self[s] / total, s | "sort -rn | head -n 30"
    }'
