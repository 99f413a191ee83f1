-- MEASUREMENT ONLY, mirrors nothing: a trigger function that returns at once, SECURITY
-- DEFINER with SET search_path = '' like the real one. The fixed cost of having the trigger.
create or replace function auth_mirror.mirror_auth_user()
returns trigger language plpgsql security definer set search_path = '' as $function$
begin
    return null;
end
$function$;
