-- auth-mirror's SQL objects as the migrations leave them: schema auth_mirror,
-- public.users and the triggers on auth.users. Generated from the catalog by
-- `auth-mirror db schema`; do not edit. After changing migrations/, regenerate it:
--   cargo run -q -- db schema --fresh > sql/schema.sql

create schema auth_mirror;

create table auth_mirror.admin_sessions (
    id_digest bytea not null,
    created_at timestamp with time zone default now() not null,
    last_seen_at timestamp with time zone default now() not null,
    expires_at timestamp with time zone not null,
    constraint admin_sessions_id_digest_check CHECK ((octet_length(id_digest) = 32)),
    constraint admin_sessions_pkey PRIMARY KEY (id_digest)
);
CREATE INDEX admin_sessions_expires_at_idx ON auth_mirror.admin_sessions USING btree (expires_at);

create table auth_mirror.events (
    id bigint generated always as identity,
    source text not null,
    kind text not null,
    event_key text not null,
    user_id uuid,
    webhook_id text not null,
    signed_at timestamp with time zone not null,
    received_at timestamp with time zone default now() not null,
    payload bytea,
    status text not null,
    effect text,
    attempts integer default 1 not null,
    next_attempt_at timestamp with time zone,
    last_error text,
    applied_via text,
    updated_at timestamp with time zone default now() not null,
    last_attempt_at timestamp with time zone,
    constraint events_applied_via_check CHECK ((applied_via = ANY (ARRAY['delivery'::text, 'retry'::text, 'replay'::text]))),
    constraint events_event_key_key UNIQUE (event_key),
    constraint events_pkey PRIMARY KEY (id),
    constraint events_source_check CHECK ((source = ANY (ARRAY['auth_hook'::text, 'db_webhook'::text]))),
    constraint events_status_check CHECK ((status = ANY (ARRAY['applied'::text, 'failed'::text, 'dead'::text, 'ignored'::text])))
);
CREATE INDEX events_received_at_idx ON auth_mirror.events USING btree (received_at);
CREATE INDEX events_retention_idx ON auth_mirror.events USING btree (received_at) WHERE (status = ANY (ARRAY['applied'::text, 'ignored'::text]));
CREATE INDEX events_retry_due_idx ON auth_mirror.events USING btree (next_attempt_at) WHERE (status = 'failed'::text);
CREATE INDEX events_status_id_idx ON auth_mirror.events USING btree (status, id);
CREATE INDEX events_user_id_idx ON auth_mirror.events USING btree (user_id);

create table auth_mirror.reconcile_checkpoint (
    source text not null,
    per_page integer not null,
    covered bigint not null,
    last_total bigint not null,
    started_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint reconcile_checkpoint_covered_check CHECK ((covered >= 0)),
    constraint reconcile_checkpoint_last_total_check CHECK ((last_total >= 0)),
    constraint reconcile_checkpoint_per_page_check CHECK ((per_page > 0)),
    constraint reconcile_checkpoint_pkey PRIMARY KEY (source),
    constraint reconcile_checkpoint_source_check CHECK ((source = 'admin_api'::text))
);

create table auth_mirror.reconcile_seen (
    user_id uuid not null,
    constraint reconcile_seen_pkey PRIMARY KEY (user_id)
);

create table auth_mirror.settings (
    key text not null,
    value text not null,
    constraint settings_pkey PRIMARY KEY (key)
);

create table auth_mirror.trigger_errors (
    id bigint generated always as identity,
    user_id uuid,
    operation text not null,
    sqlstate text not null,
    occurred_at timestamp with time zone default now() not null,
    resolved_at timestamp with time zone,
    constraint trigger_errors_pkey PRIMARY KEY (id)
);
CREATE INDEX trigger_errors_occurred_at_idx ON auth_mirror.trigger_errors USING btree (occurred_at);
CREATE INDEX trigger_errors_unresolved_idx ON auth_mirror.trigger_errors USING btree (user_id) WHERE (resolved_at IS NULL);

create table public.users (
    id uuid not null,
    email text,
    phone text,
    is_anonymous boolean default false not null,
    user_metadata jsonb,
    app_metadata jsonb,
    email_confirmed_at timestamp with time zone,
    auth_created_at timestamp with time zone,
    auth_updated_at timestamp with time zone,
    deleted_at timestamp with time zone,
    settings jsonb,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint users_pkey PRIMARY KEY (id)
);
CREATE INDEX users_email_lower_idx ON public.users USING btree (lower(email));
alter table public.users enable row level security;
comment on table public.users is 'Mirror of auth.users maintained by auth-mirror (auth_mirror.apply_user_state). settings is application-owned.';
comment on column public.users.auth_updated_at is 'auth.users.updated_at of the state mirrored here: the version used by the convergence rule.';
comment on column public.users.deleted_at is 'Set when the auth user was deleted (soft or hard): the row is a tombstone without personal data.';
comment on column public.users.settings is 'Owned by the application; auth-mirror never writes it.';

CREATE OR REPLACE FUNCTION auth_mirror.apply_user_state(p_id uuid, p_email text, p_phone text, p_is_anonymous boolean, p_user_metadata jsonb, p_app_metadata jsonb, p_email_confirmed_at timestamp with time zone, p_auth_created_at timestamp with time zone, p_auth_updated_at timestamp with time zone, p_deleted_at timestamp with time zone, p_removed boolean)
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
    -- Supabase writes 0001-01-01T00:00:00Z where a time is not known yet.
    c_no_time    constant timestamptz := '1000-01-01T00:00:00Z';
    v_deletion   constant boolean := coalesce(p_removed, false) or p_deleted_at is not null;
    v_inserted   boolean;
    v_effect     text;
begin
    if p_id is null then
        raise exception 'auth_mirror.apply_user_state: p_id must not be null'
            using errcode = 'null_value_not_allowed';
    end if;
    if p_auth_updated_at is null or p_auth_updated_at < c_no_time then
        perform auth_mirror.expunge_if_deleted(p_id);
        return 'unversioned';
    end if;

    insert into public.users as u (
        id, email, phone, is_anonymous, user_metadata, app_metadata, email_confirmed_at,
        auth_created_at, auth_updated_at, deleted_at, created_at, updated_at
    ) values (
        p_id,
        case when not v_deletion then nullif(p_email, '') end,
        case when not v_deletion then nullif(p_phone, '') end,
        coalesce(p_is_anonymous, false),
        case when not v_deletion then p_user_metadata end,
        case when not v_deletion then p_app_metadata end,
        case when not v_deletion then p_email_confirmed_at end,
        case when p_auth_created_at >= c_no_time then p_auth_created_at end,
        p_auth_updated_at,
        case when v_deletion then coalesce(p_deleted_at, p_auth_updated_at) end,
        now(),
        now()
    )
    on conflict (id) do update set
        email              = excluded.email,
        phone              = excluded.phone,
        is_anonymous       = excluded.is_anonymous,
        user_metadata      = case when not v_deletion then coalesce(excluded.user_metadata, u.user_metadata) end,
        app_metadata       = case when not v_deletion then coalesce(excluded.app_metadata, u.app_metadata) end,
        email_confirmed_at = excluded.email_confirmed_at,
        -- least() skips NULLs: the earliest real creation time wins.
        auth_created_at    = least(u.auth_created_at, excluded.auth_created_at),
        auth_updated_at    = excluded.auth_updated_at,
        deleted_at         = excluded.deleted_at,
        updated_at         = now()
    where
        -- u.auth_updated_at is NULL only for rows that predate the mirror (the seed
        -- recipe's table): any versioned state may claim them.
        case
            when v_deletion then
                   u.deleted_at is null
                or u.auth_updated_at is null
                or excluded.auth_updated_at > u.auth_updated_at
                or (excluded.auth_updated_at = u.auth_updated_at and excluded.deleted_at <= u.deleted_at)
            else
                u.deleted_at is null
                and (u.auth_updated_at is null or excluded.auth_updated_at >= u.auth_updated_at)
        end
        -- An identical state is not written again (the trigger and the HTTP path both see
        -- every signup): no dead row, and the row's updated_at keeps meaning "changed".
        and (u.email, u.phone, u.is_anonymous, u.user_metadata, u.app_metadata,
             u.email_confirmed_at, u.auth_created_at, u.auth_updated_at, u.deleted_at)
            is distinct from
            (excluded.email, excluded.phone, excluded.is_anonymous,
             case when not v_deletion then coalesce(excluded.user_metadata, u.user_metadata) end,
             case when not v_deletion then coalesce(excluded.app_metadata, u.app_metadata) end,
             excluded.email_confirmed_at, least(u.auth_created_at, excluded.auth_created_at),
             excluded.auth_updated_at, excluded.deleted_at)
    returning (xmax = 0) into v_inserted;

    if found then
        v_effect := case when v_inserted then 'inserted' else 'updated' end;
        -- A live state was written: the row is not a tombstone, nothing to expunge.
        if not v_deletion then
            return v_effect;
        end if;
    else
        -- Stale, yet the earliest real creation time seen still counts: otherwise the row
        -- would depend on whether the earlier-created state arrived before the newer one.
        update public.users
           set auth_created_at = p_auth_created_at, updated_at = now()
         where id = p_id
           and p_auth_created_at >= c_no_time
           and (auth_created_at is null or auth_created_at > p_auth_created_at);
        v_effect := case when found then 'updated' else 'stale' end;
    end if;

    perform auth_mirror.expunge_if_deleted(p_id);
    return v_effect;
end
$function$;
comment on function auth_mirror.apply_user_state(uuid,text,text,boolean,jsonb,jsonb,timestamp with time zone,timestamp with time zone,timestamp with time zone,timestamp with time zone,boolean) is 'The convergence rule: applies one auth user state to public.users. Returns inserted | updated | stale | unversioned.';

CREATE OR REPLACE FUNCTION auth_mirror.attach_auth_users_triggers(p_prefix text, p_function regprocedure)
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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

CREATE OR REPLACE FUNCTION auth_mirror.expunge_if_deleted(p_id uuid)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
    v_expunged integer;
begin
    if not exists (select 1 from public.users u where u.id = p_id and u.deleted_at is not null) then
        return 0;
    end if;
    update auth_mirror.events e
       set payload = null,
           last_error = auth_mirror.expunge_note(e.status, e.last_error),
           updated_at = now()
     where e.user_id = p_id and e.payload is not null;
    get diagnostics v_expunged = row_count;
    return v_expunged;
end
$function$;

CREATE OR REPLACE FUNCTION auth_mirror.expunge_note(p_status text, p_error text)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO ''
AS $function$
    select case
        when p_status in ('failed', 'dead')
        then coalesce(p_error || '; ', '') || 'payload expunged: the user was deleted; it can no longer be replayed'
        else p_error
    end
$function$;

CREATE OR REPLACE FUNCTION auth_mirror.ingest_deliveries(p_source text[], p_event_key text[], p_webhook_id text[], p_signed_at timestamp with time zone[], p_payload bytea[], p_kind text[], p_user_id uuid[], p_status text[], p_last_error text[], p_email text[], p_phone text[], p_is_anonymous boolean[], p_user_metadata jsonb[], p_app_metadata jsonb[], p_email_confirmed_at timestamp with time zone[], p_auth_created_at timestamp with time zone[], p_auth_updated_at timestamp with time zone[], p_deleted_at timestamp with time zone[], p_removed boolean[], p_retry_in double precision[])
 RETURNS TABLE(o_ordinal integer, o_event_id bigint, o_stored boolean, o_status text, o_effect text, o_kind text, o_error text)
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
    -- Every array is walked with unnest ... with ordinality, never indexed in a query:
    -- p_payload[k] walks the array up to k, which made a batch quadratic in its size.
    v_count      constant integer := coalesce(cardinality(p_event_key), 0);
    v_status     text[] := p_status;
    v_effect     text[] := array_fill(null::text, array[v_count]);
    v_error      text[] := p_last_error;
    v_next       timestamptz[] := array_fill(null::timestamptz, array[v_count]);
    v_applied    boolean[] := array_fill(false, array[v_count]);
    v_inserted   text[];
    v_state      record;
    v_tried      record;
begin
    if v_count = 0 then
        return;
    end if;

    for v_state in
        select d.*
          from unnest(p_event_key, p_status, p_user_id, p_email, p_phone, p_is_anonymous,
                      p_user_metadata, p_app_metadata, p_email_confirmed_at, p_auth_created_at,
                      p_auth_updated_at, p_deleted_at, p_removed, p_retry_in)
               with ordinality
               as d(event_key, status, id, email, phone, is_anonymous, user_metadata, app_metadata,
                    email_confirmed_at, auth_created_at, auth_updated_at, deleted_at, removed,
                    retry_in, ordinal)
         where d.status = 'applied'
           -- Not stored yet (a stored key is a retry: it is not applied again).
           and not exists (select 1 from auth_mirror.events e where e.event_key = d.event_key)
         order by d.id, d.ordinal
    loop
        select * into v_tried from auth_mirror.try_apply(
            v_state.id, v_state.email, v_state.phone, v_state.is_anonymous,
            v_state.user_metadata, v_state.app_metadata, v_state.email_confirmed_at,
            v_state.auth_created_at, v_state.auth_updated_at, v_state.deleted_at,
            v_state.removed, v_state.retry_in);
        v_status[v_state.ordinal] := v_tried.o_status;
        v_effect[v_state.ordinal] := v_tried.o_effect;
        v_error[v_state.ordinal] := v_tried.o_error;
        v_next[v_state.ordinal] := v_tried.o_next_attempt_at;
        v_applied[v_state.ordinal] := v_tried.o_status = 'applied';
    end loop;

    -- One insert for the batch, in key order (concurrent batches that share a key then wait
    -- on each other in one order). Conflicts: keys stored before, or by a concurrent batch.
    with inserted as (
        insert into auth_mirror.events as e (
            source, kind, event_key, user_id, webhook_id, signed_at, payload, status, effect,
            last_error, next_attempt_at, applied_via, last_attempt_at
        )
        select d.source, d.kind, d.event_key, d.user_id, d.webhook_id, d.signed_at,
               case when t.tombstone then null else d.payload end,
               r.status, r.effect,
               case when t.tombstone then auth_mirror.expunge_note(r.status, r.error)
                    else r.error end,
               r.next_attempt_at,
               case when r.applied then 'delivery' end,
               case when d.planned = 'applied' then now() end
          from unnest(p_source, p_kind, p_event_key, p_user_id, p_webhook_id, p_signed_at,
                      p_payload, p_status)
               with ordinality
               as d(source, kind, event_key, user_id, webhook_id, signed_at, payload, planned, ordinal)
          join unnest(v_status, v_effect, v_error, v_next, v_applied)
               with ordinality
               as r(status, effect, error, next_attempt_at, applied, ordinal)
               using (ordinal)
          cross join lateral (
              select d.user_id is not null and exists (
                  select 1 from public.users u where u.id = d.user_id and u.deleted_at is not null
              ) as tombstone
          ) as t
         order by d.event_key
        on conflict (event_key) do nothing
        returning e.event_key
    )
    select array_agg(inserted.event_key) into v_inserted from inserted;

    -- A new statement sees what concurrent batches committed meanwhile.
    return query
    select d.ordinal::integer, e.id, mine.event_key is not null, e.status, e.effect, e.kind,
           case when mine.event_key is not null then r.error end
      from unnest(p_event_key) with ordinality as d(event_key, ordinal)
      join unnest(v_error) with ordinality as r(error, ordinal) using (ordinal)
      join auth_mirror.events e on e.event_key = d.event_key
      left join unnest(v_inserted) as mine(event_key) on mine.event_key = d.event_key
     order by d.ordinal;
end
$function$;
comment on function auth_mirror.ingest_deliveries(text[],text[],text[],timestamp with time zone[],bytea[],text[],uuid[],text[],text[],text[],text[],boolean[],jsonb[],jsonb[],timestamp with time zone[],timestamp with time zone[],timestamp with time zone[],timestamp with time zone[],boolean[],double precision[]) is 'Stores and applies a batch of verified deliveries in one statement (group commit); one row per delivery.';

CREATE OR REPLACE FUNCTION auth_mirror.install_auth_users_trigger()
 RETURNS boolean
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
comment on function auth_mirror.install_auth_users_trigger() is 'Installs (or re-installs) the mirror triggers on auth.users where it exists; returns false when skipped.';

CREATE OR REPLACE FUNCTION auth_mirror.mirror_auth_user()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO ''
AS $function$
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
comment on function auth_mirror.mirror_auth_user() is 'Trigger function on auth.users: mirrors the row into public.users (a new user by a plain insert, a conflict and anything else via auth_mirror.apply_user_state); never raises.';

CREATE OR REPLACE FUNCTION auth_mirror.reapply_events(p_event_id bigint[], p_via text, p_kind text[], p_user_id uuid[], p_status text[], p_last_error text[], p_email text[], p_phone text[], p_is_anonymous boolean[], p_user_metadata jsonb[], p_app_metadata jsonb[], p_email_confirmed_at timestamp with time zone[], p_auth_created_at timestamp with time zone[], p_auth_updated_at timestamp with time zone[], p_deleted_at timestamp with time zone[], p_removed boolean[], p_retry_in double precision[])
 RETURNS TABLE(o_event_id bigint, o_tried text, o_status text, o_effect text, o_error text)
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
    v_event   record;
    v_tried   record;
    v_status  text;
    v_effect  text;
    v_error   text;
    v_next    timestamptz;
    v_user    uuid;
    v_tombstone boolean;
begin
    if p_via not in ('retry', 'replay') then
        raise exception 'auth_mirror.reapply_events: p_via must be retry or replay'
            using errcode = 'invalid_parameter_value';
    end if;
    for v_event in
        select d.*, e.payload is null as expunged, e.user_id as stored_user_id
          from unnest(p_event_id, p_kind, p_user_id, p_status, p_last_error, p_email, p_phone,
                      p_is_anonymous, p_user_metadata, p_app_metadata, p_email_confirmed_at,
                      p_auth_created_at, p_auth_updated_at, p_deleted_at, p_removed, p_retry_in)
               as d(event_id, kind, user_id, planned, last_error, email, phone, is_anonymous,
                    user_metadata, app_metadata, email_confirmed_at, auth_created_at,
                    auth_updated_at, deleted_at, removed, retry_in)
          join auth_mirror.events e on e.id = d.event_id
         -- One lock order for every writer: by user, then by event.
         order by coalesce(d.user_id, e.user_id), d.event_id
    loop
        v_effect := null;
        v_error := null;
        v_next := null;
        if v_event.expunged then
            v_status := 'expunged';
            if p_via = 'retry' then
                update auth_mirror.events e
                   set status = 'dead', next_attempt_at = null,
                       last_error = 'payload expunged; cannot be applied',
                       attempts = e.attempts + 1, updated_at = now(), last_attempt_at = now()
                 where e.id = v_event.event_id
                returning e.status, e.effect, e.last_error
                     into o_status, o_effect, o_error;
            else
                select e.status, e.effect, e.last_error into o_status, o_effect, o_error
                  from auth_mirror.events e where e.id = v_event.event_id;
            end if;
            o_event_id := v_event.event_id;
            o_tried := 'expunged';
            return next;
            continue;
        end if;

        if v_event.planned = 'applied' then
            select * into v_tried from auth_mirror.try_apply(
                v_event.user_id, v_event.email, v_event.phone, v_event.is_anonymous,
                v_event.user_metadata, v_event.app_metadata, v_event.email_confirmed_at,
                v_event.auth_created_at, v_event.auth_updated_at, v_event.deleted_at,
                v_event.removed, v_event.retry_in);
            v_status := v_tried.o_status;
            v_effect := v_tried.o_effect;
            v_error := v_tried.o_error;
            v_next := v_tried.o_next_attempt_at;
        elsif v_event.planned = 'ignored' then
            v_status := 'ignored';
        else
            -- The payload does not parse: the same parser will not change its mind on a
            -- schedule; a replay (after a fix) tries it again.
            v_status := 'failed';
            v_error := v_event.last_error;
        end if;

        v_user := coalesce(v_event.user_id, v_event.stored_user_id);
        v_tombstone := v_user is not null and exists (
            select 1 from public.users u where u.id = v_user and u.deleted_at is not null);

        update auth_mirror.events e
           set status = case when p_via = 'replay' and v_status in ('failed', 'dead')
                             then e.status else v_status end,
               next_attempt_at = case when p_via = 'replay' and v_status in ('failed', 'dead')
                                      then e.next_attempt_at else v_next end,
               effect = case when v_status = 'applied' then v_effect else e.effect end,
               applied_via = case when v_status in ('applied', 'ignored') then p_via
                                  else e.applied_via end,
               kind = case when e.kind = 'unparsed' and v_event.planned <> 'failed'
                           then v_event.kind else e.kind end,
               user_id = case when e.kind = 'unparsed' and v_event.planned <> 'failed'
                              then v_event.user_id else e.user_id end,
               payload = case when v_tombstone then null else e.payload end,
               last_error = case when v_tombstone
                                 then auth_mirror.expunge_note(v_status, v_error)
                                 else v_error end,
               attempts = e.attempts + 1,
               updated_at = now(),
               last_attempt_at = now()
         where e.id = v_event.event_id
        returning e.status, e.effect into o_status, o_effect;
        o_event_id := v_event.event_id;
        o_tried := v_status;
        o_error := v_error;
        return next;
    end loop;
end
$function$;
comment on function auth_mirror.reapply_events(bigint[],text,text[],uuid[],text[],text[],text[],text[],boolean[],jsonb[],jsonb[],timestamp with time zone[],timestamp with time zone[],timestamp with time zone[],timestamp with time zone[],boolean[],double precision[]) is 'Tries stored (locked) events again for the retry worker or replay, decided as deliveries are; one row per event, in user order.';

CREATE OR REPLACE FUNCTION auth_mirror.record_trigger_error(p_user_id uuid, p_operation text, p_sqlstate text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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
comment on function auth_mirror.record_trigger_error(uuid,text,text) is 'Called by auth_mirror.mirror_auth_user when mirroring failed: warns (user id and SQLSTATE only) and records the failure in auth_mirror.trigger_errors; never raises.';

CREATE OR REPLACE FUNCTION auth_mirror.revoke_from_api_roles(p_privileges text, p_objects text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
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

CREATE OR REPLACE FUNCTION auth_mirror.try_apply(p_id uuid, p_email text, p_phone text, p_is_anonymous boolean, p_user_metadata jsonb, p_app_metadata jsonb, p_email_confirmed_at timestamp with time zone, p_auth_created_at timestamp with time zone, p_auth_updated_at timestamp with time zone, p_deleted_at timestamp with time zone, p_removed boolean, p_retry_in double precision, OUT o_status text, OUT o_effect text, OUT o_error text, OUT o_next_attempt_at timestamp with time zone)
 RETURNS record
 LANGUAGE plpgsql
 SET search_path TO ''
AS $function$
declare
    v_constraint text;
begin
    begin
        o_effect := auth_mirror.apply_user_state(
            p_id, p_email, p_phone, p_is_anonymous, p_user_metadata, p_app_metadata,
            p_email_confirmed_at, p_auth_created_at, p_auth_updated_at, p_deleted_at,
            p_removed);
        o_status := 'applied';
    exception when others then
        get stacked diagnostics v_constraint = constraint_name;
        o_error := 'database error ' || sqlstate
            || coalesce(' (constraint ' || nullif(v_constraint, '') || ')', '');
        if p_retry_in is null then
            o_status := 'dead';
        else
            o_status := 'failed';
            o_next_attempt_at := now() + make_interval(secs => p_retry_in);
        end if;
    end;
end
$function$;
comment on function auth_mirror.try_apply(uuid,text,text,boolean,jsonb,jsonb,timestamp with time zone,timestamp with time zone,timestamp with time zone,timestamp with time zone,boolean,double precision) is 'Applies one state in its own subtransaction and decides what the attempt came to: applied (with the effect), failed (with the next attempt time) or dead.';

CREATE TRIGGER auth_mirror_user_deleted AFTER DELETE ON auth.users FOR EACH ROW EXECUTE FUNCTION auth_mirror.mirror_auth_user();

CREATE TRIGGER auth_mirror_user_inserted AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION auth_mirror.mirror_auth_user();

CREATE TRIGGER auth_mirror_user_updated AFTER UPDATE ON auth.users FOR EACH ROW WHEN ((((old.email)::text IS DISTINCT FROM (new.email)::text) OR (old.phone IS DISTINCT FROM new.phone) OR (old.is_anonymous IS DISTINCT FROM new.is_anonymous) OR (old.raw_user_meta_data IS DISTINCT FROM new.raw_user_meta_data) OR (old.raw_app_meta_data IS DISTINCT FROM new.raw_app_meta_data) OR (old.email_confirmed_at IS DISTINCT FROM new.email_confirmed_at) OR (old.created_at IS DISTINCT FROM new.created_at) OR (old.deleted_at IS DISTINCT FROM new.deleted_at))) EXECUTE FUNCTION auth_mirror.mirror_auth_user();
