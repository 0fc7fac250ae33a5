import type BetterSqlite3 from 'better-sqlite3';
import type { Clock } from './time.js';

/** What every repository is built from. */
export interface StoreContext {
  readonly db: BetterSqlite3.Database;
  readonly now: Clock;
  /** The database file as given, for error messages. */
  readonly path: string;
}
