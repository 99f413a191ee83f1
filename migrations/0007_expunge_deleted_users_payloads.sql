-- Two changes to the convergence function (0004, made SECURITY INVOKER by 0006; CREATE OR
-- REPLACE without `security definer` keeps it so), and one helper:
--
-- 1. Personal data on deletion. Once a user's mirror row is a tombstone, the raw payloads of
--    that user's stored events (emails, metadata) are expunged, in the same transaction as
--    the write that made or met the tombstone: a deletion from any writer (Auth Hook, db
--    event, the auth.users trigger, replay), and any event of that user that arrives later
--    (a stale state after the tombstone). What each event came to is kept: kind, status,
--    effect, times. A failed or dead event can no longer be replayed; its last_error says so.
--    (Events whose body did not parse have no user id and cannot be matched to the user.)
--
-- 2. The earliest real creation time seen wins in every order: a state that is stale (older
--    version, or behind a tombstone) still lowers auth_created_at. Before, an older state
--    with an earlier creation time changed the row only when it arrived first.

-- Expunges the payloads of user p_id's stored events when the user's mirror row is a
-- tombstone. Returns how many payloads were expunged.
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
           last_error = case
               when e.status in ('failed', 'dead')
               then coalesce(e.last_error || '; ', '') || 'payload expunged: the user was deleted; it can no longer be replayed'
               else e.last_error
           end,
           updated_at = now()
     where e.user_id = p_id and e.payload is not null;
    get diagnostics v_expunged = row_count;
    return v_expunged;
end
$function$;

select auth_mirror.revoke_from_api_roles('execute', 'function auth_mirror.expunge_if_deleted(uuid)');

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

select auth_mirror.revoke_from_api_roles('execute',
    'function auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean)');
