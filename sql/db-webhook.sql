-- auth-mirror: signed database webhooks for auth.users (opt-in; design §2, source B).
--
-- What it does: on INSERT, UPDATE (of a mirrored column) and DELETE of auth.users, posts
-- {type, table, schema, record, old_record} to auth-mirror's POST /hooks/db through pg_net,
-- signed with the Standard Webhooks scheme, like Supabase Auth signs its hooks.
-- Supabase's own Database Webhooks are unsigned and send every column, password hash
-- included; this one sends an explicit safe column list (never encrypted_password or any
-- *token*).
--
--   webhook-id         'msg_' || hex(sha256(txid || '.' || body)): unique per change and
--                      transaction, and the same if this trigger ever computed the same
--                      change twice. (pg_net never retries, so it is never reused.)
--   webhook-timestamp  unix seconds of clock_timestamp() (not now(): a long transaction
--                      would otherwise age its own signature past the tolerance).
--   webhook-signature  'v1,' || base64(hmac_sha256(key, id || '.' || ts || '.' || body)),
--                      one per secret, space separated; body is exactly body::text, the
--                      bytes pg_net sends for a jsonb body.
--
-- Secret: Supabase Vault secret 'auth_mirror_webhook_secret' when the vault schema
-- exists, else auth_mirror.settings key 'webhook_secret'. Format as Supabase writes it,
-- 'v1,whsec_<base64 key>' (or 'whsec_<base64>', several joined with '|'), the same value
-- as auth-mirror's WEBHOOK_SECRETS. URL: auth_mirror.settings key 'db_webhook_url'.
-- Neither is ever in this file. Both are read at send time, so rotating them needs no
-- re-install.
--
-- pg_net does not retry and its queue is unlogged: deliveries can be lost. The mirror
-- trigger (migrations/0005) and the reconciler are the safety nets.
-- Failures never block the auth write: a WARNING (user id and SQLSTATE only) and a row
-- in auth_mirror.trigger_errors with operation 'db_webhook'.
--
-- Install (after `auth-mirror migrate`, with pg_net and pgcrypto enabled): the README's
-- "Signed database webhook" section has the full steps, each safe to run again:
--   insert into auth_mirror.settings (key, value) values ('db_webhook_url', '<url>')
--     on conflict (key) do update set value = excluded.value;
--   the secret: vault.update_secret(...) where it exists, else vault.create_secret(...);
--     without Vault, settings key 'webhook_secret' with the same "on conflict" upsert;
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/db-webhook.sql
--
-- Re-running it is harmless (on Supabase, where postgres cannot drop triggers on
-- auth.users, the existing triggers are kept and the functions replaced).
--
-- Uninstall:
--   drop trigger if exists auth_mirror_db_webhook_inserted on auth.users;
--   drop trigger if exists auth_mirror_db_webhook_updated on auth.users;
--   drop trigger if exists auth_mirror_db_webhook_deleted on auth.users;
--   drop function if exists auth_mirror.send_db_webhook();
--   drop function if exists auth_mirror.db_webhook_record(auth.users);
--   delete from auth_mirror.settings where key in ('db_webhook_url', 'webhook_secret');
-- Where `drop trigger` fails with "must be owner of relation users" (Supabase's postgres),
-- neutralise the function instead, keeping the triggers as harmless no-ops:
--   create or replace function auth_mirror.send_db_webhook() returns trigger
--     language plpgsql as $$ begin return null; end $$;

begin;

do $check$
begin
    if to_regclass('auth.users') is null then
        raise exception 'auth.users does not exist: the database webhook is for a Supabase database';
    end if;
    if to_regprocedure('auth_mirror.attach_auth_users_triggers(text, regprocedure)') is null then
        raise exception 'auth-mirror''s migrations have not been applied to this database'
            using hint = 'Run `auth-mirror migrate` against this database first.';
    end if;
    if to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is null then
        raise exception 'net.http_post is missing'
            using hint = 'Enable pg_net: create extension if not exists pg_net;';
    end if;
    if to_regprocedure('extensions.hmac(bytea, bytea, text)') is null then
        raise exception 'extensions.hmac is missing'
            using hint = 'Enable pgcrypto in schema extensions: create extension if not exists pgcrypto with schema extensions;';
    end if;
    if not exists (select 1 from auth_mirror.settings where key = 'db_webhook_url') then
        raise warning 'auth_mirror.settings has no db_webhook_url yet: every change will be recorded as a db_webhook error until it is set';
    end if;
end
$check$;

-- The safe column list: what auth-mirror needs, and nothing secret.
create or replace function auth_mirror.db_webhook_record(r auth.users)
returns jsonb
language sql
stable -- timestamps render in the session's TimeZone (still RFC 3339)
set search_path = ''
as $function$
    select jsonb_build_object(
        'id',                 r.id,
        'aud',                r.aud,
        'role',               r.role,
        'email',              r.email,
        'phone',              r.phone,
        'email_confirmed_at', r.email_confirmed_at,
        'phone_confirmed_at', r.phone_confirmed_at,
        'confirmed_at',       r.confirmed_at,
        'invited_at',         r.invited_at,
        'last_sign_in_at',    r.last_sign_in_at,
        'banned_until',       r.banned_until,
        'raw_user_meta_data', r.raw_user_meta_data,
        'raw_app_meta_data',  r.raw_app_meta_data,
        'is_anonymous',       r.is_anonymous,
        'is_sso_user',        r.is_sso_user,
        'created_at',         r.created_at,
        'updated_at',         r.updated_at,
        'deleted_at',         r.deleted_at
    )
$function$;

create or replace function auth_mirror.send_db_webhook()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
    v_user_id  uuid;
    v_url      text;
    v_secrets  text;
    v_secret   text;
    v_body     jsonb;
    v_body_txt text;
    v_msg_id   text;
    v_ts       text;
    v_content  bytea;
    v_sigs     text[] := '{}';
begin
    begin
        v_user_id := case when tg_op = 'DELETE' then old.id else new.id end;

        select s.value into v_url from auth_mirror.settings s where s.key = 'db_webhook_url';
        if v_url is null then
            raise exception 'db_webhook_url is not set' using errcode = 'invalid_parameter_value';
        end if;

        if to_regnamespace('vault') is not null then
            -- Dynamic so this function also works where Vault does not exist.
            execute 'select decrypted_secret from vault.decrypted_secrets where name = $1 order by created_at desc limit 1'
               into v_secrets using 'auth_mirror_webhook_secret';
        end if;
        if v_secrets is null then
            select s.value into v_secrets from auth_mirror.settings s where s.key = 'webhook_secret';
        end if;
        if v_secrets is null then
            raise exception 'no webhook secret configured' using errcode = 'invalid_parameter_value';
        end if;

        v_body := jsonb_build_object(
            'type',       tg_op,
            'table',      tg_table_name,
            'schema',     tg_table_schema,
            'record',     case when tg_op = 'DELETE' then null else auth_mirror.db_webhook_record(new) end,
            'old_record', case when tg_op = 'INSERT' then null else auth_mirror.db_webhook_record(old) end);
        -- pg_net sends convert_to(body::text, 'UTF8'): sign exactly that text.
        v_body_txt := v_body::text;
        v_msg_id := 'msg_' || encode(sha256(convert_to(
            txid_current()::text || '.' || v_body_txt, 'UTF8')), 'hex');
        v_ts := floor(extract(epoch from clock_timestamp()))::bigint::text;
        v_content := convert_to(v_msg_id || '.' || v_ts || '.' || v_body_txt, 'UTF8');

        foreach v_secret in array string_to_array(v_secrets, '|') loop
            v_secret := btrim(v_secret);
            if v_secret like 'v1,%' then
                v_secret := substr(v_secret, 4);
            end if;
            if v_secret like 'whsec\_%' then
                v_secret := substr(v_secret, 7);
            end if;
            continue when v_secret = '';
            v_sigs := v_sigs || ('v1,' || translate(encode(
                extensions.hmac(v_content, decode(v_secret, 'base64'), 'sha256'),
                'base64'), E'\n', ''));
        end loop;
        if cardinality(v_sigs) = 0 then
            raise exception 'the webhook secret is empty' using errcode = 'invalid_parameter_value';
        end if;

        perform net.http_post(
            url := v_url,
            body := v_body,
            headers := jsonb_build_object(
                'Content-Type',      'application/json',
                'webhook-id',        v_msg_id,
                'webhook-timestamp', v_ts,
                'webhook-signature', array_to_string(v_sigs, ' ')),
            timeout_milliseconds := 2000);
    exception when others then
        -- SQLERRM is not logged: it could quote row values.
        raise warning 'auth-mirror: db webhook for % of auth user % failed (SQLSTATE %); the auth write continues',
            tg_op, v_user_id, sqlstate;
        begin
            insert into auth_mirror.trigger_errors (user_id, operation, sqlstate)
            values (v_user_id, 'db_webhook', sqlstate);
        exception when others then
            raise warning 'auth-mirror: could not record the db webhook failure for auth user % (SQLSTATE %)', v_user_id, sqlstate;
        end;
    end;
    return null; -- AFTER trigger: the return value is ignored
end
$function$;

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.db_webhook_record(auth.users)');
select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.send_db_webhook()');

-- The same triggers, on the same changes, as the mirror trigger (migrations/0005):
-- sign-ins and the role update after every signup send nothing.
do $attach$
begin
    if not auth_mirror.attach_auth_users_triggers('auth_mirror_db_webhook', 'auth_mirror.send_db_webhook()') then
        raise exception 'could not create the db webhook triggers on auth.users'
            using hint = 'Run this file as postgres (on Supabase) or as the owner of auth.users.';
    end if;
end
$attach$;

commit;
