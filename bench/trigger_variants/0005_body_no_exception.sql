-- MEASUREMENT ONLY, NOT SAFE: the 0005 body without its EXCEPTION block (an error would fail
-- the signup). Shows what the subtransaction costs around apply_user_state.
create or replace function auth_mirror.mirror_auth_user()
returns trigger language plpgsql security definer set search_path = '' as $function$
begin
    if tg_op = 'DELETE' then
        perform auth_mirror.apply_user_state(
            old.id, old.email, old.phone, old.is_anonymous,
            old.raw_user_meta_data, old.raw_app_meta_data, old.email_confirmed_at,
            old.created_at, old.updated_at, old.deleted_at, true);
    else
        perform auth_mirror.apply_user_state(
            new.id, new.email, new.phone, new.is_anonymous,
            new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
            new.created_at, new.updated_at, new.deleted_at, false);
    end if;
    return null;
end
$function$;
