-- Belt and braces (design §4): a trigger on auth.users that mirrors every change through
-- the same auth_mirror.apply_user_state as the HTTP path, so the two converge.
--
-- Why it cannot hurt a signup:
--   * Supabase Auth writes as supabase_auth_admin, which has no rights on public or
--     auth_mirror: the function is SECURITY DEFINER (runs as its owner, the migration
--     runner) with search_path = '' and fully qualified names.
--   * Every error is caught: a WARNING (user id and SQLSTATE only, no personal data) and a
--     row in auth_mirror.trigger_errors for the reconciler; the auth write always commits.
--   * The UPDATE trigger fires only when a mirrored column changed, so sign-ins
--     (last_sign_in_at, updated_at) and the role update that follows every signup cost
--     nothing.
--
-- Where auth.users does not exist (an app database that is not Supabase), the install
-- function skips with a NOTICE. The Rust `migrate` command calls it again after every
-- run, so a database whose auth.users appears later still gets the trigger.

-- The trigger function only touches auth.users through NEW/OLD at run time, so it can
-- be created everywhere.
create or replace function auth_mirror.mirror_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
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
        else
            v_user_id := new.id;
            perform auth_mirror.apply_user_state(
                new.id, new.email, new.phone, new.is_anonymous,
                new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
                new.created_at, new.updated_at, new.deleted_at,
                false);
        end if;
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
    'Trigger function on auth.users: mirrors the row into public.users via auth_mirror.apply_user_state; never raises.';

-- Attaches p_function as <p_prefix>_inserted / _updated / _deleted triggers on
-- auth.users. Shared by the mirror trigger and sql/db-webhook.sql, so both watch exactly
-- the same changes. Returns false when not allowed to create triggers.
create or replace function auth_mirror.attach_auth_users_triggers(p_prefix text, p_function regprocedure)
returns boolean
language plpgsql
set search_path = ''
as $function$
declare
    v_trigger record;
begin
    for v_trigger in
        select * from (values
            ('_inserted', 'after insert on auth.users for each row'),
            -- Only the columns apply_user_state reads. Not updated_at alone: every sign-in
            -- bumps it, and the role update after every signup leaves it unchanged.
            ('_updated', 'after update on auth.users for each row
                when (old.email is distinct from new.email
                   or old.phone is distinct from new.phone
                   or old.is_anonymous is distinct from new.is_anonymous
                   or old.raw_user_meta_data is distinct from new.raw_user_meta_data
                   or old.raw_app_meta_data is distinct from new.raw_app_meta_data
                   or old.email_confirmed_at is distinct from new.email_confirmed_at
                   or old.created_at is distinct from new.created_at
                   or old.deleted_at is distinct from new.deleted_at)'),
            ('_deleted', 'after delete on auth.users for each row')
        ) as t(suffix, timing)
    loop
        -- Drop and re-create so a changed definition takes effect. On Supabase, postgres
        -- may CREATE triggers on auth.users but not DROP them (only the owner,
        -- supabase_auth_admin, may; supabase/supabase#3445): then the existing trigger
        -- is kept. That stays current, because what changes between versions is the
        -- function, which is replaced with CREATE OR REPLACE.
        begin
            execute format('drop trigger if exists %I on auth.users', p_prefix || v_trigger.suffix);
        exception when insufficient_privilege then
            raise notice 'auth-mirror: keeping existing trigger % on auth.users (only its owner may re-create it)', p_prefix || v_trigger.suffix;
            continue;
        end;
        begin
            execute format('create trigger %I %s execute function %s',
                           p_prefix || v_trigger.suffix, v_trigger.timing, p_function);
        exception when insufficient_privilege then
            raise warning 'auth-mirror: not allowed to create triggers on auth.users (%)', sqlerrm
                using hint = 'Run this as postgres, or grant trigger on auth.users to the current role.';
            return false;
        end;
    end loop;
    return true;
end
$function$;

-- Returns true when the triggers are in place, false when skipped. Called by this
-- migration and again by `auth-mirror migrate` after every run.
create or replace function auth_mirror.install_auth_users_trigger()
returns boolean
language plpgsql
set search_path = ''
as $function$
begin
    if to_regclass('auth.users') is null then
        raise notice 'auth-mirror: auth.users does not exist here; the mirror trigger was not installed (the HTTP path still works)';
        return false;
    end if;
    if not auth_mirror.attach_auth_users_triggers('auth_mirror_user', 'auth_mirror.mirror_auth_user()') then
        -- The HTTP path does not need the trigger: this must not fail a deployment.
        raise warning 'auth-mirror: the mirror trigger on auth.users was not installed';
        return false;
    end if;
    return true;
end
$function$;

comment on function auth_mirror.install_auth_users_trigger() is
    'Installs (or re-installs) the mirror triggers on auth.users where it exists; returns false when skipped.';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.mirror_auth_user()');
select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.install_auth_users_trigger()');
select auth_mirror.revoke_from_api_roles('execute',
    'function auth_mirror.attach_auth_users_triggers(text, regprocedure)');

select auth_mirror.install_auth_users_trigger();
