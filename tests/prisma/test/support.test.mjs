// The pieces the other tests stand on: the signer, the driver shim, and the example schema
// and migrations staying what they claim to be.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { parse } from 'pg-connection-string';

import { paths, repo, required } from '../lib/env.mjs';
import { catalogPool, MigrationAwarePg } from '../lib/pg-adapter.mjs';
import { diff, schemaEngine, schemaFile, target } from '../lib/schema-engine.mjs';
import { sign } from '../lib/webhooks.mjs';

const url = required('DRIFT_DATABASE_URL');

test('deliveries are signed as Standard Webhooks specifies (known-answer vectors)', async () => {
  const vectors = JSON.parse(await readFile(`${repo}tests/fixtures/standard-webhooks-vectors.json`, 'utf8'));
  for (const v of vectors.valid) {
    assert.equal(sign(v.secret, v.msg_id, v.timestamp, v.payload), v.signature);
    assert.equal(sign(`v1,${v.secret}`, v.msg_id, v.timestamp, v.payload), v.signature);
  }
});

describe('reading the "char" catalog type through @prisma/adapter-pg', () => {
  const query = { sql: `select 'r'::"char" as kind`, args: [], argTypes: [] };

  test('the adapter alone cannot (drop CharAsTextClient when this fails)', async () => {
    const adapter = await new PrismaPg({ connectionString: url }).connect();
    try {
      await assert.rejects(adapter.queryRaw(query), (error) => {
        assert.equal(error.cause?.kind, 'UnsupportedNativeDataType');
        assert.equal(error.cause?.type, 'char');
        return true;
      });
    } finally {
      await adapter.dispose();
    }
  });

  test('through the shim it reads as the one-character text it is', async () => {
    const pool = catalogPool({ connectionString: url });
    const adapter = await new PrismaPg(pool).connect();
    try {
      const result = await adapter.queryRaw(query);
      assert.deepEqual(result.rows, [['r']]);
      assert.deepEqual(result.columnNames, ['kind']);
    } finally {
      await adapter.dispose();
      await pool.end();
    }
  });
});

describe("the shadow database (prisma migrate dev's checks, --from-migrations diffs)", () => {
  const select = (sql) => ({ sql, args: [], argTypes: [] });
  const database = new URL(url).pathname.slice(1);

  test('given a URL, the adapter alone opens the real database as its "shadow" (why MigrationAwarePg opens its own)', async () => {
    const shadow = await new PrismaPg({ connectionString: url }).connectToShadowDb();
    try {
      assert.deepEqual((await shadow.queryRaw(select('select current_database()'))).rows, [[database]]);
    } finally {
      await shadow.dispose();
    }
  });

  test('given fields, the adapter alone drops its shadow database while still connected to it', async () => {
    const shadow = await new PrismaPg(parse(url)).connectToShadowDb();
    const [[name]] = (await shadow.queryRaw(select('select current_database()'))).rows;
    assert.match(name, /^prisma_migrate_shadow_db_/);

    await assert.rejects(shadow.dispose(), (error) => error.cause?.originalCode === '55006');

    await shadow.underlyingDriver().end();
    const cleanup = new pg.Client(parse(url));
    await cleanup.connect();
    await cleanup.query(`drop database "${name}"`);
    await cleanup.end();
  });

  test('MigrationAwarePg opens a fresh database and drops it when done', async () => {
    const factory = new MigrationAwarePg(url);
    try {
      const shadow = await factory.connectToShadowDb();
      const [[name]] = (await shadow.queryRaw(select('select current_database()'))).rows;
      assert.match(name, /^prisma_migrate_shadow_db_/);
      await shadow.dispose();
      const left = await factory.pool.query('select count(*)::int as n from pg_database where datname = $1', [name]);
      assert.equal(left.rows[0].n, 0);
    } finally {
      await factory.end();
    }
  });
});

describe('the example application', () => {
  let engine;
  let model;
  let example;

  before(async () => {
    model = await schemaFile(paths.model);
    example = await schemaFile(paths.example);
    engine = await schemaEngine(model, url);
  });
  after(() => engine?.close());

  const userModel = (schema) => {
    const text = schema.files[0].content;
    const start = text.indexOf('/// One row per Supabase Auth user');
    return text.slice(start, text.indexOf('\n}\n', start) + 3);
  };

  test('its User model is the shipped one plus the back-relation `posts`', () => {
    const withoutPosts = userModel(example).replace(
      /\n  \/\/\/ The example relation[^\n]*\n  posts +Post\[\]\n/,
      '',
    );
    assert.notEqual(withoutPosts, userModel(example), 'the example has no `posts` back-relation');
    assert.equal(withoutPosts, userModel(model));
  });

  test('0_auth_mirror is the baseline `prisma migrate diff --from-empty --to-schema` writes', async () => {
    const baseline = await diff(engine, target.empty(), target.schema(model));
    const file = await readFile(`${paths.exampleMigrations}/0_auth_mirror/migration.sql`, 'utf8');
    assert.ok(file.endsWith(`\n\n${baseline.script}`), baseline.script);
  });

  test('1_posts is what Prisma Migrate creates for the example on top of the baseline', async () => {
    const posts = await diff(engine, target.schema(model), target.schema(example));
    const file = await readFile(`${paths.exampleMigrations}/1_posts/migration.sql`, 'utf8');
    assert.equal(file, posts.script);
  });
});
