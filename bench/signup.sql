-- One Supabase-shaped email signup, as Supabase Auth writes it: the INSERT (password hash
-- and tokens included), then, in the same transaction, the UPDATE of role.
-- Run as supabase_auth_admin (search_path = auth) with `pgbench -M prepared`.
begin;
insert into users (instance_id, id, aud, role, email, encrypted_password,
                   confirmation_token, confirmation_sent_at, recovery_token,
                   email_change_token_new, email_change, raw_app_meta_data,
                   raw_user_meta_data, is_super_admin, created_at, updated_at,
                   phone, is_anonymous)
values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', '',
        'user' || :client_id || '_' || md5(random()::text) || '@example.com',
        '$2a$10$abcdefghijklmnopqrstuu5eQ0mTQ1hHMs6I3wB6m3q6Dw5iwC5KW',
        md5(random()::text), now(), '', '', '',
        '{"provider": "email", "providers": ["email"]}',
        '{"name": "Bench User", "avatar_url": "https://example.com/a.png"}',
        false, now(), now(), null, false)
returning id \gset
update users set role = 'authenticated' where id = :id;
commit;
