//! The driver adapter the schema engine works through: @prisma/adapter-pg over a `pg` pool, with
//! the two things that adapter (7.10.1) gets wrong for the schema engine put right here, each
//! shown by a test in `test/support.test.mjs` that fails once the adapter is fixed:
//!
//! - It maps no Prisma column type to PostgreSQL's one-byte `"char"` (OID 18), which catalog
//!   columns such as `pg_constraint.contype` have, so every introspection and every diff against
//!   a database fails ("Column type 'char' could not be deserialized from the database").
//!   `pg` already returns such a value as a one-character string, which is what Prisma's native
//!   engine reads, so `CharAsTextClient` only relabels those columns as `text`.
//! - Its shadow database (for `prisma migrate dev`'s checks and `--from-migrations` diffs) is
//!   opened as `{ ...config, database: shadow }`, but `pg` lets a `connectionString` override
//!   `database`, so given a URL the "shadow" is the real database; and it drops the shadow
//!   database while its own pool still holds a connection, which PostgreSQL refuses.
//!   `connectToShadowDb` below creates, opens and drops it in the right order.

import { randomUUID } from 'node:crypto';

import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { parse } from 'pg-connection-string';

const CHAR = 18;
const TEXT = 25;

function charAsText(result) {
  for (const one of Array.isArray(result) ? result : [result]) {
    for (const field of one?.fields ?? []) {
      if (field.dataTypeID === CHAR) field.dataTypeID = TEXT;
    }
  }
  return result;
}

/** `pg.Client` whose results label `"char"` columns as `text` (see the module comment). */
export class CharAsTextClient extends pg.Client {
  query(config, values, callback) {
    if (typeof config?.submit === 'function') return super.query(config, values, callback);
    if (typeof values === 'function') [values, callback] = [undefined, values];
    if (callback) {
      return super.query(config, values, (error, result) => callback(error, result && charAsText(result)));
    }
    return super.query(config, values).then(charAsText);
  }
}

/** A pool of `CharAsTextClient`s for the database that `config` names. */
export function catalogPool(config) {
  return new pg.Pool({ ...config, Client: CharAsTextClient });
}

/**
 * A migration-aware driver adapter factory (what `bindMigrationAwareSqlAdapterFactory` takes)
 * for the database at `connectionString`; `end()` closes its connections.
 */
export class MigrationAwarePg {
  constructor(connectionString) {
    this.config = parse(connectionString);
    this.pool = catalogPool(this.config);
    this.inner = new PrismaPg(this.pool);
    this.provider = this.inner.provider;
    this.adapterName = this.inner.adapterName;
  }

  connect() {
    return this.inner.connect();
  }

  async connectToShadowDb() {
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await this.pool.query(`create database "${database}"`);
    const pool = catalogPool({ ...this.config, database });
    const adapter = await new PrismaPg(pool).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await pool.end();
      await this.pool.query(`drop database "${database}"`);
    };
    return adapter;
  }

  end() {
    return this.pool.end();
  }
}
