import type { Migration } from './migration.js';

/**
 * The job token readiness audit (each run and its findings, for the dashboard and /metrics),
 * and dashboard sign-ins kept on the server: a session is valid until it expires or is ended,
 * and a GitLab sign-in in progress keeps its PKCE verifier here, never in the browser.
 */
export const migration: Migration = {
  version: 4,
  name: 'audit-and-sessions',
  sql: `
CREATE TABLE audit_runs (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  gitlab_version TEXT,
  projects INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  problems TEXT NOT NULL
);
CREATE TABLE audit_findings (
  run_id INTEGER NOT NULL REFERENCES audit_runs (id) ON DELETE CASCADE,
  source TEXT NOT NULL,
  source_id INTEGER NOT NULL,
  target TEXT NOT NULL,
  target_id INTEGER,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  via TEXT NOT NULL,
  last_used TEXT,
  fix TEXT
);
CREATE INDEX audit_findings_run ON audit_findings (run_id, state);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  user_id INTEGER,
  username TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE TABLE sign_in_attempts (
  state_hash TEXT PRIMARY KEY,
  verifier TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`,
};
