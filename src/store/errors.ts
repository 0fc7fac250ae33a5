/** A database that cannot be opened, migrated or read; the message names the file and the fix. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly path: string;

  constructor(message: string, options: { path: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.path = options.path;
  }
}

/**
 * The words for a full disk (SQLITE_FULL, ENOSPC), the same at open and while the bot runs:
 * what is wrong and what to do, so the admin need not know SQLite's codes.
 */
export const DISK_FULL_FIX =
  'the disk is full: free space on the volume that holds DIAGNOSER_DB (or point DIAGNOSER_DB at a file on a volume with room)';

/** SQLite's error code along the cause chain, e.g. `SQLITE_READONLY_DBMOVED`. */
export function sqliteCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether an error came from the database: it is no job's or project's fault, and the same
 * for every one of them, so it ends the cycle with its own words instead of being put on a job.
 */
export function isStoreFailure(error: unknown): boolean {
  return error instanceof StoreError || sqliteCode(error) !== undefined;
}
