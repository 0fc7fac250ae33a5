import type { Migration } from './migration.js';

/**
 * Write intents also cover the permissions of an allowlist entry (fine-grained job token
 * permissions): `change` says which kind of write an intent is, so a pending one is settled by
 * reading back the right thing. For a permissions change, `source_path` is the entry's path.
 */
export const migration: Migration = {
  version: 11,
  name: 'write-intent-change',
  sql: `
ALTER TABLE write_intents ADD COLUMN change TEXT NOT NULL DEFAULT 'allowlist'
  CHECK (change IN ('allowlist', 'policies'));
`,
};
