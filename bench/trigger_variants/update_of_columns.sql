-- MEASUREMENT ONLY, NOT SHIPPED (it changes when the UPDATE trigger fires): as migrated, but the
-- UPDATE trigger is column-specific, AFTER UPDATE OF the mirrored columns, with the same WHEN.
-- An UPDATE whose SET list names none of them (the role update, token updates, sign-ins) then
-- skips the WHEN clause, which PostgreSQL parses and prepares once per statement. It would also
-- miss a mirrored column changed by a BEFORE UPDATE trigger in such a statement.
drop trigger auth_mirror_user_updated on auth.users;
create trigger auth_mirror_user_updated
    after update of email, phone, is_anonymous, raw_user_meta_data, raw_app_meta_data,
                    email_confirmed_at, created_at, deleted_at on auth.users
    for each row
    when (old.email is distinct from new.email
       or old.phone is distinct from new.phone
       or old.is_anonymous is distinct from new.is_anonymous
       or old.raw_user_meta_data is distinct from new.raw_user_meta_data
       or old.raw_app_meta_data is distinct from new.raw_app_meta_data
       or old.email_confirmed_at is distinct from new.email_confirmed_at
       or old.created_at is distinct from new.created_at
       or old.deleted_at is distinct from new.deleted_at)
    execute function auth_mirror.mirror_auth_user();
