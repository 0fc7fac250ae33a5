import type { StoreContext } from './context.js';
import { toIso } from './time.js';

/** How far the poller has read each project's jobs. */
export interface CursorRepository {
  /** The highest job id already read for the project, if any. */
  getCursor(projectId: number): number | undefined;
  /**
   * Records that jobs up to `lastJobId` were read. A lower id than the stored one is
   * ignored, so a slow or repeated cycle never makes the poller read jobs again.
   * Returns the cursor as stored afterwards.
   */
  setCursor(projectId: number, lastJobId: number): number;
}

export function createCursorRepository({ db, now }: StoreContext): CursorRepository {
  const select = db
    .prepare<[number], number>('SELECT last_job_id FROM cursors WHERE project_id = ?')
    .pluck();
  const upsert = db.prepare<[number, number, string]>(
    `INSERT INTO cursors (project_id, last_job_id, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (project_id) DO UPDATE
       SET last_job_id = excluded.last_job_id, updated_at = excluded.updated_at
       WHERE excluded.last_job_id > cursors.last_job_id`,
  );

  return {
    getCursor(projectId) {
      return select.get(projectId);
    },
    setCursor(projectId, lastJobId) {
      upsert.run(projectId, lastJobId, toIso(now()));
      return select.get(projectId) ?? lastJobId;
    },
  };
}
