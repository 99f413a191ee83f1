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
APPLY = "migrations/0007_expunge_deleted_users_payloads.sql"
TRIGGER = "migrations/0005_auth_users_trigger.sql"
# The trigger function's body since 0019 (0005 keeps its attach and install functions).
TRIGGER_BODY = "migrations/0019_leaner_auth_users_trigger.sql"

MUTANTS = [
    ("M1", "apply_user_state never writes", APPLY,
     [("if p_auth_updated_at is null or p_auth_updated_at < c_no_time then", "if true then")],
     ["convergence::property"]),
    ("M2", "a placeholder version (0001-01-01) writes", APPLY,
     [("if p_auth_updated_at is null or p_auth_updated_at < c_no_time then",
       "if p_auth_updated_at is null then")],
     ["trigger::signup::a_row_without_a_real_version"]),
    ("M3", "equal-version deletions: the LATER deletion time wins", APPLY,
     [("excluded.deleted_at <= u.deleted_at", "excluded.deleted_at >= u.deleted_at")],
     ["convergence::property"]),
    ("M4", "the latest creation time wins", APPLY,
     [("auth_created_at    = least(u.auth_created_at, excluded.auth_created_at),",
       "auth_created_at    = greatest(u.auth_created_at, excluded.auth_created_at),")],
     ["convergence::property"]),
    ("M5", "a live state overwrites a tombstone", APPLY,
     [("                u.deleted_at is null\n                and (u.auth_updated_at is null",
       "                true\n                and (u.auth_updated_at is null")],
     ["mirror_db_event::tombstones"]),
    ("M6", "an equal version does not win", APPLY,
     [("or excluded.auth_updated_at >= u.auth_updated_at)",
       "or excluded.auth_updated_at > u.auth_updated_at)")],
     ["mirror_auth_more::invite_hook"]),
    ("M7", "\"\" is stored instead of NULL", APPLY,
     [("case when not v_deletion then nullif(p_email, '') end",
       "case when not v_deletion then p_email end"),
      ("case when not v_deletion then nullif(p_phone, '') end",
       "case when not v_deletion then p_phone end")],
     # Since 0014 the trigger inserts a new user itself, and the HTTP path drops "" before
     # calling the function: the trigger's UPDATE path is where this shows.
     ["trigger::signup::an_update_that_empties_email_and_phone"]),
    ("M8", "user_metadata not carried overwrites the stored one", APPLY,
     [("user_metadata      = case when not v_deletion then coalesce(excluded.user_metadata, u.user_metadata) end",
       "user_metadata      = case when not v_deletion then excluded.user_metadata end")],
     ["mirror_auth_more::an_invite_hook_that_lowers", "convergence::property"]),
    ("M9", "app_metadata not carried overwrites the stored one", APPLY,
     [("app_metadata       = case when not v_deletion then coalesce(excluded.app_metadata, u.app_metadata) end",
       "app_metadata       = case when not v_deletion then excluded.app_metadata end")],
     ["mirror_auth_more::app_metadata", "convergence::property"]),
    ("M10", "a stale state's earlier creation time is ignored", APPLY,
     [("and (auth_created_at is null or auth_created_at > p_auth_created_at);", "and false;")],
     ["convergence::creation_time"]),
    ("M11", "deletion expunges nothing", APPLY,
     [("where e.user_id = p_id and e.payload is not null;", "where false;")],
     ["personal_data"]),
    ("M12", "a stale event after the tombstone keeps its payload", APPLY,
     [("v_effect := case when found then 'updated' else 'stale' end;",
       "return case when found then 'updated' else 'stale' end;")],
     ["personal_data::a_soft_delete"]),
    ("M13", "an identical state is written again", APPLY,
     [("        and (u.email, u.phone, u.is_anonymous,", "        and (true or (u.email, u.phone, u.is_anonymous,"),
      ("             excluded.auth_updated_at, excluded.deleted_at)\n    returning",
       "             excluded.auth_updated_at, excluded.deleted_at))\n    returning")],
     ["mirror_db_event::duplicates::the_same_state_from_the_auth_hook"]),
    ("M14", "a deletion older than the live row is ignored", APPLY,
     [("                   u.deleted_at is null\n                or u.auth_updated_at is null",
       "                   false\n                or u.auth_updated_at is null")],
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
    # 0007 re-creates the function (CREATE OR REPLACE resets it to SECURITY INVOKER), so the
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
