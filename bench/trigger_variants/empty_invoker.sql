-- MEASUREMENT ONLY, mirrors nothing: an empty trigger function without SECURITY DEFINER and
-- SET search_path (the difference to empty_definer.sql is their cost).
create or replace function auth_mirror.mirror_auth_user()
returns trigger language plpgsql as $function$
begin
    return null;
end
$function$;
