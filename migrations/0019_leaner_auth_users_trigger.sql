-- A leaner body for the auth.users mirror trigger (issue 24: the trigger's cost per signup).
-- Same rule, same safety as 0014; BENCHMARKS.md ("Trigger overhead", issue 24) has the numbers.
--
-- What a signup paid for in 0014's body, besides the trigger mechanism and the row itself
-- (perf on the bench's backend, bench/trigger_variants.sh):
--   - the insert's ON CONFLICT (id) DO NOTHING: a speculative insertion, i.e. an index probe of
--     users_pkey before the insert, a speculative-insertion lock and a second pass over the
--     index, for a conflict that practically never happens on a signup (the trigger runs
--     inside the signup's own transaction, before any Auth Hook or db event for that user can
--     have been sent);
--   - the constant c_no_time, whose text was converted to a timestamptz on every call (a
--     PL/pgSQL DECLARE default is evaluated per call; a literal in an expression is folded
--     once, when the expression is planned).
--
-- So a new live user is now written with a plain INSERT, and a unique_violation (a mirror row
-- already there) hands the state to auth_mirror.apply_user_state, as 0014's "if found" did:
-- every conflict, UPDATE and DELETE still goes through the one rule. The fallback runs in the
-- handler, after the failed insert's subtransaction was rolled back, inside a block of its
-- own; a signup pays for one subtransaction, as before. A unique_violation from another
-- unique index an application may have added to public.users also ends there: the rule then
-- fails the same way, and the failure is recorded like any other. As in 0014, the insert is a
-- copy of the row apply_user_state makes of a new live state: a later migration that changes
-- that row must replace this function too (tests/api/trigger/insert_path.rs, the convergence
-- property test's new_users.rs and tests/sql-mutants M20 to M29 pin it).
--
-- Unchanged: SECURITY DEFINER with SET search_path = '' (see below); the triggers and the
-- UPDATE trigger's WHEN clause (0005; not re-created here); every error is caught, warned
-- about with the user id and SQLSTATE only, recorded in auth_mirror.trigger_errors, and the
-- auth write commits.
--
-- Why SET search_path = '' stays although its GUC switch costs a few microseconds per call:
-- the function runs as its owner, and so does everything its INSERT reaches that is not ours,
-- e.g. an application's own trigger on public.users. Fully qualified names in this body would
-- protect this body only; without the SET, such a trigger would resolve its unqualified names
-- through the search_path of whoever wrote auth.users, who could then run code as the owner.

create or replace function auth_mirror.record_trigger_error(
    p_user_id uuid,
    p_operation text,
    p_sqlstate text
) returns void
language plpgsql
set search_path = ''
as $function$
begin
    -- SQLERRM is deliberately not logged: constraint messages quote row values.
    raise warning 'auth-mirror: mirroring % of auth user % failed (SQLSTATE %); the auth write continues, the reconciler will catch up',
        p_operation, p_user_id, p_sqlstate;
    insert into auth_mirror.trigger_errors (user_id, operation, sqlstate)
    values (p_user_id, p_operation, p_sqlstate);
exception when others then
    raise warning 'auth-mirror: could not record the failure for auth user % (SQLSTATE %)', p_user_id, sqlstate;
end
$function$;

comment on function auth_mirror.record_trigger_error(uuid, text, text) is
    'Called by auth_mirror.mirror_auth_user when mirroring failed: warns (user id and SQLSTATE only) and records the failure in auth_mirror.trigger_errors; never raises.';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.record_trigger_error(uuid, text, text)');

create or replace function auth_mirror.mirror_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
    v_user_id uuid;
    v_inserting boolean := false;
begin
    if tg_op = 'DELETE' then
        v_user_id := old.id;
    else
        v_user_id := new.id;
        -- A new live user with a real version (Supabase writes 0001-01-01T00:00:00Z where a
        -- time is not known yet; as in 0004, anything before 1000-01-01 is such a placeholder).
        v_inserting := tg_op = 'INSERT' and new.deleted_at is null
            and new.updated_at >= '1000-01-01T00:00:00Z'::timestamptz;
    end if;
    begin
        if v_inserting then
            -- Exactly the row apply_user_state inserts for this state.
            insert into public.users (
                id, email, phone, is_anonymous, user_metadata, app_metadata,
                email_confirmed_at, auth_created_at, auth_updated_at, created_at, updated_at
            ) values (
                new.id, nullif(new.email, ''), nullif(new.phone, ''),
                coalesce(new.is_anonymous, false),
                new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
                case when new.created_at >= '1000-01-01T00:00:00Z'::timestamptz then new.created_at end,
                new.updated_at, now(), now()
            );
        elsif tg_op = 'DELETE' then
            perform auth_mirror.apply_user_state(
                old.id, old.email, old.phone, old.is_anonymous,
                old.raw_user_meta_data, old.raw_app_meta_data, old.email_confirmed_at,
                old.created_at, old.updated_at, old.deleted_at,
                true);
        else
            perform auth_mirror.apply_user_state(
                new.id, new.email, new.phone, new.is_anonymous,
                new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
                new.created_at, new.updated_at, new.deleted_at,
                false);
        end if;
    exception
        when unique_violation then
            if not v_inserting then
                perform auth_mirror.record_trigger_error(v_user_id, tg_op, sqlstate);
                return null;
            end if;
            -- A mirror row is already there: the rule decides.
            begin
                perform auth_mirror.apply_user_state(
                    new.id, new.email, new.phone, new.is_anonymous,
                    new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
                    new.created_at, new.updated_at, new.deleted_at,
                    false);
            exception when others then
                perform auth_mirror.record_trigger_error(v_user_id, tg_op, sqlstate);
            end;
        when others then
            perform auth_mirror.record_trigger_error(v_user_id, tg_op, sqlstate);
    end;
    return null; -- AFTER trigger: the return value is ignored
end
$function$;

comment on function auth_mirror.mirror_auth_user() is
    'Trigger function on auth.users: mirrors the row into public.users (a new user by a plain insert, a conflict and anything else via auth_mirror.apply_user_state); never raises.';

-- CREATE OR REPLACE keeps the grants; repeated so the rights stay visible next to the body.
select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.mirror_auth_user()');
