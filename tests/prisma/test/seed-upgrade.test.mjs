// A project that followed the seed recipe already has `public.users` from its own Prisma
// migration. After `auth-mirror migrate` converts that table in place, the README's upgrade
// steps (the shipped model with the seed's own timestamp types, one migration written by
// `prisma migrate diff --from-migrations` and marked applied) leave Prisma Migrate with
// nothing to change and nothing to reset.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';

import { paths, required } from '../lib/env.mjs';
import { migrationsList } from '../lib/migrations.mjs';
import { diff, NO_FILTERS, schemaEngine, schemaFile, target } from '../lib/schema-engine.mjs';

const url = required('SEED_DATABASE_URL');
const authMirror = required('AUTH_MIRROR_BIN');

/** The seed recipe's schema, as its users have it before auth-mirror. */
const SEED = `datasource db {
  provider = "postgresql"
}

model User {
  id        String   @id
  email     String   @unique
  settings  Json?
  createdAt DateTime @default(now()) @map("created_at")
  updatedAt DateTime @updatedAt @map("updated_at")

  @@map("users")
}
`;

/** The shipped model with the seed table's timestamp types, which the conversion keeps. */
function upgradedModel(model) {
  const upgraded = model
    .replace('@map("created_at") @db.Timestamptz(6)', '@map("created_at")')
    .replace('@map("updated_at") @db.Timestamptz(6)', '@map("updated_at")');
  const count = (text) => text.split('@db.Timestamptz(6)').length - 1;
  assert.equal(count(upgraded), count(model) - 2, 'createdAt/updatedAt are no longer as expected');
  return upgraded;
}

async function writeMigration(dir, name, sql) {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, 'migration.sql'), sql);
}

let dir;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auth-mirror-seed-'));
  await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
});
after(() => rm(dir, { recursive: true, force: true }));

test('after auth-mirror converts a seed-recipe table, prisma migrate dev has nothing to do', async () => {
  // The seed project: its first migration, applied by `prisma migrate deploy`.
  const seed = await schemaFile(join(dir, 'seed.prisma'), SEED);
  const seedEngine = await schemaEngine(seed, url);
  try {
    const init = await diff(seedEngine, target.empty(), target.schema(seed));
    await writeMigration(dir, '0_init', init.script);
    const applied = await seedEngine.applyMigrations({ migrationsList: await migrationsList(dir), filters: NO_FILTERS });
    assert.deepEqual(applied.appliedMigrationNames, ['0_init']);
  } finally {
    await seedEngine.close();
  }

  await promisify(execFile)(authMirror, ['migrate'], { env: { ...process.env, DATABASE_URL: url } });

  // The README's steps: the upgraded model, one migration from the history to it, marked applied.
  const model = (await schemaFile(paths.model)).files[0].content;
  const upgraded = await schemaFile(join(dir, 'schema.prisma'), upgradedModel(model));
  const engine = await schemaEngine(upgraded, url);
  try {
    const step = await diff(engine, { tag: 'migrations', ...(await migrationsList(dir)) }, target.schema(upgraded));
    assert.equal(step.exitCode, 2);
    assert.match(step.script, /DROP COLUMN "id",\s+ADD COLUMN\s+"id" UUID NOT NULL/);
    assert.match(step.script, /DROP INDEX "users_email_key"/);
    await writeMigration(dir, '1_auth_mirror', step.script);
    const history = await migrationsList(dir);
    await engine.markMigrationApplied({ migrationName: '1_auth_mirror', migrationsList: history });

    const drift = await diff(engine, target.schema(upgraded), target.configDatasource(upgraded));
    assert.equal(drift.exitCode, 0, drift.summary);
    // What `prisma migrate dev` decides before creating a migration: no reset, no drift.
    const dev = await engine.devDiagnostic({ migrationsList: history, filters: NO_FILTERS });
    assert.deepEqual(dev.action, { tag: 'createMigration' });
  } finally {
    await engine.close();
  }
});
