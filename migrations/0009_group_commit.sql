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
    v_count      constant integer := coalesce(cardinality(p_event_key), 0);
    v_new        boolean[];
    v_status     text[] := p_status;
    v_effect     text[] := array_fill(null::text, array[v_count]);
    v_error      text[] := p_last_error;
    v_next       timestamptz[] := array_fill(null::timestamptz, array[v_count]);
    v_applied    boolean[] := array_fill(false, array[v_count]);
    v_inserted   text[];
    v_constraint text;
    i            integer;
begin
    if v_count = 0 then
        return;
    end if;

    -- Which deliveries are new: their key is not stored yet.
    select array_agg(not exists (select 1 from auth_mirror.events e where e.event_key = p_event_key[k]) order by k)
      into v_new
      from generate_subscripts(p_event_key, 1) as k;

    for i in
        select k from generate_subscripts(p_event_key, 1) as k
         where v_new[k] and p_status[k] = 'applied'
         order by p_user_id[k], k
    loop
        begin
            v_effect[i] := auth_mirror.apply_user_state(
                p_user_id[i], p_email[i], p_phone[i], p_is_anonymous[i],
                p_user_metadata[i], p_app_metadata[i], p_email_confirmed_at[i],
                p_auth_created_at[i], p_auth_updated_at[i], p_deleted_at[i], p_removed[i]);
            v_applied[i] := true;
        exception when others then
            get stacked diagnostics v_constraint = constraint_name;
            v_error[i] := 'database error ' || sqlstate
                || coalesce(' (constraint ' || nullif(v_constraint, '') || ')', '');
            if p_retry_in[i] is null then
                v_status[i] := 'dead';
            else
                v_status[i] := 'failed';
                v_next[i] := now() + make_interval(secs => p_retry_in[i]);
            end if;
        end;
    end loop;

    -- One insert for the batch, in key order (concurrent batches that share a key then wait
    -- on each other in one order). Conflicts: a copy a concurrent batch stored first.
    with inserted as (
        insert into auth_mirror.events as e (
            source, kind, event_key, user_id, webhook_id, signed_at, payload, status, effect,
            last_error, next_attempt_at, applied_via, last_attempt_at
        )
        select p_source[k], p_kind[k], p_event_key[k], p_user_id[k], p_webhook_id[k], p_signed_at[k],
               case when t.tombstone then null else p_payload[k] end,
               v_status[k], v_effect[k],
               case when t.tombstone and v_status[k] in ('failed', 'dead')
                    then coalesce(v_error[k] || '; ', '') || 'payload expunged: the user was deleted; it can no longer be replayed'
                    else v_error[k] end,
               v_next[k],
               case when v_applied[k] then 'delivery' end,
               case when p_status[k] = 'applied' then now() end
          from generate_subscripts(p_event_key, 1) as k
          cross join lateral (
              select p_user_id[k] is not null and exists (
                  select 1 from public.users u where u.id = p_user_id[k] and u.deleted_at is not null
              ) as tombstone
          ) as t
         where v_new[k]
         order by p_event_key[k]
        on conflict (event_key) do nothing
        returning e.event_key
    )
    select array_agg(inserted.event_key) into v_inserted from inserted;

    -- A new statement sees what concurrent batches committed meanwhile.
    return query
    select k, e.id, mine.event_key is not null, e.status, e.effect, e.kind,
           case when mine.event_key is not null then v_error[k] end
      from generate_subscripts(p_event_key, 1) as k
      join auth_mirror.events e on e.event_key = p_event_key[k]
      left join unnest(v_inserted) as mine(event_key) on mine.event_key = p_event_key[k]
     order by k;
end
$function$;

comment on function auth_mirror.ingest_deliveries is
    'Stores and applies a batch of verified deliveries in one statement (group commit); one row per delivery.';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.ingest_deliveries(text[], text[], text[], uuid[], text[], timestamptz[], bytea[], text[], text[], text[], text[], boolean[], jsonb[], jsonb[], timestamptz[], timestamptz[], timestamptz[], timestamptz[], boolean[], float8[])');
