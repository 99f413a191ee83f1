-- MEASUREMENT ONLY, NOT SAFE: 0014's insert of a new user without the EXCEPTION block (an
-- error would fail the signup), INSERT only. The floor of a trigger that writes the row.
create or replace function auth_mirror.mirror_auth_user()
returns trigger language plpgsql security definer set search_path = '' as $function$
begin
    if tg_op = 'INSERT' then
        insert into public.users (
            id, email, phone, is_anonymous, user_metadata, app_metadata,
            email_confirmed_at, auth_created_at, auth_updated_at, created_at, updated_at
        ) values (
            new.id, nullif(new.email, ''), nullif(new.phone, ''),
            coalesce(new.is_anonymous, false),
            new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
            case when new.created_at >= '1000-01-01T00:00:00Z' then new.created_at end,
            new.updated_at, now(), now()
        )
        on conflict (id) do nothing;
    end if;
    return null;
end
$function$;
