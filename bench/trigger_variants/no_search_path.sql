-- MEASUREMENT ONLY, NOT SHIPPED: 0019's body without SET search_path, every name and operator
-- schema-qualified. What the GUC switch costs. Not adopted: see 0019's header (an application's
-- trigger on public.users would run as the owner with the caller's search_path).
create or replace function auth_mirror.mirror_auth_user()
returns trigger
language plpgsql
security definer
as $function$
declare
    v_user_id pg_catalog.uuid;
    v_inserting pg_catalog.bool := false;
begin
    if tg_op operator(pg_catalog.=) 'DELETE' then
        v_user_id := old.id;
    else
        v_user_id := new.id;
        -- A new live user with a real version (Supabase writes 0001-01-01T00:00:00Z where a
        -- time is not known yet; as in 0004, anything before 1000-01-01 is such a placeholder).
        v_inserting := tg_op operator(pg_catalog.=) 'INSERT' and new.deleted_at is null
            and new.updated_at operator(pg_catalog.>=) '1000-01-01T00:00:00Z'::pg_catalog.timestamptz;
    end if;
    begin
        if v_inserting then
            -- Exactly the row apply_user_state inserts for this state.
            insert into public.users (
                id, email, phone, is_anonymous, user_metadata, app_metadata,
                email_confirmed_at, auth_created_at, auth_updated_at, created_at, updated_at
            ) values (
                new.id, case when new.email operator(pg_catalog.=) '' then null else new.email end,
                case when new.phone operator(pg_catalog.=) '' then null else new.phone end,
                coalesce(new.is_anonymous, false),
                new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
                case when new.created_at operator(pg_catalog.>=) '1000-01-01T00:00:00Z'::pg_catalog.timestamptz then new.created_at end,
                new.updated_at, pg_catalog.now(), pg_catalog.now()
            );
        elsif tg_op operator(pg_catalog.=) 'DELETE' then
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

