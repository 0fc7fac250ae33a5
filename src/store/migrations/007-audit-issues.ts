import type { Migration } from './migration.js';

/**
 * The issues the audit opens in target projects, each with the exact entries it offers (the
 * issue's text may be edited; these rows are what an approval applies), and their trail:
 * every approval looked at (once, by its key), every write, the outcome.
 */
export const migration: Migration = {
  version: 7,
  name: 'audit-issues',
  sql: `
CREATE TABLE audit_issues (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  project_path TEXT NOT NULL,
  issue_iid INTEGER NOT NULL,
  web_url TEXT NOT NULL,
  entries TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  status TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX audit_issues_status ON audit_issues (status, project_id);
CREATE TABLE audit_issue_events (
  id INTEGER PRIMARY KEY,
  issue_id INTEGER NOT NULL REFERENCES audit_issues (id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  key TEXT,
  actor TEXT,
  status TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (issue_id, key)
);
`,
};
