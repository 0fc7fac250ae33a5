import type { StoreContext } from './context.js';
import { toIso } from './time.js';

/** Which kinds of request GitLab asked the bot to hold back, and until when (JSON). */
export const GITLAB_PAUSES_KEY = 'gitlab-pauses';
/** Where the last cycle's outcome is kept, for /readyz and the dashboard. */
export const LAST_CYCLE_KEY = 'last-cycle';

/** The last cycle's outcome, as stored under LAST_CYCLE_KEY. */
export interface LastCycle {
  at: string;
  /** GitLab answered (no outage, no refusal). */
  gitlabOk: boolean;
  newJobs: number;
  diagnosed: number;
  problems: number;
}

/** Small key/value facts about the bot itself, e.g. when the last cycle ran. */
export interface MetaRepository {
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
}

export function createMetaRepository({ db, now }: StoreContext): MetaRepository {
  const select = db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck();
  const upsert = db.prepare<[string, string, string]>(
    `INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  );

  return {
    getMeta(key) {
      return select.get(key);
    },
    setMeta(key, value) {
      upsert.run(key, value, toIso(now()));
    },
  };
}
