-- public.users: the mirror of auth.users (design §3).
--
-- Two starting points are handled:
--   * no public.users yet: create it in its final shape;
--   * the seed recipe's Prisma table (id text, email text NOT NULL UNIQUE, settings,
--     created_at/updated_at timestamp(3)): convert it IN PLACE, keeping every row.
--     Anything that cannot be converted safely (an id that is not a uuid, a foreign key
--     or view that pins the id's type) stops the migration with a message saying what to do.
--
-- The migration runner sets search_path = auth_mirror, so every name of ours is
-- schema-qualified.

do $migration$
declare
    v_users    constant regclass := to_regclass('public.users');
    v_id_type  text;
    v_bad_ids  bigint;
    v_refs     text;
    v_email    smallint;
    v_idx      record;
begin
    if v_users is null then
        create table public.users (
            id                 uuid primary key,
            email              text,
            phone              text,
            is_anonymous       boolean not null default false,
            user_metadata      jsonb,
            app_metadata       jsonb,
            email_confirmed_at timestamptz,
            auth_created_at    timestamptz,
            auth_updated_at    timestamptz,
            deleted_at         timestamptz,
            settings           jsonb,
            created_at         timestamptz not null default now(),
            updated_at         timestamptz not null default now()
        );
        return;
    end if;

    -- An existing table: bring it to the mirror's shape step by step.
    select format_type(a.atttypid, a.atttypmod) into v_id_type
      from pg_catalog.pg_attribute a
     where a.attrelid = v_users and a.attname = 'id' and not a.attisdropped;

    if v_id_type is null then
        raise exception 'public.users exists but has no "id" column; auth-mirror cannot adopt it'
            using hint = 'Rename the existing table (alter table public.users rename to ...) and run the migrations again.';
    end if;

    if v_id_type <> 'uuid' then
        if v_id_type not in ('text', 'character varying') and v_id_type not like 'character varying(%' then
            raise exception 'public.users.id has type %, auth-mirror needs uuid', v_id_type
                using hint = 'Convert public.users.id to uuid yourself, or rename the table, then run the migrations again.';
        end if;

        -- Every id must be an auth user id. The pattern accepts what uuid_in accepts
        -- (hyphens optional, optional braces), so the cast below cannot fail on a row.
        execute $q$
            select count(*) from public.users
             where id is null
                or id !~* '^\{?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}\}?$'
        $q$ into v_bad_ids;
        if v_bad_ids > 0 then
            raise exception 'public.users has % row(s) whose id is not a uuid; auth-mirror keys users by their auth.users id (uuid)', v_bad_ids
                using hint = 'Fix or delete those rows (select id from public.users where id !~* ''^[0-9a-f-]{36}$''), then run the migrations again.';
        end if;

        -- A foreign key onto users.id blocks "alter column type"; converting other
        -- tables' columns is the application's decision, not ours.
        select string_agg(format('%s (%s)', c.conrelid::regclass, c.conname), ', ')
          into v_refs
          from pg_catalog.pg_constraint c
         where c.contype = 'f' and c.confrelid = v_users and c.conrelid <> v_users;
        if v_refs is not null then
            raise exception 'public.users.id is referenced by foreign key(s) %; its type cannot be changed from % to uuid in place', v_refs, v_id_type
                using hint = 'Drop those foreign keys, run the migrations, convert the referencing columns to uuid (alter table ... alter column ... type uuid using ...::uuid) and re-create the foreign keys.';
        end if;

        begin
            alter table public.users alter column id type uuid using id::uuid;
        exception
        when invalid_text_representation then
            raise exception 'public.users has an id that is not a valid uuid: %', sqlerrm
                using hint = 'Fix or delete that row, then run the migrations again.';
        when feature_not_supported or dependent_objects_still_exist then
            -- Views, rules or policies that use the column.
            raise exception 'public.users.id cannot be converted to uuid: %', sqlerrm
                using hint = 'Drop the views/policies that use public.users.id, run the migrations, then re-create them.';
        end;
    end if;

    -- email: nullable, not unique (phone/anonymous users have none; SSO users share).
    select a.attnum into v_email
      from pg_catalog.pg_attribute a
     where a.attrelid = v_users and a.attname = 'email' and not a.attisdropped;
    if v_email is null then
        alter table public.users add column email text;
    else
        alter table public.users alter column email drop not null;
        -- Any unique index or constraint on email alone, whatever its name
        -- (Prisma calls it users_email_key).
        for v_idx in
            select i.indexrelid::regclass::text as index_name, c.conname
              from pg_catalog.pg_index i
              left join pg_catalog.pg_constraint c on c.conindid = i.indexrelid and c.conrelid = v_users
             where i.indrelid = v_users
               and i.indisunique
               and i.indnkeyatts = 1
               and i.indkey[0] = v_email
        loop
            if v_idx.conname is not null then
                execute format('alter table public.users drop constraint %I', v_idx.conname);
            else
                execute format('drop index %s', v_idx.index_name);
            end if;
            raise notice 'auth-mirror: dropped unique index % on public.users(email)', v_idx.index_name;
        end loop;
    end if;

    alter table public.users
        add column if not exists phone              text,
        add column if not exists is_anonymous       boolean not null default false,
        add column if not exists user_metadata      jsonb,
        add column if not exists app_metadata       jsonb,
        add column if not exists email_confirmed_at timestamptz,
        add column if not exists auth_created_at    timestamptz,
        add column if not exists auth_updated_at    timestamptz,
        add column if not exists deleted_at         timestamptz,
        add column if not exists settings           jsonb,
        add column if not exists created_at         timestamptz not null default now(),
        add column if not exists updated_at         timestamptz not null default now();

    -- Prisma's created_at/updated_at are timestamp(3) and updated_at has no default
    -- (Prisma's @updatedAt is set by the client). Keep the types, add the defaults the
    -- mirror relies on when it inserts.
    alter table public.users
        alter column created_at set default now(),
        alter column updated_at set default now();

    -- A NOT NULL column without a default that the mirror does not write would make
    -- every mirror insert fail; say so now rather than at the first signup.
    select string_agg(quote_ident(a.attname), ', ') into v_refs
      from pg_catalog.pg_attribute a
     where a.attrelid = v_users and a.attnum > 0 and not a.attisdropped
       and a.attnotnull and not a.atthasdef and a.attgenerated = ''
       and a.attname not in ('id', 'email', 'phone', 'is_anonymous', 'user_metadata', 'app_metadata',
                             'email_confirmed_at', 'auth_created_at', 'auth_updated_at', 'deleted_at',
                             'settings', 'created_at', 'updated_at');
    if v_refs is not null then
        raise warning 'auth-mirror: public.users has NOT NULL column(s) % without a default; mirror inserts will fail until they get a default or become nullable', v_refs;
    end if;
end
$migration$;

-- Case-insensitive lookups by email (auth.users' own uniqueness is case-sensitive and
-- partial, so this is deliberately not unique).
create index if not exists users_email_lower_idx on public.users (lower(email));

-- Supabase exposes public through its API. With RLS on and no policy, anon and
-- authenticated see nothing; service_role and the table owner bypass RLS, so the mirror
-- and server-side code are unaffected. Applications add their own policies
-- (e.g. "using (id = auth.uid())").
alter table public.users enable row level security;

comment on table public.users is
    'Mirror of auth.users maintained by auth-mirror (auth_mirror.apply_user_state). settings is application-owned.';
comment on column public.users.auth_updated_at is
    'auth.users.updated_at of the state mirrored here: the version used by the convergence rule.';
comment on column public.users.deleted_at is
    'Set when the auth user was deleted (soft or hard): the row is a tombstone without personal data.';
comment on column public.users.settings is
    'Owned by the application; auth-mirror never writes it.';
