-- Group commit (issue 12): a batch of verified deliveries stored and applied in ONE statement,
-- ONE transaction and ONE commit, instead of seven round trips and a commit each.
--
-- The service gathers the deliveries that arrive while the previous batch commits and calls
-- auth_mirror.ingest_deliveries with one array per column (element i of every array is
-- delivery i, in arrival order; the service has already removed repeated event keys). The
-- function, for the deliveries whose event key is not stored yet:
--
--   1. applies each mirror state with auth_mirror.apply_user_state (the one convergence
--      rule), ordered by user and then arrival: every user's states in arrival order, and
--      concurrent batches lock users in the same order. Each apply runs in its own
--      subtransaction: a state that fails to apply (a constraint an operator added, a bad
--      value) is rolled back alone and its event stored as `failed` with the SQLSTATE and
--      the constraint name (never the message: it can quote the row); the others apply;
--   2. stores every event with ONE multi-row insert, each row written once with its final
--      status, effect, error and retry time (before, a row was inserted and then updated);
--      a user who is a tombstone after the applies has their payloads stored expunged, as
--      0007 does for events stored before the deletion;
--   3. returns one row per delivery: what became of it, or, for an event key that was
--      already stored (a retry of an earlier delivery, or a copy a concurrent batch stored
--      first), what the stored event came to.

create or replace function auth_mirror.ingest_deliveries(
    p_source             text[],
    p_kind               text[],
    p_event_key          text[],
    p_user_id            uuid[],
    p_webhook_id         text[],
    p_signed_at          timestamptz[],
    p_payload            bytea[],
    -- 'applied' for a state to mirror, 'ignored' for a recorded-only event, 'failed' for a
    -- body that did not parse (with p_last_error saying why)
    p_status             text[],
    p_last_error         text[],
    -- The state to mirror (used where p_status is 'applied'); the arguments of
    -- auth_mirror.apply_user_state, one array each.
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
    -- Seconds until a failed apply is retried; NULL: no retry (dead at once).
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
    v_constraint text;
    v_state      record;
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
        begin
            v_effect[v_state.ordinal] := auth_mirror.apply_user_state(
                v_state.id, v_state.email, v_state.phone, v_state.is_anonymous,
                v_state.user_metadata, v_state.app_metadata, v_state.email_confirmed_at,
                v_state.auth_created_at, v_state.auth_updated_at, v_state.deleted_at,
                v_state.removed);
            v_applied[v_state.ordinal] := true;
        exception when others then
            get stacked diagnostics v_constraint = constraint_name;
            v_error[v_state.ordinal] := 'database error ' || sqlstate
                || coalesce(' (constraint ' || nullif(v_constraint, '') || ')', '');
            if v_state.retry_in is null then
                v_status[v_state.ordinal] := 'dead';
            else
                v_status[v_state.ordinal] := 'failed';
                v_next[v_state.ordinal] := now() + make_interval(secs => v_state.retry_in);
            end if;
        end;
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
               case when t.tombstone and r.status in ('failed', 'dead')
                    then coalesce(r.error || '; ', '') || 'payload expunged: the user was deleted; it can no longer be replayed'
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

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.ingest_deliveries(text[], text[], text[], uuid[], text[], timestamptz[], bytea[], text[], text[], text[], text[], boolean[], jsonb[], jsonb[], timestamptz[], timestamptz[], timestamptz[], timestamptz[], boolean[], float8[])');
