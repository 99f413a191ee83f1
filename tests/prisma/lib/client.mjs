//! Prisma Client generated offline from a schema, used through @prisma/adapter-pg.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { PrismaPg } from '@prisma/adapter-pg';

import { project } from './env.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

/**
 * Runs `prisma generate` for the schema at `schemaPath` into a fresh folder under
 * tests/prisma/generated (inside this project, so the client finds @prisma/client's runtime),
 * and returns `{ PrismaClient, Prisma, remove }`.
 */
export async function generateClient(schemaPath) {
  await mkdir(join(project, 'generated'), { recursive: true });
  const dir = await mkdtemp(join(project, 'generated', 'client-'));
  const schema = (await readFile(schemaPath, 'utf8')).replace(
    /generator client \{\n  provider = "prisma-client-js"\n/,
    (generator) => `${generator}  output   = "./client"\n`,
  );
  await writeFile(join(dir, 'schema.prisma'), schema);
  await run(
    process.execPath,
    [require.resolve('prisma/build/index.js'), 'generate', '--schema', join(dir, 'schema.prisma')],
    {
      cwd: project,
      env: {
        ...process.env,
        PRISMA_SCHEMA_ENGINE_BINARY: join(project, 'bin', 'no-schema-engine'),
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    },
  );
  const { PrismaClient, Prisma } = require(join(dir, 'client'));
  return { PrismaClient, Prisma, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `new PrismaClient({ adapter: new PrismaPg({ connectionString }) })`: no engine binary. */
export function connect(PrismaClient, connectionString) {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString }) });
}
