import * as z from 'zod';
import type { StoreContext } from './context.js';
import { fromJson, toJson } from './json.js';
import { toIso, type Timestamp } from './time.js';

/** What a prune removed (or, in a dry run, would remove). */
export interface PruneResult {
  incidents: number;
  occurrences: number;
  actions: number;
  /** Note rows forgotten because every incident they listed was removed. */
  notesDeleted: number;
  /** Note rows kept, with the removed incidents taken off their list. */
  notesUpdated: number;
  /** Actions about writes to GitLab kept as the audit trail, detached from their incident. */
  writesKept: number;
  /** Finished rows of the job queue (done or given up) removed. */
  queuedJobs: number;
  /** Kept records of writes older than the audit retention removed (0 when it is not set). */
  auditRemoved: number;
}

/**
 * The trail of what the bot changed in GitLab, and who approved it: kept when its incident is
 * pruned (see pruneAuditTrail). The kinds of the one-click flow (fix/state.ts).
 */
export const WRITE_TRAIL_KINDS: readonly string[] = [
  'approval',
  'api-write',
  'retry',
  'fix-outcome',
];

export interface PruneOptions {
  /** The most incidents removed in this call (one transaction); default all. */
  limit?: number;
  /** Count inside a transaction that is rolled back: nothing changes. */
  dryRun?: boolean;
  /**
   * The admin's audit retention: the kept record of writes older than this goes too, in the
   * same transaction (so a dry run counts the writes the incidents it removes would detach).
   * Unset: that record is kept for good.
   */
  auditBefore?: Timestamp;
}

export interface RetentionRepository {
  /**
   * Removes `fixed` and `closed` incidents with no activity at or after `before` (last
   * failure, last update and every action are older), with their occurrences and actions,
   * and takes them off the notes that list them. Open and error incidents are always kept.
   * The record of writes the bot made to GitLab (WRITE_TRAIL_KINDS) is kept, detached from
   * the incident with its key and projects copied in. Finished job queue rows older than
   * `before` go too: discovery never looks back that far. With `auditBefore`, the kept record
   * older than that goes as well: the one rule the nightly prune and `incidents prune` share.
   */
  pruneIncidents(before: Timestamp, options?: PruneOptions): PruneResult;
  /** Removes the kept record of writes older than `before` (the admin's audit retention). */
  pruneAuditTrail(before: Timestamp): number;
  /** Rewrites the file to give the freed pages back to the file system. Slow on big files. */
  vacuum(): void;
}

interface NoteIdsRow {
  id: number;
  incident_ids: string;
}

const IncidentIds = z.array(z.number().int());

class DryRunRollback extends Error {
  constructor(readonly result: PruneResult) {
    super('dry run: rolled back');
  }
}

export function createRetentionRepository({ db, path }: StoreContext): RetentionRepository {
  const candidates = db
    .prepare<{ before: string; limit: number }, number>(
      `SELECT id FROM incidents i
       WHERE status IN ('fixed', 'closed')
         AND last_seen_at < @before AND updated_at < @before
         AND NOT EXISTS (SELECT 1 FROM actions a
                         WHERE a.incident_id = i.id AND a.created_at >= @before)
       ORDER BY id
       LIMIT @limit`,
    )
    .pluck();
  // Ids travel as one JSON array, so one statement serves any batch size.
  const writeKinds = WRITE_TRAIL_KINDS.map((k) => `'${k}'`).join(', ');
  const detachWrites = db.prepare<[string]>(
    `UPDATE actions SET incident_id = NULL,
       detail = json_set(detail, '$.incident', (
         SELECT json_object('id', i.id, 'rootCauseKey', i.root_cause_key,
                            'project', i.project_path, 'target', i.target_project_path)
         FROM incidents i WHERE i.id = actions.incident_id))
     WHERE kind IN (${writeKinds}) AND incident_id IN (SELECT value FROM json_each(?))`,
  );
  const deleteActions = db.prepare<[string]>(
    'DELETE FROM actions WHERE incident_id IN (SELECT value FROM json_each(?))',
  );
  const deleteQueued = db.prepare<[string]>(
    "DELETE FROM job_queue WHERE status IN ('done', 'failed') AND updated_at < ?",
  );
  const deleteAudit = db.prepare<[string]>(
    `DELETE FROM actions WHERE incident_id IS NULL AND kind IN (${writeKinds}) AND created_at < ?`,
  );
  const deleteOccurrences = db.prepare<[string]>(
    'DELETE FROM occurrences WHERE incident_id IN (SELECT value FROM json_each(?))',
  );
  const deleteIncidents = db.prepare<[string]>(
    'DELETE FROM incidents WHERE id IN (SELECT value FROM json_each(?))',
  );
  const notesListing = db.prepare<[string], NoteIdsRow>(
    `SELECT id, incident_ids FROM notes
     WHERE EXISTS (SELECT 1 FROM json_each(notes.incident_ids) AS listed
                   WHERE listed.value IN (SELECT value FROM json_each(?)))`,
  );
  const setNoteIds = db.prepare<[string, number]>('UPDATE notes SET incident_ids = ? WHERE id = ?');
  const deleteNote = db.prepare<[number]>('DELETE FROM notes WHERE id = ?');

  const pruneIds = (before: string, limit: number): PruneResult => {
    const ids = candidates.all({ before, limit });
    const result: PruneResult = {
      incidents: 0,
      occurrences: 0,
      actions: 0,
      notesDeleted: 0,
      notesUpdated: 0,
      writesKept: 0,
      queuedJobs: deleteQueued.run(before).changes,
      auditRemoved: 0,
    };
    if (ids.length === 0) return result;
    const list = JSON.stringify(ids);
    const removed = new Set(ids);
    for (const note of notesListing.all(list)) {
      const listed = fromJson(IncidentIds, note.incident_ids, `note ${note.id} incident_ids`, path);
      const kept = listed.filter((id) => !removed.has(id));
      if (kept.length === 0) {
        deleteNote.run(note.id);
        result.notesDeleted += 1;
      } else {
        setNoteIds.run(toJson(kept), note.id);
        result.notesUpdated += 1;
      }
    }
    // Children first: occurrences and actions reference their incident.
    result.writesKept = detachWrites.run(list).changes;
    result.actions = deleteActions.run(list).changes;
    result.occurrences = deleteOccurrences.run(list).changes;
    result.incidents = deleteIncidents.run(list).changes;
    return result;
  };

  const prune = db.transaction(
    (before: string, limit: number, auditBefore: string | undefined): PruneResult => {
      const result = pruneIds(before, limit);
      if (auditBefore !== undefined) result.auditRemoved = deleteAudit.run(auditBefore).changes;
      return result;
    },
  );

  const dryRun = db.transaction(
    (before: string, limit: number, auditBefore: string | undefined): never => {
      throw new DryRunRollback(prune(before, limit, auditBefore));
    },
  );

  return {
    pruneIncidents(before, options = {}) {
      const { limit } = options;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
        throw new RangeError(`limit must be a whole number of 1 or more, got ${limit}`);
      }
      const at = toIso(before);
      const rows = limit ?? -1; // SQLite reads a negative LIMIT as none
      const audit = options.auditBefore === undefined ? undefined : toIso(options.auditBefore);
      if (!options.dryRun) return prune(at, rows, audit);
      try {
        return dryRun(at, rows, audit);
      } catch (error) {
        if (error instanceof DryRunRollback) return error.result;
        throw error;
      }
    },
    pruneAuditTrail(before) {
      return deleteAudit.run(toIso(before)).changes;
    },
    vacuum() {
      db.exec('VACUUM');
      // In WAL mode the rewritten pages sit in the -wal file until a checkpoint.
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
