//! Where things are, and what `cargo test` (tests/api/prisma.rs) hands these tests.

import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** This node project (tests/prisma). */
export const project = fileURLToPath(new URL('../', import.meta.url));

/** auth-mirror's shipped model and the example application's schema and migrations. */
export const paths = {
  model: `${repo}prisma/schema.prisma`,
  example: `${repo}examples/prisma/schema.prisma`,
  exampleMigrations: `${repo}examples/prisma/migrations`,
};

/** The environment variable `name`; a test without it fails and says how to run it. */
export function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: these tests run from \`cargo test\` (tests/api/prisma.rs), which ` +
        'starts auth-mirror on fresh migrated databases and sets DATABASE_URL, ' +
        'DRIFT_DATABASE_URL, APP_URL and WEBHOOK_SECRET',
    );
  }
  return value;
}
