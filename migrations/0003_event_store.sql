-- auth-mirror's private bookkeeping, in schema auth_mirror (never in public: Prisma would
-- see it as drift, and Supabase exposes public through its API).
--
--   auth_mirror.events          every verified delivery, durable before it is acknowledged
--   auth_mirror.trigger_errors  what the auth.users trigger failed to mirror
--   auth_mirror.settings        private configuration for the opt-in db-webhook SQL
--
-- The migration runner sets search_path = auth_mirror; names are qualified anyway.

create table if not exists auth_mirror.events (
    id              bigint generated always as identity primary key,
    source          text not null check (source in ('auth_hook', 'db_webhook')),
    -- hook name, or INSERT/UPDATE/DELETE; 'unparsed' when the verified body did not parse
    kind            text not null,
    -- stable idempotency key (webhook-id is not one: Supabase renews it on every retry)
    event_key       text not null unique,
    user_id         uuid,
    webhook_id      text not null,
    signed_at       timestamptz not null,
    received_at     timestamptz not null default now(),
    -- raw body exactly as signed; NULL once expunged
    payload         bytea,
    status          text not null check (status in ('applied', 'failed', 'dead', 'ignored')),
    -- what auth_mirror.apply_user_state returned
    effect          text,
    attempts        integer not null default 1,
    next_attempt_at timestamptz,
    -- never personal data: SQLSTATEs and fixed texts only
    last_error      text,
    applied_via     text check (applied_via in ('delivery', 'retry', 'replay')),
    updated_at      timestamptz not null default now()
);

-- The retry worker's query: failed events whose time has come
-- (where status = 'failed' and next_attempt_at <= now() order by next_attempt_at).
create index if not exists events_retry_due_idx
    on auth_mirror.events (next_attempt_at) where status = 'failed';
create index if not exists events_user_id_idx on auth_mirror.events (user_id);
create index if not exists events_received_at_idx on auth_mirror.events (received_at);

-- Written by the auth.users trigger (and the db-webhook trigger) when mirroring failed.
-- The auth write went through; the reconciler and the admin API read this to catch up.
-- No message text: it could carry personal data from the row.
create table if not exists auth_mirror.trigger_errors (
    id          bigint generated always as identity primary key,
    user_id     uuid,
    operation   text not null,
    sqlstate    text not null,
    occurred_at timestamptz not null default now()
);
create index if not exists trigger_errors_occurred_at_idx on auth_mirror.trigger_errors (occurred_at);

-- Private key/value configuration read by sql/db-webhook.sql: 'db_webhook_url', and
-- 'webhook_secret' where Supabase Vault is not available.
create table if not exists auth_mirror.settings (
    key   text primary key,
    value text not null
);

-- The schema's usage is already revoked from public/anon/authenticated (0001); revoke
-- the tables too so a later grant on the schema does not expose them.
select auth_mirror.revoke_from_api_roles('all',
    'auth_mirror.events, auth_mirror.trigger_errors, auth_mirror.settings');
