-- MEASUREMENT ONLY, incomplete: a plain INSERT (no ON CONFLICT) inside the EXCEPTION block,
-- INSERT only. Shows what ON CONFLICT DO NOTHING's speculative insertion costs; a real body
-- would have to catch unique_violation and hand the conflict to apply_user_state, leaving a
-- dead row behind each time.
create or replace function auth_mirror.mirror_auth_user()
returns trigger language plpgsql security definer set search_path = '' as $function$
begin
    begin
        insert into public.users (
            id, email, phone, is_anonymous, user_metadata, app_metadata,
            email_confirmed_at, auth_created_at, auth_updated_at, created_at, updated_at
        ) values (
            new.id, nullif(new.email, ''), nullif(new.phone, ''),
            coalesce(new.is_anonymous, false),
            new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
            case when new.created_at >= '1000-01-01T00:00:00Z' then new.created_at end,
            new.updated_at, now(), now());
    exception when others then
        raise warning 'auth-mirror: mirroring % failed (SQLSTATE %)', tg_op, sqlstate;
    end;
    return null;
end
$function$;
