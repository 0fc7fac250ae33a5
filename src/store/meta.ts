import type { StoreContext } from './context.js';
import { toIso } from './time.js';

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
