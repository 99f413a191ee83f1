-- The SQL auth-mirror ran, before group commit, for one new after-user-created delivery (src/processing,
-- src/store/events.rs, src/store/users.rs), statement for statement, one event per
-- transaction: 7 round trips. Variables from bench/ceiling.sh: :payload (a real delivery
-- body), :user_metadata, :app_metadata.
\set a random(1, 9223372036854775807)
\set b random(1, 9223372036854775807)
BEGIN;
insert into auth_mirror.events (source, kind, event_key, user_id, webhook_id, signed_at, payload, status, last_error, applied_via) values ('auth_hook', 'after-user-created', 'hook:' || md5(:b::text || 'k')::uuid, md5(:a::text || 'u')::uuid, 'msg_' || :b::text, now(), convert_to(:payload, 'UTF8'), 'applied', null, null) on conflict (event_key) do nothing returning id as event_id
\gset
SAVEPOINT _sqlx_savepoint_1;
select auth_mirror.apply_user_state(md5(:a::text || 'u')::uuid, 'user' || :a::text || '@example.com', null, false, :user_metadata::jsonb, :app_metadata::jsonb, null, now(), clock_timestamp(), null, false);
RELEASE SAVEPOINT _sqlx_savepoint_1;
update auth_mirror.events set status = 'applied', effect = 'inserted', applied_via = 'delivery', last_error = null, next_attempt_at = null, updated_at = now(), last_attempt_at = now(), attempts = attempts + ('delivery' <> 'delivery')::int where id = :event_id;
COMMIT;
