// The seed's Step 3 through Prisma Client: an application that merged auth-mirror's `User`
// model into its schema (examples/prisma) baselines auth-mirror's table, migrates its own
// `posts`, and then reads users that signed deliveries created, keeps its own `settings` and
// rows, and survives newer auth events and deletions. Everything goes through the running app
// (APP_URL) and the database it mirrors into (DATABASE_URL).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { connect, generateClient } from '../lib/client.mjs';
import { paths, required } from '../lib/env.mjs';
import { migrationsList } from '../lib/migrations.mjs';
import { diff, NO_FILTERS, schemaEngine, schemaFile, target } from '../lib/schema-engine.mjs';
import { afterUserCreated, dbEvent, postSigned } from '../lib/webhooks.mjs';

const databaseUrl = required('DATABASE_URL');
const appUrl = required('APP_URL');
const secret = required('WEBHOOK_SECRET');

/** A user as Supabase Auth puts it in an Auth Hook. */
function hookUser(id, email, updatedAt) {
  return {
    id,
    aud: 'authenticated',
    role: '',
    email,
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: { full_name: 'Ada Lovelace' },
    identities: [],
    created_at: '2024-05-01T10:00:00.123456Z',
    updated_at: updatedAt,
    is_anonymous: false,
  };
}

/** The same user as a row of auth.users, as the signed database webhook sends it. */
function authRow(id, email, updatedAt, userMetadata) {
  return {
    id,
    aud: 'authenticated',
    role: 'authenticated',
    email,
    phone: null,
    email_confirmed_at: null,
    raw_app_meta_data: { provider: 'email', providers: ['email'] },
    raw_user_meta_data: userMetadata,
    created_at: '2024-05-01T10:00:00.123456+00:00',
    updated_at: updatedAt,
    deleted_at: null,
    is_anonymous: false,
    is_sso_user: false,
  };
}

async function deliver(path, payload) {
  const response = await postSigned(appUrl, secret, path, payload);
  assert.equal(response.status, 200, response.body);
  assert.equal(response.body, '{}');
}

describe('the example application, migrated with Prisma Migrate on top of auth-mirror', () => {
  let client;
  let prisma;

  before(async () => {
    const example = await schemaFile(paths.example);
    const engine = await schemaEngine(example, databaseUrl);
    try {
      // `prisma migrate resolve --applied 0_auth_mirror`, then `prisma migrate deploy`.
      const migrations = await migrationsList(paths.exampleMigrations);
      await engine.markMigrationApplied({ migrationName: '0_auth_mirror', migrationsList: migrations });
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList: migrations,
        filters: NO_FILTERS,
      });
      assert.deepEqual(appliedMigrationNames, ['1_posts']);
      // And the example schema now matches the database exactly, auth-mirror's table included.
      const drift = await diff(engine, target.schema(example), target.configDatasource(example));
      assert.equal(drift.exitCode, 0, drift.summary);
      // What `prisma migrate dev` decides before creating a migration: no reset, no drift.
      const dev = await engine.devDiagnostic({ migrationsList: migrations, filters: NO_FILTERS });
      assert.deepEqual(dev.action, { tag: 'createMigration' });
    } finally {
      await engine.close();
    }
    client = await generateClient(paths.example);
    prisma = connect(client.PrismaClient, databaseUrl);
  });

  after(async () => {
    await prisma?.$disconnect();
    await client?.remove();
  });

  test('reads the user that a signed after-user-created delivery mirrored', async () => {
    const id = randomUUID();
    await deliver('/hooks/auth', afterUserCreated(hookUser(id, 'Ada@Example.com', '2024-05-01T10:00:00.5Z')));

    const user = await prisma.user.findUnique({ where: { id } });

    assert.equal(user.id, id);
    assert.equal(user.email, 'Ada@Example.com');
    assert.equal(user.phone, null);
    assert.equal(user.isAnonymous, false);
    assert.deepEqual(user.userMetadata, { full_name: 'Ada Lovelace' });
    assert.deepEqual(user.appMetadata, { provider: 'email', providers: ['email'] });
    assert.deepEqual(user.authCreatedAt, new Date('2024-05-01T10:00:00.123Z'));
    assert.deepEqual(user.authUpdatedAt, new Date('2024-05-01T10:00:00.500Z'));
    assert.equal(user.deletedAt, null);
    assert.equal(user.settings, null);
    assert.ok(user.createdAt instanceof Date && user.updatedAt instanceof Date);
  });

  test('settings and related rows survive a newer auth event; a deletion leaves a tombstone they still point at', async () => {
    const id = randomUUID();
    await deliver('/hooks/auth', afterUserCreated(hookUser(id, 'ada@example.com', '2024-05-01T10:00:00Z')));

    // The application's writes: its own field and its own table.
    const withSettings = await prisma.user.update({
      where: { id },
      data: { settings: { theme: 'dark', locale: 'en-GB' } },
    });
    const post = await prisma.post.create({ data: { title: 'Notes on the Analytical Engine', author: { connect: { id } } } });
    assert.deepEqual(withSettings.settings, { theme: 'dark', locale: 'en-GB' });

    // Supabase changes the user: a newer signed state arrives.
    const before = authRow(id, 'ada@example.com', '2024-05-01T10:00:00+00:00', { full_name: 'Ada Lovelace' });
    const newer = authRow(id, 'countess@example.com', '2024-06-01T09:30:00+00:00', { full_name: 'Ada King' });
    await deliver('/hooks/db', dbEvent('UPDATE', newer, before));

    const updated = await prisma.user.findUnique({ where: { id }, include: { posts: true } });
    assert.equal(updated.email, 'countess@example.com');
    assert.deepEqual(updated.userMetadata, { full_name: 'Ada King' });
    assert.deepEqual(updated.authUpdatedAt, new Date('2024-06-01T09:30:00Z'));
    assert.deepEqual(updated.settings, { theme: 'dark', locale: 'en-GB' });
    assert.deepEqual(updated.posts.map((p) => [p.id, p.title]), [[post.id, 'Notes on the Analytical Engine']]);

    // Supabase deletes the user.
    await deliver('/hooks/db', dbEvent('DELETE', null, newer));

    const kept = await prisma.post.findUnique({ where: { id: post.id }, include: { author: true } });
    assert.equal(kept.authorId, id);
    assert.equal(kept.author.id, id);
    assert.deepEqual(kept.author.deletedAt, new Date('2024-06-01T09:30:00Z'));
    assert.equal(kept.author.email, null);
    assert.equal(kept.author.userMetadata, null);
    assert.equal(kept.author.appMetadata, null);
    assert.deepEqual(kept.author.settings, { theme: 'dark', locale: 'en-GB' });
    const live = await prisma.user.findMany({ where: { id, deletedAt: null } });
    assert.deepEqual(live, []);
  });

  test('an older state arriving late does not undo a newer one or touch settings', async () => {
    const id = randomUUID();
    await deliver('/hooks/auth', afterUserCreated(hookUser(id, 'new@example.com', '2024-07-01T00:00:00Z')));
    await prisma.user.update({ where: { id }, data: { settings: { plan: 'pro' } } });

    const stale = authRow(id, 'old@example.com', '2024-06-30T23:59:59+00:00', { full_name: 'Old' });
    await deliver('/hooks/db', dbEvent('UPDATE', stale, stale));

    const user = await prisma.user.findUnique({ where: { id } });
    assert.equal(user.email, 'new@example.com');
    assert.deepEqual(user.userMetadata, { full_name: 'Ada Lovelace' });
    assert.deepEqual(user.settings, { plan: 'pro' });
  });
});
