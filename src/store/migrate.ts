import type BetterSqlite3 from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { Migration } from './migrations/migration.js';

export interface MigrationResult {
  /** `PRAGMA user_version` before. */
  from: number;
  /** `PRAGMA user_version` after. */
  to: number;
  /** The versions applied now; empty when the database was already current. */
  applied: number[];
}

function userVersion(db: BetterSqlite3.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration "${migration.name}" has version ${migration.version}, expected ${index + 1}: ` +
          'versions must start at 1 and go up by one',
      );
    }
  });
}

/**
 * Brings the schema to the last migration's version. Pending migrations run in one
 * IMMEDIATE transaction with the `user_version` bump, so a failure leaves the database
 * as it was and two processes starting together cannot both migrate.
 */
export function migrate(
  db: BetterSqlite3.Database,
  migrations: readonly Migration[],
  path: string,
): MigrationResult {
  checkOrder(migrations);
  const latest = migrations.at(-1)?.version ?? 0;

  function refuseNewer(version: number): void {
    if (version > latest) {
      throw new StoreError(
        `${path} has schema version ${version}, but this pipeline-diagnoser knows only up to ` +
          `version ${latest}: it was written by a newer release. Upgrade pipeline-diagnoser, ` +
          'or point DIAGNOSER_DB at another file.',
        { path },
      );
    }
  }

  const before = userVersion(db);
  refuseNewer(before);
  if (before === latest) {
    return { from: before, to: before, applied: [] };
  }

  const run = db.transaction(() => {
    // Another process may have migrated between the read above and our lock.
    const from = userVersion(db);
    refuseNewer(from);
    const pending = migrations.filter((migration) => migration.version > from);
    for (const migration of pending) {
      try {
        db.exec(migration.sql);
      } catch (error) {
        const label = `${String(migration.version).padStart(3, '0')}-${migration.name}`;
        throw new StoreError(
          `Migration ${label} failed on ${path} (${(error as Error).message}); ` +
            'nothing was changed. Report this as a bug, with the message.',
          { path, cause: error },
        );
      }
    }
    db.pragma(`user_version = ${latest}`);
    return { from, to: latest, applied: pending.map((migration) => migration.version) };
  });
  return run.immediate();
}
