# Throwaway PostgreSQL clusters for the bench/ scripts (sourced, not run). Never touches
# another server: each cluster listens on 127.0.0.1 at the port it is given, with its socket
# in its own folder, and is stopped by `cluster_stop` (call it from the script's EXIT trap).
#
#   cluster_start DIR PORT [postgres -c settings...]   initdb + start; sets CLUSTER_PID
#   cluster_stop DIR                                   immediate stop, folder kept
#   cluster_ticks PID                                  CPU ticks used by the cluster so far
#   supabase_database URL SERVICE                      Supabase-shaped, migrated database
#
# Needs PostgreSQL's binaries under /usr/lib/postgresql/*/bin; as root, clusters run as the
# postgres OS user.

PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

cluster_start() {
    local dir=$1 port=$2 settings="" setting
    shift 2
    for setting in "$@"; do settings="$settings -c $setting"; done
    mkdir -p "$dir"
    chown postgres: "$dir" 2>/dev/null || true
    as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir$settings" start >/dev/null
    CLUSTER_PID=$(head -n 1 "$dir/data/postmaster.pid")
}

cluster_stop() {
    [ -f "$1/data/postmaster.pid" ] || return 0
    as_postgres "$PG_BIN/pg_ctl" -D "$1/data" -m immediate stop >/dev/null 2>&1 || true
}

# CPU ticks (1/100 s) used by a whole cluster so far: the postmaster, its live children, and
# (cutime, cstime) the children it has reaped, such as finished client backends.
cluster_ticks() {
    local total=0 pid fields ticks
    for pid in "$1" $(pgrep -P "$1"); do
        fields=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f12-15) || continue
        for ticks in $fields; do total=$((total + ticks)); done
    done
    echo "$total"
}

# Creates the database of URL (on a server that trusts loopback) with Supabase's auth schema
# (src/embedded_db/supabase_auth.sql) and every migration of the auth-mirror binary SERVICE.
supabase_database() {
    local url=$1 service=$2 root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    psql "${url%/*}/postgres" -qAtX -v ON_ERROR_STOP=1 -c "create database \"${url##*/}\""
    psql "$url" -qAtX -v ON_ERROR_STOP=1 -f "$root/src/embedded_db/supabase_auth.sql" >/dev/null
    DATABASE_URL=$url "$service" migrate >/dev/null 2>&1
}
