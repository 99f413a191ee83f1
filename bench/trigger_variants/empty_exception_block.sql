-- MEASUREMENT ONLY, mirrors nothing: an EXCEPTION block around a statement that writes
-- nothing (a subtransaction that never needs its own transaction id).
create or replace function auth_mirror.mirror_auth_user()
returns trigger language plpgsql security definer set search_path = '' as $function$
begin
    begin
        perform 1;
    exception when others then
        raise warning 'auth-mirror: % (SQLSTATE %)', tg_op, sqlstate;
    end;
    return null;
end
$function$;
