import type { Migration } from './migration.js';

/**
 * The incident lifecycle (domain/lifecycle.ts): when the status last changed, and when the
 * bot last checked whether it still holds (fixed by hand, merge requests ended, access lost).
 */
export const migration: Migration = {
  version: 6,
  name: 'incident-lifecycle',
  sql: `
ALTER TABLE incidents ADD COLUMN status_since TEXT;
ALTER TABLE incidents ADD COLUMN reviewed_at TEXT;
UPDATE incidents SET status_since = updated_at;
CREATE INDEX incidents_review ON incidents (status, reviewed_at);
`,
};
