import * as z from 'zod';
import type { StoreContext } from './context.js';
import { fromJson, toJson } from './json.js';
import { toIso, type Timestamp } from './time.js';

export type NoteTargetKind = 'merge_request' | 'commit';

/** A note the bot posted, so the next cycle edits it instead of posting another. */
export interface Note {
  id: number;
  projectId: number;
  targetKind: NoteTargetKind;
  /** The merge request iid as text, or the commit sha. */
  targetKey: string;
  noteId: number;
  discussionId: string | null;
  url: string;
  /** Hash of the body last posted, to skip edits that change nothing. */
  bodyHash: string;
  incidentIds: number[];
  createdAt: string;
  updatedAt: string;
}

export interface NoteInput {
  projectId: number;
  targetKind: NoteTargetKind;
  /** A merge request iid (number or text) or a commit sha. */
  targetKey: string | number;
  noteId: number;
  discussionId?: string | null;
  url: string;
  bodyHash: string;
  incidentIds: readonly number[];
}

export interface NoteRepository {
  findNote(projectId: number, kind: NoteTargetKind, key: string | number): Note | undefined;
  /** The stored note with this GitLab note id in this project (a reaction names only that). */
  findNoteByNoteId(projectId: number, noteId: number): Note | undefined;
  /** Inserts, or updates the note stored for the same project, kind and key. */
  saveNote(input: NoteInput): Note;
  listNotesForIncident(incidentId: number): Note[];
  /** Notes posted or edited at or after `since`, oldest first (bounded work for approval checks). */
  listNotesUpdatedSince(since: Timestamp): Note[];
  /**
   * Where a note was held back (an action `note-created` with status `dry-run`, whose detail
   * names the target) for an incident still open, and no note is stored yet: what a bot that
   * now writes for real still owes. Oldest first.
   */
  listHeldBackTargets(): HeldBackTarget[];
}

/** A note target as a held-back note action recorded it. */
export interface HeldBackTarget {
  projectId: number;
  targetKind: NoteTargetKind;
  targetKey: string;
  sha: string;
  projectWebUrl: string;
}

interface NoteRow {
  id: number;
  project_id: number;
  target_kind: NoteTargetKind;
  target_key: string;
  note_id: number;
  discussion_id: string | null;
  url: string;
  body_hash: string;
  incident_ids: string;
  created_at: string;
  updated_at: string;
}

const IncidentIds = z.array(z.number().int());

export function createNoteRepository({ db, now, path }: StoreContext): NoteRepository {
  const find = db.prepare<[number, string, string], NoteRow>(
    'SELECT * FROM notes WHERE project_id = ? AND target_kind = ? AND target_key = ?',
  );
  const byNoteId = db.prepare<[number, number], NoteRow>(
    'SELECT * FROM notes WHERE project_id = ? AND note_id = ?',
  );
  const upsert = db.prepare<Omit<NoteRow, 'id' | 'updated_at'>, NoteRow>(
    `INSERT INTO notes (
       project_id, target_kind, target_key, note_id, discussion_id, url, body_hash,
       incident_ids, created_at, updated_at)
     VALUES (
       @project_id, @target_kind, @target_key, @note_id, @discussion_id, @url, @body_hash,
       @incident_ids, @created_at, @created_at)
     ON CONFLICT (project_id, target_kind, target_key) DO UPDATE SET
       note_id = excluded.note_id, discussion_id = excluded.discussion_id, url = excluded.url,
       body_hash = excluded.body_hash, incident_ids = excluded.incident_ids,
       updated_at = excluded.updated_at
     RETURNING *`,
  );
  // Few notes per install, so scanning the JSON arrays is cheap enough.
  const updatedSince = db.prepare<[string], NoteRow>(
    'SELECT * FROM notes WHERE updated_at >= ? ORDER BY updated_at, id',
  );
  const forIncident = db.prepare<[number], NoteRow>(
    `SELECT * FROM notes
     WHERE EXISTS (SELECT 1 FROM json_each(notes.incident_ids) WHERE json_each.value = ?)
     ORDER BY updated_at DESC, id DESC`,
  );

  const heldBack = db.prepare<[], HeldBackTarget>(
    `SELECT DISTINCT json_extract(a.detail, '$.projectId') AS projectId,
       json_extract(a.detail, '$.targetKind') AS targetKind,
       json_extract(a.detail, '$.targetKey') AS targetKey,
       json_extract(a.detail, '$.sha') AS sha,
       json_extract(a.detail, '$.projectWebUrl') AS projectWebUrl
     FROM actions a JOIN incidents i ON i.id = a.incident_id
     WHERE a.kind = 'note-created' AND a.status = 'dry-run' AND i.status = 'open'
       AND NOT EXISTS (SELECT 1 FROM notes n
                       WHERE n.project_id = json_extract(a.detail, '$.projectId')
                         AND n.target_kind = json_extract(a.detail, '$.targetKind')
                         AND n.target_key = json_extract(a.detail, '$.targetKey'))
     ORDER BY a.id`,
  );

  function toNote(row: NoteRow): Note {
    return {
      id: row.id,
      projectId: row.project_id,
      targetKind: row.target_kind,
      targetKey: row.target_key,
      noteId: row.note_id,
      discussionId: row.discussion_id,
      url: row.url,
      bodyHash: row.body_hash,
      incidentIds: fromJson(IncidentIds, row.incident_ids, `note ${row.id} incident_ids`, path),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  return {
    findNote(projectId, kind, key) {
      const row = find.get(projectId, kind, String(key));
      return row && toNote(row);
    },
    findNoteByNoteId(projectId, noteId) {
      const row = byNoteId.get(projectId, noteId);
      return row && toNote(row);
    },
    saveNote(input) {
      const row = upsert.get({
        project_id: input.projectId,
        target_kind: input.targetKind,
        target_key: String(input.targetKey),
        note_id: input.noteId,
        discussion_id: input.discussionId ?? null,
        url: input.url,
        body_hash: input.bodyHash,
        incident_ids: toJson([...new Set(input.incidentIds)]),
        created_at: toIso(now()),
      });
      if (row === undefined) {
        throw new Error('INSERT ... RETURNING gave no row');
      }
      return toNote(row);
    },
    listNotesForIncident(incidentId) {
      return forIncident.all(incidentId).map(toNote);
    },
    listHeldBackTargets() {
      return heldBack.all().filter(isHeldBackTarget);
    },
    listNotesUpdatedSince(since) {
      return updatedSince.all(toIso(since)).map(toNote);
    },
  };
}

/** Rows of actions written before the detail named the target are skipped. */
function isHeldBackTarget(row: HeldBackTarget): boolean {
  return (
    typeof row.projectId === 'number' &&
    (row.targetKind === 'merge_request' || row.targetKind === 'commit') &&
    typeof row.targetKey === 'string' &&
    typeof row.sha === 'string' &&
    typeof row.projectWebUrl === 'string'
  );
}
