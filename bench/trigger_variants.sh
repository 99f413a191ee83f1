#!/usr/bin/env bash
# Where the auth.users mirror trigger's cost goes (BENCHMARKS.md, "Trigger overhead"): the
# same signup against several databases in one run: without_trigger (mirror triggers
# dropped), as_migrated (every migration, as shipped), and one per bench/trigger_variants/*.sql, each of
# which replaces the trigger function after the migrations (some are measurement-only bodies
# that are NOT safe: they say so in their first lines).
#
# MODE=loop (default): in-backend timing, little disturbed by a busy machine. A procedure
#   runs BATCH signups (the INSERT of bench/signup.sql, the role UPDATE, COMMIT after each,
#   as supabase_auth_admin, synchronous_commit off) and times each with clock_timestamp();
#   per batch it keeps the fastest signup and the 20th percentile; printed are the medians of
#   those over BATCHES batches, databases alternating batch by batch. This is CPU per signup
#   inside the server (no client round trip, no WAL flush wait).
# MODE=pgbench: the signup script with pgbench (CLIENTS, DURATION s, SYNC_COMMIT) against
#   each database, ROUNDS rounds, the order rotated each round; prints each database's tps
#   ratio to without_trigger in the same round (median and all rounds).
# SIGNUP=insert (default): the signup is bench/signup.sql's two statements, the INSERT and the
#   role UPDATE. SIGNUP=transaction: the whole transaction of a Supabase Auth email signup,
#   bench/signup_transaction.sql (user INSERT, role UPDATE, identity INSERT, user_metadata and
#   app_metadata UPDATEs, audit log INSERT, confirmation token UPDATE, one-time token DELETE
#   and INSERT, and the reads between them), on a schema with the tables and indexes it
#   writes (bench/signup_auth_tables.sql): what the trigger costs as a share of a real signup.
#
#   bench/trigger_variants.sh
#   MODE=pgbench ROUNDS=5 DURATION=5 bench/trigger_variants.sh
#   VARIANTS="0005_body empty_definer" bench/trigger_variants.sh
#   SIGNUP=transaction VARIANTS=0014_body bench/trigger_variants.sh
#
# Runs a throwaway cluster from /usr/lib/postgresql/*/bin (autovacuum off, so that no
# vacuum of one database runs inside another's measurement), removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${MODE:-loop}
BATCH=${BATCH:-200}
BATCHES=${BATCHES:-30}
CLIENTS=${CLIENTS:-4}
THREADS=${THREADS:-2}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-5}
SYNC_COMMIT=${SYNC_COMMIT:-on}
SIGNUP=${SIGNUP:-insert}
case "$SIGNUP" in
    insert) SCRIPT="$ROOT/bench/signup.sql" ;;
    transaction) SCRIPT="$ROOT/bench/signup_transaction.sql" ;;
    *) echo "SIGNUP must be insert or transaction, not $SIGNUP" >&2; exit 2 ;;
esac
VARIANTS=${VARIANTS:-$(cd "$ROOT/bench/trigger_variants" && ls -- *.sql | sed 's/\.sql$//')}
export PGOPTIONS='-c client_min_messages=warning'

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
    else
        "$@"
    fi
}

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
    -o "-c listen_addresses='' -k $WORK -p 5497 -c autovacuum=off" start >/dev/null
conn() { echo "host=$WORK port=5497 user=postgres dbname=$1"; }
auth_conn() { echo "host=$WORK port=5497 user=supabase_auth_admin dbname=$1"; }
sql() { local db=$1; shift; psql "$(conn "$db")" -qAtX -v ON_ERROR_STOP=1 "$@"; }

# Database names: "without_trigger", "as_migrated", then the variants (v_ and the file name).
DATABASES=(without_trigger as_migrated)
for variant in $VARIANTS; do DATABASES+=("v_${variant//-/_}"); done
for db in "${DATABASES[@]}"; do
    sql postgres -c "create database $db"
    sql "$db" -f "$ROOT/src/embedded_db/supabase_auth.sql" >/dev/null
    if [ "$SIGNUP" = transaction ]; then
        sql "$db" -f "$ROOT/bench/signup_auth_tables.sql" >/dev/null
    fi
    for migration in "$ROOT"/migrations/*.sql; do
        PGOPTIONS="$PGOPTIONS -c search_path=auth_mirror" sql "$db" -f "$migration" >/dev/null
    done
done
sql without_trigger \
    -c "drop trigger auth_mirror_user_inserted on auth.users" \
    -c "drop trigger auth_mirror_user_updated on auth.users" \
    -c "drop trigger auth_mirror_user_deleted on auth.users"
for variant in $VARIANTS; do
    sql "v_${variant//-/_}" -f "$ROOT/bench/trigger_variants/$variant.sql" >/dev/null
done

echo "server: throwaway cluster, $("$PG_BIN/postgres" --version), autovacuum off; nproc $(nproc); $(lscpu | sed -n 's/^Model name: *//p' | head -n 1); load $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "$MODE" = loop ]; then
    # The procedure that times BATCH signups: bench/signup.sql's two statements, or
    # bench/signup_transaction.sql's, each :name a PL/pgSQL variable b_name.
    if [ "$SIGNUP" = insert ]; then
        procedure=$(cat <<'PLPGSQL'
declare
    v_id uuid;
    v_start timestamptz;
    v_micros double precision[] := '{}';
begin
    for i in 1..n loop
        v_start := clock_timestamp();
        v_id := gen_random_uuid();
        insert into auth.users (instance_id, id, aud, role, email, encrypted_password,
                                confirmation_token, confirmation_sent_at, recovery_token,
                                email_change_token_new, email_change, raw_app_meta_data,
                                raw_user_meta_data, is_super_admin, created_at, updated_at,
                                phone, is_anonymous)
        values ('00000000-0000-0000-0000-000000000000', v_id, 'authenticated', '',
                'user_' || md5(random()::text) || '@example.com',
                '$2a$10$abcdefghijklmnopqrstuu5eQ0mTQ1hHMs6I3wB6m3q6Dw5iwC5KW',
                md5(random()::text), now(), '', '', '',
                '{"provider": "email", "providers": ["email"]}',
                '{"name": "Bench User", "avatar_url": "https://example.com/a.png"}',
                false, now(), now(), null, false);
        update auth.users set role = 'authenticated' where id = v_id;
        commit;
        v_micros := v_micros || extract(epoch from clock_timestamp() - v_start)::double precision * 1e6;
    end loop;
    select min(m), percentile_cont(0.2) within group (order by m)
      into fastest, p20 from unnest(v_micros) m;
end
PLPGSQL
)
    else
        procedure=$(python3 - "$SCRIPT" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
names, body = [], []
for line in text.splitlines():
    if not line.strip() or line.startswith("--") or line.strip() in ("begin;", "\\set", "commit;"):
        continue
    if line.rstrip().endswith("\\gset"):
        names = re.findall(r" as (\w+)", line)
        line = line.rstrip()[:-len("\\gset")].rstrip() + " into " + ", ".join("b_" + n for n in names) + ";"
    elif line.lower().startswith("select "):
        line = "perform " + line[len("select "):]
    body.append(re.sub(r"(?<!:):(\w+)", r"b_\1", line))
print("declare")
for n in names:
    print(f"    b_{n} {'uuid' if n.endswith('id') else 'text'};")
print("    v_start timestamptz;")
print("    v_micros double precision[] := '{}';")
print("begin")
print("    for i in 1..n loop")
print("        v_start := clock_timestamp();")
for line in body:
    print("        " + line)
print("        commit;")
print("        v_micros := v_micros || extract(epoch from clock_timestamp() - v_start)::double precision * 1e6;")
print("    end loop;")
print("    select min(m), percentile_cont(0.2) within group (order by m)")
print("      into fastest, p20 from unnest(v_micros) m;")
print("end")
PY
)
    fi
    for db in "${DATABASES[@]}"; do
        sql "$db" <<SQL
create procedure auth.bench_signups(n int, inout fastest double precision, inout p20 double precision)
language plpgsql as \$procedure\$
$procedure
\$procedure\$;
grant execute on procedure auth.bench_signups(int, double precision, double precision) to supabase_auth_admin;
SQL
    done
    echo "MODE=loop, SIGNUP=$SIGNUP: $BATCHES batches x $BATCH signups per database, alternating; synchronous_commit off"
    for _ in $(seq "$BATCHES"); do
        for db in "${DATABASES[@]}"; do
            echo "$db $(PGOPTIONS="$PGOPTIONS -c synchronous_commit=off" \
                psql "$(auth_conn "$db")" -qAtX -F ' ' -c "call auth.bench_signups($BATCH, null, null)")"
        done
    done | python3 -c '
import statistics, sys
runs = {}
for line in sys.stdin:
    db, fastest, p20 = line.split()
    runs.setdefault(db, []).append((float(fastest), float(p20)))
def medians(db):
    return tuple(statistics.median(run[k] for run in runs[db]) for k in (0, 1))
base = medians("without_trigger")
print("%-28s %11s %13s %8s %13s" % ("database", "fastest us", "over without", "p20 us", "over without"))
for db in runs:
    fastest, p20 = medians(db)
    print(f"{db:<28} {fastest:11.1f} {fastest - base[0]:+13.1f} {p20:8.1f} {p20 - base[1]:+13.1f}")
'
else
    echo "MODE=pgbench: pgbench -n -M prepared -f ${SCRIPT#"$ROOT"/} -c $CLIENTS -j $THREADS -T $DURATION, synchronous_commit $SYNC_COMMIT, $ROUNDS rounds, order rotated"
    count=${#DATABASES[@]}
    for round in $(seq "$ROUNDS"); do
        for i in $(seq 0 $((count - 1))); do
            db=${DATABASES[$(( (i + round) % count ))]}
            sql "$db" -c "checkpoint"
            out=$(PGOPTIONS="$PGOPTIONS -c synchronous_commit=$SYNC_COMMIT" \
                pgbench -n -M prepared -f "$SCRIPT" \
                    -c "$CLIENTS" -j "$THREADS" -T "$DURATION" "$(auth_conn "$db")" 2>&1) \
                || { echo "$out" >&2; exit 1; }
            echo "$round $db $(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")"
        done
    done | python3 -c '
import statistics, sys
tps = {}
for line in sys.stdin:
    round_, db, value = line.split()
    tps.setdefault(db, {})[round_] = float(value)
rounds = sorted(tps["without_trigger"])
print("%-28s %9s %13s  ratio to without, per round" % ("database", "mean tps", "median ratio"))
for db, by_round in tps.items():
    ratios = [by_round[r] / tps["without_trigger"][r] for r in rounds]
    mean = statistics.mean(by_round.values())
    print("%-28s %9.1f %13.3f  %s" % (db, mean, statistics.median(ratios), " ".join("%.3f" % r for r in ratios)))
'
fi
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
