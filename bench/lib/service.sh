# The service and the load generator for the bench/ scripts (sourced, not run).
#
#   build_binaries                    release `auth-mirror` and the load generator (benches/load);
#                                     sets SERVICE and LOAD to their paths (SERVICE_BIN, if set,
#                                     is the service to run instead: an earlier build, to
#                                     compare before and after in one session)
#   start_service URL SECRET PORT LOG `auth-mirror serve` on 127.0.0.1:PORT against URL, output
#                                     appended to LOG, waits until /readyz; sets SERVICE_PID
#   stop_service                      stops it (call it from the script's EXIT trap too)

build_binaries() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    (cd "$root" && cargo build --release --quiet --bin auth-mirror)
    LOAD=$(cd "$root" && cargo bench --bench load --no-run --message-format=json 2>/dev/null |
        jq -r 'select(.executable != null and .target.name == "load") | .executable')
    SERVICE=${SERVICE_BIN:-$root/target/release/auth-mirror}
}

SERVICE_PID=
start_service() {
    DATABASE_URL=$1 WEBHOOK_SECRETS=$2 HOST=127.0.0.1 PORT=$3 "$SERVICE" serve >>"$4" 2>&1 &
    SERVICE_PID=$!
    until curl -fs "http://127.0.0.1:$3/readyz" >/dev/null; do
        kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$4" >&2; return 1; }
        sleep 0.1
    done
}

stop_service() {
    [ -n "$SERVICE_PID" ] || return 0
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
    SERVICE_PID=
}
