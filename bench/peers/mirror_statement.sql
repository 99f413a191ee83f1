-- The peers' one statement per delivery (bench/peers/, bench/side_by_side.sh): store the
-- verified delivery in auth_mirror.events (the same durable record auth-mirror keeps, keyed
-- the same way, so a retry is not stored or applied twice) and upsert the user into
-- public.users if the state is newer, in ONE statement: one round trip, one implicit
-- transaction. The Edge Function (postgres.js), the Node receiver (pg) and pgbench run this
-- text as it is; bench/side_by_side.sh substitutes pgbench variables for the parameters.
--
-- Parameters, all sent as text: $1 source, $2 kind, $3 event key, $4 user id, $5 webhook-id,
-- $6 webhook-timestamp (unix seconds), $7 raw body, then the user's state: $8 email, $9 phone,
-- $10 is_anonymous, $11 user_metadata, $12 app_metadata, $13 email_confirmed_at,
-- $14 created_at, $15 updated_at (the version), $16 deleted_at (set for a deletion).
--
-- The convergence rule as a hand-written receiver would write it: newer-or-equal wins, a
-- state without a real version (0001-01-01) never writes, '' becomes NULL, a deletion leaves
-- a tombstone that no live state overwrites. (auth-mirror's rule also keeps the earliest
-- creation time, keeps stored metadata when a state carries none, and skips identical
-- states; none of that changes the work for the deliveries the load generator sends.)
with event as (
    insert into auth_mirror.events (source, kind, event_key, user_id, webhook_id, signed_at,
                                    payload, status, applied_via)
    values ($1, $2, $3, $4::uuid, $5, to_timestamp($6::float8), convert_to($7, 'UTF8'),
            'applied', 'delivery')
    on conflict (event_key) do nothing
    returning user_id
)
insert into public.users as u (id, email, phone, is_anonymous, user_metadata, app_metadata,
                               email_confirmed_at, auth_created_at, auth_updated_at, deleted_at)
select user_id, nullif($8, ''), nullif($9, ''), coalesce($10::boolean, false), $11::jsonb,
       $12::jsonb, $13::timestamptz, $14::timestamptz, $15::timestamptz, $16::timestamptz
  from event
 where user_id is not null and $15::timestamptz >= '1000-01-01'
on conflict (id) do update
   set email = excluded.email, phone = excluded.phone, is_anonymous = excluded.is_anonymous,
       user_metadata = excluded.user_metadata, app_metadata = excluded.app_metadata,
       email_confirmed_at = excluded.email_confirmed_at, auth_updated_at = excluded.auth_updated_at,
       deleted_at = excluded.deleted_at, updated_at = now()
 where (excluded.deleted_at is not null and u.deleted_at is null)
    or (u.deleted_at is null and (u.auth_updated_at is null or u.auth_updated_at <= excluded.auth_updated_at))
