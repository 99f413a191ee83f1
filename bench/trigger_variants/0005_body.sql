-- The trigger function as 0005 wrote it (before 0014): every write through
-- auth_mirror.apply_user_state, inside the EXCEPTION block. For before/after comparisons.
-- Re-running migration 0005 replaces the function with its body (and re-attaches the same
-- triggers); the migrations after it do not touch the trigger function.
\ir ../../migrations/0005_auth_users_trigger.sql
