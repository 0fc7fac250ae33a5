import type { Migration } from './migration.js';

/**
 * People's judgement of a diagnosis: a 👎 on the bot's note or a reply `@bot wrong` says the
 * rule (pattern) named the wrong cause for that incident. One row per person and incident; a
 * withdrawn judgement (the 👎 removed, the reply deleted) keeps its row with `withdrawn_at`.
 * `feedback_answers` remembers which acknowledgements the bot posted, so it posts each once.
 */
export const migration: Migration = {
  version: 10,
  name: 'feedback',
  sql: `
CREATE TABLE feedback (
  id            INTEGER PRIMARY KEY,
  incident_id   INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  pattern_id    TEXT NOT NULL,
  user_id       INTEGER NOT NULL,
  username      TEXT NOT NULL,
  via           TEXT NOT NULL CHECK (via IN ('reaction', 'reply')),
  source_key    TEXT NOT NULL,
  note_ref      INTEGER NOT NULL,
  given_at      TEXT NOT NULL,
  recorded_at   TEXT NOT NULL,
  withdrawn_at  TEXT,
  UNIQUE (incident_id, user_id)
) STRICT;

CREATE INDEX feedback_note ON feedback (note_ref) WHERE withdrawn_at IS NULL;
CREATE INDEX feedback_pattern ON feedback (pattern_id) WHERE withdrawn_at IS NULL;

CREATE TABLE feedback_answers (
  key         TEXT PRIMARY KEY,
  answered_at TEXT NOT NULL
) STRICT;
`,
};
