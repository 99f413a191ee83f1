-- Attempt bookkeeping for retries and replays (issue 9): when the event was last tried.
-- `attempts` (0003) counts every try, the delivery included; `applied_via` says whether the
-- try that succeeded was the delivery, the retry worker or an admin replay; `status` becomes
-- 'dead' once RETRY_SCHEDULE is used up (the value was allowed from the start).
alter table auth_mirror.events add column if not exists last_attempt_at timestamptz;
