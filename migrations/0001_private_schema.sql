-- auth-mirror's private schema. The migration runner creates it before the first migration
-- (sqlx's history table lives in it); this file closes it to Supabase's API roles.
-- Supabase exposes `public` through PostgREST; `auth_mirror` must stay invisible to it.
create schema if not exists auth_mirror;

-- Revokes `p_privileges on p_objects` from PUBLIC and from Supabase's API roles `anon` and
-- `authenticated` where they exist (a plain PostgreSQL has neither). Every later migration
-- closes what it creates with it.
create or replace function auth_mirror.revoke_from_api_roles(p_privileges text, p_objects text)
returns void
language plpgsql
set search_path = ''
as $function$
declare
    v_role text;
begin
    execute pg_catalog.format('revoke %s on %s from public', p_privileges, p_objects);
    foreach v_role in array array['anon', 'authenticated'] loop
        if exists (select 1 from pg_catalog.pg_roles where rolname = v_role) then
            execute pg_catalog.format('revoke %s on %s from %I', p_privileges, p_objects, v_role);
        end if;
    end loop;
end
$function$;

select auth_mirror.revoke_from_api_roles('all', 'schema auth_mirror');
select auth_mirror.revoke_from_api_roles('execute',
    'function auth_mirror.revoke_from_api_roles(text, text)');
