-- The trigger function as 0014 wrote it (before 0019): a new live user inserted with
-- ON CONFLICT (id) DO NOTHING, the constant c_no_time converted per call. For before/after
-- comparisons. Re-running migration 0014 replaces the function with its body.
\ir ../../migrations/0014_cheaper_auth_users_trigger.sql
