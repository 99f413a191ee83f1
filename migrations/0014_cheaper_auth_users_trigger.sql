-- A cheaper body for the auth.users mirror trigger (issue 12: the trigger's cost on signups).
-- Same convergence rule, same safety; BENCHMARKS.md ("Trigger overhead") has the numbers.
--
-- What a signup paid before (0005): an AFTER INSERT trigger whose EXCEPTION block called
-- auth_mirror.apply_user_state, a second function with its own SET search_path (one more GUC
-- save and restore per row), whose INSERT .. ON CONFLICT DO UPDATE .. WHERE carries the whole
-- rule. For a new auth user no mirror row exists yet in almost every case, and the rule then
-- comes down to a plain insert of the state.
--
-- So an INSERT of a live, versioned state first tries exactly the row apply_user_state would
-- insert (the same expressions: '' email/phone become NULL, a placeholder creation time
-- becomes NULL, no deleted_at), with ON CONFLICT DO NOTHING. Only when a mirror row is
-- already there (the Auth Hook or a db event came first), and for everything else (UPDATE,
-- DELETE, an inserted deletion, a state without a real version), the trigger calls
-- apply_user_state as before: one definition of the rule for every conflict. A live insert
-- never reaches expunge_if_deleted in apply_user_state either, so nothing is skipped there.
-- Keep the two in step: a later migration that changes what apply_user_state inserts for a
-- new live user must replace this function too (tests/api/trigger/insert_path.rs, the
-- convergence property test and tests/sql-mutants M20 to M24 pin this copy).
--
-- Unchanged: SECURITY DEFINER with search_path = '' (Supabase Auth writes as
-- supabase_auth_admin, which has no rights on public or auth_mirror); the UPDATE trigger's
-- WHEN clause (0005) keeps sign-ins and the role update after every signup from firing it;
-- every error is caught, warned about (user id and SQLSTATE only) and recorded in
-- auth_mirror.trigger_errors, and the auth write commits. The EXCEPTION block stays, around
-- the write and nothing else: no cheaper construct keeps every error away from the signup
-- (an application may add constraints or triggers to public.users, a concurrent writer may
-- deadlock), and measured, the block is not where most of the cost was.

create or replace function auth_mirror.mirror_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
    -- Supabase writes 0001-01-01T00:00:00Z where a time is not known yet (as in 0004).
    c_no_time constant timestamptz := '1000-01-01T00:00:00Z';
    v_user_id uuid;
begin
    begin
        if tg_op = 'DELETE' then
            v_user_id := old.id;
            perform auth_mirror.apply_user_state(
                old.id, old.email, old.phone, old.is_anonymous,
                old.raw_user_meta_data, old.raw_app_meta_data, old.email_confirmed_at,
                old.created_at, old.updated_at, old.deleted_at,
                true);
            return null;
        end if;
        v_user_id := new.id;
        if tg_op = 'INSERT' and new.deleted_at is null and new.updated_at >= c_no_time then
            insert into public.users (
                id, email, phone, is_anonymous, user_metadata, app_metadata,
                email_confirmed_at, auth_created_at, auth_updated_at, created_at, updated_at
            ) values (
                new.id, nullif(new.email, ''), nullif(new.phone, ''),
                coalesce(new.is_anonymous, false),
                new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
                case when new.created_at >= c_no_time then new.created_at end,
                new.updated_at, now(), now()
            )
            on conflict (id) do nothing;
            if found then
                return null;
            end if;
        end if;
        perform auth_mirror.apply_user_state(
            new.id, new.email, new.phone, new.is_anonymous,
            new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
            new.created_at, new.updated_at, new.deleted_at,
            false);
    exception when others then
        -- SQLERRM is deliberately not logged: constraint messages quote row values.
        raise warning 'auth-mirror: mirroring % of auth user % failed (SQLSTATE %); the auth write continues, the reconciler will catch up',
            tg_op, v_user_id, sqlstate;
        begin
            insert into auth_mirror.trigger_errors (user_id, operation, sqlstate)
            values (v_user_id, tg_op, sqlstate);
        exception when others then
            raise warning 'auth-mirror: could not record the failure for auth user % (SQLSTATE %)', v_user_id, sqlstate;
        end;
    end;
    return null; -- AFTER trigger: the return value is ignored
end
$function$;

comment on function auth_mirror.mirror_auth_user() is
    'Trigger function on auth.users: mirrors the row into public.users (a new user by a plain insert, anything else via auth_mirror.apply_user_state); never raises.';

-- CREATE OR REPLACE keeps the grants; repeated so the rights stay visible next to the body.
select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.mirror_auth_user()');
