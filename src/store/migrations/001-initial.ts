import type { Migration } from './migration.js';

// STRICT tables make SQLite reject a value of the wrong type instead of storing it.
// Times are ISO-8601 UTC text (toISOString), so text order is time order.
// There is deliberately no column for a token or any other secret.
const sql = `
CREATE TABLE cursors (
  project_id  INTEGER PRIMARY KEY,
  last_job_id INTEGER NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE job_queue (
  job_id          INTEGER PRIMARY KEY,
  project_id      INTEGER NOT NULL,
  pipeline_id     INTEGER NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  last_error      TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
) STRICT;

CREATE INDEX job_queue_due ON job_queue (next_attempt_at, job_id) WHERE status = 'pending';

CREATE TABLE incidents (
  id                  INTEGER PRIMARY KEY,
  root_cause_key      TEXT NOT NULL UNIQUE,
  pattern_id          TEXT NOT NULL,
  verdict             TEXT NOT NULL,
  status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'fixed', 'closed', 'error')),
  project_id          INTEGER NOT NULL,
  project_path        TEXT NOT NULL,
  target_project_id   INTEGER,
  target_project_path TEXT,
  fields              TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(fields)),
  evidence            TEXT CHECK (evidence IS NULL OR json_valid(evidence)),
  checks              TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(checks)),
  summary             TEXT NOT NULL,
  occurrences         INTEGER NOT NULL DEFAULT 0,
  first_seen_at       TEXT NOT NULL,
  last_seen_at        TEXT NOT NULL,
  updated_at          TEXT NOT NULL
) STRICT;

CREATE INDEX incidents_last_seen ON incidents (last_seen_at, id);
CREATE INDEX incidents_pattern ON incidents (pattern_id, last_seen_at);
CREATE INDEX incidents_verdict ON incidents (verdict, last_seen_at);
CREATE INDEX incidents_status ON incidents (status, last_seen_at);
CREATE INDEX incidents_project_path ON incidents (project_path, last_seen_at);
CREATE INDEX incidents_target_project_path ON incidents (target_project_path, last_seen_at)
  WHERE target_project_path IS NOT NULL;

CREATE TABLE occurrences (
  id           INTEGER PRIMARY KEY,
  incident_id  INTEGER NOT NULL REFERENCES incidents (id),
  project_id   INTEGER NOT NULL,
  pipeline_id  INTEGER NOT NULL,
  job_id       INTEGER NOT NULL UNIQUE,
  job_name     TEXT NOT NULL,
  job_url      TEXT NOT NULL,
  pipeline_url TEXT NOT NULL,
  ref          TEXT NOT NULL,
  sha          TEXT NOT NULL,
  mr_iid       INTEGER,
  failed_at    TEXT NOT NULL,
  recorded_at  TEXT NOT NULL
) STRICT;

CREATE INDEX occurrences_incident ON occurrences (incident_id, failed_at);
CREATE INDEX occurrences_merge_request ON occurrences (project_id, mr_iid) WHERE mr_iid IS NOT NULL;

CREATE TABLE notes (
  id            INTEGER PRIMARY KEY,
  project_id    INTEGER NOT NULL,
  target_kind   TEXT NOT NULL CHECK (target_kind IN ('merge_request', 'commit')),
  target_key    TEXT NOT NULL,
  note_id       INTEGER NOT NULL,
  discussion_id TEXT,
  url           TEXT NOT NULL,
  body_hash     TEXT NOT NULL,
  incident_ids  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(incident_ids)),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  UNIQUE (project_id, target_kind, target_key)
) STRICT;

CREATE TABLE actions (
  id          INTEGER PRIMARY KEY,
  incident_id INTEGER REFERENCES incidents (id),
  kind        TEXT NOT NULL,
  actor       TEXT,
  status      TEXT NOT NULL,
  detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
  created_at  TEXT NOT NULL
) STRICT;

CREATE INDEX actions_incident ON actions (incident_id, id);
CREATE INDEX actions_created ON actions (created_at);

CREATE TABLE meta (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
`;

export const migration: Migration = { version: 1, name: 'initial', sql };
