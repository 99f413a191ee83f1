//! A `pg` client that reports PostgreSQL's one-byte `"char"` columns as `text`.
//!
//! Why: the schema engine reads catalog columns such as `pg_constraint.contype`, whose type is
//! `"char"` (OID 18). @prisma/adapter-pg 7.10.1 maps every built-in type it knows to a Prisma
//! column type and has no entry for OID 18, so through it every introspection and every diff
//! against a database fails with "Column type 'char' could not be deserialized from the
//! database". Prisma's native engine reads that column as a one-character string; `pg` already
//! returns it as a one-character string (it has no parser for OID 18), so relabelling the
//! column as `text` gives the engine exactly what the native engine sees. Nothing else changes.
//! `test/adapter-gap.test.mjs` fails when the adapter learns the type, so this can go then.

import pg from 'pg';

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

/** A pool for `new PrismaPg(pool)` that the schema engine can introspect through. */
export function catalogPool(connectionString) {
  return new pg.Pool({ connectionString, Client: CharAsTextClient });
}
