-- The reconciler (`auth-mirror reconcile`): what it needs to remember between statements.
--
--   * auth_mirror.trigger_errors.resolved_at: set when the reconciler has re-applied the
--     user a trigger failure was about (the error stays, as history).
--   * auth_mirror.reconcile_checkpoint: where a listing of Supabase's Admin API got to, so
--     an interrupted `reconcile --from admin-api` resumes instead of starting over.
--   * auth_mirror.reconcile_seen: the user ids that listing has seen; mirror rows missing
--     from it are the only candidates for a tombstone once the listing is complete.
--
-- The migration runner sets search_path = auth_mirror; names are qualified anyway.

alter table auth_mirror.trigger_errors add column if not exists resolved_at timestamptz;
create index if not exists trigger_errors_unresolved_idx
    on auth_mirror.trigger_errors (user_id) where resolved_at is null;

create table if not exists auth_mirror.reconcile_checkpoint (
    source      text primary key check (source in ('admin_api')),
    -- Page size of the listing; a resumed run with another size starts over.
    per_page    integer not null check (per_page > 0),
    -- Every user not seen yet sat at an offset >= covered when the last page was fetched.
    covered     bigint not null check (covered >= 0),
    -- X-Total-Count of the last page fetched: a smaller total later means users moved
    -- towards the front, by at most the difference.
    last_total  bigint not null check (last_total >= 0),
    started_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create table if not exists auth_mirror.reconcile_seen (
    user_id uuid primary key
);

select auth_mirror.revoke_from_api_roles('all',
    'auth_mirror.reconcile_checkpoint, auth_mirror.reconcile_seen');
