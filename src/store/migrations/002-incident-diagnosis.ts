import type { Migration } from './migration.js';

/**
 * The whole diagnosis (verdict, checks, fix, projects) as JSON, so a note
 * can be rendered again from the log alone, and occurrences by commit for
 * notes on commits.
 */
export const migration: Migration = {
  version: 2,
  name: 'incident-diagnosis',
  sql: `
ALTER TABLE incidents ADD COLUMN diagnosis TEXT;
CREATE INDEX occurrences_commit ON occurrences (project_id, sha) WHERE mr_iid IS NULL;
`,
};
