-- A set-based rule (issue 24): a batch of user states is reduced per user by the convergence
-- rule and written with ONE statement, instead of one PL/pgSQL call in its own
-- subtransaction per state (0017's try_apply loop).
--
--   auth_mirror.state_outranks  when a state may replace the stored row (0004's WHERE, as a
--                               function the planner inlines).
--   auth_mirror.apply_states    THE rule, for any number of states of any number of users:
--                               reduced per user, one INSERT .. ON CONFLICT DO UPDATE .. WHERE
--                               in user-id order, tombstones' payloads expunged set-based.
--                               One effect per state.
--   auth_mirror.apply_user_state one state (the trigger's conflict path, try_apply): a batch
--                               of one through apply_states. Same signature and answers.
--   auth_mirror.ingest_deliveries a batch of deliveries: its states through apply_states in
--                               one call; only if that call fails (a constraint of the
--                               application refuses a user, say) is each state tried on its
--                               own (try_apply), so the good ones still apply and the refused
--                               ones fail with SQLSTATE and constraint name, as before.
--   auth_mirror.reapply_events  the retry worker's and replay's batch, the same way.
--
-- The reduction gives the row that applying the states one by one in the batch's order (0007's
-- apply_user_state, user by user) gives, whatever the stored row is:
--   * unversioned states never write ('unversioned');
--   * if the user has a versioned deletion in the batch, the newest deletion (an equal version:
--     the earliest deletion time; then the later in the batch) is the candidate; otherwise the
--     newest live state (an equal version: the later in the batch);
--   * the earliest real creation time of all the user's versioned states goes with it;
--   * the candidate is written over the stored row under 0004's rule, unchanged: a deletion
--     replaces a live row, a live state never replaces a tombstone, newer-or-equal wins, NULL
--     metadata keeps the stored one, an identical state is not written, and a stale candidate
--     still lowers auth_created_at.
-- One case needs more than one write: a live state that does not carry metadata, after (in the
-- batch) a state that did. Applied one by one, "keep the stored metadata" then depends on
-- which of the earlier states outranked the stored row; so such a state starts a ROUND of its
-- own, and rounds are written one after another (the same statement again, only for those
-- users, whose rows the first round has locked already). Supabase sends metadata with every
-- state except the invite hook at the creation version, so a batch almost never has a second
-- round (0004's "Known limit": the sequential result is order-dependent there anyway).
--
-- Effects, one per state: the user's write is reported on the state it wrote ('inserted' or
-- 'updated'; the first of identical copies, as applying them one by one would), or 'stale' if
-- the stored row outranked it or already held it. A state outranked by another state of the
-- same batch is 'stale': its content never reached the row (one by one it might have been
-- written and overwritten a moment later; the event list would then claim a write that no
-- reader could ever see). When only the creation time moved (a stale candidate with an
-- earlier creation time), the state that carried that time is 'updated', as before.
--
-- Plans: every access to public.users and auth_mirror.events here is an index probe by key,
-- shaped so that the planner cannot turn it into a scan of the whole table (LATERAL .. LIMIT 1
-- per key, = ANY (array) on an indexed column), and the batch functions run with sequential
-- scans priced out (SET enable_seqscan = off), so a fresh, growing or never-analyzed table is
-- read by its index as an analyzed one is (src/store/plans.rs, bench/cold_plans.sh).

create or replace function auth_mirror.state_outranks(
    p_version           timestamptz,
    p_deleted_at        timestamptz,
    p_stored_version    timestamptz,
    p_stored_deleted_at timestamptz
) returns boolean
language sql
immutable
as $function$
    -- p_stored_version is NULL only for rows that predate the mirror (the seed recipe's
    -- table): any versioned state may claim them. No SET clause: the planner inlines it.
    select case
        when p_deleted_at is not null then
               p_stored_deleted_at is null
            or p_stored_version is null
            or p_version > p_stored_version
            or (p_version = p_stored_version and p_deleted_at <= p_stored_deleted_at)
        else
            p_stored_deleted_at is null
            and (p_stored_version is null or p_version >= p_stored_version)
    end
$function$;

comment on function auth_mirror.state_outranks is
    'The convergence rule''s order: whether a state (version, deletion time) may replace the stored row.';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.state_outranks(timestamptz, timestamptz, timestamptz, timestamptz)');

create or replace function auth_mirror.apply_states(
    p_id                 uuid[],
    p_email              text[],
    p_phone              text[],
    p_is_anonymous       boolean[],
    p_user_metadata      jsonb[],
    p_app_metadata       jsonb[],
    p_email_confirmed_at timestamptz[],
    p_auth_created_at    timestamptz[],
    p_auth_updated_at    timestamptz[],
    p_deleted_at         timestamptz[],
    p_removed            boolean[]
) returns table (
    -- The state's position in the arrays (1-based); its effect: inserted | updated | stale |
    -- unversioned.
    o_ordinal integer,
    o_effect  text
)
language plpgsql
set search_path = ''
set enable_seqscan = off
set enable_nestloop = off
-- One plan per session for each statement (custom plans cost more to make than to run).
set plan_cache_mode = force_generic_plan
as $function$
declare
    -- Supabase writes 0001-01-01T00:00:00Z where a time is not known yet.
    c_no_time  constant timestamptz := '1000-01-01T00:00:00Z';
    v_round    integer := 0;
    v_rounds   integer;
    v_ordinal  integer[] := '{}';
    v_effect   text[] := '{}';
    v_pass_ordinal integer[];
    v_pass_effect  text[];
    v_check    uuid[];
    v_pass_check uuid[];
    -- Every user has one state: no reduction to compute.
    v_single   boolean;
begin
    if coalesce(cardinality(p_id), 0) = 0 then
        return;
    end if;
    if array_position(p_id, null) is not null then
        raise exception 'auth_mirror.apply_states: every id must be set'
            using errcode = 'null_value_not_allowed';
    end if;
    v_single := cardinality(p_id) = 1
        or cardinality(p_id) = (select count(distinct i) from unnest(p_id) as i);
    if v_single then
        -- Every user has one state (a reconcile, most batches): each state is its user's
        -- candidate, written as the general case below writes a candidate (keep the two
        -- writes identical; tests/sql-mutants edits both).
        with written as (
            insert into public.users as u (
                id, email, phone, is_anonymous, user_metadata, app_metadata, email_confirmed_at,
                auth_created_at, auth_updated_at, deleted_at, created_at, updated_at
            )
            select d.id,
                   case when not d.deletion then nullif(d.email, '') end,
                   case when not d.deletion then nullif(d.phone, '') end,
                   coalesce(d.is_anonymous, false),
                   case when not d.deletion then d.user_metadata end,
                   case when not d.deletion then d.app_metadata end,
                   case when not d.deletion then d.email_confirmed_at end,
                   case when d.created >= c_no_time then d.created end,
                   d.version,
                   case when d.deletion then coalesce(d.deleted_at, d.version) end,
                   now(), now()
              from (
                  select s.*, coalesce(s.removed, false) or s.deleted_at is not null as deletion
                    from unnest(p_id, p_email, p_phone, p_is_anonymous, p_user_metadata,
                                p_app_metadata, p_email_confirmed_at, p_auth_created_at,
                                p_auth_updated_at, p_deleted_at, p_removed)
                         as s(id, email, phone, is_anonymous, user_metadata, app_metadata,
                              email_confirmed_at, created, version, deleted_at, removed)
                   where s.version >= c_no_time
              ) as d
             -- One lock order for every writer: by user id.
             order by d.id
            on conflict (id) do update set
                email              = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then excluded.email else u.email end,
                phone              = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then excluded.phone else u.phone end,
                is_anonymous       = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then excluded.is_anonymous else u.is_anonymous end,
                user_metadata      = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then case when excluded.deleted_at is null then coalesce(excluded.user_metadata, u.user_metadata) end
                                          else u.user_metadata end,
                app_metadata       = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then case when excluded.deleted_at is null then coalesce(excluded.app_metadata, u.app_metadata) end
                                          else u.app_metadata end,
                email_confirmed_at = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then excluded.email_confirmed_at else u.email_confirmed_at end,
                -- least() skips NULLs: the earliest real creation time wins, also when the
                -- candidate is stale.
                auth_created_at    = least(u.auth_created_at, excluded.auth_created_at),
                auth_updated_at    = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then excluded.auth_updated_at else u.auth_updated_at end,
                deleted_at         = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                          then excluded.deleted_at else u.deleted_at end,
                updated_at         = now()
            where (
                    auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                    -- An identical state is not written again (the trigger and the HTTP path
                    -- both see every signup): no dead row, and updated_at keeps meaning
                    -- "changed".
                    and (u.email, u.phone, u.is_anonymous, u.user_metadata, u.app_metadata,
                         u.email_confirmed_at, u.auth_created_at, u.auth_updated_at, u.deleted_at)
                        is distinct from
                        (excluded.email, excluded.phone, excluded.is_anonymous,
                         case when excluded.deleted_at is null then coalesce(excluded.user_metadata, u.user_metadata) end,
                         case when excluded.deleted_at is null then coalesce(excluded.app_metadata, u.app_metadata) end,
                         excluded.email_confirmed_at, least(u.auth_created_at, excluded.auth_created_at),
                         excluded.auth_updated_at, excluded.deleted_at)
                  )
                  -- Stale, yet the earliest real creation time seen still counts: otherwise
                  -- the row would depend on whether the earlier-created state came first.
                  or least(u.auth_created_at, excluded.auth_created_at) is distinct from u.auth_created_at
            returning u.id, u.xmax = 0 as inserted, u.auth_updated_at, u.deleted_at
        )
        select array_agg(d.ordinal),
               array_agg(case when not coalesce(d.version >= c_no_time, false) then 'unversioned'
                              when w.id is null then 'stale'
                              when w.inserted then 'inserted'
                              else 'updated' end),
               array_agg(d.id) filter (where w.id is null or w.deleted_at is not null)
          into v_ordinal, v_effect, v_check
          from unnest(p_id, p_auth_updated_at) with ordinality as d(id, version, ordinal)
          left join written w on w.id = d.id;
    else
        loop
            with s as (
                select d.ordinal::integer as ordinal, d.id,
                       coalesce(d.version >= c_no_time, false) as versioned,
                       coalesce(d.removed, false) or d.deleted_at is not null as deletion,
                       d.email, d.phone, d.is_anonymous, d.user_metadata, d.app_metadata,
                       d.email_confirmed_at, d.created, d.version, d.deleted_at
                  from unnest(p_id, p_email, p_phone, p_is_anonymous, p_user_metadata,
                              p_app_metadata, p_email_confirmed_at, p_auth_created_at,
                              p_auth_updated_at, p_deleted_at, p_removed)
                       with ordinality
                       as d(id, email, phone, is_anonymous, user_metadata, app_metadata,
                            email_confirmed_at, created, version, deleted_at, removed, ordinal)
            ), v as (
                -- Each versioned state as the row it would write.
                select s.ordinal, s.id, s.deletion,
                       case when not s.deletion then nullif(s.email, '') end as email,
                       case when not s.deletion then nullif(s.phone, '') end as phone,
                       coalesce(s.is_anonymous, false) as is_anonymous,
                       case when not s.deletion then s.user_metadata end as user_metadata,
                       case when not s.deletion then s.app_metadata end as app_metadata,
                       case when not s.deletion then s.email_confirmed_at end as email_confirmed_at,
                       case when s.created >= c_no_time then s.created end as created,
                       s.version,
                       case when s.deletion then coalesce(s.deleted_at, s.version) end as deleted_at
                  from s
                 where s.versioned
            ), k as (
                -- Each versioned state with its round, `rank` 1 for its round's candidate,
                -- `earliest` the round's earliest creation time, the candidate's version and
                -- deletion time, `writes` for the state a write is reported on (the first state
                -- identical to the candidate), `creates` for the first state with the earliest
                -- creation time.
                select g.ordinal, g.id, g.round, g.rank, g.email, g.phone, g.is_anonymous,
                       g.user_metadata, g.app_metadata, g.email_confirmed_at, g.earliest, g.version,
                       g.deleted_at, g.candidate_version, g.candidate_deleted_at,
                       g.ordinal = first_value(g.twin) over ranked as writes,
                       g.ordinal = g.creator as creates
                  from (
                      select r.*,
                             row_number() over ranked as rank,
                             first_value(r.version) over ranked as candidate_version,
                             first_value(r.deleted_at) over ranked as candidate_deleted_at,
                             min(r.created) over (partition by r.id, r.round) as earliest,
                             first_value(r.ordinal) over (partition by r.id, r.round
                                                          order by r.created nulls last, r.ordinal) as creator,
                             min(r.ordinal) over (partition by r.id, r.round, r.deletion, r.version,
                                                  r.deleted_at, r.email, r.phone, r.is_anonymous,
                                                  r.user_metadata, r.app_metadata,
                                                  r.email_confirmed_at) as twin
                        from (
                            select w.*,
                                   -- A live state without some metadata, after a state that
                                   -- outranked every state before it, starts a round (see the top
                                   -- of this file).
                                   case when w.user_deleted then 0
                                        else count(*) filter (where w.record and not w.first
                                                                and (w.user_metadata is null
                                                                     or w.app_metadata is null))
                                             over (partition by w.id order by w.ordinal)
                                   end::integer as round
                              from (
                                  select v.*,
                                         bool_or(v.deletion) over (partition by v.id) as user_deleted,
                                         -- As new as every earlier state of the user, or newer.
                                         v.version >= coalesce(max(v.version) over earlier, v.version) as record,
                                         row_number() over (partition by v.id order by v.ordinal) = 1 as first
                                    from v
                                  window earlier as (partition by v.id order by v.ordinal
                                                     rows between unbounded preceding and 1 preceding)
                              ) as w
                        ) as r
                      window ranked as (partition by r.id, r.round
                                        order by r.deletion desc, r.version desc,
                                                 r.deleted_at nulls last, r.ordinal desc)
                  ) as g
                window ranked as (partition by g.id, g.round
                                  order by g.deletion desc, g.version desc,
                                           g.deleted_at nulls last, g.ordinal desc)
            ), written as (
                insert into public.users as u (
                    id, email, phone, is_anonymous, user_metadata, app_metadata, email_confirmed_at,
                    auth_created_at, auth_updated_at, deleted_at, created_at, updated_at
                )
                select k.id, k.email, k.phone, k.is_anonymous, k.user_metadata, k.app_metadata,
                       k.email_confirmed_at, k.earliest, k.version, k.deleted_at, now(), now()
                  from k
                 where k.rank = 1 and k.round = v_round
                 -- One lock order for every writer: by user id.
                 order by k.id
                on conflict (id) do update set
                    email              = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then excluded.email else u.email end,
                    phone              = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then excluded.phone else u.phone end,
                    is_anonymous       = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then excluded.is_anonymous else u.is_anonymous end,
                    user_metadata      = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then case when excluded.deleted_at is null then coalesce(excluded.user_metadata, u.user_metadata) end
                                              else u.user_metadata end,
                    app_metadata       = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then case when excluded.deleted_at is null then coalesce(excluded.app_metadata, u.app_metadata) end
                                              else u.app_metadata end,
                    email_confirmed_at = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then excluded.email_confirmed_at else u.email_confirmed_at end,
                    -- least() skips NULLs: the earliest real creation time wins, also when the
                    -- candidate is stale.
                    auth_created_at    = least(u.auth_created_at, excluded.auth_created_at),
                    auth_updated_at    = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then excluded.auth_updated_at else u.auth_updated_at end,
                    deleted_at         = case when auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                                              then excluded.deleted_at else u.deleted_at end,
                    updated_at         = now()
                where (
                        auth_mirror.state_outranks(excluded.auth_updated_at, excluded.deleted_at, u.auth_updated_at, u.deleted_at)
                        -- An identical state is not written again (the trigger and the HTTP path
                        -- both see every signup): no dead row, and updated_at keeps meaning
                        -- "changed".
                        and (u.email, u.phone, u.is_anonymous, u.user_metadata, u.app_metadata,
                             u.email_confirmed_at, u.auth_created_at, u.auth_updated_at, u.deleted_at)
                            is distinct from
                            (excluded.email, excluded.phone, excluded.is_anonymous,
                             case when excluded.deleted_at is null then coalesce(excluded.user_metadata, u.user_metadata) end,
                             case when excluded.deleted_at is null then coalesce(excluded.app_metadata, u.app_metadata) end,
                             excluded.email_confirmed_at, least(u.auth_created_at, excluded.auth_created_at),
                             excluded.auth_updated_at, excluded.deleted_at)
                      )
                      -- Stale, yet the earliest real creation time seen still counts: otherwise
                      -- the row would depend on whether the earlier-created state came first.
                      or least(u.auth_created_at, excluded.auth_created_at) is distinct from u.auth_created_at
                returning u.id, u.xmax = 0 as inserted, u.auth_updated_at, u.deleted_at
            )
            select array_agg(x.ordinal), array_agg(x.effect),
                   array_agg(distinct x.id) filter (where x.check_tombstone),
                   (select max(k.round) from k)
              into v_pass_ordinal, v_pass_effect, v_pass_check, v_rounds
              from (
                  select s.ordinal, s.id,
                         case
                             when not s.versioned then 'unversioned'
                             when w.id is null then 'stale'
                             -- The row holds the candidate: the first of its identical copies wrote.
                             when (w.auth_updated_at, w.deleted_at) is not distinct from
                                  (k.candidate_version, k.candidate_deleted_at)
                             then case when not k.writes then 'stale'
                                       when w.inserted then 'inserted'
                                       else 'updated' end
                             -- Only the creation time moved.
                             when k.creates then 'updated'
                             else 'stale'
                         end as effect,
                         -- Not written, or written as a tombstone: its events' payloads may have to
                         -- go (a live row written needs no look).
                         w.id is null or w.deleted_at is not null as check_tombstone
                    from s
                    left join k on k.ordinal = s.ordinal
                    left join written w on w.id = s.id
                   where k.round = v_round or (k.ordinal is null and v_round = 0)
              ) as x;

            v_ordinal := v_ordinal || coalesce(v_pass_ordinal, '{}');
            v_effect := v_effect || coalesce(v_pass_effect, '{}');
            if v_round = 0 then
                v_check := v_pass_check;
            end if;
            exit when v_round >= coalesce(v_rounds, 0);
            v_round := v_round + 1;
        end loop;
    end if;

    -- The expunge rule (0007), set-based: the events of users whose row is a tombstone keep
    -- no payload.
    if v_check is not null then
        update auth_mirror.events e
           set payload = null,
               last_error = auth_mirror.expunge_note(e.status, e.last_error),
               updated_at = now()
         where e.user_id = any (array(
                   select u.id from public.users u
                    where u.id = any (v_check) and u.deleted_at is not null))
           and e.payload is not null;
    end if;

    return query select r.ordinal, r.effect from unnest(v_ordinal, v_effect) as r(ordinal, effect);
end
$function$;

comment on function auth_mirror.apply_states is
    'The convergence rule, set-based: applies a batch of user states (any users, any order) with one write per user; one effect per state (inserted | updated | stale | unversioned).';

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.apply_states(uuid[], text[], text[], boolean[], jsonb[], jsonb[], timestamptz[], timestamptz[], timestamptz[], timestamptz[], boolean[])');

-- One state: a batch of one. CREATE OR REPLACE keeps it SECURITY INVOKER (0006).
create or replace function auth_mirror.apply_user_state(
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
    p_removed            boolean
) returns text
language plpgsql
set search_path = ''
as $function$
declare
    v_effect text;
begin
    if p_id is null then
        raise exception 'auth_mirror.apply_user_state: p_id must not be null'
            using errcode = 'null_value_not_allowed';
    end if;
    select a.o_effect into v_effect
      from auth_mirror.apply_states(
               array[p_id], array[p_email], array[p_phone], array[p_is_anonymous],
               array[p_user_metadata], array[p_app_metadata], array[p_email_confirmed_at],
               array[p_auth_created_at], array[p_auth_updated_at], array[p_deleted_at],
               array[p_removed]) as a;
    return v_effect;
end
$function$;

comment on function auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean) is
    'The convergence rule for one state (auth_mirror.apply_states with one row). Returns inserted | updated | stale | unversioned.';

create or replace function auth_mirror.ingest_deliveries(
    p_source             text[],
    p_event_key          text[],
    p_webhook_id         text[],
    p_signed_at          timestamptz[],
    p_payload            bytea[],
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
set enable_seqscan = off
set plan_cache_mode = force_generic_plan
as $function$
declare
    -- Every array is walked with unnest ... with ordinality, never indexed in a query:
    -- p_payload[k] walks the array up to k, which made a batch quadratic in its size.
    v_count      constant integer := coalesce(cardinality(p_event_key), 0);
    -- The states to apply (planned 'applied', not stored yet), in the batch's order.
    v_todo       integer[];
    v_id         uuid[];
    v_email      text[];
    v_phone      text[];
    v_anonymous  boolean[];
    v_user_meta  jsonb[];
    v_app_meta   jsonb[];
    v_confirmed  timestamptz[];
    v_created    timestamptz[];
    v_version    timestamptz[];
    v_deleted    timestamptz[];
    v_removed    boolean[];
    v_retry_in   float8[];
    -- What each of them came to.
    v_done       integer[];
    v_status     text[];
    v_effect     text[];
    v_error      text[];
    v_next       timestamptz[];
    v_inserted   text[];
    v_state      record;
    v_tried      record;
begin
    if v_count = 0 then
        return;
    end if;

    select array_agg(d.ordinal), array_agg(d.id), array_agg(d.email), array_agg(d.phone),
           array_agg(d.is_anonymous), array_agg(d.user_metadata), array_agg(d.app_metadata),
           array_agg(d.email_confirmed_at), array_agg(d.auth_created_at),
           array_agg(d.auth_updated_at), array_agg(d.deleted_at), array_agg(d.removed),
           array_agg(d.retry_in)
      into v_todo, v_id, v_email, v_phone, v_anonymous, v_user_meta, v_app_meta, v_confirmed,
           v_created, v_version, v_deleted, v_removed, v_retry_in
      from unnest(p_event_key, p_status, p_user_id, p_email, p_phone, p_is_anonymous,
                  p_user_metadata, p_app_metadata, p_email_confirmed_at, p_auth_created_at,
                  p_auth_updated_at, p_deleted_at, p_removed, p_retry_in)
           with ordinality
           as d(event_key, status, id, email, phone, is_anonymous, user_metadata, app_metadata,
                email_confirmed_at, auth_created_at, auth_updated_at, deleted_at, removed,
                retry_in, ordinal)
      -- Stored already (a retry of an earlier delivery): not applied again. One index probe
      -- per key, whatever the statistics say.
      left join lateral (
          select true as stored from auth_mirror.events e where e.event_key = d.event_key limit 1
      ) as k on true
     where d.status = 'applied' and k.stored is null;

    if v_todo is not null then
        begin
            -- The batch: one call of the rule.
            select array_agg(t.ordinal), array_agg('applied'::text), array_agg(a.o_effect),
                   array_agg(null::text), array_agg(null::timestamptz)
              into v_done, v_status, v_effect, v_error, v_next
              from auth_mirror.apply_states(v_id, v_email, v_phone, v_anonymous, v_user_meta,
                                            v_app_meta, v_confirmed, v_created, v_version,
                                            v_deleted, v_removed) as a
              join unnest(v_todo) with ordinality as t(ordinal, position)
                on t.position = a.o_ordinal;
        exception when others then
            -- The batch failed as a whole (a constraint refused a user, say): each state on its
            -- own, so that only the refused ones fail. By user, then arrival: the lock order.
            v_done := '{}'; v_status := '{}'; v_effect := '{}'; v_error := '{}'; v_next := '{}';
            for v_state in
                select t.*
                  from unnest(v_todo, v_id, v_email, v_phone, v_anonymous, v_user_meta,
                              v_app_meta, v_confirmed, v_created, v_version, v_deleted,
                              v_removed, v_retry_in)
                       as t(ordinal, id, email, phone, is_anonymous, user_metadata, app_metadata,
                            email_confirmed_at, auth_created_at, auth_updated_at, deleted_at,
                            removed, retry_in)
                 order by t.id, t.ordinal
            loop
                select * into v_tried from auth_mirror.try_apply(
                    v_state.id, v_state.email, v_state.phone, v_state.is_anonymous,
                    v_state.user_metadata, v_state.app_metadata, v_state.email_confirmed_at,
                    v_state.auth_created_at, v_state.auth_updated_at, v_state.deleted_at,
                    v_state.removed, v_state.retry_in);
                v_done := v_done || v_state.ordinal;
                v_status := v_status || v_tried.o_status;
                v_effect := v_effect || v_tried.o_effect;
                v_error := v_error || v_tried.o_error;
                v_next := v_next || v_tried.o_next_attempt_at;
            end loop;
        end;
    end if;

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
               case when r.status = 'applied' and r.done then 'delivery' end,
               case when d.planned = 'applied' then now() end
          from unnest(p_source, p_kind, p_event_key, p_user_id, p_webhook_id, p_signed_at,
                      p_payload, p_status, p_last_error)
               with ordinality
               as d(source, kind, event_key, user_id, webhook_id, signed_at, payload, planned,
                    last_error, ordinal)
          left join unnest(v_done, v_status, v_effect, v_error, v_next)
               as done(ordinal, status, effect, error, next_attempt_at)
               on done.ordinal = d.ordinal
          cross join lateral (
              select coalesce(done.status, d.planned) as status, done.effect,
                     case when done.ordinal is not null then done.error else d.last_error end as error,
                     done.next_attempt_at, done.ordinal is not null as done
          ) as r
          left join lateral (
              select true as tombstone from public.users u
               where u.id = d.user_id and u.deleted_at is not null
               limit 1
          ) as t on true
         order by d.event_key
        on conflict (event_key) do nothing
        returning e.event_key
    )
    select array_agg(inserted.event_key) into v_inserted from inserted;

    -- A new statement sees what concurrent batches committed meanwhile.
    return query
    select d.ordinal::integer, e.id, mine.event_key is not null, e.status, e.effect, e.kind,
           case when mine.event_key is not null
                then case when done.ordinal is not null then done.error else d.last_error end
           end
      from unnest(p_event_key, p_last_error) with ordinality as d(event_key, last_error, ordinal)
      left join unnest(v_done, v_error) as done(ordinal, error) on done.ordinal = d.ordinal
      cross join lateral (
          select e.id, e.status, e.effect, e.kind from auth_mirror.events e
           where e.event_key = d.event_key
           limit 1
      ) as e
      left join unnest(v_inserted) as mine(event_key) on mine.event_key = d.event_key
     order by d.ordinal;
end
$function$;

comment on function auth_mirror.ingest_deliveries is
    'Stores and applies a batch of verified deliveries: its states in one call of auth_mirror.apply_states (each on its own only if that fails); one row per delivery.';

-- Stored events tried again (0017), their states applied in one call of the rule: as a batch of
-- deliveries, each state on its own only if that call fails. What each event comes to, and
-- how its row is marked, is unchanged (one update per event, by its id: the caller holds
-- their locks).
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
set enable_seqscan = off
set plan_cache_mode = force_generic_plan
as $function$
declare
    -- The events whose payload was expunged before this try (nothing to try).
    v_expunged  bigint[];
    -- The states to apply (planned 'applied', payload not expunged), by user then event.
    v_todo      bigint[];
    v_id        uuid[];
    v_email     text[];
    v_phone     text[];
    v_anonymous boolean[];
    v_user_meta jsonb[];
    v_app_meta  jsonb[];
    v_confirmed timestamptz[];
    v_created   timestamptz[];
    v_version   timestamptz[];
    v_deleted   timestamptz[];
    v_removed   boolean[];
    v_retry_in  float8[];
    -- What each of them came to.
    v_done      bigint[];
    v_done_status text[];
    v_done_effect text[];
    v_done_error  text[];
    v_done_next   timestamptz[];
    v_state   record;
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

    -- Read once, before anything is applied: applying a deletion expunges the payloads of
    -- the user's events, these included, and each is still tried as it was handed over.
    select coalesce(array_agg(d.event_id), '{}') into v_expunged
      from unnest(p_event_id) as d(event_id)
      cross join lateral (
          select e.payload is null as expunged from auth_mirror.events e
           where e.id = d.event_id
           limit 1
      ) as e
     where e.expunged;

    select array_agg(x.event_id), array_agg(x.id), array_agg(x.email), array_agg(x.phone),
           array_agg(x.is_anonymous), array_agg(x.user_metadata), array_agg(x.app_metadata),
           array_agg(x.email_confirmed_at), array_agg(x.auth_created_at),
           array_agg(x.auth_updated_at), array_agg(x.deleted_at), array_agg(x.removed),
           array_agg(x.retry_in)
      into v_todo, v_id, v_email, v_phone, v_anonymous, v_user_meta, v_app_meta, v_confirmed,
           v_created, v_version, v_deleted, v_removed, v_retry_in
      from (
          select d.*
            from unnest(p_event_id, p_status, p_user_id, p_email, p_phone, p_is_anonymous,
                        p_user_metadata, p_app_metadata, p_email_confirmed_at, p_auth_created_at,
                        p_auth_updated_at, p_deleted_at, p_removed, p_retry_in)
                 as d(event_id, planned, id, email, phone, is_anonymous, user_metadata,
                      app_metadata, email_confirmed_at, auth_created_at, auth_updated_at,
                      deleted_at, removed, retry_in)
           where d.planned = 'applied' and d.event_id <> all (v_expunged)
           order by d.id, d.event_id
      ) as x;

    if v_todo is not null then
        begin
            select array_agg(t.event_id), array_agg('applied'::text), array_agg(a.o_effect),
                   array_agg(null::text), array_agg(null::timestamptz)
              into v_done, v_done_status, v_done_effect, v_done_error, v_done_next
              from auth_mirror.apply_states(v_id, v_email, v_phone, v_anonymous, v_user_meta,
                                            v_app_meta, v_confirmed, v_created, v_version,
                                            v_deleted, v_removed) as a
              join unnest(v_todo) with ordinality as t(event_id, position)
                on t.position = a.o_ordinal;
        exception when others then
            v_done := '{}'; v_done_status := '{}'; v_done_effect := '{}';
            v_done_error := '{}'; v_done_next := '{}';
            for v_state in
                select t.*
                  from unnest(v_todo, v_id, v_email, v_phone, v_anonymous, v_user_meta,
                              v_app_meta, v_confirmed, v_created, v_version, v_deleted,
                              v_removed, v_retry_in)
                       as t(event_id, id, email, phone, is_anonymous, user_metadata,
                            app_metadata, email_confirmed_at, auth_created_at, auth_updated_at,
                            deleted_at, removed, retry_in)
            loop
                select * into v_tried from auth_mirror.try_apply(
                    v_state.id, v_state.email, v_state.phone, v_state.is_anonymous,
                    v_state.user_metadata, v_state.app_metadata, v_state.email_confirmed_at,
                    v_state.auth_created_at, v_state.auth_updated_at, v_state.deleted_at,
                    v_state.removed, v_state.retry_in);
                v_done := v_done || v_state.event_id;
                v_done_status := v_done_status || v_tried.o_status;
                v_done_effect := v_done_effect || v_tried.o_effect;
                v_done_error := v_done_error || v_tried.o_error;
                v_done_next := v_done_next || v_tried.o_next_attempt_at;
            end loop;
        end;
    end if;

    for v_event in
        select d.*, d.event_id = any (v_expunged) as expunged, e.stored_user_id,
               done.status as done_status,
               done.effect as done_effect, done.error as done_error,
               done.next_attempt_at as done_next
          from unnest(p_event_id, p_kind, p_user_id, p_status, p_last_error)
               as d(event_id, kind, user_id, planned, last_error)
          cross join lateral (
              select e.user_id as stored_user_id
                from auth_mirror.events e
               where e.id = d.event_id
               limit 1
          ) as e
          left join unnest(v_done, v_done_status, v_done_effect, v_done_error, v_done_next)
               as done(event_id, status, effect, error, next_attempt_at)
               on done.event_id = d.event_id
         -- One lock order for every writer: by user, then by event.
         order by coalesce(d.user_id, e.stored_user_id), d.event_id
    loop
        v_effect := null;
        v_error := null;
        v_next := null;
        if v_event.expunged then
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
            v_status := v_event.done_status;
            v_effect := v_event.done_effect;
            v_error := v_event.done_error;
            v_next := v_event.done_next;
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
    'Tries stored (locked) events again for the retry worker or replay: their states in one call of auth_mirror.apply_states (each on its own only if that fails); one row per event, in user order.';
