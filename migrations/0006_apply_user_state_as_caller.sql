-- The convergence function runs as its CALLER (SECURITY INVOKER), keeping search_path = ''.
--
-- 0004 made it SECURITY DEFINER, which nothing needs: the HTTP path connects as the owner,
-- and the auth.users trigger function (auth_mirror.mirror_auth_user, 0005) is itself
-- SECURITY DEFINER, so what it calls already runs as the owner. As a definer function,
-- any later `grant execute` on it would have let that role write public.users past row
-- level security and its own (missing) table rights. Now a caller needs the rights on
-- public.users (and auth_mirror.events) that the statements inside use.

alter function auth_mirror.apply_user_state(uuid, text, text, boolean, jsonb, jsonb, timestamptz, timestamptz, timestamptz, timestamptz, boolean)
    security invoker;
