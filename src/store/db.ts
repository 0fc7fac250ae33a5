import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { DISK_FULL_FIX, StoreError } from './errors.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { createStore, type Store } from './store.js';
import type { Clock } from './time.js';

export interface OpenDatabaseOptions {
  /** Defaults to the system clock; tests and the simulator pass their own. */
  now?: Clock;
  /**
   * The most pages the file may grow to (SQLite's max_page_count, per connection): past it
   * SQLite answers SQLITE_FULL as on a full disk. For tests of that path; unset in the bot.
   */
  maxPageCount?: number;
}

const MEMORY = ':memory:';

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Turns an SQLite or file-system failure into a message that names the file and the fix. */
function openError(shown: string, error: unknown): StoreError {
  const code = errorCode(error);
  const reason = errorText(error);
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      `${shown} is not a readable SQLite database (${reason}): move it aside or restore it ` +
        'from a backup and start again (a new database is created), or point DIAGNOSER_DB at ' +
        'another file.',
      { path: shown, cause: error },
    );
  }
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC') {
    return new StoreError(`Cannot write ${shown} (${code}: ${reason}): ${DISK_FULL_FIX}.`, {
      path: shown,
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(
      `${shown} is locked by another process (${reason}): stop the other pipeline-diagnoser ` +
        'using it, or give this one its own DIAGNOSER_DB.',
      { path: shown, cause: error },
    );
  }
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_PERM') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'EACCES' ||
    code === 'EPERM' ||
    code === 'EROFS' ||
    code === 'ENOTDIR' ||
    code === 'EEXIST'
  ) {
    return new StoreError(
      `Cannot open ${shown} (${reason}): make sure the path names a file, not a folder, and ` +
        'that the user running pipeline-diagnoser can write to it and to its folder ' +
        '(the database keeps -wal and -shm files next to it).',
      { path: shown, cause: error },
    );
  }
  return new StoreError(`Cannot open ${shown}: ${reason}`, { path: shown, cause: error });
}

function configure(db: Database.Database): void {
  // busy_timeout first, so a lock held by another process is waited for, not an error.
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

/**
 * Opens (creating if needed) the incident log at `path`, a file or `:memory:`, and brings
 * its schema up to date. Throws a StoreError naming the file and the fix when the file
 * cannot be opened, is not an SQLite database, or was written by a newer release.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Store {
  if (path.trim() === '') {
    // better-sqlite3 would open a throw-away temporary database for ''.
    throw new StoreError('The database path is empty: set DIAGNOSER_DB to a file path', {
      path,
    });
  }
  const memory = path === MEMORY;
  const shown = memory ? MEMORY : nodePath.resolve(path);
  let db: Database.Database | undefined;
  try {
    if (!memory) {
      fs.mkdirSync(nodePath.dirname(shown), { recursive: true });
    }
    db = new Database(path);
    configure(db);
    // Migrate (or refuse a newer schema) before WAL, which is persistent and would change the file.
    migrate(db, migrations, shown);
    if (!memory) {
      db.pragma('journal_mode = WAL');
    }
    if (options.maxPageCount !== undefined) {
      db.pragma(`max_page_count = ${Math.trunc(options.maxPageCount)}`);
    }
  } catch (error) {
    db?.close();
    throw error instanceof StoreError ? error : openError(shown, error);
  }
  return createStore(db, { path, now: options.now });
}
