-- The admin console's sessions, kept on the server so that signing out ends one for good,
-- on every instance and across restarts, and so that an idle session expires.
--
-- The cookie carries a random session id signed under a key derived from ADMIN_TOKEN; this
-- table holds only the SHA-256 of that id, so reading it gives nothing to present. A row is
-- deleted on sign-out; rows past their expiry or idle limit are swept at each sign-in.
--
-- The migration runner sets search_path = auth_mirror; names are qualified anyway.

create table if not exists auth_mirror.admin_sessions (
    id_digest    bytea primary key check (octet_length(id_digest) = 32),
    created_at   timestamptz not null default now(),
    -- Moved forward by each request of the session: the idle timeout counts from it.
    last_seen_at timestamptz not null default now(),
    -- The absolute end (8 hours after sign-in), also inside the signed cookie.
    expires_at   timestamptz not null
);

create index if not exists admin_sessions_expires_at_idx
    on auth_mirror.admin_sessions (expires_at);

select auth_mirror.revoke_from_api_roles('all', 'table auth_mirror.admin_sessions');
