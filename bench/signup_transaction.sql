-- One email signup as Supabase Auth writes it, in its one transaction (confirmation emails on,
-- Supabase's default; implicit flow). Read from supabase/auth: internal/api/signup.go (Signup,
-- signupNewUser), internal/models/user.go (SetRole, RemoveUnconfirmedIdentities,
-- UpdateUserMetaData, UpdateAppMetaDataProviders), internal/api/external.go
-- (createNewIdentity), internal/models/audit_log_entry.go, internal/api/mail.go
-- (sendConfirmation) and internal/models/one_time_token.go (CreateOneTimeToken). pop's
-- UpdateOnly also sets updated_at, with the time of the call. The e-mail itself and the
-- password hash (bcrypt, outside the transaction) are not database work.
--
-- A pgbench script (bench/trigger_variants.sh SIGNUP=transaction, MODE=pgbench, -M prepared);
-- MODE=loop turns the same statements into a PL/pgSQL loop (each :name becomes a variable, a
-- SELECT a PERFORM). Needs bench/signup_auth_tables.sql on top of the Supabase fixture.
select gen_random_uuid() as id, gen_random_uuid() as identity_id, gen_random_uuid() as audit_id, gen_random_uuid() as token_id, 'user_' || md5(random()::text) || '@example.com' as email, md5(random()::text) as token_hash \gset
begin;
-- tx.Create(user): every column of the model.
insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at, invited_at, confirmation_token, confirmation_sent_at, recovery_token, recovery_sent_at, email_change_token_new, email_change, email_change_sent_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data, is_super_admin, created_at, updated_at, phone, phone_confirmed_at, phone_change, phone_change_token, phone_change_sent_at, email_change_token_current, email_change_confirm_status, banned_until, reauthentication_token, reauthentication_sent_at, is_sso_user, deleted_at, is_anonymous) values ('00000000-0000-0000-0000-000000000000', :id, 'authenticated', '', :email, '$2a$10$abcdefghijklmnopqrstuu5eQ0mTQ1hHMs6I3wB6m3q6Dw5iwC5KW', null, null, '', null, '', null, '', '', null, null, '{"provider": "email", "providers": ["email"]}', '{"name": "Bench User"}', false, clock_timestamp(), clock_timestamp(), null, null, '', '', null, '', 0, null, '', null, false, null, false);
-- user.SetRole: UpdateOnly(u, "role").
update auth.users set role = 'authenticated', updated_at = clock_timestamp() where id = :id;
-- conn.Reload(user).
select * from auth.users where id = :id limit 1;
-- models.FindIdentityByIdAndProvider: not found.
select * from auth.identities where provider_id = :id::text and provider = 'email' limit 1;
-- createNewIdentity: models.NewIdentity, tx.Create.
insert into auth.identities (id, provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at) values (:identity_id, :id::text, :id, jsonb_build_object('sub', :id::text, 'email', :email::text, 'email_verified', false, 'phone_verified', false, 'name', 'Bench User'), 'email', clock_timestamp(), clock_timestamp(), clock_timestamp());
-- user.RemoveUnconfirmedIdentities: user_metadata becomes the identity's data (a mirrored
-- column changes: the mirror's UPDATE trigger fires), then the providers are written again.
update auth.users set raw_user_meta_data = jsonb_build_object('sub', :id::text, 'email', :email::text, 'email_verified', false, 'phone_verified', false, 'name', 'Bench User'), updated_at = clock_timestamp() where id = :id;
select distinct provider from auth.identities where user_id = :id;
update auth.users set raw_app_meta_data = '{"provider": "email", "providers": ["email"]}', updated_at = clock_timestamp() where id = :id;
-- models.NewAuditLogEntry(UserConfirmationRequestedAction).
insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address) values ('00000000-0000-0000-0000-000000000000', :audit_id, json_build_object('action', 'user_confirmation_requested', 'actor_id', :id::text, 'actor_username', :email::text, 'actor_via_sso', false, 'log_type', 'user', 'traits', json_build_object('provider', 'email')), clock_timestamp(), '203.0.113.7');
-- sendConfirmation: the token on the user, then its one_time_tokens row (CreateOneTimeToken
-- deletes the user's previous token of that type first).
update auth.users set confirmation_token = :token_hash, confirmation_sent_at = clock_timestamp(), updated_at = clock_timestamp() where id = :id;
delete from auth.one_time_tokens where token_type = 'confirmation_token' and user_id = :id;
insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to, created_at, updated_at) values (:token_id, :id, 'confirmation_token', :token_hash, :email, clock_timestamp(), clock_timestamp());
commit;
