import type { Migration } from './migration.js';

/**
 * A dashboard session also ends after a while without use (its last request is kept), and a
 * sign-in attempt says what it is for: a GitLab sign-in (holding its PKCE verifier) or a
 * one-time local link made on the host.
 */
export const migration: Migration = {
  version: 5,
  name: 'session-activity',
  sql: `
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
UPDATE sessions SET last_seen_at = created_at;
ALTER TABLE sign_in_attempts ADD COLUMN purpose TEXT NOT NULL DEFAULT 'gitlab';
`,
};
