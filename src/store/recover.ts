import nodePath from 'node:path';
import { openDatabase, type OpenDatabaseOptions } from './db.js';
import { DISK_FULL_FIX, StoreError, sqliteCode } from './errors.js';
import type { Store } from './store.js';

/**
 * A database failure met while the bot runs (not at open), as a StoreError
 * that names the file, the setting and the fix; undefined for anything else.
 */
export function storeFailure(error: unknown, path: string): StoreError | undefined {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error);
  if (!code) return undefined;
  const shown = path === ':memory:' ? path : nodePath.resolve(path);
  const reason = error instanceof Error ? error.message : String(error);
  const fix = code.startsWith('SQLITE_READONLY')
    ? 'the bot cannot write it: let the user running pipeline-diagnoser write the file and its folder (the -wal and -shm files too), or point DIAGNOSER_DB at a writable file; the bot opens it again by itself'
    : code.startsWith('SQLITE_FULL')
      ? `${DISK_FULL_FIX}; the bot goes on by itself once there is room`
      : code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
        ? 'another process holds it locked: stop it, or give this bot its own DIAGNOSER_DB'
        : code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB'
          ? 'the file is damaged: stop the bot, restore DIAGNOSER_DB from a backup (or move it aside to start afresh)'
          : 'check the disk and the file named by DIAGNOSER_DB';
  return new StoreError(`The database ${shown} failed (${code}: ${reason}): ${fix}.`, {
    path: shown,
    cause: error,
  });
}

/** Whether opening the file again may cure the failure (it was opened read-only). */
export function needsReopen(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_READONLY') ?? false;
}

/**
 * A store that can open its file again behind the same object: SQLite opens a
 * file it may not write read-only and stays so, even after the file is made
 * writable. Everyone keeps the one Store; `reopen` swaps what is under it.
 */
export function openReopenableDatabase(
  path: string,
  options: OpenDatabaseOptions = {},
): Store & { reopen(): void } {
  let current = openDatabase(path, options);
  const reopen = () => {
    const fresh = openDatabase(path, options);
    const old = current;
    current = fresh;
    old.close();
  };
  return new Proxy({} as Store & { reopen(): void }, {
    get(_target, key) {
      if (key === 'reopen') return reopen;
      return current[key as keyof Store];
    },
  });
}
