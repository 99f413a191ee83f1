// No drift between prisma/schema.prisma and public.users as `auth-mirror migrate` creates it,
// judged by Prisma's own schema engine: `prisma migrate diff` both ways and `prisma db pull`.
//
// The documented rule: Prisma cannot express three things the migrations create, and its engine
// does not count them as differences: the expression index on lower(email) (the diff does not
// see expression indexes at all, so it neither creates nor drops it), row level security, and
// the table's comments. Introspection reports each of them as a notice; the test requires
// exactly those notices, so that anything else Prisma cannot model fails the test too.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { paths, required } from '../lib/env.mjs';
import { diff, introspect, schemaEngine, schemaFile, target } from '../lib/schema-engine.mjs';

const url = required('DRIFT_DATABASE_URL');

/** The notices `db pull` gives for the migrated public schema, section by section. */
const EXPECTED_NOTICES = [
  [
    'These tables contain row level security, which is not yet fully supported.',
    ['"User"'],
  ],
  [
    'These objects have comments defined in the database, which is not yet fully supported.',
    [
      'Type: "model", name: "User"',
      'Type: "field", name: "User.authUpdatedAt"',
      'Type: "field", name: "User.deletedAt"',
      'Type: "field", name: "User.settings"',
    ],
  ],
  [
    'These indexes are not supported by Prisma Client, because Prisma currently does not fully support expression indexes.',
    ['Model: "User", constraint: "users_email_lower_idx"'],
  ],
];

/** The `///` line `db pull` adds above a model with an expression index. */
const EXPRESSION_INDEX_NOTE =
  '/// This model contains an expression index which requires additional setup for migrations. Visit https://pris.ly/d/expression-indexes for more info.\n';

/** Introspection warnings as [heading, items], without the "enriched with @map" sections. */
function notices(warnings) {
  return warnings
    .split(/\n\n+/)
    .map((section) => section.trim().split('\n'))
    .filter(([heading]) => heading && !heading.startsWith('***') && !heading.includes('enriched'))
    .map(([heading, ...items]) => [
      heading.replace(/ Read more: \S+$/, ''),
      items.map((item) => item.replace(/^\s*- /, '')),
    ]);
}

/** `content` from its first block on, without the comment lines above it. */
function withoutHeader(content) {
  return content.slice(content.indexOf('generator client {'));
}

/** What the engine says about `content` as the model of the migrated database. */
async function drift(content) {
  const schema = await schemaFile(paths.model, content);
  const engine = await schemaEngine(schema, url);
  try {
    const toDatabase = await diff(engine, target.schema(schema), target.configDatasource(schema));
    const toModel = await diff(engine, target.configDatasource(schema), target.schema(schema));
    return { schema, engine, toDatabase, toModel };
  } catch (error) {
    await engine.close();
    throw error;
  }
}

describe('prisma/schema.prisma against the migrated public schema', () => {
  let model;
  let result;

  before(async () => {
    model = (await schemaFile(paths.model)).files[0].content;
    result = await drift(model);
  });
  after(() => result?.engine.close());

  test('migrate diff finds no difference from the model to the database', () => {
    assert.equal(result.toDatabase.exitCode, 0, result.toDatabase.summary);
    assert.equal(result.toDatabase.script.trim(), '-- This is an empty migration.');
  });

  test('migrate diff finds no difference from the database to the model', () => {
    assert.equal(result.toModel.exitCode, 0, result.toModel.summary);
    assert.equal(result.toModel.script.trim(), '-- This is an empty migration.');
  });

  test('db pull gives the shipped model back, with only the documented notices', async () => {
    const pulled = await introspect(result.engine, result.schema);

    // db pull keeps `///` documentation but not the file's leading `//` comments.
    assert.equal(pulled.schema.replace(EXPRESSION_INDEX_NOTE, ''), withoutHeader(model));
    assert.ok(pulled.schema.includes(EXPRESSION_INDEX_NOTE), pulled.schema);
    assert.deepEqual(notices(pulled.warnings), EXPECTED_NOTICES);
  });

  test('the whole public schema is the users table: the baseline creates nothing else', async () => {
    const fromEmpty = await diff(result.engine, target.empty(), target.configDatasource(result.schema));

    assert.equal(fromEmpty.exitCode, 2);
    assert.deepEqual(fromEmpty.summary.trim().split('\n'), [
      '[+] Added Schemas',
      '  - public',
      '',
      '[+] Added tables',
      '  - users',
    ]);
  });
});

describe('a model that drifts is reported', () => {
  const cases = [
    ['id without @db.Uuid (text)', 'id               String    @id @db.Uuid', 'id               String    @id', /ALTER COLUMN "id" SET DATA TYPE TEXT/],
    ['email unique and required', 'email            String?', 'email            String    @unique', /CREATE UNIQUE INDEX "users_email_key"/],
    ['a missing @map', '@map("auth_updated_at")', '', /DROP COLUMN "auth_updated_at",\s+ADD COLUMN\s+"authUpdatedAt"/],
    ['a timestamp without time zone', 'deletedAt        DateTime? @map("deleted_at") @db.Timestamptz(6)', 'deletedAt        DateTime? @map("deleted_at") @db.Timestamp(3)', /"deleted_at" SET DATA TYPE TIMESTAMP\(3\)/],
    ['a field the table does not have', '  settings         Json?\n', '  settings         Json?\n  nickname         String?\n', /ADD COLUMN\s+"nickname" TEXT/],
  ];

  for (const [name, from, to, expected] of cases) {
    test(name, async () => {
      const model = (await schemaFile(paths.model)).files[0].content;
      assert.ok(model.includes(from), `the model no longer contains ${JSON.stringify(from)}`);

      const result = await drift(model.replace(from, to));
      await result.engine.close();

      assert.equal(result.toDatabase.exitCode, 2);
      assert.equal(result.toModel.exitCode, 2);
      assert.match(result.toModel.script, expected);
    });
  }
});
