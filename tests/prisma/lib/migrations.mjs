//! A Prisma Migrate migrations folder, read the way the Prisma CLI reads it for the engine.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The engine's `MigrationList` for the migrations folder `dir`. */
export async function migrationsList(dir) {
  const lockfile = 'migration_lock.toml';
  const entries = await readdir(dir, { withFileTypes: true });
  const migrationDirectories = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const value = await readFile(join(dir, entry.name, 'migration.sql'), 'utf8');
    migrationDirectories.push({
      path: entry.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok', value } },
    });
  }
  migrationDirectories.sort((a, b) => a.path.localeCompare(b.path));
  return {
    baseDir: dir,
    lockfile: { path: lockfile, content: await readFile(join(dir, lockfile), 'utf8') },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}
