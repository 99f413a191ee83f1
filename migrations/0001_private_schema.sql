-- auth-mirror's private schema. The migration runner creates it before the first migration
-- (sqlx's history table lives in it); this file closes it to Supabase's API roles.
-- Supabase exposes `public` through PostgREST; `auth_mirror` must stay invisible to it.
create schema if not exists auth_mirror;
revoke all on schema auth_mirror from public;

do $$
declare
    api_role text;
begin
    foreach api_role in array array['anon', 'authenticated'] loop
        if exists (select 1 from pg_catalog.pg_roles where rolname = api_role) then
            execute pg_catalog.format('revoke all on schema auth_mirror from %I', api_role);
        end if;
    end loop;
end $$;
