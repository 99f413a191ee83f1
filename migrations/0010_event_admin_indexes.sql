-- Indexes for the admin API and the retry worker (issue 9).
--
-- Listing is keyset-paginated newest first on the identity `id` (an opaque cursor holds the
-- last id seen), usually filtered by status: (status, id) serves `where status = $1 and
-- id < $cursor order by id desc limit $n`, and bulk replay's ascending walk over failed
-- and dead events. Listing by source/kind without a status walks the primary key.
create index if not exists events_status_id_idx on auth_mirror.events (status, id);

-- Retention deletes old applied and ignored events oldest first, in small batches.
create index if not exists events_retention_idx
    on auth_mirror.events (received_at) where status in ('applied', 'ignored');

