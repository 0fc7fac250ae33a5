import type { Migration } from './migration.js';

/**
 * The dashboard and `incidents stats` count failed jobs per day on every view: an index on
 * the failure time keeps that a range scan as the log grows.
 */
export const migration: Migration = {
  version: 3,
  name: 'report-indexes',
  sql: `
CREATE INDEX occurrences_failed_at ON occurrences (failed_at, incident_id);
`,
};
