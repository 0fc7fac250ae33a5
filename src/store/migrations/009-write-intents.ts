import type { Migration } from './migration.js';

/**
 * Allowlist writes the bot has set out to make, recorded before the request goes out: a crash
 * or a timeout between GitLab applying the change and the bot recording it leaves a pending row,
 * which the next cycle settles by reading the allowlist again.
 */
export const migration: Migration = {
  version: 9,
  name: 'write-intents',
  sql: `
CREATE TABLE write_intents (
  id            INTEGER PRIMARY KEY,
  incident_id   INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  op            TEXT NOT NULL CHECK (op IN ('add', 'remove')),
  entry         TEXT NOT NULL CHECK (entry IN ('project', 'group')),
  target_id     INTEGER NOT NULL,
  target_path   TEXT NOT NULL,
  source_id     INTEGER NOT NULL,
  source_path   TEXT NOT NULL,
  group_id      INTEGER,
  via           TEXT CHECK (via IS NULL OR via IN ('rest', 'graphql')),
  approved_by   TEXT NOT NULL,
  unanswered    INTEGER NOT NULL DEFAULT 0,
  sent_at       TEXT,
  state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
) STRICT;

CREATE INDEX write_intents_pending ON write_intents (id) WHERE state = 'pending';
CREATE INDEX write_intents_incident ON write_intents (incident_id, id);
`,
};
