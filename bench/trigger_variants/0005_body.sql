-- The trigger function as 0005 wrote it (before 0008): every write through
-- auth_mirror.apply_user_state, inside the EXCEPTION block. For before/after comparisons.

create or replace function auth_mirror.mirror_auth_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $function$
declare
    v_user_id uuid;
begin
    begin
        if tg_op = 'DELETE' then
            v_user_id := old.id;
            perform auth_mirror.apply_user_state(
                old.id, old.email, old.phone, old.is_anonymous,
                old.raw_user_meta_data, old.raw_app_meta_data, old.email_confirmed_at,
                old.created_at, old.updated_at, old.deleted_at,
                true);
        else
            v_user_id := new.id;
            perform auth_mirror.apply_user_state(
                new.id, new.email, new.phone, new.is_anonymous,
                new.raw_user_meta_data, new.raw_app_meta_data, new.email_confirmed_at,
                new.created_at, new.updated_at, new.deleted_at,
                false);
        end if;
    exception when others then
        -- SQLERRM is deliberately not logged: constraint messages quote row values.
        raise warning 'auth-mirror: mirroring % of auth user % failed (SQLSTATE %); the auth write continues, the reconciler will catch up',
            tg_op, v_user_id, sqlstate;
        begin
            insert into auth_mirror.trigger_errors (user_id, operation, sqlstate)
            values (v_user_id, tg_op, sqlstate);
        exception when others then
            raise warning 'auth-mirror: could not record the failure for auth user % (SQLSTATE %)', v_user_id, sqlstate;
        end;
    end;
    return null; -- AFTER trigger: the return value is ignored
end
$function$;
