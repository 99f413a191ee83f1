//! Prisma's schema engine (the code behind `prisma migrate diff`, `prisma db pull` and
//! `prisma migrate resolve/deploy`), compiled to WebAssembly and driven through the `pg` driver
//! adapter: no native engine binary, no download.

import { readFile } from 'node:fs/promises';

import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';

import { MigrationAwarePg } from './pg-adapter.mjs';

/** Schema filters as the CLI passes them when prisma.config.ts declares none. */
export const NO_FILTERS = { externalTables: [], externalEnums: [] };

let loaded;

// The package's entry point imports the .wasm file as an ES module, which Node 20 cannot do
// without a flag; instantiate it by hand exactly as that entry point does.
async function loadWasm() {
  // The package exports only its JS files; the .wasm sits beside them.
  const bg = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const module = await WebAssembly.compile(await readFile(new URL('schema_engine_bg.wasm', bg)));
  const instance = await WebAssembly.instantiate(module, { './schema_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
}

/** A Prisma schema as the engine takes it: `{ files: [{ path, content }] }`. */
export async function schemaFile(path, content) {
  return { files: [{ path, content: content ?? (await readFile(path, 'utf8')) }] };
}

/**
 * Starts a schema engine for `schema` (from `schemaFile`) against the PostgreSQL database at
 * `connectionString`, which plays the part of prisma.config.ts's datasource. The engine takes
 * one call at a time. `close()` frees it and its connections.
 */
export async function schemaEngine(schema, connectionString) {
  loaded ??= loadWasm();
  await loaded;
  const factory = new MigrationAwarePg(connectionString);
  const adapter = bindMigrationAwareSqlAdapterFactory(factory);
  const datamodels = schema.files.map(({ path, content }) => [path, content]);
  const engine = await bindings.SchemaEngine.new({ datamodels }, () => {}, adapter);
  engine.close = async () => {
    engine.free();
    await factory.end();
  };
  return engine;
}

/** Diff targets, named like the CLI's `--from-...`/`--to-...` flags. */
export const target = {
  empty: () => ({ tag: 'empty' }),
  schema: (schema) => ({ tag: 'schemaDatamodel', ...schema }),
  configDatasource: (schema) => ({ tag: 'schemaDatasource', ...schema, configDir: '.' }),
};

/**
 * `prisma migrate diff --exit-code` from `from` to `to`: `{ exitCode, summary, script }`, where
 * exitCode is 0 when they do not differ and 2 when they do.
 */
export async function diff(engine, from, to) {
  const run = (script) => engine.diff({ from, to, script, exitCode: true, filters: NO_FILTERS });
  const summary = await run(false);
  const script = await run(true);
  return { exitCode: summary.exitCode, summary: summary.stdout, script: script.stdout };
}

/** `prisma db pull` with `schema` as the previous schema: `{ schema, warnings }`. */
export async function introspect(engine, schema) {
  const result = await engine.introspect({
    schema,
    baseDirectoryPath: '.',
    force: false,
    compositeTypeDepth: -1,
    namespaces: null,
  });
  return { schema: result.schema.files[0].content, warnings: result.warnings ?? '' };
}
