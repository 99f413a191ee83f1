-- The convergence rule (design §3), written once. Every writer calls this function: the
-- HTTP path (bind parameters), the auth.users trigger, the reconciler and replay. Being
-- literally the same code is what lets trigger writes and HTTP deliveries interleave in
-- any order and still end in the same row.
--
-- The rule, for one user's states:
--   * p_auth_updated_at is the state's version. No version (NULL, or Supabase's
--     0001-01-01 placeholder: anything before year 1000) never writes: 'unversioned'.
--   * A deletion (p_removed, or p_deleted_at set) leaves a TOMBSTONE: id, versions,
--     deleted_at, is_anonymous; email, phone, metadata and email_confirmed_at are NULL
--     (no personal data kept for deleted users). A hard delete's deleted_at is
--     coalesce(p_deleted_at, p_auth_updated_at): deterministic, whatever the order.
--   * Deletion is final: a live state never overwrites a tombstone, and a deletion
--     replaces a live row whatever their versions. (Applying in version order, a live
--     state newer than a deletion is blocked by the tombstone; for every arrival order to
--     agree, a late deletion must therefore also win over a newer live row.)
--   * Otherwise newer-or-equal wins: live over live when p_auth_updated_at >= stored;
--     deletion over tombstone when newer, or equal with an earlier-or-equal deleted_at
--     (a tie-break, so equal-version deletions agree too).
--   * '' email/phone become NULL. NULL metadata means "unknown": the stored value is kept
--     (Supabase's invite path sends after-user-created with user_metadata blanked).
--   * auth_created_at keeps the earliest real value seen. settings is never touched.
--     updated_at = now() only when the row is written, and a state identical to the stored
--     row is not written at all ('stale').
--
-- One INSERT .. ON CONFLICT .. DO UPDATE .. WHERE statement: the row lock taken by
-- ON CONFLICT makes concurrent callers serialise per user, with no read-then-write race.
--
-- Known limit: states carrying the SAME version but different live content (other than
-- NULL metadata) end as whichever came last; Supabase bumps updated_at on every change,
-- so this does not arise from its events. Likewise a NULL metadata is only order-safe
-- at a version no newer than the states carrying real metadata (true of the invite hook,
-- whose version is the creation version).

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
security definer
set search_path = ''
as $function$
declare
    -- Supabase writes 0001-01-01T00:00:00Z where a time is not known yet.
    c_no_time    constant timestamptz := '1000-01-01T00:00:00Z';
    v_deletion   constant boolean := coalesce(p_removed, false) or p_deleted_at is not null;
    v_inserted   boolean;
begin
    if p_id is null then
        raise exception 'auth_mirror.apply_user_state: p_id must not be null'
            using errcode = 'null_value_not_allowed';
    end if;
    if p_auth_updated_at is null or p_auth_updated_at < c_no_time then
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

    if not found then
        return 'stale';
    end if;
    return case when v_inserted then 'inserted' else 'updated' end;
end
$function$;

comment on function auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean) is
    'The convergence rule: applies one auth user state to public.users. Returns inserted | updated | stale | unversioned.';

-- Only the owner (the migration runner, which the service also connects as) and the
-- SECURITY DEFINER trigger may call it: it writes public.users bypassing RLS.
select auth_mirror.revoke_from_api_roles('execute',
    'function auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean)');
