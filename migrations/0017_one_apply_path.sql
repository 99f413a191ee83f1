-- One apply path (issue 22): deliveries, the retry worker and replay hand their states to the
-- same SQL, so what an attempt comes to is decided in exactly one place.
--
-- Before, a delivery was decided by auth_mirror.ingest_deliveries (0015), while a retry or a
-- replay was decided again in Rust (failed or dead, the error text, the expunge message):
-- two definitions that could drift. Now:
--
--   auth_mirror.try_apply         the decision for one state: applied with its effect, or
--                                 failed (retried after p_retry_in seconds) or dead (no
--                                 retry left), with an error text that is the SQLSTATE and
--                                 the constraint name only (PostgreSQL's message can quote
--                                 the row). Each call is its own subtransaction.
--   auth_mirror.expunge_note      the expunge rule's text, for a failed or dead event whose
--                                 user is a tombstone (its payload is dropped).
--   auth_mirror.ingest_deliveries a batch of new deliveries (as 0015, through try_apply).
--   auth_mirror.reapply_events    a batch of stored events, locked by the caller, tried
--                                 again by the retry worker or replay (through try_apply).
--
-- Both batch functions apply states ordered by user id (then arrival, or event id), so the
-- writers lock public.users rows in one order and cannot deadlock on two users.

create or replace function auth_mirror.expunge_note(p_status text, p_error text)
returns text
language sql
immutable
set search_path = ''
as $function$
    select case
        when p_status in ('failed', 'dead')
        then coalesce(p_error || '; ', '') || 'payload expunged: the user was deleted; it can no longer be replayed'
        else p_error
    end
$function$;

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.expunge_note(text, text)');

-- 0007's helper, with the note from the one definition above.
create or replace function auth_mirror.expunge_if_deleted(p_id uuid)
returns integer
language plpgsql
set search_path = ''
as $function$
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

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.expunge_if_deleted(uuid)');

create or replace function auth_mirror.try_apply(
    p_id                 uuid,
    p_email              text,
    p_phone              text,
    p_is_anonymous       boolean,
    p_user_metadata      jsonb,
    p_app_metadata       jsonb,
    p_email_confirmed_at timestamptz,
    p_auth_created_at    timestamptz,
    p_auth_updated_at    timestamptz,
    p_deleted_at         timestamptz,
    p_removed            boolean,
    -- Seconds until a failed apply is retried; NULL: no retry left (dead at once).
    p_retry_in           float8,
    out o_status          text,
    out o_effect          text,
    out o_error           text,
    out o_next_attempt_at timestamptz
)
language plpgsql
set search_path = ''
as $function$
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

comment on function auth_mirror.try_apply is
    'Applies one state in its own subtransaction and decides what the attempt came to: applied (with the effect), failed (with the next attempt time) or dead.';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.try_apply(uuid, text, text, boolean, jsonb, jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean, float8)');

-- The arguments are reordered so that both batch functions end with the same fifteen (what
-- the event is, the planned status, the state and the retry time): the service binds them
-- with one piece of code.
drop function auth_mirror.ingest_deliveries(text[], text[], text[], uuid[], text[], timestamptz[], bytea[], text[], text[], text[], text[], boolean[], jsonb[], jsonb[], timestamptz[], timestamptz[], timestamptz[], timestamptz[], boolean[], float8[]);

create function auth_mirror.ingest_deliveries(
    p_source             text[],
    p_event_key          text[],
    p_webhook_id         text[],
    p_signed_at          timestamptz[],
    p_payload            bytea[],
    p_kind               text[],
    p_user_id            uuid[],
    -- 'applied' for a state to mirror, 'ignored' for a recorded-only event, 'failed' for a
    -- body that did not parse (with p_last_error saying why)
    p_status             text[],
    p_last_error         text[],
    p_email              text[],
    p_phone              text[],
    p_is_anonymous       boolean[],
    p_user_metadata      jsonb[],
    p_app_metadata       jsonb[],
    p_email_confirmed_at timestamptz[],
    p_auth_created_at    timestamptz[],
    p_auth_updated_at    timestamptz[],
    p_deleted_at         timestamptz[],
    p_removed            boolean[],
    p_retry_in           float8[]
) returns table (
    o_ordinal  integer,
    o_event_id bigint,
    o_stored   boolean,
    o_status   text,
    o_effect   text,
    o_kind     text,
    o_error    text
)
language plpgsql
set search_path = ''
as $function$
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

comment on function auth_mirror.ingest_deliveries is
    'Stores and applies a batch of verified deliveries in one statement (group commit); one row per delivery.';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.ingest_deliveries(text[], text[], text[], timestamptz[], bytea[], text[], uuid[], text[], text[], text[], text[], boolean[], jsonb[], jsonb[], timestamptz[], timestamptz[], timestamptz[], timestamptz[], boolean[], float8[])');

-- Stored events tried again, by the retry worker (p_via 'retry') or an admin replay
-- ('replay'). The caller has locked the events (FOR UPDATE) and parsed their payloads with the
-- same parser as a delivery: element i of every array is event p_event_id[i], planned like a
-- delivery ('applied' with a state, 'ignored', or 'failed' with p_last_error: the payload does
-- not parse). Per event:
--   * an expunged payload cannot be tried: a retry makes the event dead, a replay leaves it;
--   * otherwise the attempt is counted and decided as a delivery's would be (try_apply); a
--     replay that does not apply leaves the status and the retry time as they were (a manual
--     try neither kills a failed event nor revives a dead one);
--   * an event stored as 'unparsed' that parses now takes the kind and user it parses into;
--   * the expunge rule, as for a delivery: an event of a tombstone keeps no payload.
-- Returns one row per event: o_tried is what this attempt came to ('applied', 'ignored',
-- 'failed', 'dead', or 'expunged' when nothing could be tried), o_status the event's status.
create or replace function auth_mirror.reapply_events(
    p_event_id           bigint[],
    p_via                text,
    p_kind               text[],
    p_user_id            uuid[],
    p_status             text[],
    p_last_error         text[],
    p_email              text[],
    p_phone              text[],
    p_is_anonymous       boolean[],
    p_user_metadata      jsonb[],
    p_app_metadata       jsonb[],
    p_email_confirmed_at timestamptz[],
    p_auth_created_at    timestamptz[],
    p_auth_updated_at    timestamptz[],
    p_deleted_at         timestamptz[],
    p_removed            boolean[],
    p_retry_in           float8[]
) returns table (
    o_event_id bigint,
    o_tried    text,
    o_status   text,
    o_effect   text,
    o_error    text
)
language plpgsql
set search_path = ''
as $function$
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

comment on function auth_mirror.reapply_events is
    'Tries stored (locked) events again for the retry worker or replay, decided as deliveries are; one row per event, in user order.';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.reapply_events(bigint[], text, text[], uuid[], text[], text[], text[], text[], boolean[], jsonb[], jsonb[], timestamptz[], timestamptz[], timestamptz[], timestamptz[], boolean[], float8[])');
