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
}

export interface PruneOptions {
  /** The most incidents removed in this call (one transaction); default all. */
  limit?: number;
  /** Count inside a transaction that is rolled back: nothing changes. */
  dryRun?: boolean;
}

export interface RetentionRepository {
  /**
   * Removes `fixed` and `closed` incidents with no activity at or after `before` (last
   * failure, last update and every action are older), with their occurrences and actions,
   * and takes them off the notes that list them. Open and error incidents are always kept.
   * The job queue is kept: it stops old failed jobs from being diagnosed again.
   */
  pruneIncidents(before: Timestamp, options?: PruneOptions): PruneResult;
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
  const deleteActions = db.prepare<[string]>(
    'DELETE FROM actions WHERE incident_id IN (SELECT value FROM json_each(?))',
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

  const prune = db.transaction((before: string, limit: number): PruneResult => {
    const ids = candidates.all({ before, limit });
    const result: PruneResult = {
      incidents: 0,
      occurrences: 0,
      actions: 0,
      notesDeleted: 0,
      notesUpdated: 0,
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
    result.actions = deleteActions.run(list).changes;
    result.occurrences = deleteOccurrences.run(list).changes;
    result.incidents = deleteIncidents.run(list).changes;
    return result;
  });

  const dryRun = db.transaction((before: string, limit: number): never => {
    throw new DryRunRollback(prune(before, limit));
  });

  return {
    pruneIncidents(before, options = {}) {
      const { limit } = options;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
        throw new RangeError(`limit must be a whole number of 1 or more, got ${limit}`);
      }
      const at = toIso(before);
      const rows = limit ?? -1; // SQLite reads a negative LIMIT as none
      if (!options.dryRun) return prune(at, rows);
      try {
        return dryRun(at, rows);
      } catch (error) {
        if (error instanceof DryRunRollback) return error.result;
        throw error;
      }
    },
    vacuum() {
      db.exec('VACUUM');
      // In WAL mode the rewritten pages sit in the -wal file until a checkpoint.
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}
