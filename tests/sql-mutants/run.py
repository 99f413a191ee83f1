#!/usr/bin/env python3
"""Hand-made mutants of auth-mirror's SQL functions, which cargo-mutants cannot mutate.

For each mutant: edit the migration that holds the function's current definition (a
throwaway edit of the working tree), run the tests named for it, expect at least one to FAIL,
restore the file. Prints one line per mutant and exits non-zero if any mutant survived.

    python3 tests/sql-mutants/run.py            # every mutant
    python3 tests/sql-mutants/run.py M3 M11     # some of them

Needs what `cargo test` needs (PostgreSQL binaries; DATABASE_URL unset or a server). Do not
edit migrations while it runs: it restores them from memory when each mutant is done.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The convergence rule's current definition since 0018: state_outranks, apply_states (the
# set-based rule), apply_user_state (a batch of one), ingest_deliveries and reapply_events.
APPLY = "migrations/0018_set_based_rule.sql"
TRIGGER = "migrations/0005_auth_users_trigger.sql"
# The trigger function's body since 0019 (0005 keeps its attach and install functions).
TRIGGER_BODY = "migrations/0019_leaner_auth_users_trigger.sql"

# (name, what the mutant breaks, file, [(old, new), ...], test filters that must catch it)
# apply_states writes in two places (every user with one state, and the general reduction):
# a mutant of the rule edits both.
MUTANTS = [
    ("M1", "the rule never writes", APPLY,
     [("coalesce(d.version >= c_no_time, false) as versioned", "false as versioned"),
      ("where s.version >= c_no_time", "where false")],
     ["convergence::property"]),
    ("M2", "a placeholder version (0001-01-01) writes", APPLY,
     [("coalesce(d.version >= c_no_time, false) as versioned", "d.version is not null as versioned"),
      ("where s.version >= c_no_time", "where s.version is not null"),
      ("when not coalesce(d.version >= c_no_time, false) then 'unversioned'",
       "when d.version is null then 'unversioned'")],
     ["trigger::signup::a_row_without_a_real_version"]),
    ("M3", "equal-version deletions: the LATER deletion time wins", APPLY,
     [("or (p_version = p_stored_version and p_deleted_at <= p_stored_deleted_at)",
       "or (p_version = p_stored_version and p_deleted_at >= p_stored_deleted_at)")],
     ["convergence::property"]),
    ("M4", "the latest creation time wins", APPLY,
     [("auth_created_at    = least(u.auth_created_at, excluded.auth_created_at),",
       "auth_created_at    = greatest(u.auth_created_at, excluded.auth_created_at),")],
     ["convergence::property"]),
    ("M5", "a live state overwrites a tombstone", APPLY,
     [("            p_stored_deleted_at is null\n            and (p_stored_version is null",
       "            true\n            and (p_stored_version is null")],
     ["mirror_db_event::tombstones"]),
    ("M6", "an equal version does not win", APPLY,
     [("or p_version >= p_stored_version)", "or p_version > p_stored_version)")],
     ["mirror_auth_more::invite_hook"]),
    ("M7", "\"\" is stored instead of NULL", APPLY,
     [("case when not s.deletion then nullif(s.email, '') end",
       "case when not s.deletion then s.email end"),
      ("case when not s.deletion then nullif(s.phone, '') end",
       "case when not s.deletion then s.phone end"),
      ("case when not d.deletion then nullif(d.email, '') end",
       "case when not d.deletion then d.email end"),
      ("case when not d.deletion then nullif(d.phone, '') end",
       "case when not d.deletion then d.phone end")],
     # Since 0014 the trigger inserts a new user itself, and the HTTP path drops "" before
     # calling the function: the trigger's UPDATE path is where this shows.
     ["trigger::signup::an_update_that_empties_email_and_phone"]),
    ("M8", "user_metadata not carried overwrites the stored one", APPLY,
     [("then case when excluded.deleted_at is null then coalesce(excluded.user_metadata, u.user_metadata) end",
       "then case when excluded.deleted_at is null then excluded.user_metadata end")],
     ["mirror_auth_more::an_invite_hook_that_lowers", "convergence::property"]),
    ("M9", "app_metadata not carried overwrites the stored one", APPLY,
     [("then case when excluded.deleted_at is null then coalesce(excluded.app_metadata, u.app_metadata) end",
       "then case when excluded.deleted_at is null then excluded.app_metadata end")],
     ["mirror_auth_more::app_metadata", "convergence::property"]),
    ("M10", "a stale state's earlier creation time is ignored", APPLY,
     [("                  or least(u.auth_created_at, excluded.auth_created_at) is distinct from u.auth_created_at",
       "                  or false")],
     ["convergence::creation_time"]),
    ("M11", "deletion expunges nothing", APPLY,
     [("where u.id = any (v_check) and u.deleted_at is not null))",
       "where u.id = any (v_check) and false))")],
     ["personal_data"]),
    ("M12", "a stale event after the tombstone keeps its payload", APPLY,
     [("w.id is null or w.deleted_at is not null as check_tombstone",
       "w.deleted_at is not null as check_tombstone"),
      ("array_agg(d.id) filter (where w.id is null or w.deleted_at is not null)",
       "array_agg(d.id) filter (where w.deleted_at is not null)")],
     # A late event is expunged as it is stored; the rule's own look expunges the rest.
     ["convergence::one_batch::a_state_that_meets_a_tombstone"]),
    ("M13", "an identical state is written again", APPLY,
     [("                    and (u.email, u.phone, u.is_anonymous, u.user_metadata, u.app_metadata,",
       "                    and (true or (u.email, u.phone, u.is_anonymous, u.user_metadata, u.app_metadata,"),
      # Both writes of apply_states (one state per user, and the general case).
      ("excluded.auth_updated_at, excluded.deleted_at)\n                  )",
       "excluded.auth_updated_at, excluded.deleted_at))\n                  )"),
      ("excluded.auth_updated_at, excluded.deleted_at)\n                      )",
       "excluded.auth_updated_at, excluded.deleted_at))\n                      )")],
     ["mirror_db_event::duplicates::the_same_state_from_the_auth_hook"]),
    ("M14", "a deletion older than the live row is ignored", APPLY,
     [("               p_stored_deleted_at is null\n            or p_stored_version is null",
       "               false\n            or p_stored_version is null")],
     ["convergence::property"]),
    ("M15", "the update trigger ignores a deleted_at-only change", TRIGGER,
     [("                   or old.created_at is distinct from new.created_at\n"
       "                   or old.deleted_at is distinct from new.deleted_at)'),",
       "                   or old.created_at is distinct from new.created_at)'),")],
     ["trigger::tombstones::setting_only_deleted_at"]),
    ("M16", "the trigger's DELETE is not a deletion", TRIGGER_BODY,
     [("old.created_at, old.updated_at, old.deleted_at,\n                true);",
       "old.created_at, old.updated_at, old.deleted_at,\n                false);")],
     ["trigger::tombstones::hard_delete"]),
    ("M17", "the trigger is never installed", TRIGGER,
     [("    if to_regclass('auth.users') is null then\n        raise notice",
       "    if true then\n        raise notice")],
     ["trigger::safety::the_trigger_is_installed_when"]),
    ("M18", "a role that may not drop the triggers fails the migration", TRIGGER,
     [("        exception when insufficient_privilege then\n            raise notice",
       "        exception when raise_exception then\n            raise notice")],
     ["trigger::non_superuser"]),
    # 0018 re-creates the function (CREATE OR REPLACE resets it to SECURITY INVOKER), so the
    # mutant goes there; the same edit in 0006 alone would change nothing.
    ("M19", "apply_user_state runs as its owner again", APPLY,
     [(") returns text\nlanguage plpgsql\nset search_path = ''",
       ") returns text\nlanguage plpgsql\nsecurity definer\nset search_path = ''")],
     ["trigger::privileges::execute_on_apply_user_state_alone"]),
    # The trigger's own insert of a new user (0014, 0019) must give the row apply_user_state gives.
    ("M20", "the trigger's insert keeps \"\" email and phone", TRIGGER_BODY,
     [("nullif(new.email, ''), nullif(new.phone, '')", "new.email, new.phone")],
     ["trigger::signup::empty_email_and_phone"]),
    ("M21", "the trigger inserts an inserted deletion as a live row", TRIGGER_BODY,
     [("v_inserting := tg_op = 'INSERT' and new.deleted_at is null\n",
       "v_inserting := tg_op = 'INSERT'\n")],
     ["trigger::insert_path::an_auth_user_inserted_already_deleted"]),
    ("M22", "the trigger's insert writes a placeholder version", TRIGGER_BODY,
     [("new.deleted_at is null\n            and new.updated_at >= '1000-01-01T00:00:00Z'::timestamptz;",
       "new.deleted_at is null;")],
     ["trigger::signup::a_row_without_a_real_version"]),
    ("M23", "the trigger's insert keeps a placeholder creation time", TRIGGER_BODY,
     [("case when new.created_at >= '1000-01-01T00:00:00Z'::timestamptz then new.created_at end",
       "new.created_at")],
     ["trigger::insert_path::a_placeholder_creation_time"]),
    ("M24", "an insert of a user already mirrored is not handed to the rule", TRIGGER_BODY,
     [("        when unique_violation then\n            if not v_inserting then",
       "        when unique_violation then\n            return null;\n            if not v_inserting then")],
     ["trigger::insert_path::an_insert_for_a_user_already_mirrored_with_an_older"]),
    ("M25", "an error in the trigger's insert fails the signup", TRIGGER_BODY,
     [("        when others then\n            perform auth_mirror.record_trigger_error",
       "        when division_by_zero then\n            perform auth_mirror.record_trigger_error")],
     ["trigger::safety::failing_mirror"]),
    ("M26", "a failure is recorded without its user", TRIGGER_BODY,
     [("values (p_user_id, p_operation, p_sqlstate);", "values (null, p_operation, p_sqlstate);")],
     ["trigger::safety::failing_mirror"]),
    ("M27", "the trigger runs as its caller (supabase_auth_admin)", TRIGGER_BODY,
     [("returns trigger\nlanguage plpgsql\nsecurity definer\n", "returns trigger\nlanguage plpgsql\n")],
     ["trigger::privileges::apply_user_state_runs_as_its_caller"]),
    ("M28", "the trigger's INSERT fallback and UPDATE deliver deletions", TRIGGER_BODY,
     [("new.created_at, new.updated_at, new.deleted_at,\n                false);",
       "new.created_at, new.updated_at, new.deleted_at,\n                true);"),
      ("new.created_at, new.updated_at, new.deleted_at,\n                    false);",
       "new.created_at, new.updated_at, new.deleted_at,\n                    true);")],
     ["trigger::insert_path::an_insert_for_a_user_already_mirrored_with_an_older",
      "trigger::signup::email_change"]),
    # The property inserts every generated state as a new auth user (property/new_users.rs).
    ("M29", "the trigger's insert drifts from the rule: every new user is not anonymous", TRIGGER_BODY,
     [("coalesce(new.is_anonymous, false),", "false,")],
     ["convergence::property"]),
    # 0019: the conflict fallback, failures outside the insert, the search_path.
    ("M30", "the trigger resolves names through its caller's search_path", TRIGGER_BODY,
     [("language plpgsql\nsecurity definer\nset search_path = ''\nas", "language plpgsql\nsecurity definer\nas")],
     ["trigger::search_path"]),
    ("M31", "a failed fallback to the rule after a conflict is not recorded", TRIGGER_BODY,
     [("            exception when others then\n                perform auth_mirror.record_trigger_error(v_user_id, tg_op, sqlstate);",
       "            exception when others then\n                null;")],
     ["trigger::insert_path::a_signup_that_violates"]),
    ("M32", "a unique_violation outside the insert is not recorded", TRIGGER_BODY,
     [("            if not v_inserting then\n                perform auth_mirror.record_trigger_error(v_user_id, tg_op, sqlstate);\n",
       "            if not v_inserting then\n")],
     ["trigger::insert_path::an_update_that_violates"]),
    ("M33", "the failure recorder stays executable by the API roles", TRIGGER_BODY,
     [("select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.record_trigger_error(uuid, text, text)');",
       "select 1;")],
     ["trigger::safety::mirror_functions_are_closed"]),
    # The set-based reduction of a batch (0018): several states of one user in one call.
    ("M34", "a batch takes the first state of a user instead of the newest", APPLY,
     [("order by r.deletion desc, r.version desc,\n                                                 r.deleted_at nulls last, r.ordinal desc)",
       "order by r.ordinal)"),
      ("order by g.deletion desc, g.version desc,\n                                           g.deleted_at nulls last, g.ordinal desc)",
       "order by g.ordinal)")],
     ["convergence::property::one_batch"]),
    ("M35", "within a batch, the latest creation time wins", APPLY,
     [("min(r.created) over (partition by r.id, r.round) as earliest",
       "max(r.created) over (partition by r.id, r.round) as earliest")],
     ["convergence::property::one_batch"]),
    ("M36", "within a batch, equal-version deletions: the later deletion time wins", APPLY,
     [("r.deleted_at nulls last, r.ordinal desc)", "r.deleted_at desc nulls last, r.ordinal desc)"),
      ("g.deleted_at nulls last, g.ordinal desc)", "g.deleted_at desc nulls last, g.ordinal desc)")],
     ["convergence::property::one_batch"]),
    ("M37", "a batch's later rounds are never written", APPLY,
     [("exit when v_round >= coalesce(v_rounds, 0);", "exit;")],
     ["convergence::one_batch::a_later_state_without_metadata"]),
    ("M38", "a batch a constraint refuses fails as a whole (no per-state fallback)", APPLY,
     [("        exception when others then\n            -- The batch failed as a whole",
       "        exception when division_by_zero then\n            -- The batch failed as a whole")],
     ["convergence::one_batch::a_user_the_application_refuses"]),
    ("M39", "a batch reports the write on every copy of the state that wrote", APPLY,
     [("then case when not k.writes then 'stale'\n", "then case when false then 'stale'\n")],
     ["convergence::one_batch::a_batch_writes_each_user_once"]),
]


def run(name, what, path, edits, filters):
    file = ROOT / path
    original = file.read_text()
    mutated = original
    for old, new in edits:
        if old not in mutated:
            return f"{name}: ERROR, text not found in {path}: {old[:60]!r}"
        mutated = mutated.replace(old, new)
    file.write_text(mutated)
    try:
        env = dict(os.environ)
        result = subprocess.run(
            ["cargo", "test", "--test", "api", "--", *filters],
            cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        file.write_text(original)
    failed = [line.split()[1] for line in result.stdout.splitlines()
              if line.startswith("test ") and line.endswith("FAILED")]
    if result.returncode != 0 and failed:
        return f"{name}: killed ({what}) by {', '.join(failed)}"
    if result.returncode != 0:
        return f"{name}: ERROR ({what}): the tests did not run\n{result.stderr[-2000:]}"
    return f"{name}: SURVIVED ({what}); tests run: {' '.join(filters)}"


def main():
    wanted = set(sys.argv[1:])
    survived = False
    for mutant in MUTANTS:
        if wanted and mutant[0] not in wanted:
            continue
        line = run(*mutant)
        print(line, flush=True)
        survived |= "SURVIVED" in line or "ERROR" in line
    sys.exit(1 if survived else 0)


if __name__ == "__main__":
    main()
