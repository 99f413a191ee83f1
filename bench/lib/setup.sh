# What the load scripts (side_by_side.sh, cold_plans.sh, profile.sh) set up first; sourced
# after their settings (PG_PORT). Builds the release service and the load generator, makes a
# work folder removed on exit (with the cluster at $WORK/pg stopped and the service stopped),
# and defines DB_URL (the database `bench` on the cluster), sql (psql on it), SECRET (a fresh
# webhook secret) and SEED (a first seed for the load generator: each run takes a new one).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=bench/lib/cluster.sh
. "$ROOT/bench/lib/cluster.sh"
# shellcheck source=bench/lib/service.sh
. "$ROOT/bench/lib/service.sh"
export PGOPTIONS='-c client_min_messages=warning'

cd "$ROOT"
build_binaries
WORK=$(mktemp -d)
cleanup() {
    stop_service
    cluster_stop "$WORK/pg"
    rm -rf "$WORK"
}
trap cleanup EXIT
# The cluster runs as the postgres OS user, under this folder.
chmod 755 "$WORK"

DB_URL="postgres://postgres@127.0.0.1:$PG_PORT/bench"
sql() { psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 "$@"; }
SECRET=$("$SERVICE" secret new)
SEED=$(date +%s)
