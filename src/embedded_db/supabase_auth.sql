-- A Supabase-shaped database (design §4), for the test suite and the embedded local
-- database: the roles Supabase has, schema auth owned by supabase_auth_admin, and
-- auth.users with Supabase's column set, generated column and partial unique index.
-- Run as a superuser, before the migrations. Idempotent.
--
-- Roles are cluster-wide and tests create databases in one cluster in parallel, so role
-- creation tolerates a concurrent session having just created the same role
-- (duplicate_object, or unique_violation on pg_authid). Schema objects are per database.

do $roles$
declare
    v_role record;
begin
    for v_role in
        select * from (values
            -- name,                  attributes
            ('supabase_auth_admin', 'login noinherit createrole'),
            ('anon',                'nologin noinherit'),
            ('authenticated',       'nologin noinherit'),
            ('service_role',        'nologin noinherit bypassrls'),
            ('authenticator',       'login noinherit')
        ) as r(name, attrs)
    loop
        if not exists (select 1 from pg_catalog.pg_roles where rolname = v_role.name) then
            begin
                execute format('create role %I %s', v_role.name, v_role.attrs);
            exception when duplicate_object or unique_violation then
                null; -- created meanwhile by a parallel session
            end;
        end if;
    end loop;
end
$roles$;

-- Supabase Auth connects as supabase_auth_admin and relies on this search_path.
do $search_path$
begin
    if not exists (
        select 1
          from pg_catalog.pg_db_role_setting s
          join pg_catalog.pg_roles r on r.oid = s.setrole
         where r.rolname = 'supabase_auth_admin' and s.setdatabase = 0
           and 'search_path=auth' = any (s.setconfig)
    ) then
        begin
            alter role supabase_auth_admin set search_path = auth;
        exception when unique_violation or internal_error then
            null; -- "tuple concurrently updated": a parallel session set the same value
        end;
    end if;
end
$search_path$;

-- PostgREST's login role switches into the API roles.
do $grants$
begin
    grant anon, authenticated, service_role to authenticator;
exception when unique_violation or internal_error then
    null; -- granted concurrently by a parallel session
end
$grants$;

-- No rights on public for the auth role (PostgreSQL 15 already took CREATE from PUBLIC;
-- older servers did not).
revoke create on schema public from public;
revoke all on schema public from supabase_auth_admin;

create schema if not exists auth authorization supabase_auth_admin;
grant usage on schema auth to postgres, service_role;

-- pgcrypto lives in schema extensions on Supabase (sql/db-webhook.sql calls
-- extensions.hmac). Skipped where the server was built without contrib.
create schema if not exists extensions;
grant usage on schema extensions to postgres, anon, authenticated, service_role;
do $pgcrypto$
begin
    if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pgcrypto') then
        create extension if not exists pgcrypto with schema extensions;
    else
        raise notice 'pgcrypto is not available on this server; extensions.hmac will be missing';
    end if;
end
$pgcrypto$;

create table if not exists auth.users (
    instance_id                 uuid,
    id                          uuid not null primary key,
    aud                         varchar(255),
    role                        varchar(255),
    email                       varchar(255),
    encrypted_password          varchar(255),
    email_confirmed_at          timestamptz,
    invited_at                  timestamptz,
    confirmation_token          varchar(255),
    confirmation_sent_at        timestamptz,
    recovery_token              varchar(255),
    recovery_sent_at            timestamptz,
    email_change_token_new      varchar(255),
    email_change                varchar(255),
    email_change_sent_at        timestamptz,
    last_sign_in_at             timestamptz,
    raw_app_meta_data           jsonb,
    raw_user_meta_data          jsonb,
    is_super_admin              boolean,
    created_at                  timestamptz,
    updated_at                  timestamptz,
    phone                       text unique default null,
    phone_confirmed_at          timestamptz,
    phone_change                text default '',
    phone_change_token          varchar(255) default '',
    phone_change_sent_at        timestamptz,
    confirmed_at                timestamptz generated always as (least(email_confirmed_at, phone_confirmed_at)) stored,
    email_change_token_current  varchar(255) default '',
    email_change_confirm_status smallint default 0
        check (email_change_confirm_status >= 0 and email_change_confirm_status <= 2),
    banned_until                timestamptz,
    reauthentication_token      varchar(255) default '',
    reauthentication_sent_at    timestamptz,
    is_sso_user                 boolean not null default false,
    deleted_at                  timestamptz,
    is_anonymous                boolean not null default false
);

-- Supabase's email uniqueness: case-sensitive, and only among non-SSO users.
create unique index if not exists users_email_partial_key on auth.users (email) where is_sso_user = false;

alter table auth.users owner to supabase_auth_admin;
-- As on Supabase: postgres may read auth.users and create triggers on it.
grant all on auth.users to postgres;
